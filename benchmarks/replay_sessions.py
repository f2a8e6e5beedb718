"""Real sessions through `headroom proxy`, measured the way issues #13/#14 say ("How we measure").

    python benchmarks/replay_sessions.py [SESSION.jsonl | DIR ...] [--json] [--detail]
    (default: ../shared/fixtures/real_requests/, or $HEADROOM_REAL_FIXTURES)

A session is a JSONL file of request bodies, one per line, in the order the agent sent them. They are replayed
in order through an in-process `headroom proxy` in its default mode (compression on, retrieve tool injected;
bound to loopback) that forwards to the project's fake provider, which records what it received. Per session:
whole-request tokens before/after (o200k over each whole JSON body as sent, see benchmarks/o200k.py), billed
input before/after with the prompt cache modelled, the share of non-read tool-result tokens saved, needles kept,
and the re-forwarding check. The rules live in benchmarks/session_measure.py.

Needles: a sidecar next to the JSONL, `<stem>.needles.json` (else benchmarks/sessions/<stem>.needles.json):

    {"protocol": "anthropic",            # optional: anthropic | openai_responses | openai_chat
     "needles": ["item-37", {"text": "ERROR worker-2 batch 151", "why": "the one failure"}]}

A needle is kept verbatim when a forwarded request holds it, one retrieval away when a marker's key in that
request names a stored original that holds it, in every request whose original holds it.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).parent))
import session_measure as sm  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "fixtures" / "real_requests"
SIDECARS = Path(__file__).parent / "sessions"
PATHS = {"anthropic": "/v1/messages?beta=true", "openai_responses": "/v1/responses",
         "openai_chat": "/v1/chat/completions"}
HEADERS = {
    "anthropic": {"x-api-key": "sk-ant-replay", "anthropic-version": "2023-06-01",
                  "anthropic-beta": "claude-code-20250219"},
    "openai_responses": {"Authorization": "Bearer sk-replay"},
    "openai_chat": {"Authorization": "Bearer sk-replay"},
}


def load_session(path: Path) -> tuple[list[str], dict]:
    texts = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    side = {}
    for cand in (path.with_name(path.stem + ".needles.json"), SIDECARS / (path.stem + ".needles.json")):
        if cand.exists():
            side = json.loads(cand.read_text(encoding="utf-8"))
            break
    return texts, side


def needles_of(side: dict) -> list[str]:
    return [n if isinstance(n, str) else n["text"] for n in side.get("needles", [])]


@lru_cache(maxsize=None)
def _count_cached(text: str) -> int:
    import o200k

    return o200k.count(text)


def count(text: str) -> int:
    return _count_cached(text)


def post(url: str, path: str, body: bytes, headers: dict) -> int:
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    try:
        conn.request("POST", path, body=body, headers={**headers, "Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def replay(texts: list[str], protocol: str) -> list[str]:
    """Each body through the proxy in order; what the provider received, as text."""
    from headroom_cli.proxy.runner import ProxyServer
    from headroom_cli.proxy.settings import ProxySettings
    from headroom_cli.testing.fake_provider import FakeProvider, Text

    out: list[str] = []
    with FakeProvider(script=lambda req: Text("ok")).in_thread() as fake:
        # REPLAY_RATIO: another compress_ratio than the default's, to see what the knob changes
        ratio = {"compress_ratio": float(os.environ["REPLAY_RATIO"])} if os.environ.get("REPLAY_RATIO") else {}
        settings = ProxySettings(anthropic_upstream=fake.url, openai_upstream=fake.url + "/v1", **ratio)
        with ProxyServer(settings) as proxy:
            for text in texts:
                n = len(fake.model_requests)
                status = post(proxy.url, PATHS[protocol], text.encode("utf-8"), HEADERS[protocol])
                got = fake.model_requests[n:]
                if status != 200 or not got:
                    raise RuntimeError(f"replay: status {status}, {len(got)} upstream requests")
                # with the injected retrieve tool the model's call could add rounds; the fake never calls it
                out.append(got[0].body.decode("utf-8"))
    return out


def measure(path: Path) -> dict:
    from headroom_cli.ccr.store import default_store
    from headroom_cli.compress.markers import find_keys

    texts, side = load_session(path)
    originals = [json.loads(t) for t in texts]
    protocol = side.get("protocol") or sm.protocol_of(originals[0])
    fwd_texts = replay(texts, protocol)
    forwarded = [json.loads(t) for t in fwd_texts]
    before = sm.bill(texts, originals, protocol, count)
    after = sm.bill(fwd_texts, forwarded, protocol, count)
    tools = sm.tool_savings(originals, forwarded, protocol, count)
    store = default_store()
    needles = {n: sm.needle_status(n, originals, forwarded, store.get, find_keys) for n in needles_of(side)}
    checked, bad = sm.reforward_violations(originals, forwarded, protocol)
    last = sm.tool_results(originals[-1], protocol)
    last_share = sum(count(t.text) for t in last.values()) / before.tokens[-1] if before.tokens else 0.0
    return {
        "session": path.name, "protocol": protocol, "requests": len(texts),
        "tokens_before": before.total_tokens, "tokens_after": after.total_tokens,
        "tokens_saved": 1 - after.total_tokens / before.total_tokens,
        "billed_before": round(before.total_billed, 1), "billed_after": round(after.total_billed, 1),
        "billed_saved": 1 - after.total_billed / before.total_billed,
        "cached_share_before": sum(before.cached) / before.total_tokens,
        "cached_share_after": sum(after.cached) / after.total_tokens if after.total_tokens else 0.0,
        "tool_result_share_last": last_share,
        "tool_tokens": {"before": tools.before, "after": tools.after, "count": tools.n},
        "nonread_saved": tools.saved("output"), "read_saved": tools.saved("read"),
        "needles": needles,
        "needles_kept": sum(v in ("verbatim", "retrieval") for v in needles.values()),
        "needles_verbatim": sum(v == "verbatim" for v in needles.values()),
        "reforward_checked": checked, "reforward_changed": bad,
        "per_request": [{"before": b, "after": a, "cached_before": cb, "cached_after": ca}
                        for b, a, cb, ca in zip(before.tokens, after.tokens, before.cached, after.cached)],
        "tool_results": tools.lines,
    }


def tool_kinds(bodies: list[dict], protocol: str) -> dict[str, int]:
    """Tool-result tokens per kind, each result counted once (where it first appears)."""
    seen: set[str] = set()
    out = {"read": 0, "output": 0, "retrieve": 0}
    for b in bodies:
        for cid, tr in sm.tool_results(b, protocol).items():
            if cid not in seen:
                seen.add(cid)
                out[tr.kind] += count(tr.text)
    return out


def measure_pair(before_path: Path, after_path: Path) -> dict:
    """Two captures of the same scenario, no replay: `before` as the agent sent it (wrap --no-compress), `after`
    as the model received it through `headroom wrap` (its own store of originals named by the sidecar). What
    the agent itself did differently (its output limits) shows here and in no replay."""
    from headroom_cli.ccr.store import default_store
    from headroom_cli.compress.markers import find_keys

    bt, side = load_session(before_path)
    at, aside = load_session(after_path)
    bb, ab = [json.loads(t) for t in bt], [json.loads(t) for t in at]
    protocol = side.get("protocol") or sm.protocol_of(bb[0])
    before, after = sm.bill(bt, bb, protocol, count), sm.bill(at, ab, protocol, count)
    old = os.environ.get("HEADROOM_HOME")
    if aside.get("store"):
        os.environ["HEADROOM_HOME"] = aside["store"]
    try:
        store = default_store()
        needles = {}
        for n in needles_of(side):
            # what the model had in front of it at the end: the last request holds the whole history
            needles[n] = sm.needle_status(n, [{"x": n}], ab[-1:], store.get, find_keys)
            if needles[n] == "lost" and not any(n in x for x in sm.strings(bb[-1])):
                needles[n] = "lost before headroom"  # the agent itself cut it
    finally:
        if old is None:
            os.environ.pop("HEADROOM_HOME", None)
        else:
            os.environ["HEADROOM_HOME"] = old
    tb, ta = tool_kinds(bb, protocol), tool_kinds(ab, protocol)
    return {
        "session": f"{before_path.name} -> {after_path.name}", "protocol": protocol,
        "requests": f"{len(bt)} / {len(at)}",
        "tokens_before": before.total_tokens, "tokens_after": after.total_tokens,
        "tokens_saved": 1 - after.total_tokens / before.total_tokens,
        "billed_before": round(before.total_billed, 1), "billed_after": round(after.total_billed, 1),
        "billed_saved": 1 - after.total_billed / before.total_billed,
        "cached_share_before": sum(before.cached) / before.total_tokens,
        "cached_share_after": sum(after.cached) / after.total_tokens if after.total_tokens else 0.0,
        "last_request": {"before": before.tokens[-1], "after": after.tokens[-1]},
        "tool_tokens": {"before": tb, "after": ta},
        "nonread_saved": 1 - ta["output"] / tb["output"] if tb["output"] else 0.0,
        "needles": needles,
        "needles_kept": sum(v in ("verbatim", "retrieval") for v in needles.values()),
        "needles_verbatim": sum(v == "verbatim" for v in needles.values()),
    }


def show_pair(r: dict) -> None:
    tt = r["tool_tokens"]
    print(f"{r['session']} ({r['protocol']}, {r['requests']} requests; two runs, no replay)")
    print(f"  whole requests  {r['tokens_before']:>9,} -> {r['tokens_after']:>9,} o200k  "
          f"{100 * r['tokens_saved']:5.1f} % smaller (last request {r['last_request']['before']:,} -> "
          f"{r['last_request']['after']:,})")
    print(f"  billed input    {r['billed_before']:>11,.0f} -> {r['billed_after']:>11,.0f}  {100 * r['billed_saved']:5.1f} % "
          f"lower (cached prefix share {100 * r['cached_share_before']:.0f} % -> {100 * r['cached_share_after']:.0f} %)")
    print(f"  tool results    non-read {tt['before']['output']:,} -> {tt['after']['output']:,} "
          f"({100 * r['nonread_saved']:.1f} % saved); reads {tt['before']['read']:,} -> {tt['after']['read']:,}")
    lost = {n: v for n, v in r["needles"].items() if v not in ("verbatim", "retrieval")}
    print(f"  needles         {r['needles_kept']}/{len(r['needles'])} reach the model in its last request "
          f"({r['needles_verbatim']} verbatim)" + (f"; not: {lost}" if lost else ""))


def sessions_in(args: list[str]) -> list[Path]:
    env = os.environ.get("HEADROOM_REAL_FIXTURES")
    roots = [Path(a) for a in args] or [Path(env) if env else DEFAULT]
    out: list[Path] = []
    for r in roots:
        out += sorted(r.glob("*.jsonl")) if r.is_dir() else [r]
    return out


def show(r: dict, detail: bool) -> None:
    tt = r["tool_tokens"]
    print(f"{r['session']} ({r['protocol']}, {r['requests']} requests)")
    print(f"  whole requests  {r['tokens_before']:>9,} -> {r['tokens_after']:>9,} o200k  "
          f"{100 * r['tokens_saved']:5.1f} % smaller")
    print(f"  billed input    {r['billed_before']:>11,.0f} -> {r['billed_after']:>11,.0f}  {100 * r['billed_saved']:5.1f} % "
          f"lower (cached prefix share {100 * r['cached_share_before']:.0f} % -> {100 * r['cached_share_after']:.0f} %)")
    print(f"  tool results    {100 * r['tool_result_share_last']:.0f} % of the last request before; each counted once: non-read "
          f"{tt['before']['output']:,} -> {tt['after']['output']:,} ({100 * r['nonread_saved']:.1f} % saved, "
          f"{tt['count']['output']} results); reads {tt['before']['read']:,} -> {tt['after']['read']:,} "
          f"({tt['count']['read']} results)")
    lost = [n for n, v in r["needles"].items() if v == "lost"]
    absent = [n for n, v in r["needles"].items() if v == "absent"]
    print(f"  needles         {r['needles_kept']}/{len(r['needles']) - len(absent)} kept "
          f"({r['needles_verbatim']} verbatim)" + (f"; LOST by headroom: {lost}" if lost else "")
          + (f"; {len(absent)} never in what the agent sent (cut by the agent itself): {absent}" if absent else ""))
    print(f"  re-forwarding   {r['reforward_checked']} re-sent items checked, "
          f"{len(r['reforward_changed'])} forwarded changed" + (f": {r['reforward_changed'][:5]}"
                                                                 if r["reforward_changed"] else ""))
    if detail:
        for t in r["tool_results"]:
            print(f"    #{t['request']:<3} {t['kind']:<8} {t['tool']:<14} {t['before']:>7,} -> {t['after']:>7,}  "
                  f"{t['what']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", help="session .jsonl files or folders of them")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--detail", action="store_true", help="one line per tool result")
    ap.add_argument("--forwarded", type=Path, metavar="AFTER.jsonl",
                    help="no replay: compare the one session given (as sent) with this capture of what the model "
                         "received in another run of the same scenario")
    args = ap.parse_args(argv)
    if args.forwarded:
        r = measure_pair(Path(args.paths[0]), args.forwarded)
        print(json.dumps(r, indent=1)) if args.json else show_pair(r)
        return 0
    paths = sessions_in(args.paths)
    if not paths:
        print("no sessions found", file=sys.stderr)
        return 2
    results = []
    with tempfile.TemporaryDirectory(prefix="headroom-replay-") as home:
        os.environ["HEADROOM_HOME"] = home  # a store and ledger of its own: retrievals checked against it
        for p in paths:
            results.append(measure(p))
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        print("basis: o200k_base over each whole JSON body; billed = cached prefix x0.1 + rest x1.25 (Anthropic) "
              "or x1 (OpenAI)")
        for r in results:
            show(r, args.detail)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
