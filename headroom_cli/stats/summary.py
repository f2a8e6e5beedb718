"""The table `headroom wrap` prints when the agent exits."""
from __future__ import annotations


def session_figures(session_id: str, *, ledger=None, prices=None) -> dict:
    """Totals of one session from the ledger (an empty session gives zeros)."""
    from .ledger import using

    with using(ledger) as lg:
        return lg.session_totals(session_id, prices=prices)


def render_summary(session_id: str, *, duration_s: float, ledger=None, prices=None, agent: str = ""):
    """A rich renderable: requests, tokens before → after, saved %, money saved, retrievals,
    cache-read share, duration. The caller flushes its Recorder first so every row is in."""
    from rich.console import Group
    from rich.text import Text

    from . import render

    t = session_figures(session_id, ledger=ledger, prices=prices)
    who = agent or t.get("agent") or "session"
    title = f"headroom · {who} · {session_id}"
    if not t["requests"]:
        return Group(Text(title, style="bold"),
                     Text(f"No requests went through the proxy ({render.duration(duration_s)}).", style="dim"))
    return Group(render.totals_table(t, title=title, duration_s=duration_s),
                 Text(f"{render.HEADLINE_LABEL} = {render.HEADLINE_MEANING}.", style="dim"))
