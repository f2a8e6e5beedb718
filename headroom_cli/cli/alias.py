"""`headroom alias`: print shell functions that run the installed agents through `headroom wrap`."""
from __future__ import annotations

from typing import Optional

import typer

from ..shell.completions import complete_shell
from . import output


def register(app: typer.Typer) -> None:
    @app.command("alias")
    def alias(
        shell: Optional[str] = typer.Option(None, "--shell", "-s", autocompletion=complete_shell,
                                            help="bash, zsh, fish or powershell (default: your $SHELL)."),
        reduce_output: bool = typer.Option(False, "--reduce-output", help="Wrap with --reduce-output too."),
        all_: bool = typer.Option(False, "--all", help="Every agent profile, installed or not."),
    ):
        """Print shell functions so `claude`, `codex`, … run through headroom. Use:
        `eval "$(headroom alias)"` in ~/.bashrc or ~/.zshrc."""
        from ..shell import aliases
        from ..shell.completions import chosen_shell

        sh = chosen_shell(shell)
        output.echo(aliases.render(sh, aliases.agents(all_=all_), reduce_output=reduce_output, all_=all_), end="")
