"""Issue 21 item 3: a `headroom proxy` whose PostgreSQL store goes away (`pg_ctl stop -m fast` under it) and
comes back, without a restart of the proxy. What each kind of request gets meanwhile (README, "Several
instances behind a load balancer"):
- a provider request whose tool results the proxy would cut: forwarded UNCOMPRESSED, the client's own bytes
  (no original could be stored, so no marker may go out; the agent keeps working);
- a request whose model calls `headroom_retrieve`, `/v1/retrieve`, `/mcp`: a 503 in the caller's shape
  (provider-shaped for provider requests: an in-stream error event once a stream has begun);
- `/healthz`: 503 "store unreachable" (`/livez` stays 200).
When the database is back, the same process compresses, stores and retrieves again, and the rows of the
requests answered meanwhile reach the ledger."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from headroom_cli.ccr.store import key_for
from servers.fleet import ANTHROPIC_HEADERS, FleetProvider, request_body, sha
from servers.proxies import get_json, start_proxy, wait_until

psycopg = pytest.importorskip("psycopg", reason="the `team` extra (psycopg) is not installed")


@pytest.fixture
def pg():
    from servers.postgres import own_server

    server = own_server()
    yield server
    server.stop()


def post(port: int, client: int, turn: int, *, stream: bool = False) -> tuple[int, str]:
    body, _ = request_body(client, turn, stream=stream)
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/messages", data=json.dumps(body).encode(),
                                 headers=ANTHROPIC_HEADERS, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def own(port: int, path: str, secret: str, data: bytes | None = None) -> tuple[int, str]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method="POST" if data else "GET",
                                 headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json",
                                          "Accept": "application/json, text/event-stream"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def mcp_retrieve(key: str) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": {"name": "headroom_retrieve", "arguments": {"key": key}}}).encode()


def test_the_database_goes_away_and_comes_back_under_a_running_proxy(pg):
    import time

    from headroom_cli import config

    t0 = time.monotonic()
    marks = []

    url = pg.database()
    with FleetProvider().in_thread() as fake:
        px = start_proxy("--anthropic-upstream", fake.url, "--store", url, env={"HEADROOM_DURABLE_RECORDS": "1"})
        try:
            secret = (config.paths().runtime_dir / f"proxy-{px.port}.secret").read_text().strip()
            _, t1 = request_body(1, 1, stream=False)
            k1 = key_for(t1)
            assert post(px.port, 1, 1)[0] == 200 and k1 in fake.forwarded_keys
            assert own(px.port, f"/v1/retrieve/{k1}", secret) == (200, json.dumps({"key": k1, "text": t1}))
            answered = 1

            marks.append(time.monotonic() - t0); pg.stop_fast()
            assert wait_until(lambda: px.health()[0] == 503)
            assert px.health()[1]["store"] == "unreachable"
            assert get_json(px.port, "/livez")[0] == 200
            # a tool result to cut: forwarded as the client sent it, no marker (its original could not be kept)
            n = len(fake.requests)
            status, text = post(px.port, 2, 1)
            answered += 1
            _, t2 = request_body(2, 1, stream=False)
            assert status == 200 and "nothing to retrieve" in text
            assert fake.requests[n].json["messages"][-1]["content"][0]["content"] == t2
            assert key_for(t2) not in fake.forwarded_keys
            # retrievals need the database: 503 in each caller's shape
            status, text = own(px.port, f"/v1/retrieve/{k1}", secret)
            assert status == 503 and "store" in json.loads(text)["error"]
            status, text = own(px.port, "/mcp", secret, mcp_retrieve(k1))
            assert status == 503 and json.loads(text)["error"]["code"] == -32001
            # the model asks for an original the proxy cannot reach now (request 1 again: its cut is memoised,
            # so it goes out compressed, its original stored before): a provider-shaped 503
            status, text = post(px.port, 1, 1)
            answered += 1
            assert status == 503 and json.loads(text)["type"] == "error", text
            status, text = post(px.port, 1, 1, stream=True)
            answered += 1
            assert status == 200 and "event: error" in text and "store of originals" in text, text[-500:]

            marks.append(time.monotonic() - t0); pg.start()  # the same proxy process, no restart
            assert wait_until(lambda: px.health()[0] == 200)
            status, text = post(px.port, 3, 1)
            answered += 1
            _, t3 = request_body(3, 1, stream=False)
            assert status == 200 and f"sha256={sha(t3)}" in text and key_for(t3) in fake.forwarded_keys
            assert own(px.port, f"/v1/retrieve/{k1}", secret)[0] == 200
        finally:
            marks.append(time.monotonic() - t0)
            print("phases", marks)
            assert px.stop() == 0, px.stderr()
    with psycopg.connect(url) as conn:  # the rows of the requests answered while the database was away too
        rows = dict(conn.execute("SELECT path, count(*) FROM requests GROUP BY path").fetchall())
    assert rows == {"/v1/messages": answered, "/mcp": 1}  # and the /mcp call that failed (503), as failures are
