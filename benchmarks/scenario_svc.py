"""A fourth workspace for captured sessions, held out from tuning: a small short-link web service ("linkd", an
aiohttp app of our own on top of the installed yarl's real source, vendored under src/) with a git history of five
commits, one of which breaks URL normalisation; a test suite where two tests fail for real; a real server log and
a real JSON metrics report. build() starts the service on 127.0.0.1, drives a few hundred real requests at it
(creations, redirects, 404s, 400s and 500s from a handler that raises on a mangled code, with the tracebacks
aiohttp logs) and saves the service's log and its /metrics JSON into the workspace. Loopback only, nothing is
downloaded.

Needles are computed from the built workspace (the log's timestamps and the report's hit counts are whatever the
run produced)."""
from __future__ import annotations

import http.client
import json
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import scenario_tools  # noqa: E402  (benchmarks/ is on the path: run as a script or imported by the capture)

CAMPAIGN = "winter-sale-newsletter"
BUG_OLD = '    path = url.path.rstrip("/") or "/"\n'
BUG_NEW = '    path = url.path.lower().rstrip("/") or "/"\n'

INIT_PY = '"""linkd: a small short-link service."""\n\n__version__ = "0.4.0"\n'

CODEC_PY = '''"""Base62 codes for link ids."""
from __future__ import annotations

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
BASE = len(ALPHABET)
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def encode(n: int) -> str:
    if n < 0:
        raise ValueError(f"cannot encode a negative id: {n}")
    if n == 0:
        return ALPHABET[0]
    out = []
    while n:
        n, r = divmod(n, BASE)
        out.append(ALPHABET[r])
    return "".join(reversed(out))


def decode(code: str) -> int:
    n = 0
    for ch in code:
        try:
            n = n * BASE + _INDEX[ch]
        except KeyError:
            raise ValueError(f"invalid base62 digit {ch!r} in code {code!r}") from None
    return n
'''

NORMALIZE_PY = '''"""Canonical form of a target URL, so the same page gets the same code."""
from __future__ import annotations

from yarl import URL

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize(raw: str) -> str:
    url = URL(raw.strip())
    if url.scheme not in DEFAULT_PORTS or not url.host:
        raise ValueError(f"not an http(s) URL: {raw!r}")
    port = url.explicit_port
    if port == DEFAULT_PORTS[url.scheme]:
        port = None
    path = url.path.rstrip("/") or "/"
    return str(URL.build(scheme=url.scheme, host=url.host, port=port, path=path, query=url.query))
'''

STORE_PY = '''"""In-memory link store."""
from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass

from .codec import decode, encode
from .normalize import normalize

FIRST_ID = 3844  # two-digit codes are reserved for vanity links


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class Link:
    code: str
    campaign: str
    target: str
    owner: str
    hits: int = 0
    created_at: str = ""
    last_hit_at: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


class Store:
    def __init__(self, first_id: int = FIRST_ID) -> None:
        self._next = first_id
        self._links: dict[int, Link] = {}
        self._by_target: dict[str, Link] = {}
        self._lock = threading.Lock()

    def add(self, target: str, campaign: str = "", owner: str = "") -> tuple[Link, bool]:
        canonical = normalize(target)
        with self._lock:
            if canonical in self._by_target:
                return self._by_target[canonical], False
            link = Link(encode(self._next), campaign, canonical, owner, created_at=_now())
            self._links[self._next] = link
            self._by_target[canonical] = link
            self._next += 1
            return link, True

    def get(self, code: str) -> Link | None:
        return self._links.get(decode(code))

    def hit(self, link: Link) -> None:
        with self._lock:
            link.hits += 1
            link.last_hit_at = _now()

    def all(self) -> list[Link]:
        return list(self._links.values())
'''

METRICS_PY = '''"""Per-route request counts, statuses and latency percentiles."""
from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict


class Metrics:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.durations: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)

    def record(self, route: str, status: int, seconds: float) -> None:
        self.durations[route].append(seconds * 1000)
        self.statuses[route][str(status)] += 1

    def snapshot(self) -> dict:
        routes = {}
        for route, ms in sorted(self.durations.items()):
            q = statistics.quantiles(ms, n=100) if len(ms) > 1 else [ms[0]] * 99
            routes[route] = {"count": len(ms), "status": dict(sorted(self.statuses[route].items())),
                             "p50_ms": round(q[49], 2), "p95_ms": round(q[94], 2), "p99_ms": round(q[98], 2),
                             "max_ms": round(max(ms), 2)}
        return {"uptime_s": round(time.monotonic() - self.started, 1), "routes": routes}
'''

APP_PY = '''"""The HTTP service: create links, redirect, report."""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import time

from aiohttp import web

from . import __version__
from .metrics import Metrics
from .store import Store

log = logging.getLogger("linkd")
SLOW_MS = 50.0
STORE = web.AppKey("store", Store)
METRICS = web.AppKey("metrics", Metrics)


@web.middleware
async def measure(request: web.Request, handler):
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else "<unmatched>"
    t0 = time.perf_counter()
    status = 500
    try:
        resp = await handler(request)
        status = resp.status
        return resp
    except web.HTTPException as e:
        status = e.status
        raise
    finally:
        elapsed = time.perf_counter() - t0
        request.app[METRICS].record(f"{request.method} {route}", status, elapsed)
        if elapsed * 1000 > SLOW_MS:
            log.warning("slow request %s %s took %.1f ms", request.method, request.path, elapsed * 1000)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "version": __version__})


async def create_link(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except json.JSONDecodeError:
        raise web.HTTPBadRequest(text="body is not JSON")
    target = body.get("target")
    if not isinstance(target, str):
        raise web.HTTPBadRequest(text="missing target")
    try:
        link, created = request.app[STORE].add(target, body.get("campaign", ""), body.get("owner", ""))
    except ValueError as e:
        raise web.HTTPBadRequest(text=str(e))
    if created:
        log.info("created %s -> %s (campaign=%s owner=%s)", link.code, link.target, link.campaign, link.owner)
    return web.json_response(link.as_dict(), status=201 if created else 200)


async def resolve(request: web.Request) -> web.Response:
    link = request.app[STORE].get(request.match_info["code"])
    if link is None:
        raise web.HTTPNotFound(text="no such link")
    request.app[STORE].hit(link)
    raise web.HTTPFound(link.target)


async def link_info(request: web.Request) -> web.Response:
    link = request.app[STORE].get(request.match_info["code"])
    if link is None:
        raise web.HTTPNotFound(text="no such link")
    return web.json_response(link.as_dict())


async def metrics(request: web.Request) -> web.Response:
    snap = request.app[METRICS].snapshot()
    snap["links"] = [link.as_dict() for link in request.app[STORE].all()]
    return web.Response(text=json.dumps(snap, indent=2) + "\\n", content_type="application/json")


def make_app() -> web.Application:
    app = web.Application(middlewares=[measure])
    app[STORE] = Store()
    app[METRICS] = Metrics()
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/api/links", create_link)
    app.router.add_get("/api/links/{code}", link_info)
    app.router.add_get("/r/{code}", resolve)
    app.router.add_get("/metrics", metrics)
    return app


async def serve(host: str, port: int) -> None:
    runner = web.AppRunner(make_app(), access_log_format='%a "%r" %s %b %Tfs "%{User-Agent}i"')
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    log.info("linkd %s listening on http://%s:%d", __version__, host, bound)
    print(bound, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("shutting down")
    await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="linkd")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--log-file")
    args = ap.parse_args(argv)
    logging.basicConfig(filename=args.log_file, level=logging.INFO,
                        format="%(asctime)s %(levelname)-7s [%(name)s] %(message)s")
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
'''

MAIN_PY = "from .app import main\n\nmain()\n"

CONFTEST_PY = '''import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "src"))
'''

TEST_CODEC_PY = '''import pytest

from linkd.codec import decode, encode


@pytest.mark.parametrize("n", [0, 1, 61, 62, 3844, 99999, 2**31 - 1, 2**53])
def test_roundtrip(n):
    assert decode(encode(n)) == n


def test_two_digit_codes_end_at_3843():
    assert len(encode(3843)) == 2 and len(encode(3844)) == 3


def test_decode_rejects_a_bad_digit():
    with pytest.raises(ValueError, match="invalid base62 digit"):
        decode("ab-c")
'''

TEST_NORMALIZE_PY = '''import pytest

from linkd.normalize import normalize


def test_default_port_is_dropped():
    assert normalize("https://example.com:443/a") == "https://example.com/a"


def test_other_port_is_kept():
    assert normalize("http://example.com:8080/a") == "http://example.com:8080/a"


def test_trailing_slash_is_dropped():
    assert normalize("https://example.com/docs/") == "https://example.com/docs"


def test_host_is_lowercased():
    assert normalize("https://Example.COM/") == "https://example.com/"


def test_query_is_kept():
    assert normalize("https://example.com/s?q=a+b&page=2") == "https://example.com/s?q=a+b&page=2"


def test_path_case_is_kept():
    assert normalize("https://Example.COM/Docs/API") == "https://example.com/Docs/API"


@pytest.mark.parametrize("raw", ["ftp://example.com/file", "mailto:ops@example.com", "/relative/path"])
def test_non_http_is_rejected(raw):
    with pytest.raises(ValueError):
        normalize(raw)
'''

TEST_NORMALIZE_ADDED = '''

def test_paths_differing_in_case_share_a_code():
    assert normalize("https://shop.example.com/Sale") == normalize("https://shop.example.com/sale")
'''

TEST_STORE_PY = '''from linkd.store import FIRST_ID, Store


def test_same_target_same_link():
    s = Store()
    a, created_a = s.add("https://example.com/x")
    b, created_b = s.add("https://example.com:443/x/")
    assert a is b and created_a and not created_b


def test_codes_are_unique_and_start_at_three_digits():
    s = Store()
    codes = [s.add(f"https://example.com/{i}")[0].code for i in range(200)]
    assert len(set(codes)) == 200 and all(len(c) == 3 for c in codes)
    assert s.get(codes[0]) is s.all()[0] and FIRST_ID == 3844


def test_hit_counts():
    s = Store()
    link, _ = s.add("https://example.com/x")
    for _ in range(3):
        s.hit(link)
    assert link.hits == 3 and link.last_hit_at
'''

TEST_APP_PY = '''import asyncio

from aiohttp.test_utils import TestClient, TestServer

from linkd.app import make_app


def run(scenario):
    async def main():
        async with TestClient(TestServer(make_app())) as client:
            return await scenario(client)
    return asyncio.run(main())


def test_healthz():
    async def scenario(client):
        resp = await client.get("/healthz")
        return resp.status, await resp.json()
    status, body = run(scenario)
    assert status == 200 and body["status"] == "ok"


def test_create_then_redirect():
    async def scenario(client):
        made = await client.post("/api/links", json={"target": "https://example.com/a", "owner": "t"})
        code = (await made.json())["code"]
        resp = await client.get(f"/r/{code}", allow_redirects=False)
        return made.status, resp.status, resp.headers["Location"]
    assert run(scenario) == (201, 302, "https://example.com/a")


def test_unknown_code_is_404():
    async def scenario(client):
        return (await client.get("/r/zzz", allow_redirects=False)).status
    assert run(scenario) == 404


def test_bad_target_is_400():
    async def scenario(client):
        return (await client.post("/api/links", json={"target": "ftp://example.com/f"})).status
    assert run(scenario) == 400
'''

TEST_APP_ADDED = '''

def test_mangled_code_is_404():
    # newsletter clients rewrite some links to /r/<code>-<campaign>; that is a missing link, not a crash
    async def scenario(client):
        resp = await client.get("/r/b7Q-winter", allow_redirects=False)
        return resp.status
    status = run(scenario)
    assert status == 404
'''

README = '''# linkd

A small short-link service: `POST /api/links {"target", "campaign", "owner"}` returns a code, `GET /r/<code>`
redirects, `GET /metrics` dumps per-route latency and every link as JSON.

    PYTHONPATH=src python -m linkd --port 8080 --log-file logs/linkd.log
    python -m pytest tests

yarl is vendored under src/yarl (pure-Python build; see src/yarl/_quoting.py).
'''

PYPROJECT = '''[project]
name = "linkd"
version = "0.4.0"
requires-python = ">=3.10"
dependencies = ["aiohttp>=3.9"]

[tool.pytest.ini_options]
testpaths = ["tests"]
'''

OWNERS = ["ines.moreau", "tkowalski", "a.okafor", "mchen", "priya.r", "jdoe", "lucia.ferraro", "sven.b",
          "hannah.k", "omar.haddad", "yuki.t", "growth-bot"]
CAMPAIGNS = ["spring-launch", "docs-footer", "onboarding-email", "partner-portal", "changelog", "webinar-2026-11",
             "black-friday", "support-macros", "release-notes", "summer-sale-newsletter", "q4-survey", ""]
SITES = {"shop.example.com": ["/sale/{w}", "/product/{n}", "/cart", "/gift-cards/{w}"],
         "docs.example.com": ["/guide/{w}", "/api/v{d}/{w}", "/changelog/{n}"],
         "blog.example.com": ["/2026/{d}/{w}", "/tag/{w}"],
         "status.example.com": ["/incidents/{n}"],
         "partners.example.net:8443": ["/portal/{w}", "/deals/{n}"],
         "events.example.org": ["/webinars/{n}/register", "/{w}"]}
WORDS = ["pricing", "getting-started", "rate-limits", "webhooks", "migration", "auth", "billing", "exports",
         "sso", "teams", "audit-log", "retention", "quotas", "sdk", "cli", "errors", "pagination", "regions"]
AGENTS = ["curl/8.5.0", "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
          "newsletter-mailer/2.1 (+link-check)", "python-requests/2.32.3", "Slackbot-LinkExpanding 1.0"]


def _history(proj: Path) -> None:
    import yarl

    shutil.copytree(Path(yarl.__file__).parent, proj / "src" / "yarl",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.so"))
    scenario_tools.write(proj, {".gitignore": "__pycache__/\n*.pyc\n.pytest_cache/\nlogs/\nreports/\n"})
    scenario_tools.git(proj, "2026-11-24T09:12:00Z", "init", "-q", "-b", "main")
    scenario_tools.git(proj, "2026-11-24T09:12:00Z", "add", ".")
    scenario_tools.git(proj, "2026-11-24T09:12:00Z", "commit", "-qm", f"vendor yarl {yarl.__version__} (pure-Python build)")
    # the service as first written: no metrics yet
    app_v1 = APP_PY.replace("from .metrics import Metrics\n", "").replace(
        "METRICS = web.AppKey(\"metrics\", Metrics)\n", "")
    app_v1 = re.sub(r"@web\.middleware\n.*?\n\n\n", "", app_v1, flags=re.S)
    app_v1 = re.sub(r"async def metrics\(.*?\n\n\n", "", app_v1, flags=re.S)
    for old, new in (("web.Application(middlewares=[measure])", "web.Application()"),
                     ("    app[METRICS] = Metrics()\n", ""), ('    app.router.add_get("/metrics", metrics)\n', ""),
                     ("SLOW_MS = 50.0\n", "")):
        app_v1 = app_v1.replace(old, new)
    scenario_tools.write(proj, {"README.md": README, "pyproject.toml": PYPROJECT, "src/linkd/__init__.py": INIT_PY,
                  "src/linkd/__main__.py": MAIN_PY, "src/linkd/codec.py": CODEC_PY,
                  "src/linkd/normalize.py": NORMALIZE_PY, "src/linkd/store.py": STORE_PY,
                  "src/linkd/app.py": app_v1, "tests/conftest.py": CONFTEST_PY,
                  "tests/test_codec.py": TEST_CODEC_PY, "tests/test_normalize.py": TEST_NORMALIZE_PY,
                  "tests/test_store.py": TEST_STORE_PY, "tests/test_app.py": TEST_APP_PY})
    scenario_tools.git(proj, "2026-11-25T14:40:00Z", "add", ".")
    scenario_tools.git(proj, "2026-11-25T14:40:00Z", "commit", "-qm", "linkd: short links on aiohttp, in-memory store, base62 codes")
    scenario_tools.write(proj, {"src/linkd/metrics.py": METRICS_PY, "src/linkd/app.py": APP_PY.replace(
        "        if elapsed * 1000 > SLOW_MS:\n"
        "            log.warning(\"slow request %s %s took %.1f ms\", request.method, request.path, elapsed * 1000)\n",
        "").replace("SLOW_MS = 50.0\n", "")})
    scenario_tools.git(proj, "2026-11-27T11:05:00Z", "add", ".")
    scenario_tools.git(proj, "2026-11-27T11:05:00Z", "commit", "-qm", "metrics: per-route latency percentiles, /metrics dumps links")
    # the bug: case-folding the whole path (the host was already lowercased by yarl)
    port = "    port = url.explicit_port\n"
    fold = "    # /Sale and /sale are the same page on our sites: fold case so they share a code\n"
    scenario_tools.write(proj, {"src/linkd/normalize.py": NORMALIZE_PY.replace(BUG_OLD, BUG_NEW).replace(port, fold + port),
                  "tests/test_normalize.py": TEST_NORMALIZE_PY + TEST_NORMALIZE_ADDED})
    scenario_tools.git(proj, "2026-11-28T16:22:00Z", "commit", "-qam", "normalize: case-fold paths so /Sale and /sale share a code")
    scenario_tools.write(proj, {"src/linkd/app.py": APP_PY, "tests/test_app.py": TEST_APP_PY + TEST_APP_ADDED})
    scenario_tools.git(proj, "2026-11-30T10:48:00Z", "commit", "-qam",
         "app: warn on slow requests; test for mangled newsletter codes (500s seen in prod)")


def _drive(port: int, seed: int = 2026) -> bytes:
    """A few hundred real requests at the running service; returns the /metrics body."""
    rnd = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def req(method: str, path: str, body: dict | str | None = None) -> tuple[int, bytes]:
        time.sleep(min(rnd.expovariate(100.0), 0.05))  # clients arrive apart, ~10 ms on average
        headers = {"User-Agent": rnd.choice(AGENTS)}
        data = None
        if body is not None:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        return r.status, r.read()

    codes: list[str] = []
    winter = None
    for i in range(170):
        if i == 97:
            body = {"target": "https://shop.example.com/sale/winter?utm_source=newsletter&utm_campaign=winter26",
                    "campaign": CAMPAIGN, "owner": "lucia.ferraro"}
        else:
            host = rnd.choice(list(SITES))
            path = rnd.choice(SITES[host]).format(w=rnd.choice(WORDS), n=rnd.randint(100, 9999),
                                                  d=rnd.randint(1, 12))
            scheme = "http" if host.startswith("status") else "https"
            q = f"?utm_source={rnd.choice(['email', 'slack', 'docs', 'twitter'])}" if rnd.random() < 0.4 else ""
            body = {"target": f"{scheme}://{host}{path}{q}", "campaign": rnd.choice(CAMPAIGNS),
                    "owner": rnd.choice(OWNERS)}
        status, data = req("POST", "/api/links", body)
        if status in (200, 201):
            code = json.loads(data)["code"]
            if code not in codes:
                codes.append(code)
            if i == 97:
                winter = code
        if i % 40 == 13:
            req("POST", "/api/links", {"target": f"ftp://files.example.com/export-{i}.csv", "owner": "jdoe"})
        if i % 55 == 30:
            req("POST", "/api/links", '{"target": "https://docs.example.com/guide/auth",')
    weights = [1.0 / (k + 1) for k in range(len(codes))]
    for i in range(340):
        roll = rnd.random()
        if i % 60 == 0:
            req("GET", "/healthz")
        if roll < 0.045:
            req("GET", f"/r/{rnd.choice(codes)}-{rnd.choice(['winter', 'nl', 'dec'])}")  # mangled by a mail client
        elif roll < 0.11:
            req("GET", f"/r/{rnd.choice(['zzz', 'Zq9', 'a0a', 'QQQ', 'x1y2'])}")  # unknown: 404
        elif roll < 0.13:
            req("GET", rnd.choice(["/favicon.ico", "/robots.txt", "/wp-login.php"]))
        elif roll < 0.16:
            req("GET", f"/api/links/{rnd.choice(codes)}")
        elif roll < 0.30 and winter:
            req("GET", f"/r/{winter}")
        else:
            req("GET", f"/r/{rnd.choices(codes, weights)[0]}")
    status, data = req("GET", "/metrics")
    conn.close()
    return data


def _serve_and_drive(proj: Path) -> None:
    (proj / "logs").mkdir()
    (proj / "reports").mkdir()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(proj / "src"), "PYTHONDONTWRITEBYTECODE": "1",
           "HOME": str(proj)}
    p = subprocess.Popen([sys.executable, "-m", "linkd", "--host", "127.0.0.1", "--port", "0",
                          "--log-file", "logs/linkd.log"], cwd=proj, env=env, stdout=subprocess.PIPE, text=True)
    try:
        port = int(p.stdout.readline())
        (proj / "reports" / "metrics.json").write_bytes(_drive(port))
    finally:
        scenario_tools.stop(p)


def build(root: Path) -> Path:
    """Create the workspace under `root/svc` (replacing any previous copy) and return its path."""
    proj = scenario_tools.fresh(root / "svc")
    _history(proj)
    _serve_and_drive(proj)
    return proj


def _pytest_lines(proj: Path) -> list[str]:
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=proj,
                       capture_output=True, text=True, timeout=300,
                       env={"PATH": "/usr/bin:/bin", "HOME": str(proj), "PYTHONDONTWRITEBYTECODE": "1"})
    return r.stdout.splitlines()


def needles(proj: Path) -> list[dict]:
    out = _pytest_lines(proj)
    assertion = next(ln for ln in out if ln.startswith("E ") and "Docs/API" in ln)
    log = (proj / "logs" / "linkd.log").read_text().splitlines()
    exc = next(ln for ln in log if ln.startswith("ValueError: invalid base62 digit"))
    links = json.loads((proj / "reports" / "metrics.json").read_text())["links"]
    rec = next(r for r in links if r["campaign"] == CAMPAIGN)
    compact = json.dumps(rec, separators=(",", ":"), ensure_ascii=False)
    fields = compact[compact.index('"campaign"'):compact.index(',"created_at"')]
    return [
        {"text": "+" + BUG_NEW.rstrip("\n"), "why": "the bad commit's changed line (git show)"},
        {"text": assertion.strip(), "why": "the failing normalize test's assertion (pytest)"},
        {"text": "FAILED tests/test_app.py::test_mangled_code_is_404", "why": "the second failing test (pytest)"},
        {"text": exc, "why": "the 500's exception in the server log (grep/tail)"},
        {"text": fields, "why": f"the {CAMPAIGN} link: target, owner, hits (jq -c)"},
        {"text": f'"code":"{rec["code"]}"', "why": "that link's code (jq -c)"},
    ]


PROMPT = ("Investigate this service repository for the on-call handover: why do the tests fail, which commit broke "
          "link normalisation and what exactly did it change, what are the 500s in the server log (which "
          "exception, from which code path), and which routes are slowest according to the metrics report? Also: "
          "who owns the short link for the winter sale newsletter, where does it point, and how many hits has it "
          "had?")


def commands(py: str) -> list[str]:
    return [
        "ls -la",
        "find . -path ./.git -prune -o -type f -print | sort",
        "git log --stat -5",
        f"{py} -m pytest -q -p no:cacheprovider tests",
        "git show HEAD~1",
        "grep -rn 'lower()' src",
        "wc -l logs/linkd.log reports/metrics.json",
        "grep -n -A 30 'Error handling request' logs/linkd.log | head -n 120",
        "grep -c '\" 500 ' logs/linkd.log; grep -c '\" 404 ' logs/linkd.log",
        "tail -n 150 logs/linkd.log",
        "cat src/linkd/app.py",
        "jq 'del(.links)' reports/metrics.json",
        "jq -c '.links[]' reports/metrics.json",
        "jq '.links[] | select(.campaign | test(\"winter\"))' reports/metrics.json",
        f"{py} -m pytest -q -p no:cacheprovider tests/test_app.py -k mangled",
    ]


if __name__ == "__main__":
    p = build(Path(sys.argv[1]))
    print(p)
    print(json.dumps(needles(p), indent=1))
