"""Regions: JSON documents inside other text are found, each compressed by its own kind's compressor, the text
around them kept verbatim, and the pieces joined back in order."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

from headroom_cli.ccr.store import key_for
from headroom_cli.compress import markers, regions, router
from headroom_cli.compress.base import Context, Result

import test_compressors_samples as S

DATA = Path(__file__).resolve().parent.parent / "headroom_cli" / "corpus_data" / "mixed"


def _capture(name: str) -> str:
    return (DATA / f"{name}.txt").read_bytes().decode("utf-8")


def _records(n: int = 200, seed: int = 42) -> list[dict]:
    r = random.Random(seed)
    out = []
    for i in range(n):
        rec = {"id": i, "method": r.choice(["GET", "POST"]), "target": f"/api/v1/orders/{r.randrange(10 ** 5)}",
               "status": 200, "replayed_ms": r.randrange(3, 900)}
        if i % 5 == 2:
            rec.update(status="error", error=f"ValueError: invalid literal for int() with base 10: b'x{i}'")
        out.append(rec)
    return out


def _replay_block() -> str:
    recs = _records()
    bad = sum(r["status"] == "error" for r in recs)
    return json.dumps(recs, indent=2) + f"{200 - bad}/200 requests replayed cleanly\n"


def test_regions_cover_the_block_exactly_in_order():
    banner = "WARNING: the config file is deprecated\nfetching page 1 of 1 ...\n"
    docs = [json.dumps({"page": k, "items": _records(30, k)}, indent=1) for k in range(3)]
    block = banner + docs[0] + "\n" + docs[1] + docs[2] + "\ndone: 90 items in 3 pages\n"
    rs = regions.split(block)
    assert rs is not None
    assert "".join(block[r.start:r.end] for r in rs) == block
    assert all(a.end == b.start for a, b in zip(rs, rs[1:]))
    assert [r.kind for r in rs if r.kind == "json"] == ["json"] * 3  # `}{` on one line: still two documents
    assert [r.doc["page"] for r in rs if r.kind == "json"] == [0, 1, 2]
    assert block[rs[0].start:rs[0].end] == banner


class _Recorder:
    """A compressor for one kind that records what it was given and tags its output."""

    def __init__(self, kind: str, seen: list):
        self.name, self.kinds, self.seen = f"rec-{kind}", (kind,), seen

    def compress(self, text, ctx, *, key=None, doc=None):
        self.seen.append((self.kinds[0], text, doc))
        return Result(f"<{self.kinds[0]}:{len(text)}>", False, self.name, self.kinds[0])


def test_each_region_goes_to_its_own_kinds_compressor_and_prose_stays_verbatim():
    seen: list = []
    reg = router.REGISTRY.replacing(*(_Recorder(k, seen) for k in ("json", "jsonl", "log", "build", "text")))
    log_part = "\n".join(f"2026-12-01T10:00:{i % 60:02d}Z INFO worker-1 processed batch {i} in {i % 9}ms"
                         for i in range(120)) + "\n"
    ndjson = "".join(json.dumps({"ts": i, "level": "info", "event": "tick", "n": i}) + "\n" for i in range(40))
    doc = json.dumps({"items": _records(60)}, indent=2)
    block = "Report for 2026-12-01\n" + doc + "\n" + log_part + ndjson + "summary: 60 items, 120 batches\n"
    res = regions.compress(block, Context(), key=key_for(block), registry=reg, detect=router.detect)
    assert res is not None and res.kind == "mixed"
    kinds = [k for k, _, _ in seen]
    assert kinds == ["json", "log", "jsonl"]
    assert seen[0][2] == json.loads(doc)  # the document parsed once, handed over with its text
    # the stretch after the document (its newline and the log) is one region: the log's
    assert res.text == (f"Report for 2026-12-01\n<json:{len(doc)}><log:{len(log_part) + 1}><jsonl:{len(ndjson) - 1}>\n"
                        "summary: 60 items, 120 batches\n")


def test_json_then_summary_line_is_compressed_as_json_with_the_summary_verbatim():
    block = _replay_block()
    assert router.detect(block) != "json"  # one document followed by prose: not JSON as a whole
    res = router.compress_block(block, Context(tool_input="python replay.py"))
    assert res is not None and res.lossy and res.kind == "mixed" and res.compressor == "json"
    doc_text, summary = res.text.rsplit("]", 1)
    assert summary == "160/200 requests replayed cleanly\n"
    kept = json.loads(doc_text + "]")
    errors = [r for r in _records() if r["status"] == "error"]
    kept_ids = {r["id"] for r in kept if isinstance(r, dict)}
    assert all(e["id"] in kept_ids for e in errors)  # every error record, not 1 of 40
    assert markers.find_keys(res.text) == [key_for(block)]


def test_every_lossy_piece_names_the_blocks_key():
    block = "== run 1 ==\n" + json.dumps(_records(120, 1), indent=2) + "\n== run 2 ==\n" + \
        json.dumps(_records(120, 2), indent=2) + "\n"
    res = router.compress_block(block, Context())
    assert res is not None and res.lossy
    assert markers.find_keys(res.text) == [key_for(block)]
    assert res.text.count("key=" + key_for(block)) == 2  # one full marker per document
    assert res.text.startswith("== run 1 ==\n") and "\n== run 2 ==\n" in res.text


def test_a_document_another_stream_wrote_into_is_repaired_and_the_foreign_text_kept():
    block = _capture("curl_verbose_json")  # real: curl -sv … 2>&1, its stderr landed inside the body
    assert "num* Closing connection 0\nber" in block
    rs = regions.split(block)
    assert rs is not None
    doc = next(r for r in rs if r.kind == "json")
    assert doc.foreign == ("* Closing connection 0\n",)
    assert any(x["number"] == 4117 for x in doc.doc["items"])  # the record it was written into, whole
    res = router.compress_block(block, Context(preceding_text="who owns issue 4117?"))
    assert res is not None and res.text.startswith(block[:doc.start])  # the request/response banner verbatim
    assert res.text.endswith("\n* Closing connection 0")


def test_inside_a_string_without_evidence_of_the_other_stream_nothing_is_dropped():
    doc = json.dumps({"items": _records(40)}, indent=2)
    cut = doc.index('"target"', 2000) + 4
    block = doc[:cut] + "zap\n" + doc[cut:]  # no other line starts like "za…": no way to tell where it began
    assert regions.split(block) is None


def test_other_kinds_are_not_split():
    blocks = [S.pytest_log()[0], S.worker_log()[0], S.git_diff()[0] if hasattr(S, "git_diff") else "",
              "[INFO] build started\n[1/3] compiling\n" * 50,
              "int main() {\n  return 0;\n}\n{\n  int x = 1;\n}\n" * 40,
              "".join(json.dumps({"n": i}) + "\n" for i in range(3)) + "plain text\n" * 80]
    for b in blocks:
        if b:
            assert regions.split(b) is None, b[:80]


def test_a_small_mixed_result_gets_only_its_lossless_rewrite():
    recs = _records(12)
    block = "fetched 12 records\n" + json.dumps(recs, indent=2) + "\nok\n"
    res = router.compress_block(block, Context())
    assert res is not None and not res.lossy
    assert res.text == "fetched 12 records\n" + json.dumps(recs, separators=(",", ":")) + "\nok\n"


def test_mixed_output_is_the_same_in_another_process():
    block = _replay_block() + _capture("curl_verbose_json")
    here = router.compress_block(block, Context(tool_input="x")).text
    code = ("import sys,json; from headroom_cli.compress import router; from headroom_cli.compress.base import "
            "Context; b=sys.stdin.read(); sys.stdout.write(router.compress_block(b, Context(tool_input='x')).text)")
    there = subprocess.run([sys.executable, "-c", code], input=block.encode(), capture_output=True, check=True,
                           env={"PYTHONHASHSEED": "123", "PATH": ""}).stdout.decode()
    assert there == here


def _codex_cut(text: str, keep: int = 5000) -> str:
    """What Codex does to a long output: its head and its tail, the middle replaced by its marker, wherever that
    falls (inside a record, inside a string)."""
    return text[:keep] + f"…{len(text) - 2 * keep} chars truncated…" + text[-keep:]


def _whole(part: list, recs: list) -> bool:
    return all(r in recs for r in part)


def test_a_listing_an_agent_cut_in_the_middle_is_compressed_as_json_on_both_sides():
    recs = _records(300)
    listing = "[\n" + ",\n".join(json.dumps(r) for r in recs) + "\n]\n"  # one record a line (a real tool's shape)
    block = _codex_cut(listing)
    rs = regions.split(block)
    assert rs is not None and [r.kind for r in rs] == ["json", "text", "json", "text"]
    head, tail = rs[0].doc, rs[2].doc
    assert head == recs[:len(head)] and tail == recs[-len(tail):]  # whole records, in order, none made up
    assert "chars truncated…" in block[rs[1].start:rs[1].end]  # the partial records and the cut stay as they were
    res = router.compress_block(block, Context())
    assert res is not None and res.lossy and res.kind == "mixed"
    assert block[rs[1].start:rs[1].end] in res.text
    before = router.Router(router.REGISTRY).compress(block, Context())  # deterministic
    assert before.text == res.text
    for r in head + tail:  # every error record on either side of the cut is kept
        if r["status"] == "error":
            assert r["error"] in res.text


def test_a_cut_document_inside_an_envelope_object_keeps_only_whole_records():
    recs = _records(200)
    doc = json.dumps({"total": 200, "page": 1, "items": recs}, indent=2)
    block = "Chunk ID: 1a2b3c\nWall time: 0.1 seconds\nProcess exited with code 0\nOriginal token count: 9000\n" \
            "Output:\nWarning: truncated output (original token count: 9000)\nTotal output lines: 1606\n\n" + _codex_cut(doc)
    body = block[block.index("\n\n") + 2:]
    rs = regions.split(body)
    assert rs is not None
    head = rs[0].doc
    assert head["total"] == 200 and head["items"] and _whole(head["items"], recs)
    assert len(head["items"]) < 200 and head["items"] == recs[:len(head["items"])]
    res = router.compress_block(block, Context())
    assert res is not None and res.text.startswith(block[:block.index("\n\n") + 2])


def test_a_one_line_listing_between_a_banner_and_a_summary_cut_in_the_middle():
    recs = _records(150)
    out = "\x1b[1;34m==> replaying 150 jobs\x1b[0m\n" + json.dumps(recs) + "\n\x1b[32m120/150 ok\x1b[0m, \x1b[31m30 failed\x1b[0m\n"
    block = _codex_cut(out, 4000)
    res = router.compress_block(block, Context())
    assert res is not None and res.kind == "mixed" and "\x1b" not in res.text
    assert res.text.startswith("==> replaying 150 jobs\n") and res.text.endswith("120/150 ok, 30 failed\n")
    assert "chars truncated…" in res.text


def test_a_cut_without_the_agents_marker_is_not_guessed_at():
    recs = _records(300)
    listing = "[\n" + ",\n".join(json.dumps(r) for r in recs) + "\n]\n"
    assert regions.split(listing[:6000] + "\n[... cut ...]\n" + listing[-6000:]) is None


def test_a_document_cut_at_the_end_is_its_whole_elements_and_the_partial_one_as_it_was():
    # `jq . report.json | head -400` (or `curl … | head`): the document never closes; it was text read as code
    # and kept whole (0 % saved on a 2,851-token real capture of the web session's report)
    recs = _records(200)
    doc = json.dumps({"total": 200, "page": 1, "items": recs}, indent=2)
    lines = doc.split("\n")
    block = "\n".join(lines[:900]) + "\n"
    rs = regions.split(block)
    assert rs is not None and [r.kind for r in rs] == ["json", "text"]
    head = rs[0].doc
    assert head["total"] == 200 and 0 < len(head["items"]) < 200 and head["items"] == recs[:len(head["items"])]
    partial = block[rs[1].start:]
    assert partial.strip() and json.dumps(recs[len(head["items"])]["id"]) in partial  # the cut record, as it was
    named = recs[40]
    res = router.compress_block(block, Context(preceding_text=f"What did the replay of {named['target']} return?"))
    assert res is not None and res.lossy and res.kind == "mixed"
    assert json.dumps(named, separators=(",", ":")) in res.text and len(res.text) < 0.3 * len(block)
    assert res.text.endswith(partial)


def test_a_compact_listing_cut_by_bytes_is_its_whole_records():
    recs = _records(120)
    block = json.dumps(recs)[:9000]  # `head -c 9000`
    rs = regions.split(block)
    assert rs is not None and rs[0].kind == "json" and rs[0].doc == recs[:len(rs[0].doc)]
