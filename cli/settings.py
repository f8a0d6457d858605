"""Settings files as the commands' defaults, as black reads ``[tool.black]``: what
``extractors.config.load_command_settings`` finds (``[tool.unboil]`` and
``[tool.unboil.COMMAND]`` in ``pyproject.toml``, the same in ``unboil.toml``) becomes
click's ``default_map`` for the command being run. A setting is an option's long name
(``max-bytes`` or ``max_bytes``); the option declares it, once. The command line wins.
``check`` reads its own section (``--config``, thresholds, baseline)."""

from __future__ import annotations

from typing import Any

import click

#: commands whose settings are read by the command itself
OWN_SETTINGS = frozenset({"check", "backends"})


def setting_keys(command: click.Command) -> dict[str, click.Parameter]:
    """The settings a command takes: each option's long names (``--max-bytes`` as
    ``max_bytes``, a flag's ``--no-`` form left out), to the option."""
    keys: dict[str, click.Parameter] = {}
    for param in command.params:
        if not isinstance(param, click.Option) or param.name in (None, "help"):
            continue
        for opt in param.opts:
            if opt.startswith("--"):
                keys[opt[2:].replace("-", "_")] = param
    return keys


def defaults_for(name: str, command: click.Command) -> dict[str, Any]:
    """The ``default_map`` entry of command ``name`` from the settings files. A
    setting the command's table holds but the command lacks is a ``ConfigError``; a
    shared one (``[tool.unboil]``) applies where the command has the option."""
    from ..extractors.config import ConfigError, load_command_settings, resolve_path

    if name in OWN_SETTINGS:
        return {}
    keys = setting_keys(command)
    out: dict[str, Any] = {}
    for layer in load_command_settings(name).layers:
        for key, value in layer.values.items():
            param = keys.get(key.replace("-", "_"))
            if param is None:
                if layer.table is None:  # a shared setting this command has no use for
                    continue
                known = ", ".join(sorted(keys))
                raise ConfigError(f"{layer.origin} {layer.table}: no setting '{key}' ({known})")
            if isinstance(param.type, click.Path) and isinstance(value, str) and value != "-":
                value = str(resolve_path(value, layer.base))
            assert param.name is not None
            out[param.name] = value
    return out
