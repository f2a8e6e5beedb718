"""Readers of Claude Code transcripts and Codex rollouts: real line shapes, noise, malformed lines."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_cli.learn import readers, sources
from headroom_cli.learn.mining import call_outcome
from headroom_cli.learn.readers import SHELL, ToolCall, UserMessage

_spec = importlib.util.spec_from_file_location("fixture_home", Path(__file__).parent / "fixtures/learn/fixture_home.py")
fixture_home = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixture_home)


@pytest.fixture
def home(tmp_path):
    return fixture_home.build_home(tmp_path)


def _claude_files(home_dir: Path, project: Path):
    return readers.claude_transcripts(home_dir / ".claude", str(project))


def test_claude_slug_matches_claude_codes_naming():
    assert readers.claude_slug("/home/dev/shop") == "-home-dev-shop"
    assert readers.claude_slug("/Users/a.b/my_app") == "-Users-a-b-my-app"


def test_claude_transcripts_are_selected_by_project(home):
    h, project = home
    files = _claude_files(h, project)
    assert len(files) == 2  # the blog project's transcript is not included
    assert all(f.parent.name == readers.claude_slug(project) for f in files)
    assert len(readers.claude_transcripts(h / ".claude")) == 3


def test_claude_reader_pairs_calls_with_results_and_skips_noise(home):
    h, project = home
    s = readers.read_claude_transcript(next(f for f in _claude_files(h, project) if f.name.startswith("3f1c")))
    assert s.agent == "claude" and s.session_id == "3f1c9a2e-5b7d-4c1a-9e0f-2a6b8c4d1e01"
    assert s.project == str(project)
    assert s.skipped_lines == 1  # the half-written tool_use line
    users = [e.text for e in s.events if isinstance(e, UserMessage)]
    # slash-command echo, local-command stdout and the isMeta caveat are not the user talking
    assert users[0].startswith("The checkout tests are failing")
    assert not any(u.startswith(("<command-name>", "<local-command", "Caveat")) for u in users)
    assert any(u.startswith("no, use `make lint`") for u in users)
    first = s.tool_calls[0]
    assert first.tool == SHELL and first.command == "python -m pytest tests/unit"
    assert first.is_error is True and first.exit_code == 4 and "file or directory not found" in first.output
    read_fail = next(c for c in s.tool_calls if c.tool == "Read")
    assert read_fail.is_error and read_fail.input["file_path"].endswith("src/shop/checkout.py")
    ok = next(c for c in s.tool_calls if c.command == "make lint")
    assert ok.is_error is False and ok.answered and call_outcome(ok) == "ok"
    # events are in order and indexed
    assert [e.index for e in s.events] == list(range(len(s.events)))


def test_codex_reader_current_format(home):
    h, project = home
    files = readers.codex_rollouts(h / ".codex", str(project))
    assert len(files) == 2
    s = readers.read_codex_rollout(next(f for f in files if "019a2d7a" in f.name))
    assert s.agent == "codex" and s.session_id == "019a2d7a-41c4-78b1-b7cc-a45d62a89cd5"
    assert s.project == str(project) and s.skipped_lines == 1
    users = [e.text for e in s.user_messages]
    # the prompt is recorded as an item and as an event: counted once; environment context skipped
    assert users.count("Run the test suite and fix the lint errors in the refunds module.") == 1
    assert not any("<environment_context>" in u for u in users)
    cmds = [(c.command, c.exit_code) for c in s.tool_calls if c.tool == SHELL]
    assert cmds[:2] == [("python -m pytest tests/unit", 4), ("pytest -q tests/", 0)]
    patch = next(c for c in s.tool_calls if c.tool == "apply_patch")
    assert patch.exit_code == 0 and "Update File" in patch.input["input"]
    # the output header (Chunk ID, Wall time, exit code) is not part of the output text
    assert s.tool_calls[0].output.startswith("ERROR: file or directory not found")


def test_codex_reader_legacy_format(home):
    h, project = home
    f = next(f for f in readers.codex_rollouts(h / ".codex", str(project)) if "5e6f7a8b" in f.name)
    s = readers.read_codex_rollout(f)
    assert s.session_id == "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f70004"
    assert s.project == str(project)  # only named in the injected environment context
    assert [(c.command, c.exit_code) for c in s.tool_calls] == [
        ("python manage.py makemigrations refunds", 127), ("python3 manage.py makemigrations refunds", 0)]
    assert [u.text for u in s.user_messages] == ["create the refunds migration"]


def test_codex_rollouts_filter_by_cwd(home):
    h, project = home
    assert readers.codex_rollouts(h / ".codex", "/somewhere/else") == []
    assert len(readers.codex_rollouts(h / ".codex")) == 2


@pytest.mark.parametrize("raw,text,code", [
    ('{"output":"boom\\n","metadata":{"exit_code":2,"duration_seconds":0.1}}', "boom\n", 2),
    ("Exit code: 1\nWall time: 0.2 seconds\nOutput:\nnope", "nope", 1),
    ("Chunk ID: a1\nWall time: 0.0 seconds\nProcess exited with code 0\nOutput:\nok", "ok", 0),
    ("plain text, no header", "plain text, no header", None),
    ({"content": "done", "success": False}, "done", 1),
])
def test_codex_output_spellings(raw, text, code):
    assert readers._codex_output(raw) == (text, code)


@pytest.mark.parametrize("cmd,expected", [
    (["bash", "-lc", "ls -la"], "ls -la"),
    (["/bin/zsh", "-c", "echo hi"], "echo hi"),
    (["git", "log", "--format=%H %s"], "git log '--format=%H %s'"),
    ("bash -lc 'pytest -q'", "pytest -q"),
    ("pytest -q", "pytest -q"),
])
def test_unwrap_shell(cmd, expected):
    assert readers.unwrap_shell(cmd) == expected


def test_load_sessions_by_agent_and_order(home):
    h, project = home
    homes = {"claude": h / ".claude", "codex": h / ".codex"}
    both = sources.load_sessions(homes=homes, project=str(project))
    assert [s.agent for s in both] == ["codex", "claude", "claude", "codex"]  # by start time
    only = sources.load_sessions(agent="codex", homes=homes, project=str(project))
    assert {s.agent for s in only} == {"codex"}


def test_default_homes_follow_home_and_codex_home(monkeypatch, tmp_path):
    assert sources.default_home("claude") == Path.home() / ".claude"
    assert sources.default_home("codex") == Path.home() / ".codex"
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "cx"))
    assert sources.default_home("codex") == tmp_path / "cx"


def test_unknown_and_broken_lines_do_not_stop_reading(tmp_path):
    f = tmp_path / "s.jsonl"
    lines = [
        "\x00\xff not json",
        json.dumps([1, 2, 3]),
        json.dumps({"type": "progress", "data": {"x": 1}}),
        json.dumps({"type": "assistant", "message": {"content": "text, not a list"}}),
        json.dumps({"type": "assistant", "uuid": "a", "message": {"content": [
            {"type": "thinking", "thinking": "hm"}, {"type": "tool_use", "id": "t1", "name": "Bash",
                                                     "input": {"command": "false"}}]}}),
        json.dumps({"type": "user", "uuid": "b", "message": {"content": [
            {"type": "tool_result", "tool_use_id": "t-unknown", "content": "orphan"},
            {"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "Exit code 1"}],
             "is_error": True}]}}),
        '{"type": "user", "message": {"content": "cut off',
    ]
    f.write_text("\n".join(lines), encoding="utf-8")
    s = readers.read_claude_transcript(f)
    assert s.skipped_lines == 3
    assert len(s.tool_calls) == 1 and s.tool_calls[0].exit_code == 1 and call_outcome(s.tool_calls[0]) == "fail"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(
    st.text(max_size=40),
    st.dictionaries(st.sampled_from(["type", "payload", "message", "timestamp", "id", "record_type"]),
                    st.one_of(st.none(), st.integers(), st.text(max_size=8),
                              st.sampled_from(["user", "assistant", "response_item", "event_msg", "session_meta"]),
                              st.dictionaries(st.sampled_from(["type", "content", "role", "call_id", "output",
                                                               "arguments", "name", "cwd"]),
                                              st.one_of(st.none(), st.text(max_size=8), st.integers(),
                                                        st.lists(st.text(max_size=4), max_size=2)),
                                              max_size=4)),
                    max_size=4).map(json.dumps),
), max_size=8))
def test_readers_never_raise_on_arbitrary_lines(tmp_path_factory, lines):
    d = tmp_path_factory.mktemp("fuzz")
    f = d / "rollout-x.jsonl"
    f.write_bytes("\n".join(lines).encode("utf-8", "replace"))
    for reader in (readers.read_claude_transcript, readers.read_codex_rollout):
        s = reader(f)
        assert all(isinstance(e, (ToolCall, UserMessage)) for e in s.events)


def test_subagent_transcripts_get_their_own_id(tmp_path):
    d = tmp_path / "projects" / "-p" / "abc-session" / "subagents"
    d.mkdir(parents=True)
    line = {"type": "user", "sessionId": "abc-session", "isSidechain": True, "cwd": "/p",
            "message": {"role": "user", "content": "look around"}}
    (d / "agent-1.jsonl").write_text(json.dumps(line) + "\n")
    (d.parent.parent / "abc-session.jsonl").write_text(json.dumps({**line, "isSidechain": False}) + "\n")
    ids = sorted(readers.read_claude_transcript(f).session_id for f in readers.claude_transcripts(tmp_path, "/p"))
    assert ids == ["abc-session", "abc-session:agent-1"]
