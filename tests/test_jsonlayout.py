"""JSON written without its layout whitespace (compress/jsonlayout.py): every value exactly as it was written, only
where nothing is cut, never on a file's content. A real capture (`jq` selecting nine tasks, indented) and
generated documents of every shape."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_cli.compress import jsonlayout, router
from headroom_cli.compress.base import Context
from headroom_cli.compress.tokens import count_tokens, lossy_allowed
from headroom_cli.corpus_real import capture

JQ = '{"cmd": "jq \'.items[] | select(.priority == \\"high\\")\' reports/tasks.json"}'


def docs_of(text: str) -> list:
    return [json.loads(s) for s in text.split("\n") if s.strip()]


def test_a_real_jq_answer_is_its_documents_one_a_line_every_value_as_written():
    out = capture("jq_select_pretty")  # nine tasks as jq printed them: indented, one document per result
    assert not lossy_allowed(out)  # under the small-result bound: only a lossless rewrite may touch it
    res = router.compress_block(out, Context(tool_input=JQ))
    assert res is not None and not res.lossy and res.compressor == jsonlayout.NAME
    assert "key=" not in res.text  # nothing stored, nothing to fetch
    dec = json.JSONDecoder()
    originals, i = [], 0
    while i < len(out.rstrip()):
        doc, end = dec.raw_decode(out, i)
        originals.append(doc)
        i = end + len(out[end:]) - len(out[end:].lstrip())
    assert docs_of(res.text) == originals and len(originals) == 9  # the same documents, in order, one a line
    assert '"title":"Nightly backup of the reports database times out after the vacuum step"' in res.text
    assert count_tokens(res.text) < 0.75 * count_tokens(out)


def test_numbers_strings_and_escapes_keep_their_spelling():
    # re-serialising would write 1.50 as 1.5, 1e3 as 1000.0 and escape the ü: the layout only drops whitespace
    doc = ('{\n  "price": 1.50,\n  "big": 1e3,\n  "city": "Zürich",\n  "quote": "say \\"hi\\"  twice",\n'
           '  "path": "C:\\\\tmp\\\\a b",\n  "empty": {},\n  "list": [\n    1,\n    -0.0\n  ]\n}\n')
    assert jsonlayout.compact(doc) == ('{"price":1.50,"big":1e3,"city":"Zürich","quote":"say \\"hi\\"  twice",'
                                       '"path":"C:\\\\tmp\\\\a b","empty":{},"list":[1,-0.0]}\n')


def test_only_the_documents_of_mixed_output_change():
    recs = [{"id": k, "name": f"worker {k}", "state": "idle"} for k in range(12)]
    block = "fetched 12 workers in 0.3 s\n" + json.dumps(recs, indent=2) + "\n12 workers, 0 busy\n"
    got = jsonlayout.compact(block)
    assert got == "fetched 12 workers in 0.3 s\n" + json.dumps(recs, separators=(",", ":")) + "\n12 workers, 0 busy\n"


def test_python_style_json_lines_lose_their_spaces():
    recs = [{"number": 1600 + k, "title": f"Webhook is slow when report {k} is empty", "labels": ["io", "perf"],
             "comments": k} for k in range(30)]
    block = "".join(json.dumps(r) + "\n" for r in recs)  # json.dumps' own separators: ", " and ": "
    res = router.compress_block(block, Context(tool_input='{"command": "python3 tools/issues.py --since 2026-11"}'))
    assert res is not None and not res.lossy
    assert docs_of(res.text) == recs
    assert count_tokens(res.text) < 0.85 * count_tokens(block)


def test_a_document_cut_inside_a_string_is_left_as_it_is():
    # Claude Code's preview of a saved output stops after 2 KB, inside a string: with no closing quote, dropping
    # "whitespace" there would join the words of a title
    recs = [{"number": 1600 + k, "title": f"Session logs twice when login {k} is empty"} for k in range(40)]
    cut = json.dumps(recs, indent=2)[:2000]
    assert jsonlayout.compact(cut) is None
    block = "<persisted-output>\nOutput too large (52.6KB). Full output saved to: /tmp/x.txt\n\nPreview (first 2KB):\n" + \
        cut + "\n...\n</persisted-output>"
    res = router.compress_block(block, Context(tool_input="python3 tools/issues.py"))
    assert res is None or cut.rsplit("\n", 1)[-1].strip() in res.text


def test_a_file_read_is_never_re_laid_out():
    docs = [{"name": f"fixture-{k}", "port": 8000 + k, "tags": ["a", "b"], "enabled": k % 2 == 0} for k in range(9)]
    text = "".join(json.dumps(d, indent=2) + "\n" for d in docs)
    # the same bytes from `jq .` are re-laid out; from `cat` of the files (the agent may edit one next, and its
    # edit tool matches what it read byte for byte) they are not
    res = router.compress_block(text, Context(tool_name="Bash", tool_input="jq . fixtures/*.json"))
    assert res is not None and res.compressor == jsonlayout.NAME and docs_of(res.text) == docs
    res = router.compress_block(text, Context(tool_name="Bash", tool_input="cat fixtures/a.json fixtures/b.json"))
    assert res is None or res.text == text


def test_text_that_is_not_json_is_left_alone():
    for t in ("{ not json }\n" * 60, "[1, 2, 3] and then prose " * 40, "plain text line\n" * 200,
              '{"a": 1}\n{"b": oops}\n' * 40):
        assert jsonlayout.compact(t) is None, t[:40]


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    lambda kids: st.lists(kids, max_size=5) | st.dictionaries(st.text(max_size=6), kids, max_size=5),
    max_leaves=30)
_containers = st.lists(st.dictionaries(st.text(max_size=6), _json, min_size=1, max_size=6)
                       | st.lists(_json, min_size=1, max_size=6), min_size=1, max_size=4)
_seen = {"examples": 0, "compacted": 0}


@settings(max_examples=200, deadline=None)
@given(_containers, st.sampled_from([1, 2, 4, "\t"]), st.booleans())
def test_any_documents_in_a_row_keep_every_value(docs, indent, ascii_only):
    text = "".join(json.dumps(d, indent=indent, ensure_ascii=ascii_only) + "\n" for d in docs)
    got = jsonlayout.compact(text)
    _seen["examples"] += 1
    if got is None:
        return
    _seen["compacted"] += 1
    assert [json.loads(s) for s in got.split("\n") if s] == docs
    # each value's text as it was: the compact form of the same documents, written the same way
    assert got == "".join(json.dumps(d, separators=(",", ":"), ensure_ascii=ascii_only) + "\n" for d in docs)


def test_the_property_run_compacted_enough_examples():
    test_any_documents_in_a_row_keep_every_value()
    assert _seen["examples"] >= 200 and _seen["compacted"] >= 0.8 * _seen["examples"]


def test_a_short_json_answer_under_the_router_floor_is_written_compactly_too():
    doc = {"generated_at": "2026-12-01T06:00:00Z", "served": 1840, "batches_failed": ["batch-0173.csv"],
           "summary": {"open": 61, "doing": 9, "review": 14, "done": 216, "blocked": 3, "overdue": 7},
           "by_board": {"web": {"open": 20, "done": 80}, "api": {"open": 21, "done": 70}, "ops": {"open": 20}}}
    text = json.dumps(doc, indent=2) + "\n"  # `jq '{generated_at, served, summary, by_board}'`: ~170 tokens
    assert router.big_enough(text, router.ROUTER_MIN_TOKENS, coarse=True) is None  # under the floor
    res = router.compress_block(text, Context(tool_name="Bash", tool_input="jq '{generated_at, served, summary}' r.json"))
    assert res is not None and not res.lossy and json.loads(res.text) == doc and "\n  " not in res.text
    # under the floor, nothing else is touched: prose, and the same document read from its file
    assert router.compress_block("a short line of prose\n" * 20, Context(tool_name="Bash", tool_input="echo")) is None
    assert router.compress_block(text, Context(tool_name="Bash", tool_input="cat r.json")) is None


def test_a_block_past_the_bound_is_not_looked_at():
    recs = [{"id": k, "title": f"Task number {k} about things", "labels": ["a", "b"]} for k in range(900)]
    text = json.dumps(recs, indent=2) + "\n"
    assert len(text) > jsonlayout.MAX_CHARS and jsonlayout.compact(text) is None
    assert jsonlayout.compact(json.dumps(recs[:100], indent=2)) is not None  # the same shape under the bound
