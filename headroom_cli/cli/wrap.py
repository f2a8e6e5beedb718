"""`headroom wrap <agent> [flags] [--] [agent args…]`: run an agent through an in-process proxy.

Parse, call `launch.session.WrapRun`, print the banner and the summary. Everything after `--`, and
every option wrap does not know, goes to the agent untouched and in order.
"""
from __future__ import annotations

from typing import Optional

import typer

from .options import (AnthropicUpstream, CacheTtl, CompressRatio, EffortRouting, GeminiUpstream, NoCompress,
                      OpenaiUpstream, OutputHoldout, OutputLevel, OutputRatio, ProtectTool, ReduceOutput,
                      StoreUrl)

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
        anthropic_upstream: AnthropicUpstream = None,
        openai_upstream: OpenaiUpstream = None,
        gemini_upstream: GeminiUpstream = None,
        dry_run: bool = typer.Option(False, "--dry-run", help="Print the environment and argv; run nothing."),
        no_compress: NoCompress = None,
        compress_ratio: CompressRatio = None,
        cache_ttl: CacheTtl = None,
        protect_tool: ProtectTool = [],
        reduce_output: ReduceOutput = None,
        output_level: OutputLevel = None,
        output_ratio: OutputRatio = None,
        effort_routing: EffortRouting = None,
        output_holdout: OutputHoldout = None,
        store: StoreUrl = None,
        dashboard: Optional[str] = typer.Option(None, "--dashboard", metavar="tmux",
                                                help="Open the live dashboard in a tmux split."),
        no_mcp: bool = typer.Option(False, "--no-mcp", help="Do not register the headroom MCP server."),
        gateway: Optional[str] = typer.Option(None, "--gateway", metavar="URL",
                                              help="Send the agent straight to a team gateway (no local proxy), "
                                                   "with your token."),
        token: Optional[str] = typer.Option(None, "--token", metavar="TOKEN",
                                            help="Your gateway token for --gateway (better: env "
                                                 "HEADROOM_GATEWAY_TOKEN or config gateway_token, off the "
                                                 "command line)."),
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
        from .options import apply_output_ratio, check_ranges, check_url, proxy_flags

        check_ranges(port=port, compress_ratio=compress_ratio, cache_ttl=cache_ttl, output_level=output_level,
                     output_ratio=output_ratio, output_holdout=output_holdout)
        for flag, url in (("--anthropic-upstream", anthropic_upstream), ("--openai-upstream", openai_upstream),
                          ("--gemini-upstream", gemini_upstream)):
            if url is not None:
                check_url(flag, url)
        flags = proxy_flags(no_compress=no_compress, compress_ratio=compress_ratio, cache_ttl=cache_ttl,
                            protect_tool=protect_tool, reduce_output=reduce_output, output_level=output_level,
                            output_ratio=output_ratio, effort_routing=effort_routing, output_holdout=output_holdout,
                            store=store)
        apply_output_ratio(flags)
        from ..launch.session import WrapOptions

        if token is not None and gateway is None:
            raise typer.BadParameter("--token goes with --gateway URL", param_hint="--token")
        if gateway is not None and token is None:
            from .. import config

            token = config.get("gateway_token")
        opts = WrapOptions(agent=agent, user_args=list(ctx.args), port=port,
                           anthropic_upstream=anthropic_upstream, openai_upstream=openai_upstream,
                           gemini_upstream=gemini_upstream,
                           dry_run=dry_run, mcp=False if no_mcp else None, dashboard=dashboard, proxy=flags,
                           gateway=gateway, gateway_token=token)
        raise typer.Exit(run_wrap(opts))


def run_wrap(opts) -> int:
    """The lifecycle with its output: banner on stderr before launch, summary after. Returns the agent's
    exit code (128+n when a signal n ended it)."""
    from ..launch.session import WrapRun
    from . import output
    from .exit import ExitStatus

    run = WrapRun(opts)
    try:
        plan = run.prepare()
        if opts.dry_run:
            _print_dry_run(run, plan)
            return ExitStatus.OK
        if run.direct_argv is not None:
            run.exec_direct()  # `claude --version`: the agent replaces this process
        _banner(run, plan)
        run.start()
        _notes(run.late_notes)
        if run.gateway is None:  # through a gateway the summary needs no ledger
            _preload_summary(run)
        code = run.wait()
    finally:
        problems = run.close()
    if problems:
        output.status(f"cleanup problems: {'; '.join(problems)}")
    _summary(run)
    if run.busy_threads:  # the proxy's start-up or warm-up, left running: see cli/ending.py
        from .ending import request_os_exit

        request_os_exit()
    return code


def _preload_summary(run) -> None:
    """Load the exit summary's modules while the agent runs, once the proxy serves: an agent gone before that gets
    the summary that needs none of them, and its exit would only wait for this thread's share of the GIL."""
    import threading

    from ..stats.summary import preload
    from .output import preload as preload_console

    def both() -> None:
        try:
            run.proxy.wait_ready(60)
        except Exception:
            return
        preload_console()
        preload()

    threading.Thread(target=both, name="headroom-summary-preload", daemon=True).start()


def _gateway_line(run) -> str:
    """What `--gateway` does, for the banner and the dry run (the token never shown)."""
    how = ("your token in the X-Headroom-Token header" if run.gateway.header
           else "your token in the base URL's path (/t/<token>)")
    return (f"{run.opts.agent} via the team gateway {run.gateway.url} · {how} · no local proxy: the gateway "
            "compresses and keeps the figures")


def _mode(settings) -> str:
    parts = ["passthrough (no compression)" if settings.no_compress
             else f"compressing tool results (keep ~{settings.compress_ratio:g})"]
    if settings.reduce_output:
        parts.append(f"reduce-output level {settings.output_level}")
    if settings.effort_routing:
        parts.append("effort routing")
    return ", ".join(parts)


def _upstream_line(plan) -> str:
    from .. import wires

    ups = plan.upstreams
    # The upstream family of each protocol the agent speaks: its provider ("google" is the gemini upstream).
    family = {wires.ANTHROPIC_PROVIDER: "anthropic", wires.OPENAI_PROVIDER: "openai", wires.GOOGLE_PROVIDER: "gemini"}
    fams = {family[wires.PROVIDER_OF[p]] for p in plan.protocols if p in wires.PROVIDER_OF}
    if not fams:
        fams = {"anthropic"}
    out = []
    for fam in ("anthropic", "openai", "gemini"):
        if fam in fams:
            src = ups.sources.get(fam, "")
            out.append(ups.get(fam) + (f" (from {src})" if src and src != "default" else ""))
    return " · ".join(out)


def _notes(notes) -> None:
    from ..launch.plan import mask_text
    from . import output

    for n in notes:
        output.echo(f"headroom ▸ {mask_text(n)}", err=True)
    output.flush(err=True)


def _banner(run, plan) -> None:
    from ..launch.plan import mask_text
    from . import output

    if run.gateway is not None:
        output.echo(f"headroom ▸ {mask_text(_gateway_line(run))}", err=True)
    else:
        output.echo(f"headroom ▸ {run.opts.agent} via {run.proxy_url} · {_mode(run.settings)}", err=True)
        output.echo(f"headroom ▸ upstream {mask_text(_upstream_line(plan))}", err=True)
    for n in plan.banner_notes:
        output.echo(f"headroom ▸ {mask_text(n)}", err=True)
    output.flush(err=True)


def _summary(run) -> None:
    from . import output

    if run.gateway is not None and not run.opts.dry_run:
        output.echo(f"headroom · {run.opts.agent} went through the team gateway {run.gateway.url}: your figures "
                    f"are there (`headroom team stats --gateway {run.gateway.url}`)", err=True)
        return
    if run.opts.dry_run or run.settings is None:
        return

    if run.proxy is not None and not run.proxy.served:
        # The agent was gone before the proxy served: nothing can be in the ledger. Said without the ledger and
        # rich, which would cost a no-op agent's exit ~60 ms more while aiohttp still loads on another thread.
        output.echo(f"headroom · {run.settings.agent or 'session'} · {run.session_id}", err=True)
        output.echo(f"No requests went through the proxy ({_duration(run.duration_s)}).", err=True)
        return
    from ..stats.summary import render_summary

    try:
        with run.settings.backend().ledger() as lg:
            output.show(render_summary(run.session_id, duration_s=run.duration_s, ledger=lg), err=True)
    except Exception as e:  # the summary must never change the agent's exit code
        output.status(f"no summary ({e})")


def _duration(s: float) -> str:
    from ..stats.render import duration  # light: no rich

    return duration(s)


def _print_dry_run(run, plan) -> None:
    import shlex

    from ..launch.plan import mask_env, mask_text
    from ..launch.profiles import env_prefixes
    from .output import echo

    if run.direct_argv is not None:
        echo(f"# headroom wrap {run.opts.agent} --dry-run")
        for n in plan.banner_notes:
            echo(f"# {mask_text(n)}")
        echo("# command (your environment, unchanged):")
        echo(mask_text(shlex.join(plan.argv)))
        return
    echo(f"# headroom wrap {run.opts.agent} --dry-run (session {run.session_id})")
    if run.gateway is not None:
        echo(f"# {mask_text(_gateway_line(run))}")
    else:
        echo(f"# proxy {run.display_url} · {_mode(run.settings)}")
        echo(f"# upstream {mask_text(_upstream_line(plan))}")
    for n in plan.banner_notes:
        echo(f"# {mask_text(n)}")
    echo("# environment changes:")
    for k in sorted(plan.env_changes):
        v = plan.env_changes[k]
        echo(f"unset {k}" if v is None else f"export {k}={shlex.quote(mask_env(k, v) or '')}")
    relevant = env_prefixes()  # the agents' own variables, from their profiles
    kept = sorted(k for k in run.env if k.startswith(relevant) and k not in plan.env_changes)
    if kept:
        echo("# passed through unchanged:")
        for k in kept:
            echo(f"#   {k}={mask_env(k, run.env[k])}")
    echo("# command:")
    echo(mask_text(shlex.join(plan.argv)))
    for name, text in plan.derived_files.items():
        echo(f"# per-run file {name}:")
        echo(mask_text(text))


def _print_list() -> None:
    from rich.table import Table

    from ..launch.profiles import list_agents
    from . import output

    t = Table("agent", "binary", "version / install")
    for a in list_agents():
        if a["path"]:
            t.add_row(a["agent"], a["path"], a["version"] or "[yellow]installed (no version answer)[/]")
        else:
            t.add_row(a["agent"], f"[red]{a['binary']} not on PATH[/]", f"install: {a['install']}")
    output.show(t)
