"""`git blame` (round thirteen): a real blame of a 194-line module was text, cut head-first, so the line a question
about "who changed this bound" named went; now it is its own kind, ranked by the request, its gaps naming commits."""
from __future__ import annotations

import re

from headroom_cli.compress import router
from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import blame
from headroom_cli.corpus_real import capture

CMD = '{"command": "git blame headroom_cli/compress/tokens.py"}'
BOUND = "SMALL_RESULT_TOKENS = 1200"


def _line(text: str, needle: str) -> str:
    return next(ln for ln in text.splitlines() if needle in ln)


def _compress(text: str, question: str):
    return router.Router().compress(text, Context(tool_input=CMD, preceding_text=question))


def test_a_real_blame_is_detected_as_blame_and_keeps_the_line_the_request_names():
    out = capture("git_blame")
    assert router.detect(out) == "blame"  # before: text
    res = _compress(out, "Who last changed the small-result bound in tokens.py, and when?")
    assert res is not None and res.lossy and res.kind == "blame"
    assert _line(out, BOUND) in res.text  # the line the question is about, with its commit, author and date
    assert len(res.text) < 0.4 * len(out)


def test_a_line_far_from_the_newest_commit_is_kept_when_the_request_names_it():
    out = capture("git_blame")
    res = _compress(out, "Who wrote the count memo class, _CountMemo, and when?")
    assert res is not None
    kept = res.text.splitlines()
    assert _line(out, "class _CountMemo") in kept  # line 156 of 194: neither the head nor the newest commit


def test_every_gap_names_its_lines_and_the_commits_that_hold_them():
    out = capture("git_blame")
    res = _compress(out, "Who last changed the small-result bound in tokens.py, and when?")
    gaps = [ln for ln in res.text.splitlines() if ln.startswith("[… ") and "headroom_retrieve" not in ln]
    assert gaps
    shas = {m.group(1): m.group(0) for m in map(blame.LINE.match, out.splitlines()) if m}
    total = 0
    for g in gaps:
        m = re.match(r"\[… (\d+) lines? \((\d+)(?:–(\d+))?\) of (.*) omitted\]$", g)
        assert m, g
        cnt, first, last = int(m.group(1)), int(m.group(2)), int(m.group(3) or m.group(2))
        assert cnt == last - first + 1
        named = re.findall(r"([0-9a-f]{8}) [^,]*? \d{4}-\d\d-\d\d \((\d+)\)", m.group(4))
        assert named and all(sha in shas for sha, _ in named)
        assert sum(int(k) for _, k in named) == cnt  # five commits: all of them named, counts add up
        total += cnt
    kept_blame = sum(1 for ln in res.text.splitlines() if blame.LINE.match(ln))
    assert total + kept_blame == len(out.splitlines())


def test_without_a_question_the_newest_commit_is_what_stays():
    out = capture("git_blame")
    res = _compress(out, "")
    assert res is not None
    kept = set(res.text.splitlines())
    newest = [ln for ln in out.splitlines() if ln.startswith("7ff36c18 ")]  # 2026-12-02, the latest of five
    assert len(newest) == 26 and all(ln in kept for ln in newest)


def test_what_is_not_a_blame_is_not_read_as_one():
    oneline = "\n".join(f"{i:07x}a fix the parser (issue {i}) for good" for i in range(30))
    assert router.detect(oneline) != "blame"
    shas = "\n".join(f"{i:040x}" for i in range(30))  # a list of object ids
    assert router.detect(shas) != "blame"
    short = "\n".join(capture("git_blame").splitlines()[:12])  # a blame too short to cut
    assert blame.compress(short, Context()) is None


def test_blames_printed_with_emails_long_ids_short_dates_or_annotates_tabs_are_blames_too():
    out = capture("git_blame")
    m = [blame.LINE.match(ln) for ln in out.splitlines()]
    rows = [(g.group(1), g.group(2).strip(), g.group(3), g.group(4), ln[g.end():]) for g, ln in zip(m, out.splitlines())]
    forms = {
        "-e": [f"{s} (<{w.split()[0].lower()}@example.com> {d} {k:>3}) {c}" for s, w, d, k, c in rows],
        "-l": [f"{s}{'0' * 32} ({w} {d} {k:>3}) {c}" for s, w, d, k, c in rows],
        "--date=short": [f"{s} ({w} {d[:10]} {k:>3}) {c}" for s, w, d, k, c in rows],
        "-c": [f"{s}\t({w}\t{d}\t{k}){c}" for s, w, d, k, c in rows],
    }
    for opt, lines in forms.items():
        text = "\n".join(lines) + "\n"
        assert router.detect(text) == "blame", opt
        res = _compress(text, "Who last changed the small-result bound in tokens.py, and when?")
        assert res is not None and res.kind == "blame", opt
        assert _line(text, BOUND) in res.text, opt
