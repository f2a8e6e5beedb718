"""The `headroom wrap` lifecycle (docs/ARCHITECTURE.md §6), minus printing (the CLI prints).

    run = WrapRun(WrapOptions(agent="claude", user_args=[...]))
    try:
        plan = run.prepare()        # profile, binary (127), stale journals, socket, upstreams, plan
        run.start()                 # child first (terminal handed over), then the proxy adopts the socket
        code = run.wait()           # child's exit code, 128+n for signal n
    finally:
        run.close()                 # proxy stopped, registry entry and temp files removed

The listening socket is bound with the stdlib before anything slow, so the port is known at once; the
agent may connect while aiohttp is still importing: the kernel queues the connection.
"""
from __future__ import annotations

import os
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import config
from ..errors import AgentNotFound, CannotExecute, HeadroomError
from ..proxy.settings import ProxyFlags
from . import journal as journal_mod
from . import profiles
from .builders import builder_for
from .context import BuildContext, Features
from .plan import LaunchPlan, build_plan
from .supervise import Child
from .upstream import Upstreams, resolve


@dataclass
class WrapOptions:
    agent: str
    user_args: list[str] = field(default_factory=list)
    port: int = 0
    anthropic_upstream: str | None = None
    openai_upstream: str | None = None
    gemini_upstream: str | None = None
    dry_run: bool = False
    mcp: bool | None = None  # None: on when the agent speaks MCP (profile `mcp = true`)
    statusline: bool | None = None  # None: on
    dashboard: str | None = None  # "tmux"
    proxy: ProxyFlags = field(default_factory=ProxyFlags)  # the flags wrap shares with `headroom proxy`
    env: dict[str, str] | None = None  # the user's environment (default: os.environ)
    cwd: Path | None = None
    # `--gateway URL` (and `--token`): the agent goes to a team gateway straight; no local proxy (launch/gateway.py)
    gateway: str | None = None
    gateway_token: str | None = None


def self_command(*args: str) -> str:
    """A shell command line that runs this headroom (same interpreter), for agent hooks. The agent runs it in its
    working directory: `-P` (3.11+) keeps a `headroom_cli` there (a checkout of headroom's own repository) from
    being the one imported."""
    safe = ["-P"] if sys.version_info >= (3, 11) else []
    return shlex.join([sys.executable, *safe, "-m", "headroom_cli", *args])


def log_to_file() -> Path:
    """The agent owns the terminal: headroom's own log goes to a file (state dir), never to stderr."""
    import logging
    from logging.handlers import RotatingFileHandler

    from .. import config

    path = config.ensure_dir(config.paths().state_dir) / "wrap.log"
    level = logging.DEBUG if config.get("debug") else getattr(logging, str(config.get("log_level")).upper(),
                                                              logging.WARNING)
    handler = RotatingFileHandler(path, maxBytes=5 * 1024 * 1024, backupCount=1, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
    for name in ("headroom", "headroom_cli"):
        lg = logging.getLogger(name)
        lg.handlers = [handler]
        lg.setLevel(level)
        lg.propagate = False
    return path


def _prune_registry() -> None:
    """Drop registry entries of runs that died without cleanup (SIGKILL)."""
    try:
        from ..stats import registry

        registry.list_sessions(prune=True)
    except Exception:
        pass


class WrapRun:
    def __init__(self, opts: WrapOptions):
        self.opts = opts
        self.env = dict(os.environ if opts.env is None else opts.env)
        self.cwd = opts.cwd or Path.cwd()
        self.started_at = time.monotonic()
        self.plan: LaunchPlan | None = None
        self.settings: Any = None
        self.session_id = ""
        self.sock: Any = None
        self.proxy: Any = None
        self.child: Child | None = None
        self.journal: journal_mod.Journal | None = None
        self.registered = False
        self.stale_replayed = 0
        self.closed = False
        self.display_url = ""
        self.recorder: Any = None
        self.log_path: Path | None = None
        # A command that starts no session (`claude --version`): run as is, with the user's environment.
        self.direct_argv: list[str] | None = None
        self.late_notes: list[str] = []  # what start() found out after the banner was printed
        # The proxy's threads still running after close() (start-up, warm-up): the process must end with
        # os._exit, not the interpreter's exit (see ProxyServer.stop).
        self.busy_threads: list[str] = []
        self.gateway: Any = None  # launch.context.GatewayAccess with `--gateway`

    # -- 1. plan -------------------------------------------------------------------------------
    def prepare(self) -> LaunchPlan:
        o = self.opts
        profile = profiles.load(o.agent)
        from .shims import check_not_recursing

        check_not_recursing(profile.name, self.env)  # backstop for shims nobody can recognise
        missing_note = None
        try:
            exe = profiles.find_binary(profile, path=self.env.get("PATH"))
        except AgentNotFound as e:
            if not o.dry_run:
                raise
            exe, missing_note = profile.binary, f"{e} ({e.hint})"  # a dry run still shows the plan
        if profiles.starts_no_session(profile, list(o.user_args)):
            # Nothing for a proxy to see: starting one cost ~0.8 s and printed a banner and an empty summary.
            self.direct_argv = [exe, *o.user_args]
            self.plan = LaunchPlan(argv=self.direct_argv, env=self.env, agent=profile.name,
                                   protocols=profile.protocols,
                                   banner_notes=[*([missing_note] if missing_note else []),
                                                 "a command that starts no session: the agent runs directly, "
                                                 "without the proxy"])
            return self.plan
        from ..proxy.settings import ProxySettings, new_secret, new_session_id

        self.session_id = new_session_id()
        secret = new_secret()  # handed to the agent in its environment (plan.py), required by /mcp
        if o.gateway is not None:
            return self._prepare_gateway(profile, exe, missing_note)
        if o.dry_run:
            proxy_url = f"http://127.0.0.1:{o.port or 'PORT'}"
        else:
            self.stale_replayed = journal_mod.replay_stale()
            _prune_registry()
            from ..proxy.runner import bind_socket

            self.sock = bind_socket("127.0.0.1", o.port)
            proxy_url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        mcp = profile.mcp and o.mcp is not False
        statusline = o.statusline is not False
        features = Features(
            mcp_url=f"{proxy_url}/mcp" if mcp else None,
            statusline_command=self_command("statusline") if statusline else None,
            reduce_output=bool(o.proxy.reduce_output),
            compressing=not (o.proxy.no_compress if o.proxy.no_compress is not None
                             else config.get("no_compress")),
        )
        if not o.dry_run:
            self.journal = journal_mod.Journal(self.session_id).begin()
        ctx = BuildContext(profile=profile, exe=exe, user_args=list(o.user_args), proxy_url=proxy_url,
                           features=features, env=self.env, cwd=self.cwd, session_id=self.session_id,
                           journal=self.journal, proxy_secret=secret)
        discovered = builder_for(profile).discover(ctx)
        ups = resolve(self.env, profile.upstream_env, discovered,
                      anthropic=o.anthropic_upstream, openai=o.openai_upstream, gemini=o.gemini_upstream)
        self.plan = build_plan(ctx, ups, dry_run=o.dry_run)
        if missing_note:
            self.plan.banner_notes.insert(0, missing_note)
        missing_setup = profiles.setup_missing(profile, self.env)
        if missing_setup is not None:
            self.plan.banner_notes.append(
                f"{profile.title} is not set up for this user yet ({missing_setup} is missing): its first-run "
                f"onboarding talks to its provider directly, not through headroom, and may fail; run "
                f"`{profile.binary}` once on its own, then `headroom wrap {profile.name}`")
        if o.dashboard == "tmux" and not self.env.get("TMUX"):  # known now: said in the banner, not after it
            self.plan.banner_notes.append("--dashboard tmux: not inside tmux; run `headroom dashboard` in "
                                          "another terminal")
        for e in self.plan.refusals:  # only a dry run gets here with them: it shows the plan all the same
            self.plan.banner_notes.insert(0, f"warning: a real run would stop here: {e}"
                                             + (f" (hint: {e.hint})" if e.hint else ""))
        self.display_url = proxy_url
        overrides: dict[str, Any] = o.proxy.given()
        if features.mcp_url:
            # The agent retrieves through MCP: the proxy injects nothing, markers name the tool as the
            # model sees it.
            overrides["retrieval"] = "mcp"
            overrides["marker_tool"] = profile.mcp_marker_tool or config.RETRIEVE_TOOL
            # Whatever the upstream: Claude Code 2.1.330 deferred the tool behind a gateway too, where
            # ENABLE_TOOL_SEARCH is not set (issue 16 item 14); the hint's "if deferred" covers both.
            if profile.mcp_deferred_hint:
                overrides["marker_hint"] = profile.mcp_deferred_hint
        if "on_record" not in overrides:
            from ..stats.recorder import Recorder  # batches rows to the ledger on its own thread

            self.recorder = Recorder(open_ledger=lambda: self.settings.backend().ledger())
            overrides["on_record"] = self.recorder
        openai_up = ups.openai
        if set(profile.protocols) == {"anthropic"} and not o.openai_upstream:
            # The proxy's catch-all sends requests without Anthropic headers (Claude Code's `HEAD /`
            # probe) to the OpenAI upstream; an Anthropic-only agent has nothing to send there.
            openai_up = ups.anthropic
        self.settings = ProxySettings.from_config(
            anthropic_upstream=ups.anthropic, openai_upstream=openai_up, gemini_upstream=ups.gemini,
            host="127.0.0.1",
            port=int(proxy_url.rsplit(":", 1)[1]) if not o.dry_run else o.port,
            session_id=self.session_id, agent=profile.name, secret=secret, **overrides,
        )
        return self.plan

    def _prepare_gateway(self, profile, exe: str, missing_note: str | None) -> LaunchPlan:
        """`--gateway`: the plan points the agent at the team gateway with its user's token; nothing is bound,
        no proxy starts, the gateway's ledger has the figures (`headroom team stats`)."""
        from . import gateway

        o = self.opts
        access = self.gateway = gateway.access_for(profile, o.gateway, o.gateway_token)
        mcp = profile.mcp and o.mcp is not False
        features = Features(mcp_url=gateway.mcp_url(access) if mcp else None, statusline_command=None,
                            reduce_output=bool(o.proxy.reduce_output), compressing=True)
        if not o.dry_run:
            self.stale_replayed = journal_mod.replay_stale()
            self.journal = journal_mod.Journal(self.session_id).begin()
        # The gateway's own routes take the user's token as their bearer: the MCP registration reads it from here.
        ctx = BuildContext(profile=profile, exe=exe, user_args=list(o.user_args), proxy_url=gateway.agent_base_url(access),
                           features=features, env=self.env, cwd=self.cwd, session_id=self.session_id,
                           journal=self.journal, proxy_secret=access.token, gateway=access)
        # Where the gateway forwards is the gateway's choice: the agent's builder sees the providers' own APIs.
        ups = Upstreams(anthropic=config.ANTHROPIC_API, openai=config.OPENAI_API)
        self.plan = build_plan(ctx, ups, dry_run=o.dry_run)
        if missing_note:
            self.plan.banner_notes.insert(0, missing_note)
        for e in self.plan.refusals:
            self.plan.banner_notes.insert(0, f"warning: a real run would stop here: {e}"
                                             + (f" (hint: {e.hint})" if e.hint else ""))
        self.display_url = access.url
        return self.plan

    @property
    def proxy_url(self) -> str:
        if self.gateway is not None:
            return self.gateway.url
        return f"http://127.0.0.1:{self.settings.port}" if self.settings else ""

    # -- 2. run --------------------------------------------------------------------------------
    def exec_direct(self) -> None:
        """Replace this process with the agent (`direct_argv`): its exit code, signals and terminal are its own."""
        assert self.direct_argv is not None
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            os.execve(self.direct_argv[0], self.direct_argv, self.env)
        except OSError as e:
            raise HeadroomError(f"cannot start {self.direct_argv[0]}: {e.strerror or e}", exit_code=126,
                                hint="check that the file is an executable for this machine") from None

    def start(self) -> None:
        assert self.plan is not None and not self.opts.dry_run
        from ..proxy.runner import ProxyServer

        self.log_path = log_to_file()
        if self.opts.dashboard == "tmux":
            self._open_tmux_dashboard()
        try:
            self.child = Child(self.plan.argv, self.plan.env, cwd=str(self.cwd)).start()
        except OSError as e:
            raise CannotExecute(f"cannot start {self.plan.argv[0]}: {e.strerror or e}",
                                hint="check that the file is an executable for this machine") from None
        if self.gateway is not None:
            return  # the team gateway is the agent's proxy
        self.proxy = ProxyServer(self.settings, self.sock)
        self.proxy.start()
        self._register()

    def wait(self, ready_timeout: float = 20.0) -> int:
        """The child's exit code. The proxy's start-up is watched meanwhile, not waited for first: an agent
        that exits at once (a no-op, a usage error) is not held up by aiohttp's import. A proxy that fails
        to start (or takes `ready_timeout` s) stops the child and raises."""
        import threading

        assert self.child is not None
        if self.proxy is None:  # --gateway: only the agent to wait for
            return self.child.wait()
        proxy, child, failed = self.proxy, self.child, []

        def watch_start() -> None:
            try:
                proxy.wait_ready(ready_timeout)
            except HeadroomError as e:
                failed.append(e)
                if child.proc is not None and child.proc.poll() is None:
                    try:
                        child.proc.terminate()  # the main thread's wait returns; close() finishes the job
                    except OSError:
                        pass

        threading.Thread(target=watch_start, name="headroom-watch-start", daemon=True).start()
        code = child.wait()
        if failed:
            child.stop()
            raise failed[0]
        return code

    def _register(self) -> None:
        from ..stats import registry

        try:
            with self.settings.backend().ledger() as lg:  # the span goes where the rows go (`--store`)
                registry.register(self.session_id, pid=os.getpid(), port=self.settings.port,
                                  agent=self.settings.agent, url=self.proxy_url, ledger=lg)
            self.registered = True
        except Exception:
            pass  # the dashboard is a nicety; never fail a run over it

    def _open_tmux_dashboard(self) -> None:
        import subprocess

        if not self.env.get("TMUX"):
            return  # prepare() put the note in the banner
        try:
            # The pane runs in the tmux server's environment: pass headroom's own settings (user dirs).
            env_args = [a for k, v in sorted(self.env.items())
                        if k.startswith("HEADROOM_") and k != config.PROXY_SECRET_ENV  # never on a command line
                        for a in ("-e", f"{k}={v}")]
            out = subprocess.run(["tmux", "split-window", "-d", "-h", "-l", "40%", "-P", "-F", "#{pane_id}",
                                  *env_args, self_command("dashboard")], capture_output=True, text=True,
                                 timeout=5, env=self.env)
        except (OSError, subprocess.SubprocessError) as e:
            self.late_notes.append(f"--dashboard tmux: {e}")
            return
        pane = out.stdout.strip()
        if out.returncode != 0:
            self.late_notes.append(f"--dashboard tmux: tmux split-window failed: {out.stderr.strip()[:200]}")
        if out.returncode == 0 and pane and self.journal is not None:
            self.journal.add("tmux_pane", pane=pane)

    # -- 3. clean up ---------------------------------------------------------------------------
    def close(self) -> list[str]:
        """Idempotent; safe on every exit path. Returns cleanup problems (for a debug message)."""
        if self.closed:
            return []
        self.closed = True
        from .supervise import shielded

        with shielded():
            return self._close()

    def _close(self) -> list[str]:
        problems: list[str] = []
        if self.child is not None:
            self.child.stop()
        if self.proxy is not None:
            try:
                # Neither its start-up nor its warm-up is waited for (a no-op agent's exit waited ~0.3-0.7 s
                # for them); what they may still be running is why the process then ends with os._exit.
                self.proxy.stop(grace=2.0, wait_threads=False)
                self.busy_threads = self.proxy.busy_threads()
            except Exception as e:
                problems.append(f"proxy stop: {e}")
        elif self.sock is not None:
            self.sock.close()
        if self.recorder is not None:  # write what is queued before the summary reads the ledger
            try:
                self.recorder.close()
            except Exception as e:
                problems.append(f"ledger: {e}")
        if self.registered:
            try:
                from ..stats import registry

                with self.settings.backend().ledger() as lg:
                    registry.unregister(self.session_id, ledger=lg)
            except Exception as e:
                problems.append(f"registry: {e}")
        if self.journal is not None:
            problems += self.journal.cleanup()
        return problems

    @property
    def duration_s(self) -> float:
        return time.monotonic() - self.started_at
