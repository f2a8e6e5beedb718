"""Lossless re-reads (issue 14 item 2): a tool result whose lines already stand verbatim in an earlier tool result
points at them — and only at a block that was forwarded verbatim; the same bytes on every later turn."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from output_digests import MemStore

from headroom_cli.compress import markers, rereads
from headroom_cli.compress.api import CompressConfig, compress_request
from headroom_cli.compress.memo import Memo
from headroom_cli.corpus_reads import module_source, numbered

CWD = "/home/dev/app"
SRC = module_source(__import__("random").Random(7))  # ~500 lines of a project module
PATH = f"{CWD}/src/orders/pipeline.py"
REMINDER = "\n<system-reminder>\nWhenever you read a file, consider whether it looks malicious.\n</system-reminder>"


def claude(steps, *, system=f"Primary working directory: {CWD}"):
    msgs = [{"role": "user", "content": [{"type": "text", "text": "Fix the refund path."}]}]
    for i, (name, inp, out) in enumerate(steps):
        msgs.append({"role": "assistant", "content": [{"type": "tool_use", "id": f"toolu_{i:02d}", "name": name,
                                                       "input": inp}]})
        msgs.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"toolu_{i:02d}",
                                                  "content": out}]})
    return {"model": "claude-sonnet-4-5", "system": system, "tools": [{"name": "Read"}, {"name": "Bash"}],
            "messages": msgs}


def run(body, protocol="anthropic", store=None, memo=None, **kw):
    store = store if store is not None else MemStore()
    r = compress_request(body, protocol, CompressConfig(store=store, memo=memo or Memo(), **kw))
    return r, store


def result_text(body, i):
    """The i-th tool result's content (Anthropic shape used here)."""
    return body["messages"][2 + 2 * i]["content"][0]["content"]


def read(a=1, b=None):
    b = len(SRC) if b is None else b
    return numbered(SRC[a - 1:b], a) + REMINDER


def test_whole_reread_of_a_protected_read_becomes_one_reference_and_its_key_brings_it_back():
    body = claude([("Read", {"file_path": PATH}, read()), ("Bash", {"command": "pytest -q"}, "1 passed\n"),
                   ("Read", {"file_path": PATH}, read())])
    r, store = run(body)
    first, again = result_text(r.body, 0), result_text(r.body, 2)
    assert first == result_text(body, 0)  # the first read is protected and stays whole
    assert again.startswith(f"[… lines 1–{len(SRC)} not repeated: identical to lines 1–{len(SRC)} of the Read of "
                            f"{PATH} above; this result in full: headroom_retrieve key=")
    assert again.endswith(REMINDER)  # what the agent appended after the numbered lines stays, verbatim
    (blk,) = r.blocks
    assert blk.compressor == "reread" and blk.path == ("messages", 6, "content", 0, "content")
    assert markers.find_keys(again) == [blk.key]
    assert store.items[blk.key] == result_text(body, 2)  # byte-exact original


def test_range_of_a_file_shown_whole_names_both_line_ranges():
    body = claude([("Read", {"file_path": PATH}, read()),
                   ("Read", {"file_path": PATH, "offset": 140, "limit": 76}, read(140, 215))])
    r, store = run(body)
    ref = result_text(r.body, 1)
    assert ref.startswith("[… lines 140–215 not repeated: identical to lines 140–215 of the Read of ")
    assert store.items[r.blocks[0].key] == result_text(body, 1)


def test_content_lines_match_whatever_the_prefix_and_a_cat_is_a_target_too():
    # Codex `cat` (no numbers) whole, then Claude Code-style numbered range of the same file, other prefix style
    cat = "\n".join(SRC) + "\n"
    arrow = "".join(f"{i:6d}→{SRC[i - 1]}\n" for i in range(200, 261))
    body = claude([("Bash", {"command": f"cat {PATH}"}, cat), ("Read", {"file_path": PATH}, arrow)])
    r, _ = run(body)
    ref = result_text(r.body, 1)
    assert ref.startswith(f"[… lines 200–260 not repeated: identical to lines 200–260 of the Bash output of `cat {PATH}`")


def test_reread_after_an_edit_keeps_the_changed_lines_verbatim_between_references():
    edited = list(SRC)
    edited[250] = "    raise RuntimeError('changed by the edit')"
    body = claude([("Read", {"file_path": PATH}, read()),
                   ("Read", {"file_path": PATH}, numbered(edited) + REMINDER)])
    r, store = run(body)
    out = result_text(r.body, 1)
    lines = out.split("\n")
    assert lines[0].startswith("[… lines 1–250 not repeated: identical to lines 1–250 of the Read of")
    assert lines[1] == "251\t    raise RuntimeError('changed by the edit')"
    assert lines[2].startswith(f"[… lines 252–{len(SRC)} not repeated: identical to lines 252–{len(SRC)} of")
    assert store.items[r.blocks[0].key] == result_text(body, 1)


def test_reference_never_points_at_a_block_that_was_itself_cut():
    # The same text first arrives as a compressible command output (the log compressor cuts it), then as a
    # protected read. Pointing at the first would point at lines the model never saw: the read stays whole.
    log = "".join(f"2026-12-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z INFO worker-{i % 3} step {i} done in {i * 7 % 90}ms\n"
                  for i in range(400))
    body = claude([("Bash", {"command": "tail -n 400 /var/log/app.log"}, log),
                   ("Read", {"file_path": f"{CWD}/notes/app-log-copy.txt"}, numbered(log.split("\n")[:-1]))])
    r, _ = run(body)
    (blk,) = r.blocks
    assert blk.path[1] == 2 and blk.compressor != "reread"  # the first one was cut …
    assert result_text(r.body, 1) == result_text(body, 1)  # … so the second is not a reference to it
    # the guard at work: the same read after a verbatim copy of the log does become a reference
    body2 = claude([("Bash", {"command": "tail -n 400 /var/log/app.log"}, log),
                    ("Read", {"file_path": f"{CWD}/notes/app-log-copy.txt"}, numbered(log.split("\n")[:-1]))])
    r2, _ = run(body2, protect_tools=("Bash",))
    assert result_text(r2.body, 0) == log and result_text(r2.body, 1).startswith("[… lines 1–400 not repeated")


def test_short_runs_stay_and_retrieval_results_are_never_references():
    few = numbered(SRC[:6])  # 6 lines: below MIN_LINES
    body = claude([("Read", {"file_path": PATH}, read()), ("Read", {"file_path": PATH}, few)])
    r, _ = run(body)
    assert not r.blocks
    body = claude([("Read", {"file_path": PATH}, read()),
                   ("mcp__headroom__headroom_retrieve", {"key": "0" * 24}, read())])
    r, _ = run(body)
    assert not r.blocks  # a retrieved original comes back whole, even when it repeats an earlier block


def test_a_numbered_looking_table_is_not_stripped_of_its_first_column():
    # `1000\tsku-…` rows: consecutive ids look like a numbered read. Two tables differing only in their ids are
    # not identical; only a read tool's (or `cat -n`'s) numbers are set aside for matching.
    rows = "".join(f"{1000 + i}\tsku-{i:04d}\t{(i * 37) % 101} units in warehouse {i % 5}\n" for i in range(60))
    shifted = rows.replace("\n1", "\n2").replace("1000\t", "2000\t", 1)
    assert rereads.numbers_are_prefixes("Read", "") and rereads.numbers_are_prefixes("Bash", "cat -n x.py")
    assert not rereads.numbers_are_prefixes("Bash", "psql -c 'select * from stock'")
    from headroom_cli.compress.base import Context

    def ref(numbers: bool) -> str | None:
        idx = rereads.Index()
        idx.add(rows, "the Bash output of `psql`", 0, numbers=numbers)
        return idx.match("k" * 24, shifted, 1, Context(), numbers=numbers)

    assert ref(numbers=False) is None
    # what the rule prevents: with the ids taken for line numbers, a false "identical" would go out
    assert ref(numbers=True).startswith("[… lines 2000–2059 not repeated: identical to lines 1000–1059")


def turns(steps):
    """The request an agent sends after each step: each one the previous plus one more exchange."""
    return [claude(steps[:k]) for k in range(1, len(steps) + 1)]


def test_cache_safety_every_forwarded_block_is_re_forwarded_unchanged_on_later_turns():
    steps = [("Read", {"file_path": PATH}, read()), ("Bash", {"command": "ls"}, "a\nb\n"),
             ("Read", {"file_path": PATH, "offset": 140, "limit": 76}, read(140, 215)),
             ("Bash", {"command": "pytest -q"}, "3 passed\n"), ("Read", {"file_path": PATH}, read())]
    memo, store = Memo(), MemStore()
    sent = []
    for body in turns(steps):
        r, _ = run(body, store=store, memo=memo)
        sent.append(r.body["messages"])
    for k in range(1, len(sent)):
        assert sent[k][:len(sent[k - 1])] == sent[k - 1]  # history goes out exactly as it did the turn before
    assert sum("not repeated" in json.dumps(m) for m in sent[-1]) == 2
    # and without the memo (a restarted proxy), the same bytes
    r, _ = run(turns(steps)[-1], memo=Memo())
    assert r.body["messages"] == sent[-1]


def test_same_references_in_another_process_with_another_hash_seed(tmp_path):
    body = claude([("Read", {"file_path": PATH}, read()), ("Read", {"file_path": PATH}, read(100, 180))])
    p = tmp_path / "b.json"
    p.write_text(json.dumps(body))
    code = ("import json,sys; sys.path.insert(0, 'tests'); from output_digests import MemStore; "
            "from headroom_cli.compress.api import CompressConfig, compress_request; "
            f"b=json.load(open({str(p)!r})); r=compress_request(b,'anthropic',CompressConfig(store=MemStore())); "
            "print(json.dumps(r.body['messages'][-1]))")
    outs = set()
    for seed in ("0", "7777"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        q = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                           cwd=os.path.dirname(os.path.dirname(__file__)))
        assert q.returncode == 0, q.stderr
        outs.add(q.stdout)
    assert len(outs) == 1 and "not repeated" in outs.pop()


def test_two_earlier_reads_of_one_path_the_reference_says_which():
    # the file changed between two whole reads (every 5th line: no run of MIN_LINES in common, so the second
    # read is not a reference and both go out verbatim); a range read of the second version must name that one
    v2 = [ln + "  # v2" if k % 5 == 0 else ln for k, ln in enumerate(SRC)]
    body = claude([("Read", {"file_path": PATH}, read()), ("Bash", {"command": "git pull"}, "Updated 1 file.\n"),
                   ("Read", {"file_path": PATH}, numbered(v2) + REMINDER),
                   ("Read", {"file_path": PATH, "offset": 20, "limit": 40}, numbered(v2[19:59], 20))])
    r, _ = run(body)
    assert [b.path[1] for b in r.blocks] == [8]  # only the range read changed
    ref = result_text(r.body, 3)
    assert ref.startswith(f"[… lines 20–59 not repeated: identical to lines 20–59 of the Read of {PATH} above "
                          "(1 tool result back);")
    assert rereads.MIN_LINES == 8 and rereads.MIN_CHARS == 800  # the rule the README states


def test_references_follow_the_marker_tool_as_the_client_sees_it():
    body = claude([("Read", {"file_path": PATH}, read()), ("Read", {"file_path": PATH}, read(30, 90))])
    r, _ = run(body, marker_tool="mcp__headroom__headroom_retrieve", marker_hint="load it with ToolSearch first")
    ref = result_text(r.body, 1)
    assert "mcp__headroom__headroom_retrieve key=" in ref and ref.split("]")[0].endswith("load it with ToolSearch first")
