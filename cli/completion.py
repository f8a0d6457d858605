"""``unboil completion SHELL``: the shell's completion script (click's machinery)."""

from __future__ import annotations

import click

from .main import common_options, handle_errors

SHELLS = ("bash", "zsh", "fish")


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
@common_options
@handle_errors
def completion(shell: str) -> None:
    """Print the completion script for SHELL: commands, options, backend names and
    file names complete on Tab.

    \b
    bash:  eval "$(unboil completion bash)"            (in ~/.bashrc)
    zsh:   eval "$(unboil completion zsh)"             (in ~/.zshrc)
    fish:  unboil completion fish > ~/.config/fish/completions/unboil.fish
    """
    from click.shell_completion import get_completion_class

    from .main import cli

    cls = get_completion_class(shell)
    assert cls is not None  # every one of SHELLS is click's
    click.echo(cls(cli, {}, "unboil", "_UNBOIL_COMPLETE").source())
