"""`headroom stats [--since 7d] [--by agent|model|kind|session|day|protocol] [--json] [--session ID]`:
the current session (running, or the latest one), then history grouped one way."""
from __future__ import annotations

from typing import Optional

import typer


GROUPINGS = ("agent", "model", "kind", "session", "day", "protocol")  # stats.ledger.GROUPINGS, without importing it


def _complete_by(incomplete: str) -> list[str]:
    return [g for g in GROUPINGS if g.startswith(incomplete)]


def register(app: typer.Typer) -> None:
    @app.command("stats")
    def stats(
        since: Optional[str] = typer.Option(None, "--since", metavar="WHEN",
                                            help="Only requests since: 7d, 24h, 30m, 2w or a date (2026-11-01)."),
        by: str = typer.Option("day", "--by", metavar="|".join(GROUPINGS), autocompletion=_complete_by,
                               help="How to group the history (default day)."),
        session: Optional[str] = typer.Option(None, "--session", metavar="ID",
                                              help="Show this session as the current one."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
        output: bool = typer.Option(False, "--output",
                                    help="Output reduction (--reduce-output): output tokens per turn, shaped vs "
                                         "holdout control, with a 95% interval; 'not measured' without a holdout."),
    ):
        """Token reduction, compression ratio and cost saved: current session, then history."""
        import json

        from .output import echo

        if output:
            _print_output(since, as_json)
            return

        from ..stats.report import build_report
        from ..storage import open_store

        with open_store().ledger() as lg:
            report = build_report(since=since, by=by, session_id=session, ledger=lg)
        if as_json:
            echo(json.dumps(report, indent=2, default=str))
            return
        _print(report)


def _print_output(since: Optional[str], as_json: bool) -> None:
    import json

    from ..output.measure import output_estimate, summary_line
    from ..stats.ledger import parse_since
    from ..storage import open_store
    from .output import echo

    with open_store().ledger() as lg:
        rows = lg.output_rows(since=parse_since(since))
    est = output_estimate(rows)
    if as_json:
        echo(json.dumps(est, indent=2, default=str))
        return
    echo(summary_line(est))
    if est.get("status") == "measured":
        for arm in ("shaped", "control"):
            a = est[arm]
            echo(f"  {arm:8} {a['turns']:6d} turns in {a['conversations']:4d} conversations, "
                  f"mean {a['mean']:.1f} output tokens/turn")
    else:
        echo("  Run with --reduce-output --output-holdout 0.1 so a share of conversations stays unshaped "
              "as a control.")


def _print(report: dict) -> None:
    from rich.text import Text

    from ..stats import render
    from . import output

    con = output.printer(highlight=False)
    if report["empty"]:
        con.print("No requests recorded yet.")
        con.print("[dim]Run an agent through headroom ([bold]headroom wrap claude[/]) or point a client at "
                  "[bold]headroom proxy[/], then try again.[/]")
        return
    cur = report["current"]
    if cur is not None:
        state = "running" if cur["running"] else "ended"
        title = f"Current session · {render.session_label(cur)} ({state})"
        if cur["requests"]:
            con.print(render.totals_table(cur, title=title, duration_s=cur.get("duration_s")))
        else:
            con.print(Text(title, style="bold"))
            con.print("[dim]  no requests yet[/]")
        con.print()
    hist = report["history"]
    scope = f"since {render.when(hist['since_ts'])}" if hist["since_ts"] else "all time"
    if hist["rows"]:
        con.print(render.group_table(hist["rows"], hist["by"], title=f"History by {hist['by']} ({scope})",
                                     full=not output.console().is_terminal))
    else:
        con.print(f"[dim]No requests {scope}.[/]")
    t = hist["totals"]
    con.print(f"Total: {render.saved_line(t)}.")
    con.print(render.headline(t, scope=scope))
    note = render.money_note(t)
    if note:
        con.print(f"[dim]  ({note})[/]")
    p = report["prices"]
    src = f"prices as of {p['as_of']}" + (f", overridden by {p['user_file']}" if p["user_file"] else "")
    con.print(f"[dim]  {src}; token counts: {report['encoding_note']}[/]")
