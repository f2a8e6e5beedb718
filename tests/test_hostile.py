"""The hostile-input suite (issue 15): malformed and hostile requests — hand-written, property-based and a
bounded fuzz — against the in-process proxy and a misbehaving fake upstream, loopback only. For every
answer: no 5xx without a provider-shaped body, no traceback to the client; afterwards the proxy serves
normally and every forwarded request has its ledger row. Specific behaviour of some cases (surrogates,
absolute-form targets, Origin/Host) is tested with their own items; here they only must not break this.
"""
from __future__ import annotations

import asyncio
import http.client
import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom_cli.proxy.runner import ProxyServer
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.stats.ledger import Ledger
from headroom_cli.stats.recorder import Recorder
from headroom_cli.testing import hostile
from headroom_cli.testing.fake_provider import FakeProvider

GUARD_REFUSED = 403  # a cross-origin or rebinding request refused before forwarding (no row required)


class Rig:
    """A fake upstream that misbehaves on request, the proxy in front of it, a ledger behind it."""

    def __init__(self, tmp_path, **kw):
        self.fake = FakeProvider(hostile.upstream_script)
        self.ledger = Ledger(tmp_path / "ledger.db")
        self.recorder = Recorder(self.ledger)
        self.kw = kw

    def __enter__(self) -> Rig:
        self.fake.start_thread()
        self.fake.requests = _Discard()
        st_ = ProxySettings(anthropic_upstream=self.fake.url, openai_upstream=self.fake.url + "/v1",
                            max_body_bytes=hostile.BOMB_LIMIT, on_record=self.recorder, **self.kw)
        self.proxy = ProxyServer(st_).start().wait_ready(20)
        return self

    def __exit__(self, *exc) -> None:
        self.proxy.stop(grace=1)
        self.fake.stop_thread()
        self.recorder.close()

    def rows(self, at_least: int = 0) -> int:
        """Ledger rows once `at_least` landed (bounded wait: a record is reported after the client has its
        answer, its token figures counted off the loop first)."""
        import time

        end = time.monotonic() + 30
        while True:
            assert self.recorder.flush(20)
            n = self.ledger.count()
            if n >= at_least or time.monotonic() > end:
                return n
            time.sleep(0.05)

    def serves_normally(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.proxy.port, timeout=30)
        body = json.dumps(hostile.valid_body("/v1/messages")).encode()
        conn.request("POST", "/v1/messages", body=body, headers=hostile.headers_for("/v1/messages"))
        r = conn.getresponse()
        data = r.read()
        assert r.status == 200 and json.loads(data)["type"] == "message"
        conn.close()


class _Discard(list):
    def append(self, item) -> None:  # long runs: the fake keeps no requests
        pass


async def run_cases(port: int, cases: list[hostile.Case], concurrency: int = 8) -> list[tuple[hostile.Case, hostile.Answer]]:
    sem = asyncio.Semaphore(concurrency)
    async with hostile.Client("127.0.0.1", port) as client:
        async def one(case):
            async with sem:
                return case, await client.send(case)

        return await asyncio.gather(*(one(c) for c in cases))


def accounted(rig: Rig, results) -> None:
    """Every forwarded request has its ledger row (a guard refusal may have none)."""
    forwarded = [a for c, a in results if c.forwarded]
    refused = sum(a.status == GUARD_REFUSED for a in forwarded)
    rows = rig.rows(at_least=len(forwarded) - refused)
    assert len(forwarded) - refused <= rows <= len(forwarded), (rows, len(forwarded), refused)


def test_hand_written_hostile_requests(tmp_path):
    cases = hostile.hand_written()
    with Rig(tmp_path) as rig:
        results = asyncio.run(run_cases(rig.proxy.port, cases))
        bad = [v for c, a in results for v in hostile.check(c, a)]
        assert bad == []
        rig.serves_normally()
        accounted(rig, results + [(hostile.Case("normal"), hostile.Answer(200, b""))])
    by_name = {c.name: a for c, a in results}
    # a few answers are fixed whatever else changes: bombs and lies are refused, broken upstreams are 502s
    assert by_name["gzip bomb"].status == 413 and by_name["zstd bomb"].status == 413
    assert by_name["lying gzip"].status == 400
    assert by_name["upstream invalid_gzip"].status == 502 and by_name["upstream gzip_bomb"].status == 502
    assert by_name["upstream die_mid_stream"].cut and by_name["upstream truncated"].status == 502
    assert by_name["bad request line"].status == 400


# -- property-based ---------------------------------------------------------------------------------
def _json_values():
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                        st.text(max_size=20))
    return st.recursive(scalars, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                        st.dictionaries(st.text(max_size=8), kids, max_size=4)),
                        max_leaves=25)


@st.composite
def hostile_requests(draw):
    path = draw(st.sampled_from(["/v1/messages", "/v1/chat/completions", "/v1/responses"]))
    base = hostile.valid_body(path, stream=draw(st.booleans()))
    key = draw(st.sampled_from(["messages", "input", "model", "tools", "stream", "max_tokens", "extra"]))
    base[key] = draw(_json_values())
    body = json.dumps(base, allow_nan=True).encode()
    if draw(st.booleans()):  # a lone surrogate or an escape the parser must survive
        body = body.replace(b"a\\nb", draw(st.sampled_from([b"\\ud800", b"\\udc00x", b"\\u0000", b"\\"])), 1)
    cut = draw(st.integers(0, len(body)))
    if draw(st.integers(0, 4)) == 0:
        body = body[:cut]
    headers = hostile.headers_for(path)
    enc = draw(st.sampled_from([None, None, "gzip", "zstd", "br", "gzip, zstd"]))
    if enc:
        headers["Content-Encoding"] = enc
    mode = draw(st.sampled_from(hostile.UPSTREAM_MODES))
    headers[hostile.UPSTREAM_HEADER] = mode
    return hostile.Case(f"property {path} {key} {enc} {mode}", path=path, body=body, headers=headers)


def test_property_based_hostile_requests(tmp_path):
    sent = []
    with Rig(tmp_path) as rig:
        @settings(max_examples=120, deadline=None, database=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(hostile_requests())
        def prop(case):
            case, ans = asyncio.run(run_cases(rig.proxy.port, [case]))[0]
            sent.append((case, ans))
            assert hostile.check(case, ans) == []

        prop()
        rig.serves_normally()
        accounted(rig, sent + [(hostile.Case("normal"), hostile.Answer(200, b""))])


# -- a bounded fuzz (the 5,000-request run is benchmarks/fuzz_proxy.py, run by .ci/run) ---------------
def test_fuzz_malformed_requests(tmp_path):
    rng = random.Random(15)
    cases = [hostile.mutated(rng) for _ in range(400)]
    with Rig(tmp_path) as rig:
        results = asyncio.run(run_cases(rig.proxy.port, cases))
        assert [v for c, a in results for v in hostile.check(c, a)] == []
        rig.serves_normally()
        accounted(rig, results + [(hostile.Case("normal"), hostile.Answer(200, b""))])


# -- slow and stalled clients (their limits: tests/test_proxy_failures.py) --------------------------
def test_stalled_clients_do_not_keep_the_proxy_from_serving(tmp_path):
    import socket

    quick = dict(header_timeout=0.3, idle_timeout=1.0, body_min_rate=1000.0, body_grace=0.3)
    with Rig(tmp_path, **quick) as rig:
        socks = [socket.create_connection(("127.0.0.1", rig.proxy.port), timeout=15) for _ in range(30)]
        try:
            for i, s in enumerate(socks):  # idle, half a head, half a body
                if i % 3 == 1:
                    s.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\n")
                elif i % 3 == 2:
                    s.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{")
            rig.serves_normally()  # meanwhile
            for s in socks:
                while s.recv(65536):
                    pass  # each is closed by the proxy (a socket timeout would fail the test)
        finally:
            for s in socks:
                s.close()
        rig.serves_normally()
        assert rig.rows(at_least=12) == 2 + 10  # the two normal requests and the ten cut bodies


# -- load ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rounds", [2])
def test_concurrent_load_every_answer_and_every_row(tmp_path, rounds):
    """50 clients × 20 requests, twice: 2,000 answers, 2,000 ledger rows (the RSS of the same load:
    benchmarks/bench_load.py)."""
    import aiohttp

    async def load(port: int) -> list[int]:
        body = json.dumps(hostile.valid_body("/v1/messages")).encode()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as s:
            async def client() -> list[int]:
                out = []
                for _ in range(20):
                    async with s.post(f"http://127.0.0.1:{port}/v1/messages", data=body,
                                      headers=hostile.headers_for("/v1/messages")) as r:
                        await r.read()
                        out.append(r.status)
                return out

            return [st_ for part in await asyncio.gather(*(client() for _ in range(50))) for st_ in part]

    with Rig(tmp_path) as rig:
        statuses = []
        for _ in range(rounds):
            statuses += asyncio.run(load(rig.proxy.port))
        assert statuses.count(200) == len(statuses) == 2000
        assert rig.rows(at_least=2000) == 2000
