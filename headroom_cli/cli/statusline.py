"""`headroom statusline`: one line of savings for Claude Code's statusLine setting."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("statusline")
    def statusline():
        """Print a one-line savings summary of the current session (reads Claude Code's JSON on stdin)."""
        import sys

        from ..stats.statusline import statusline as line
        from .output import echo

        try:
            echo(line(sys.stdin))
        except Exception as e:  # a status line must print something and never fail the agent's UI
            echo(f"headroom ▾ ({type(e).__name__})")
