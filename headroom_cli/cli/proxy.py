"""`headroom proxy`: the compressing proxy in the foreground, for any client.

    ANTHROPIC_BASE_URL=http://localhost:8787 claude
    OPENAI_BASE_URL=http://localhost:8787/v1 <tool>
"""
from __future__ import annotations

from typing import Optional

import typer

from .options import (AnthropicUpstream, CacheTtl, CompressDocuments, CompressRatio, EffortRouting, GeminiUpstream, NoCompress,
                      OpenaiUpstream, OutputHoldout, OutputLevel, OutputRatio, ProtectTool, ReduceOutput,
                      StoreUrl)

HELP = """Run the compressing proxy in the foreground (Ctrl-C stops it).

Point clients at it: [bold]ANTHROPIC_BASE_URL=http://127.0.0.1:8787[/] (no /v1) or
[bold]OPENAI_BASE_URL=http://127.0.0.1:8787/v1[/]. Flags fall back to HEADROOM_* environment variables."""

_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def register(app: typer.Typer) -> None:
    @app.command("proxy", help=HELP)
    def proxy(
        host: Optional[str] = typer.Option(None, "--host", help="Address to bind (env HEADROOM_HOST; default 127.0.0.1). "
                                           "Anything but loopback makes it a team gateway: every request needs "
                                           "a user's token (`headroom team add`)."),
        gateway_auth: Optional[bool] = typer.Option(None, "--gateway-auth", show_default=False,
                                                    help="Team gateway on a loopback bind too (a load balancer on "
                                                         "this machine): every request needs a user's token "
                                                         "(env HEADROOM_GATEWAY_AUTH)."),
        allow_host: list[str] = typer.Option([], "--allow-host", metavar="NAME",
                                             help="Gateway: a host name it answers to (repeatable; config "
                                                  "allow_hosts). Replaces the loopback Host check."),
        port: Optional[int] = typer.Option(None, "--port", "-p", help="Port (env HEADROOM_PORT; default 8787; 0: a free port)."),
        anthropic_upstream: AnthropicUpstream = None,
        openai_upstream: OpenaiUpstream = None,
        gemini_upstream: GeminiUpstream = None,
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
        compress_documents: CompressDocuments = None,
        retrieval: Optional[str] = typer.Option(None, "--retrieval", metavar="inject|mcp|off",
                                                autocompletion=lambda incomplete: [
                                                    v for v in ("inject", "mcp", "off") if v.startswith(incomplete)],
                                                help="How the model gets originals back: inject (default; the proxy "
                                                     "adds headroom_retrieve to requests and answers it), mcp (your "
                                                     "client calls the proxy's /mcp), off (markers only)."),
        drain_timeout: Optional[float] = typer.Option(None, "--drain-timeout", metavar="S",
                                                      help="On SIGTERM or Ctrl-C, seconds requests in flight may "
                                                           "take to finish (env HEADROOM_DRAIN_TIMEOUT; default 30). "
                                                           "A second signal stops at once."),
    ):
        from .options import proxy_flags

        flags = proxy_flags(no_compress=no_compress, compress_ratio=compress_ratio, cache_ttl=cache_ttl,
                            protect_tool=protect_tool, reduce_output=reduce_output, output_level=output_level,
                            output_ratio=output_ratio, effort_routing=effort_routing, output_holdout=output_holdout,
                            store=store)
        settings = build_settings(host=host, port=port, anthropic_upstream=anthropic_upstream,
                                  openai_upstream=openai_upstream, gemini_upstream=gemini_upstream,
                                  retrieval=retrieval, flags=flags,
                                  compress_documents=compress_documents, drain_timeout=drain_timeout)
        open_gateway_mode(settings, gateway_auth=gateway_auth, allow_host=allow_host)
        raise typer.Exit(run_foreground(settings))


def open_gateway_mode(settings, *, gateway_auth=None, allow_host=()) -> None:
    """Gateway mode (README "A team gateway") when the bind or `--gateway-auth` asks for it: the store's tokens
    authenticate every request and `--allow-host` names replace the loopback Host check. A gateway without
    user authentication is refused (a UsageError saying why); `--allow-host` on a local proxy is a mistake."""
    from .. import config
    from ..errors import UsageError
    from ..gateway import serving

    gateway_auth = gateway_auth if gateway_auth is not None else config.get("gateway_auth")
    if not serving.is_gateway(settings.host, gateway_auth):
        if allow_host:
            raise UsageError("--allow-host applies to a team gateway only",
                             hint="bind beyond loopback (--host 0.0.0.0) or add --gateway-auth; a local proxy "
                                  "answers to loopback names only")
        return
    settings.gateway = serving.open_gateway(settings.backend(), host=settings.host, gateway_auth=gateway_auth)
    settings.allowed_hosts = serving.host_names(allow_host or config.get("allow_hosts"))


def build_settings(*, host=None, port=None, anthropic_upstream=None, openai_upstream=None, gemini_upstream=None,
                   retrieval=None, flags=None, compress_documents=None, drain_timeout=None):
    """ProxySettings from flags (None: fall back to HEADROOM_* / config.toml / defaults), validated.
    `flags`: the `ProxyFlags` `headroom proxy` shares with `headroom wrap`."""
    from .. import config
    from ..errors import UsageError
    from ..proxy.settings import ProxyFlags, ProxySettings
    from .options import apply_output_ratio, check_ranges, check_url

    flags = ProxyFlags() if flags is None else flags
    host = host if host is not None else config.get("host")
    port = port if port is not None else config.get("port")
    check_ranges(port=port, output_ratio=flags.output_ratio)
    if drain_timeout is not None and drain_timeout < 0:
        raise UsageError(f"--drain-timeout {drain_timeout:g} must be 0 or more")
    apply_output_ratio(flags)
    if retrieval not in (None, "inject", "mcp", "off"):
        raise UsageError(f"--retrieval {retrieval!r} must be inject, mcp or off")
    marker_tool = f"mcp__{config.MCP_SERVER_NAME}__{config.RETRIEVE_TOOL}" if retrieval == "mcp" else None
    settings = ProxySettings.from_config(host=host, port=int(port), anthropic_upstream=anthropic_upstream,
                                         openai_upstream=openai_upstream, gemini_upstream=gemini_upstream,
                                         retrieval=retrieval,
                                         marker_tool=marker_tool, compress_documents=compress_documents,
                                         drain_timeout=drain_timeout, **flags.given())
    settings.anthropic_upstream = check_url("--anthropic-upstream", settings.anthropic_upstream)
    settings.openai_upstream = check_url("--openai-upstream", settings.openai_upstream)
    settings.gemini_upstream = check_url("--gemini-upstream", settings.gemini_upstream)
    check_ranges(compress_ratio=settings.compress_ratio, cache_ttl=settings.cache_ttl,
                 output_level=settings.output_level, output_holdout=settings.output_holdout)
    if settings.max_body_bytes <= 0:
        raise UsageError("HEADROOM_MAX_BODY_BYTES must be positive")
    return settings


def _setup_logging() -> None:
    import logging

    from .. import config

    level = "DEBUG" if config.get("debug") else str(config.get("log_level")).upper()
    logger = logging.getLogger("headroom")
    if not logger.handlers:
        h = logging.StreamHandler()
        h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(h)
    logger.setLevel(getattr(logging, level, logging.WARNING))


def run_foreground(settings) -> int:
    """Serve until Ctrl-C or SIGTERM; returns the exit code (0 on a clean stop)."""
    import signal
    import threading
    import time

    from ..proxy import redact
    from ..proxy.runner import ProxyServer, bind_socket
    from . import output
    from .exit import ExitStatus

    _setup_logging()
    if settings.gateway is None and settings.host not in _LOOPBACK:  # open_gateway_mode was not called
        output.warning(f"binding {settings.host} exposes the proxy, and the API keys passing through "
                       "it, to other machines on the network")
    backend = settings.backend()  # a shared store that cannot be reached stops here: StoreUnavailable, with a hint
    sock = bind_socket(settings.host, settings.port)  # port in use → HeadroomError with a hint
    settings.port = sock.getsockname()[1]
    from ..stats.recorder import Recorder

    recorder = Recorder(open_ledger=lambda: settings.backend().ledger())
    if settings.on_record is None:
        settings.on_record = recorder
    server = ProxyServer(settings, sock, publish_secret=True).start()
    started = time.monotonic()
    stop = threading.Event()
    cut = threading.Event()  # a second signal while draining: stop at once

    def on_signal(signum, frame):
        if stop.is_set():
            cut.set()
            server.cut()
        stop.set()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    registered = False
    try:
        server.wait_ready(30)
        registered = _register(settings, server.url)
        mode = "passthrough" if settings.no_compress else f"compression ratio {settings.compress_ratio:g}"
        if settings.compress_documents and not settings.no_compress:
            mode += " · user documents too"
        output.echo(redact.text(f"headroom proxy ▸ {server.url} · anthropic → {settings.anthropic_upstream} · "
                                f"openai → {settings.openai_upstream} · gemini → {settings.gemini_upstream} · "
                                f"{mode} · session {settings.session_id} · Ctrl-C to stop"), err=True, flush=True)
        if settings.gateway is not None:
            hosts = ", ".join(settings.allowed_hosts) or "any (no --allow-host)"
            output.echo(f"headroom proxy ▸ team gateway: every request needs a user's token (/t/<token> in the "
                        f"base URL or the X-Headroom-Token header) · answers to hosts: {hosts} · plain HTTP: "
                        "terminate TLS at your load balancer", err=True, flush=True)
        else:
            output.echo(f"headroom proxy ▸ /mcp, /v1/retrieve and /stats need its secret (Authorization: Bearer …), "
                        f"in {server.secret_file}", err=True, flush=True)
        if settings.store_url:
            output.echo(f"headroom proxy ▸ store: {backend.describe()}", err=True, flush=True)
        while not stop.wait(0.5):
            if not server.running:
                output.status("the proxy stopped unexpectedly")
                return ExitStatus.ERROR
    finally:
        if stop.is_set():  # a signal: drain (a load balancer sends new requests elsewhere meanwhile)
            if server.in_flight:
                output.status(f"draining: {server.in_flight} request(s) in flight get up to "
                              f"{settings.drain_timeout:g} s; a second Ctrl-C stops at once")
            server.drain(settings.drain_timeout, delay=settings.drain_delay, interrupted=cut)
        for s, h in old.items():
            signal.signal(s, h)
        server.stop(grace=2.0)
        if registered:
            try:
                from ..stats import registry

                with settings.backend().ledger() as lg:
                    registry.unregister(settings.session_id, ledger=lg)
            except Exception:
                pass
        try:
            recorder.close()
        except Exception:
            pass
    _print_summary(server, settings, time.monotonic() - started)
    return ExitStatus.OK


def _print_summary(server, settings, duration_s: float) -> None:
    """The savings summary (from the ledger, as `wrap` prints it), else this run's counters."""
    from . import output

    try:
        from ..stats.summary import render_summary

        with settings.backend().ledger() as lg:
            output.show(render_summary(settings.session_id, duration_s=duration_s, agent=settings.agent, ledger=lg),
                        err=True)
        return
    except Exception:  # a ledger problem: fall back to the live counters
        pass
    from ..proxy.app import COUNTERS

    snap = server.app[COUNTERS].snapshot() if server.app is not None else {}
    output.echo(f"headroom proxy stopped · {snap.get('requests', 0)} requests · {snap.get('tokens_saved', 0)} "
                "tokens saved", err=True)


def _register(settings, url: str) -> bool:
    import os

    try:
        from ..stats import registry

        with settings.backend().ledger() as lg:
            registry.register(settings.session_id, pid=os.getpid(), port=settings.port, agent=settings.agent,
                              url=url, ledger=lg)
        return True
    except Exception:
        return False
