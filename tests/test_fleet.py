"""Issue 21's multi-instance test: 3 `headroom proxy` processes on one store behind HAProxy, 30 concurrent
clients sending tool results through the fake provider (which has the proxy retrieve each original through
`headroom_retrieve`), retrievals crossing instances, and one instance killed with SIGKILL mid-load while a stream
it serves is held open. Afterwards: every original the provider saw a marker for (stored before the request was
forwarded) retrieves byte-exact from every surviving instance for its user and for no other; every answered
request has its ledger row; a token added meanwhile works on every instance; the figures aggregate all of them.
Bounded: 30 clients x 4 requests, each wait capped; what the killed instance cut is sent again, as agents do."""
from __future__ import annotations

import asyncio
import json
import threading
import urllib.request

import pytest

psycopg_missing = False
try:
    import psycopg  # noqa: F401
except ImportError:
    psycopg_missing = True

from headroom_cli.ccr.store import key_for
from servers.balancer import haproxy_binary
from servers.fleet import Fleet, FleetProvider, one_request, run_clients, sha, ANTHROPIC_HEADERS

pytestmark = pytest.mark.skipif(haproxy_binary() is None,
                                reason="haproxy is not installed (Debian: apt-get install -y haproxy; .ci/run does)")

CLIENTS, TURNS, KILL_AFTER = 30, 4, 40


def retrieve(port: int, key: str, token: str) -> tuple[int, str]:
    """`/v1/retrieve/KEY` on one instance, as the user holding `token`."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/retrieve/{key}", headers={"X-Headroom-Token": token})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def stats(port: int, token: str) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/stats", headers={"X-Headroom-Token": token})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


USERS = ("alice", "bob", "carol")  # alice is the team's admin


def user_of(client: int) -> str:
    return USERS[client % len(USERS)]


def ledger_rows(store_url: str) -> dict[int, int]:
    """Rows of provider requests in the shared ledger, by status."""
    from headroom_cli.storage import open_store

    with open_store(store_url).ledger() as ledger:
        rows = ledger._query("SELECT status, count(*) FROM requests WHERE path = '/v1/messages' GROUP BY status")
    return {int(r[0]): int(r[1]) for r in rows}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """The store the fleet shares: SQLite files in one directory (processes on one machine), or a PostgreSQL
    server of this test's own (it is restarted under load)."""
    if request.param == "sqlite":
        yield {"url": f"sqlite:///{tmp_path / 'store'}", "server": None}
        return
    if psycopg_missing:
        pytest.skip("the `team` extra (psycopg) is not installed")
    from servers.postgres import own_server

    server = own_server()
    yield {"url": server.database(), "server": server}
    server.stop()


async def _until(pred, tries: int = 600) -> bool:
    for _ in range(tries):
        if pred():
            return True
        await asyncio.sleep(0.05)
    return pred()


async def answered_in_the_end(session, url: str, o, headers_for, *, attempts: int = 60):
    """Send a request again, as an agent does, until it is answered 200 (bounded)."""
    for _ in range(attempts):
        r = await one_request(session, url, o.client, o.turn, stream=o.stream,
                              headers={**ANTHROPIC_HEADERS, **headers_for(o.client)})
        if r.answered and r.status == 200:
            return r
        await asyncio.sleep(0.25)
    return r


def test_three_instances_one_killed_mid_load_then_the_database_restarted(store):
    from headroom_cli.gateway import team
    from headroom_cli.storage import open_store

    pg = store["server"]
    backend = open_store(store["url"])
    tokens = {u: team.add(backend, u, admin=(u == "alice")) for u in USERS}  # as `headroom team add` does

    def headers_for(client: int) -> dict:
        return {"X-Headroom-Token": tokens[user_of(client)]}

    args = ("--store", store["url"], "--gateway-auth")  # a gateway: every request needs a user's token
    with FleetProvider().in_thread() as fake, Fleet(3, fake.url, args=args) as fleet:
        async def scenario():
            import aiohttp

            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as s:
                # one stream held open on each instance (straight to it, not through the balancer)
                held = [asyncio.ensure_future(one_request(s, p.url, 100 + i, 0, stream=True, hold=True,
                                                          headers={**ANTHROPIC_HEADERS, **headers_for(100 + i)}))
                        for i, p in enumerate(fleet.proxies)]
                assert await _until(lambda: fake.held == 3)
                done = {"n": 0}
                killer = threading.Thread(target=fleet.kill, args=(1,))

                def on_done(o):
                    done["n"] += 1
                    if done["n"] == KILL_AFTER:
                        killer.start()  # mid-load, and while instance 1 holds its stream open

                load = await run_clients(fleet.url, CLIENTS, TURNS, on_done=on_done, headers_for=headers_for)
                killer.join(10)
                fake.release_held()
                held_out = await asyncio.gather(*held)
                # what a killed instance cut, the agent sends again: the balancer has taken that instance out
                retried = [await answered_in_the_end(s, fleet.url, o, headers_for) for o in load if not o.answered]
                # a token added now (through the store, as `headroom team add` does) works on every instance
                tokens["dave"] = team.add(backend, "dave")
                for p in fleet.alive():
                    o = await one_request(s, p.url, 3000, 0, stream=False,
                                          headers={**ANTHROPIC_HEADERS, "X-Headroom-Token": tokens["dave"]})
                    assert o.status == 200 and o.retrieved_sha == sha(o.text), (o.status, o.error)
                    retried.append(o)
                outage: list = []
                if pg is not None:
                    outage = await database_restart(s, fleet, pg, headers_for)
                return load, held_out, retried, outage

        load, held_out, retried, outage = asyncio.run(scenario())
        texts = {key_for(o.text): o.text for o in load + held_out + retried}
        for o in outage:
            texts[key_for(o.text)] = o.text

        assert fleet.proxies[1].proc.returncode == -9  # SIGKILL
        assert not held_out[1].answered, "the stream held on the killed instance was cut"
        assert held_out[0].answered and held_out[2].answered
        assert sorted((o.client, o.turn) for o in load) == [(c, t) for c in range(CLIENTS) for t in range(TURNS)]
        assert all(o.answered and o.status == 200 for o in retried), [o.error for o in retried if not o.answered]
        answered = [o for o in load + held_out + retried if o.answered]
        # the proxy answered each model's retrieve call with the byte-exact original (crossing no instance yet)
        assert all(o.retrieved_sha == sha(o.text) for o in answered), \
            [(o.client, o.turn) for o in answered if o.retrieved_sha != sha(o.text)]

        # every original the provider saw a marker for was stored before its request went out: every surviving
        # instance gives it back byte-exact (whichever instance stored it, the killed one's included)
        stored = fake.forwarded_keys
        assert {key_for(o.text) for o in answered} <= stored and key_for(held_out[1].text) in stored
        owner = {key_for(o.text): ("dave" if o.client == 3000 else user_of(o.client))
                 for o in load + held_out + retried + outage}
        for p in fleet.alive():
            for key in stored:
                assert retrieve(p.port, key, tokens[owner[key]]) == (200, texts[key]), key
                other = USERS[(USERS.index(owner[key]) + 1) % len(USERS)] if owner[key] in USERS else "alice"
                assert retrieve(p.port, key, tokens[other])[0] == 404  # no user retrieves another's original
        # the figures aggregate every instance's requests, whichever instance is asked
        team_a, team_b = (stats(p.port, tokens["alice"])["team"] for p in fleet.alive())
        assert team_a == team_b and {row["key"] for row in team_a} >= set(USERS) | {"dave"}
        fleet.stop()  # the survivors drain: their last records are written

    rows = ledger_rows(store["url"])
    # Every answered request has its row: an answer ends only once its row is committed (durable records); rows
    # written while the database was away were kept and written when it came back. A row more can only be a
    # request the killed instance committed and could not finish sending (the provider did answer it).
    ok = len(answered) + sum(1 for o in outage if o.status == 200 and o.answered)
    cut = len(retried) + 1
    assert ok <= rows.get(200, 0) <= ok + cut, (rows, ok, cut)
    errors = sum(1 for o in outage if (o.status != 200 and o.answered) or o.stream_error)  # an instance's 503s
    assert sum(rows.values()) - rows.get(200, 0) == errors, (rows, errors)


async def database_restart(s, fleet, pg, headers_for) -> list:
    """Load through the two survivors while PostgreSQL is stopped (`pg_ctl stop -m fast`) and started again:
    what each request gets meanwhile is documented (README); afterwards the same processes compress again."""
    done = {"n": 0}
    stopped, started = threading.Event(), threading.Event()

    def on_done(o):
        done["n"] += 1
        if done["n"] == 10:
            threading.Thread(target=lambda: (pg.stop_fast(), stopped.set())).start()

    async def restart_later():
        assert await _until(stopped.is_set, tries=1200)
        mark = done["n"]
        await _until(lambda: done["n"] >= mark + 20, tries=1200)  # requests answered while it was down
        await asyncio.get_running_loop().run_in_executor(None, pg.start)
        started.set()

    restarter = asyncio.ensure_future(restart_later())
    during = await run_clients(fleet.url, CLIENTS, 2, on_done=on_done, first_turn=10, headers_for=headers_for)
    await restarter
    assert stopped.is_set() and started.is_set()
    for o in during:  # nothing but documented answers: 200, or a provider-shaped 503 (never a 500, never HTML)
        assert o.status in (200, 503) or not o.answered, (o.status, o.error)
        if o.status == 503 and o.answered:
            assert json.loads(o.error)["type"] == "error", o.error
        if o.stream_error:  # a retrieve call the store could not answer, once the stream had begun
            assert "store of originals is unreachable" in o.error, o.error
    # recovered by itself: both survivors healthy again, and the next requests are compressed and retrieved
    assert await _until(lambda: all(p.health()[0] == 200 for p in fleet.alive()), tries=600)
    after = [await one_request(s, fleet.url, c, 20, stream=c % 2 == 0, headers={**ANTHROPIC_HEADERS, **headers_for(c)})
             for c in range(4)]
    assert all(o.status == 200 and o.retrieved_sha == sha(o.text) for o in after), [(o.status, o.error) for o in after]
    again = [await answered_in_the_end(s, fleet.url, o, headers_for) for o in during
             if not (o.answered and o.status == 200)]
    assert all(o.status == 200 for o in again)
    return during + after + again
