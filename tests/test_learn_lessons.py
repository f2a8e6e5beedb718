"""Lessons worth sharing (issue 22, item 2): on transcripts shaped like the real Claude Code 2.1.332 and Codex
0.171.0 sessions benchmarks/capture_learn.py records, every distinct lesson is named once (across agents and
sessions), recurring ones first, the missing-tool class is learned, a wrong path names the right one, and no rule
comes from a failure nothing corrected. Then each class on its own, in shapes the fixture does not have."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from headroom_cli.learn import readers
from headroom_cli.learn.mining import call_outcome, mine
from headroom_cli.learn.readers import SHELL, Session, ToolCall
from headroom_cli.learn.rules import RuleStore
from headroom_cli.learn.sources import load_sessions

_spec = importlib.util.spec_from_file_location("recorded", Path(__file__).parent / "fixtures/learn/recorded.py")
recorded = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorded)


@pytest.fixture
def home(tmp_path):
    return recorded.build_home(tmp_path)


def _rules(tmp_path, sessions):
    return RuleStore(tmp_path / "rules.json").merge(mine(sessions))


def _load(home):
    h, project = home
    return load_sessions(homes={"claude": h / ".claude", "codex": h / ".codex"}, project=str(project))


def test_every_lesson_once_recurring_first(home, tmp_path):
    sessions = _load(home)
    assert sorted(s.agent for s in sessions) == ["claude", "claude", "codex", "codex"]
    rules = _rules(tmp_path, sessions)
    assert {r.key: len(r.sessions) for r in rules} == recorded.EXPECTED
    assert len(rules) == len({r.key for r in rules})  # each once
    # recurring first: three sessions (both agents), then two, then the one-off
    assert [len(r.sessions) for r in rules] == sorted((len(r.sessions) for r in rules), reverse=True)
    assert {r.key for r in rules[:2]} == {"missing_tool|helm", "path|src/orders|orders"}
    assert all(r.agents == ["claude", "codex"] for r in rules[:5])
    assert rules[-1].key == "path|deploy/kubernetes|deploy/k8s"


def test_the_rules_say_what_to_do_instead(home, tmp_path):
    text = {r.key: r.text for r in _rules(tmp_path, _load(home))}
    assert text["missing_tool|helm"] == "`helm` is not installed here: read the manifests in `deploy/k8s/` instead."
    assert text["path|src/orders|orders"] == "Use `orders/…` paths, not `src/orders/…` (`src/orders` does not exist)."
    assert text["cwd|npm|web"] == "Run `npm` from `web/`, not from the repository root (`cd web` first)."
    assert text["env|module:billing|pythonpath=lib"].startswith("Set `PYTHONPATH=lib` to import `billing`")
    assert text["flag_swap|git|--stats|--stat"].startswith("`git`: use `--stat`, not `--stats`")


def test_no_rule_from_failures_nothing_corrected(home, tmp_path):
    rules = _rules(tmp_path, _load(home))
    failed = [e["failed"] for r in rules for e in r.evidence]
    # the red unittest run (four sessions), its narrower re-run that passes (-k), kubectl with no cluster
    assert not any("unittest" in f or "kubectl" in f for f in failed)
    assert not any("-k" in r.text or "unittest" in r.text for r in rules)


def test_evidence_keeps_both_calls_and_the_tools(home, tmp_path):
    rules = {r.key: r for r in _rules(tmp_path, _load(home))}
    helm = rules["missing_tool|helm"]
    ex = sorted((e["agent"], e["failed"], e["fixed"]) for e in helm.evidence)
    assert ex == [("claude", "helm template deploy/k8s", "deploy/k8s/deployment.yaml"),
                  ("codex", "helm lint deploy/k8s", "cat deploy/k8s/service.yaml"),
                  ("codex", "helm template shipyard deploy/k8s", "cat deploy/k8s/deployment.yaml")]
    assert any(e.get("fixed_tool") == "Read" for e in helm.evidence)
    cwd = sorted(e["fixed"] for e in rules["cwd|npm|web"].evidence)
    assert cwd == ["(in web/) npm test", "cd web && npm test"]


def test_merging_twice_adds_nothing_and_ids_numbered_per_session_still_count(home, tmp_path):
    sessions = _load(home)
    store = RuleStore(tmp_path / "rules.json")
    first = {r.key: r.count for r in store.merge(mine(sessions))}
    again = {r.key: r.count for r in store.merge(mine(_load(home)))}
    assert first == again and first["path|src/orders|orders"] == 3
    # both Claude sessions number their tool ids from toolu_fake0001 (as the scripted provider does)
    claude = [s for s in sessions if s.agent == "claude"]
    assert claude[0].tool_calls[0].call_id == claude[1].tool_calls[0].call_id


# --- readers: the shapes of the real agents ----------------------------------------------------------

def test_codex_javascript_exec_commands_are_shell_calls(home):
    b = next(s for s in _load(home) if s.session_id.startswith("5e0a0002"))
    calls = b.tool_calls
    assert all(c.tool == SHELL for c in calls) and len(calls) == 10  # the JavaScript wrappers are dropped
    assert [c.exit_code for c in calls[:3]] == [1, 0, 127]
    npm_web = calls[5]
    assert npm_web.command == "npm test" and npm_web.cwd.endswith("/shipyard/web")
    assert [call_outcome(c) for c in calls[4:6]] == ["fail", "ok"]


def test_codex_exec_command_items_complete_their_calls(home):
    d = next(s for s in _load(home) if s.session_id.startswith("5e0a0004"))
    c = d.tool_calls[0]
    assert c.command == "git log --oneline --stats -n 3" and c.exit_code == 128 and c.cwd.endswith("/shipyard")


def test_claude_calls_carry_the_directory_of_their_line(home):
    c = next(s for s in _load(home) if s.session_id.startswith("5e0a0003"))
    dirs = [Path(x.cwd).name for x in c.tool_calls]
    assert set(dirs) == {"shipyard"}  # the `cd web` comes last: later lines would say web
    h, project = home
    f = next((h / ".claude" / "projects").rglob("5e0a0003*.jsonl"))
    text = f.read_text().replace(f'"cwd": "{project}", "sessionId"', f'"cwd": "{project}/web", "sessionId"', 3)
    f.write_text(text)
    moved = readers.read_claude_transcript(f)
    assert Path(moved.tool_calls[0].cwd).name == "web"


# --- each class, in other shapes ---------------------------------------------------------------------

P = "/p"


def _session(*calls, agent="claude", sid="s1"):
    s = Session(agent=agent, session_id=sid, path=Path(f"/x/{sid}.jsonl"), project=P)
    for i, c in enumerate(calls):
        c.index = i
        s.events.append(c)
    return s


def sh(cmd, out="", code=0, cwd=""):
    return ToolCall(index=0, tool=SHELL, input={"command": cmd}, command=cmd, output=out, exit_code=code,
                    is_error=bool(code), answered=True, cwd=cwd)


def tool(name, out="ok", error=False, **inp):
    return ToolCall(index=0, tool=name, input=inp, output=out, is_error=error, answered=True)


def lessons(*calls):
    return [(o.key, o.text) for o in mine([_session(*calls)])]


NOT_FOUND = "bash: line 1: {}: command not found"


def test_missing_tool_looked_up_then_worked_around():
    got = lessons(sh("which terraform", "", 1), sh("ls infra", "main.tf\nvars.tf"),
                  sh("cat infra/main.tf", 'resource "x" "y" {}'))
    assert got == [("missing_tool|terraform", "`terraform` is not installed here: list `infra/` instead.")]


def test_missing_tool_then_the_files_it_would_have_read():
    got = lessons(sh("kustomize build overlays/prod", NOT_FOUND.format("kustomize"), 127),
                  tool("Glob", "overlays/prod/kustomization.yaml", pattern="overlays/prod/*.yaml"),
                  tool("Read", "apiVersion: v1", file_path="/p/overlays/prod/kustomization.yaml"))
    assert got == [("missing_tool|kustomize",
                    "`kustomize` is not installed here: list `overlays/prod/` instead.")]


def test_missing_tool_with_no_paths_then_the_next_read():
    got = lessons(sh("helm list -A", NOT_FOUND.format("helm"), 127),
                  tool("Read", "kind: Deployment", file_path="/p/deploy/k8s/api.yaml"))
    assert got == [("missing_tool|helm", "`helm` is not installed here: read the manifests in `deploy/k8s/` instead.")]


def test_missing_tool_prefers_the_related_call_to_the_next_one():
    got = lessons(sh("helm template deploy/k8s", NOT_FOUND.format("helm"), 127),
                  tool("Read", "# shipyard", file_path="/p/README.md"),
                  tool("Read", "kind: Service", file_path="/p/deploy/k8s/service.yaml"))
    assert got == [("missing_tool|helm", "`helm` is not installed here: read the manifests in `deploy/k8s/` instead.")]


def test_asking_for_help_after_a_failure_corrects_nothing():
    assert lessons(sh("python3 tools/check.py", "config value 'region' missing", 1),
                   sh("python3 tools/check.py --help", "usage: check.py [-h] [--region R]")) == []
    assert lessons(sh("kubectl rollout status deploy/api", "Error from server (NotFound)", 1),
                   sh("kubectl rollout status deploy/api --help", "Show the status of the rollout.")) == []


def test_missing_tool_replaced_by_another_program():
    got = lessons(sh("rg -n TODO src", "zsh: command not found: rg", 127), sh("grep -rn TODO src", "src/a.py:3: TODO"))
    assert got == [("missing_tool|rg", "`rg` is not installed here: use `grep` instead.")]


def test_missing_tool_nothing_related_afterwards_is_no_rule():
    assert lessons(sh("helm template charts/api", NOT_FOUND.format("helm"), 127), sh("git status", "clean")) == []
    assert lessons(sh("helm template charts/api", NOT_FOUND.format("helm"), 127)) == []


def test_missing_tool_installed_is_a_setup_step_not_a_missing_tool():
    got = lessons(sh("jq .name package.json", NOT_FOUND.format("jq"), 127), sh("apt-get install -y jq", "done"),
                  sh("jq .name package.json", '"web"'))
    assert got == [("setup|apt-get install -y jq|jq",
                    "Run `apt-get install -y jq` before `jq .name package.json` (without it: "
                    "bash: line 1: jq: command not found).")]


def test_wrong_directory_in_a_subshell_or_a_persisted_cd():
    sub = lessons(sh("npm run build", "npm error enoent Could not read package.json", 254),
                  sh("(cd web && npm run build)", "built in 2s"))
    assert sub == [("cwd|npm|web", "Run `npm` from `web/`, not from the repository root (`cd web` first).")]
    # Claude Code: `cd backend` in one call, the same command again in the next (its line says backend)
    persisted = lessons(sh("python3 manage.py check", "python3: can't open file '/p/manage.py': [Errno 2] "
                                                      "No such file or directory", 2, cwd=P),
                        sh("cd backend", "", 0, cwd=P), sh("python3 manage.py check", "no issues", 0, cwd=P + "/backend"))
    assert persisted == [("cwd|python3 manage.py|backend", "Run `python3 manage.py` from `backend/`, not from the "
                                                          "repository root (`cd backend` first).")]


def test_a_folder_option_is_the_same_lesson_as_cd(tmp_path):
    a = _session(sh("npm test", "npm error enoent Could not read package.json", 254), sh("cd web && npm test", "ok"))
    b = _session(sh("npm test", "npm error enoent Could not read package.json", 254), sh("npm --prefix web test", "ok"),
                 agent="codex", sid="b")
    rules = RuleStore(tmp_path / "r.json").merge(mine([a, b]))
    assert [(r.key, r.agents) for r in rules] == [("cwd|npm|web", ["claude", "codex"])]


def test_missing_tool_then_another_program_on_the_same_paths():
    got = lessons(sh("helm template deploy/k8s", NOT_FOUND.format("helm"), 127),
                  sh("kubectl kustomize deploy/k8s", "apiVersion: v1"))
    assert got == [("missing_tool|helm", "`helm` is not installed here: use `kubectl kustomize deploy/k8s` instead.")]


def test_a_folder_that_does_not_exist_is_a_path_lesson_not_a_directory_one():
    got = lessons(sh("cd frontend && npm test", "bash: cd: frontend: No such file or directory", 1),
                  sh("cd web && npm test", "1 passed"))
    assert got == [("path|frontend|web", "Use `web`, not `frontend` (`frontend` does not exist).")]


def test_missing_module_fixed_by_a_runner_or_a_variable():
    err = "ModuleNotFoundError: No module named 'yaml'"
    got = lessons(sh("python3 tools/render.py", err, 1), sh("uv run python tools/render.py", "rendered 3 files"))
    assert got == [("program|python3|uv run python", "Use `uv run python`, not `python3` (it has no `yaml` module).")]
    got = lessons(sh("pytest tests", "E   ModuleNotFoundError: No module named 'shop'", 2),
                  sh("PYTHONPATH=src pytest tests", "3 passed"))
    assert got[0][0] == "env|module:shop|pythonpath=src"


def test_installing_the_missing_module_then_the_same_command():
    got = lessons(sh("python3 -m billing.cli", "No module named 'billing'", 1), sh("pip install -e .", "Successfully"),
                  sh("python3 -m billing.cli", "invoice SO-1"))
    assert [k for k, _ in got] == ["setup|pip install -e .|billing.cli"]


def test_a_bad_option_named_by_the_error_despite_other_changes():
    got = lessons(sh("git log --stats -n 3", "fatal: unrecognized argument: --stats", 128),
                  sh("git log --stat -3", "d032ea9 x"))
    assert got == [("flag_swap|git|--stats|--stat",
                    "`git`: use `--stat`, not `--stats` (`--stats` is not a valid option).")]
    got = lessons(sh("pytest --cov=shop -q tests", "error: unrecognized arguments: --cov=shop", 4),
                  sh("pytest tests", "3 passed"))
    assert got == [("flag_drop|pytest|--cov", "Don't pass `--cov` to `pytest` (`--cov` is not a valid option).")]


def test_a_file_moved_up_a_folder_names_both_folders():
    got = lessons(tool("Read", "File not found", True, file_path="/p/tests/unit/test_cart.py"),
                  tool("Read", "import unittest", file_path="/p/tests/test_cart.py"))
    assert got == [("path|tests/unit|tests", "Use `tests/…` paths, not `tests/unit/…` (`tests/unit` does not exist).")]


def test_git_names_an_unknown_option_without_its_dashes():
    got = lessons(sh("git status --shortt", "error: unknown option `shortt'\nusage: git status [<options>]", 129),
                  sh("git status --short", " M a.py"))
    assert got == [("flag_swap|git|--shortt|--short",
                    "`git`: use `--short`, not `--shortt` (`--shortt` is not a valid option).")]


def test_paths_spelled_differently_are_one_lesson(tmp_path):
    a = _session(tool("Read", "File not found", True, file_path="/p/src/orders/a.py"),
                 tool("Read", "x", file_path="/p/orders/a.py"), sid="a")
    b = _session(sh("sed -n 1,20p ./src/orders/b.py", "sed: can't read ./src/orders/b.py: No such file or directory", 2),
                 sh("sed -n 1,20p ./orders/b.py", "y"), agent="codex", sid="b")
    c = _session(sh("cat src/orders/c.py", "cat: src/orders/c.py: No such file or directory", 1),
                 sh("find . -name c.py", "./orders/c.py"),  # a basename alone says nothing
                 tool("Read", "z", file_path="/p/orders/c.py"), sid="c")
    rules = RuleStore(tmp_path / "r.json").merge(mine([a, b, c]))
    assert [(r.key, len(r.sessions)) for r in rules] == [("path|src/orders|orders", 3)]


def test_work_failures_avoided_are_not_corrections():
    red = "FAILED tests/test_cart.py::test_total - AssertionError\n1 failed, 4 passed"
    # a narrower selection, a sub-path, a dropped check, another command: none corrects a real failure
    assert lessons(sh("pytest tests", red, 1), sh("pytest tests -k 'not total'", "4 passed")) == []
    assert lessons(sh("pytest tests", red, 1), sh("pytest tests/test_api.py", "4 passed")) == []
    assert lessons(sh("mypy --strict shop", "shop/a.py:3: error: Missing return\nFound 1 error", 1),
                   sh("mypy shop", "Success")) == []
    # its output mentions a missing file, but it is the test that failed, not the call
    nofile = "E   FileNotFoundError: [Errno 2] No such file or directory: 'data.csv'\n1 failed"
    assert lessons(sh("pytest tests/test_io.py", nofile, 1), sh("pytest tests/test_other.py", "2 passed")) == []
    # a failure the agent gave up on
    assert lessons(sh("python3 -m unittest", "FAIL: test_x (t.T)\nRan 2 tests in 0.0s\nFAILED (failures=1)", 1),
                   tool("Read", "import unittest", file_path="/p/tests/test_x.py")) == []


def test_a_flag_that_fixes_a_work_failure_still_teaches():
    got = lessons(sh("kubectl get pods", 'Error from server (Forbidden): pods is forbidden: User "dev" cannot list', 1),
                  sh("kubectl get pods -n payments", "api-1 Running"))
    assert got == [("flag_add|kubectl|-n payments", "Run `kubectl` with `-n payments`.")]
