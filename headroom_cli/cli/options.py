"""The options `headroom wrap` and `headroom proxy` share, each defined once (flag, metavar, help), and
the value rules both apply.

A command declares a shared option as `compress_ratio: CompressRatio = None`; `proxy_flags()` turns the
values into the typed `ProxyFlags` the proxy settings are built from. `--port` is not shared: wrap's
proxy takes a free port unless told, `headroom proxy` defaults to HEADROOM_PORT / 8787.
"""
from __future__ import annotations

from typing import Annotated, List, Optional

import typer

from ..proxy.settings import ProxyFlags

AnthropicUpstream = Annotated[Optional[str], typer.Option(
    "--anthropic-upstream", metavar="URL", help="Where Anthropic traffic goes (env HEADROOM_ANTHROPIC_UPSTREAM).")]
OpenaiUpstream = Annotated[Optional[str], typer.Option(
    "--openai-upstream", metavar="URL",
    help="Where OpenAI-style traffic goes, with /v1 (env HEADROOM_OPENAI_UPSTREAM).")]
GeminiUpstream = Annotated[Optional[str], typer.Option(
    "--gemini-upstream", metavar="URL",
    help="Where Gemini API traffic goes, without /v1beta (env HEADROOM_GEMINI_UPSTREAM).")]
NoCompress = Annotated[Optional[bool], typer.Option(
    "--no-compress", help="Pure passthrough.", show_default=False)]
COMPRESS_RATIO_HELP = "Share of a tool result lossy compressors keep, in (0, 1] (default 0.3)."  # perf's too
CompressRatio = Annotated[Optional[float], typer.Option(
    "--compress-ratio", metavar="R", help=COMPRESS_RATIO_HELP)]
CacheTtl = Annotated[Optional[int], typer.Option(
    "--cache-ttl", metavar="S", help="Seconds stored originals are kept.")]
ProtectTool = Annotated[List[str], typer.Option(
    "--protect-tool", metavar="NAME", help="Never compress this tool's results (repeatable).")]
ReduceOutput = Annotated[Optional[bool], typer.Option(
    "--reduce-output", help="Ask the model for terser output.", show_default=False)]
OutputLevel = Annotated[Optional[int], typer.Option(
    "--output-level", metavar="N", help="Terseness level 1–4 for --reduce-output (default 2).")]
OutputRatio = Annotated[Optional[float], typer.Option(
    "--output-ratio", metavar="R",
    help="Target share of output to keep (0–1), mapped to a level; implies --reduce-output.")]
EffortRouting = Annotated[Optional[bool], typer.Option(
    "--effort-routing", help="Lower reasoning effort for simple turns.", show_default=False)]
OutputHoldout = Annotated[Optional[float], typer.Option(
    "--output-holdout", metavar="F", help="Share of conversations left unshaped to measure the effect (0–1).")]

StoreUrl = Annotated[Optional[str], typer.Option(
    "--store", metavar="URL",
    help="Where originals, the ledger and learned rules live: postgresql://… for a team's shared store "
         "(env HEADROOM_STORE; default: SQLite files in your user dirs).")]

CompressDocuments = Annotated[Optional[bool], typer.Option(
    "--compress-documents", show_default=False,
    help="Also compress large documents (logs, JSON, code) inside user messages, keeping the prose around them; "
         "for applications, not agents (off: what a person typed is never touched).")]

# The flags above (all but --compress-documents, `headroom proxy`'s own), as they appear on the command line
# (tests compare wrap's and proxy's help for each).
SHARED_FLAGS = ("--anthropic-upstream", "--openai-upstream", "--gemini-upstream", "--no-compress", "--compress-ratio",
                "--cache-ttl", "--protect-tool", "--reduce-output", "--output-level", "--output-ratio",
                "--effort-routing", "--output-holdout", "--store")


def proxy_flags(*, no_compress, compress_ratio, cache_ttl, protect_tool, reduce_output, output_level,
                output_ratio, effort_routing, output_holdout, store=None) -> ProxyFlags:
    """The shared proxy-setting options' values (None: not given) as typed fields."""
    return ProxyFlags(no_compress=no_compress, compress_ratio=compress_ratio, cache_ttl=cache_ttl,
                      protect_tools=tuple(protect_tool) or None, reduce_output=reduce_output,
                      output_level=output_level, output_ratio=output_ratio, effort_routing=effort_routing,
                      output_holdout=output_holdout, store_url=check_store(store))


def check_store(url: str | None) -> str | None:
    """A `--store` value: empty (the user dirs' files), sqlite:///DIR or postgresql://…; a UsageError else."""
    if url is None:
        return None
    from ..errors import UsageError
    from ..storage import is_postgres, redact_url

    url = url.strip()
    if url and not (is_postgres(url) or url.lower().startswith("sqlite:")):
        raise UsageError(f"--store {redact_url(url)!r} is not a store URL",
                         hint="postgresql://USER@HOST:PORT/DB (a team's database), or leave it out for the "
                              "SQLite files in your user dirs")
    return url


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


def apply_output_ratio(flags: ProxyFlags) -> None:
    """`--output-ratio R` implies `--reduce-output` and the terseness level R maps to, unless those were
    given: fills them into `flags`."""
    if flags.output_ratio is None:
        return
    from ..output.terseness import ratio_to_level

    if flags.output_level is None:
        flags.output_level = ratio_to_level(flags.output_ratio)
    if flags.reduce_output is None:
        flags.reduce_output = True
