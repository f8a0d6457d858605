"""``unboil backends``: what is installed, what is missing and how to get it."""

from __future__ import annotations

import json

import click

from .main import common_options, handle_errors


@click.command("backends")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@common_options
@handle_errors
def backends(as_json: bool) -> None:
    """List the extractor backends: name, version, availability, description.

    Backends come from the 'unboil.backends' entry-point group; a missing library is
    shown with the pip command that installs it.
    """
    from dataclasses import asdict

    from ..extractors import registry

    infos = [registry.describe(name) for name in registry.names()]
    if as_json:
        click.echo(json.dumps([asdict(i) for i in infos], indent=2))
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
