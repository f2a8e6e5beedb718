"""Held-out check: the engine on workloads it was never tuned on (issue 13's synthetic target).

    python benchmarks/heldout_check.py [--json] [--only NAME ...] [--show NAME]

Issue 13's target on held-out synthetic workloads (a JSON listing asked about one item, an incident log, test
output, a diff, search results, a stdlib file read): >= 78 % of tool-result tokens saved overall, every needle
verbatim, the named item of a question about one item verbatim, and no lossy cut below the small-result bound.
The corpus of benchmarks/bench_engine.py is a sample of that; this is a second sample, written apart from it:
- generators of other shapes and domains than the corpus's (npm search results, Kubernetes events, CI runs,
  tickets in a tracker's nested JSON, payment events as NDJSON, a journal, an nginx access log, `go test -v`),
  with questions that name the item by its title in words, by a paraphrase or by an error message;
- outputs of real tools on real code (benchmarks/capture_heldout.py captured them into benchmarks/heldout_data/):
  pytest and node's test runner with real failures, `git log -p` / `git diff` / `git log --stat` on a copy of
  the installed rich sources after real edits, `grep -rn` over installed HTTP libraries, `pip inspect` through a
  jq-like projection, `ls -la`, a logging app's real tracebacks; and reads of this interpreter's own stdlib files,
  each asked about one function.

Three sets: `dev` (written first and looked into to find the failing classes), `taught` (dev workloads moved
into the corpus after a fix learnt from them: held-out no more), `untouched` (written and captured before any fix
of this round and never looked into while fixing: their figure is the honest one; `--sets untouched --summary`
prints their totals only).
Tokens: o200k_base (benchmarks/o200k.py: tiktoken's vocabulary, offline) over the tool results' text before and
after (the envelope Codex wraps around an output counts, it is sent); the whole request bodies are shown too.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HEADROOM_HOME", tempfile.mkdtemp(prefix="headroom-heldout-"))

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import o200k  # noqa: E402

from headroom_cli.ccr.store import default_store  # noqa: E402
from headroom_cli.compress.api import CompressConfig, compress_request  # noqa: E402
from headroom_cli.compress.memo import Memo  # noqa: E402
from headroom_cli.compress.protocols import sites  # noqa: E402
from headroom_cli.compress import terminal  # noqa: E402
from headroom_cli.compress.tokens import SMALL_RESULT_TOKENS  # noqa: E402
from headroom_cli import corpus_heldout  # noqa: E402  (taught workloads: moved into the corpus)
from headroom_cli.corpus_heldout import journal  # noqa: E402
from headroom_cli.corpus_reads import claude_body, numbered  # noqa: E402
from headroom_cli.corpus_records import chat_request, claude_request, codex_request, compact  # noqa: E402

DATA = Path(__file__).resolve().parent / "heldout_data"
SMALL_BOUND = SMALL_RESULT_TOKENS  # below this no lossy cut (issue 13): the engine's bound, on the output it judges
# dev workloads moved into the corpus after a fix learnt from them (corpus_real: real_git_log_stat, real_node_test)
TAUGHT = {"git_log_stat", "node_test", "journal_oom", "pip_inspect_named", "kubectl_describe", "csv_orders",
          "pytest_one_of_many"}


def data(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> str:
    i = text.index(needle)
    return text[text.rfind("\n", 0, i) + 1: text.find("\n", i)].rstrip("\r")


class W:
    def __init__(self, name, protocol, body, needles, item=None, kind="", note=""):
        self.name, self.protocol, self.body, self.needles = name, protocol, body, needles
        self.item = item  # the named item, verbatim, for a question about one item
        self.kind, self.note = kind, note


# ------------------------------------------------------------------------------------------ synthetic: JSON
_WORDS = ("stream", "parse", "cache", "queue", "schema", "token", "retry", "config", "yaml", "toml", "markdown",
          "json", "csv", "date", "color", "path", "glob", "watch", "http", "proxy", "cli", "log", "test", "mock",
          "diff", "hash", "crypto", "image", "svg", "font", "locale", "i18n", "router", "state", "store", "form")
_VERBS = ("Fast", "Tiny", "Simple", "Robust", "Zero-dependency", "Typed", "Lightweight", "Modern", "Minimal")
_NOUNS = ("parser", "serializer", "validator", "formatter", "loader", "bundler plugin", "middleware", "toolkit",
          "helpers", "utilities", "wrapper", "polyfill", "runtime", "adapter")


def npm_search(r: random.Random, n: int = 160) -> tuple[str, dict]:
    objs = []
    t_at = r.randrange(40, n - 40)
    for i in range(n):
        a, b = r.sample(_WORDS, 2)
        name = f"{a}-{b}" if r.random() < 0.7 else f"@{r.choice(('acme', 'tiny', 'unjs', 'oss'))}/{a}-{b}"
        desc = f"{r.choice(_VERBS)} {a} {r.choice(_NOUNS)} for {b} {r.choice(('files', 'data', 'apps', 'servers'))}"
        if i == t_at:
            name, desc = "gray-mdx-matter", "Extract YAML front-matter blocks from Markdown and MDX documents"
            a, b = "frontmatter", "mdx"
        user = r.choice(("jonschlinkert", "sindresorhus", "pi0", "ljharb", "isaacs", "wooorm", "fb55", "bcoe"))
        pkg = {"name": name, "scope": name[1:].split("/")[0] if name.startswith("@") else "unscoped",
               "version": f"{r.randint(0, 9)}.{r.randint(0, 30)}.{r.randint(0, 20)}", "description": desc,
               "keywords": sorted({a, b, r.choice(_WORDS)}), "date": f"2026-{r.randint(1, 11):02d}-"
               f"{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:00.000Z",
               "links": {"npm": f"https://www.npmjs.com/package/{name}",
                         "homepage": f"https://github.com/{user}/{name.split('/')[-1]}#readme",
                         "repository": f"git+https://github.com/{user}/{name.split('/')[-1]}.git",
                         "bugs": f"https://github.com/{user}/{name.split('/')[-1]}/issues"},
               "publisher": {"username": user, "email": f"{user}@users.noreply.example"},
               "maintainers": [{"username": user, "email": f"{user}@users.noreply.example"}]}
        obj = {"package": pkg, "score": {"final": round(r.uniform(0.2, 0.9), 6), "detail": {
            "quality": round(r.uniform(0.4, 1), 6), "popularity": round(r.uniform(0, 0.6), 6),
            "maintenance": round(r.uniform(0.3, 1), 6)}}, "searchScore": round(r.uniform(1e-4, 1.2), 8)}
        objs.append(obj)
    return json.dumps({"objects": objs, "total": 4182, "time": "Tue Dec 01 2026 09:12:44 GMT+0000"},
                      indent=2), objs[t_at]


def w_npm_search() -> W:
    r = random.Random(7101)
    out, target = npm_search(r)
    q = ("I need the small library that pulls YAML front-matter out of Markdown/MDX documents. Which version is "
         "current and who publishes it?")
    body = codex_request(q, "npm search --json --searchlimit 160 markdown yaml", out, seed=7101)
    return W("npm_search", "openai_responses", body, [target["package"]["name"], target["package"]["version"]],
             item=compact(target), kind="json listing, one item by paraphrase")


_REASONS_OK = (("Scheduled", "Successfully assigned {ns}/{pod} to {node}"),
               ("Pulling", "Pulling image \"registry.internal/{app}:{tag}\""),
               ("Pulled", "Successfully pulled image \"registry.internal/{app}:{tag}\" in {ms}ms"),
               ("Created", "Created container {app}"), ("Started", "Started container {app}"),
               ("SuccessfulCreate", "Created pod: {pod}"),
               ("ScalingReplicaSet", "Scaled up replica set {app}-{rs} to {n}"))
_APPS = ("checkout", "payments-api", "cart", "search", "recommender", "mailer", "thumbnailer", "auth", "geo",
         "ledger-writer", "audit-log", "gateway", "scheduler", "exporter")


def k8s_events(r: random.Random, n: int = 260) -> tuple[str, dict]:
    items = []
    t_at = r.randrange(n // 2, n - 20)
    target = None
    for i in range(n):
        app = r.choice(_APPS if i != t_at else ("ledger-writer",))
        ns = r.choice(("prod", "staging", "batch"))
        pod = f"{app}-{r.getrandbits(32):08x}"[:len(app) + 9] + f"-{r.getrandbits(20):05x}"
        node = f"ip-10-4-{r.randint(0, 40)}-{r.randint(1, 250)}.ec2.internal"
        typ = "Normal"
        if i == t_at:
            ns, reason, typ = "prod", "FailedMount", "Warning"
            msg = ('MountVolume.SetUp failed for volume "ledger-tls" : secret "ledger-writer-tls" not found')
        elif r.random() < 0.06:
            reason, typ = r.choice(("BackOff", "Unhealthy")), "Warning"
            msg = (f"Back-off restarting failed container {app} in pod {pod}_{ns}" if reason == "BackOff" else
                   "Readiness probe failed: HTTP probe failed with statuscode: 503")
        else:
            reason, tmpl = r.choice(_REASONS_OK)
            msg = tmpl.format(ns=ns, pod=pod, node=node, app=app, tag=f"v{r.randint(1, 4)}.{r.randint(0, 40)}",
                              ms=r.randint(200, 9000), rs=f"{r.getrandbits(36):09x}", n=r.randint(1, 6))
        ts = f"2026-12-01T{8 + i * 6 // n:02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z"
        kind = "Pod" if reason not in ("SuccessfulCreate", "ScalingReplicaSet") else (
            "ReplicaSet" if reason == "SuccessfulCreate" else "Deployment")
        ev = {"apiVersion": "v1", "count": r.randint(1, 30) if typ == "Warning" else 1, "eventTime": None,
              "firstTimestamp": ts, "involvedObject": {"apiVersion": "v1", "kind": kind, "name": pod,
                                                       "namespace": ns, "resourceVersion": str(r.randint(10**7, 10**8)),
                                                       "uid": f"{r.getrandbits(128):032x}"},
              "kind": "Event", "lastTimestamp": ts, "message": msg,
              "metadata": {"creationTimestamp": ts, "name": f"{pod}.{r.getrandbits(64):016x}", "namespace": ns,
                           "resourceVersion": str(r.randint(10**7, 10**8)), "uid": f"{r.getrandbits(128):032x}"},
              "reason": reason, "reportingComponent": "kubelet" if kind == "Pod" else "replicaset-controller",
              "reportingInstance": node if kind == "Pod" else "", "source": {"component": "kubelet", "host": node}
              if kind == "Pod" else {"component": "replicaset-controller"}, "type": typ}
        items.append(ev)
        if i == t_at:
            target = ev
    out = json.dumps({"apiVersion": "v1", "items": items, "kind": "List",
                      "metadata": {"resourceVersion": ""}}, indent=4)
    return out, target


def w_k8s_events() -> W:
    r = random.Random(7102)
    out, target = k8s_events(r)
    q = ("The ledger writer in prod has been stuck in ContainerCreating for twenty minutes. "
         "What's keeping it from starting?")
    body = claude_request(q, "Let me look at the cluster's recent events.", "kubectl get events -A -o json", out,
                          seed=7102)
    return W("k8s_events", "anthropic", body, [json.dumps(target["message"])[1:-1], target["involvedObject"]["name"]],
             item=compact(target), kind="json listing, one event by symptom")


_TITLES = ("Bump {dep} from {a} to {b}", "Fix flaky {area} test on {os}", "Add {feat} to the {area} API",
           "Refactor {area} module for {feat}", "Drop support for {os} in {area}", "Speed up {area} {feat}",
           "Document {feat} in {area}", "Revert \"{feat} for {area}\"")
_DEPS = ("serde", "tokio", "clap", "reqwest", "hyper", "tracing", "anyhow", "rustls", "axum", "sqlx")
_AREAS = ("storage", "router", "cli", "auth", "codec", "scheduler", "metrics", "planner")
_FEATS = ("streaming", "batch mode", "retries", "zero-copy reads", "TLS reload", "dry runs", "async hooks")


def ci_runs(r: random.Random, n: int = 220) -> tuple[str, dict]:
    runs = []
    t_at = r.randrange(30, n - 30)
    for i in range(n):
        title = r.choice(_TITLES).format(dep=r.choice(_DEPS), a=f"1.{r.randint(0, 40)}", b=f"1.{r.randint(41, 60)}",
                                         area=r.choice(_AREAS), os=r.choice(("Windows", "macOS", "musl")),
                                         feat=r.choice(_FEATS))
        concl = r.choices(("success", "failure", "cancelled", "skipped"), (80, 12, 5, 3))[0]
        wf = r.choice(("CI", "Release", "Nightly fuzz", "Docs", "Benchmarks"))
        if i == t_at:
            title, concl, wf = "Move the WAL checkpointer onto its own thread", "failure", "CI"
        sha = f"{r.getrandbits(160):040x}"
        run = {"conclusion": concl, "createdAt": f"2026-11-{r.randint(1, 30):02d}T{r.randint(0, 23):02d}:"
               f"{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z", "databaseId": 11800000000 + r.randint(0, 10**8),
               "displayTitle": title, "event": r.choice(("push", "pull_request", "schedule", "workflow_dispatch")),
               "headBranch": r.choice(("main", "release/2.4", f"dependabot/cargo/{r.choice(_DEPS)}",
                                       f"feat/{r.choice(_AREAS)}-{r.randint(1, 99)}")),
               "headSha": sha, "name": wf, "number": 9000 + i,
               "status": "completed", "url": f"https://github.com/acme/walrus/actions/runs/{r.getrandbits(34)}",
               "workflowName": wf}
        runs.append(run)
    return json.dumps(runs), runs[t_at]


def w_ci_runs() -> W:
    r = random.Random(7103)
    out, target = ci_runs(r)
    q = ("Did CI pass on the PR that moves the WAL checkpointer onto its own thread? Give me the run's id and "
         "branch.")
    body = chat_request(q, "gh run list --limit 220 --json conclusion,createdAt,databaseId,displayTitle,event,"
                           "headBranch,headSha,name,number,status,url,workflowName", out, seed=7103)
    return W("ci_runs", "openai_chat", body, [str(target["databaseId"]), target["headBranch"]],
             item=compact(target), kind="json listing, one run by its title in words")


_SUMMARIES = ("{area} page times out when {cond}", "Wrong totals in {area} export when {cond}",
              "{area}: error toast shown twice when {cond}", "Cannot save {area} settings when {cond}",
              "{area} webhook retried forever when {cond}", "Slow {area} search when {cond}",
              "Refund amount rounded wrongly in {area} when {cond}", "{area} emails sent in the wrong locale when {cond}")
_T_AREAS = ("Checkout", "Invoicing", "Subscriptions", "Payouts", "Catalog", "Reporting", "Onboarding", "Tax")
_CONDS = ("the cart has over 50 items", "the user switches currency", "the session expires", "SSO is enabled",
          "a coupon is applied", "the merchant is in the EU", "two tabs are open", "the address has no postcode")
_PEOPLE = ("Priya Natarajan", "Tomás Ortega", "Mei Lin", "Jonas Berg", "Aisha Bello", "Lukas Novak", "Sara Quist")


def tickets(r: random.Random, n: int = 110) -> tuple[str, dict]:
    issues = []
    t_at = r.randrange(20, n - 20)
    for i in range(n):
        area = r.choice(_T_AREAS)
        summary = r.choice(_SUMMARIES).format(area=area, cond=r.choice(_CONDS))
        if i == t_at:
            summary, area = "Duplicate charge when the shopper navigates back during the 3-D Secure challenge", \
                "Checkout"
        who = r.choice(_PEOPLE)
        desc = (f"Steps: open {area.lower()}, {r.choice(_CONDS)}, then retry. Expected the operation to complete "
                f"once; observed {r.choice(('a 500', 'a spinner', 'two requests', 'a stale value'))}. "
                f"Seen by {r.randint(1, 40)} merchants since {r.randint(1, 28)} Nov. Logs attached in the linked "
                f"incident; workaround: {r.choice(('reload the page', 'none', 'contact support', 'use the API'))}.")
        issue = {"expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
                 "id": str(10000 + r.randint(0, 90000)), "self": f"https://acme.atlassian.example/rest/api/2/issue/"
                 f"{10000 + i}", "key": f"PAY-{3000 + i}",
                 "fields": {"summary": summary, "description": desc,
                            "status": {"name": r.choice(("To Do", "In Progress", "In Review", "Done")),
                                       "statusCategory": {"id": r.randint(2, 4), "key": "indeterminate",
                                                          "colorName": "yellow"}},
                            "priority": {"name": r.choice(("Highest", "High", "Medium", "Low")),
                                         "id": str(r.randint(1, 5))},
                            "assignee": {"displayName": who, "emailAddress": who.split()[0].lower() + "@acme.example",
                                         "accountId": f"5b10{r.getrandbits(64):016x}", "active": True},
                            "reporter": {"displayName": r.choice(_PEOPLE), "accountId": f"5b10{r.getrandbits(64):016x}"},
                            "labels": sorted(r.sample(("regression", "customer-reported", "sev2", "sev3", "payments",
                                                       "frontend", "backend", "needs-triage"), 2)),
                            "components": [{"name": area, "id": str(r.randint(10000, 10100))}],
                            "created": f"2026-11-{r.randint(1, 28):02d}T10:{r.randint(10, 59)}:00.000+0000",
                            "updated": f"2026-11-{r.randint(1, 28):02d}T16:{r.randint(10, 59)}:00.000+0000"}}
        issues.append(issue)
    return json.dumps({"expand": "schema,names", "startAt": 0, "maxResults": n, "total": n, "issues": issues}), \
        issues[t_at]


def w_tickets() -> W:
    r = random.Random(7104)
    out, target = tickets(r)
    q = ("Support says shoppers are charged twice if they hit Back while the bank's 3DS verification is showing. "
         "Do we already have a ticket for this? Who owns it and what's its priority?")
    body = codex_request(q, "curl -s -H @auth.hdr 'https://acme.atlassian.example/rest/api/2/search?jql=project=PAY"
                            "&maxResults=110'", out, seed=7104)
    return W("tickets", "openai_responses", body, [target["key"], target["fields"]["assignee"]["displayName"]],
             item=compact(target), kind="nested json listing, one ticket by paraphrase")


def payment_events(r: random.Random, n: int = 700) -> tuple[str, str]:
    lines = []
    t_at = r.randrange(n // 3, n - 50)
    target = ""
    for i in range(n):
        typ = r.choices(("charge.succeeded", "payout.paid", "charge.refunded", "invoice.paid", "charge.failed"),
                        (60, 10, 8, 18, 4))[0]
        obj = {"id": f"{typ.split('.')[0][:2]}_{r.getrandbits(72):018x}", "amount": r.randint(100, 90000),
               "currency": r.choice(("usd", "eur", "gbp")), "status": typ.split(".")[1]}
        if typ == "charge.failed":
            obj["failure_code"] = r.choice(("card_declined", "expired_card", "incorrect_cvc"))
            obj["failure_message"] = "Your card was declined."
        if i == t_at:
            typ = "payout.failed"
            obj = {"id": "po_1QaZ8xL2mT4k9Rv0", "amount": 1284550, "currency": "eur", "status": "failed",
                   "failure_code": "account_closed",
                   "failure_message": "The bank account has been closed."}
        ev = {"id": f"evt_{r.getrandbits(80):020x}", "type": typ, "created": 1764547200 + i * 37,
              "livemode": True, "data": {"object": obj}}
        s = json.dumps(ev, separators=(",", ":"))
        lines.append(s)
        if i == t_at:
            target = s
    return "\n".join(lines) + "\n", target


def w_payment_events() -> W:
    r = random.Random(7105)
    out, target = payment_events(r)
    q = ("Finance says one payout bounced with account_closed yesterday. Which payout was it and for how much?")
    body = chat_request(q, "stripe events list --limit 700 --format ndjson", out, seed=7105)
    return W("payment_events", "openai_chat", body, ["po_1QaZ8xL2mT4k9Rv0", "1284550"], item=target,
             kind="ndjson, one event by its error code")


# ------------------------------------------------------------------------------------------ synthetic: logs
def w_journal() -> W:
    r = random.Random(7106)
    out, needles = journal(r)
    q = "The search indexer on web-07 died sometime after 2am last night. Why?"
    body = claude_request(q, "I'll read the machine's journal for that window.",
                          "journalctl --since '2026-12-02 01:00' --until '2026-12-02 05:00' --no-pager", out,
                          seed=7106)
    return W("journal_oom", "anthropic", body, needles, kind="incident log, one event in a journal")


def nginx_access(r: random.Random, n: int = 2400) -> tuple[str, str]:
    out = []
    t_at = r.randrange(n // 2, n - 100)
    target = ""
    paths = ("/api/v2/orders", "/api/v2/orders/{}", "/api/v2/cart", "/static/app.{}.js", "/healthz",
             "/api/v2/search?q={}", "/login", "/api/v2/users/me")
    for i in range(n):
        ip = f"{r.randint(11, 220)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        p = r.choice(paths).format(r.getrandbits(24))
        st = r.choices((200, 304, 301, 404, 500), (85, 6, 3, 5, 1))[0]
        sec = i * 3600 // n
        ts = f"02/Dec/2026:14:{sec // 60:02d}:{sec % 60:02d} +0000"
        ua = r.choice(("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
                       "curl/8.5.0", "okhttp/4.12.0", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)"))
        line = (f'{ip} - - [{ts}] "GET {p} HTTP/1.1" {st} {r.randint(200, 90000)} "-" "{ua}" '
                f'rt={r.uniform(0.001, 0.9):.3f} uct="0.000" urt="{r.uniform(0.001, 0.9):.3f}"')
        if i == t_at:
            line = (f'203.0.113.77 - acme-exports [{ts}] "POST /api/v2/export?format=parquet HTTP/1.1" 504 562 "-" '
                    f'"acme-sync/3.2" rt=60.001 uct="0.001" urt="60.000"')
            target = line
        out.append(line)
    return "\n".join(out) + "\n", target


def w_nginx() -> W:
    r = random.Random(7107)
    out, target = nginx_access(r)
    q = ("A customer's nightly export job got a gateway timeout from us around 14:40 today. Can you find that "
         "request in the access log and tell me how long the upstream took?")
    body = codex_request(q, "tail -n 2400 /var/log/nginx/access.log", out, seed=7107)
    return W("nginx_access", "openai_responses", body, [target], kind="access log, one request by its symptom")


def go_test(r: random.Random, n: int = 380) -> tuple[str, list[str]]:
    out = []
    pkgs = ("github.com/acme/walrus/internal/wal", "github.com/acme/walrus/internal/index",
            "github.com/acme/walrus/pkg/codec")
    fail_at = r.randrange(n // 3, n - 30)
    needles = []
    k = 0
    for pi, pkg in enumerate(pkgs):
        failed = False
        for j in range(n // 3):
            name = f"Test{r.choice(('Append', 'Replay', 'Encode', 'Decode', 'Seek', 'Compact'))}" \
                   f"{r.choice(('Empty', 'Large', 'Concurrent', 'Corrupt', 'Unicode', 'Sparse'))}{j}"
            out.append(f"=== RUN   {name}")
            if k == fail_at:
                failed = True
                msg = (f"    replay_test.go:214: replayed 4095 entries, want 4096 (last segment "
                       f"00000000000000a7.wal not fsynced before rotate)")
                out += [msg, f"--- FAIL: {name} (0.{r.randint(10, 99)}s)"]
                needles = [f"--- FAIL: {name}", msg.strip()]
            else:
                out.append(f"--- PASS: {name} (0.{r.randint(0, 99):02d}s)")
            k += 1
        out.append("FAIL" if failed else "PASS")
        out.append(f"{'FAIL' if failed else 'ok  '}\t{pkg}\t{r.uniform(0.2, 4):.3f}s")
        if failed:
            needles.append(f"FAIL\t{pkg}")
    return "\n".join(out) + "\n", needles


def w_go_test() -> W:
    r = random.Random(7108)
    out, needles = go_test(r)
    body = chat_request("Run the Go tests and tell me what broke.", "go test -v ./...", out, seed=7108)
    return W("go_test", "openai_chat", body, needles, kind="test output, one failure")


# ------------------------------------------------------------------------------------------ real captures
def w_pytest_real() -> W:
    out = data("pytest_packaging.txt")
    needles = [line_of(out, "FAILED tests/test_versions.py::test_specifier_contains"),
               line_of(out, "FAILED tests/test_versions.py::test_epoch_sorts_first"),
               line_of(out, "E       AssertionError: assert '1.4.2' == '1.4.2+deadbeef'"),
               "3 failed, 201 passed"]
    body = claude_request("I upgraded packaging and some of our version tests broke. Which ones, and why?",
                          "Running the tests.", "python -m pytest -v tests", "Exit code 1\n" + out, seed=7201)
    return W("pytest_real", "anthropic", body, needles, kind="test output (real pytest, real failures)")


def w_node_test() -> W:
    out = data("node_test.txt")
    needles = ['slugify("ÆON Flux") #0', line_of(out, "ℹ fail 6"), line_of(out, "ℹ pass")]
    body = codex_request("Run the JS unit tests; anything failing?", "node --test lib.test.mjs", out, seed=7202,
                         code=1)
    return W("node_test", "openai_responses", body, needles, kind="test output (real node --test)")


def w_git_log_p() -> W:
    out = data("git_log_p_rich.txt")
    needles = [line_of(out, "-    refresh_per_second: float = 10,"), line_of(out, "+    refresh_per_second: float = 4,"),
               "progress: refresh less often by default to cut terminal writes"]
    body = codex_request("Which recent commit changed how often the progress bar refreshes, and to what value?",
                         "git log -p -2", out, seed=7203)
    return W("git_log_p", "openai_responses", body, needles, kind="diff (real git log -p)")


def w_git_diff_small() -> W:
    out = data("git_diff_rich.txt")
    body = claude_request("What's uncommitted right now?", "Checking the working tree.", "git diff", out, seed=7204)
    return W("git_diff_small", "anthropic", body, ["+def strip_markup(text: str) -> str:",
                                                   '+        self.end = end or "\\n"'], kind="small diff (real)")


def w_git_log_stat() -> W:
    out = data("git_log_stat_rich.txt")
    needles = [line_of(out, "files changed"), "rich/console.py"]
    body = chat_request("How many files did the cell_width rename touch?", "git log --stat -3", out, seed=7205)
    return W("git_log_stat", "openai_chat", body, needles, kind="git log --stat (real)")


def w_grep_proxy() -> W:
    out = data("grep_proxy.txt")
    needles = [line_of(out, "httpx/_utils.py:47:"), line_of(out, "requests/sessions.py:847:")]
    q = "How do httpx and requests each decide which hosts bypass the proxy (NO_PROXY)?"
    body = claude_request(q, "Searching the installed libraries.",
                          "cd .venv/lib/python3.11/site-packages && grep -rn --include='*.py' -i proxy httpx "
                          "httpcore requests urllib3", out, seed=7206)
    return W("grep_proxy", "anthropic", body, needles, kind="search results (real grep -rn)")


def w_grep_defs() -> W:
    out = data("grep_defs_rich.txt")
    needles = [line_of(out, "rich/console.py:2352:"), line_of(out, "rich/cells.py:98:")]
    q = "Where are Console.export_svg and the module-level cell_len function defined in rich?"
    body = codex_request(q, "grep -rn --include='*.py' 'def ' rich", out, seed=7207)
    return W("grep_defs", "openai_responses", body, needles, kind="search results (real grep -rn), named symbols")


def w_pip_inspect() -> W:
    out = data("pip_inspect.txt")
    meta = json.loads(out)
    target = next(m for m in meta if m["name"] == "tenacity")
    q = ("Which of the installed packages is the retry-until-it-succeeds one? What version is it and which Python "
         "does it require?")
    cmd = ("pip inspect --local | jq '[.installed[].metadata | {name, version, summary, requires_python, "
           "requires_dist}]'")
    body = chat_request(q, cmd, out, seed=7208)
    return W("pip_inspect", "openai_chat", body, ['"tenacity"', target["version"]], item=compact(target),
             kind="json listing (real pip inspect), one item by paraphrase")


def w_pip_inspect_named() -> W:
    from headroom_cli.corpus_real import PIP_QUESTIONS

    out = data("pip_inspect.txt")
    recs = {m["name"]: m for m in json.loads(out)}
    cmd = ("pip inspect --local | jq '[.installed[].metadata | {name, version, summary, requires_python, "
           "requires_dist}]'")
    body = claude_request(PIP_QUESTIONS, "Checking the installed packages.", cmd, out, seed=7215)
    return W("pip_inspect_named", "anthropic", body, ['"tenacity"', '"rich"'], item=compact(recs["tenacity"]),
             kind="json listing (real pip inspect), two items by name in a many-question request")


def w_ls_stdlib() -> W:
    out = data("ls_stdlib.txt")
    body = claude_request("When was tarfile.py last modified and how big is it?", "Listing the stdlib folder.",
                          "ls -la --time-style=long-iso /usr/lib/python3.11", out, seed=7209)
    return W("ls_stdlib", "anthropic", body, [line_of(out, " tarfile.py")], kind="listing (real ls -la)")


def w_ls_small() -> W:
    out = data("ls_small.txt")
    body = codex_request("List the files of the json package.", "ls -la /usr/lib/python3.11/json", out, seed=7210)
    return W("ls_small", "openai_responses", body, [line_of(out, "decoder.py")], kind="small listing (real)")


def w_app_log() -> W:
    out = data("app_log.txt")
    needles = [line_of(out, "settlement crashed for invoice 41111"), "KeyError: 'initech'",
               line_of(out, 'return cfg[invoice["tenant"]]["currency"]')]
    q = "Settlement crashed for one of initech's invoices this morning. What's the error and where does it come from?"
    body = chat_request(q, "tail -n 2000 /srv/billing/worker.log", out, seed=7211)
    return W("app_log_traceback", "openai_chat", body, needles, kind="incident log (real logging, tracebacks)")


def _stdlib(name: str) -> tuple[str, list[str]]:
    path = str(Path(os.__file__).parent / name)
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return path, lines


def w_read_shutil() -> W:
    path, lines = _stdlib("shutil.py")
    needles = [ln.strip() for ln in lines if ln.startswith("def copytree(")] + \
              [ln.strip() for ln in lines if "os.makedirs(dst, exist_ok=dirs_exist_ok)" in ln]
    body = claude_body("What does shutil.copytree do when the destination already exists and dirs_exist_ok is "
                       "set? Show me in the stdlib source.", [("Read", {"file_path": path}, numbered(lines))],
                       seed=72)
    return W("read_shutil", "anthropic", body, needles, kind="stdlib read (real file), one function")


def w_read_tarfile() -> W:
    path, lines = _stdlib("tarfile.py")
    needles = [ln.strip() for ln in lines if ln.strip().startswith("def extractall(")] + \
              [ln.strip() for ln in lines if ln.strip().startswith("def _get_filter_function(")]
    body = chat_request("How does TarFile.extractall pick the extraction filter when none is given?",
                        f"cat {path}", "\n".join(lines) + "\n", seed=7212)
    return W("read_tarfile", "openai_chat", body, needles, kind="stdlib read (real file via cat), one method")


def w_read_argparse_codex() -> W:
    path, lines = _stdlib("argparse.py")
    start = next(i for i, ln in enumerate(lines) if ln.strip().startswith("def parse_known_args("))
    chunk = lines[start - 40:start + 260]
    needles = [lines[start].strip(), next(ln.strip() for ln in chunk if "_parse_known_args(args, namespace)" in ln)]
    body = codex_request("Where does argparse's parse_known_args hand off to the internal parser?",
                         f"sed -n '{start - 39},{start + 260}p' {path}", "\n".join(chunk) + "\n", seed=7213)
    return W("read_argparse", "openai_responses", body, needles, kind="stdlib read (sed -n range), one method")


def w_small_json() -> W:
    pr = {"number": 4211, "title": "wal: fsync the last segment before rotating", "state": "OPEN",
          "author": {"login": "dreyes"}, "headRefName": "fix/wal-fsync", "baseRefName": "main", "additions": 41,
          "deletions": 7, "mergeable": "MERGEABLE", "reviewDecision": "REVIEW_REQUIRED",
          "statusCheckRollup": [{"name": n, "conclusion": c, "workflowName": "CI"} for n, c in
                                (("lint", "SUCCESS"), ("test (ubuntu)", "SUCCESS"), ("test (macos)", "FAILURE"),
                                 ("test (windows)", "SUCCESS"), ("bench", "SKIPPED"), ("docs", "SUCCESS"))],
          "labels": [{"name": "bug"}, {"name": "storage"}]}
    out = json.dumps(pr, indent=2)
    body = chat_request("What's the state of PR 4211's checks?", "gh pr view 4211 --json number,title,state,author,"
                        "headRefName,baseRefName,additions,deletions,mergeable,reviewDecision,statusCheckRollup,labels",
                        out, seed=7214)
    return W("small_pr_json", "openai_chat", body, ['"test (macos)"', '"FAILURE"'], kind="small json")


BUILDERS = (w_npm_search, w_k8s_events, w_ci_runs, w_tickets, w_payment_events, w_journal, w_nginx, w_go_test,
            w_pytest_real, w_node_test, w_git_log_p, w_git_diff_small, w_git_log_stat, w_grep_proxy, w_grep_defs,
            w_pip_inspect, w_pip_inspect_named, w_ls_stdlib, w_ls_small, w_app_log, w_read_shutil, w_read_tarfile, w_read_argparse_codex,
            w_small_json)




# ------------------------------------------------------------------------------------------ dev, second batch
def repo_list(r: random.Random, n: int = 150) -> tuple[str, dict]:
    topics = ("api", "web", "infra", "data", "ml", "docs", "sdk", "cli", "ops", "auth")
    repos = []
    t_at = r.randrange(30, n - 30)
    for i in range(n):
        a, b = r.sample(topics, 2)
        name = f"{a}-{b}-{r.choice(('service', 'tools', 'lib', 'config', 'charts'))}"
        desc = f"{a.upper()} {r.choice(('helpers', 'service', 'pipelines', 'dashboards', 'templates'))} for {b}"
        if i == t_at:
            name, desc = "netmods", "Terraform modules for VPCs, subnets, NAT gateways and peering"
        repos.append({"name": name, "nameWithOwner": f"acme/{name}", "description": desc,
                      "isPrivate": r.random() < 0.7, "isArchived": r.random() < 0.1,
                      "primaryLanguage": {"name": r.choice(("Go", "Python", "HCL", "TypeScript", "Rust"))},
                      "pushedAt": f"2026-{r.randint(1, 11):02d}-{r.randint(1, 28):02d}T12:00:00Z",
                      "stargazerCount": r.randint(0, 90), "url": f"https://github.com/acme/{name}"})
    return json.dumps(repos, indent=2), repos[t_at]


def d_repo_list() -> W:
    r = random.Random(7301)
    out, target = repo_list(r)
    q = "Which of our repos has the Terraform code for the VPC and subnet setup? When was it last pushed?"
    body = chat_request(q, "gh repo list acme --limit 150 --json name,nameWithOwner,description,isPrivate,isArchived,"
                           "primaryLanguage,pushedAt,stargazerCount,url", out, seed=7301)
    return W("repo_list", "openai_chat", body, [target["pushedAt"]], item=compact(target),
             kind="json listing, one repo by what it holds")


def tls_log(r: random.Random, n: int = 1800) -> tuple[str, list[str]]:
    out = []
    t_at = r.randrange(n // 2, n - 50)
    needles = []
    for i in range(n):
        ts = f"2026-12-02T06:{i * 60 // n:02d}:{(i * 17) % 60:02d}.{r.randint(0, 999):03d}Z"
        k = r.random()
        if k < 0.7:
            out.append(f"{ts} INFO  gateway upstream=orders-api status=200 dur={r.randint(3, 90)}ms")
        elif k < 0.95:
            out.append(f"{ts} ERROR gateway upstream=orders-api error=\"read tcp 10.2.0.{r.randint(2, 250)}:"
                       f"{r.randint(30000, 60000)}->10.2.9.14:443: read: connection reset by peer\"")
        else:
            out.append(f"{ts} WARN  gateway retrying upstream=orders-api attempt={r.randint(2, 4)}")
        if i == t_at:
            line = (f"{ts} ERROR gateway upstream=partner-billing error=\"x509: certificate has expired or is not "
                    f"yet valid: current time 2026-12-02T06:31:07Z is after 2026-12-01T23:59:59Z\"")
            out.append(line)
            needles = [line]
    return "\n".join(out) + "\n", needles


def d_tls_log() -> W:
    r = random.Random(7302)
    out, needles = tls_log(r)
    q = "Calls to the partner billing API have been failing since this morning with a TLS handshake problem. Why?"
    body = codex_request(q, "kubectl logs deploy/gateway --since=1h", out, seed=7302)
    return W("tls_log", "openai_responses", body, needles, kind="log, one error among many errors")


def jest_out(r: random.Random, n: int = 60) -> tuple[str, list[str]]:
    out = []
    needles = []
    fail_at = r.randrange(10, n - 10)
    for i in range(n):
        f = f"src/{r.choice(('cart', 'search', 'auth', 'profile'))}/{r.choice(('utils', 'hooks', 'api', 'store'))}{i}.test.ts"
        if i == fail_at:
            out += [f"FAIL {f}", "  ● cart totals › applies the member discount before tax", "",
                    "    expect(received).toBe(expected) // Object.is equality", "",
                    "    Expected: 90.75", "    Received: 92.5", "",
                    "      40 |     const total = computeTotal(cart, { member: true });",
                    "    > 41 |     expect(total).toBe(90.75);", "         |                   ^",
                    "      42 |   });", "", f"      at Object.<anonymous> ({f}:41:19)", ""]
            needles = [f"FAIL {f}", "  ● cart totals › applies the member discount before tax", "    Received: 92.5"]
        else:
            out.append(f"PASS {f}")
            for j in range(r.randint(2, 6)):
                out.append(f"  ✓ {r.choice(('renders', 'handles', 'returns', 'rejects'))} case {j} ({r.randint(1, 40)} ms)")
    out += ["", "Test Suites: 1 failed, 59 passed, 60 total", f"Tests:       1 failed, {r.randint(200, 300)} passed",
            "Snapshots:   0 total", "Time:        14.218 s", "Ran all test suites."]
    needles.append("Test Suites: 1 failed, 59 passed, 60 total")
    return "\n".join(out) + "\n", needles


def d_jest() -> W:
    r = random.Random(7303)
    out, needles = jest_out(r)
    body = claude_request("Run the frontend tests and fix whatever fails.", "Running jest.", "npx jest --verbose",
                          "Exit code 1\n" + out, seed=7303)
    return W("jest_verbose", "anthropic", body, needles, kind="test output (jest), one failure")


def tf_text_plan(r: random.Random, n: int = 90) -> tuple[str, list[str]]:
    out = ["Terraform used the selected providers to generate the following execution plan. Resource actions are",
           "indicated with the following symbols:", "  ~ update in-place", "-/+ destroy and then create replacement",
           "", "Terraform will perform the following actions:", ""]
    t_at = r.randrange(20, n - 10)
    needles = []
    for i in range(n):
        nm = f"module.edge.aws_security_group_rule.ingress_{i}"
        if i == t_at:
            block = ["  # module.data.aws_db_instance.orders_primary must be replaced",
                     "-/+ resource \"aws_db_instance\" \"orders_primary\" {",
                     "      ~ arn                   = \"arn:aws:rds:eu-west-1:123456789012:db:orders-primary\" -> (known after apply)",
                     "      ~ storage_encrypted     = false -> true # forces replacement",
                     "        # (41 unchanged attributes hidden)", "    }", ""]
            out += block
            needles = [block[0], block[3]]
            continue
        out += [f"  # {nm} will be updated in-place", f"  ~ resource \"aws_security_group_rule\" \"ingress_{i}\" {{",
                f"      ~ description = \"allow {r.choice(('https', 'ssh', 'grpc'))} from office\" -> \"allow from vpn\"",
                f"        id          = \"sgrule-{r.getrandbits(32)}\"", "        # (8 unchanged attributes hidden)",
                "    }", ""]
    out.append(f"Plan: 1 to add, {n - 1} to change, 1 to destroy.")
    needles.append(out[-1])
    return "\n".join(out) + "\n", needles


def d_tf_text() -> W:
    r = random.Random(7306)
    out, needles = tf_text_plan(r)
    body = claude_request("Is this plan safe to apply? Anything destructive?", "Planning.", "terraform plan -no-color",
                          out, seed=7306)
    return W("terraform_text_plan", "anthropic", body, needles, kind="terraform plan text, one replacement")


def _taught(f):
    return lambda: (lambda d: W(d["name"].removeprefix("heldout_"), d["protocol"], d["body"], d["needles"],
                                kind=d["description"]))(f())


d_describe, d_csv, d_pytest_many_fail = (_taught(f) for f in (corpus_heldout.w_describe, corpus_heldout.w_csv,
                                                              corpus_heldout.w_pytest_many_fail))
DEV2 = (d_repo_list, d_tls_log, d_jest, d_describe, d_csv, d_tf_text)


# ------------------------------------------------------------------------------------------ dev, third batch
def d_warn_among_errors() -> W:
    r = random.Random(7401)
    out = []
    needle = ""
    for i in range(2200):
        ts = f"2026-12-02 07:{i * 60 // 2200:02d}:{(i * 13) % 60:02d},{r.randint(0, 999):03d}"
        k = r.random()
        if k < 0.12:
            out.append(f"{ts} ERROR [celery.worker] Task thumbnails.render[{r.getrandbits(64):016x}] raised "
                       f"unexpected: TimeoutError('render took longer than 30s')")
        elif k < 0.2:
            out.append(f"{ts} ERROR [payments.client] POST https://psp.example/v1/charges failed: 503 Service "
                       f"Unavailable (attempt {r.randint(1, 3)}/3)")
        else:
            out.append(f"{ts} INFO  [web.access] {r.choice(('GET', 'POST'))} /api/{r.choice(('cart', 'orders', 'me'))} "
                       f"200 {r.randint(2, 400)}ms")
        if i == 1500:
            needle = (f"{ts} WARNING [db.pool] connection pool exhausted (size=20, overflow=10, waiting=57); "
                      f"requests will queue")
            out.append(needle)
    body = claude_request("Every request to the API got slow at about 07:40 — not failing, just slow. What happened?",
                          "Reading the app log.", "tail -n 2500 /var/log/app/app.log", "\n".join(out) + "\n",
                          seed=7401)
    return W("warn_among_errors", "anthropic", body, [needle], kind="incident log, the warning among errors")


def d_json_log_exc() -> W:
    r = random.Random(7402)
    out = []
    needles = []
    for i in range(900):
        rec = {"ts": f"2026-12-02T05:{i * 60 // 900:02d}:{i % 60:02d}Z", "level": "info", "logger": "api",
               "msg": "request done", "path": r.choice(("/v1/cart", "/v1/items", "/v1/me")),
               "status": 200, "ms": r.randint(2, 200)}
        if i % 97 == 13:
            rec.update(level="error", msg="upstream timeout", status=504)
        if i == 640:
            exc = ("Traceback (most recent call last):\n  File \"/app/api/export.py\", line 212, in build_report\n"
                   "    rows = fetch_rows(tenant_id, since)\n  File \"/app/api/export.py\", line 97, in fetch_rows\n"
                   "    return cursor.fetchmany(size=PAGE)\npsycopg.errors.QueryCanceled: canceling statement due to "
                   "statement timeout")
            rec = {"ts": "2026-12-02T05:42:41Z", "level": "error", "logger": "api.export", "msg": "report failed",
                   "tenant": "initech", "exc_info": exc}
            needles = [json.dumps(rec["exc_info"])[1:-1].split("\\n")[-1], '"tenant": "initech"'.replace(" ", "")]
        out.append(json.dumps(rec, separators=(",", ":")))
    body = codex_request("Initech's monthly report export failed this morning. What's the exception?",
                         "kubectl logs deploy/api --since=3h", "\n".join(out) + "\n", seed=7402)
    return W("json_log_exc", "openai_responses", body, needles, kind="ndjson log, exception in a field")


def d_cargo() -> W:
    r = random.Random(7404)
    out = ["   Compiling walrus v0.4.2 (/home/dev/walrus)", "    Finished test [unoptimized + debuginfo] target(s) in 8.21s",
           "     Running unittests src/lib.rs (target/debug/deps/walrus-3f1c2a9e0b7d4c55)", "", "running 240 tests"]
    for i in range(240):
        nm = f"wal::tests::{r.choice(('append', 'replay', 'seek', 'rotate'))}_{i}"
        out.append(f"test {nm} ... {'FAILED' if i == 177 else 'ok'}")
    out += ["", "failures:", "", "---- wal::tests::rotate_177 stdout ----",
            "thread 'wal::tests::rotate_177' panicked at src/wal.rs:311:9:",
            "assertion `left == right` failed: segment not fsynced before rotate", "  left: 4095", " right: 4096",
            "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace", "", "", "failures:",
            "    wal::tests::rotate_177", "",
            "test result: FAILED. 239 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.42s", "",
            "error: test failed, to rerun pass `--lib`"]
    body = chat_request("cargo test is red, what broke?", "cargo test", "\n".join(out) + "\n", seed=7404)
    return W("cargo_test", "openai_chat", body,
             ["thread 'wal::tests::rotate_177' panicked at src/wal.rs:311:9:",
              "assertion `left == right` failed: segment not fsynced before rotate",
              "test result: FAILED. 239 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.42s"],
             kind="test output (cargo)")


def d_big_diff() -> W:
    r = random.Random(7405)
    out = []
    needles = []
    for f in range(36):
        path = f"src/{r.choice(('api', 'core', 'db', 'util'))}/mod_{f}.py"
        out += [f"diff --git a/{path} b/{path}", f"index {r.getrandbits(28):07x}..{r.getrandbits(28):07x} 100644",
                f"--- a/{path}", f"+++ b/{path}"]
        for h in range(3):
            ln = r.randint(10, 400)
            out.append(f"@@ -{ln},7 +{ln},7 @@ def helper_{f}_{h}(ctx):")
            out += [f"     value_{j} = ctx.get('k{j}')" for j in range(3)]
            if f == 22 and h == 1:
                a, b = "-    timeout = settings.get('export_timeout', 30)", \
                    "+    timeout = settings.get('export_timeout', 300)"
                out += [a, b]
                needles = [a, b]
                out[-3 - 3] = f"@@ -{ln},7 +{ln},7 @@ def export_report(ctx, tenant):"
                needles.append(out[-3 - 3])
            else:
                out += [f"-    log.debug('step {h} of {f}')", f"+    log.debug('step %s of %s', {h}, {f})"]
            out += [f"     return value_{j}" for j in range(2)]
    body = codex_request("Did anything in this branch change the export report's timeout?", "git diff main...HEAD",
                         "\n".join(out) + "\n", seed=7405)
    return W("big_diff_export", "openai_responses", body, needles, kind="diff, one asked change among 108 hunks")


def d_grep_context() -> W:
    out = data("grep_defs_rich.txt").split("\n")
    # grep -rn -C1 style: group separators and context lines
    ctx_out = []
    for i, ln in enumerate(out[:600]):
        if not ln:
            continue
        path, num, rest = ln.split(":", 2)
        ctx_out += [f"{path}-{int(num) - 1}-", ln, f"{path}-{int(num) + 1}-        \"\"\"{rest.strip()[4:30]}\"\"\"", "--"]
    text = "\n".join(ctx_out) + "\n"
    target = next(l for l in ctx_out if "def export_html(" in l)
    body = claude_request("Where is export_html defined in rich, and what does its docstring say?", "Searching.",
                          "grep -rn -C1 'def ' rich", text, seed=7406)
    return W("grep_context", "anthropic", body, [target], kind="search results with context lines")


def d_read_typing() -> W:
    path, lines = _stdlib("typing.py")
    needles = [ln.strip() for ln in lines if ln.startswith("def get_type_hints(")] + \
              [ln.strip() for ln in lines if ln.strip().startswith("def _eval_type(")]
    body = claude_body("How does typing.get_type_hints resolve string annotations? Read the stdlib source.",
                       [("Read", {"file_path": path}, numbered(lines))], seed=74)
    return W("read_typing", "anthropic", body, needles, kind="stdlib read (real file), one function")


DEV3 = (d_warn_among_errors, d_json_log_exc, d_pytest_many_fail, d_cargo, d_big_diff, d_grep_context, d_read_typing)

# ------------------------------------------------------------------------------------------ the untouched set
# Written and captured before any fix of this round, and never looked into while fixing: the honest measure.
def dependabot_alerts(r: random.Random, n: int = 90) -> tuple[str, dict]:
    pkgs = ("lodash", "minimist", "axios", "semver", "ws", "follow-redirects", "tough-cookie", "word-wrap",
            "json5", "qs", "express", "jsonwebtoken", "undici", "braces", "micromatch", "path-to-regexp")
    kinds = ("Prototype Pollution in {p}", "Regular Expression Denial of Service in {p}",
             "{p} vulnerable to Inefficient Regular Expression Complexity", "Server-Side Request Forgery in {p}",
             "{p} allows an attacker to bypass the allow-list", "Uncontrolled resource consumption in {p}")
    alerts = []
    t_at = r.randrange(20, n - 20)
    for i in range(n):
        p = r.choice(pkgs)
        summary = r.choice(kinds).format(p=p)
        sev = r.choice(("low", "medium", "high", "critical"))
        if i == t_at:
            p, summary, sev = "undici", ("undici leaks the Proxy-Authorization header to the origin after a "
                                         "cross-origin redirect"), "high"
        ghsa = f"GHSA-{r.getrandbits(20):05x}-{r.getrandbits(20):05x}-{r.getrandbits(20):05x}"[:19]
        cve = f"CVE-2026-{r.randint(10000, 49999)}"
        adv = {"ghsa_id": ghsa, "cve_id": cve, "summary": summary,
               "description": f"{summary}. Versions before the patched release are affected when untrusted input "
                              f"reaches the affected code path; upgrade to the first patched version.",
               "severity": sev, "identifiers": [{"value": ghsa, "type": "GHSA"}, {"value": cve, "type": "CVE"}],
               "references": [{"url": f"https://nvd.nist.example/vuln/detail/{cve}"}],
               "published_at": f"2026-{r.randint(1, 11):02d}-{r.randint(1, 28):02d}T12:00:00Z",
               "cvss": {"vector_string": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
                        "score": round(r.uniform(3, 9.8), 1)}, "cwes": [{"cwe_id": f"CWE-{r.randint(20, 900)}"}]}
        alert = {"number": 300 - i, "state": r.choice(("open", "open", "dismissed", "fixed")),
                 "dependency": {"package": {"ecosystem": "npm", "name": p},
                                "manifest_path": r.choice(("package-lock.json", "web/package-lock.json")),
                                "scope": r.choice(("runtime", "development"))},
                 "security_advisory": adv,
                 "security_vulnerability": {"package": {"ecosystem": "npm", "name": p}, "severity": sev,
                                            "vulnerable_version_range": f"< {r.randint(1, 9)}.{r.randint(0, 20)}.0",
                                            "first_patched_version": {"identifier": f"{r.randint(1, 9)}."
                                                                                    f"{r.randint(0, 20)}.1"}},
                 "url": f"https://api.github.com/repos/acme/shop/dependabot/alerts/{300 - i}",
                 "created_at": f"2026-11-{r.randint(1, 28):02d}T08:00:00Z"}
        alerts.append(alert)
    return json.dumps(alerts, indent=2), alerts[t_at]


def f_dependabot() -> W:
    r = random.Random(9101)
    out, target = dependabot_alerts(r)
    q = ("Security flagged something about undici sending our proxy credentials to another site after a redirect. "
         "Which alert is that, how severe, and what version fixes it?")
    body = claude_request(q, "Listing the repository's Dependabot alerts.",
                          "gh api /repos/acme/shop/dependabot/alerts --paginate", out, seed=9101)
    return W("f_dependabot", "anthropic", body, [str(target["number"]), target["security_advisory"]["ghsa_id"]],
             item=compact(target), kind="nested json, one alert by paraphrase")


def terraform_plan(r: random.Random, n: int = 140) -> tuple[str, dict]:
    changes = []
    t_at = r.randrange(30, n - 20)
    types = ("aws_iam_role_policy", "aws_s3_bucket_policy", "aws_security_group_rule", "aws_lambda_function",
             "aws_cloudwatch_log_group", "aws_route53_record", "aws_ssm_parameter")
    for i in range(n):
        t = r.choice(types)
        nm = f"{r.choice(('api', 'worker', 'etl', 'web', 'cron'))}_{r.choice(('a', 'b', 'main', 'blue'))}_{i}"
        actions = r.choices((["no-op"], ["update"], ["create"]), (70, 22, 8))[0]
        if i == t_at:
            t, nm, actions = "aws_db_instance", "orders_primary", ["delete", "create"]
        before = {"tags": {"team": "core", "env": "prod"}, "name": nm} if actions != ["create"] else None
        after = {"tags": {"team": "core", "env": "prod"}, "name": nm} if actions != ["delete"] else None
        ch = {"address": f"module.{r.choice(('core', 'edge', 'data'))}.{t}.{nm}", "mode": "managed", "type": t,
              "name": nm, "provider_name": "registry.terraform.io/hashicorp/aws",
              "change": {"actions": actions, "before": before, "after": after, "after_unknown": {},
                         "before_sensitive": {}, "after_sensitive": {}}}
        if i == t_at:
            ch["address"] = "module.data.aws_db_instance.orders_primary"
            ch["change"]["before"] = {"engine_version": "15.4", "instance_class": "db.r6g.xlarge",
                                      "storage_encrypted": False, "identifier": "orders-primary"}
            ch["change"]["after"] = {"engine_version": "15.4", "instance_class": "db.r6g.xlarge",
                                     "storage_encrypted": True, "identifier": "orders-primary"}
            ch["action_reason"] = "replace_because_cannot_update"
            ch["change"]["replace_paths"] = [["storage_encrypted"]]
        changes.append(ch)
    plan = {"format_version": "1.2", "terraform_version": "1.9.8", "resource_changes": changes,
            "configuration": {"provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws"}}}}
    return json.dumps(plan), changes[t_at]


def f_terraform() -> W:
    r = random.Random(9102)
    out, target = terraform_plan(r)
    q = "Before I apply: does this plan destroy or replace anything important? If so, what and why?"
    body = codex_request(q, "terraform show -json plan.out", out, seed=9102)
    return W("f_terraform_plan", "openai_responses", body, [target["address"], "replace_because_cannot_update"],
             item=compact(target), kind="json, the one destructive change")


def sentry_issues(r: random.Random, n: int = 120) -> tuple[str, dict]:
    errs = (("TypeError", "Cannot read properties of null (reading 'id')"), ("ChunkLoadError", "Loading chunk 812 failed."),
            ("NetworkError", "Failed to fetch"), ("RangeError", "Maximum call stack size exceeded"),
            ("SyntaxError", "Unexpected token '<'"), ("Error", "ResizeObserver loop limit exceeded"))
    out = []
    t_at = r.randrange(20, n - 20)
    for i in range(n):
        typ, val = r.choice(errs)
        culprit = f"app/{r.choice(('cart', 'search', 'profile', 'checkout'))}/{r.choice(('index', 'hooks', 'api'))}.ts"
        if i == t_at:
            typ, val, culprit = "TypeError", "Cannot read properties of undefined (reading 'currency')", \
                "app/checkout/summary.ts in formatTotal"
        out.append({"id": str(4100000000 + r.randint(0, 10**8)), "shortId": f"WEB-{r.randint(100, 9999):X}",
                    "title": f"{typ}: {val}", "culprit": culprit, "level": "error",
                    "status": r.choice(("unresolved", "unresolved", "resolved")), "count": str(r.randint(1, 40000)),
                    "userCount": r.randint(1, 9000), "firstSeen": f"2026-11-{r.randint(1, 28):02d}T10:00:00Z",
                    "lastSeen": f"2026-12-0{r.randint(1, 2)}T0{r.randint(0, 9)}:00:00Z",
                    "metadata": {"type": typ, "value": val, "filename": culprit.split(" ")[0]},
                    "project": {"slug": "web", "id": "1123"}, "permalink":
                    f"https://sentry.example/organizations/acme/issues/{4100000000 + i}/"})
    return json.dumps(out, indent=2), out[t_at]


def f_sentry() -> W:
    r = random.Random(9103)
    out, target = sentry_issues(r)
    q = ("Users see \"Cannot read properties of undefined (reading 'currency')\" on the order summary. How many "
         "times has it happened and where in the code?")
    body = chat_request(q, "curl -s https://sentry.example/api/0/projects/acme/web/issues/?query=is:unresolved",
                        out, seed=9103)
    return W("f_sentry", "openai_chat", body, [target["culprit"], target["count"]], item=compact(target),
             kind="json listing, one issue by its error message")


def pg_log(r: random.Random, n: int = 2200) -> tuple[str, list[str]]:
    out = []
    t_at = r.randrange(n // 2, n - 100)
    needles = []
    for i in range(n):
        ts = f"2026-12-01 22:{(i * 60 // n):02d}:{(i * 7) % 60:02d}.{r.randint(0, 999):03d} UTC"
        pid = r.randint(1000, 9000)
        k = r.random()
        if k < 0.5:
            out.append(f"{ts} [{pid}] LOG:  duration: {r.uniform(0.1, 90):.3f} ms  statement: SELECT * FROM "
                       f"orders WHERE id = {r.randint(1, 10**6)}")
        elif k < 0.8:
            out.append(f"{ts} [{pid}] LOG:  connection authorized: user=app database=shop application_name=api")
        elif k < 0.95:
            out.append(f"{ts} [{pid}] LOG:  automatic vacuum of table \"shop.public.sessions\": index scans: 1")
        else:
            out.append(f"{ts} [{pid}] ERROR:  duplicate key value violates unique constraint \"sessions_pkey\"")
            out.append(f"{ts} [{pid}] DETAIL:  Key (id)=({r.getrandbits(40)}) already exists.")
        if i == t_at:
            lines = [f"{ts} [4242] ERROR:  deadlock detected",
                     f"{ts} [4242] DETAIL:  Process 4242 waits for ShareLock on transaction 918273; blocked by "
                     f"process 4317.",
                     f"\tProcess 4317 waits for ShareLock on transaction 918270; blocked by process 4242.",
                     f"\tProcess 4242: UPDATE inventory SET reserved = reserved + 1 WHERE sku = 'SKU-1182'",
                     f"\tProcess 4317: UPDATE inventory SET reserved = reserved - 1 WHERE sku = 'SKU-0907'",
                     f"{ts} [4242] HINT:  See server log for query details.",
                     f"{ts} [4242] CONTEXT:  while updating tuple (1203,7) in relation \"inventory\"",
                     f"{ts} [4242] STATEMENT:  UPDATE inventory SET reserved = reserved + 1 WHERE sku = 'SKU-1182'"]
            out.extend(lines)
            needles = [lines[0], lines[1], lines[3].strip(), lines[4].strip()]
    return "\n".join(out) + "\n", needles


def f_pg_log() -> W:
    r = random.Random(9104)
    out, needles = pg_log(r)
    q = "Checkout requests hung for a few seconds around 22:30 last night and then failed. Anything in Postgres?"
    body = claude_request(q, "Reading the Postgres log.", "tail -n 2400 /var/log/postgresql/postgresql-15-main.log",
                          out, seed=9104)
    return W("f_pg_deadlock", "anthropic", body, needles, kind="incident log, a multi-line event")


def java_log(r: random.Random, n: int = 1500) -> tuple[str, list[str]]:
    out = []
    t_at = r.randrange(n // 2, n - 50)
    needles = []
    for i in range(n):
        ts = f"2026-12-02 09:{i * 60 // n:02d}:{(i * 11) % 60:02d}.{r.randint(0, 999):03d}"
        th = f"http-nio-8080-exec-{r.randint(1, 40)}"
        out.append(f"{ts}  INFO 1 --- [{th}] c.a.shop.web.OrderController      : GET /orders/{r.randint(1, 10**6)} "
                   f"-> 200 ({r.randint(2, 300)} ms)")
        if r.random() < 0.02:
            out.append(f"{ts}  WARN 1 --- [{th}] o.h.engine.jdbc.spi.SqlExceptionHelper : SQL Warning Code: 0, "
                       f"SQLState: 00000")
        if i == t_at:
            lines = [f"{ts} ERROR 1 --- [{th}] o.a.c.c.C.[.[.[/].[dispatcherServlet]    : Servlet.service() for "
                     f"servlet [dispatcherServlet] threw exception",
                     "java.lang.IllegalStateException: Coupon SPRING25 already redeemed for order 88213",
                     "\tat com.acme.shop.coupons.CouponService.redeem(CouponService.java:142)",
                     "\tat com.acme.shop.checkout.CheckoutService.applyDiscounts(CheckoutService.java:97)",
                     "\tat com.acme.shop.checkout.CheckoutService.place(CheckoutService.java:61)",
                     "\tat com.acme.shop.web.CheckoutController.submit(CheckoutController.java:44)"]
            lines += [f"\tat org.springframework.web.servlet.{c}" for c in (
                "FrameworkServlet.service(FrameworkServlet.java:885)", "DispatcherServlet.doDispatch("
                "DispatcherServlet.java:1089)", "DispatcherServlet.doService(DispatcherServlet.java:979)")] * 4
            lines += ["\tat java.base/java.lang.Thread.run(Thread.java:1583)"]
            out.extend(lines)
            needles = [lines[1], lines[2].strip()]
    return "\n".join(out) + "\n", needles


def f_java_log() -> W:
    r = random.Random(9105)
    out, needles = java_log(r)
    q = "A customer couldn't place order 88213 this morning — the checkout threw. What was the exception?"
    body = codex_request(q, "kubectl logs deploy/shop-api --since=2h", out, seed=9105)
    return W("f_java_stacktrace", "openai_responses", body, needles, kind="incident log, a stack trace")


def compose_logs(r: random.Random, n: int = 1800) -> tuple[str, list[str]]:
    svcs = ("web-1", "worker-1", "worker-2", "redis-1", "db-1")
    out = []
    t_at = r.randrange(n // 2, n - 50)
    needles = []
    for i in range(n):
        s = r.choice(svcs)
        pad = s.ljust(9)
        msg = {"web-1": f"{r.randint(10, 200)}.0.0.{r.randint(1, 9)} - - \"GET /api/items HTTP/1.1\" 200 "
                        f"{r.randint(100, 9000)}",
               "worker-1": f"[tasks] Task resize_image[{r.getrandbits(64):016x}] succeeded in {r.uniform(0.01, 3):.3f}s",
               "worker-2": f"[tasks] Task send_email[{r.getrandbits(64):016x}] succeeded in {r.uniform(0.01, 3):.3f}s",
               "redis-1": f"1:M 02 Dec 2026 09:{i % 60:02d}:00.000 * {r.randint(1, 100)} changes in 60 seconds. Saving...",
               "db-1": "LOG:  checkpoint starting: time"}[s]
        out.append(f"{pad} | {msg}")
        if i == t_at:
            lines = ["worker-2  | [tasks] Task send_invoice_pdf[9f1c2a9e0b7d4c55] raised unexpected: "
                     "OSError(28, 'No space left on device')",
                     "worker-2  | Traceback (most recent call last):",
                     "worker-2  |   File \"/app/tasks/invoices.py\", line 88, in send_invoice_pdf",
                     "worker-2  |     pdf.write(path)",
                     "worker-2  | OSError: [Errno 28] No space left on device: '/tmp/invoices/INV-2026-11-0091.pdf'"]
            out.extend(lines)
            needles = [lines[0], lines[4]]
    return "\n".join(out) + "\n", needles


def f_compose_logs() -> W:
    r = random.Random(9106)
    out, needles = compose_logs(r)
    body = chat_request("Invoice PDFs stopped arriving by email. Check the containers' logs.",
                        "docker compose logs --no-color --tail 2000", out, seed=9106)
    return W("f_compose_logs", "openai_chat", body, needles, kind="interleaved service logs, one failure")


def f_click_diff() -> W:
    out = data("final_git_diff_click.txt")
    needles = [line_of(out, "+        if not args and self.no_args_is_help and not ctx.resilient_parsing and not "
                            "ctx.obj:"), line_of(out, "+def confirm_twice(text: str) -> bool:")]
    body = codex_request("Review my uncommitted changes to click: which ones change behaviour?", "git diff", out,
                         seed=9201)
    return W("f_click_diff", "openai_responses", body, needles, kind="diff (real), behaviour among mechanical edits")


def f_click_grep() -> W:
    out = data("final_git_grep_click.txt")
    needles = [line_of(out, "click/core.py:2007:")]
    q = "Where else does click check no_args_is_help against resilient parsing, besides the one I edited?"
    body = claude_request(q, "Searching.", "git grep -n 'ctx\\.'", out, seed=9202)
    return W("f_click_grep", "anthropic", body, needles, kind="search results (real git grep)")


def f_unittest() -> W:
    out = data("final_unittest.txt")
    needles = [line_of(out, "FAIL: test_iso_week_of_new_year"), "AssertionError: 53 != 1",
               line_of(out, "FAILED (failures=1)")]
    body = chat_request("Run the unit tests and explain any failure.", "python -m unittest -v test_misc", out,
                        seed=9203)
    return W("f_unittest", "openai_chat", body, needles, kind="test output (real unittest)")


def f_sqlite_csv() -> W:
    out = data("final_sqlite_csv.txt")
    body = claude_request("Order ORD-7C41A9E came back as a chargeback — who's the customer and what was the total?",
                          "Querying the orders table.", "sqlite3 -header -csv shop.db 'select * from orders'", out,
                          seed=9204)
    return W("f_sqlite_csv", "anthropic", body, [line_of(out, "ORD-7C41A9E"), line_of(out, "id,ref,customer")],
             kind="csv rows (real sqlite3), one row by its reference")


def f_read_logging() -> W:
    path, lines = _stdlib("logging/__init__.py")
    needles = [ln.strip() for ln in lines if ln.startswith("def basicConfig(")] + \
              [next(ln.strip() for ln in lines if ln.strip().startswith("force = kwargs.pop("))]
    body = claude_body("What does logging.basicConfig do with force=True? Check the stdlib source.",
                       [("Read", {"file_path": path}, numbered(lines))], seed=93)
    return W("f_read_logging", "anthropic", body, needles, kind="stdlib read (real file), one function")


def f_cat_functools() -> W:
    path, lines = _stdlib("functools.py")
    needles = [ln.strip() for ln in lines if ln.startswith("def lru_cache(")] + \
              [ln.strip() for ln in lines if ln.startswith("def _lru_cache_wrapper(")]
    body = codex_request("How does functools.lru_cache build its wrapper when maxsize is None?", f"cat {path}",
                         "\n".join(lines) + "\n", seed=9205)
    return W("f_cat_functools", "openai_responses", body, needles, kind="stdlib read (cat), one function")


def f_small_status() -> W:
    out = ("On branch fix/wal-fsync\nYour branch is ahead of 'origin/fix/wal-fsync' by 2 commits.\n"
           "  (use \"git push\" to publish your local commits)\n\nChanges not staged for commit:\n"
           "  (use \"git add <file>...\" to update what will be committed)\n"
           "  (use \"git restore <file>...\" to discard changes in working directory)\n" +
           "".join(f"\tmodified:   internal/wal/{n}.go\n" for n in ("segment", "rotate", "replay", "fsync", "index",
                                                                     "reader", "writer", "codec")) +
           "\nUntracked files:\n  (use \"git add <file>...\" to include in what will be committed)\n" +
           "".join(f"\tinternal/wal/{n}_test.go\n" for n in ("rotate", "fsync", "crash")) +
           "\nno changes added to commit (use \"git add\" and/or \"git commit -a\")\n")
    body = claude_request("What's changed in the working tree?", "Checking.", "git status", out, seed=9206)
    return W("f_small_status", "anthropic", body, ["internal/wal/crash_test.go", "modified:   internal/wal/codec.go"],
             kind="small result")


FINAL = (f_dependabot, f_terraform, f_sentry, f_pg_log, f_java_log, f_compose_logs, f_click_diff, f_click_grep,
         f_unittest, f_sqlite_csv, f_read_logging, f_cat_functools, f_small_status)

# ------------------------------------------------------------------------------------------ measuring
def tool_texts(body: dict, protocol: str) -> list[str]:
    return [s.prefix + s.text + s.suffix for s in sites(body, protocol)]


def measure(w: W) -> dict:
    store = default_store()
    r = compress_request(w.body, w.protocol, CompressConfig(memo=Memo()))
    before_texts = tool_texts(w.body, w.protocol)
    after_texts = tool_texts(r.body, w.protocol)
    tb = sum(map(o200k.count, before_texts))
    ta = sum(map(o200k.count, after_texts))
    text = "\n".join(after_texts)
    originals = [store.get(k) or "" for k in r.keys]
    verbatim = [n for n in w.needles if n in text]
    lost = [n for n in w.needles if n not in text]
    one_away = [n for n in lost if any(n in o for o in originals)]
    lossy = any(b.lossy for b in r.blocks)
    # the small-result rule's own question, per cut block: the command's output inside the envelope, terminal noise
    # removed (what `tokens.lossy_allowed` judges), in o200k tokens
    small_cuts = [n for n in (o200k.count(terminal.clean(terminal.envelope(store.get(b.key) or "")[1]))
                              for b in r.blocks if b.lossy and b.key) if n < SMALL_BOUND]
    row = {"workload": w.name, "kind": w.kind, "protocol": w.protocol, "tokens_before": tb, "tokens_after": ta,
           "saved_pct": round(100 * (tb - ta) / tb, 1) if tb else 0.0, "needles": len(w.needles),
           "verbatim": len(verbatim), "lost": lost, "one_retrieval": len(one_away), "lossy": lossy,
           "small": tb < SMALL_BOUND, "small_cut": bool(small_cuts), "small_cut_tokens": small_cuts,
           "body_before": o200k.count(json.dumps(w.body)), "body_after": o200k.count(json.dumps(r.body)),
           "compressors": r.compressors, "set": w.set}
    if w.item is not None:
        row["item_verbatim"] = w.item in text
    return row, text


def overall(rows: list[dict]) -> dict:
    tb = sum(r["tokens_before"] for r in rows)
    ta = sum(r["tokens_after"] for r in rows)
    return {"workloads": len(rows), "tokens_before": tb, "tokens_after": ta,
            "saved_pct": round(100 * (tb - ta) / tb, 1) if tb else 0.0,
            "needles": sum(r["needles"] for r in rows), "verbatim": sum(r["verbatim"] for r in rows),
            "items": sum("item_verbatim" in r for r in rows),
            "items_verbatim": sum(bool(r.get("item_verbatim")) for r in rows),
            "small_cuts": sum(r["small_cut"] for r in rows)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--show", help="print one workload's compressed tool results")
    ap.add_argument("--sets", nargs="*", default=["dev", "taught", "untouched"])
    ap.add_argument("--summary", action="store_true", help="totals only, no row per workload")
    a = ap.parse_args(argv)
    ws = [b() for b in BUILDERS + DEV2 + DEV3]
    for w in ws:
        w.set = "taught" if w.name in TAUGHT else "dev"
    finals = [b() for b in FINAL]
    for w in finals:
        w.set = "untouched"
    ws += finals
    ws = [w for w in ws if w.set in a.sets]
    for w in ws:  # a needle must be in what the tool printed
        src = "\n".join(tool_texts(w.body, w.protocol))
        missing = [n for n in w.needles if n not in src]
        if missing:
            raise SystemExit(f"{w.name}: needles not in the tool output: {missing}")
    if a.only:
        ws = [w for w in ws if w.name in a.only]
    rows = []
    for w in ws:
        row, text = measure(w)
        rows.append(row)
        if a.show == w.name:
            print(text)
    sets = {"all": overall(rows)}
    for k in ("dev", "taught", "untouched"):
        sets[k] = overall([r for r in rows if r["set"] == k])
    if a.json:
        print(json.dumps({"encoding": "o200k_base", "workloads": rows, "overall": sets}, indent=2))
        return 0
    print("tokens: o200k_base over the tool results (before -> after); body: the whole request")
    print(f"{'workload':18} {'set':9} {'before':>7} {'after':>6} {'saved':>6} {'needles':>7} {'item':>5} "
          f"{'lossy':>5}  kind")
    for r in rows if not a.summary else ():
        item = "-" if "item_verbatim" not in r else ("yes" if r["item_verbatim"] else "NO")
        flag = " SMALL-CUT" if r["small_cut"] else ""
        print(f"{r['workload']:18} {r['set']:9} {r['tokens_before']:7} {r['tokens_after']:6} {r['saved_pct']:5.1f}% "
              f"{r['verbatim']:>3}/{r['needles']:<3} {item:>5} {str(r['lossy']):>5}  {r['kind']}{flag}")
        if r["lost"]:
            print(f"{'':18} LOST: {[n[:90] for n in r['lost']]} ({r['one_retrieval']} one retrieval away)")
    for k, o in sets.items():
        if not o["workloads"]:
            continue
        print(f"{k:9}: {o['workloads']} workloads, {o['tokens_before']} -> {o['tokens_after']} tokens, "
              f"{o['saved_pct']}% saved; needles {o['verbatim']}/{o['needles']} verbatim; named items "
              f"{o['items_verbatim']}/{o['items']}; lossy cuts below {SMALL_BOUND} tokens: {o['small_cuts']}")
    o = sets["all"]
    met = o["saved_pct"] >= 78 and o["verbatim"] == o["needles"] and o["items_verbatim"] == o["items"] \
        and not o["small_cuts"]
    print("target (>= 78 % saved, every needle and named item verbatim, no small cut):", "MET" if met else "MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
