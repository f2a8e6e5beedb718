"""Issue 21's multi-instance test: 3 `headroom proxy` processes on one store behind HAProxy, 30 concurrent
clients sending tool results through the fake provider (which has the proxy retrieve each original through
`headroom_retrieve`), retrievals crossing instances, and one instance killed with SIGKILL mid-load while a stream
it serves is held open. Afterwards: every original the provider saw a marker for (stored before the request was
forwarded) retrieves byte-exact from every surviving instance; every answered request has its ledger row.
Bounded: 30 clients x 4 requests, each wait capped; what the killed instance cut is sent again, as agents do."""
from __future__ import annotations

import asyncio
import threading
import urllib.request

import pytest

from headroom_cli.ccr.store import key_for
from servers.balancer import haproxy_binary
from servers.fleet import Fleet, FleetProvider, one_request, run_clients, sha, ANTHROPIC_HEADERS

pytestmark = pytest.mark.skipif(haproxy_binary() is None,
                                reason="haproxy is not installed (Debian: apt-get install -y haproxy; .ci/run does)")

CLIENTS, TURNS, KILL_AFTER = 30, 4, 40


def retrieve(port: int, key: str, secret: str) -> tuple[int, str]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/retrieve/{key}",
                                 headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def ledger_rows() -> int:
    from headroom_cli.stats.ledger import Ledger

    with Ledger() as ledger:
        return ledger.count()


def test_three_instances_one_killed_mid_load_lose_nothing_stored():
    with FleetProvider().in_thread() as fake, Fleet(3, fake.url) as fleet:
        texts: dict[str, str] = {}

        async def scenario():
            import aiohttp

            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as s:
                # one stream held open on each instance (straight to it, not through the balancer)
                held = [asyncio.ensure_future(one_request(s, p.url, 100 + i, 0, stream=True,
                                                          headers=ANTHROPIC_HEADERS, hold=True))
                        for i, p in enumerate(fleet.proxies)]
                for _ in range(600):
                    if fake.held == 3:
                        break
                    await asyncio.sleep(0.05)
                assert fake.held == 3
                done = {"n": 0}
                killer = threading.Thread(target=fleet.kill, args=(1,))

                def on_done(o):
                    done["n"] += 1
                    if done["n"] == KILL_AFTER:
                        killer.start()  # mid-load, and while instance 1 holds its stream open

                load = await run_clients(fleet.url, CLIENTS, TURNS, on_done=on_done)
                killer.join(10)
                fake.release_held()
                held_out = await asyncio.gather(*held)
                # what a killed instance cut, the agent sends again: the balancer has taken that instance out
                retried = [await one_request(s, fleet.url, o.client, o.turn, stream=o.stream,
                                             headers=ANTHROPIC_HEADERS) for o in load if not o.answered]
                return load, held_out, retried

        load, held_out, retried = asyncio.run(scenario())
        outcomes = load + held_out + retried
        for o in outcomes:
            texts[key_for(o.text)] = o.text

        assert fleet.proxies[1].proc.returncode == -9  # SIGKILL
        assert not held_out[1].answered, "the stream held on the killed instance was cut"
        assert held_out[0].answered and held_out[2].answered
        assert all(o.answered and o.status == 200 for o in retried), [o.error for o in retried if not o.answered]
        answered = [o for o in outcomes if o.answered]
        assert sorted((o.client, o.turn) for o in load) == [(c, t) for c in range(CLIENTS) for t in range(TURNS)]
        # the proxy answered each model's retrieve call with the byte-exact original
        assert all(o.retrieved_sha == sha(o.text) for o in answered if o.status == 200), \
            [(o.client, o.turn) for o in answered if o.retrieved_sha != sha(o.text)]

        # every original the provider saw a marker for was stored before the request went out: any surviving
        # instance gives it back byte-exact (those stored by the killed one included)
        stored = fake.forwarded_keys
        assert len(stored) >= CLIENTS * TURNS
        assert key_for(held_out[1].text) in stored
        for p in fleet.alive():
            secret = fleet.secret(p)
            for key in stored:
                assert retrieve(p.port, key, secret) == (200, texts[key]), key
        fleet.stop()  # the survivors drain: their last records are written
    # Every answered request has its row: an answer ends only once its row is committed (durable records).
    # A row more can only be a request the killed instance committed and could not finish sending (the
    # provider did answer it): at most the requests that instance cut.
    cut = len(retried) + 1
    rows = ledger_rows()
    assert len(answered) <= rows <= len(answered) + cut, (rows, len(answered), cut)
