"""`headroom dashboard [--once] [--interval S]`: live view of running sessions."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("dashboard")
    def dashboard(
        once: bool = typer.Option(False, "--once", help="Render a single frame and exit."),
        interval: float = typer.Option(1.0, "--interval", min=0.1, metavar="S", help="Seconds between refreshes."),
        recent: float = typer.Option(300.0, "--recent", min=0, metavar="S",
                                     help="Also show sessions that ended this many seconds ago."),
    ):
        """Live view of every running wrap/proxy session: totals, recent requests, money saved."""
        from ..stats.dashboard import run

        run(interval=interval, once=once, include_recent_s=recent)
