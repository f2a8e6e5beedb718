"""Run the proxy app on a background thread with its own event loop.

`bind_socket` is stdlib only, so `headroom wrap` knows the port at once and can start the agent while
aiohttp is still importing (~270 ms): the kernel queues the agent's first connection in the listen
backlog until `ProxyServer` adopts the socket with `web.SockSite`.
"""
from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
import threading
from pathlib import Path
from typing import Any

from ..errors import HeadroomError
from .settings import ProxySettings

log = logging.getLogger(__name__)

_LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]", ""}


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A TCP socket bound to (host, port) and listening already (port 0: a free port)."""
    bare = host.strip("[]") or "127.0.0.1"
    try:
        infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise HeadroomError(f"cannot resolve host {host!r}: {e}", hint="use an IP address such as 127.0.0.1") from None
    family, _, _, _, addr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # Lets a restarted proxy reuse a port whose old connections sit in TIME_WAIT; Linux still
        # refuses a second listener on the same port.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(512)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise HeadroomError(
                f"port {port} on {host} is already in use",
                hint=f"stop the other process (e.g. `lsof -i :{port}`) or pick another port with --port "
                     "(0 picks a free one)",
            ) from None
        if e.errno in (errno.EACCES, errno.EPERM):
            raise HeadroomError(f"not allowed to bind {host}:{port}: {e.strerror}",
                                hint="ports below 1024 need privileges; use a higher --port") from None
        if e.errno == errno.EADDRNOTAVAIL:
            raise HeadroomError(f"cannot bind {host}:{port}: this machine has no such address",
                                hint="use 127.0.0.1") from None
        raise HeadroomError(f"cannot bind {host}:{port}: {e}") from None
    sock.setblocking(False)
    return sock


class _MalformedRequests(logging.Filter):
    """aiohttp logs a client's malformed HTTP (a bad request line, a header too long) with a traceback;
    it is the client's mistake, answered 400: one debug line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        from aiohttp.http_exceptions import HttpProcessingError

        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            from . import redact

            # its message may quote the request line, and so a gateway token in its path
            log.debug("malformed request answered %s: %s", exc.code, redact.text(str(exc.message)))
            return False
        return True


def _http_logger() -> logging.Logger:
    """The logger of the proxy's HTTP server (aiohttp's server errors)."""
    lg = logging.getLogger("headroom.proxy.http")
    if not any(isinstance(f, _MalformedRequests) for f in lg.filters):
        lg.addFilter(_MalformedRequests())
    return lg


def publish_secret(settings: ProxySettings, port: int) -> Path:
    """Write the proxy's secret to `<runtime dir>/proxy-<port>.secret`, readable by this user only, for
    clients the user points at `headroom proxy` themselves (`wrap` hands it over in the environment).
    Written to a fresh 0600 file and renamed into place, so it is never readable by others."""
    from .. import config

    path = config.ensure_dir(config.paths().runtime_dir) / f"proxy-{port}.secret"
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (settings.secret + "\n").encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path


class ProxyServer:
    """The proxy app served from a daemon thread. `start()` returns at once; `wait_ready()` blocks
    until aiohttp serves (or raises what went wrong); `stop()` lets in-flight requests finish for
    up to `grace` seconds. `publish_secret`: write the secret to a 0600 file while serving (`secret_file`)."""

    def __init__(self, settings: ProxySettings, sock: socket.socket | None = None, *, publish_secret: bool = False):
        self.settings = settings
        self._sock = sock
        self._publish_secret = publish_secret
        self.secret_file: Path | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: Any = None
        self._server: asyncio.AbstractServer | None = None  # listening on _sock
        self.watchdog: Any = None  # proxy.watchdog.Watchdog once serving
        self.app: Any = None  # the aiohttp Application once ready
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._stop_requested = False
        self.served = False  # it has served (accepted connections); final once stop() has returned
        self._warm_up: threading.Thread | None = None
        self._lock = threading.Lock()
        self._finished = False  # the serving thread has ended
        self._thread_closes_sock = False  # stop() left the socket to the thread (it was still starting)

    # -- addresses ------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._sock is None:
            raise RuntimeError("ProxyServer not started")
        return self._sock.getsockname()[1]

    @property
    def host(self) -> str:
        h = self.settings.host
        if h in _LOOPBACK_NAMES or h in ("0.0.0.0", "::"):
            return "127.0.0.1" if h not in ("::1", "[::1]", "::") else "[::1]"
        return f"[{h}]" if ":" in h and not h.startswith("[") else h

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> ProxyServer:
        if self._thread is not None:
            return self
        if self._sock is None:
            self._sock = bind_socket(self.settings.host, self.settings.port)
        if self._publish_secret:
            self.secret_file = publish_secret(self.settings, self.port)
        self._thread = threading.Thread(target=self._run, name="headroom-proxy", daemon=True)
        self._thread.start()
        return self

    def wait_ready(self, timeout: float = 10) -> ProxyServer:
        if self._thread is None:
            raise RuntimeError("ProxyServer.start() was not called")
        if not self._ready.wait(timeout):
            raise HeadroomError(f"the proxy did not start within {timeout:g} s")
        if self._error is not None:
            raise HeadroomError(f"the proxy failed to start: {self._error}") from self._error
        return self

    @property
    def ready(self) -> bool:
        """Started (serving, or failed to: `wait_ready()` tells which)."""
        return self._ready.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, grace: float = 2.0, *, wait_threads: bool = True) -> None:
        """Stop serving; in-flight requests get `grace` seconds. Idempotent, callable from any thread.

        `wait_threads=False` (wrap's teardown, whose process ends right after): a proxy still starting is not
        waited for (it stops itself once started, and closes the socket), nor is the warm-up (it skips its
        remaining steps). Either may then be running OpenSSL without the GIL, so the process must end with
        `os._exit` (see `busy_threads()`), not through the interpreter's exit: its OpenSSL clean-up at exit
        would run under them and crash."""
        self._stop_requested = True
        if self.secret_file is not None:
            self.secret_file.unlink(missing_ok=True)
        loop, thread = self._loop, self._thread
        if thread is None:  # never started: just release the socket
            if self._sock is not None:
                self._sock.close()
            return
        if not wait_threads and not self._ready.is_set():
            with self._lock:
                if not self._finished:
                    self._thread_closes_sock = True  # it is still adopting it: closing it here could race
                    return
        # Waited for by default: a thread still starting runs OpenSSL (aiohttp's import builds an SSL
        # context) without the GIL, and exiting the process normally under it crashes.
        self._ready.wait(30)
        if loop is not None and thread.is_alive():
            if self._runner is not None and hasattr(self._runner, "_shutdown_timeout"):
                self._runner._shutdown_timeout = grace  # aiohttp reads it in cleanup()
            try:
                loop.call_soon_threadsafe(loop.stop)
            except RuntimeError:  # loop already closed
                pass
        thread.join(grace + 10)  # a serving proxy is always waited for: its last requests' records
        if self._warm_up is not None and wait_threads:
            self._warm_up.join(30)  # ends after the step it is in
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass

    # -- draining (SIGTERM behind a load balancer) ---------------------------------------------------
    @property
    def readiness(self) -> Any:
        """The app's `health.Readiness` once serving (None before)."""
        from .app import READINESS

        return self.app[READINESS] if self.app is not None else None

    def drain(self, timeout: float, *, delay: float = 0.0, interrupted: threading.Event | None = None) -> None:
        """Stop gracefully: `/healthz` turns 503 "draining" at once; after `delay` seconds (for balancers that
        route by health checks alone; ends early if `interrupted` is set) the proxy stops listening, so new
        connections are refused and a balancer retries them on another instance; requests in flight (streams
        included) get up to `timeout` seconds to finish, and their records are written, before it stops."""
        r = self.readiness
        if r is not None:
            r.drain()
        if delay > 0 and self._ready.is_set() and self.running:
            (interrupted or threading.Event()).wait(delay)
        self.stop(grace=timeout)

    @property
    def in_flight(self) -> int:
        """Provider requests between arrival and the end of their answer."""
        from .app import FORWARDER

        return self.app[FORWARDER].in_flight if self.app is not None else 0

    def cut(self) -> None:
        """End a drain at once: close every client connection (their requests are recorded as cut)."""
        loop, runner = self._loop, self._runner
        if loop is None or runner is None or loop.is_closed():
            return

        def cut_all() -> None:
            server = runner.server
            for conn in list(server.connections if server is not None else ()):
                conn.force_close()

        try:
            loop.call_soon_threadsafe(cut_all)
        except RuntimeError:  # loop closed meanwhile
            pass

    def busy_threads(self) -> list[str]:
        """The proxy's threads still running (start-up, serving, warm-up): after `stop(wait_threads=False)`,
        non-empty means the process must end with `os._exit`."""
        return [t.name for t in (self._thread, self._warm_up) if t is not None and t.is_alive()]

    def __enter__(self) -> ProxyServer:
        return self.start().wait_ready()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the thread -----------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._serve()
        finally:
            with self._lock:
                self._finished = True
                close_sock = self._thread_closes_sock
            if close_sock and self._sock is not None:
                try:
                    self._sock.close()
                except OSError:
                    pass

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._setup())
        except BaseException as e:  # reported by wait_ready()
            self._error = e
            log.debug("proxy start-up failed", exc_info=True)
            self._ready.set()
            self._close_loop(loop)
            return
        self._ready.set()
        try:
            if not self._stop_requested:
                self.served = True
                loop.run_forever()
        finally:
            try:
                if self._server is not None:
                    self._server.close()
                loop.run_until_complete(self._runner.cleanup())
            except Exception:
                log.debug("proxy cleanup failed", exc_info=True)
            self._close_loop(loop)

    async def _setup(self) -> None:
        from aiohttp import web

        from .app import make_app
        from .watchdog import Limits, Watchdog

        st = self.settings
        self.app = make_app(st)
        # Time limits for reading requests (aiohttp has none): the watchdog sees each connection's bytes
        # (its protocol wraps aiohttp's) and each request's start and end (its middleware). Its middleware
        # comes first: the headers are complete once any middleware runs, so time the guard spends (a gateway's
        # token check waiting on its store) must not count against the client's header limit.
        self.watchdog = Watchdog(Limits(st.header_timeout, st.idle_timeout, st.body_min_rate, st.body_grace))
        self.app.middlewares.insert(0, self.watchdog.middleware)
        # auto_decompress=False: we decode gzip/zstd request bodies ourselves (aiohttp cannot
        # decode zstd without an extra package) and can forward untouched bodies as they came.
        self._runner = web.AppRunner(self.app, handle_signals=False, access_log=None, logger=_http_logger(),
                                     shutdown_timeout=2.0, auto_decompress=False,
                                     keepalive_timeout=2 * st.idle_timeout)  # a fallback: the watchdog closes first
        await self._runner.setup()
        # A gateway token in the path prefix comes off before routing (proxy/gate.py), on a local proxy too: there
        # the guard refuses the request rather than send someone's token to the provider.
        from .gate import strip_token_prefix

        server = self._runner.server
        server.request_factory = strip_token_prefix(server.request_factory)
        # The listening server is ours (not a web.SockSite) so that each connection gets the watchdog;
        # it stops listening before the runner's cleanup closes the connections.
        self._server = await asyncio.get_running_loop().create_server(
            self.watchdog.protocol_factory(self._runner.server), sock=self._sock, backlog=512)
        if not self.settings.no_compress and not self._stop_requested:
            from .pipeline import warm_up

            # A thread of its own that skips its remaining steps once the proxy stops. Its hashing and BPE load
            # run OpenSSL without the GIL, which must not be running under a normal interpreter exit: stop()
            # joins it, or (wrap) the process ends with os._exit. On the loop's executor it ran to the end and
            # the interpreter joined it: a short session's exit waited ~0.5 s for it.
            self._warm_up = threading.Thread(target=warm_up, args=(lambda: self._stop_requested, self.settings),
                                             name="headroom-warm-up", daemon=True)
            self._warm_up.start()

    @staticmethod
    def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
        try:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for t in pending:
                t.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
