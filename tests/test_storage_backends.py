"""One behaviour suite for every storage backend (issue 20 item 3): the same tests against the embedded SQLite
files and a real PostgreSQL on loopback (tests/pgcluster.py starts one; skipped only where its binaries are
absent). Time is an injected clock, so TTLs are exact without waiting."""
from __future__ import annotations

import threading

import pytest

from headroom_cli.ccr.store import key_for
from headroom_cli.stats.records import RequestRecord, Usage
from headroom_cli.storage import ADMIN, MEMBER

BACKENDS = ["sqlite", "postgresql"]


class Clock:
    def __init__(self, t=1_000_000.0):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture(params=BACKENDS)
def make_backend(request, tmp_path, clock):
    """`make_backend(**store_options)`: a fresh, empty backend of the parametrized kind (several share one place)."""
    opened = []
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
    else:
        url = None

    def make(**options):
        options.setdefault("clock", clock)
        if url is None:
            from headroom_cli.storage.sqlite import SqliteBackend

            b = SqliteBackend(tmp_path / "store", **options)
        else:
            from headroom_cli.storage.postgres import PostgresBackend

            b = PostgresBackend(url, **options)
        opened.append(b)
        return b

    yield make
    for b in opened:
        b.close()


@pytest.fixture
def backend(make_backend):
    return make_backend()


# -- originals ---------------------------------------------------------------------------------------------------

TRICKY = ["line one\r\nunicode é 日本\n\ttabs\x00nul", "lone \ud800 high and \udfff low surrogates", "",
          "emoji 🧪 and a BOM \ufeff", "x" * 3_000_000 + "\n end"]


def test_put_get_byte_exact(backend):
    o = backend.originals("alice")
    for text in TRICKY:
        k = o.put(text)
        assert k == key_for(text)  # the engine's content key, whoever stores it
        assert o.get(k) == text
    assert o.get("0" * 24) is None
    keys = o.put_many([("first", None, {"tool": "Bash"}), ("second", "k" * 24, None)])
    assert keys == [key_for("first"), "k" * 24]
    assert o.get("k" * 24) == "second"
    listed = {e["key"]: e for e in o.list()}
    assert listed[key_for("first")]["meta"] == {"tool": "Bash"} and listed[key_for("first")]["size"] == 5


def test_ttl_expiry_and_refresh(make_backend, clock):
    o = make_backend(ttl=60).originals("alice")
    k = o.put("alpha")
    k2 = o.put("beta", ttl=600)
    clock.t += 59
    assert o.get(k) == "alpha"
    o.put("alpha")  # a re-put refreshes the expiry
    clock.t += 59
    assert o.get(k) == "alpha"
    clock.t += 2
    assert o.get(k) is None
    assert o.get(k2) == "beta"
    assert [e["key"] for e in o.list()] == [k2]
    assert o.stats()["entries"] == 1


def test_byte_cap_evicts_oldest_of_the_owner_only(make_backend, clock):
    b = make_backend(max_bytes=10_000)
    alice, bob = b.originals("alice"), b.originals("bob")
    bob_key = bob.put("b" * 6_000)
    keys = []
    for i in range(6):
        clock.t += 1
        keys.append(alice.put(f"{i}" * 3_000))
    # alice's oldest went until her 18 KB fit under 10 KB; bob's 6 KB (alone under the cap) stays
    assert [alice.get(k) is not None for k in keys] == [False, False, False, True, True, True]
    assert sum(e["size"] for e in alice.list()) <= 10_000
    assert bob.get(bob_key) == "b" * 6_000


def test_owners_cannot_see_each_others_originals(backend):
    alice, bob = backend.originals("alice"), backend.originals("bob")
    secret = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG\n" * 50
    k = alice.put(secret)
    assert bob.get(k) is None  # neither the text nor whether it exists
    assert bob.list() == [] and bob.stats()["entries"] == 0
    assert alice.get(k) == secret
    assert backend.originals().get(k) is None  # the local user is just another owner
    # the same text stored by both is two rows: clearing one owner's leaves the other's
    bob.put(secret)
    assert bob.clear() == 1
    assert alice.get(k) == secret and bob.get(k) is None


def test_concurrent_writers(make_backend):
    b = make_backend()
    errors = []

    def writer(n):
        try:
            o = b.originals(f"user{n % 2}")
            for i in range(40):
                text = f"writer {n} item {i}\n" * 20
                assert o.get(o.put(text)) == text
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(b.originals("user0").list()) == 120 and len(b.originals("user1").list()) == 120
    # a second backend on the same place (another process, in real life) sees them
    other = make_backend()
    assert other.originals("user0").get(key_for("writer 0 item 0\n" * 20)) == "writer 0 item 0\n" * 20


# -- ledger ------------------------------------------------------------------------------------------------------

def rec(session="s1", before=1000, after=400, user="local", status=200, **kw) -> RequestRecord:
    return RequestRecord(session_id=session, agent="claude", protocol="anthropic", path="/v1/messages",
                         model="claude-sonnet-4-5", status=status, tokens_before=before, tokens_after=after,
                         tokens_sent=after, compressors={"logs": 1}, usage=Usage(300, 100, 0, 50), user=user,
                         ts=1_700_000_000.0, **kw)


def test_ledger_totals_groups_and_users(backend):
    with backend.ledger() as lg:
        lg.record_many([rec(), rec(before=500, after=500, user="alice"), rec(session="s2", user="alice", status=502)])
        assert lg.count() == 3
        t = lg.totals()
        assert (t["requests"], t["tokens_before"], t["tokens_after"], t["errors"]) == (3, 2500, 1300, 1)
        assert t["compressors"] == {"logs": 3}
        assert lg.totals(user="alice")["requests"] == 2 and lg.totals(user="local")["tokens_saved"] == 600
        by_user = {g["key"]: g["requests"] for g in lg.group("user")}
        assert by_user == {"local": 1, "alice": 2}
        assert len(lg.group("day")) == 1  # every row on one day (the name depends on the local time zone)
        sessions = {g["key"]: g for g in lg.group("session")}
        assert sessions["s1"]["agents"] == ["claude"]
        assert [r["user_name"] for r in lg.recent(5)] == ["alice", "alice", "local"]
        lg.note_session("s1", agent="claude", started=10.0)
        lg.note_session("s1", ended=20.0)
        assert lg.session_span("s1") == {"agent": "claude", "started": 10.0, "ended": 20.0}
        assert lg.session_totals("s1")["duration_s"] == 10.0
        assert lg.latest_session_id() in ("s1", "s2")


# -- rules -------------------------------------------------------------------------------------------------------

def test_rules_round_trip(backend):
    from headroom_cli.learn.rules import Rule, RuleStore

    store = RuleStore(data=backend.rules())
    assert store.load() == {}
    rules = {"k1": Rule("k1", "fix", "Run `make test` before pushing — ✓ 🧪", ["/p"],
                        [{"id": "claude:s:1", "agent": "claude", "session": "s", "ts": "2026-01-01"}]),
             "k2": Rule("k2", "fix", "second", forgotten=True)}
    with store._locked():
        store.save(rules)
    again = RuleStore(data=backend.rules()).load()
    assert again == rules
    del rules["k1"]
    store.save(rules)
    assert list(RuleStore(data=backend.rules()).load()) == ["k2"]


# -- tokens ------------------------------------------------------------------------------------------------------

def test_tokens(backend):
    t = backend.tokens
    a = t.add("alice", ADMIN, "h-alice")
    b1 = t.add("bob", MEMBER, b"\x00\xffbob")
    b2 = t.add("bob", MEMBER, "h-bob-2")
    assert t.find("h-alice") == ("alice", ADMIN)
    assert t.find(b"\x00\xffbob") == ("bob", MEMBER)
    assert t.find("nope") is None
    assert [(x["id"], x["user"], x["role"]) for x in t.list()] == [(a, "alice", ADMIN), (b1, "bob", MEMBER),
                                                                   (b2, "bob", MEMBER)]
    assert "token_hash" not in t.list()[0]
    assert t.revoke(b1) == 1 and t.find(b"\x00\xffbob") is None and t.find("h-bob-2") == ("bob", MEMBER)
    assert t.revoke("bob") == 1 and t.revoke("bob") == 0
    with pytest.raises(Exception):
        t.add("carol", "root", "h-c")  # not a role
    with pytest.raises(Exception):
        t.add("carol", MEMBER, "h-alice")  # a hash names one token


# -- health and schema -------------------------------------------------------------------------------------------

def test_migrations_twice_and_ping(make_backend):
    b = make_backend()
    b.originals().put("x")
    with b.ledger() as lg:
        lg.count()
    assert b.pending_migrations() == []
    assert b.migrate() == []  # already current: nothing applied, nothing broken
    again = make_backend()
    assert again.migrate() == [] and again.originals().get(key_for("x")) == "x"
    b.ping()



def test_one_request_storing_the_same_original_twice(backend):
    """Two identical tool results in one request: one put_many with the same key twice (PostgreSQL refuses to
    upsert a row twice in one statement unless the batch is deduplicated)."""
    o = backend.originals("alice")
    keys = o.put_many([("same block\n" * 100, None, {"tool": "Bash"}), ("same block\n" * 100, None, {"tool": "Read"})])
    assert keys[0] == keys[1] and o.get(keys[0]) == "same block\n" * 100
    assert len(o.list()) == 1


def test_a_sqlite_store_url_keeps_every_file_in_its_directory(tmp_path):
    from headroom_cli.storage import forget_open_stores, open_store

    try:
        b = open_store(f"sqlite://{tmp_path / 'team'}")
        b.originals("alice").put("in the directory")
        with b.ledger() as lg:
            lg.record(rec())
        b.tokens.add("alice", MEMBER, "h")
        assert {p.name for p in (tmp_path / "team").iterdir()} >= {"originals.sqlite3", "ledger.db", "tokens.sqlite3"}
    finally:
        forget_open_stores()


def test_expired_originals_are_deleted_not_only_hidden(make_backend, clock):
    b = make_backend(ttl=60, max_bytes=10_000)
    idle = b.originals("idle-user")
    idle.put("x" * 4_000)
    clock.t += 61
    active = b.originals("active-user")
    for i in range(5):  # the active user's puts run the sweeps: the idle user's expired row goes too
        clock.t += 1
        active.put(f"{i}" * 3_000)
    assert idle.stats()["entries"] == 0
    clock.t -= 100  # back before it expired: a row that was only hidden would show again
    assert idle.get(key_for("x" * 4_000)) is None
