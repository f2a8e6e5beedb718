"""Benchmark corpus: deterministic, generated request bodies with the needle strings an answer needs.

Inside the package so `headroom perf` works from a wheel; `benchmarks/` holds the runners. No network, no
randomness except seeded `random.Random` instances: the same bytes every run, on every machine.

Each workload is a full request body of its protocol, shaped like the agents send them (Claude Code →
Anthropic Messages, Codex → Responses with its exec envelope, Copilot/OpenClaw → Chat Completions), with the
user's question in context and the tool results to compress.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

from . import corpus_heldout, corpus_mixed, corpus_reads, corpus_real, corpus_records

__all__ = ["Workload", "workloads", "workload", "session_body"]


@dataclass
class Workload:
    name: str
    protocol: str  # "anthropic" | "openai_chat" | "openai_responses"
    body: dict
    needles: list[str]  # strings an answer needs (must survive verbatim or be one retrieval away)
    description: str = ""
    tags: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------
# request builders
SYSTEM = ("You are a coding agent working in the user's repository. Use the tools to inspect files and run "
          "commands. Be concise and cite file paths.")

_ANTHROPIC_TOOLS = [
    {"name": "Bash", "description": "Run a shell command.",
     "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}},
    {"name": "Read", "description": "Read a file.",
     "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}, "required": ["file_path"]}},
    {"name": "Grep", "description": "Search file contents.",
     "input_schema": {"type": "object", "properties": {"pattern": {"type": "string"}, "path": {"type": "string"}},
                      "required": ["pattern"]}},
]
_FUNC_TOOLS = [
    {"type": "function", "function": {"name": "run_shell", "description": "Run a shell command.",
                                      "parameters": {"type": "object", "properties": {"command": {"type": "string"}}}}},
    {"type": "function", "function": {"name": "http_get", "description": "GET a URL of the internal API.",
                                      "parameters": {"type": "object", "properties": {"url": {"type": "string"}}}}},
]
_RESPONSES_TOOLS = [
    {"type": "function", "name": "exec_command", "description": "Runs a command in a PTY.", "strict": False,
     "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]}},
]


def _anthropic(question: str, steps: list[tuple[str, dict, str]], *, seed: int) -> dict:
    msgs: list[dict] = [{"role": "user", "content": [
        {"type": "text", "text": "<system-reminder>\nThis is a reminder: keep answers short.\n</system-reminder>"},
        {"type": "text", "text": question}]}]
    for i, (name, inp, out) in enumerate(steps):
        tid = f"toolu_{seed:04d}{i:04d}{'ab' * 6}"
        msgs.append({"role": "assistant", "content": [
            {"type": "text", "text": f"Let me run {name} to look at this."},
            {"type": "tool_use", "id": tid, "name": name, "input": inp}]})
        msgs.append({"role": "user", "content": [
            {"tool_use_id": tid, "type": "tool_result", "content": out, "is_error": False}]})
    msgs[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}  # Claude Code: breakpoint on the newest block
    return {"model": "claude-sonnet-4-5", "max_tokens": 8192, "stream": True,
            "system": [{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}],
            "tools": _ANTHROPIC_TOOLS, "messages": msgs}


def _chat(question: str, steps: list[tuple[str, dict, str]], *, seed: int) -> dict:
    msgs: list[dict] = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]
    for i, (name, args, out) in enumerate(steps):
        cid = f"call_{seed:04d}{i:04d}"
        msgs.append({"role": "assistant", "content": None, "tool_calls": [
            {"id": cid, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}]})
        msgs.append({"role": "tool", "tool_call_id": cid, "content": out})
    return {"model": "gpt-4o", "stream": True, "messages": msgs, "tools": _FUNC_TOOLS}


def _codex_envelope(out: str, code: int = 0) -> str:
    return (f"Chunk ID: {abs(hash_str(out)) % 0xffffff:06x}\nWall time: 0.0421 seconds\n"
            f"Process exited with code {code}\nOriginal token count: {len(out) // 4}\nOutput:\n{out}")


def hash_str(s: str) -> int:
    """Stable across processes (unlike hash())."""
    h = 0
    for ch in s[:4000]:
        h = (h * 131 + ord(ch)) & 0xFFFFFFFF
    return h


def _responses(question: str, steps: list[tuple[str, dict, str]], *, seed: int) -> dict:
    items: list[dict] = [
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": SYSTEM}]},
        {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "<environment_context>\n  <cwd>/home/dev/app</cwd>\n</environment_context>"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": question}]},
    ]
    for i, (name, args, out) in enumerate(steps):
        cid = f"call_{seed:04d}{i:04d}"
        items.append({"type": "function_call", "name": name, "arguments": json.dumps(args), "call_id": cid})
        items.append({"type": "function_call_output", "call_id": cid, "output": _codex_envelope(out)})
    return {"model": "gpt-5-codex", "stream": True, "instructions": SYSTEM, "input": items,
            "tools": _RESPONSES_TOOLS, "store": False, "prompt_cache_key": f"bench-{seed}"}


# ---------------------------------------------------------------------------------------------------------
# content generators
_WORDS = ("cache config client request session token upstream retry timeout handler worker queue batch "
          "store record parse render stream buffer socket header payload schema index ledger policy").split()
_PKGS = ("api", "core", "net", "store", "cli", "auth", "billing", "jobs", "utils", "metrics")


def _ident(r: random.Random) -> str:
    return f"{r.choice(_WORDS)}_{r.choice(_WORDS)}"


def code_search(r: random.Random) -> tuple[str, str, list[str]]:
    """`grep -rn "resolve_upstream" .` over a realistic tree: the definition plus ~400 call sites."""
    lines, needles = [], []
    files = sorted({f"./src/{r.choice(_PKGS)}/{_ident(r)}.py" for _ in range(90)})
    definition = "./src/net/upstream.py:42:def resolve_upstream(url: str, *, timeout: float | None = None) -> Upstream:"
    for f in files:
        for _ in range(r.randint(1, 9)):
            ln = r.randint(10, 900)
            var = _ident(r)
            form = r.choice([
                f"    {var} = resolve_upstream(self.base_url, timeout=self.{_ident(r)})",
                f"        upstream = resolve_upstream(url)  # {r.choice(_WORDS)} path",
                f"    return resolve_upstream(settings.{_ident(r)}, timeout={r.randint(1, 60)}.0)",
                f"from src.net.upstream import resolve_upstream, {_ident(r)}",
                f"    assert resolve_upstream({var!r}).host == {r.choice(_WORDS)!r}",
            ])
            lines.append((f, ln, form))
    lines.sort()
    out = [f"{f}:{ln}:{txt}" for f, ln, txt in lines]
    out.insert(len(out) // 2, definition)
    needles.append(definition)
    return "\n".join(out) + "\n", 'grep -rn "resolve_upstream" .', needles


def sre_incident(r: random.Random) -> tuple[str, list[str]]:
    """~500 JSON log lines from an API service: metrics, warnings, and one FATAL."""
    out, needles = [], []
    fatal_at = 431
    for i in range(520):
        ts = f"2026-11-23T14:{(i // 60) % 60:02d}:{i % 60:02d}.{r.randint(0, 999):03d}Z"
        svc = r.choice(["api-gateway", "orders", "payments", "inventory"])
        if i == fatal_at:
            line = {"ts": ts, "level": "FATAL", "service": "payments", "pod": "payments-7d9f8b6c5-x2kqp",
                    "msg": "connection pool exhausted: max_connections=50 reached for db-primary-2",
                    "trace_id": "9f2c41d7e0a84b1c", "error": "PoolTimeout after 30000ms"}
            needles += ["connection pool exhausted: max_connections=50 reached for db-primary-2", "9f2c41d7e0a84b1c"]
        elif i % 97 == 13:
            line = {"ts": ts, "level": "WARN", "service": svc, "msg": "slow query",
                    "duration_ms": r.randint(900, 4000), "query": f"SELECT * FROM {r.choice(_WORDS)}s WHERE id=$1"}
        elif i % 5 == 0:
            line = {"ts": ts, "level": "INFO", "service": svc, "msg": "metrics", "rps": r.randint(80, 140),
                    "p50_ms": r.randint(8, 20), "p99_ms": r.randint(40, 260), "pool_in_use": min(50, 20 + i // 12)}
        else:
            line = {"ts": ts, "level": "INFO", "service": svc, "msg": "request completed",
                    "method": r.choice(["GET", "POST"]), "path": f"/v1/{r.choice(_WORDS)}s/{r.randint(1000, 9999)}",
                    "status": 200, "duration_ms": r.randint(3, 90), "request_id": f"req-{r.getrandbits(48):012x}"}
        out.append(json.dumps(line, separators=(",", ":")))
    return "\n".join(out) + "\n", needles


def json_api(r: random.Random) -> tuple[str, str, list[str]]:
    """A JSON API listing of 300 order records; the user asks about one of them."""
    recs = []
    target = 187
    for i in range(300):
        oid = f"ord_{r.getrandbits(24):06x}"
        rec = {"id": oid, "customer": {"id": f"cus_{r.getrandbits(32):08x}", "name": f"{r.choice(_WORDS).title()} Ltd",
                                       "tier": r.choice(["free", "pro", "enterprise"])},
               "status": r.choice(["paid", "paid", "paid", "shipped", "refunded"]),
               "amount": {"value": r.randint(500, 99999) / 100, "currency": "EUR"},
               "items": r.randint(1, 12), "created_at": f"2026-11-{r.randint(1, 22):02d}T{r.randint(0, 23):02d}:00:00Z",
               "tags": sorted(r.sample(_WORDS, 2))}
        if i == target:
            rec["id"] = "ord_7f3a91"
            rec["status"] = "payment_failed"
            rec["failure_reason"] = "card_declined: insufficient_funds"
        recs.append(rec)
    body = json.dumps({"data": recs, "has_more": False, "total": 300}, indent=2)
    return body, "ord_7f3a91", ["ord_7f3a91", "payment_failed", "card_declined: insufficient_funds"]


def pytest_log(r: random.Random, n_tests: int = 612) -> tuple[str, list[str]]:
    """`pytest -v`: ~600 passes, 2 failures with tracebacks, the summary."""
    mods = [f"tests/test_{w}.py" for w in sorted(set(r.sample(_WORDS, 18)) | {"billing", "ledger"})]
    lines = ["============================= test session starts ==============================",
             "platform linux -- Python 3.11.7, pytest-8.3.3, pluggy-1.5.0 -- /home/dev/app/.venv/bin/python",
             "cachedir: .pytest_cache", "rootdir: /home/dev/app", "configfile: pyproject.toml",
             "plugins: asyncio-0.24.0, hypothesis-6.112.0", "collected 614 items", ""]
    tests = []
    for m in mods:
        for _ in range(r.randint(20, 45)):
            tests.append(f"{m}::test_{_ident(r)}")
    tests = sorted(set(tests))[:n_tests]
    fail1 = "tests/test_billing.py::test_invoice_rounding_half_even"
    fail2 = "tests/test_ledger.py::test_session_totals_after_restart"
    tests.insert(n_tests // 3, fail1)
    tests.insert(n_tests * 3 // 4, fail2)
    n = len(tests)
    for i, t in enumerate(tests):
        status = "FAILED" if t in (fail1, fail2) else "PASSED"
        lines.append(f"{t} {status} {' ' * max(1, 70 - len(t))}[{int(100 * (i + 1) / n):3d}%]")
    lines += ["", "=================================== FAILURES ===================================",
              "______________________ test_invoice_rounding_half_even ______________________", "",
              "    def test_invoice_rounding_half_even():",
              "        inv = Invoice(lines=[Line(amount=Decimal('10.005'))])",
              ">       assert inv.total() == Decimal('10.00')",
              "E       AssertionError: assert Decimal('10.01') == Decimal('10.00')",
              "E        +  where Decimal('10.01') = <bound method Invoice.total of Invoice(id=None)>()", "",
              "tests/test_billing.py:88: AssertionError",
              "____________________ test_session_totals_after_restart ____________________", "",
              "    def test_session_totals_after_restart(tmp_path):",
              "        led = Ledger(tmp_path / 'l.db')",
              "        led.record(rec(tokens_before=100, tokens_after=40))",
              "        led.close()",
              ">       assert Ledger(tmp_path / 'l.db').session_totals('s1')['saved'] == 60",
              "E       KeyError: 'saved'", "",
              "src/app/ledger.py:141: KeyError",
              "=========================== short test summary info ============================",
              f"FAILED {fail1} - AssertionError: assert Decimal('10.01') == Decimal('10.00')",
              f"FAILED {fail2} - KeyError: 'saved'",
              f"======================== 2 failed, {n - 2} passed in 41.37s ========================="]
    needles = [f"FAILED {fail1}", f"FAILED {fail2}", "E       AssertionError: assert Decimal('10.01') == Decimal('10.00')",
               "E       KeyError: 'saved'", "tests/test_billing.py:88: AssertionError", f"2 failed, {n - 2} passed"]
    return "\n".join(lines) + "\n", needles


def git_diff(r: random.Random, n_other: int = 9) -> tuple[str, list[str]]:
    """`git diff HEAD~3`: several files, hunks with wide context, a few decisive changed lines."""
    out, needles = [], []
    key_changes = {
        "src/net/upstream.py": ("-    timeout = timeout or 0", "+    timeout = max(timeout or 0.0, 0.5)"),
        "src/billing/invoice.py": ("-        return total.quantize(CENT)", "+        return total.quantize(CENT, rounding=ROUND_HALF_EVEN)"),
        "src/store/ledger.py": ("-    return {'before': b, 'after': a}", "+    return {'before': b, 'after': a, 'saved': b - a}"),
    }
    paths = sorted(set(key_changes) | {f"src/{r.choice(_PKGS)}/{_ident(r)}.py" for _ in range(n_other)})
    for p in paths:
        out += [f"diff --git a/{p} b/{p}", f"index {r.getrandbits(28):07x}..{r.getrandbits(28):07x} 100644",
                f"--- a/{p}", f"+++ b/{p}"]
        for h in range(r.randint(2, 4)):
            start = 20 + h * 120 + r.randint(0, 40)
            ctx_before = [f"    {_ident(r)} = {_ident(r)}({r.choice(_WORDS)}, {r.randint(0, 99)})" for _ in range(12)]
            ctx_after = [f"    if {_ident(r)} is None:" if k % 3 == 0 else f"        log.debug('{r.choice(_WORDS)} %s', {_ident(r)})"
                         for k in range(12)]
            if p in key_changes and h == 0:
                minus, plus = key_changes[p]
                needles.append(plus)
            else:
                minus = f"-    {_ident(r)}({r.randint(0, 9)})"
                plus = f"+    {_ident(r)}({r.randint(0, 9)}, strict=True)"
            out.append(f"@@ -{start},{25} +{start},{25} @@ def {_ident(r)}(self):")
            out += [" " + c for c in ctx_before] + [minus, plus] + [" " + c for c in ctx_after]
    return "\n".join(out) + "\n", needles


def source_file(r: random.Random) -> tuple[str, list[str]]:
    """A large Python module from an installed dependency (read, not edited)."""
    out = ['"""HTTP sessions: connection reuse, redirects, cookies."""', "from __future__ import annotations", "",
           "import os", "import time", "from collections.abc import Mapping", "", "from .adapters import HTTPAdapter",
           "from .cookies import RequestsCookieJar, merge_cookies", ""]
    needles = []
    classes = ["SessionRedirectMixin", "Session", "RetryPolicy", "ConnectionPoolManager"]
    for cls in classes:
        out += ["", f"class {cls}:", f'    """{cls} — {r.choice(_WORDS)} handling for {r.choice(_WORDS)}s."""', ""]
        names = [_ident(r) for _ in range(9)]
        if cls == "Session":
            names[3] = "send"
        if cls == "SessionRedirectMixin":
            names[1] = "resolve_redirects"
        for name in names:
            if name == "send":
                sig = "    def send(self, request, **kwargs):"
            elif name == "resolve_redirects":
                sig = "    def resolve_redirects(self, resp, req, stream=False, timeout=None, verify=True, **adapter_kwargs):"
            else:
                sig = f"    def {name}(self, {r.choice(_WORDS)}, {r.choice(_WORDS)}=None):"
            if name in ("send", "resolve_redirects"):
                needles.append(sig.strip())
            out += [sig, f'        """{name.replace("_", " ").capitalize()} for the given {r.choice(_WORDS)}."""']
            for _ in range(r.randint(12, 28)):
                ind = " " * r.choice([8, 8, 12, 12, 16])
                out.append(ind + r.choice([
                    f"{_ident(r)} = self.{_ident(r)}({r.choice(_WORDS)}, {_ident(r)}={r.randint(0, 9)})",
                    f"if {_ident(r)} is not None and {r.choice(_WORDS)} in {_ident(r)}:",
                    f"for {r.choice(_WORDS)} in self.{_ident(r)}:",
                    f"raise ValueError(f\"invalid {r.choice(_WORDS)}: {{{_ident(r)}!r}}\")",
                    f"return {_ident(r)}",
                    f"# {r.choice(_WORDS)} must be {r.choice(_WORDS)}ed before the {r.choice(_WORDS)}",
                ]))
            out.append("")
    return "\n".join(out) + "\n", needles


def kubectl_table(r: random.Random) -> tuple[str, list[str]]:
    """`kubectl get pods -A -o wide`: ~300 rows, three pods in CrashLoopBackOff."""
    hdr = f"{'NAMESPACE':<14}{'NAME':<44}{'READY':<8}{'STATUS':<20}{'RESTARTS':<10}{'AGE':<7}{'IP':<16}NODE"
    out, needles = [hdr], []
    bad = {41, 152, 260}
    for i in range(300):
        ns = r.choice(["default", "payments", "orders", "monitoring", "kube-system"])
        name = f"{r.choice(_WORDS)}-{r.choice(_WORDS)}-{r.getrandbits(32):08x}-{r.getrandbits(20):05x}"
        status, restarts, ready = "Running", str(r.choice([0, 0, 0, 1, 2])), "1/1"
        if i in bad:
            status, restarts, ready = "CrashLoopBackOff", str(r.randint(12, 80)), "0/1"
            needles.append(name)
        out.append(f"{ns:<14}{name:<44}{ready:<8}{status:<20}{restarts:<10}{str(r.randint(1, 40)) + 'd':<7}"
                   f"10.42.{r.randint(0, 9)}.{r.randint(2, 250):<9}node-{r.randint(1, 12)}")
    return "\n".join(out) + "\n", needles


_ENTRY = '"/entrypoint.sh"'


def docker_ps(r: random.Random) -> str:
    hdr = f"{'CONTAINER ID':<15}{'IMAGE':<34}{'COMMAND':<24}{'CREATED':<16}{'STATUS':<26}{'PORTS':<24}NAMES"
    out = [hdr]
    for _ in range(80):
        out.append(f"{r.getrandbits(48):012x}   {'registry.local/' + r.choice(_WORDS) + ':1.' + str(r.randint(0, 30)):<34}"
                   f"{_ENTRY:<24}{str(r.randint(2, 59)) + ' minutes ago':<16}"
                   f"{'Up ' + str(r.randint(2, 59)) + ' minutes (healthy)':<26}{'0.0.0.0:' + str(r.randint(3000, 9000)) + '->80/tcp':<24}"
                   f"{r.choice(_WORDS)}_{r.choice(_WORDS)}_{r.randint(1, 9)}")
    return "\n".join(out) + "\n"


def plain_log(r: random.Random, n: int, error_line: str) -> str:
    out = []
    for i in range(n):
        out.append(f"2026-11-23T10:{(i // 60) % 60:02d}:{i % 60:02d}Z INFO worker-{i % 4} processed batch {i} "
                   f"in {r.randint(1, 90)}ms ({r.randint(10, 500)} records)")
        if i == n * 2 // 3:
            out.append(error_line)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------------------
# workloads
def _w_code_search() -> Workload:
    r = random.Random(101)
    out, cmd, needles = code_search(r)
    body = _anthropic("Where is resolve_upstream defined, and which callers pass a timeout?",
                      [("Bash", {"command": cmd, "description": "Find resolve_upstream"}, out)], seed=1)
    return Workload("code_search", "anthropic", body, needles, "grep -rn over a ~90-file codebase", ["search"])


def _w_sre() -> Workload:
    r = random.Random(202)
    out, needles = sre_incident(r)
    body = _responses("Payments started failing around 14:07. Check the payments logs and tell me the root cause.",
                      [("exec_command", {"cmd": "kubectl logs deploy/payments --since=1h"}, out)], seed=2)
    return Workload("sre_incident", "openai_responses", body, needles, "~520 JSON log lines, one FATAL", ["log"])


def _w_json_api() -> Workload:
    r = random.Random(303)
    out, oid, needles = json_api(r)
    body = _chat(f"Why did order {oid} fail? Look it up in the orders API.",
                 [("http_get", {"url": "https://orders.internal/api/v1/orders?limit=300"}, out)], seed=3)
    return Workload("json_api", "openai_chat", body, needles, "JSON listing of 300 records, one asked about", ["json"])


def _w_pytest() -> Workload:
    r = random.Random(404)
    out, needles = pytest_log(r)
    body = _anthropic("Run the test suite and fix whatever fails.",
                      [("Bash", {"command": "python -m pytest -v", "description": "Run tests"}, out)], seed=4)
    return Workload("pytest_log", "anthropic", body, needles, "pytest -v: 2 failures among ~600 passes", ["test"])


def _w_diff() -> Workload:
    r = random.Random(505)
    out, needles = git_diff(r)
    body = _responses("Review the last three commits: did anything change timeout or rounding behaviour?",
                      [("exec_command", {"cmd": "git diff HEAD~3"}, out)], seed=5)
    return Workload("git_diff", "openai_responses", body, needles, "git diff over 12 files", ["diff"])


def _w_source() -> Workload:
    r = random.Random(606)
    out, needles = source_file(r)
    # an installed dependency outside the project (a pipenv virtualenv): the project's own .venv stays protected
    path = "/home/dev/.local/share/virtualenvs/app-3f9aQx1c/lib/python3.11/site-packages/requests/sessions.py"
    body = _chat("How does the requests library follow redirects in Session.send?",
                 [("run_shell", {"command": f"cat {path}"}, out)], seed=6)
    body["messages"][0]["content"] += "\nWorking directory: /home/dev/app"  # as the agent states it
    return Workload("source_file", "openai_chat", body, needles, "large dependency source file read via cat", ["code"])


def _w_tables() -> Workload:
    r = random.Random(707)
    pods, needles = kubectl_table(r)
    body = _chat("Which pods are unhealthy right now?",
                 [("run_shell", {"command": "kubectl get pods -A -o wide"}, pods),
                  ("run_shell", {"command": "docker ps"}, docker_ps(r))], seed=7)
    return Workload("tables", "openai_chat", body, needles, "kubectl get pods (300 rows) + docker ps", ["table"])


def _w_session() -> Workload:
    """A long Claude Code-style session: 34 medium tool results (2–30 KB) of every kind."""
    r = random.Random(808)
    steps: list[tuple[str, dict, str]] = []
    needles: list[str] = []
    err = "2026-11-23T10:09:41Z ERROR worker-2 batch 377 failed: disk quota exceeded on /var/lib/app (errno 122)"
    for i in range(34):
        k = i % 7
        if k == 0:
            out, cmd, nd = code_search(random.Random(1000 + i))
            out = "\n".join(out.split("\n")[: r.randint(60, 300)]) + "\n"
            steps.append(("Grep", {"pattern": "resolve_upstream", "path": "src"}, out))
        elif k == 1:
            log = plain_log(r, r.randint(60, 250), err if i == 8 else
                            f"2026-11-23T10:0{i % 10}:00Z WARN worker-1 retrying batch {i} (attempt 2)")
            steps.append(("Bash", {"command": f"tail -n 300 /var/log/app/worker-{i}.log"}, log))
            if i == 8:
                needles.append(err)
        elif k == 2:
            out, _, nd = json_api(random.Random(2000 + i))
            recs = json.loads(out)["data"][: r.randint(20, 90)]
            steps.append(("Bash", {"command": f"curl -s localhost:8080/api/v1/orders?page={i}"}, json.dumps(recs, indent=2)))
        elif k == 3:
            out, nd = pytest_log(random.Random(3000 + i), n_tests=r.randint(150, 280))
            steps.append(("Bash", {"command": "python -m pytest -v"}, out))
            if i == 31:
                needles.extend(nd[:2])
        elif k == 4:
            out, nd = git_diff(random.Random(4000 + i), n_other=r.randint(0, 3))
            steps.append(("Bash", {"command": "git diff"}, out))
        elif k == 5:
            out, _ = kubectl_table(random.Random(5000 + i))
            out = "\n".join(out.split("\n")[: r.randint(40, 160)]) + "\n"
            steps.append(("Bash", {"command": "kubectl get pods -A"}, out))
        else:
            out, nd = sre_incident(random.Random(6000 + i))
            out = "\n".join(out.split("\n")[: r.randint(60, 140)]) + "\n"
            steps.append(("Bash", {"command": "cat /var/log/app/api.jsonl"}, out))
    body = _anthropic("The nightly batch job is failing intermittently. Investigate the workers, tests and recent "
                      "changes, then propose a fix.", steps, seed=8)
    return Workload("long_session", "anthropic", body, needles, "34 medium tool results of every kind", ["session"])


_BUILDERS = (_w_code_search, _w_sre, _w_json_api, _w_pytest, _w_diff, _w_source, _w_tables, _w_session,
             *(lambda b=b: Workload(**b()) for b in corpus_records.BUILDERS),  # issue 13: records, relevance
             *corpus_mixed.builders(Workload),  # mixed output and small results, from real command outputs
             *corpus_reads.builders(Workload),  # issue 14: how agents read
             *corpus_real.builders(Workload),  # issue 13: classes real sessions lost on, from real outputs
             *(lambda b=b: Workload(**b()) for b in corpus_heldout.BUILDERS))  # taught by the held-out check


def workloads() -> list[Workload]:
    """All benchmark workloads (fresh objects each call; same bytes every call)."""
    return [b() for b in _BUILDERS]


def workload(name: str) -> Workload:
    for b in _BUILDERS:
        w = b()
        if w.name == name:
            return w
    raise KeyError(name)


def session_body(max_bytes: int) -> dict:
    """The long session's request cut to whole turns, at most `max_bytes` of messages (JSON) where it can."""
    body = _w_session().body
    msgs = body["messages"]
    keep = 1
    while keep + 2 <= len(msgs) and len(json.dumps(msgs[: keep + 2])) <= max_bytes:
        keep += 2
    return dict(body, messages=msgs[:keep])
