"""The load-balancer harness of the fleet tests (HAProxy from the distribution's packages): it spreads requests
over the instances, takes an instance out when its /healthz fails or it drains, and answers a provider-shaped
503 when none is left."""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

from headroom_cli.testing import FakeProvider
from servers.fixtures import balancer  # noqa: F401  (a fixture)
from servers.proxies import get_json

BODY = json.dumps({"model": "claude-x", "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]}).encode()
HEADERS = {"x-api-key": "sk-test", "anthropic-version": "2023-06-01", "content-type": "application/json"}


def post(url: str) -> tuple[int, dict]:
    req = urllib.request.Request(url + "/v1/messages", data=BODY, headers=HEADERS, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_round_robin_over_healthy_instances_and_a_draining_one_is_taken_out(balancer, proxy_for):  # noqa: F811
    with FakeProvider().in_thread() as fake:
        a, b = proxy_for(fake), proxy_for(fake)
        lb = balancer([a.port, b.port])
        assert lb.wait_states({"p0": "UP", "p1": "UP"}), lb.servers()
        seen = {get_json(lb.port, "/healthz")[1]["session_id"] for _ in range(4)}
        assert seen == {a.settings.session_id, b.settings.session_id}  # both instances get traffic
        assert all(post(lb.url)[0] == 200 for _ in range(6))

        drain = threading.Thread(target=a.drain, args=(30,))
        drain.start()  # SIGTERM's path: health 503, listener closed, in-flight requests finish
        drain.join(30)
        assert lb.wait_states({"p0": "DOWN", "p1": "UP"}), lb.servers()
        n_before = len(fake.requests)
        results = [post(lb.url) for _ in range(8)]
        assert all(s == 200 for s, _ in results), results  # the balancer sends everything to the other one
        assert len(fake.requests) == n_before + 8
        assert {get_json(lb.port, "/healthz")[1]["session_id"] for _ in range(3)} == {b.settings.session_id}


def test_no_instance_alive_gets_a_provider_shaped_503(balancer, proxy_for):  # noqa: F811
    with FakeProvider().in_thread() as fake:
        a = proxy_for(fake)
        lb = balancer([a.port])
        assert lb.wait_states({"p0": "UP"}), lb.servers()
        a.drain(5)
        assert lb.wait_states({"p0": "DOWN", "live:p0": "DOWN"}), lb.servers()
        status, doc = post(lb.url)
        assert status == 503
        assert doc["type"] == "error" and doc["error"]["type"] == "overloaded_error"
        assert "no headroom instance" in doc["error"]["message"]
        assert fake.requests == []


def test_every_store_down_routes_by_livez_and_a_store_that_answers_wins(balancer, proxy_for, monkeypatch):  # noqa: F811
    """The shared database down for all: the balancer still reaches the instances (by /livez), which answer
    without the store; one instance whose store answers gets all the traffic again."""
    from headroom_cli.proxy import health

    down = {"on": True}
    real = health.ping_store

    def ping(settings):
        if down["on"]:
            raise ConnectionError("store down")
        real(settings)

    monkeypatch.setattr(health, "ping_store", ping)
    with FakeProvider().in_thread() as fake:
        a, b = proxy_for(fake), proxy_for(fake)
        lb = balancer([a.port, b.port])
        assert lb.wait_states({"p0": "DOWN", "p1": "DOWN", "live:p0": "UP", "live:p1": "UP"}), lb.servers()
        assert [post(lb.url)[0] for _ in range(4)] == [200] * 4  # answered by the instances, not refused
        assert {get_json(lb.port, "/healthz")[0] for _ in range(2)} == {503}
        down["on"] = False
        assert lb.wait_states({"p0": "UP", "p1": "UP"}), lb.servers()
        assert {get_json(lb.port, "/healthz")[0] for _ in range(2)} == {200}
