"""Documents the way applications paste them into user messages (deterministic, seeded): a server log with one
FATAL line, a JSON API listing, a Python module, and plain prose. Shared by the document, LangChain and Agno tests."""
from __future__ import annotations

import json
import random

FATAL = "FATAL payments[4312] ledger write failed: disk quota exceeded on /var/lib/ledger (errno 122)"


def server_log(lines: int = 3000, *, seed: int = 7, fatal_at: int | None = None) -> str:
    """A service log of `lines` lines; one FATAL line (`FATAL`, after its timestamp) at `fatal_at` (default 73 %)."""
    r = random.Random(seed)
    fatal_at = int(lines * 0.73) if fatal_at is None else fatal_at
    services = ["api", "worker", "payments", "auth", "cache", "scheduler"]
    out = []
    for i in range(lines):
        ts = f"2026-11-30T{8 + i // 3600:02d}:{(i // 60) % 60:02d}:{i % 60:02d}.{r.randrange(1000):03d}Z"
        if i == fatal_at:
            out.append(f"{ts} {FATAL}")
            continue
        svc = r.choice(services)
        level = r.choice(["INFO"] * 9 + ["DEBUG"] * 4 + ["WARN"])
        msg = r.choice([
            f"GET /v1/orders/{r.randrange(10**5)} status=200 dur={r.randrange(3, 900)}ms req={r.getrandbits(40):x}",
            f"POST /v1/payments status=201 dur={r.randrange(20, 1500)}ms amount={r.randrange(100, 99999) / 100}",
            f"cache hit ratio={r.random():.3f} keys={r.randrange(10**5)} evicted={r.randrange(50)}",
            f"pool size={r.randrange(5, 50)} idle={r.randrange(0, 5)} waiting={r.randrange(0, 3)}",
            f"heartbeat ok seq={i} lag={r.randrange(0, 40)}ms",
            f"job {r.getrandbits(32):08x} finished in {r.randrange(1, 60)}s rows={r.randrange(10**4)}",
        ])
        out.append(f"{ts} {level:<5} {svc}[{r.randrange(100, 999)}] {msg}")
    return "\n".join(out)


def json_listing(records: int = 300, *, seed: int = 3, indent: int | None = 2) -> str:
    r = random.Random(seed)
    items = [{"id": f"ord_{i:05d}", "customer": {"name": r.choice(["Acme", "Globex", "Initech", "Umbrella"]),
                                                 "tier": r.choice(["free", "pro", "enterprise"])},
              "status": r.choice(["paid", "open", "refunded"]), "amount": round(r.uniform(5, 900), 2),
              "created_at": f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
              "tags": r.sample(["rush", "gift", "b2b", "promo", "export"], 2)} for i in range(records)]
    return json.dumps({"data": items, "has_more": False, "total": records}, indent=indent)


def python_module(functions: int = 60, *, seed: int = 5) -> str:
    r = random.Random(seed)
    parts = ['"""Order processing helpers."""', "from __future__ import annotations", "", "import math",
             "import re", ""]
    for i in range(functions):
        parts += [f"def step_{i}(order: dict, factor: float = {r.randrange(1, 9)}.5) -> float:",
                  f'    """Step {i}: scale the order amount and round it."""',
                  "    total = 0.0",
                  "    for line in order.get('lines', []):",
                  f"        total += line['qty'] * line['price'] * factor / {r.randrange(2, 20)}",
                  "    if total > 1000:",
                  "        total = math.floor(total)",
                  "    return round(total, 2)", ""]
    return "\n".join(parts)


WORDS = ("the request retries after a short pause while the scheduler keeps the queue ordered and every "
         "worker reports its progress to the coordinator which then decides whether the batch is complete "
         "or needs another pass before the results are written").split()


def prose(sentences: int = 5, *, seed: int = 1) -> str:
    r = random.Random(seed)
    out = []
    for _ in range(sentences):
        s = " ".join(r.choice(WORDS) for _ in range(r.randrange(8, 18)))
        out.append(s[0].upper() + s[1:] + ".")
    return " ".join(out)
