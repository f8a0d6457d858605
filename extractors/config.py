"""Configuration files: ``[tool.unboil.<section>]`` in ``pyproject.toml`` and
``[<section>]`` (or ``[tool.unboil.<section>]``) in ``unboil.toml``.

Both files are looked for from the current directory upwards; the nearest of each is
used (a ``pyproject.toml`` without a ``[tool.unboil]`` table is passed over). The
search stops at the root of a repository (the first folder holding ``.git`` or ``.hg``)
or of the file system. Settings are layered key by key, later layers
winning: ``pyproject.toml``, then ``unboil.toml``, then the command line (which the
caller applies). ``--config FILE`` (``explicit``) replaces the search with that one
file, in either format.

A relative path in a config file is relative to the folder holding that file, so a
setting means the same whatever folder the command is run from. Each layer keeps its
folder (``Layer.base``) for that; ``resolve_path`` applies it.

The module knows nothing of the sections' keys: a command validates its own section
(``unboil.extractors.check_config`` for ``[tool.unboil.check]``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UnboilError

PYPROJECT = "pyproject.toml"
UNBOIL_TOML = "unboil.toml"
#: Folders that mark the root of a project: the search for config files stops there.
ROOT_MARKERS = (".git", ".hg")


class ConfigError(UnboilError):
    """A configuration file that cannot be read or holds a bad setting."""


@dataclass
class Layer:
    """One source of settings for a section."""

    #: Where the settings come from: a file path, or "command line".
    origin: str
    #: The section's settings as read (keys as written in the file).
    values: dict[str, Any]
    #: Folder that relative paths in ``values`` are relative to.
    base: Path
    #: The table the values come from; None: a file's shared settings (``SHARED_KEYS``).
    table: str | None = None


@dataclass
class Settings:
    """A section's settings from every layer, lowest precedence first."""

    section: str
    layers: list[Layer] = field(default_factory=list)

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key`` from the highest layer that sets it."""
        for layer in reversed(self.layers):
            if key in layer.values:
                return layer.values[key]
        return default

    def layer_of(self, key: str) -> Layer | None:
        """The layer that ``key``'s value comes from (None when no layer sets it)."""
        for layer in reversed(self.layers):
            if key in layer.values:
                return layer
        return None

    def origin(self, key: str) -> str:
        layer = self.layer_of(key)
        return layer.origin if layer else "default"

    def path(self, key: str) -> Path | None:
        """``key`` as a path, relative paths resolved against its layer's folder."""
        layer = self.layer_of(key)
        if layer is None or layer.values[key] is None:
            return None
        return resolve_path(layer.values[key], layer.base)

    def paths(self, key: str) -> list[Path]:
        """``key`` as a list of paths (a single string is a list of one)."""
        layer = self.layer_of(key)
        if layer is None:
            return []
        value = layer.values[key]
        items = [value] if isinstance(value, str) else value
        return [resolve_path(v, layer.base) for v in items]

    def keys(self) -> set[str]:
        return {k for layer in self.layers for k in layer.values}

    def items(self) -> Iterator[tuple[str, Any, Layer]]:
        """Every key set anywhere, with its winning value and layer."""
        for key in sorted(self.keys()):
            layer = self.layer_of(key)
            assert layer is not None
            yield key, layer.values[key], layer


def resolve_path(value: str | os.PathLike[str], base: Path) -> Path:
    """``value`` relative to ``base`` unless it is absolute (``~`` is expanded)."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def _load_toml(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _dig(data: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    node: Any = data
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


#: the sections a config file may hold: a command's table (each validated by its command)
SECTIONS = ("extract", "batch", "compare", "diff", "audit", "bench", "check")
#: the settings ``[tool.unboil]`` itself (and the top level of ``unboil.toml``) may hold:
#: the defaults of every command that has the option
SHARED_KEYS = (
    "backend",
    "format",
    "timeout",
    "jobs",
    "max_bytes",
    "input_format",
    "allow_private",
    "title",
    "captions",
    "metadata",
)


def _check_tables(path: Path, data: Mapping[str, Any]) -> None:
    """A ConfigError for a key or table unboil does not know where its sections live
    (``[tool.unboil]``, and the top level of ``unboil.toml``): a misspelt ``[chek]`` or
    a ``min_f1`` outside ``[check]`` would otherwise be ignored, the check weaker
    without a word."""
    known = ", ".join(f"[{s}]" for s in SECTIONS) + " and " + ", ".join(SHARED_KEYS)
    places: list[tuple[str, Any]] = [("[tool.unboil]", _dig(data, ("tool", "unboil")))]
    if path.name != PYPROJECT:
        top = {k: v for k, v in data.items() if k != "tool"}
        places.append(("the top level", top))
    for where, table in places:
        if not isinstance(table, Mapping):
            continue
        for key in table:
            if key in SHARED_KEYS and isinstance(table[key], Mapping):
                raise ConfigError(f"{path}: '{key}' in {where} is a setting, not a table")
            if key not in SECTIONS and key not in SHARED_KEYS:
                raise ConfigError(
                    f"{path}: unknown key or table '{key}' in {where} (unboil reads {known})"
                )


def read_section(
    path: str | os.PathLike[str], section: str, data: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """The ``section`` table of one config file: ``[tool.unboil.SECTION]`` in a
    ``pyproject.toml``; ``[SECTION]`` or ``[tool.unboil.SECTION]`` in any other file
    (``unboil.toml``). None when the file has no such table. ``data``: the file
    already read and checked (``_checked``)."""
    path = Path(path)
    if data is None:
        data = _checked(path)
    where = f"[tool.unboil.{section}]"
    value = _dig(data, ("tool", "unboil", section))
    if path.name != PYPROJECT:
        short = _dig(data, (section,))
        if short is not None and value is not None:
            raise ConfigError(f"{path}: both [{section}] and {where}: keep one")
        if short is not None:
            value, where = short, f"[{section}]"
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigError(f"{path}: {where} must be a table")
    return dict(value)


def find_config_files(start: str | os.PathLike[str] | None = None) -> dict[str, Path]:
    """The nearest ``pyproject.toml`` with a ``[tool.unboil]`` table and the nearest
    ``unboil.toml`` from ``start`` (default: the current directory) upwards, stopping
    at a repository root. Keys are the file names; a name not found is absent."""
    here = Path(start if start is not None else Path.cwd()).resolve()
    found: dict[str, Path] = {}
    for folder in (here, *here.parents):
        for name in (PYPROJECT, UNBOIL_TOML):
            candidate = folder / name
            if name in found or not candidate.is_file():
                continue
            # a pyproject.toml without [tool.unboil] is some other project's
            if name == UNBOIL_TOML or _dig(_load_toml(candidate), ("tool", "unboil")) is not None:
                found[name] = candidate
        if len(found) == 2 or any((folder / m).exists() for m in ROOT_MARKERS):
            break
    return found


def load_settings(
    section: str,
    *,
    explicit: str | os.PathLike[str] | None = None,
    start: str | os.PathLike[str] | None = None,
) -> Settings:
    """A section's settings from the config files (see the module docstring). With
    ``explicit``, that file only; it must exist and hold the section."""
    settings = Settings(section)
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{path}: no such config file")
        values = read_section(path, section)
        if values is None:
            table = f"[tool.unboil.{section}]"
            want = table if path.name == PYPROJECT else f"[{section}] or {table}"
            raise ConfigError(f"{path}: no {want} table")
        settings.layers.append(Layer(str(path), values, path.resolve().parent))
        return settings
    found = find_config_files(start)
    for name in (PYPROJECT, UNBOIL_TOML):  # lowest precedence first
        if name in found:
            values = read_section(found[name], section)
            if values is not None:
                settings.layers.append(Layer(str(found[name]), values, found[name].parent))
    return settings


def _checked(path: Path) -> dict[str, Any]:
    """A config file read, its tables checked (``_check_tables``)."""
    data = _load_toml(path)
    _check_tables(path, data)
    return data


def _shared(path: Path, data: Mapping[str, Any]) -> dict[str, Any]:
    """The shared settings (``SHARED_KEYS``) of one config file read (``_checked``)."""
    tables = [_dig(data, ("tool", "unboil"))]
    if path.name != PYPROJECT:
        tables.append(data)
    return {
        k: v for t in tables if isinstance(t, Mapping) for k, v in t.items() if k in SHARED_KEYS
    }


def load_command_settings(command: str, start: str | os.PathLike[str] | None = None) -> Settings:
    """A command's settings from the config files found from ``start`` upwards: in each
    file (``pyproject.toml`` first) the shared settings, then the command's table."""
    settings = Settings(command)
    found = find_config_files(start)
    for name in (PYPROJECT, UNBOIL_TOML):  # lowest precedence first
        if name not in found:
            continue
        path = found[name]
        data = _checked(path)
        shared, own = _shared(path, data), read_section(path, command, data)
        if shared:
            settings.layers.append(Layer(str(path), shared, path.parent))
        if own:
            table = f"[tool.unboil.{command}]" if name == PYPROJECT else f"[{command}]"
            settings.layers.append(Layer(str(path), own, path.parent, table))
    return settings
