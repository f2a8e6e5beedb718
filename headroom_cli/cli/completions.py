"""`headroom completions show|install|uninstall`: shell completion scripts (see shell/completions.py)."""
from __future__ import annotations

from typing import Optional

import typer

from ..shell.completions import chosen_shell, complete_shell
from . import output

SHELL_HELP = "bash, zsh, fish or powershell (default: your $SHELL)."


def register(app: typer.Typer) -> None:
    sub = typer.Typer(name="completions", help="Shell completion: print or install the script for your shell.",
                      no_args_is_help=True)

    @sub.command("show")
    def show(shell: Optional[str] = typer.Option(None, "--shell", "-s", help=SHELL_HELP,
                                                 autocompletion=complete_shell)):
        """Print the completion script (e.g. `source <(headroom completions show --shell bash)`)."""
        from ..shell.completions import script

        output.echo(script(chosen_shell(shell)), end="")

    @sub.command("install")
    def install(
        shell: Optional[str] = typer.Option(None, "--shell", "-s", help=SHELL_HELP, autocompletion=complete_shell),
        rc: bool = typer.Option(True, "--rc/--no-rc",
                                help="Also add a marked block to the shell's startup file that loads it."),
    ):
        """Write the script where the shell loads it (idempotent) and say what was done."""
        from ..shell.completions import install as _install

        res = _install(chosen_shell(shell), rc=rc)
        output.echo(f"{'wrote' if res.wrote else 'up to date'}: {res.path}")
        if res.rc_file is not None:
            output.echo(f"{'updated' if res.rc_changed else 'up to date'}: {res.rc_file} "
                       "(block between '# >>> headroom completions >>>' markers)")
        for note in res.notes:
            output.echo(note)

    @sub.command("uninstall")
    def uninstall(shell: Optional[str] = typer.Option(None, "--shell", "-s", help=SHELL_HELP,
                                                      autocompletion=complete_shell)):
        """Remove the installed script and headroom's block in the startup file."""
        from ..shell.completions import uninstall as _uninstall

        done = _uninstall(chosen_shell(shell))
        for p in done:
            output.echo(f"removed headroom completions from {p}")
        if not done:
            output.echo("nothing to remove")

    app.add_typer(sub)
