"""Corpus workloads taught by the held-out check (benchmarks/heldout_check.py): synthetic workloads of the check
that showed a failing class, moved here with the fix they taught (they are held-out no more).

`journal_oom`: a machine's journal over four hours (nine units, 2,800 lines) with one OOM kill, read with
`journalctl --since … --until …`: the dates of the call's range matched every line of one unit (dockerd stamps its
messages with the date), and those 300 lines were kept as if the request named them.
"""
from __future__ import annotations

import random

from .corpus_records import claude_request

__all__ = ["BUILDERS"]


_UNITS = ("cron", "sshd", "systemd", "nginx", "postgres", "dockerd", "kubelet", "chronyd", "CRON")


def journal(r: random.Random, n: int = 2800) -> tuple[str, list[str]]:
    out = []
    t_at = r.randrange(n // 2, n - 100)
    needles = []
    for i in range(n):
        h, m, s = 1 + i * 4 // n, (i * 7) % 60, (i * 13) % 60
        ts = f"Dec 02 {h:02d}:{m:02d}:{s:02d} web-07"
        u = r.choice(_UNITS)
        pid = r.randint(300, 40000)
        msg = {"cron": f"(root) CMD (/usr/lib/sysstat/sa1 1 1)",
               "CRON": f"pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
               "sshd": f"Accepted publickey for deploy from 10.8.{r.randint(0, 9)}.{r.randint(1, 250)} port "
                       f"{r.randint(30000, 60000)} ssh2: ED25519 SHA256:{r.getrandbits(60):015x}",
               "systemd": r.choice(("Started Session {} of User deploy.".format(r.randint(100, 9999)),
                                    "logrotate.service: Deactivated successfully.",
                                    "Finished Daily apt download activities.")),
               "nginx": f"2026/12/02 {h:02d}:{m:02d}:{s:02d} [warn] {pid}#0: *{r.randint(1, 10**6)} an upstream "
                        f"response is buffered to a temporary file",
               "postgres": f"[{pid}] LOG:  checkpoint complete: wrote {r.randint(10, 900)} buffers",
               "dockerd": f"time=\"2026-12-02T{h:02d}:{m:02d}:{s:02d}Z\" level=info msg=\"ignoring event\" "
                          f"container={r.getrandbits(64):016x} module=libcontainerd",
               "kubelet": f"I1202 {h:02d}:{m:02d}:{s:02d}.{r.randint(0, 999999):06d} {pid} "
                          f"kubelet_volumes.go:160] \"Cleaned up orphaned pod volumes dir\"",
               "chronyd": f"Selected source 169.254.169.123"}[u]
        out.append(f"{ts} {u}[{pid}]: {msg}" if u not in ("systemd",) else f"{ts} systemd[1]: {msg}")
        if i == t_at:
            lines = [f"{ts} kernel: Out of memory: Killed process 48213 (search-indexer) total-vm:9123456kB, "
                     f"anon-rss:7811232kB, file-rss:0kB, shmem-rss:0kB, UID:998 pgtables:15640kB oom_score_adj:0",
                     f"{ts} systemd[1]: search-indexer.service: Main process exited, code=killed, status=9/KILL",
                     f"{ts} systemd[1]: search-indexer.service: Failed with result 'oom-kill'."]
            out.extend(lines)
            needles = lines
    return "\n".join(out) + "\n", needles


def _w_journal() -> dict:
    r = random.Random(7106)
    out, needles = journal(r)
    q = "The search indexer on web-07 died sometime after 2am last night. Why?"
    body = claude_request(q, "I'll read the machine's journal for that window.",
                          "journalctl --since '2026-12-02 01:00' --until '2026-12-02 05:00' --no-pager", out,
                          seed=7106)
    return dict(name="heldout_journal_oom", protocol="anthropic", body=body, needles=needles,
                description="journalctl of 2,800 lines from nine units over a dated range, one OOM kill",
                tags=["log", "heldout"])


BUILDERS = (_w_journal,)
