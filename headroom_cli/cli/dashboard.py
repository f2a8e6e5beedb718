"""`headroom dashboard [--once] [--interval S]`: live view of running sessions.

stats/dashboard.py gathers the figures (`collect`) and builds the view (`render`); this module draws
it: once, or refreshed in place with rich's Live until Ctrl-C.
"""
from __future__ import annotations

import time

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
        run(interval=interval, once=once, include_recent_s=recent)


def run(*, interval: float = 1.0, once: bool = False, console=None, ledger=None, prices=None,
        max_frames: int | None = None, include_recent_s: float = 300.0) -> int:
    """Render once (`once`) or refresh every `interval` seconds until Ctrl-C. Returns frames drawn."""
    from ..stats import dashboard as view
    from ..stats.ledger import using
    from . import output

    con = console or output.console()
    frames = 0
    with using(ledger) as lg:
        try:
            if once:
                frame = view.render(view.collect(lg, prices=prices, include_recent_s=include_recent_s), live=False)
                if console is None:
                    output.show(frame)  # into a pipe: as wide as its content
                else:
                    con.print(frame)
                return 1
            from rich.live import Live

            with Live(console=con, auto_refresh=False, screen=False, transient=False) as live:
                while True:
                    live.update(view.render(view.collect(lg, prices=prices, include_recent_s=include_recent_s)),
                                refresh=True)
                    frames += 1
                    if max_frames is not None and frames >= max_frames:
                        break
                    time.sleep(max(0.1, interval))
        except KeyboardInterrupt:
            pass  # Ctrl-C is how the live view is meant to end: exit 0, the last frame stays on screen
    return frames
