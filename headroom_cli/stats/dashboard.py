"""`headroom dashboard`: a live view of every running session (registry) with its figures (ledger).

Split in two so it can be tested without a terminal: `collect()` reads the registry and the ledger
into a plain dict; `render()` turns that dict into a rich renderable. The refresh loop (rich Live,
Ctrl-C) is the command's: cli/dashboard.py. The view only reads: any number of dashboards can attach
while proxies write.
"""
from __future__ import annotations

import time

FEED_SIZE = 12


def collect(ledger, *, prices=None, now: float | None = None, feed_size: int = FEED_SIZE,
            include_recent_s: float = 0.0) -> dict:
    """Figures for the running sessions: per session, overall, a feed of recent requests.

    With `include_recent_s`, sessions that ended that recently stay visible (so a run that just
    finished does not vanish before it could be read)."""
    from . import registry

    now = time.time() if now is None else now
    running = registry.list_sessions(prune=True)
    ids = [e["session_id"] for e in running]
    ended: list[dict] = []
    if include_recent_s > 0:
        for s in ledger.sessions(since=now - include_recent_s, limit=10):
            if s["session_id"] not in ids:
                ended.append({"session_id": s["session_id"], "agent": s["agent"], "started": s["first_ts"],
                              "url": "", "ended": True})
    sessions = []
    for e in running + ended:
        t = ledger.session_totals(e["session_id"], prices=prices, running=None if e.get("ended") else e, now=now)
        t.update({"session_id": e["session_id"], "agent": e.get("agent") or t.get("agent", ""),
                  "url": e.get("url", ""), "running": not e.get("ended"), "uptime_s": t["duration_s"] or 0.0})
        sessions.append(t)
    all_ids = [s["session_id"] for s in sessions]
    totals = ledger.totals(session_ids=all_ids, prices=prices)
    feed = ledger.recent(feed_size, session_ids=all_ids) if all_ids else []
    return {"now": now, "sessions": sessions, "totals": totals, "feed": feed}


def render(data: dict, *, clock: bool = True, live: bool = True):
    """A rich renderable of `collect()`'s dict; `live`: refreshed until Ctrl-C (a single frame says nothing of it)."""
    from rich import box
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from . import basis
    from . import render as fmt
    from .render import Stack

    t = data["totals"]
    sessions = data["sessions"]
    head = Text()
    head.append("headroom dashboard", style="bold")
    if clock:
        head.append("  " + time.strftime("%H:%M:%S", time.localtime(data["now"])), style="dim")
    head.append(f"  ·  {sum(s['running'] for s in sessions)} running session(s)", style="dim")
    if not sessions:
        return Stack(head, Text("\nNo running sessions. Start one with `headroom wrap <agent>` or "
                                "`headroom proxy`; this view attaches by itself.", style="dim"))

    summary = Table.grid(padding=(0, 3), expand=True)
    for _ in range(3):
        summary.add_column()
    summary.add_row(
        Text.assemble(("requests ", "dim"), (f"{t['requests']:,}", "bold"),
                      (f"  ({t['errors']} failed)" if t["errors"] else "", "red")),
        Text.assemble(("tokens ", "dim"), f"{fmt.tokens(t['tokens_before'])} → {fmt.tokens(t['tokens_after'])}"),
        Text.assemble(("saved ", "dim"), (f"{fmt.tokens(t['tokens_saved'])} ({fmt.pct(t['saved_pct'])}", "bold green"),
                      (f" {basis.WHOLE_REQUESTS}", "dim"), (")", "bold green")),
    )
    summary.add_row(
        Text.assemble(("billed ", "dim"), fmt.usd(t["usd_spent"])),
        Text.assemble(("cache-read ", "dim"), fmt.share(t["cache_read_share"]), (" of input", "dim")),
        Text.assemble(("retrievals ", "dim"), f"{t['retrievals']:,}"),
    )
    headline = Text.assemble((f"{fmt.HEADLINE_LABEL}: ", "bold"), (fmt.usd(t["usd_saved"]), "bold green"))

    st = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="Sessions", title_justify="left", title_style="bold")
    for name, just in (("session", "left"), ("agent", "left"), ("up", "right"), ("req", "right"),
                       ("saved", "right"), ("%", "right"), ("cache", "right"), ("avoided", "right"),
                       ("url", "left")):
        st.add_column(name, justify=just, no_wrap=True)
    for s in sessions:
        st.add_row(s["session_id"] + ("" if s["running"] else " (ended)"), s["agent"],
                   fmt.duration(s["uptime_s"]), f"{s['requests']:,}",
                   fmt.tokens(s["tokens_saved"]), fmt.pct(s["saved_pct"]), fmt.share(s["cache_read_share"]),
                   fmt.usd(s["usd_saved"]), s["url"])

    comp = t.get("compressors") or {}
    comp_text = Text.assemble(("compressors  ", "bold"),
                              fmt.compressors_text(comp) if comp else ("none yet", "dim"))

    feed = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="Recent requests", title_justify="left",
                 title_style="bold")
    multi = len(sessions) > 1
    cols = [("time", "left", 8), ("st", "right", 3), ("session", "left", 12), ("model", "left", 10),
            ("before → after", "right", 14), ("saved", "right", 6), ("compressors", "left", 0), ("cached", "right", 6)]
    for name, just, width in cols:
        if name == "session" and not multi:
            continue
        flexible = name in ("model", "compressors", "session")  # these shrink (ellipsis) when the terminal is narrow
        feed.add_column(name, justify=just, no_wrap=True, overflow="ellipsis", min_width=None if flexible else width,
                        max_width=18 if name == "model" else None, ratio=1 if flexible else None)
    for r in data["feed"]:
        billed = r["input_tokens"] + r["cache_read_tokens"] + r["cache_write_tokens"]
        cached = fmt.share(r["cache_read_tokens"] / billed) if billed else "-"
        status = str(r["status"]) if r["status"] else "—"
        failed = r["status"] >= 400 or r["status"] == 0
        pct_saved = 100.0 * r["tokens_saved"] / r["tokens_before"] if r["tokens_before"] else 0.0
        cells = [time.strftime("%H:%M:%S", time.localtime(r["ts"])), Text(status, style="red" if failed else "")]
        if multi:
            cells.append(r["session_id"])
        cells += [r["model"] or "-", f"{fmt.tokens(r['tokens_before'])} → {fmt.tokens(r['tokens_after'])}",
                  fmt.pct(pct_saved), fmt.compressors_text(r["compressors"], "×") or "-", cached]
        feed.add_row(*cells)
    note = fmt.money_note(t)
    parts = [head, Panel(summary, box=box.ROUNDED, padding=(0, 1), title=headline, title_align="left"),
             st, comp_text, feed, Text(f"% = tokens saved {basis.WHOLE_REQUESTS} (system prompt, tools, history, "
                                       f"messages, tool results; {basis.ENCODING})", style="dim")]
    if note:
        parts.append(Text(f"({note})", style="dim"))
    if live:
        parts.append(Text("Ctrl-C to quit", style="dim"))
    return Stack(*parts)
