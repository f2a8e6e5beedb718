"""Relevance ranking (compress/relevance.py) and its use by the JSON compressor: stems, stopwords, compounds,
field weights, the signal rule (a clear gap, or a fallback to sampling), and properties over generated listings."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys

from hypothesis import HealthCheck, given, settings, strategies as st

from headroom_cli.compress import relevance as R, router
from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import json_data


def q(text: str, tool_input: str = "") -> R.Query:
    query = R.query_terms(Context(preceding_text=text, tool_input=tool_input))
    assert query is not None
    return query


def compact(v) -> str:
    return json.dumps(v, separators=(",", ":"))


# ------------------------------------------------------------------------------------------- stems and words

def test_light_stems_join_word_forms():
    assert R.stem("segfaulting") == R.stem("segfaults") == R.stem("segfault") == "segfault"
    assert R.stem("groups") == R.stem("group")
    assert R.stem("running") == "run"
    assert R.stem("nested") == R.stem("nesting") == "nest"
    assert len(R.stem("uses")) >= 3  # never below three letters


def test_a_unit_matches_other_forms_of_the_query_words():
    query = q("the reader keeps segfaulting on huge row groups")
    units = ["Reader segfaults with large row group sizes", "Writer is slow"] + [f"docs typo {i}" for i in range(10)]
    scores = R.rank(units, query)
    assert scores[0] > 0 and scores[1] == 0
    assert all(s == 0 for s in scores[2:])


def test_stopwords_and_command_words_are_no_terms():
    query = q("What is the number of it, and could you please check?", "curl -s https://api.internal/v1/x?limit=300")
    assert "what" not in query.stems and "the" not in query.stems and "pleas" not in query.stems
    assert "curl" not in query.stems and "300" not in query.stems and "limit" not in query.stems
    assert R.query_terms(Context(preceding_text="what is it?")) is None


def test_a_compound_of_two_query_words_matches_both():
    query = q("the parquet reader crashes")
    scores = R.rank(["ParquetReader crashes on load", "parquet_reader crashes", "parquet crashes"]
                    + [f"other thing {i}" for i in range(10)], query)
    assert scores[0] > scores[2] and scores[1] > scores[2]


def test_a_word_inside_another_word_does_not_match():
    query = q("the row groups")
    assert R.rank(["throw arrows"] + ["x"] * 9, query)[0] == 0


def test_non_ascii_units_are_ranked_at_the_right_unit():
    query = q("the tokenizer issue")
    units = ["İstanbul ünïcode ß"] * 3 + ["Tokenizer drops the last byte"] + ["ß straße"] * 8
    scores = R.rank(units, query)
    assert scores.index(max(scores)) == 3 and sum(1 for s in scores if s) == 1


# ------------------------------------------------------------------------------------------- fields and signal

def test_title_fields_weigh_more_than_ids_and_urls():
    recs = [{"id": "tok-1", "title": "tokenizer drops bytes", "url": "https://x/issues/1"},
            {"id": "tok-2", "title": "unrelated", "url": "https://x/tokenizer/issues/2"}]
    recs += [{"id": f"n{i}", "title": f"other {i}", "url": f"https://x/issues/{i}"} for i in range(20)]
    scores = R.rank_fields((json_data._high_texts(recs), json_data._flats(recs)), q("the tokenizer bug"),
                           weights=(R.HIGH_WEIGHT - 1, 1.0))
    assert scores[0] > 1.3 * scores[1] > 0  # (BM25 saturates: three times the weight is not three times the score)


def test_pick_needs_a_clear_gap():
    assert R.pick([9.0, 3.0] + [1.0] * 20) == [0]
    assert R.pick([9.0, 8.5, 2.0] + [1.5] * 20) == [0, 1]
    assert R.pick([5.0, 4.8, 4.6, 4.4, 4.2, 4.0] + [3.9] * 20) is None  # a flat ranking: no signal
    assert R.pick([0.0] * 30) is None
    assert R.pick([9.0] + [0.0] * 3) is None  # too few units to rank


def test_many_weak_matches_are_no_signal():
    # ten records mention one query word (a tag): that says nothing about which of them matters
    assert R.pick([4.0, 3.9, 3.5, 3.5, 3.4, 3.3, 3.3, 3.2, 3.0, 2.9] + [0.0] * 50) is None
    # …while one or two that do are signal
    assert R.pick([4.0, 3.9] + [0.0] * 58) == [0, 1]


# ------------------------------------------------------------------------------------------- JSON compressor

_TITLES = ("Writer is slow on wide tables", "CSV scanner ignores the schema", "Docs: fix typos in the guide",
           "Builder leaks memory under concurrency", "IPC stream hangs with empty batches",
           "Kernel returns wrong results for sliced arrays", "Dataset scanner drops nulls on ARM64")


def listing(r: random.Random, n: int, target_at: int, target_title: str) -> list[dict]:
    recs = []
    for i in range(n):
        recs.append({"number": 5000 + i, "title": f"{r.choice(_TITLES)} ({r.randint(1, 99)})",
                     "state": r.choice(["OPEN", "CLOSED"]), "assignee": r.choice(["ana", "bo", "cy", None]),
                     "url": f"https://tracker/issues/{5000 + i}", "createdAt": f"2026-10-{r.randint(1, 28):02d}"})
    recs[target_at]["title"] = target_title
    return recs


def test_the_item_a_question_names_in_words_is_kept_whole_instead_of_head_and_tail():
    recs = listing(random.Random(1), 200, 123, "ParquetReader dies on nested list<struct> columns with big row groups")
    text = json.dumps(recs, indent=2)
    ctx = Context(preceding_text="the parquet reader segfaulting on nested lists of structs with huge row groups "
                                 "— what is its number?", tool_input="tracker list --limit 200")
    out = json_data.compress(text, ctx, key="k" * 24)
    assert out is not None and out.lossy
    doc = json.loads(out.text)
    assert compact(recs[123]) in compact(doc)
    assert compact(recs[0]) not in compact(doc)  # the ranking replaced the head/tail sample
    # without the question: today's sampling (first records kept), and the asked record is not
    plain = json.loads(json_data.compress(text, Context(tool_input="tracker list"), key="k" * 24).text)
    assert compact(recs[0]) in compact(plain) and compact(recs[123]) not in compact(plain)


def test_without_signal_the_sampling_stays():
    recs = listing(random.Random(2), 120, 5, _TITLES[0] + " (1)")
    text = json.dumps(recs)
    ctx = Context(preceding_text="Give me an overview of the open issues in the tracker.")
    out = json.loads(json_data.compress(text, ctx, key="k" * 24).text)
    assert out[0] == recs[0] and out[-1] == recs[-1]


def test_a_long_string_of_the_asked_record_is_kept_whole():
    recs = listing(random.Random(3), 60, 30, "Tokenizer drops the final byte of multibyte input")
    recs[30]["body"] = "Steps to reproduce: " + " ".join(f"step {i} feeds the tokenizer more bytes" for i in range(80))
    recs[7]["body"] = "unrelated " * 200
    out = json_data.compress(json.dumps(recs), Context(preceding_text="the tokenizer dropping a final byte?"),
                             key="k" * 24)
    assert recs[30]["body"] in out.text


def test_error_words_common_to_a_listing_do_not_keep_every_record_when_the_ranking_has_signal():
    r = random.Random(4)
    recs = listing(r, 200, 50, "Tokenizer drops the final byte of multibyte input")
    for i in range(0, 200, 3):
        if i != 50:
            recs[i]["title"] = f"Crash: fatal error in module {i}"
    text = json.dumps(recs)
    asked = json_data.compress(text, Context(preceding_text="the tokenizer dropping a final byte?"), key="k" * 24)
    vague = json_data.compress(text, Context(preceding_text="give me an overview"), key="k" * 24)
    assert compact(recs[50]) in asked.text
    assert asked.text.count("Crash: fatal error") <= 2
    # without a ranking's signal error words only in titles do not keep records either (a tracker's vocabulary)
    assert vague.text.count("Crash: fatal error") <= 4


def test_error_words_outside_a_records_title_still_keep_it():
    recs = [{"id": i, "title": f"Export {i} fails when the file is empty", "status": "ok"} for i in range(60)]
    recs[33]["status"] = "failed: upstream refused the connection"
    out = json_data.compress(json.dumps(recs), Context(preceding_text="give me an overview"), key="k" * 24).text
    assert "failed: upstream refused the connection" in out
    assert out.count("fails when the file is empty") < 12


def test_a_non_empty_error_field_is_always_kept():
    recs = [{"id": i, "target": f"/v1/x/{i}", "error": None} for i in range(100)]
    recs[40]["error"] = "KeyError: 'tenant_id'"
    recs[77]["error"] = "ValueError: invalid literal for int() with base 10: b'N/A'"
    out = json_data.compress(json.dumps(recs), Context(preceding_text="what failed?"), key="k" * 24).text
    assert "KeyError: 'tenant_id'" in out and "b'N/A'" in out


def test_ranking_is_the_same_in_another_process():
    code = ("import json,random,sys; sys.path.insert(0, 'tests'); from test_relevance import listing; "
            "from headroom_cli.compress.base import Context; from headroom_cli.compress.compressors import json_data; "
            "recs = listing(random.Random(5), 150, 99, 'Tokenizer drops the final byte'); "
            "print(json_data.compress(json.dumps(recs), Context(preceding_text='tokenizer final byte'), key='k'*24).text)")
    outs = set()
    for seed in ("0", "1234"):
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, PYTHONHASHSEED=seed), cwd=os.path.dirname(os.path.dirname(__file__)))
        assert p.returncode == 0, p.stderr
        outs.add(p.stdout)
    assert len(outs) == 1 and "Tokenizer drops the final byte" in outs.pop()


# ------------------------------------------------------------------------------------------- properties

_VOCAB = ("cache", "config", "client", "request", "session", "token", "upstream", "retry", "timeout", "handler",
          "worker", "queue", "batch", "store", "record", "parse", "render", "stream", "buffer", "socket")
_ASKED = ("Tokenizer drops the final byte of multibyte input", "Scheduler deadlocks when two cron jobs overlap",
          "Thumbnail resizing ignores EXIF orientation", "Webhook signatures rejected after key rotation",
          "Spreadsheet export truncates cells longer than 32k characters")
_QUESTIONS = ("Is there an issue about the tokenizer dropping the last byte of multibyte text?",
              "The scheduler deadlocked again when two cron jobs overlapped — which ticket tracks that?",
              "Find the bug where resized thumbnails ignore the EXIF orientation.",
              "Webhook signature rejected since we rotated keys: is that reported already?",
              "exporting spreadsheets truncates long cells, what's the issue for it?")
_STATS = {"compressed": 0, "examples": 0}


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(30, 260), at=st.floats(0, 0.999), which=st.integers(0, len(_ASKED) - 1),
       seed=st.integers(0, 10_000), indent=st.sampled_from([None, 2]))
def test_property_the_named_item_survives_and_output_is_valid_and_deterministic(n, at, which, seed, indent):
    r = random.Random(seed)
    recs = [{"id": f"REC-{seed}-{i}", "summary": " ".join(r.sample(_VOCAB, 5)), "state": r.choice(["open", "done"]),
             "points": r.randint(1, 8), "link": f"https://tracker/REC-{seed}-{i}"} for i in range(n)]
    k = int(at * n)
    recs[k]["summary"] = _ASKED[which]
    text = json.dumps(recs, indent=indent)
    ctx = Context(preceding_text=_QUESTIONS[which], tool_input="tracker list --all")
    out = json_data.compress(text, ctx, key="k" * 24)
    again = json_data.compress(text, ctx, key="k" * 24)
    _STATS["examples"] += 1
    if out is None:
        assert again is None
        return
    assert out.text == again.text
    doc = json.loads(out.text)  # valid JSON
    assert compact(recs[k]) in compact(doc)  # the named item, verbatim
    if out.lossy:
        assert "k" * 24 in out.text
        _STATS["compressed"] += 1


def test_property_examples_were_compressed():
    # runs after the property above (file order): most of its examples must have been cut, or it proved little
    if _STATS["examples"] == 0:
        test_property_the_named_item_survives_and_output_is_valid_and_deterministic()
    assert _STATS["compressed"] >= 0.8 * _STATS["examples"], _STATS


# ------------------------------------------------------------------------------------------- logs, search, diff

def test_logs_keep_the_event_the_request_points_to():
    from headroom_cli.compress.compressors import logs

    r = random.Random(11)
    words = ("alpha", "bravo", "delta", "kilo", "lima", "oscar", "sierra", "tango", "victor", "zulu")
    lines = [f"2026-12-01T09:{i // 60 % 60:02d}:{i % 60:02d}Z INFO web.{i % 4} GET /projects/{r.choice(words)}-"
             f"{r.choice(words)}/{r.choice(words)} 200 {r.randint(2, 90)}ms user={r.choice(words)}" for i in range(2500)]
    event = ("2026-12-01T10:41:07Z INFO web.3 POST /reports/quarterly-revenue/export 409 8ms user=marta "
             "msg=\"export skipped: report locked by a running export\"")
    lines.insert(1700, event)
    text = "\n".join(lines) + "\n"
    asked = logs.compress(text, Context(preceding_text="The quarterly revenue report export did nothing this "
                                                       "morning. What happened?"), key="k" * 24)
    assert asked is not None and event in asked.text
    vague = logs.compress(text, Context(preceding_text="Summarise the web log."), key="k" * 24)
    # without the request the event still shows, as the one line of its kind of event (a POST among GETs), and
    # the GETs are one line each of their kinds
    assert event in vague.text and len(vague.text) < 0.02 * len(text)


def test_search_keeps_the_match_the_request_points_to():
    from headroom_cli.compress.compressors import search

    r = random.Random(12)
    lines = []
    words = ("load", "warm", "flush", "read", "write", "lock", "evict", "size", "hits", "miss", "ttl", "keys")
    for f in range(30):
        for k in range(20):
            # one shape for all (as the target's): the search compressor shows a usage shape once
            lines.append(f"src/mod_{f}/file_{f}.py:{10 + k}:        self.cache.{r.choice(words)}_"
                         f"{r.choice(words)}_{r.choice(words)}(now)  # {r.choice(words)} the {r.choice(words)} ones")
    # not a definition, deep in a file of like lines: neither its shape nor the per-file budget would keep it
    target = "src/mod_13/file_13.py:88:        self.store.purge_stale_tokens(now)  # drops the expired ones"
    lines.insert(13 * 20 + 15, target)
    text = "\n".join(lines) + "\n"
    ctx = Context(preceding_text="Where do we purge stale tokens from the store?", tool_input='grep -rn "cache" src')
    out = search.compress(text, ctx, key="k" * 24)
    assert out is not None and target in out.text


def test_diff_keeps_the_hunk_the_request_points_to_whole():
    from headroom_cli.compress.compressors import diff

    lines = []
    for f in range(6):
        lines += [f"diff --git a/src/m{f}.py b/src/m{f}.py", "index 1..2 100644", f"--- a/src/m{f}.py", f"+++ b/src/m{f}.py"]
        for h in range(3):
            fn = "apply_discount_rounding" if (f, h) == (3, 1) else f"helper_{f}_{h}"
            lines.append(f"@@ -{10 + h * 50},9 +{10 + h * 50},9 @@ def {fn}(self):")
            lines += [f"     before {f} {h} {k}" for k in range(4)] + [f"-    old_{f}_{h}()", f"+    new_{f}_{h}()"]
            lines += [f"     after {f} {h} {k}" for k in range(4)]
    text = "\n".join(lines) + "\n"
    ctx = Context(preceding_text="How does discount rounding work after the change to apply_discount_rounding?")
    out = diff.compress(text, ctx, key="k" * 24).text
    assert all(f"     before 3 1 {k}" in out and f"     after 3 1 {k}" in out for k in range(4))  # whole
    assert "     before 2 1 0" not in out  # the others keep one line of context
    assert "@@ -60,9 +60,9 @@ def apply_discount_rounding(self):" in out  # its own header, unchanged


def test_logfmt_request_lines_share_a_template_but_an_unusual_status_does_not():
    from headroom_cli.compress.compressors import logs

    r = random.Random(13)
    names = ("atlas", "cobalt", "ember", "fjord", "garnet", "harbor", "iris", "lumen")
    lines = [f"2026-12-01T09:{i // 60 % 60:02d}:{i % 60:02d}Z level=info method=GET path=/p/{r.choice(names)}/"
             f"{r.choice(names)} status=200 duration={r.randint(2, 300)}ms user={r.choice(names)}" for i in range(1500)]
    odd = "2026-12-01T09:30:00Z level=info method=GET path=/p/iris/atlas status=503 duration=30001ms user=kim"
    lines.insert(900, odd)
    text = "\n".join(lines) + "\n"
    out = logs.compress(text, Context(preceding_text="Summarise the request log."), key="k" * 24)
    assert out is not None and odd in out.text  # its status makes it a template of its own
    assert len(out.text) < 0.05 * len(text)  # the 1,500 ordinary requests are one template, not 1,500


def test_a_search_line_whose_own_words_are_the_request_is_kept_when_a_word_is_in_every_path():
    # `grep -rni header express`: every path holds "express", the changelog's 80 lines and the response module's
    # 40 say "header" and "set"; the one line that sets X-Powered-By was dropped with its file (ranked as printed,
    # "express" in its path was no signal and it held one other word of the request)
    lines = [f"express/History.md:{10 + 7 * i}:  * Fix {w} header handling in res.{m}()"
             for i, (w, m) in enumerate((w, m) for w in ("Vary", "ETag", "Content-Type", "Location", "Link",
                                                         "Cache-Control", "Allow", "Range", "Accept", "Expires")
                                        for m in ("set", "append", "format", "send", "json", "redirect", "location",
                                                  "attachment"))]
    lines += [f"express/lib/response.js:{100 + 9 * i}:  // set the {h} header field" for i, h in enumerate(
        ["Content-Length", "ETag", "Content-Type", "Location", "Vary", "Link", "Cache-Control", "Set-Cookie"] * 5)]
    lines += ["express/lib/middleware/init.js:21: * as defaulting the X-Powered-By header field.",
              "express/lib/middleware/init.js:30:    if (app.enabled('x-powered-by')) "
              "res.setHeader('X-Powered-By', 'Express');",
              "express/lib/utils.js:88: * Parse an extended header value."]
    text = "\n".join(lines) + "\n"
    from headroom_cli.compress.compressors import search
    res = search.compress(text, Context(tool_input="grep -rni 'header' express",
                                        preceding_text="Where does express set the X-Powered-By header?", ratio=0.15))
    assert res is not None and res.lossy
    assert lines[-2] in res.text  # the line that sets it, verbatim


def _packages(n: int = 240) -> list[dict]:
    rnd = random.Random(1313)
    what = ("HTTP client", "YAML parser", "date utilities", "test runner", "colour output", "config loader",
            "template engine", "data validation", "progress bars", "file watcher", "CLI toolkit", "JSON schema")
    recs = [{"name": f"pkg-{i:03d}-{rnd.choice(('core', 'lite', 'kit', 'plus'))}",
             "version": f"{rnd.randint(0, 9)}.{rnd.randint(0, 30)}.{rnd.randint(0, 9)}",
             "summary": f"A {rnd.choice(what)} library for Python", "license": rnd.choice(("MIT", "BSD", "Apache-2.0"))}
            for i in range(n)]
    recs[131] = {"name": "tenacity", "version": "9.2.1", "summary": "Retry code until it succeeds",
                 "license": "Apache-2.0"}
    return recs


def test_a_record_holding_one_rare_word_of_the_request_is_what_it_points_to():
    # "Which version of the retrying library is installed in the venv?": one record of 240 says "Retry", every
    # record says "library"; with three words or more in the request a one-word match counted for nothing, so
    # the head and tail were kept and the one record asked about went
    recs = _packages()
    text = json.dumps(recs, indent=1)
    ctx = Context(tool_input="sqlite3 -json wheels.db 'select * from wheels'",
                  preceding_text="Which version of the retrying library is installed in the venv, and its license?")
    res = json_data.compress(text, ctx)
    assert res is not None and len(res.text) < 0.2 * len(text)
    assert '"name":"tenacity","version":"9.2.1"' in res.text.replace(" ", "")
    # a word most records hold is no such signal: asked about "library" alone nothing stands out
    q = R.query_terms(Context(preceding_text="which library is the Python library for the library test?"))
    d: list[int] = []
    units = [r["summary"] for r in recs]
    scores = R.rank(units, q, distinct=d)
    assert R.pick(scores, distinct=d, query=q) is None


def test_a_list_inside_the_record_the_request_names_stays_whole():
    # "what does hypothesis require?": its 37 requirements are that record's; a cut of them (the head of the list
    # replaced by what the ranking picked) lost `sortedcontainers`, the one it always needs
    recs = {r["name"]: {"version": r["version"], "summary": r["summary"], "requires": []} for r in _packages()}
    reqs = ['exceptiongroup>=1.0.0; python_version < "3.11"', "sortedcontainers<3.0.0,>=2.1.0"] + \
           [f'dep{i}>=1.{i}; extra == "{e}"' for i, e in enumerate(["cli", "django", "numpy", "pandas"] * 9)]
    recs["hypothesis"] = {"version": "6.155.2", "summary": "The property-based testing library", "requires": reqs}
    for k in list(recs)[:60]:
        recs[k]["requires"] = [f"lib{j}>=2.{j}" for j in range(30)]
    text = json.dumps(recs)
    ctx = Context(tool_input="pip inspect | jq '.installed | map({(.metadata.name): …}) | add'",
                  preceding_text="Which version of hypothesis do I have, and what does it require?")
    res = json_data.compress(text, ctx)
    assert res is not None and len(res.text) < 0.3 * len(text)
    assert json.dumps(reqs, separators=(",", ":")) in res.text.replace(", ", ",").replace(": ", ":") or \
        json.dumps(reqs) in res.text


def test_a_latency_spike_of_several_records_keeps_its_most_extreme_ones():
    # a Go service's slog JSON lines: 650 requests of 1-65 ms, then nine of 4-5 s on one route. Beyond 3 sigma
    # were 9 values, and only up to 5 were kept: none of the spike reached the model
    rnd = random.Random(77)
    routes = ["/api/v2/items", "/api/v2/cart", "/api/v2/users", "/api/v2/search", "/healthz"]
    lines = [json.dumps({"time": f"2024-09-03T14:{10 + i // 60:02d}:{i % 60:02d}Z", "level": "INFO",
                         "msg": "request", "route": rnd.choice(routes), "status": 200,
                         "latency_ms": rnd.randint(1, 65)}) for i in range(650)]
    spike = [json.dumps({"time": f"2024-09-03T14:23:{17 + 3 * k:02d}Z", "level": "INFO", "msg": "request",
                         "route": "/api/v2/search", "status": 200, "latency_ms": 4100 + 97 * k}) for k in range(9)]
    lines[400:400] = spike
    text = "\n".join(lines) + "\n"
    res = router.compress_block(text, Context(tool_input="cat gw_latency.log",
                                              preceding_text="Which route's latency spiked?", ratio=0.15))
    assert res is not None and len(res.text) < 0.1 * len(text)
    assert sum(s in res.text for s in spike) >= 3


def test_an_error_word_inside_a_name_reports_nothing_but_a_failed_status_does():
    # `dpkg-query` as JSON: libgpg-error0, liberror-perl and python3-exceptiongroup are packages like the others
    # (they were kept as if they reported failures, and filled the cut); a record whose status says it failed is
    # a failure and stays
    rnd = random.Random(5)
    recs = [{"pkg": f"lib{w}{i}", "ver": f"{i}.{rnd.randint(0, 9)}-1", "status": "installed",
             "section": rnd.choice(("libs", "utils", "python", "perl"))}
            for i, w in enumerate(["ssl", "z", "bz2-", "ffi", "uuid", "xml", "curl", "png", "jpeg", "yaml"] * 20)]
    names = {37: "libgpg-error0", 71: "liberror-perl", 113: "python3-exceptiongroup", 150: "src/errors.py"}
    for i, name in names.items():
        recs[i]["pkg"] = name
    recs[177]["status"] = "failed"
    text = json.dumps(recs)
    res = json_data.compress(text, Context(tool_input="dpkg-query -W | jq -s .",
                                           preceding_text="Which packages are installed? A summary is enough."))
    assert res is not None
    assert not any(f'"pkg":"{name}"' in res.text for name in names.values())
    assert json.dumps(recs[177], separators=(",", ":")) in res.text


def test_a_text_log_whose_incident_is_only_a_number_keeps_the_lines_that_stand_out():
    # an nginx access log (text): 640 requests of 1-6 ms, eight of ~0.9 s on one endpoint, all 200s, no error
    # word; "which endpoint became slow?" found nothing to point at and the eight went with the routine lines
    rnd = random.Random(11)
    paths = ["/api/search?q=shoes", "/api/orders?page=2", "/api/cart", "/api/users/1", "/api/products/991"]
    lines = []
    for i in range(640):
        p = rnd.choice(paths)
        rt = 0.9 + i / 10000 if (p.startswith("/api/search") and 300 <= i < 360) else rnd.randint(1, 6) / 1000
        lines.append(f'127.0.0.1 - - [04/Dec/2026:18:{49 + i // 600:02d}:{i % 60:02d} +0000] "GET {p} HTTP/1.1" '
                     f'200 {rnd.randint(50, 130)} "-" "acme-web/3.1" rt={rt:.3f} upstream=127.0.0.1:19001')
    slow = [ln for ln in lines if "rt=0.9" in ln]
    assert 4 <= len(slow) <= 20
    text = "\n".join(lines) + "\n"
    res = router.compress_block(text, Context(tool_input="cat logs/access.log",
                                              preceding_text="One endpoint became slow, without errors: which one?"))
    assert res is not None and len(res.text) < 0.1 * len(text)
    assert sum(ln in res.text for ln in slow) >= 3


def test_a_status_most_lines_share_keeps_where_another_value_first_appears():
    # HAProxy's log: 1,000 requests answered 200, then one backend server starts answering 503 (11 lines, no
    # error word); "which backend returns 503, since when?" kept only the head and tail 200s
    rnd = random.Random(21)
    lines = []
    for i in range(1000):
        srv = f"app-{rnd.randint(1, 20):02d}"
        status = 503 if i >= 700 and i % 27 == 0 else 200
        if status == 503:
            srv = "app-13"
        lines.append(f"Dec 04 19:{10 + i // 120:02d}:{i % 60:02d} lb-1 haproxy[2214]: 10.4.{rnd.randint(1, 9)}."
                     f"{rnd.randint(2, 250)}:{30000 + i} [04/Dec/2026:19:{10 + i // 120:02d}:{i % 60:02d}.223] "
                     f"fe_https~ be_app/{srv} 0/0/1/1/2 {status} 961 - - ---- 194/182/7/3/0 0/0 \"GET /api/v2/items HTTP/1.1\"")
    first = next(ln for ln in lines if " 503 " in ln)
    text = "\n".join(lines) + "\n"
    res = router.compress_block(text, Context(tool_input="cat /var/log/haproxy.log",
                                              preceding_text="Which backend server returns errors, and since when?"))
    assert res is not None and len(res.text) < 0.1 * len(text)
    assert first in res.text
