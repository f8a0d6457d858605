"""``unboil backends``: what is installed, what is missing and how to get it."""

from __future__ import annotations

import click

from .main import common_options, handle_errors
from .options import json_option, write_json


@click.command("backends")
@json_option("the list")
@common_options
@handle_errors
def backends(json_out: str | None) -> None:
    """List the extractor backends: name, version, availability, description.

    Backends come from the 'unboil.backends' entry-point group; a missing library is
    shown with the pip command that installs it.
    """
    from dataclasses import asdict

    from ..extractors import registry

    infos = [registry.describe(name) for name in registry.names()]
    if write_json(json_out, [asdict(i) for i in infos]):
        return
    from .render import table

    rows = []
    for i in infos:
        if i.available:
            note = i.description
        elif i.error:
            note = f"broken plugin: {i.error}"
        else:
            note = f"not installed: {i.install}"
        rows.append([i.name, i.version or "-", "yes" if i.available else "no", note])
    table(["backend", "version", "available", "description"], rows)
