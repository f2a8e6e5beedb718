"""A real PostgreSQL for the tests, on loopback, never mocked (issue 20's tests).

`pg_server` (session): a throwaway cluster in a temp directory — `initdb`, then `pg_ctl start` listening on a free
loopback TCP port and a private socket directory — stopped at the end of the session. `initdb` refuses to run as
root (CI runs as root), so as root both run as the `postgres` user (`runuser -u postgres --`) on a directory it
owns. Skipped, saying why, only where the server binaries are absent (`.ci/run` installs them).
`pg_url` (per test): a fresh database on that server, as a postgresql:// URL.
"""
from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPERUSER = "headroom"


def find_binary(name: str) -> str | None:
    """`name` on PATH, else in Debian's versioned server directory (not on PATH by default)."""
    found = shutil.which(name)
    if found:
        return found
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(os.path.join(d, name), os.X_OK):
            return os.path.join(d, name)
    return None


PREFIX = "headroom-pg-"


def sweep_orphans(pg_ctl: str, as_postgres: bool) -> None:
    """Stop and delete the clusters of test sessions that died without their teardown (killed by a timeout): each
    cluster names the process that started it (owner.pid); one whose process is gone is an orphan."""
    for d in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            pid = int((d / "owner.pid").read_text())
        except (OSError, ValueError):
            continue  # not ours to judge (no owner recorded)
        if pid == os.getpid() or _alive(pid):
            continue
        if (d / "data" / "postmaster.pid").exists():
            cmd = [pg_ctl, "-D", str(d / "data"), "-m", "immediate", "-w", "stop"]
            subprocess.run(["runuser", "-u", "postgres", "--", *cmd] if as_postgres else cmd,
                           capture_output=True, timeout=60)
        shutil.rmtree(d, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    host: str
    port: int
    base: Path
    pg_ctl: str
    as_postgres: bool

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{db}"

    def cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if self.as_postgres else list(args)

    def stop(self) -> None:
        subprocess.run(self.cmd(self.pg_ctl, "-D", str(self.base / "data"), "-m", "immediate", "-w", "stop"),
                       capture_output=True, timeout=60)


def start_server(*, durable: bool = False) -> PgServer:
    """`durable`: fsync on, as a real server runs (benchmarks); off for tests, whose durability is not tested."""
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed; `apt-get install postgresql` "
                    "(or run `.ci/run`, which installs them)")
    as_postgres = os.geteuid() == 0
    sweep_orphans(pg_ctl, as_postgres)
    base = Path(tempfile.mkdtemp(prefix=PREFIX))
    (base / "owner.pid").write_text(str(os.getpid()))
    if as_postgres:  # initdb refuses root: the cluster is the postgres user's
        shutil.chown(base, "postgres", "postgres")
    server = PgServer("127.0.0.1", free_port(), base, pg_ctl, as_postgres)
    data, sock = base / "data", base / "sock"
    r = subprocess.run(server.cmd(initdb, "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                                  "--no-sync"), capture_output=True, text=True, timeout=180)
    if r.returncode != 0:
        raise RuntimeError(f"initdb failed: {r.stderr[-2000:]}")
    subprocess.run(server.cmd("mkdir", "-p", str(sock)), check=True)
    opts = f"-c listen_addresses=127.0.0.1 -p {server.port} -k {sock} -c max_connections=200"
    if not durable:
        opts += " -c fsync=off -c synchronous_commit=off"
    r = subprocess.run(server.cmd(pg_ctl, "-D", str(data), "-o", opts, "-l", str(base / "server.log"), "-w",
                                  "-t", "60", "start"), capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        log = (base / "server.log").read_text(errors="replace") if (base / "server.log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {r.stdout[-1000:]}{r.stderr[-1000:]}{log[-2000:]}")
    return server


@pytest.fixture(scope="session")
def pg_server():
    server = start_server()
    yield server
    server.stop()
    shutil.rmtree(server.base, ignore_errors=True)


_numbers = itertools.count()


def create_database(server: PgServer) -> str:
    import psycopg

    name = f"t{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.url(name)


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty database on the session's server."""
    pytest.importorskip("psycopg", reason="the `team` extra (psycopg) is not installed")
    return create_database(pg_server)
