"""Records in bulk (issue 13 item 3): error records that repeat the same error values become one line naming
those values verbatim, every member's id, and the fields in which they differ; every distinct error value
stays verbatim."""
from __future__ import annotations

import json
import random
import re

from hypothesis import HealthCheck, given, settings, strategies as st

from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import json_data
from headroom_cli.corpus_records import REPLAY_ERRORS, replay_records

KEY = "b" * 24


def compress(recs, question="What failed?"):
    res = json_data.compress(json.dumps(recs, indent=2), Context(preceding_text=question), key=KEY)
    assert res is not None
    return res, json.loads(res.text)


def strings(doc) -> list[str]:
    return [x for x in doc if isinstance(x, str)]


def test_a_repeated_error_becomes_one_line_with_every_id():
    r = random.Random(7)
    recs = [{"id": 1000 + i, "method": r.choice(["GET", "POST"]), "target": f"/v1/x/{r.randint(1, 999)}",
             "status": 200, "error": None} for i in range(200)]
    bad = sorted(r.sample(range(200), 43))
    err = "ValueError: invalid literal for int() with base 10: b'N/A'"
    for i in bad:
        recs[i]["error"], recs[i]["status"] = err, 500
    res, doc = compress(recs)
    assert res.lossy and KEY in res.text
    lines = [s for s in strings(doc) if "more records with the same" in s]
    assert len(lines) == 1
    line = lines[0]
    assert json.dumps(err) in line  # the shared value, verbatim
    kept = [x for x in doc if isinstance(x, dict) and x["error"] == err]
    assert len(kept) == 1 and kept[0]["id"] == 1000 + bad[0]  # the first of them, whole
    listed = {int(a) for a in re.findall(r"\b(1\d{3})\b", line.split("(as id", 1)[1])}
    ranges = re.findall(r"\b(1\d{3})-(1\d{3})\b", line)
    for a, b in ranges:
        listed |= set(range(int(a), int(b) + 1))
    assert listed == {1000 + i for i in bad}  # every id, none invented
    assert "differing in: method, target" in line and "id," not in line.split("differing in:")[1]
    assert len(res.text) < 0.25 * len(json.dumps(recs))


def test_consecutive_ids_are_written_as_ranges():
    recs = [{"id": i, "error": "KeyError: 'tenant_id'" if 10 <= i < 30 else None, "n": i * 7 % 13}
            for i in range(100)]
    _, doc = compress(recs)
    line = next(s for s in strings(doc) if "more records" in s)
    assert "id 11-29" in line


def test_every_distinct_error_value_stays_verbatim():
    r = random.Random(1303)
    text_recs, by_error = replay_records(r)
    recs = json.loads(text_recs)
    res, _ = compress(recs, "Some replayed requests failed: what went wrong?")
    for err in REPLAY_ERRORS:
        assert err in by_error
        assert err in res.text or json.dumps(err)[1:-1] in res.text


def test_records_differing_in_an_error_value_are_not_grouped():
    recs = [{"id": i, "error": f"TimeoutError: no answer from shard {i // 2 % 4}" if i % 2 else None}
            for i in range(80)]
    res, doc = compress(recs)
    for k in range(4):
        assert f"TimeoutError: no answer from shard {k}" in res.text
    # each distinct value keeps its first record whole; the rest of each value are one line
    assert sum(1 for s in strings(doc) if "more records with the same" in s) == 4


def test_two_repeats_are_kept_as_records():
    recs = [{"id": i, "error": "disk full" if i in (3, 50) else None, "v": i} for i in range(60)]
    _, doc = compress(recs)
    assert [x["id"] for x in doc if isinstance(x, dict) and x.get("error")] == [3, 50]
    assert not any("more records" in s for s in strings(doc))


def test_records_named_by_a_nested_name_field():
    recs = []
    for i in range(40):
        state = ({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}}
                 if i % 5 == 0 else {"running": {}})
        recs.append({"metadata": {"name": f"pod-{i:03d}", "uid": f"u{i}"}, "status": {"state": state, "n": i}})
    res, doc = compress(recs)
    line = next(s for s in strings(doc) if "more records" in s)
    assert "metadata.name pod-005, pod-010" in line and "pod-035" in line
    assert '"CrashLoopBackOff"' in line


_ERRS = ("ValueError: invalid literal for int() with base 10: b'N/A'", "KeyError: 'tenant_id'",
         "TimeoutError: upstream did not answer within 30.0s", "PermissionError: [Errno 13] Permission denied: '/data'")
_STATS = {"examples": 0, "grouped": 0}


@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(20, 300), share=st.floats(0.02, 0.6), kinds=st.integers(1, 4), seed=st.integers(0, 9999),
       id_kind=st.sampled_from(["int", "str", "none"]))
def test_property_distinct_errors_verbatim_and_every_error_id_present(n, share, kinds, seed, id_kind):
    r = random.Random(seed)
    recs = []
    for i in range(n):
        rec = {"method": r.choice(["GET", "PUT"]), "ms": r.randint(1, 900), "error": None}
        if id_kind == "int":
            rec = {"id": 70_000 + i * 3, **rec}
        elif id_kind == "str":
            rec = {"request_id": f"req-{seed}-{i:04x}", **rec}
        if r.random() < share:
            rec["error"] = _ERRS[r.randrange(kinds)]
        recs.append(rec)
    text = json.dumps(recs)
    ctx = Context(preceding_text="Which requests failed and why?")
    res = json_data.compress(text, ctx, key=KEY)
    _STATS["examples"] += 1
    if res is None:
        return
    assert res.text == json_data.compress(text, ctx, key=KEY).text
    doc = json.loads(res.text)
    for e in {x["error"] for x in recs if x["error"]}:
        assert json.dumps(e)[1:-1] in res.text  # every distinct error value, verbatim
    if "more records with the same" in res.text:
        _STATS["grouped"] += 1
    if id_kind != "none":
        key = "id" if id_kind == "int" else "request_id"
        shown = json.dumps(doc)
        for x in recs:
            if x["error"]:
                assert str(x[key]) in shown or _in_range(x[key], shown), x[key]


def _in_range(v, text: str) -> bool:
    return isinstance(v, int) and any(int(a) <= v <= int(b) for a, b in re.findall(r"\b(\d+)-(\d+)\b", text))


def test_property_examples_were_grouped():
    if _STATS["examples"] == 0:
        test_property_distinct_errors_verbatim_and_every_error_id_present()
    assert _STATS["grouped"] >= 0.5 * _STATS["examples"], _STATS
