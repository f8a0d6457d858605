"""``unboil check``'s settings: every key of ``[tool.unboil.check]`` (``[check]`` in
unboil.toml, and the command's flags) declared once in ``KEYS``, validated, and merged
into a ``CheckConfig`` (``config_from_settings``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import ConfigError, Settings
from .loading import DEFAULT_TIMEOUT, is_http_url

DEFAULT_MAX_DROP = 0.01
DEFAULT_MAX_PAGE_DROP = 0.05
DEFAULT_BACKENDS = ("consensus",)
#: Backends the agreement canary runs when none are named.
CANARY_BACKENDS = ("trafilatura", "readability", "resiliparse")

METRICS = ("f1", "precision", "recall")
THRESHOLDS = tuple(f"min_{m}" for m in METRICS) + tuple(f"min_page_{m}" for m in METRICS)
#: the limits on a drop below the baseline
DROPS = ("max_drop", "max_page_drop")

#: Every key of ``[tool.unboil.check]`` (``[check]`` in unboil.toml): kind, meaning.
KEYS: dict[str, tuple[str, str]] = {
    "gold": ("paths", "gold set(s) to score: any layout `unboil bench` reads"),
    "backends": ("names", f"backend(s) to score [default: {','.join(DEFAULT_BACKENDS)}]"),
    "min_f1": ("fraction", "lowest overall F1 of each backend on each gold set"),
    "min_precision": ("fraction", "lowest overall precision"),
    "min_recall": ("fraction", "lowest overall recall"),
    "min_page_f1": ("fraction", "lowest F1 of any page"),
    "min_page_precision": ("fraction", "lowest precision of any page"),
    "min_page_recall": ("fraction", "lowest recall of any page"),
    "baseline": ("path", "baseline JSON file to compare with (and update_baseline)"),
    "max_drop": ("fraction", f"largest drop of overall F1 below the baseline [{DEFAULT_MAX_DROP}]"),
    "max_page_drop": (
        "fraction",
        f"largest drop of a page's F1 below the baseline [{DEFAULT_MAX_PAGE_DROP}]",
    ),
    "agreement_below": ("fraction", "flag pages whose backends agree less than this"),
    "pages": ("sources", "pages (files, folders, URLs) for the agreement canary"),
    "agreement_backends": (
        "names",
        f"backends compared by the canary [default: {','.join(CANARY_BACKENDS)}]",
    ),
    "jobs": ("count", "worker processes for scoring [default: the number of cores]"),
    "timeout": ("seconds", f"seconds each backend has on each page [{DEFAULT_TIMEOUT:g}]"),
    "allow_private": (
        "flag",
        "also fetch canary URLs at loopback, private, link-local or reserved addresses",
    ),
}


@dataclass
class CheckConfig:
    """What to check, after config files and flags are merged and validated."""

    gold: list[Path] = field(default_factory=list)
    backends: list[str] = field(default_factory=lambda: list(DEFAULT_BACKENDS))
    thresholds: dict[str, float] = field(default_factory=dict)
    baseline: Path | None = None
    max_drop: float = DEFAULT_MAX_DROP
    max_page_drop: float = DEFAULT_MAX_PAGE_DROP
    agreement_below: float | None = None
    pages: list[str] = field(default_factory=list)
    agreement_backends: list[str] = field(default_factory=lambda: list(CANARY_BACKENDS))
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    #: seconds each backend has on each page
    timeout: float = DEFAULT_TIMEOUT
    #: fetch URLs at loopback, private, link-local or reserved addresses too
    allow_private: bool = False
    #: where each setting came from (key -> file path, "command line" or "default")
    origins: dict[str, str] = field(default_factory=dict)


def _names(value: Any, key: str, origin: str) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        raise ConfigError(f"{origin}: {key} must be a name or a list of names")
    names = [x.strip() for x in items if x.strip()]
    if not names:
        raise ConfigError(f"{origin}: {key} is empty")
    return names


def _fraction(value: Any, key: str, origin: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ConfigError(f"{origin}: {key} must be a number from 0 to 1, not {value!r}")
    return float(value)


def _validate(key: str, value: Any, origin: str) -> None:
    kind = KEYS[key][0]
    if kind == "fraction":
        _fraction(value, key, origin)
    elif kind == "names":
        _names(value, key, origin)
    elif kind == "count":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{origin}: {key} must be a whole number of 1 or more")
    elif kind == "seconds":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"{origin}: {key} must be a number of seconds above 0")
    elif kind == "path":
        if not isinstance(value, str):
            raise ConfigError(f"{origin}: {key} must be a path")
    elif kind == "flag":
        if not isinstance(value, bool):
            raise ConfigError(f"{origin}: {key} must be true or false, not {value!r}")
    else:  # paths, sources
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
            raise ConfigError(f"{origin}: {key} must be a path or a list of paths")


def config_from_settings(settings: Settings) -> CheckConfig:
    """Validate a ``check`` section (every layer, overridden values too) and build a
    ``CheckConfig``. Raises ``ConfigError`` on an unknown key or a bad value, naming
    the file."""
    for layer in settings.layers:
        for key, value in layer.values.items():
            if key not in KEYS:
                known = ", ".join(KEYS)
                raise ConfigError(f"{layer.origin}: unknown setting {key!r} (known: {known})")
            _validate(key, value, layer.origin)
    config = CheckConfig()
    for key, value, layer in settings.items():
        config.origins[key] = layer.origin
        kind = KEYS[key][0]
        if kind == "fraction":
            if key in THRESHOLDS:
                config.thresholds[key] = float(value)
            else:
                setattr(config, key, float(value))
        elif kind == "names":
            setattr(config, key, _names(value, key, layer.origin))
        elif kind in ("count", "flag"):
            setattr(config, key, value)
        elif kind == "seconds":
            setattr(config, key, float(value))
        elif kind == "path":
            setattr(config, key, settings.path(key))
        elif kind == "paths":
            config.gold = settings.paths(key)
        else:
            items = [value] if isinstance(value, str) else value
            config.pages = [
                s if is_http_url(s) else str(p)
                for s, p in zip(items, settings.paths(key), strict=True)
            ]
    return config
