"""The data behind `headroom stats` (and its `--json`): the current session, then history."""
from __future__ import annotations

import os
import time

from .prices import HEADLINE_LABEL, HEADLINE_MEANING

ENCODING_NOTE = ("before/after counted offline with tiktoken (cl100k_base) over the whole request; saved % is of the "
                 "whole requests, not of the tool results alone; money uses the provider's own usage over our count "
                 "of the forwarded request, never more tokens than were removed")


def current_session_id(ledger, *, explicit: str | None = None, running: list[dict] | None = None) -> str | None:
    """--session, else $HEADROOM_SESSION_ID (inside a wrapped agent), else the newest running
    session, else the latest session in the ledger."""
    if explicit:
        return explicit
    env = os.environ.get("HEADROOM_SESSION_ID")
    if env:
        return env
    if running:
        return running[0]["session_id"]
    return ledger.latest_session_id()


def build_report(*, since: str | None = None, by: str = "day", session_id: str | None = None,
                 ledger=None, prices=None, now: float | None = None) -> dict:
    from . import basis, registry
    from . import prices as prices_mod
    from .ledger import GROUPINGS, parse_since, using

    if by not in GROUPINGS:
        from ..errors import UsageError

        raise UsageError(f"--by {by!r}: choose one of {', '.join(GROUPINGS)}")
    now = time.time() if now is None else now
    since_ts = parse_since(since, now=now)
    table = prices if prices is not None else prices_mod.table()
    with using(ledger) as lg:
        running = registry.list_sessions(prune=True)
        empty = lg.count() == 0
        current = None
        sid = current_session_id(lg, explicit=session_id, running=running)
        if sid is not None:
            entry = next((e for e in running if e["session_id"] == sid), None)
            current = lg.session_totals(sid, prices=table, running=entry, now=now)
            current["running"] = entry is not None
            if entry is not None:
                current["url"] = entry.get("url", "")
        rows = lg.group(by, since=since_ts, prices=table)
        totals = lg.totals(since=since_ts, prices=table)
        return {
            "empty": empty,
            "headline": {"label": HEADLINE_LABEL, "meaning": HEADLINE_MEANING, "usd": totals["usd_saved"]},
            "current": current,
            "running_sessions": [{k: e.get(k) for k in ("session_id", "agent", "pid", "port", "url", "started")}
                                 for e in running],
            "history": {"by": by, "since": since, "since_ts": since_ts, "rows": rows, "totals": totals},
            "prices": table.describe(),
            "encoding_note": ENCODING_NOTE,
            "basis": dict(basis.JSON),
        }
