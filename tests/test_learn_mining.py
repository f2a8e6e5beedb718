"""Mining lessons: failure→fix pairs, user corrections, dedupe across sessions and agents, order."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_cli.learn import mining
from headroom_cli.learn.mining import correction_text, mine
from headroom_cli.learn.readers import SHELL, Session, ToolCall, UserMessage
from headroom_cli.learn.sources import load_sessions
from headroom_cli.learn.rules import RuleStore, rank

_spec = importlib.util.spec_from_file_location("fixture_home", Path(__file__).parent / "fixtures/learn/fixture_home.py")
fixture_home = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixture_home)


@pytest.fixture
def sessions(tmp_path):
    h, project = fixture_home.build_home(tmp_path)
    return load_sessions(homes={"claude": h / ".claude", "codex": h / ".codex"}, project=str(project))


def _session(*events, agent="claude", sid="s1", project="/p"):
    s = Session(agent=agent, session_id=sid, path=Path(f"/x/{sid}.jsonl"), project=project)
    for i, e in enumerate(events):
        e.index = i
        s.events.append(e)
    return s


def sh(cmd, out="", code=0):
    return ToolCall(index=0, tool=SHELL, input={"command": cmd}, command=cmd, output=out, exit_code=code,
                    is_error=bool(code), answered=True)


def test_fixture_lessons(sessions):
    occ = mine(sessions)
    keys = sorted({o.key for o in occ})
    assert keys == sorted([
        "flag_add|kubectl|-n payments",
        "command|python -m pytest tests/unit|pytest -q tests/",
        "correction|use make lint instead of calling ruff directly it also runs mypy with our config",
        "missing_tool|python",
        "correction|dont edit the generated files in shop/api/gen change api/schema.yaml and run make gen instead",
        "flag_swap|ruff|--fix-only|--fix",
        "path|src/shop|shop",
    ])
    texts = {o.key: o.text for o in occ}
    assert texts["flag_add|kubectl|-n payments"] == "Run `kubectl` with `-n payments`."
    assert texts["missing_tool|python"] == "`python` is not installed here: use `python3` instead."
    assert texts["command|python -m pytest tests/unit|pytest -q tests/"] == \
        "Use `pytest -q tests/`, not `python -m pytest tests/unit` — `tests/unit` does not exist."
    assert texts["path|src/shop|shop"].startswith("Use `shop/…` paths, not `src/shop/…`")


def test_noise_teaches_nothing(sessions):
    occ = mine(sessions)
    joined = " ".join(o.text + str(o.evidence) for o in occ)
    # an Edit retried with other content, `git push` retried as is, the unfixed `npm run build`,
    # grep's "no match" exit 1, "no worries" and "thanks" are not lessons
    for noise in ("old_string", "git push", "npm run build", "grep", "worries", "thanks"):
        assert noise not in joined


def test_dedupe_across_sessions_and_agents(sessions, tmp_path):
    store = RuleStore(tmp_path / "rules.json")
    rules = {r.key: r for r in store.merge(mine(sessions))}
    kube = rules["flag_add|kubectl|-n payments"]
    assert kube.count == 3 and kube.agents == ["claude", "codex"] and len(kube.sessions) == 3
    lint = rules["correction|use make lint instead of calling ruff directly it also runs mypy with our config"]
    assert lint.count == 2 and lint.agents == ["claude", "codex"]
    py = rules["missing_tool|python"]
    assert py.agents == ["claude", "codex"]  # Claude Code and a legacy Codex rollout
    # ranked by evidence, ties by key: stable
    ranked = rank(rules.values())
    assert ranked[0].key == "flag_add|kubectl|-n payments"
    assert [r.count for r in ranked] == sorted((r.count for r in ranked), reverse=True)


def test_mining_is_deterministic(sessions):
    a = [(o.key, o.text, o.ref) for o in mine(sessions)]
    b = [(o.key, o.text, o.ref) for o in mine(list(sessions))]
    assert a == b


def test_fix_must_be_similar_and_within_window():
    fail = sh("kubectl logs api", "Error from server (NotFound)", 1)
    unrelated = [sh(f"echo {i}") for i in range(mining.FIX_WINDOW + 2)]
    late_fix = sh("kubectl logs api -n prod", "ok")
    assert mine([_session(fail, *unrelated, late_fix)]) == []
    assert [o.key for o in mine([_session(fail, sh("ls"), late_fix)])] == ["flag_add|kubectl|-n prod"]


def test_several_failed_attempts_teach_once():
    s = _session(sh("pytest tests/unit", "ERROR: file or directory not found: tests/unit", 4),
                 sh("pytest tests/unit -x", "ERROR: file or directory not found: tests/unit", 4),
                 sh("pytest tests", "3 passed"))
    occ = mine([s])
    assert len(occ) == 1 and occ[0].key == "path|tests/unit|tests"
    assert occ[0].text == "Use `tests`, not `tests/unit` (`tests/unit` does not exist)."


def test_flag_dropped_and_program_swap():
    s = _session(sh("hugo --minify --gc", "Error: unknown flag: --gc", 1), sh("hugo --minify", "Total in 412 ms"))
    assert [(o.key, o.text) for o in mine([s])] == [("flag_drop|hugo|--gc",
                                                 "Don't pass `--gc` to `hugo` (`--gc` is not a valid option).")]
    s = _session(sh("pip install -e .", "bash: pip: command not found", 127), sh("uv pip install -e .", "ok"))
    assert mine([s])[0].text == "`pip` is not installed here: use `uv pip` instead."


def test_user_rejection_is_not_a_failure_to_learn_from():
    rejected = sh("rm -rf build", "The user doesn't want to proceed with this tool use.", 0)
    rejected.is_error = True
    assert mining.call_outcome(rejected) == "rejected"
    assert mine([_session(rejected, sh("rm -rf build/cache"))]) == []


def test_error_pattern_without_status_counts_as_failure():
    c = ToolCall(index=0, tool=SHELL, input={}, command="foo | head", output="bash: foo: command not found",
                 answered=True)
    assert mining.call_outcome(c) == "fail"
    grep_nomatch = sh("grep -rn TODO src", "", 1)
    assert mining.call_outcome(grep_nomatch) == "ok"


def test_corrections_need_a_prior_tool_call():
    first = UserMessage(index=0, text="don't use npm, use pnpm instead")
    assert mine([_session(first)]) == []
    s = _session(sh("npm install"), UserMessage(index=0, text="don't use npm, use pnpm instead"))
    occ = mine([s])
    assert [o.text for o in occ] == ["Don't use npm, use pnpm instead."]
    assert occ[0].evidence["quote"] == "don't use npm, use pnpm instead"


@pytest.mark.parametrize("text,rule", [
    ("no, use `uv run pytest`", "Use `uv run pytest`"),
    ("No. The migrations live in db/migrations, put it there", "The migrations live in db/migrations, put it there."),
    ("wrong file — it's config/settings.toml", "File — it's config/settings.toml."),
    ("don't touch the lockfile, run `make deps` instead", "Don't touch the lockfile, run `make deps` instead."),
    ("use ripgrep instead of grep -r", "Use ripgrep instead of grep -r."),
    ("no worries, looks good", None),
    ("no", None),
    ("No thanks", None),
    ("great, thanks!", None),
    ("Now add a test for the refund endpoint", None),
    ("no " + "x " * 300 + "use y", None),  # long prompts are tasks, not corrections
    ("Now refactor the cart to use Decimal instead of float", None),  # a task that says "instead"
    ("Actually, we need a refund button too", None),
    ("actually, use the staging cluster", "Use the staging cluster."),
    ("stop — never push to main directly", "Never push to main directly."),
    ("please use `uv add` instead of editing pyproject by hand", "Use `uv add` instead of editing pyproject by hand."),
])
def test_correction_text(text, rule):
    assert correction_text(text) == rule


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_correction_text_total(text):
    r = correction_text(text)
    assert r is None or (0 < len(r) <= mining.MAX_CORRECTION_CHARS + 1 and r[0] == r[0].upper())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_shell_lessons_total(a, b):
    occ = mine([_session(sh(a, "error: bad", 1), sh(b, "ok"))])
    for o in occ:
        assert o.key == mining.normalise_key(o.key) and o.text


def edit(path="/p/a.py"):
    return ToolCall(index=0, tool="Edit", input={"file_path": path, "old_string": "a", "new_string": "b"},
                    output="updated", answered=True)


def test_a_success_after_an_edit_is_the_edits_doing():
    red = sh("pytest tests/test_cart.py", "E   assert 100 == 90\n1 failed in 0.1s", 1)
    assert mine([_session(red, edit(), sh("pytest tests/test_cart.py -x", "1 passed"))]) == []
    missing = sh("pytest tests/test_new.py", "ERROR: file or directory not found: tests/test_new.py", 4)
    write = ToolCall(index=0, tool="Write", input={"file_path": "/p/tests/test_new.py", "content": "x"},
                     output="created", answered=True)
    assert mine([_session(missing, write, sh("pytest -q tests/test_new.py", "1 passed"))]) == []
    patched = sh("apply_patch '*** Begin Patch'", "Done", 0)
    assert mine([_session(red, patched, sh("pytest tests/test_cart.py -x", "1 passed"))]) == []


def test_a_corrected_call_that_then_fails_on_the_work_still_teaches():
    s = _session(sh("python -m pytest tests/unit", "ERROR: file or directory not found: tests/unit", 4),
                 sh("pytest -q tests/", "E   assert 100 == 90\n1 failed, 11 passed", 1))
    assert [o.key for o in mine([s])] == ["command|python -m pytest tests/unit|pytest -q tests/"]
    # but a work failure needs a real success
    s = _session(sh("pytest -q tests/", "E   assert 1 == 2\n1 failed", 1), sh("pytest -q -x tests/", "E   assert 1 == 2", 1))
    assert mine([s]) == []


def test_project_paths_in_commands_are_made_relative():
    s = _session(sh("pytest /p/tests/unit", "ERROR: file or directory not found: /p/tests/unit", 4),
                 sh("pytest /p/tests", "3 passed"), project="/p")
    [o] = mine([s])
    assert o.key == "path|tests/unit|tests" and "/p/" not in o.text and o.evidence["failed"] == "pytest tests/unit"


def test_a_resumed_session_that_copies_history_counts_once(tmp_path):
    h, project = fixture_home.build_home(tmp_path)
    d = h / ".claude" / "projects" / next(p.name for p in (h / ".claude" / "projects").iterdir() if "shop" in p.name)
    src = next(d.glob("8d2e4f60*.jsonl"))
    copy = src.read_text().replace("8d2e4f60-1a3b-4c5d-8e7f-9a0b1c2d3e02", "99999999-1a3b-4c5d-8e7f-9a0b1c2d3e09")
    (d / "99999999-1a3b-4c5d-8e7f-9a0b1c2d3e09.jsonl").write_text(copy)
    sessions = load_sessions(homes={"claude": h / ".claude", "codex": h / ".codex"}, project=str(project))
    assert len(sessions) == 5
    rules = {r.key: r for r in RuleStore(tmp_path / "r.json").merge(mine(sessions))}
    assert rules["flag_add|kubectl|-n payments"].count == 3
    assert rules["missing_tool|python"].count == 2
