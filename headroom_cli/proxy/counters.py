"""Live totals of one proxy's session, served by `/stats` (the ledger keeps the history)."""
from __future__ import annotations

import threading
import time
from dataclasses import asdict, fields

from ..stats.records import CLIENT_GONE, PROXY_ERROR, UPSTREAM_BROKE, RequestRecord, Usage


def add_usage(total: Usage, u: Usage) -> None:
    """Add `u` into `total`, field by field."""
    for f in fields(Usage):
        setattr(total, f.name, getattr(total, f.name) + getattr(u, f.name))


class SessionCounters:
    def __init__(self, session_id: str, agent: str):
        self.session_id = session_id
        self.agent = agent
        self.started = time.time()
        self._lock = threading.Lock()
        self.requests = 0
        self.errors = 0  # status ≥ 400, no upstream answer, or an answer cut by the upstream or by headroom
        self.failopen = 0  # compression failed, original forwarded, answer complete
        self.cancelled = 0  # the client went away before its answer was complete
        self.streamed = 0
        self.by_protocol: dict[str, int] = {}
        self.tokens_before = 0
        self.tokens_after = 0
        self.usage = Usage()
        self.latency_added_ms = 0.0
        self.compressors: dict[str, int] = {}
        self.last_ts = 0.0

    def add(self, rec: RequestRecord) -> None:
        with self._lock:
            self.requests += 1
            gone = rec.outcome == CLIENT_GONE
            self.cancelled += gone
            self.errors += not gone and (rec.status >= 400 or rec.status == 0 or rec.outcome in (UPSTREAM_BROKE,
                                                                                                PROXY_ERROR))
            self.failopen += bool(rec.error) and 0 < rec.status < 400 and not rec.outcome
            self.streamed += rec.streamed
            self.by_protocol[rec.protocol] = self.by_protocol.get(rec.protocol, 0) + 1
            self.tokens_before += rec.tokens_before
            self.tokens_after += rec.tokens_after
            add_usage(self.usage, rec.usage)
            self.latency_added_ms += rec.latency_added_ms
            for k, v in rec.compressors.items():
                self.compressors[k] = self.compressors.get(k, 0) + v
            self.last_ts = rec.ts

    def snapshot(self) -> dict:
        with self._lock:
            saved = self.tokens_before - self.tokens_after
            return {
                "session_id": self.session_id,
                "agent": self.agent,
                "started": self.started,
                "uptime_s": round(time.time() - self.started, 3),
                "requests": self.requests,
                "errors": self.errors,
                "failopen": self.failopen,
                "cancelled": self.cancelled,
                "streamed": self.streamed,
                "by_protocol": dict(self.by_protocol),
                "tokens_before": self.tokens_before,
                "tokens_after": self.tokens_after,
                "tokens_saved": saved,
                "ratio": round(self.tokens_after / self.tokens_before, 4) if self.tokens_before else None,
                "usage": asdict(self.usage),
                "compressors": dict(self.compressors),
                "latency_added_ms_avg": round(self.latency_added_ms / self.requests, 3) if self.requests else 0.0,
                "last_request_ts": self.last_ts,
            }
