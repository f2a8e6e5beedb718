"""Diff cuts past the budget (issue 13: a commit's diff sent 2,690 of 5,217 tokens in a real review session): the
tests' hunks of a commit of code and tests that the request does not point to are counted in one marker, and a
piece the cuts leave with context lines only goes."""
from __future__ import annotations

import re

from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import diff


def _test_hunk(start: int, name: str) -> list[str]:
    body = [f"+def test_{name}():",
            f'+    """The {name} case, as a reader of the module meets it."""',
            "+    recs = _records(200)",
            '+    doc = json.dumps({"total": 200, "page": 1, "items": recs}, indent=2)',
            "+    body = _codex_cut(doc)",
            "+    rs = regions.split(body)",
            "+    assert rs is not None",
            "+    head = rs[0].doc",
            '+    assert head["total"] == 200 and head["items"]',
            '+    assert len(head["items"]) < 200 and head["items"] == recs[:len(head["items"])]',
            "+",
            "+"]
    return [f"@@ -{start},0 +{start + 1},{len(body)} @@"] + body


def _commit(question_names_tests: bool = False) -> str:
    out = ["commit e198b5776eac140e975fd0dbeb6f0bda8f7dbb04",
           "Author: dev <dev@example.invalid>",
           "Date:   Wed Dec 2 02:11:36 2026 +0000",
           "",
           "    regions: a document an agent cut in the middle becomes two documents",
           "",
           "diff --git a/pkg/regions.py b/pkg/regions.py",
           "index 1111111..2222222 100644",
           "--- a/pkg/regions.py",
           "+++ b/pkg/regions.py",
           "@@ -84,4 +84,4 @@ def _parse_at(text: str, i: int, eol: int) -> tuple[Any, int, tuple[str, ...]] | None:",
           "     except json.JSONDecodeError as e:",
           "-        if j - i >= MIN_JSON_CHARS and e.pos < j:",
           "+        if j - i >= MIN_JSON_CHARS and e.pos < j and not _CUT.search(text, i, j):",
           "             return _repair(text, i, j, e.pos)",
           "         return None",
           "diff --git a/tests/test_regions.py b/tests/test_regions.py",
           "index 3333333..4444444 100644",
           "--- a/tests/test_regions.py",
           "+++ b/tests/test_regions.py"]
    for k, name in enumerate(["cut_listing", "cut_envelope", "one_line_listing", "no_marker", "tail_only",
                              "head_only", "nested_arrays", "strings_cut"]):
        out += _test_hunk(150 + 20 * k, name)
    return "\n".join(out) + "\n"


def test_a_commits_test_hunks_the_request_does_not_name_are_one_marker():
    text = _commit()
    ctx = Context(tool_input='{"command": "git show e198b57"}',
                  preceding_text="What did commit e198b57 change in the regions module (_parse_at)?")
    res = diff.compress(text, ctx)
    assert res is not None
    assert "+        if j - i >= MIN_JSON_CHARS and e.pos < j and not _CUT.search(text, i, j):" in res.text
    assert "-        if j - i >= MIN_JSON_CHARS and e.pos < j:" in res.text
    assert "@@ -84,4 +84,4 @@" in res.text
    assert re.search(r"\[… 8 hunks changing tests \(\+96 -0 lines\), in tests/test_regions\.py omitted\]", res.text)
    assert "def test_cut_listing" not in res.text
    assert "key=" in res.text


def test_test_hunks_stay_when_the_request_names_the_test_file():
    text = _commit()
    ctx = Context(tool_input='{"command": "git show e198b57"}',
                  preceding_text="What did commit e198b57 add to tests/test_regions.py?")
    res = diff.compress(text, ctx)
    assert res is None or "changing tests" not in res.text


def _rename() -> str:
    """A rename over many lines (`cell_len` -> `cell_width`), git show's shape; one hunk renames a definition and
    then a use, with a blank context line after it."""
    out = ["diff --git a/src/rich/text.py b/src/rich/text.py", "index 1..2 100644", "--- a/src/rich/text.py",
           "+++ b/src/rich/text.py"]
    for k in range(6):
        s = 40 + 30 * k
        out += [f"@@ -{s},3 +{s},3 @@ class Text(JupyterMixin):",
                f"         width_{k} = self.measure()",
                f"-        total_{k} = cell_len(self.plain) + pad_{k}",
                f"+        total_{k} = cell_width(self.plain) + pad_{k}",
                f"         return total_{k}"]
    out += ["@@ -224,8 +224,8 @@ class Text(JupyterMixin):",
            "     @property",
            "-    def cell_len(self) -> int:",
            "+    def cell_width(self) -> int:",
            '         """Get the number of cells required to render this text."""',
            "-        return cell_len(self.plain) if self._cache is None else self._cache",
            "+        return cell_width(self.plain) if self._cache is None else self._cache",
            "",
            "     @property",
            "     def spans(self) -> list:"]
    return "\n".join(out) + "\n"


def test_no_hunk_piece_is_left_with_context_lines_only():
    text = _rename()
    res = diff.compress(text, Context(tool_input='{"command": "git show HEAD"}', preceding_text="what changed?"))
    assert res is not None
    out = res.text.split("\n")
    assert "+    def cell_width(self) -> int:" in out
    for k, line in enumerate(out):
        if line.startswith("@@ "):
            e = k + 1
            while e < len(out) and not out[e].startswith(("@@ ", "[…", "diff --git")):
                e += 1
            assert any(ln[:1] in "+-" and ln for ln in out[k + 1:e]), out[k:e + 1]


def test_a_hunk_making_an_earlier_hunks_change_again_is_a_repeat_however_often_it_makes_it():
    # a real mechanical commit (vendored click: `# --` added above definitions in every module): a hunk that adds the
    # line three times repeats the hunk that added it once (it was kept: its changed lines as a whole were new)
    from headroom_cli.corpus_real import capture

    out = capture("git_show_mechanical")
    res = diff.compress(out, Context(tool_input="git show HEAD", preceding_text="What did the last commit change?"))
    assert res is not None
    text = res.text
    assert "+    return int(value)" in text and "-    return round(value, 2)" in text  # the one real change
    assert "def get_current_context(silent: bool = False) -> Context | None:" not in text
    assert re.search(r"repeating changes shown above, in [^\]]*src/click/globals\.py", text)


def _hunk(start: int, old: str, new: str) -> list[str]:
    return [f"@@ -{start},3 +{start},3 @@", " context above", f"-{old}", f"+{new}", " context below"]


def test_a_hunk_whose_changes_pair_differently_is_not_a_repeat():
    lines = ["diff --git a/m.py b/m.py", "--- a/m.py", "+++ b/m.py"]
    lines += _hunk(10, "x = a", "x = b") + _hunk(40, "y = c", "y = d")
    lines += _hunk(70, "x = a", "x = b") + _hunk(90, "x = a", "y = d")  # a repeat, then a new change
    lines += [f" filler {k}" for k in range(3)]
    for k in range(12):
        lines += _hunk(200 + 20 * k, f"z{k} = {k}", f"z{k} = {k + 1}")
    res = diff.compress("\n".join(lines) + "\n", Context(tool_input="git diff"))
    assert res is not None
    assert "+y = d" in res.text and res.text.count("-x = a") == 2  # the a → b once, the a → d of its own


def _function(name: str, n: int, indent: str = "    ", changed: int | None = None) -> list[str]:
    """A function of n statements, each line distinct; line `changed` reads differently."""
    out = [f"def {name}(netrc_path, host):"]
    for i in range(n):
        line = f"{indent}entry_{i} = lookup_field(netrc_path, host, field_number={i})"
        if i == changed:
            line = f"{indent}login_i = 1 if entry_{i - 1}[0] else 0  # the one real edit"
        out.append(line)
    return out


def _filler(path: str, start: int) -> list[str]:
    """An unrelated hunk of plain changes, so the diff is over its budget."""
    return [f"diff --git a/{path} b/{path}", f"--- a/{path}", f"+++ b/{path}", f"@@ -{start},3 +{start},3 @@",
            " import os", f"-TIMEOUT_{start} = {start}", f"+TIMEOUT_{start} = {start * 2}", " import sys"]


def test_a_moved_function_keeps_the_lines_the_move_changed():
    # `get_netrc_auth` moved to a module of its own with one line changed: 40 removed lines, 40 added ones; the
    # long-run cut kept each run's first lines and dropped the one line that differs
    old, new = _function("get_netrc_auth", 40), _function("get_netrc_auth", 40, changed=23)
    text = "\n".join(
        ["diff --git a/requests/utils.py b/requests/utils.py", "--- a/requests/utils.py", "+++ b/requests/utils.py",
         f"@@ -190,{len(old)} +190,0 @@"] + ["-" + x for x in old] +
        ["diff --git a/requests/_netrc.py b/requests/_netrc.py", "new file mode 100644", "--- /dev/null",
         "+++ b/requests/_netrc.py", f"@@ -0,0 +1,{len(new)} @@"] + ["+" + x for x in new] +
        [x for k in range(12) for x in _filler(f"requests/m{k}.py", 10 + k)]) + "\n"
    res = diff.compress(text, Context(tool_input="git show HEAD", preceding_text="Did any logic change in the move?"))
    assert res is not None and len(res.text) < 0.7 * len(text)
    assert "+" + new[24] in res.text  # the changed line, verbatim
    assert "+" + new[10] not in res.text  # a line that only moved is cut


def test_a_reindented_file_keeps_its_one_real_change():
    # a file re-indented with tabs: each line a -/+ pair differing in whitespace alone, and one pair that differs
    # in more; the whitespace pairs say nothing (one marker), the real change stays
    old = _function("confirm", 60)
    new = _function("confirm", 60, indent="\t", changed=31)
    body = ["-" + x for x in old[1:]] + ["+" + x for x in new[1:]]
    text = "\n".join(["diff --git a/click/termui.py b/click/termui.py", "--- a/click/termui.py",
                      "+++ b/click/termui.py", f"@@ -10,{len(old)} +10,{len(new)} @@", " " + old[0]] + body) + "\n"
    res = diff.compress(text, Context(tool_input="git show HEAD",
                                      preceding_text="This was supposed to be whitespace-only; does it change behaviour?"))
    assert res is not None and len(res.text) < 0.4 * len(text)
    assert "+" + new[32] in res.text


def test_a_long_commit_message_keeps_its_breaking_note_wherever_it_stands():
    # a 33-line message: its first lines, `Refs:` last, and in its middle the note that the change breaks
    # callers; the request ("anything breaking? can this go out as a patch?") shares no word with the note
    msg = ["    ssl: build the context once per pool", ""] + \
          [f"    Step {i}: the pool now reuses context {i} for every connection it opens to one host." for i in range(14)] + \
          ["", "    Note: passing verify as a string path to a CA bundle is no longer accepted;",
           "    pass an ssl.SSLContext instead.", ""] + \
          [f"    Detail {i}: the cache key of a context is its host, port and options tuple {i}." for i in range(12)] + \
          ["", "    Refs: #6412"]
    head = ["commit 9f3c2a1b4d5e6f708192a3b4c5d6e7f8091a2b3c", "Author: dev <dev@example.invalid>",
            "Date:   Mon Nov 30 10:00:00 2026 +0000", ""] + msg + [""]
    text = "\n".join(head + [x for k in range(14) for x in _filler(f"urllib3/m{k}.py", 20 + k)]) + "\n"
    res = diff.compress(text, Context(tool_input="git log -p -1",
                                      preceding_text="Anything breaking? Can this go out as a patch release?"))
    assert res is not None and "lines of the commit message omitted" in res.text
    assert "    Note: passing verify as a string path to a CA bundle is no longer accepted;" in res.text
    assert "    pass an ssl.SSLContext instead." in res.text


def test_a_lock_file_hunk_the_request_points_to_is_shown():
    # `git show` of a dependency bump: package.json's range and package-lock.json's resolved versions; a lock
    # file's hunks go as generated, but "which lodash version does the lock resolve to?" is about one of them
    pkgs = ["lodash", "express", "body-parser", "cookie", "raw-body", "qs", "debug", "ms", "mime", "send"]
    out = ["commit 012e2fa9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6", "Author: dev <dev@example.invalid>",
           "Date:   Mon Nov 30 10:00:00 2026 +0000", "", "    deps: bump lodash and express", "",
           "diff --git a/package.json b/package.json", "--- a/package.json", "+++ b/package.json",
           "@@ -10,3 +10,3 @@", '   "dependencies": {', '-    "lodash": "^4.17.15",', '+    "lodash": "^4.17.21",',
           '     "express": "^4.18.2"', "diff --git a/package-lock.json b/package-lock.json",
           "--- a/package-lock.json", "+++ b/package-lock.json"]
    for k, p in enumerate(pkgs):
        out += [f"@@ -{100 + 40 * k},7 +{100 + 40 * k},7 @@", f'     "node_modules/{p}": {{',
                f'-      "version": "1.{k}.0",', f'+      "version": "1.{k}.1",',
                f'-      "resolved": "https://registry.npmjs.org/{p}/-/{p}-1.{k}.0.tgz",',
                f'+      "resolved": "https://registry.npmjs.org/{p}/-/{p}-1.{k}.1.tgz",',
                f'-      "integrity": "sha512-{"a" * 40}{k}",', f'+      "integrity": "sha512-{"b" * 40}{k}",', "     },"]
    text = "\n".join(out) + "\n"
    res = diff.compress(text, Context(tool_input="git show 012e2fa",
                                      preceding_text="Which lodash version does the lock file resolve to now?"))
    assert res is not None
    assert '+      "resolved": "https://registry.npmjs.org/lodash/-/lodash-1.0.1.tgz",' in res.text
    assert '+      "version": "1.5.1",' not in res.text  # the other packages' hunks still go
