"""`headroom wrap <agent> [flags] [--] [agent args…]`: run an agent through an in-process proxy.

Parse, call `launch.session.WrapRun`, print the banner and the summary. Everything after `--`, and
every option wrap does not know, goes to the agent untouched and in order.
"""
from __future__ import annotations

from typing import List, Optional

import typer

HELP = """Run an AI coding agent through an ephemeral compressing proxy.

Examples: `headroom wrap claude`, `headroom wrap claude -p "list the files"`,
`headroom wrap codex -- exec "fix the test"`, `headroom wrap --list`.

Options wrap does not know, and everything after `--`, go to the agent untouched."""


def _complete_agent(incomplete: str):
    from ..shell.completions import complete_agent  # agent names from the launcher profiles

    return complete_agent(incomplete)


def register(app: typer.Typer) -> None:
    @app.command(
        "wrap",
        help=HELP,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def wrap(
        ctx: typer.Context,
        agent: Optional[str] = typer.Argument(None, help="Agent to run: a launcher profile (see --list).",
                                              autocompletion=_complete_agent),
        list_: bool = typer.Option(False, "--list", help="List agents: binary on PATH? version."),
        port: int = typer.Option(0, "--port", help="Proxy port (0: a free port)."),
        anthropic_upstream: Optional[str] = typer.Option(None, "--anthropic-upstream", metavar="URL",
                                                         help="Forward Anthropic traffic here."),
        openai_upstream: Optional[str] = typer.Option(None, "--openai-upstream", metavar="URL",
                                                      help="Forward OpenAI-style traffic here (include /v1)."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Print the environment and argv; run nothing."),
        no_compress: Optional[bool] = typer.Option(None, "--no-compress", help="Pure passthrough."),
        compress_ratio: Optional[float] = typer.Option(None, "--compress-ratio", metavar="R",
                                                       help="Share of a block lossy compressors keep (0.3)."),
        cache_ttl: Optional[int] = typer.Option(None, "--cache-ttl", metavar="S",
                                                help="Seconds stored originals are kept."),
        protect_tool: List[str] = typer.Option([], "--protect-tool", metavar="NAME",
                                               help="Never compress this tool's results (repeatable)."),
        reduce_output: Optional[bool] = typer.Option(None, "--reduce-output", help="Also trim the model's output."),
        output_level: Optional[int] = typer.Option(None, "--output-level", metavar="N",
                                                   help="Terseness level for --reduce-output."),
        output_ratio: Optional[float] = typer.Option(None, "--output-ratio", metavar="R",
                                                     help="Target output share (mapped onto the levels)."),
        effort_routing: Optional[bool] = typer.Option(None, "--effort-routing",
                                                      help="Lower reasoning effort on routine turns."),
        output_holdout: Optional[float] = typer.Option(None, "--output-holdout", metavar="F",
                                                       help="Share of conversations left unshaped (measurement)."),
        dashboard: Optional[str] = typer.Option(None, "--dashboard", metavar="tmux",
                                                help="Open the live dashboard in a tmux split."),
        no_mcp: bool = typer.Option(False, "--no-mcp", help="Do not register the headroom MCP server."),
    ):
        if list_:
            _print_list()
            return
        if not agent:
            raise typer.BadParameter("which agent? e.g. `headroom wrap claude` (see `headroom wrap --list`)",
                                     param_hint="AGENT")
        if dashboard not in (None, "tmux"):
            raise typer.BadParameter("only `tmux` is supported", param_hint="--dashboard")
        # Flag checks before anything starts, with the rules of `headroom proxy`.
        from .proxy import apply_output_ratio, check_ranges, check_url

        check_ranges(port=port, compress_ratio=compress_ratio, cache_ttl=cache_ttl, output_level=output_level,
                     output_ratio=output_ratio, output_holdout=output_holdout)
        for flag, url in (("--anthropic-upstream", anthropic_upstream), ("--openai-upstream", openai_upstream)):
            if url is not None:
                check_url(flag, url)
        proxy = {
            "no_compress": no_compress, "compress_ratio": compress_ratio, "cache_ttl": cache_ttl,
            "protect_tools": tuple(protect_tool) or None, "reduce_output": reduce_output,
            "output_level": output_level, "effort_routing": effort_routing, "output_holdout": output_holdout,
        }
        extra = apply_output_ratio(proxy, output_ratio)
        if extra:
            proxy["extra"] = extra
        from ..launch.session import WrapOptions

        opts = WrapOptions(agent=agent, user_args=list(ctx.args), port=port,
                           anthropic_upstream=anthropic_upstream, openai_upstream=openai_upstream,
                           dry_run=dry_run, mcp=False if no_mcp else None, dashboard=dashboard, proxy=proxy)
        raise typer.Exit(run_wrap(opts))


def run_wrap(opts) -> int:
    """The lifecycle with its output: banner on stderr before launch, summary after."""
    import sys

    from ..launch.session import WrapRun

    run = WrapRun(opts)
    try:
        plan = run.prepare()
        if opts.dry_run:
            _print_dry_run(run, plan)
            return 0
        _banner(run, plan)
        run.start()
        _preload_summary()
        code = run.wait()
    finally:
        problems = run.close()
    if problems:
        print(f"headroom: cleanup problems: {'; '.join(problems)}", file=sys.stderr)
    _summary(run)
    return code


def _preload_summary() -> None:
    import threading

    from ..stats.summary import preload

    threading.Thread(target=preload, name="headroom-summary-preload", daemon=True).start()


def _mode(settings) -> str:
    parts = ["passthrough (no compression)" if settings.no_compress
             else f"compressing tool results (keep ~{settings.compress_ratio:g})"]
    if settings.reduce_output:
        parts.append(f"reduce-output level {settings.output_level}")
    if settings.effort_routing:
        parts.append("effort routing")
    return ", ".join(parts)


def _upstream_line(plan) -> str:
    ups = plan.upstreams
    fams = {"anthropic"} if set(plan.protocols) <= {"anthropic"} else (
        {"openai"} if "anthropic" not in plan.protocols else {"anthropic", "openai"})
    out = []
    for fam in ("anthropic", "openai"):
        if fam in fams:
            src = ups.sources.get(fam, "")
            out.append(ups.get(fam) + (f" (from {src})" if src and src != "default" else ""))
    return " · ".join(out)


def _banner(run, plan) -> None:
    import sys

    from ..launch.plan import mask_text

    err = sys.stderr
    print(f"headroom ▸ {run.opts.agent} via {run.proxy_url} · {_mode(run.settings)}", file=err)
    print(f"headroom ▸ upstream {mask_text(_upstream_line(plan))}", file=err)
    for n in plan.banner_notes:
        print(f"headroom ▸ {mask_text(n)}", file=err)
    err.flush()


def _summary(run) -> None:
    if run.opts.dry_run or run.settings is None:
        return
    from ..stats.summary import render_summary

    try:
        from rich.console import Console

        Console(stderr=True).print(render_summary(run.session_id, duration_s=run.duration_s))
    except Exception as e:  # the summary must never change the agent's exit code
        import sys

        print(f"headroom: no summary ({e})", file=sys.stderr)


def _print_dry_run(run, plan) -> None:
    import shlex

    from ..launch.plan import mask_env, mask_text
    from ..launch.profiles import env_prefixes

    print(f"# headroom wrap {run.opts.agent} --dry-run (session {run.session_id})")
    print(f"# proxy {run.display_url} · {_mode(run.settings)}")
    print(f"# upstream {mask_text(_upstream_line(plan))}")
    for n in plan.banner_notes:
        print(f"# {mask_text(n)}")
    print("# environment changes:")
    for k in sorted(plan.env_changes):
        v = plan.env_changes[k]
        print(f"unset {k}" if v is None else f"export {k}={shlex.quote(mask_env(k, v) or '')}")
    relevant = env_prefixes()  # the agents' own variables, from their profiles
    kept = sorted(k for k in run.env if k.startswith(relevant) and k not in plan.env_changes)
    if kept:
        print("# passed through unchanged:")
        for k in kept:
            print(f"#   {k}={mask_env(k, run.env[k])}")
    print("# command:")
    print(mask_text(shlex.join(plan.argv)))
    for name, text in plan.derived_files.items():
        print(f"# per-run file {name}:")
        print(mask_text(text))


def _print_list() -> None:
    from rich.console import Console
    from rich.table import Table

    from ..launch.profiles import list_agents

    t = Table("agent", "binary", "version / install")
    for a in list_agents():
        if a["path"]:
            t.add_row(a["agent"], a["path"], a["version"] or "[yellow]installed (no version answer)[/]")
        else:
            t.add_row(a["agent"], f"[red]{a['binary']} not on PATH[/]", f"install: {a['install']}")
    Console().print(t)
