"""`headroom proxy` as a real process, the way a fleet runs it: started on a free loopback port, stopped with
a signal (SIGTERM drains) or killed (SIGKILL)."""
from __future__ import annotations

import http.client
import json
import os
import re
import signal as signals
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

BANNER = re.compile(r"headroom proxy ▸ (http://127\.0\.0\.1:(\d+))")


@dataclass
class ProxyProcess:
    proc: subprocess.Popen
    url: str
    port: int
    lines: list[str] = field(default_factory=list)  # its stderr so far (read by a thread after the banner)
    _reader: threading.Thread | None = None

    def stderr(self) -> str:
        return "".join(self.lines)

    def signal(self, sig: int = signals.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self, timeout: float = 30) -> int:
        code = self.proc.wait(timeout)
        if self._reader is not None:
            self._reader.join(5)
        return code

    def stop(self, sig: int = signals.SIGTERM, timeout: float = 30) -> int:
        self.signal(sig)
        try:
            return self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.wait(10)

    def health(self, timeout: float = 5) -> tuple[int, dict]:
        return get_json(self.port, "/healthz", timeout=timeout)


def start_proxy(*args: str, env: dict | None = None, timeout: float = 60) -> ProxyProcess:
    """`headroom proxy --port 0 ARGS…` in a process of its own; returns once its banner says it serves."""
    p = subprocess.Popen([sys.executable, "-m", "headroom_cli", "proxy", "--port", "0", *args],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         env={**os.environ, **(env or {})})
    lines: list[str] = []
    assert p.stderr is not None
    deadline = time.monotonic() + timeout
    for line in p.stderr:  # the banner comes once the proxy serves; EOF if it died
        lines.append(line)
        m = BANNER.search(line)
        if m:
            pp = ProxyProcess(p, m.group(1), int(m.group(2)), lines)
            pp._reader = threading.Thread(target=_drain_lines, args=(p, lines), daemon=True)
            pp._reader.start()
            return pp
        if time.monotonic() > deadline:
            break
    p.kill()
    p.wait(10)
    raise AssertionError("headroom proxy did not start: " + "".join(lines))


def _drain_lines(p: subprocess.Popen, lines: list[str]) -> None:
    assert p.stderr is not None
    for line in p.stderr:
        lines.append(line)


def get_json(port: int, path: str, *, timeout: float = 5, headers: dict | None = None) -> tuple[int, dict]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        body = r.read()
        try:
            return r.status, json.loads(body)
        except ValueError:
            return r.status, {"raw": body.decode("utf-8", "replace")}
    finally:
        c.close()


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return True
    return False


def wait_until(pred, *, tries: int = 400, step: float = 0.05) -> bool:
    """Poll `pred()` until it is true (bounded: `tries` rounds); the result, not the time, is what tests assert."""
    for _ in range(tries):
        if pred():
            return True
        time.sleep(step)
    return bool(pred())
