"""The table `headroom wrap` prints when the agent exits."""
from __future__ import annotations


def preload() -> None:
    """Import what `render_summary` needs (rich, ~0.1 s) while the agent runs, so the summary after its
    exit costs only the ledger query and the rendering. Never raises."""
    try:
        import rich.box  # noqa: F401
        import rich.table  # noqa: F401
        import rich.text  # noqa: F401

        from . import basis, ledger, prices, render  # noqa: F401
    except Exception:
        pass


def session_figures(session_id: str, *, ledger=None, prices=None) -> dict:
    """Totals of one session from the ledger (an empty session gives zeros)."""
    from .ledger import using

    with using(ledger) as lg:
        return lg.session_totals(session_id, prices=prices)


def render_summary(session_id: str, *, duration_s: float | None = None, ledger=None, prices=None,
                   agent: str = ""):
    """A rich renderable: requests, tokens before → after, saved %, money saved, retrievals,
    cache-read share, duration. The caller flushes its Recorder first so every row is in.

    The duration is the session's span from the ledger (what `stats` and the dashboard show too); the caller's
    own `duration_s` only stands in when no span was noted (the registry could not be written)."""
    from rich.text import Text

    from . import basis, render

    t = session_figures(session_id, ledger=ledger, prices=prices)
    if t["duration_from"] != "session" and duration_s is not None:
        t["duration_s"] = duration_s
    title = "headroom · " + render.session_label(t, agent=agent)
    if not t["requests"]:
        return render.Stack(Text(title, style="bold"),
                            Text(f"No requests went through the proxy ({render.duration(t['duration_s'])}).", style="dim"))
    return render.Stack(render.totals_table(t, title=title, duration_s=t["duration_s"]),
                        Text(f"{basis.SAVED_MEANING}.\n{render.HEADLINE_LABEL} = {render.HEADLINE_MEANING}.", style="dim"))
