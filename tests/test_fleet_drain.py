"""Stopping one instance of a fleet gracefully: on SIGTERM `headroom proxy` reports "draining" on /healthz,
stops listening (new connections are refused, so a balancer retries them on another instance), lets the
streams in flight finish, writes their records and exits 0. The stream is held open by the lockstep fake
provider, so the order of events is forced, not timed."""
from __future__ import annotations

import http.client
import json
import signal

from headroom_cli.testing import FakeProvider
from servers.proxies import get_json, refuses_connections, start_proxy, wait_until

STREAM_BODY = json.dumps({"model": "claude-x", "max_tokens": 50, "stream": True,
                          "messages": [{"role": "user", "content": "list the files"}]}).encode()
HEADERS = {"x-api-key": "sk-test", "anthropic-version": "2023-06-01", "content-type": "application/json"}


def _open_stream(port: int) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/v1/messages", body=STREAM_BODY, headers=HEADERS)
    r = c.getresponse()
    assert r.status == 200
    return c, r


def _read_event(r: http.client.HTTPResponse) -> str:
    """One SSE event (its lines up to the blank line)."""
    lines = []
    while True:
        line = r.readline()
        if not line:
            return "".join(lines)
        if line in (b"\n", b"\r\n"):
            return "".join(lines)
        lines.append(line.decode())


def test_sigterm_lets_the_stream_in_flight_finish_and_refuses_new_connections():
    from headroom_cli.stats.ledger import Ledger

    with FakeProvider(lockstep=True).in_thread() as fake:
        px = start_proxy("--anthropic-upstream", fake.url, "--drain-timeout", "60")
        conn, r = _open_stream(px.port)
        first = _read_event(r)
        assert "message_start" in first
        px.signal(signal.SIGTERM)
        # The instance stops listening while the stream is still open (the provider holds it: lockstep).
        assert wait_until(lambda: refuses_connections(px.port))
        assert px.proc.poll() is None, "the process must wait for the stream in flight"
        fake.release(1000)  # now let the provider finish its answer
        rest = r.read().decode()
        conn.close()
        assert "message_stop" in rest and rest.rstrip().endswith("}"), rest[-300:]
        code = px.wait(30)
    assert code == 0, px.stderr()
    assert "draining: 1 request(s) in flight" in px.stderr()
    with Ledger() as ledger:  # the drained stream's record was written before the process ended
        assert ledger.count() == 1


def test_healthz_says_draining_during_the_drain_delay_and_a_second_signal_stops_at_once():
    with FakeProvider().in_thread() as fake:
        px = start_proxy("--anthropic-upstream", fake.url, env={"HEADROOM_DRAIN_DELAY": "600"})
        status, doc = px.health()
        assert (status, doc["state"], doc["store"]) == (200, "serving", "ok")
        px.signal(signal.SIGTERM)
        assert wait_until(lambda: px.health()[0] == 503)
        status, doc = px.health()
        assert (status, doc["ok"], doc["state"]) == (503, False, "draining")
        # still listening during the delay: a balancer that routes by health alone moves traffic meanwhile
        assert not refuses_connections(px.port)
        px.signal(signal.SIGTERM)  # a second signal ends the delay (600 s) at once
        assert px.wait(30) == 0, px.stderr()
    assert refuses_connections(px.port)


def test_healthz_answers_503_while_the_store_is_unreachable_and_recovers(monkeypatch, proxy_for):
    from headroom_cli.proxy import health

    down, real = {"on": False}, health.ping_store

    def ping(settings):
        if down["on"]:
            raise ConnectionError("store down")
        real(settings)

    monkeypatch.setattr(health, "ping_store", ping)
    with FakeProvider().in_thread() as fake:
        server = proxy_for(fake)
        assert get_json(server.port, "/healthz")[0] == 200
        down["on"] = True
        status, doc = get_json(server.port, "/healthz")
        assert (status, doc["ok"], doc["store"], doc["state"]) == (503, False, "unreachable", "serving")
        assert "store down" not in json.dumps(doc)  # the reason goes to the log, not to whoever asks
        down["on"] = False  # the store is back: so is the instance, without a restart
        status, doc = get_json(server.port, "/healthz")
        assert (status, doc["ok"], doc["store"]) == (200, True, "ok")


def test_healthz_does_not_wait_forever_for_a_hung_store(monkeypatch, proxy_for):
    import threading

    from headroom_cli.proxy import health

    release = threading.Event()
    monkeypatch.setattr(health, "ping_store", lambda settings: release.wait(30))
    monkeypatch.setattr(health, "PING_TIMEOUT", 0.2)
    try:
        with FakeProvider().in_thread() as fake:
            server = proxy_for(fake)
            status, doc = get_json(server.port, "/healthz")
            assert (status, doc["store"]) == (503, "unreachable")
    finally:
        release.set()
