"""A real load balancer (HAProxy, from the distribution's packages) in front of N `headroom proxy` instances on
loopback, as a team would run one: round robin, health checks on /healthz, a connection refused retried on
another instance, and a provider-shaped 503 when no instance is alive. When every instance fails /healthz (the
shared database is down) it routes by /livez instead: the instances answer what they can without the store.

`Balancer(ports).start()` writes the configuration into a temporary directory, starts `haproxy` in the
foreground and waits until its runtime socket answers; `stop()` ends it. `servers()` reads each instance's state
(UP/DOWN) from that socket. Tests skip with a reason where the binary is absent (`.ci/run` installs it)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

# The balancer's own answers, in the shape both Anthropic's and OpenAI's SDKs read an error's message from (and
# retry on): no instance healthy (503), an instance that failed after the request was sent to it (502: a POST
# is not replayed, the client retries), or took too long (504). `X-Headroom-Balancer` tells them from an
# instance's answers.
def error_file(status: int, reason: str, message: str) -> str:
    kind = "overloaded_error" if status == 503 else "api_error"
    return (f"HTTP/1.0 {status} {reason}\r\nCache-Control: no-cache\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nX-Headroom-Balancer: {status}\r\n\r\n"
            f'{{"type":"error","error":{{"type":"{kind}","message":"{message}"}}}}\n')


ERROR_FILES = {
    502: error_file(502, "Bad Gateway", "the headroom instance handling this request failed; retry"),
    503: error_file(503, "Service Unavailable",
                    "no headroom instance is available behind the load balancer; retry shortly"),
    504: error_file(504, "Gateway Timeout", "the headroom instance did not answer in time; retry"),
}


def haproxy_binary() -> str | None:
    return shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy")
                                            if os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config_text(ports: list[int], *, listen_port: int, sock: Path, errorfiles: dict[int, Path],
                check_ms: int = 300, timeout_s: int = 120) -> str:
    """The HAProxy configuration: no request logging (paths can carry a gateway token: /t/<token>/…)."""
    servers = "\n".join(f"    server p{i} 127.0.0.1:{p} check" for i, p in enumerate(ports))
    errors = "\n".join(f"    errorfile {status} {path}" for status, path in sorted(errorfiles.items()))
    return f"""global
    maxconn 2048
    stats socket {sock} mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client {timeout_s}s
    timeout server {timeout_s}s
    timeout http-request 10s
    timeout queue 10s
    # a connection refused (an instance stopped or draining) is tried again, on another instance
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response
{errors}

frontend headroom
    bind 127.0.0.1:{listen_port}
    # the shared database down for every instance: route by /livez instead, the instances answer what they can
    use_backend proxies_without_store if {{ nbsrv(proxies) eq 0 }}
    default_backend proxies

backend proxies
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    default-server inter {check_ms}ms fastinter {check_ms}ms downinter {check_ms}ms fall 1 rise 1
{servers}

backend proxies_without_store
    balance roundrobin
    option httpchk
    http-check send meth GET uri /livez ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    default-server inter {check_ms}ms fastinter {check_ms}ms downinter {check_ms}ms fall 1 rise 1
{servers}
"""


class Balancer:
    def __init__(self, ports: list[int], *, check_ms: int = 300):
        self.ports = list(ports)
        self.check_ms = check_ms
        self.port = 0
        self.dir: Path | None = None
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def socket_path(self) -> Path:
        assert self.dir is not None
        return self.dir / "haproxy.sock"

    def start(self, timeout: float = 20) -> Balancer:
        exe = haproxy_binary()
        if exe is None:
            raise FileNotFoundError("haproxy")
        self.dir = Path(tempfile.mkdtemp(prefix="headroom-lb-"))
        errorfiles = {}
        for status, text in ERROR_FILES.items():
            errorfiles[status] = self.dir / f"{status}.http"
            errorfiles[status].write_text(text)
        self.port = free_port()
        cfg = self.dir / "haproxy.cfg"
        cfg.write_text(config_text(self.ports, listen_port=self.port, sock=self.socket_path, errorfiles=errorfiles,
                                   check_ms=self.check_ms))
        check = subprocess.run([exe, "-c", "-q", "-f", str(cfg)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"haproxy refused its configuration: {check.stderr or check.stdout}")
        self.proc = subprocess.Popen([exe, "-db", "-f", str(cfg)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"haproxy exited: {self.proc.stderr.read() if self.proc.stderr else ''}")
            try:
                self.command("show info")
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("haproxy did not open its runtime socket")

    def command(self, line: str) -> str:
        """One command on HAProxy's runtime socket; its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(self.socket_path))
            s.sendall(line.encode() + b"\n")
            out = b""
            while chunk := s.recv(65536):
                out += chunk
        return out.decode()

    def servers(self) -> dict[str, str]:
        """Each instance's state as HAProxy sees it: p0 … → UP, DOWN, MAINT by /healthz; live:p0 … by /livez."""
        lines = self.command("show stat").splitlines()
        head = lines[0].lstrip("# ").split(",")
        states = {}
        for line in lines[1:]:
            row = dict(zip(head, line.split(",")))
            if row.get("svname", "").startswith("p"):
                name = row["svname"] if row.get("pxname") == "proxies" else f"live:{row['svname']}"
                states[name] = row.get("status", "")
        return states

    def wait_states(self, want: dict[str, str], *, tries: int = 200) -> bool:
        """Wait until the named instances have the states wanted (e.g. {"p0": "UP"}); bounded."""
        for _ in range(tries):
            got = self.servers()
            if all(got.get(k, "").startswith(v) for k, v in want.items()):
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Balancer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
