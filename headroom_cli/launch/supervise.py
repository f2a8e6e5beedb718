"""Run the agent as a child with the inherited TTY, the way a shell would.

The child stays in our process group, so the terminal's Ctrl-C reaches it directly; the parent
ignores SIGINT (and SIGQUIT) while the child runs so it survives to clean up. SIGTERM and SIGHUP
sent to the parent are forwarded to the child. Exit code = the child's, 128+n when killed by signal n.
"""
from __future__ import annotations

import os
import signal
import subprocess
from typing import Callable

_IGNORED = [signal.SIGINT, getattr(signal, "SIGQUIT", None)]
_FORWARDED = [signal.SIGTERM, getattr(signal, "SIGHUP", None)]


def exit_code(returncode: int) -> int:
    """Shell convention: a child killed by signal n exits 128+n."""
    return 128 - returncode if returncode < 0 else returncode


class Child:
    """`start()` then `wait()`; `stop()` is the last resort on error paths."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str | None = None):
        self.argv, self.env, self.cwd = argv, env, cwd
        self.proc: subprocess.Popen | None = None
        self._saved: dict[int, object] = {}
        self.forwarded: list[int] = []

    def _install(self) -> None:
        # A Python-level no-op handler (not SIG_IGN): exec resets caught signals to the default, so
        # the child still gets a normal Ctrl-C, and there is no window where wrap dies before ignoring.
        for sig in _IGNORED:
            if sig is not None:
                self._saved[sig] = signal.signal(sig, lambda *_: None)
        for sig in _FORWARDED:
            if sig is not None:
                self._saved[sig] = signal.signal(sig, self._forward)

    def _forward(self, signum, _frame) -> None:
        self.forwarded.append(signum)
        p = self.proc
        if p is not None and p.returncode is None:
            try:
                p.send_signal(signum)
            except ProcessLookupError:
                pass

    def restore(self) -> None:
        for sig, h in self._saved.items():
            try:
                signal.signal(sig, h)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                pass
        self._saved.clear()

    def start(self) -> Child:
        self._install()
        try:
            self.proc = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, close_fds=True)
        except BaseException:
            self.restore()
            raise
        return self

    def wait(self, on_tick: Callable[[], None] | None = None) -> int:
        """Block until the child exits (signals to us are forwarded meanwhile); restore handlers."""
        assert self.proc is not None
        try:
            while True:
                try:
                    rc = self.proc.wait(timeout=None if on_tick is None else 0.5)
                    break
                except subprocess.TimeoutExpired:
                    on_tick()  # type: ignore[misc]
        finally:
            self.restore()
        return exit_code(rc)

    def stop(self, grace: float = 2.0) -> None:
        """Terminate (then kill) the child if it is still running."""
        p = self.proc
        if p is None or p.poll() is not None:
            self.restore()
            return
        try:
            p.terminate()
            try:
                p.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=grace)
        except (ProcessLookupError, OSError):
            pass
        finally:
            self.restore()


class shielded:
    """Ignore Ctrl-C/SIGTERM/SIGHUP while cleaning up, so a second Ctrl-C cannot cut cleanup short."""

    def __enter__(self) -> shielded:
        self._saved = {}
        for sig in [*_IGNORED, *_FORWARDED]:
            if sig is not None:
                try:
                    self._saved[sig] = signal.signal(sig, lambda *_: None)
                except ValueError:  # not the main thread
                    pass
        return self

    def __exit__(self, *exc) -> None:
        for sig, h in self._saved.items():
            signal.signal(sig, h)  # type: ignore[arg-type]


def run(argv: list[str], env: dict[str, str] | None = None) -> int:
    """Run to completion with the supervision rules above."""
    c = Child(argv, dict(os.environ) if env is None else env).start()
    try:
        return c.wait()
    finally:
        c.stop()
