"""Formatting shared by `headroom stats`, the exit summary and the dashboard (rich renderables;
nothing here prints — `cli/` does)."""
from __future__ import annotations

import time

from . import basis

# Compressor names as users read them; the engine's own names stay in the ledger and in `--json`.
COMPRESSOR_LABELS = {"build": "build/test output", "crash": "crash reports", "threads": "thread dumps", "blame": "git blame",
                     "help": "help text"}


def compressor_label(name: str) -> str:
    return COMPRESSOR_LABELS.get(name, name)


def compressors_text(counts: dict, sep: str = " ×") -> str:
    """`json ×3, build/test output ×1`"""
    return ", ".join(f"{compressor_label(k)}{sep}{v}" for k, v in counts.items())
from .prices import HEADLINE_LABEL, HEADLINE_MEANING  # noqa: F401 (re-exported)


class Stack:
    """Renderables one below the other, as one renderable (what rich's `Group` does; that class lives
    in `rich.console`, which only `cli/` imports: consoles are the CLI's)."""

    def __init__(self, *parts):
        self.parts = list(parts)

    def __rich_console__(self, console, options):
        yield from self.parts

    def __rich_measure__(self, console, options):
        from rich.measure import measure_renderables

        return measure_renderables(console, options, self.parts)


def tokens(n: float | int | None) -> str:
    n = float(n or 0)
    sign = "-" if n < 0 else ""
    n = abs(n)
    if n >= 1e9:
        return f"{sign}{n / 1e9:.2f}B"
    if n >= 1e6:
        return f"{sign}{n / 1e6:.2f}M"
    if n >= 1e4:
        return f"{sign}{n / 1e3:.1f}k"
    return f"{sign}{int(round(n)):,}"


def usd(x: float | None) -> str:
    x = float(x or 0.0)
    if x == 0:
        return "$0.00"
    if abs(x) < 0.01:
        return f"${x:.4f}"
    return f"${x:,.2f}"


def pct(x: float | None) -> str:
    return f"{float(x or 0):.1f}%"


def share(x: float | None) -> str:
    return f"{100 * float(x or 0):.0f}%"


def duration(s: float | None) -> str:
    s = max(0, int(round(float(s or 0))))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if h:
        return f"{h}h {m:02d}m"
    if m:
        return f"{m}m {sec:02d}s"
    return f"{sec}s"


def session_label(t: dict, *, agent: str = "") -> str:
    """`claude · <id>`: how every view names a session (its agent from the ledger, else "session")."""
    return f"{agent or t.get('agent') or 'session'} · {t['session_id']}"


def when(ts: float | None) -> str:
    if not ts:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def money_note(t: dict) -> str:
    """Caveats that keep the money figure honest."""
    notes = []
    if t.get("unpriced_requests"):
        notes.append(f"{t['unpriced_requests']} request(s) of unpriced models not counted")
    if t.get("approx_priced_requests"):
        notes.append(f"{t['approx_priced_requests']} priced by model family")
    return "; ".join(notes)


def totals_table(t: dict, *, title: str, duration_s: float | None = None):
    """Two-column table of one set of totals (a session or a period)."""
    from rich.table import Table

    tb = Table(title=title, show_header=False, box=None, pad_edge=False, title_justify="left",
               title_style="bold")
    tb.add_column(style="dim", no_wrap=True)
    tb.add_column(no_wrap=False)
    notes = [f"{t['errors']} failed" if t.get("errors") else "",
             f"{t['cancelled']} cancelled by the client" if t.get("cancelled") else ""]
    tb.add_row("Requests", f"{t['requests']:,}" + (f"  ({', '.join(n for n in notes if n)})" if any(notes) else ""))
    if t["tokens_before"]:
        tb.add_row("Tokens before → after",
                   f"{tokens(t['tokens_before'])} → {tokens(t['tokens_after'])}, "
                   f"[bold green]{tokens(t['tokens_saved'])}[/] saved")
        tb.add_row("Saved", f"[bold green]{pct(t['saved_pct'])}[/] {basis.WHOLE_REQUESTS}"
                            f"  (ratio {t['tokens_after'] / t['tokens_before']:.2f})")
    else:
        tb.add_row("Tokens before → after", "[dim]not counted (no request went through compression)[/]")
    note = money_note(t)
    tb.add_row(HEADLINE_LABEL, f"[bold green]{usd(t['usd_saved'])}[/]" + (f"  [dim]({note})[/]" if note else ""))
    tb.add_row("Provider-billed cost", f"{usd(t['usd_spent'])} (without headroom ≈ {usd(t['usd_without'])})")
    tb.add_row("Cache-read share", share(t["cache_read_share"]) + " of billed input")
    tb.add_row("Retrievals", f"{t['retrievals']:,}")
    tb.add_row("Latency added", f"{t.get('latency_added_ms_avg', 0.0):.1f} ms per request (avg)")
    comp = t.get("compressors") or {}
    if comp:
        tb.add_row("Compressors", compressors_text(comp))
    if duration_s is not None:
        tb.add_row("Duration", duration(duration_s))
    return tb


def group_table(rows: list[dict], by: str, *, title: str, full: bool = False):
    """`full`: whole group names (output into a pipe or file), else cut at 22 characters."""
    from rich.table import Table

    from rich import box

    tb = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    if by == "kind":
        tb.add_column("compressor")
        tb.add_column("requests", justify="right")
        tb.add_column("blocks", justify="right")
        tb.add_column("tokens saved", justify="right")
        for r in rows:
            tb.add_row(compressor_label(r["key"]) if r["key"] else "-", f"{r['requests']:,}", f"{r['blocks']:,}", tokens(r["tokens_saved"]))
        return tb
    tb.add_column(by, no_wrap=True, overflow="ellipsis", max_width=None if full else 22)
    if by == "session":
        tb.add_column("agent", no_wrap=True)
    for name in ("req", "saved", "%", "avoided", "cached", "before", "after"):
        tb.add_column(name, justify="right", no_wrap=True, min_width=max(len(name), 6))
    for r in rows:
        cells = [str(r["key"] or "-")]
        if by == "session":
            cells.append(",".join(r.get("agents", [])) or r.get("agent", ""))
        cells += [f"{r['requests']:,}", tokens(r["tokens_saved"]), pct(r["saved_pct"]), usd(r["usd_saved"]),
                  share(r["cache_read_share"]), tokens(r["tokens_before"]), tokens(r["tokens_after"])]
        tb.add_row(*cells)
    return tb


def saved_line(t: dict) -> str:
    """One line of totals: requests, before → after, saved and its basis, cache-read share."""
    return (f"{t['requests']:,} requests, {tokens(t['tokens_before'])} → {tokens(t['tokens_after'])} tokens, "
            f"saved {tokens(t['tokens_saved'])} ({pct(t['saved_pct'])} {basis.WHOLE_REQUESTS}); "
            f"cache-read share {share(t['cache_read_share'])} of billed input")


def headline(t: dict, *, scope: str):
    from rich.text import Text

    txt = Text()
    txt.append(f"{HEADLINE_LABEL} ({scope}): ", style="bold")
    txt.append(usd(t["usd_saved"]), style="bold green")
    txt.append(f"\n  = {HEADLINE_MEANING}.", style="dim")
    return txt
