"""`headroom perf [--json]`: savings, needles and latency of the engine on the built-in corpus."""
from __future__ import annotations

import typer


from .options import COMPRESS_RATIO_HELP


def register(app: typer.Typer) -> None:
    @app.command("perf")
    def perf(
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
        ratio: float = typer.Option(0.3, "--compress-ratio", metavar="R", show_default=False,
                                    help=COMPRESS_RATIO_HELP),
    ):
        """Quick benchmark: the built-in corpus through the compression engine (offline, nothing stored)."""
        import json

        from .. import perf as perf_mod
        from .options import check_ranges

        check_ranges(compress_ratio=ratio)  # the rule wrap and proxy apply
        from ..stats.basis import CORPUS_MEANING
        from . import output

        if as_json:
            rows = perf_mod.run(ratio=ratio)
            output.echo(json.dumps({"rows": [r.to_dict() for r in rows], "totals": perf_mod.totals(rows),
                                    "encoding": _encoding(), "basis": CORPUS_MEANING}, indent=2))
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        con = output.console()
        with Progress(TextColumn("[bold]compressing[/] {task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=con, transient=True) as prog:
            task = prog.add_task("", total=None)

            def on_progress(name: str, done: int, total: int) -> None:
                prog.update(task, description=name, completed=done, total=total)

            rows = perf_mod.run(ratio=ratio, on_progress=on_progress)
        con.print(_table(rows, perf_mod.totals(rows)))
        con.print(f"[dim]tokens: {_encoding()}; {CORPUS_MEANING}; latency: compress_request in this process, cold (nothing "
                  "memoised) and warm (the same request re-sent: memo hits); needles: strings an answer needs, "
                  "kept verbatim (+N r: N more one retrieval away).[/]")


def _encoding() -> str:
    from ..compress.tokens import encoding_name

    return encoding_name()


def _table(rows, tot):
    from rich.table import Table

    from rich import box

    t = Table(title="headroom perf — built-in corpus", header_style="bold", title_justify="left",
              box=box.SIMPLE_HEAD)
    t.add_column("workload", no_wrap=True)
    # min widths keep numbers whole in an 80-column terminal (headers wrap instead)
    for h, w in (("tokens before", 7), ("tokens after", 7), ("saved", 5), ("needles kept", 7),
                 ("cold ms", 7), ("warm ms", 7)):
        t.add_column(h, justify="right", style="green" if h == "saved" else None, min_width=w)
    for r in rows:
        t.add_row(r.name, f"{r.tokens_before:,}", f"{r.tokens_after:,}",
                  f"{r.saved_pct:.1f}%", _needles(r.needles_kept, r.needles_reachable, r.needles_total),
                  f"{r.latency_ms:.1f}", f"{r.warm_ms:.1f}")
    t.add_section()
    t.add_row("[bold]total[/]", f"{tot['tokens_before']:,}", f"{tot['tokens_after']:,}",
              f"[bold]{tot['saved_pct']:.1f}%[/]",
              _needles(tot["needles_kept"], tot["needles_reachable"], tot["needles_total"]),
              f"{tot['latency_ms']:.1f}", f"{tot['warm_ms']:.1f}")
    return t


def _needles(kept: int, reachable: int, total: int) -> str:
    s = f"{kept}/{total}"
    if reachable > kept:
        s += f" +{reachable - kept}r"
    if reachable < total:
        s = f"[red]{s}[/]"
    return s
