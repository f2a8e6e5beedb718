"""Where a lossy cut stops paying: the measurement behind `compress.tokens.SMALL_RESULT_TOKENS`.

    python benchmarks/small_results.py [--sessions DIR ...] [--json]

A lossy cut of an N-token tool result saves s·N tokens (s: the share the compressors actually remove from results
of that size, measured here with the bound switched off), billed as a cache write (×1.25) on the turn it is sent
and as a cache read (×0.1) on each later turn that re-sends it. If the model then fetches the original, the cut
was for nothing and the retrieval cost a model turn on top: the whole context re-sent (C tokens, ×0.1 as cache
reads), the retrieve call (output tokens, priced ×5 input on Anthropic's current models), and the original added to
the context (N, ×1.25). So the cut pays when the share p of such results that get fetched back stays below

    p* = saved / (saved + retrieval)

This prints C measured on real request bodies (o200k over each whole body as sent, the issue's basis; the shared
real-request captures, plus any `--sessions` directories of `*.jsonl` request bodies), the retrieve call's tokens,
s by size on the corpus and on real tool results, p* by N, how many real Codex outputs each bound would leave
lossy (Codex cuts every output to ~10 KB, its own estimate of 2,500 tokens), and what a 46-line `ls -la` ("list
the files": it must come back whole) counts on the real directories of this machine (/usr, /etc, /opt, /var/lib
and this interpreter's prefix, each directory with at least 44 entries, `__pycache__` left out, `ls -la` cut to
its first 46 lines), with the share of them each bound keeps whole.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "fixtures" / "real_requests"
LATER_TURNS = 10  # turns a tool result stays in history after it is sent (a short investigation)
OUTPUT_PRICE = 5.0  # output token price in input tokens (Anthropic Sonnet/Opus: $15 vs $3 per M)


def encoder():
    """o200k when a package ships it (quicktok), else the engine's own offline count (cl100k)."""
    try:
        import quicktok

        enc = quicktok.get_encoding("o200k_base")
        return "o200k_base", lambda s: len(enc.encode(s))
    except Exception:
        from headroom_cli.compress.tokens import count_tokens, encoding_name

        return encoding_name(), count_tokens


def request_files(extra: list[str]) -> list[Path]:
    files = sorted(REAL.glob("*.jsonl")) if REAL.is_dir() else []
    for d in extra:
        files += [Path(d)] if Path(d).is_file() else sorted(Path(d).rglob("*.jsonl"))
    return files


def tool_results(body: dict) -> list[tuple[str, str]]:
    """(protocol, text) of every tool result in a request body."""
    out = []
    for it in body.get("input", []) or []:
        if isinstance(it, dict) and it.get("type") == "function_call_output" and isinstance(it.get("output"), str):
            out.append(("codex", it["output"]))
    for m in body.get("messages", []) or []:
        for b in m.get("content") if isinstance(m.get("content"), list) else []:
            if isinstance(b, dict) and b.get("type") == "tool_result":
                c = b.get("content")
                if isinstance(c, list):
                    c = "\n".join(x.get("text", "") for x in c if isinstance(x, dict))
                if isinstance(c, str):
                    out.append(("claude", c))
    return out


def listings(count, limit: int = 300) -> list[int]:
    """Tokens of a 46-line `ls -la` ("total", ".", "..", 43 entries) of real directories here, sorted."""
    dirs = []
    for root in ("/usr", "/etc", "/opt", "/var/lib", sys.prefix):
        for dp, dn, fn in os.walk(root):
            if len(dn) + len(fn) >= 44 and "__pycache__" not in dp:
                dirs.append(dp)
    dirs = sorted(set(dirs))
    dirs = dirs[::max(1, len(dirs) // limit)][:limit]  # spread over the tree, deterministic
    out = []
    for d in dirs:
        lines = subprocess.run(["ls", "-la", d], capture_output=True, text=True).stdout.splitlines(True)[:46]
        if len(lines) == 46:
            out.append(count("".join(lines)))
    return sorted(out)


def measure(extra: list[str]) -> dict:
    from headroom_cli import corpus
    from headroom_cli.compress import router, terminal
    from headroom_cli.compress.base import Context
    from headroom_cli.compress.protocols import sites
    from headroom_cli.compress.tokens import SMALL_RESULT_TOKENS

    enc_name, count = encoder()
    contexts, results = [], {}
    for f in request_files(extra):
        for line in f.read_text(encoding="utf-8").splitlines():
            try:
                body = json.loads(line)
            except ValueError:
                continue
            if not isinstance(body, dict):
                continue
            contexts.append(count(json.dumps(body, ensure_ascii=False)))
            for who, t in tool_results(body):
                results.setdefault(t, who)  # each distinct result once (history re-sends it)
    call = count(json.dumps({"type": "tool_use", "id": "toolu_01AbCdEfGhIjKlMnOpQrStUv",
                             "name": "mcp__headroom__headroom_retrieve", "input": {"key": "0" * 24}}))
    texts = [(w.name, s.text) for w in corpus.workloads() for s in sites(w.body, w.protocol)]
    texts += [(f"real-{who}", t) for t, who in results.items()]
    allowed = router.lossy_allowed
    router.lossy_allowed = lambda _t: True  # what the compressors would cut without the bound
    try:
        shares: dict[str, list[float]] = {}
        for name, t in texts:
            n = count(terminal.clean(terminal.envelope(t)[1]))
            if n < 150:
                continue
            res = router.compress_block(t, Context(tool_input="run"))
            if res is None or not res.lossy:
                continue
            band = next(b for b in ("<500", "500-1000", "1000-2500", ">=2500")
                        if n < {"<500": 500, "500-1000": 1000, "1000-2500": 2500, ">=2500": 10 ** 9}[b])
            shares.setdefault(band, []).append(1 - count(res.text) / count(t))
    finally:
        router.lossy_allowed = allowed
    c_med = statistics.median(contexts) if contexts else 20000
    s_small = statistics.median(shares.get("500-1000", []) + shares.get("1000-2500", []) or [0.7])
    table = []
    for n in (250, 500, 750, 1000, 1250, 1500, 2500, 5000):
        saved = s_small * n * (1.25 + 0.1 * LATER_TURNS)
        fetch = 0.1 * c_med + OUTPUT_PRICE * call + 1.25 * n + 0.1 * LATER_TURNS * n
        table.append({"n": n, "saved": round(saved), "retrieval": round(fetch), "p_star": round(saved / (saved + fetch), 3)})
    codex = [t for t, who in results.items() if who == "codex"]
    codex_sizes = [count(terminal.clean(terminal.envelope(t)[1])) for t in codex]
    ls = listings(count)
    bounds = sorted({1000, 1200, SMALL_RESULT_TOKENS, 1600})
    return {
        "encoding": enc_name, "requests": len(contexts), "context_median": c_med,
        "context_range": [min(contexts), max(contexts)] if contexts else None, "retrieve_call_tokens": call,
        "saved_share_by_size": {b: {"n": len(v), "median": round(statistics.median(v), 3)} for b, v in shares.items()},
        "saved_share_used": round(s_small, 3), "later_turns": LATER_TURNS, "break_even": table,
        "bound_tokens": SMALL_RESULT_TOKENS,
        "codex_outputs": len(codex),
        "codex_lossy_at": {b: sum(1 for x in codex_sizes if x >= b) for b in (1000, 1400, 2500, 3000)},
        "ls_la_46": {"directories": len(ls), "min": ls[0], "median": statistics.median(ls),
                     "p95": statistics.quantiles(ls, n=20)[-1], "max": ls[-1],
                     "whole_at": {b: round(sum(1 for x in ls if x < b) / len(ls), 3) for b in bounds}} if ls else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", nargs="*", default=[], help="files or directories of captured request bodies (*.jsonl), one body per line")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    m = measure(a.sessions)
    if a.json:
        print(json.dumps(m, indent=1))
        return 0
    print(f"tokens: {m['encoding']}; {m['requests']} real request bodies, whole-body median {m['context_median']:,} "
          f"(range {m['context_range']}); a retrieve call {m['retrieve_call_tokens']} tokens")
    print("share a lossy cut removes, by result size:", m["saved_share_by_size"], "-> using", m["saved_share_used"])
    print(f"break-even share of results fetched back (a result re-sent on {m['later_turns']} later turns):")
    for row in m["break_even"]:
        print(f"  N={row['n']:>5}: cut saves {row['saved']:>6,}, a retrieval costs {row['retrieval']:>6,} -> p* = {row['p_star']:.2f}")
    print(f"real Codex outputs: {m['codex_outputs']}; still cut at a bound of "
          + ", ".join(f"{b:,}: {n}" for b, n in m["codex_lossy_at"].items()) + f" (the engine's: {m['bound_tokens']:,})")
    ls = m["ls_la_46"]
    if ls:
        print(f"46-line `ls -la` of {ls['directories']} real directories: {ls['min']:,}-{ls['max']:,} tokens, median "
              f"{ls['median']:,}, 95th percentile {ls['p95']:,.0f}; kept whole at a bound of "
              + ", ".join(f"{b:,}: {100 * v:.0f} %" for b, v in ls["whole_at"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
