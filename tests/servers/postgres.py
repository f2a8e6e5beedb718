"""A PostgreSQL server of a fleet test's own (tests/pgcluster.py starts it), which the test may stop and start
again under load: `pg_ctl stop -m fast` (connections are cut) and a `pg_ctl start` with the same options."""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass


@dataclass
class OwnServer:
    server: object  # pgcluster.PgServer
    opts: str

    @property
    def url(self) -> str:
        return self.server.url()  # type: ignore[attr-defined]

    def database(self) -> str:
        from pgcluster import create_database

        return create_database(self.server)  # type: ignore[arg-type]

    def _ctl(self, *args: str) -> subprocess.CompletedProcess:
        s = self.server
        return subprocess.run(s.cmd(s.pg_ctl, "-D", str(s.base / "data"), *args),  # type: ignore[attr-defined]
                              capture_output=True, text=True, timeout=120)

    def stop_fast(self) -> None:
        r = self._ctl("-m", "fast", "-w", "stop")
        if r.returncode != 0:
            raise RuntimeError(f"pg_ctl stop failed: {r.stderr[-1000:]}")

    def start(self) -> None:
        s = self.server
        r = self._ctl("-o", self.opts, "-l", str(s.base / "server.log"), "-w", "-t", "60", "start")  # type: ignore[attr-defined]
        if r.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {r.stdout[-1000:]}{r.stderr[-1000:]}")

    def stop(self) -> None:
        self.server.stop()  # type: ignore[attr-defined]
        shutil.rmtree(self.server.base, ignore_errors=True)  # type: ignore[attr-defined]


def own_server(*, durable: bool = False) -> OwnServer:
    """A server for one test (or benchmark) alone; skips (pytest) where PostgreSQL is not installed."""
    from pgcluster import start_server

    s = start_server(durable=durable)
    opts = f"-c listen_addresses=127.0.0.1 -p {s.port} -k {s.base / 'sock'} -c max_connections=200"
    if not durable:
        opts += " -c fsync=off -c synchronous_commit=off"
    return OwnServer(s, opts)


def throwaway_cluster(base=None) -> OwnServer:
    """For benchmarks: a durable server (fsync on, as a real one runs); stop() removes it."""
    return own_server(durable=True)
