"""Lossless re-layouts (compress/layout.py): a path list written by directory, grep matches by file. Real `find`
and `grep` run on a real tree; every original line must be recoverable from the layout, and the router must use it
only where nothing is cut."""
from __future__ import annotations

import random
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_cli.compress import layout, router
from headroom_cli.compress.api import CompressConfig, compress_request
from headroom_cli.compress.base import Context
from headroom_cli.compress.memo import Memo
from headroom_cli.compress.tokens import count_tokens, lossy_allowed


def undo_paths(text: str) -> str:
    """The original of `layout.paths`: each indented name after its `dir/` line (a `dir/` line that names follow is
    a heading, not an original line)."""
    lines = text.split("\n")
    res, head = [], None
    for k, s in enumerate(lines):
        nxt = lines[k + 1] if k + 1 < len(lines) else ""
        if s.startswith("  ") and head is not None:
            res.append(head + s[2:])
            continue
        if s.startswith("[… ") and head is not None:  # a cut's marker inside a directory's names
            res.append(s)
            continue
        if s.endswith("/") and nxt.startswith("  "):
            head = s
            continue
        head = None
        res.append(s)
    return "\n".join(res)


@pytest.fixture
def tree(tmp_path):
    r = random.Random(5)
    words = ["alpha", "bravo", "cache", "delta", "store", "retry", "parse", "render"]
    for d in ("src/acme_service/app", "src/acme_service/app/api", "src/acme_service/lib", "tests/integration",
              "tests/unit/handlers", "docs/reference"):
        (tmp_path / d).mkdir(parents=True, exist_ok=True)
        for i in range(r.randint(4, 9)):
            body = "\n".join(f"def {r.choice(words)}_{k}(x):\n    return resolve_upstream(x, {k})" if k % 3 == 0
                             else f"# {r.choice(words)} note {k}" for k in range(30))
            (tmp_path / d / f"{r.choice(words)}_{i}.py").write_text(body + "\n")
    return tmp_path


def run(cmd: str, cwd) -> str:
    return subprocess.run(cmd, shell=True, cwd=cwd, capture_output=True, text=True, check=True).stdout


def test_a_real_find_is_written_by_directory_and_loses_nothing(tree):
    out = run("find . -name '*.py' | sort", tree)
    laid = layout.paths(out)
    assert laid is not None and undo_paths(laid) == out
    assert "./src/acme_service/app/api/\n  " in laid  # a directory's line, its names under it
    assert count_tokens(laid) < 0.75 * count_tokens(out)


def test_grep_lines_are_left_as_grep_printed_them(tree):
    # (laid out under their files they saved 17-25 %, but a quoted line was then nowhere verbatim)
    out = run("grep -rn resolve_upstream src tests | sort -t: -k1,1 -s", tree)
    assert layout.paths(out) is None


@pytest.mark.parametrize("text", [
    "\n".join(f"-rw-r--r-- 1 dev dev {i * 37} Dec  1 10:00 file_{i}.csv" for i in range(20)),  # ls -la
    "\n".join(f"The service keeps cache {i} warm/cold by turns." for i in range(20)),  # prose with a slash
    "\n".join(f"https://example.com/a/b/{i}" for i in range(20)),  # URLs
    "\n".join(["--- a/x/y.py", "+++ b/x/y.py"] + [f"+x/y/{i}" for i in range(20)]),  # a diff
    "\n".join(f"src/only_{i}/file.py:{i}:x = {i}" for i in range(20)),  # grep with one line per file
    "\n".join(f"src/a/file_{i}.py" for i in range(3)),  # too few lines
])
def test_what_is_not_a_path_list_or_repeats_no_prefix_is_left_alone(text):
    assert layout.paths(text) is None


def test_a_line_that_would_read_as_part_of_a_group_stops_the_layout():
    paths = "\n".join(f"src/a/file_{i}.py" for i in range(10))
    assert layout.paths(paths) is not None
    assert layout.paths(paths + "\n  indented note") is None


@pytest.mark.parametrize("text", [
    "\n".join(f"src/main/java/depot/Io{i}.java:{i}: warning: [rawtypes] found raw type" for i in range(20)),  # javac
    "\n".join(f"time=2026-12-01T10:00:{i:02d}Z level=info path=/v1/items/{i}" for i in range(20)),  # logfmt
    "\n".join(f"    total = rows/{i}" for i in range(20)),  # code
    "\n".join(f"x=a/b/{i}" for i in range(20)),  # key=value
])
def test_lines_that_only_hold_a_path_are_not_a_path_list(text):
    assert layout.paths(text) is None


def test_a_path_the_request_names_stays_whole_in_its_directory(tree):
    out = run("find . -name '*.py' | sort", tree)
    named = sorted(s for s in out.splitlines() if "/app/api/" in s)[1]
    name = named.rsplit("/", 1)[1]
    res = router.compress_block(out, Context(tool_name="Bash", tool_input="find . -name '*.py'",
                                             preceding_text=f"Where is {name} in the api package?"))
    assert res is not None and not res.lossy and res.compressor == layout.NAME
    assert named in res.text.split("\n")  # the path asked about, as find printed it
    assert undo_paths(res.text) == out


def test_a_small_find_through_the_router_is_laid_out_not_cut(tree):
    out = run("find . -type f | sort | head -n 40", tree)
    assert not lossy_allowed(out)
    res = router.compress_block(out, Context(tool_name="Bash", tool_input="find . -type f | sort | head -n 40"))
    assert res is not None and not res.lossy and res.compressor == layout.NAME
    assert undo_paths(res.text) == out
    assert "key=" not in res.text  # nothing was stored: nothing to retrieve


def test_a_request_with_a_find_listing_forwards_the_layout_and_stores_nothing(tree):
    out = run("find . -type f | sort", tree)
    body = {"model": "claude-sonnet-4-5", "max_tokens": 512, "messages": [
        {"role": "user", "content": "list the python files"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash",
                                           "input": {"command": "find . -type f | sort"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": out}]}]}
    res = compress_request(body, "anthropic", CompressConfig(memo=Memo()))
    sent = res.body["messages"][2]["content"][0]["content"]
    assert sent != out and undo_paths(sent) == out
    assert not res.keys
    assert all(line.rsplit("/", 1)[-1] in sent for line in out.splitlines())  # every file named


_seg = st.text(alphabet="abcdefgh_.", min_size=1, max_size=6).filter(lambda s: s not in (".", ".."))


def test_any_path_list_comes_back_exactly():
    laid: list[int] = []

    @settings(max_examples=150, deadline=None, derandomize=True)
    @given(st.lists(st.tuples(st.sampled_from(["src", "src/app", "./lib/x", "a/b/c", "/usr/lib", ""]), _seg,
                              st.sampled_from(["", "", "/"])), min_size=6, max_size=40))
    def check(rows):
        text = "\n".join(f"{d}/{name}{end}" if d else name for d, name, end in rows)
        out = layout.paths(text)
        if out is not None:
            assert undo_paths(out) == text
            laid.append(1)

    check()
    assert len(laid) >= 30  # enough examples were actually laid out


@pytest.mark.parametrize("tool,command", [
    ("Bash", "cat MANIFEST"), ("exec_command", "sed -n '1,80p' CODEOWNERS"), ("Read", "/home/dev/app/MANIFEST"),
    ("exec", 'const r = await tools.exec_command({cmd: "cat MANIFEST"});\ntext(r.output);'),  # Codex 0.171
])
def test_a_file_read_is_never_laid_out(tree, tool, command):
    # a file the agent may edit next (its edit tools match the text it read, byte for byte): as it is
    listing = run("find . -name '*.py' | sort", tree)
    res = router.compress_block(listing, Context(tool_name=tool, tool_input=command))
    assert res is None or res.text == listing
    assert router.compress_block(listing, Context(tool_name="Bash", tool_input="find . -name '*.py'")) is not None
