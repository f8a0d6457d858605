"""Backends are plugins: every one, built-in or third-party, comes from the
entry-point group ``unboil.backends`` (name = backend name, value = a ``Backend``
subclass). unboil's own backends are registered in its ``pyproject.toml`` exactly as
another package would register one.

``register()`` adds a backend class in-process (tests, notebooks).
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass

from .base import Backend
from .errors import BackendNotFound, BackendUnavailable

GROUP = "unboil.backends"

_registered: dict[str, type[Backend]] = {}


_instances: dict[str, Backend] = {}


def register(cls: type[Backend]) -> type[Backend]:
    """Register a backend class in this process (usable as a decorator)."""
    _registered[cls.name] = cls
    _instances.pop(cls.name, None)
    return cls


def unregister(name: str) -> None:
    _registered.pop(name, None)
    _instances.pop(name, None)


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=GROUP)}


def names() -> list[str]:
    """Every registered backend name, without importing any backend."""
    return sorted(set(_entry_points()) | set(_registered))


@dataclass
class BackendInfo:
    name: str
    description: str
    available: bool
    version: str | None
    install: str
    plugin: str  # where it comes from: the entry point's value or "(in-process)"
    error: str | None = None


def get_class(name: str) -> type[Backend]:
    if name in _registered:
        return _registered[name]
    eps = _entry_points()
    if name not in eps:
        import difflib

        known = names()
        close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise BackendNotFound(
            f"no backend named {name!r}{hint} (known: {', '.join(known) or 'none'})"
        )
    cls = eps[name].load()
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise BackendNotFound(f"entry point {name!r} ({eps[name].value}) is not a Backend class")
    return cls


def get(name: str) -> Backend:
    """An instance of the named backend, ready to run; raises ``BackendUnavailable``
    with the install command when its library is missing."""
    backend = get_class(name)()
    if not backend.available():
        raise BackendUnavailable(
            f"backend {name!r} is not installed: {backend.install or 'see its documentation'}"
        )
    return backend


def shared(name: str) -> Backend:
    """Like ``get``, but one instance per process: looking a backend up costs
    milliseconds (entry points, import checks), too much to repeat for every page."""
    backend = _instances.get(name)
    if backend is None:
        backend = _instances[name] = get(name)
    return backend


def describe(name: str) -> BackendInfo:
    """What ``unboil backends`` shows for one name. A plugin that fails to load is
    listed as unavailable with the cause."""
    eps = _entry_points()
    plugin = "(in-process)" if name in _registered else eps[name].value if name in eps else "?"
    try:
        backend = get_class(name)()
    except Exception as exc:
        from .base import one_line

        return BackendInfo(name, "", False, None, "", plugin, error=one_line(exc))
    available = backend.available()
    return BackendInfo(
        name=name,
        description=backend.description,
        available=available,
        version=backend.version() if available else None,
        install=backend.install,
        plugin=plugin,
    )
