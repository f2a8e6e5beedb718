"""`headroom proxy`: the compressing proxy in the foreground, for any client.

    ANTHROPIC_BASE_URL=http://localhost:8787 claude
    OPENAI_BASE_URL=http://localhost:8787/v1 <tool>
"""
from __future__ import annotations

from typing import List, Optional

import typer

HELP = """Run the compressing proxy in the foreground (Ctrl-C stops it).

Point clients at it: [bold]ANTHROPIC_BASE_URL=http://127.0.0.1:8787[/] (no /v1) or
[bold]OPENAI_BASE_URL=http://127.0.0.1:8787/v1[/]. Flags fall back to HEADROOM_* environment variables."""

_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def register(app: typer.Typer) -> None:
    @app.command("proxy", help=HELP)
    def proxy(
        host: Optional[str] = typer.Option(None, "--host", help="Address to bind (env HEADROOM_HOST; default 127.0.0.1). "
                                           "Anything but loopback exposes the proxy to the network."),
        port: Optional[int] = typer.Option(None, "--port", "-p", help="Port (env HEADROOM_PORT; default 8787; 0: a free port)."),
        anthropic_upstream: Optional[str] = typer.Option(None, "--anthropic-upstream", metavar="URL",
                                                         help="Where Anthropic traffic goes (env HEADROOM_ANTHROPIC_UPSTREAM)."),
        openai_upstream: Optional[str] = typer.Option(None, "--openai-upstream", metavar="URL",
                                                      help="Where OpenAI traffic goes, with /v1 (env HEADROOM_OPENAI_UPSTREAM)."),
        no_compress: Optional[bool] = typer.Option(None, "--no-compress", help="Pure passthrough.", show_default=False),
        compress_ratio: Optional[float] = typer.Option(None, "--compress-ratio", metavar="R",
                                                       help="Share of a tool result lossy compressors keep (0–1]."),
        cache_ttl: Optional[int] = typer.Option(None, "--cache-ttl", metavar="S", help="Seconds originals are kept."),
        protect_tool: List[str] = typer.Option([], "--protect-tool", metavar="NAME",
                                               help="Never compress this tool's results (repeatable)."),
        reduce_output: Optional[bool] = typer.Option(None, "--reduce-output", help="Ask the model for terser output.",
                                                     show_default=False),
        output_level: Optional[int] = typer.Option(None, "--output-level", metavar="N", help="Terseness level 1–4."),
        output_ratio: Optional[float] = typer.Option(None, "--output-ratio", metavar="R",
                                                     help="Target share of output to keep (0–1), mapped to a level."),
        effort_routing: Optional[bool] = typer.Option(None, "--effort-routing", help="Lower reasoning effort for "
                                                      "simple turns.", show_default=False),
        output_holdout: Optional[float] = typer.Option(None, "--output-holdout", metavar="F",
                                                       help="Share of requests left unshaped to measure the effect (0–1)."),
        retrieval: Optional[str] = typer.Option(None, "--retrieval", metavar="inject|mcp|off",
                                                help="How the model gets originals back: inject (default; the proxy "
                                                     "adds headroom_retrieve to requests and answers it), mcp (your "
                                                     "client calls the proxy's /mcp), off (markers only)."),
    ):
        settings = build_settings(
            host=host, port=port, anthropic_upstream=anthropic_upstream, openai_upstream=openai_upstream,
            no_compress=no_compress, compress_ratio=compress_ratio, cache_ttl=cache_ttl,
            protect_tools=tuple(protect_tool) or None, reduce_output=reduce_output, output_level=output_level,
            output_ratio=output_ratio, effort_routing=effort_routing, output_holdout=output_holdout,
            retrieval=retrieval,
        )
        raise typer.Exit(run_foreground(settings))


def check_url(flag: str, url: str) -> str:
    from urllib.parse import urlsplit

    from ..errors import UsageError

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{flag} {url!r} is not an http(s) URL", hint="e.g. https://api.anthropic.com")
    return url.rstrip("/")


def check_ranges(*, port=None, compress_ratio=None, cache_ttl=None, output_level=None, output_ratio=None,
                 output_holdout=None) -> None:
    """The value rules `headroom proxy` and `headroom wrap` share (None: not given, nothing to check)."""
    from ..errors import UsageError

    if port is not None and not 0 <= int(port) <= 65535:
        raise UsageError(f"--port {port} is out of range", hint="use 1–65535, or 0 for a free port")
    if compress_ratio is not None and not 0.0 < compress_ratio <= 1.0:
        raise UsageError(f"--compress-ratio {compress_ratio} must be in (0, 1]",
                         hint="0.3 keeps about 30 % of a compressible tool result")
    if cache_ttl is not None and cache_ttl <= 0:
        raise UsageError(f"--cache-ttl {cache_ttl} must be a positive number of seconds")
    if output_level is not None and not 1 <= output_level <= 4:
        raise UsageError(f"--output-level {output_level} must be 1–4")
    for name, v in (("--output-ratio", output_ratio), ("--output-holdout", output_holdout)):
        if v is not None and not 0.0 <= v <= 1.0:
            raise UsageError(f"{name} {v} must be between 0 and 1")


def apply_output_ratio(flags: dict, output_ratio: float | None) -> dict:
    """`--output-ratio R` implies `--reduce-output` and the terseness level R maps to, unless those were
    given: fills them into `flags`; returns the settings' `extra` entries ({} without a ratio)."""
    if output_ratio is None:
        return {}
    from ..output.terseness import ratio_to_level

    if flags.get("output_level") is None:
        flags["output_level"] = ratio_to_level(output_ratio)
    if flags.get("reduce_output") is None:
        flags["reduce_output"] = True
    return {"output_ratio": output_ratio}


def build_settings(*, host, port, output_ratio=None, **flags):
    """ProxySettings from flags (None: fall back to HEADROOM_* / config.toml / defaults), validated."""
    from .. import config
    from ..errors import UsageError
    from ..proxy.settings import ProxySettings

    host = host if host is not None else config.get("host")
    port = port if port is not None else config.get("port")
    check_ranges(port=port, output_ratio=output_ratio)
    extra = apply_output_ratio(flags, output_ratio)
    if flags.get("retrieval") not in (None, "inject", "mcp", "off"):
        raise UsageError(f"--retrieval {flags['retrieval']!r} must be inject, mcp or off")
    if flags.get("retrieval") == "mcp":
        flags["marker_tool"] = f"mcp__{config.MCP_SERVER_NAME}__{config.RETRIEVE_TOOL}"
    settings = ProxySettings.from_config(host=host, port=int(port), extra=extra, **flags)
    settings.anthropic_upstream = check_url("--anthropic-upstream", settings.anthropic_upstream)
    settings.openai_upstream = check_url("--openai-upstream", settings.openai_upstream)
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
    import sys
    import threading
    import time

    from ..proxy.runner import ProxyServer, bind_socket

    _setup_logging()
    if settings.host not in _LOOPBACK:
        print(f"headroom: warning: binding {settings.host} exposes the proxy, and the API keys passing through "
              "it, to other machines on the network", file=sys.stderr)
    sock = bind_socket(settings.host, settings.port)  # port in use → HeadroomError with a hint
    settings.port = sock.getsockname()[1]
    from ..stats.recorder import Recorder

    recorder = Recorder()
    if settings.on_record is None:
        settings.on_record = recorder
    server = ProxyServer(settings, sock).start()
    started = time.monotonic()
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    registered = False
    try:
        server.wait_ready(30)
        registered = _register(settings, server.url)
        mode = "passthrough" if settings.no_compress else f"compression ratio {settings.compress_ratio:g}"
        print(f"headroom proxy ▸ {server.url} · anthropic → {settings.anthropic_upstream} · openai → "
              f"{settings.openai_upstream} · {mode} · session {settings.session_id} · Ctrl-C to stop",
              file=sys.stderr, flush=True)
        while not stop.wait(0.5):
            if not server.running:
                print("headroom: the proxy stopped unexpectedly", file=sys.stderr)
                return 1
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        server.stop(grace=2.0)
        if registered:
            try:
                from ..stats import registry

                registry.unregister(settings.session_id)
            except Exception:
                pass
        try:
            recorder.close()
        except Exception:
            pass
    _print_summary(server, settings, time.monotonic() - started)
    return 0


def _print_summary(server, settings, duration_s: float) -> None:
    """The savings summary (from the ledger, as `wrap` prints it), else this run's counters."""
    import sys

    try:
        from rich.console import Console

        from ..stats.summary import render_summary

        Console(stderr=True).print(render_summary(settings.session_id, duration_s=duration_s,
                                                  agent=settings.agent))
        return
    except Exception:  # a ledger problem: fall back to the live counters
        pass
    from ..proxy.app import COUNTERS

    snap = server.app[COUNTERS].snapshot() if server.app is not None else {}
    print(f"headroom proxy stopped · {snap.get('requests', 0)} requests · {snap.get('tokens_saved', 0)} "
          "tokens saved", file=sys.stderr)


def _register(settings, url: str) -> bool:
    import os

    try:
        from ..stats import registry

        registry.register(settings.session_id, pid=os.getpid(), port=settings.port, agent=settings.agent, url=url)
        return True
    except Exception:
        return False
