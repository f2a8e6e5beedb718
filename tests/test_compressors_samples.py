"""Realistic tool outputs for the compressor tests, generated deterministically (no files, no network).

Each builder returns (text, needles): the needles are strings an answer needs and that must survive
compression verbatim.
"""
from __future__ import annotations

import json


def pytest_log() -> tuple[str, list[str]]:
    mods = ["test_api", "test_cache", "test_config", "test_models", "test_parser", "test_routes"]
    out = ["============================= test session starts ==============================",
           "platform linux -- Python 3.11.9, pytest-8.3.2, pluggy-1.5.0 -- /usr/bin/python3",
           "cachedir: .pytest_cache", "rootdir: /home/dev/shop", "configfile: pyproject.toml",
           "plugins: asyncio-0.23.8, hypothesis-6.108.5", "collected 362 items", ""]
    k = 0
    for m in mods:
        for t in range(60):
            k += 1
            name = f"tests/{m}.py::test_case_{t:03d}_{m.split('_')[1]}"
            status = "PASSED"
            if (m, t) == ("test_cache", 17):
                status = "FAILED"
            if (m, t) == ("test_parser", 41):
                status = "FAILED"
            out.append(f"{name} {status}{' ' * 4}[{k * 100 // 362:3d}%]")
    out.append("tests/test_zz.py::test_slow SKIPPED (needs network)                    [ 99%]")
    out.append("tests/test_zz.py::test_last PASSED                                     [100%]")
    out += ["", "=================================== FAILURES ===================================",
            "________________________ test_case_017_cache ________________________", "",
            "    def test_case_017_cache():", "        cache = LRUCache(maxsize=2)",
            "        cache.put('a', 1)", "        cache.put('b', 2)", "        cache.put('c', 3)",
            ">       assert cache.get('a') is None", "E       AssertionError: assert 1 is None",
            "E        +  where 1 = <bound method LRUCache.get of <shop.cache.LRUCache object at 0x7f3a2c>>('a')",
            "", "tests/test_cache.py:212: AssertionError",
            "________________________ test_case_041_parser ________________________", "",
            "    def test_case_041_parser():", ">       doc = parse_order('{\"qty\": -1}')", "",
            "tests/test_parser.py:388: ", "_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ ",
            "shop/parser.py:57: in parse_order", "    raise ValueError(f\"quantity must be positive, got {qty}\")",
            "E   ValueError: quantity must be positive, got -1", "",
            "=========================== short test summary info ============================",
            "FAILED tests/test_cache.py::test_case_017_cache - AssertionError: assert 1 is None",
            "FAILED tests/test_parser.py::test_case_041_parser - ValueError: quantity must be positive, got -1",
            "============= 2 failed, 359 passed, 1 skipped in 12.84s =============="]
    needles = ["FAILED tests/test_cache.py::test_case_017_cache - AssertionError: assert 1 is None",
               "E   ValueError: quantity must be positive, got -1", "tests/test_cache.py:212: AssertionError",
               "2 failed, 359 passed, 1 skipped in 12.84s"]
    return "\n".join(out) + "\n", needles


def jest_log() -> tuple[str, list[str]]:
    out = []
    for f in range(24):
        ok = f != 9
        out.append(f"{'PASS' if ok else 'FAIL'} src/components/__tests__/Widget{f:02d}.test.tsx")
        for t in range(14):
            if not ok and t == 5:
                out.append(f"  ✕ renders the total with discount ({3 + t} ms)")
            else:
                out.append(f"  ✓ widget {f} behaves in case {t} ({t % 7 + 1} ms)")
        out.append("")
    out += ["  ● Widget09 › renders the total with discount", "",
            "    expect(received).toBe(expected) // Object.is equality", "",
            "    Expected: \"$90.00\"", "    Received: \"$100.00\"", "",
            "      41 |     render(<Cart items={items} discount={0.1} />);",
            "    > 42 |     expect(screen.getByTestId('total').textContent).toBe('$90.00');",
            "         |                                                     ^", "",
            "      at Object.<anonymous> (src/components/__tests__/Widget09.test.tsx:42:53)", "",
            "Test Suites: 1 failed, 23 passed, 24 total", "Tests:       1 failed, 335 passed, 336 total",
            "Snapshots:   0 total", "Time:        8.412 s", "Ran all test suites."]
    needles = ["Expected: \"$90.00\"", "Received: \"$100.00\"", "Tests:       1 failed, 335 passed, 336 total",
               "src/components/__tests__/Widget09.test.tsx:42:53"]
    return "\n".join(out) + "\n", needles


def cargo_log() -> tuple[str, list[str]]:
    out = [f"   Compiling dep{i} v0.{i}.3" for i in range(30)]
    out += ["   Compiling ledger v0.4.0 (/home/dev/ledger)", "    Finished test [unoptimized + debuginfo] target(s) in 21.07s",
            "     Running unittests src/lib.rs (target/debug/deps/ledger-3f2a9c)", "", "running 180 tests"]
    for t in range(180):
        out.append(f"test accounts::tests::case_{t:03d} ... {'FAILED' if t == 77 else 'ok'}")
    out += ["", "failures:", "", "---- accounts::tests::case_077 stdout ----",
            "thread 'accounts::tests::case_077' panicked at src/accounts.rs:214:9:",
            "assertion `left == right` failed: balance mismatch", "  left: 1050", " right: 1000",
            "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace", "", "",
            "failures:", "    accounts::tests::case_077", "",
            "test result: FAILED. 179 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.31s", "",
            "error: test failed, to rerun pass `--lib`"]
    needles = ["thread 'accounts::tests::case_077' panicked at src/accounts.rs:214:9:",
               "assertion `left == right` failed: balance mismatch",
               "test result: FAILED. 179 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.31s"]
    return "\n".join(out) + "\n", needles


def go_log() -> tuple[str, list[str]]:
    out = []
    for t in range(120):
        out.append(f"=== RUN   TestHandler{t:03d}")
        if t == 63:
            out += [f"    handler_test.go:{100 + t}: status = 500, want 200",
                    f"    handler_test.go:{101 + t}: body = \"upstream timeout\"",
                    f"--- FAIL: TestHandler{t:03d} (0.02s)"]
        else:
            out.append(f"--- PASS: TestHandler{t:03d} (0.00s)")
    out += ["FAIL", "FAIL\tgithub.com/dev/api/handlers\t1.204s", "ok  \tgithub.com/dev/api/store\t0.311s",
            "FAIL"]
    needles = ["handler_test.go:163: status = 500, want 200", "--- FAIL: TestHandler063 (0.02s)",
               "FAIL\tgithub.com/dev/api/handlers\t1.204s"]
    return "\n".join(out) + "\n", needles


def sre_jsonl() -> tuple[str, list[str]]:
    out = []
    for i in range(500):
        ts = f"2026-11-23T10:{i // 60 % 60:02d}:{i % 60:02d}.{i * 7 % 1000:03d}Z"
        rec = {"ts": ts, "level": "info", "svc": f"checkout-{i % 3}", "msg": "request served",
               "route": "/api/cart", "latency_ms": 20 + i * 13 % 40, "trace_id": f"{i * 7919 % 65536:04x}a1b2"}
        if i == 377:
            rec = {"ts": ts, "level": "fatal", "svc": "checkout-2", "msg": "db pool exhausted: 64/64 connections in use",
                   "route": "/api/cart", "trace_id": "9f3ec0de"}
        elif i % 97 == 50:
            rec["level"] = "warn"
            rec["msg"] = "slow query"
        out.append(json.dumps(rec))
    needles = [out[377]]
    return "\n".join(out) + "\n", needles


def worker_log(crlf: bool = False) -> tuple[str, list[str]]:
    out = [f"2026-11-23T10:00:{i % 60}Z INFO worker-{i % 4} processed batch {i} in {i % 9}ms" for i in range(1, 151)]
    err = "2026-11-23T10:02:31Z ERROR worker-2 batch 151 failed: disk quota exceeded on /var/lib/app (errno 122)"
    out.insert(120, err)
    out.insert(121, "Traceback (most recent call last):")
    out.insert(122, '  File "/app/worker.py", line 88, in flush')
    out.insert(123, "    fh.write(buf)")
    out.insert(124, "OSError: [Errno 122] Disk quota exceeded")
    eol = "\r\n" if crlf else "\n"
    return eol.join(out) + eol, [err, "OSError: [Errno 122] Disk quota exceeded", '  File "/app/worker.py", line 88, in flush']


def records_json() -> tuple[str, list[str], str]:
    recs = []
    for i in range(300):
        recs.append({"id": f"ord-{10000 + i}", "customer": f"cust-{i * 37 % 997:04d}", "status": "shipped",
                     "total_cents": 1000 + i * 131 % 9000, "items": i % 5 + 1, "region": ["eu", "us", "apac"][i % 3],
                     "created": f"2026-10-{i % 28 + 1:02d}T08:{i % 60:02d}:00Z"})
    recs[211]["status"] = "payment_failed"
    recs[211]["error"] = "card declined: insufficient funds"
    question = "Why was order ord-10142 not shipped? Check it in the listing."
    needles = ['"ord-10142"', "card declined: insufficient funds"]
    return json.dumps(recs, indent=2), needles, question


def grep_output() -> tuple[str, list[str]]:
    out = []
    files = [f"src/app/module_{m:02d}.py" for m in range(40)]
    for fi, f in enumerate(files):
        for k in range(3 + fi % 9):
            out.append(f"{f}:{10 + k * 17}:    result = load_config(path, strict={k % 2 == 0})  # call {k}")
    out.insert(57, "src/app/settings.py:42:def load_config(path: str, strict: bool = False) -> Config:")
    return "\n".join(out) + "\n", ["src/app/settings.py:42:def load_config(path: str, strict: bool = False) -> Config:"]


def git_diff() -> tuple[str, list[str]]:
    out = ["diff --git a/src/billing/invoice.py b/src/billing/invoice.py", "index 3e1f2a9..7c0d4b1 100644",
           "--- a/src/billing/invoice.py", "+++ b/src/billing/invoice.py"]
    # one hunk, 3 lines of context, two change groups far apart
    body = [f" line {i}: existing code" for i in range(1, 4)]
    body += ["-    total = sum(item.price for item in items)", "+    total = sum(item.price * item.qty for item in items)"]
    body += [f" line {i}: more existing code" for i in range(4, 30)]
    body += ["-    return round(total, 2)", "+    return round(total * (1 - discount), 2)", "+    # discounts apply after tax"]
    body += [f" line {i}: trailing code" for i in range(30, 33)]
    old = sum(1 for b in body if b[0] in " -")
    new = sum(1 for b in body if b[0] in " +")
    out.append(f"@@ -40,{old} +40,{new} @@ def compute_total(items, discount):")
    out += body
    for f in range(6):
        out += [f"diff --git a/src/util/helpers_{f}.py b/src/util/helpers_{f}.py", f"index aa{f}..bb{f} 100644",
                f"--- a/src/util/helpers_{f}.py", f"+++ b/src/util/helpers_{f}.py"]
        body = [f" ctx {i}" for i in range(8)] + [f"-old_value_{f} = {f}", f"+new_value_{f} = {f + 1}"]
        body += [f" ctx {i}" for i in range(8, 16)]
        out.append(f"@@ -{10 + f},{sum(1 for b in body if b[0] in ' -')} +{10 + f},"
                   f"{sum(1 for b in body if b[0] in ' +')} @@")
        out += body
    out += ["diff --git a/package-lock.json b/package-lock.json", "index 111..222 100644",
            "--- a/package-lock.json", "+++ b/package-lock.json",
            "@@ -1,3 +1,203 @@", " {", "   \"name\": \"shop\","] + [f"+    \"dep{i}\": \"1.{i}.0\"," for i in range(200)] + [" }"]
    needles = ["+    total = sum(item.price * item.qty for item in items)", "-    return round(total, 2)",
               "+    return round(total * (1 - discount), 2)", "+new_value_3 = 4"]
    return "\n".join(out) + "\n", needles


def python_source() -> tuple[str, list[str]]:
    out = ['"""Order processing."""', "from __future__ import annotations", "", "import json", "import logging",
           "from dataclasses import dataclass", "", "log = logging.getLogger(__name__)", "", ""]
    for c in range(6):
        out += [f"class Handler{c}:", f'    """Handles stage {c} of an order."""', ""]
        for m in range(5):
            out += [f"    def step_{m}(self, order: dict, *, retries: int = 3) -> dict:",
                    f'        """Run step {m} on the order."""']
            out += [f"        value_{k} = order.get('field_{k}', {k}) * {m + 1}" for k in range(9)]
            out += ["        if value_0 > 10:", "            log.info('large order %s', order['id'])",
                    "        return order", ""]
    out += ["def apply_discount(order: dict,", "                   rate: float) -> dict:",
            '    """Apply a discount rate."""'] + [f"    x{k} = order['total'] * rate + {k}" for k in range(10)] + \
           ["    return order", ""]
    return "\n".join(out) + "\n", ["def apply_discount(order: dict,", "class Handler3:",
                                   "    def step_2(self, order: dict, *, retries: int = 3) -> dict:"]


def js_source() -> tuple[str, list[str]]:
    out = ["import { api } from './api';", "import React from 'react';", "", "const TAX = 0.2;", ""]
    for f in range(12):
        out += [f"export async function fetchThing{f}(id, opts = {{}}) {{", "  const url = `/things/${id}`;"]
        out += [f"  const part{k} = await api.get(url + '/{k}', opts);" for k in range(8)]
        out += ["  if (!part0) {", "    throw new Error('missing');", "  }", "  return part0;", "}", ""]
    out += ["export class Cart {", "  constructor(items) {", "    this.items = items;", "  }", "",
            "  total() {"] + [f"    const t{k} = this.items[{k}] ? this.items[{k}].price : 0;" for k in range(8)] + \
           ["    return t0 * (1 + TAX);", "  }", "}", ""]
    return "\n".join(out) + "\n", ["export async function fetchThing7(id, opts = {}) {", "export class Cart {",
                                   "  total() {"]


def kubectl_table() -> tuple[str, list[str]]:
    out = ["NAME                                READY   STATUS             RESTARTS   AGE"]
    for i in range(80):
        st, rs = "Running", "0"
        if i == 33:
            st, rs = "CrashLoopBackOff", "14"
        out.append(f"checkout-{i * 7919 % 100000:05x}-{i:03d}-7d9f8c6b5-x{i:02d}q   1/1     {st:<18} {rs:<10} {i % 9 + 1}d")
    return "\n".join(out) + "\n", [out[34]]


def npm_tree() -> tuple[str, list[str]]:
    """`npm ls --all`: 8 direct dependencies, each with a subtree three levels deep; one invalid version."""
    out = ["shop-web@4.2.0 /home/dev/shop-web"]
    tops = ["express", "react", "react-dom", "axios", "lodash", "zod", "vite", "typescript"]
    for t, top in enumerate(tops):
        last = t == len(tops) - 1
        out.append(f"{'└' if last else '├'}─┬ {top}@{t + 1}.{t * 3 % 10}.{t * 7 % 13}")
        bar = "  " if last else "│ "
        for c in range(5):
            cl = c == 4
            out.append(f"{bar}{'└' if cl else '├'}─┬ {top}-dep{c}@0.{c}.{t}")
            bar2 = bar + ("  " if cl else "│ ")
            for g in range(4):
                gl = g == 3
                name = f"{top}-dep{c}-sub{g}@1.{g}.{c}"
                if (t, c, g) == (3, 2, 1):
                    name = "follow-redirects@1.15.2 invalid: \"^1.15.6\" from node_modules/axios"
                out.append(f"{bar2}{'└' if gl else '├'}── {name}")
    return "\n".join(out) + "\n", [out[0], "follow-redirects@1.15.2 invalid"]


def prose() -> tuple[str, list[str]]:
    paras = []
    for p in range(30):
        paras.append(f"Section {p} describes how the scheduler assigns work to nodes. It balances load by looking "
                     f"at queue depth and recent latency. Operators can tune the weights in the config file. "
                     f"The defaults work for most clusters of up to {p + 3} hundred nodes.")
    paras[17] = ("Known issue: when the SCHED_MAX_BACKOFF setting exceeds 900 seconds, nodes that failed a health "
                 "check are never retried; set it to 300 or less.")
    return "\n\n".join(paras) + "\n", [paras[17]]


def test_samples_are_deterministic():
    assert pytest_log() == pytest_log() and records_json() == records_json() and git_diff() == git_diff()
