"""Managed section in CLAUDE.md / AGENTS.md: idempotent, user text byte for byte, diffs."""
from __future__ import annotations

import os
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_cli.errors import HeadroomError
from headroom_cli.learn import writer
from headroom_cli.learn.rules import Rule
from headroom_cli.learn.writer import BEGIN, END


def rules(*texts):
    return [Rule(key=f"k{i}", kind="correction", text=t) for i, t in enumerate(texts)]


R = rules("Run `kubectl` with `-n payments`.", "Use `python3`, not `python`.")


def test_new_file_gets_only_the_section(tmp_path):
    [c] = writer.plan(tmp_path, R, ["claude"])
    assert c.old is None and c.changed
    assert writer.apply([c]) == [tmp_path / "CLAUDE.md"]
    text = (tmp_path / "CLAUDE.md").read_text()
    assert text.startswith(BEGIN) and text.endswith(END + "\n")
    assert "- Run `kubectl` with `-n payments`.\n- Use `python3`, not `python`.\n" in text


def test_user_text_is_a_byte_prefix_and_second_apply_is_a_no_op(tmp_path):
    user = "# Notes\r\nKeep it *short*.  \n\xa0naïve — ✓\n\n\n".encode("utf-8") + b"\xff\xfe raw bytes\n"
    (tmp_path / "AGENTS.md").write_bytes(user)
    os.chmod(tmp_path / "AGENTS.md", 0o640)
    writer.apply(writer.plan(tmp_path, R, ["agents"]))
    after = (tmp_path / "AGENTS.md").read_bytes()
    assert after.startswith(user) and after != user
    assert oct(os.stat(tmp_path / "AGENTS.md").st_mode & 0o777) == "0o640"  # mode kept
    [again] = writer.plan(tmp_path, R, ["agents"])
    assert not again.changed and writer.apply([again]) == []
    assert (tmp_path / "AGENTS.md").read_bytes() == after


def test_section_in_the_middle_is_replaced_in_place(tmp_path):
    before = "# Project\n\nIntro line.\n\n"
    after = "\n\n## My own section\nkeep me exactly   \n"
    f = tmp_path / "CLAUDE.md"
    f.write_text(before + writer.render_section(R) + after)
    new = rules("Use `make lint`.")
    writer.apply(writer.plan(tmp_path, new, ["claude"]))
    text = f.read_text()
    assert text == before + writer.render_section(new) + after
    assert "kubectl" not in text


def test_crlf_files_get_a_crlf_section(tmp_path):
    f = tmp_path / "CLAUDE.md"
    f.write_bytes(b"# Windows\r\nline\r\n")
    writer.apply(writer.plan(tmp_path, R, ["claude"]))
    data = f.read_bytes()
    assert data.startswith(b"# Windows\r\nline\r\n\r\n" + BEGIN.encode() + b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")


def test_no_trailing_newline_gets_a_blank_line_before_the_section(tmp_path):
    f = tmp_path / "CLAUDE.md"
    f.write_text("last line without newline")
    writer.apply(writer.plan(tmp_path, R, ["claude"]))
    assert f.read_text().startswith("last line without newline\n\n" + BEGIN + "\n")


def test_no_rules_adds_nothing(tmp_path):
    (tmp_path / "CLAUDE.md").write_text("mine\n")
    [c] = writer.plan(tmp_path, [], ["claude"])
    assert not c.changed
    [c] = writer.plan(tmp_path, [], ["agents"])  # absent file, nothing to say: not created
    assert not c.changed and writer.apply([c]) == [] and not (tmp_path / "AGENTS.md").exists()


@pytest.mark.parametrize("body", [
    f"x\n{BEGIN}\n- a\n",  # end marker lost
    f"x\n{END}\n",
    f"{BEGIN}\n{END}\n{BEGIN}\n{END}\n",
    f"{END}\n{BEGIN}\n",
])
def test_damaged_markers_are_an_error_and_the_file_is_untouched(tmp_path, body):
    f = tmp_path / "CLAUDE.md"
    f.write_text(body)
    with pytest.raises(HeadroomError) as e:
        writer.plan(tmp_path, R, ["claude"])
    assert "markers" in str(e.value) and e.value.hint
    assert f.read_text() == body


def test_diff_is_a_unified_diff_that_patch_applies(tmp_path):
    f = tmp_path / "CLAUDE.md"
    f.write_text("# P\n\ntext\n")
    [c] = writer.plan(tmp_path, R, ["claude"])
    d = c.diff(tmp_path)
    assert d.startswith("--- a/CLAUDE.md\n+++ b/CLAUDE.md\n@@ ")
    assert "+- Run `kubectl` with `-n payments`.\n" in d and f.read_text() == "# P\n\ntext\n"  # not written
    (tmp_path / "x.diff").write_text(d)
    out = subprocess.run(["patch", "-p1", "-i", "x.diff"], cwd=tmp_path, capture_output=True, text=True)
    if out.returncode == 127 or "not found" in out.stderr:
        pytest.skip("patch not installed")
    assert out.returncode == 0, out.stderr
    assert f.read_text() == c.new


def test_diff_for_a_new_file_and_for_no_change(tmp_path):
    [c] = writer.plan(tmp_path, R, ["agents"])
    assert c.diff(tmp_path).startswith("--- /dev/null\n+++ b/AGENTS.md\n@@ -0,0 +1,")
    writer.apply([c])
    [c2] = writer.plan(tmp_path, R, ["agents"])
    assert c2.diff(tmp_path) == ""


def test_targets():
    assert writer.targets_for("both") == ["claude", "agents"]
    assert writer.targets_for("agents") == ["agents"]
    with pytest.raises(HeadroomError):
        writer.targets_for("cursor")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
       st.lists(st.text(min_size=1, max_size=60).filter(lambda t: t.strip()), max_size=4))
def test_update_preserves_user_text_and_is_idempotent(user, texts):
    if BEGIN in user or END in user:
        return
    rs = rules(*texts)
    once = writer.update_text(user, rs)
    assert once.startswith(user)
    assert writer.update_text(once, rs) == once
