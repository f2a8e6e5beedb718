"""Record real Claude Code and Codex sessions for `headroom learn`: the real CLIs, run through `headroom wrap
--no-compress`, work in the deterministic repository of benchmarks/learn_workspace.py while a scripted fake provider on
loopback plays the model. The script makes mistakes of every class `learn` should learn from, and the agents really
run each command, so the transcripts they write hold real errors and real corrections:

  wrong path        `src/orders/…` first, then `orders/…`            (three sessions, both agents, three tools)
  wrong flag        `git log --stats`, then `--stat`                  (both agents)
  missing tool      `helm …` (not installed), then the manifests in deploy/k8s/ are read instead (both agents)
  wrong directory   `npm test` at the root, then in web/ (`cd web &&` in Claude Code, `workdir` in Codex)
  missing module    `python3 -m billing.cli`, then with `PYTHONPATH=lib`
  another path      `ls deploy/kubernetes`, then `ls deploy/k8s`      (once)
and failures nothing corrects: a unittest run that really fails (every session; once followed by a narrower run
that passes, which is not a correction), and `kubectl get pods` with no cluster.

    python benchmarks/capture_learn.py [--out /work/captures/learn] [--only A,B,C,D]

Writes `<out>/home` (HOME of all four sessions: `.claude/projects/…`, `.codex/sessions/…`), `<out>/shipyard` (the
project) and `<out>/runs/<session>/` (wrap's output). Transcripts hold the vendors' prompt text: they stay outside
the repository. `expected()` is the answer key: the lessons the script plants, with their sessions.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import capture_sessions as cs  # noqa: E402
import learn_workspace as ws  # noqa: E402

OUT = Path("/work/captures/learn")
PROMPT = ("Get to know this repository: show the order model, render the Kubernetes manifests, show the last "
          "commits, run the web tests and the billing CLI, then run the test suite and tell me why it fails.")
FINAL = "Done. The discount test fails because discounted() truncates instead of rounding half up."
UNITTEST = "python3 -m unittest discover -s tests"


def _claude(ctx_steps):
    def bash(cmd):
        return lambda c: ("", "Bash", {"command": cmd, "description": cmd[:40]})

    def read(rel):
        return lambda c: ("", "Read", {"file_path": str(c.cwd / rel)})

    return [{"bash": bash, "read": read}[k](v) for k, v in ctx_steps]


def _codex_js(cmds):
    """Codex 0.171's default model: one freeform `exec` tool whose JavaScript calls `tools.exec_command`."""
    def js(cmd, workdir=None):
        args = {"cmd": cmd, **({"workdir": workdir} if workdir else {})}
        code = f"const r = await tools.exec_command({json.dumps(args)});\ntext(r.output);"
        return lambda c: ("", "exec", code)

    return [js(*c) if isinstance(c, tuple) else js(c) for c in cmds]


def _codex_fn(cmds):
    """An explicit older model (`-m gpt-5.1-codex`): the `exec_command` function itself."""
    def fn(cmd, workdir=None):
        return lambda c: ("", "exec_command", {"cmd": cmd, **({"workdir": workdir} if workdir else {})})

    return [fn(*c) if isinstance(c, tuple) else fn(c) for c in cmds]


SESSIONS = {
    "A": ("claude", [], lambda: _claude([
        ("read", "src/orders/models.py"), ("read", "orders/models.py"),
        ("bash", "helm template deploy/k8s"), ("read", "deploy/k8s/deployment.yaml"),
        ("bash", "git log --oneline --stats -n 3"), ("bash", "git log --oneline --stat -n 3"),
        ("bash", UNITTEST), ("read", "tests/test_pricing.py"),
    ])),
    "B": ("codex", [], lambda: _codex_js([
        "cat src/orders/models.py", "cat orders/models.py",
        "helm lint deploy/k8s", "cat deploy/k8s/service.yaml",
        "npm test", ("npm test", "web"),
        "python3 -m billing.cli", "PYTHONPATH=lib python3 -m billing.cli",
        UNITTEST, "sed -n 1,40p orders/pricing.py",
    ])),
    "C": ("claude", [], lambda: _claude([
        ("bash", "cat src/orders/pricing.py"), ("read", "orders/pricing.py"),
        ("bash", "python3 -m billing.cli"), ("bash", "PYTHONPATH=lib python3 -m billing.cli"),
        ("bash", UNITTEST), ("bash", UNITTEST + " -k subtotal"),
        # last: Claude Code's Bash keeps the directory a `cd` moved to for the calls after it
        ("bash", "npm test"), ("bash", "cd web && npm test"),
    ])),
    "D": ("codex", ["-m", "gpt-5.1-codex"], lambda: _codex_fn([
        "git log --oneline --stats -n 3", "git log --oneline --stat -n 3",
        "ls deploy/kubernetes", "ls deploy/k8s",
        "helm template shipyard deploy/k8s", "cat deploy/k8s/deployment.yaml",
        "kubectl get pods -n shipyard",
        UNITTEST,
    ])),
}


# A second scenario with other specifics for the same classes (to check `learn` against more than one script):
# another wrong path (tests/unit/…), other missing programs (kustomize, tree), another misspelt option (git's own
# wording), another directory mistake (node), the missing module through `-c`.
VARIANT = {
    "E": ("claude", [], lambda: _claude([
        ("read", "tests/unit/test_pricing.py"), ("read", "tests/test_pricing.py"),
        ("bash", "kustomize build deploy/k8s"), ("read", "deploy/k8s/service.yaml"),
        ("bash", "tree deploy"), ("bash", "ls -R deploy"),
        ("bash", "git status --shortt"), ("bash", "git status --short"),
        ("bash", UNITTEST + " -v"), ("read", "orders/pricing.py"),
    ])),
    "F": ("codex", [], lambda: _codex_js([
        "sed -n 1,30p tests/unit/test_pricing.py", "sed -n 1,30p tests/test_pricing.py",
        "kustomize build deploy/k8s", "ls deploy/k8s",
        "node test.js", ("node test.js", "web"),
        'python3 -c "import billing.cli"', 'PYTHONPATH=lib python3 -c "import billing.cli"',
        UNITTEST,
    ])),
    "G": ("claude", [], lambda: _claude([
        ("bash", "head -20 tests/unit/test_pricing.py"), ("read", "tests/test_pricing.py"),
        ('bash', 'python3 -c "import billing.cli"'), ('bash', 'PYTHONPATH=lib python3 -c "import billing.cli"'),
        ("bash", "tree deploy"), ("bash", "ls -R deploy"),
        ("bash", UNITTEST), ("bash", "node test.js"), ("bash", "cd web && node test.js"),
    ])),
}


def expected_variant() -> dict:
    return {
        "lessons": {
            "wrong path tests/unit -> tests": ["E", "F", "G"],
            "missing tool kustomize -> read/list deploy/k8s": ["E", "F"],
            "missing tool tree -> ls -R": ["E", "G"],
            "wrong flag git status --shortt -> --short": ["E"],
            "wrong directory node test.js -> web/": ["F", "G"],
            "missing module billing -> PYTHONPATH=lib": ["F", "G"],
        },
        "uncorrected": {"unittest discover fails (real test failure)": ["E", "F", "G"]},
    }


def expected() -> dict:
    """The answer key: planted lesson → sessions that show it corrected; and the failures nothing corrects."""
    return {
        "lessons": {
            "wrong path src/orders -> orders": ["A", "B", "C"],
            "missing tool helm -> read deploy/k8s": ["A", "B", "D"],
            "wrong flag git --stats -> --stat": ["A", "D"],
            "wrong directory npm test -> web/": ["B", "C"],
            "missing module billing -> PYTHONPATH=lib": ["B", "C"],
            "wrong path deploy/kubernetes -> deploy/k8s": ["D"],
        },
        "uncorrected": {"unittest discover fails (real test failure)": ["A", "B", "C", "D"],
                        "kubectl get pods: no cluster": ["D"]},
    }


def run_session(label: str, out: Path, proj: Path, home: Path, timeout: float = 600) -> dict:
    from headroom_cli.testing.fake_provider import FakeProvider

    agent, extra, make_steps = {**SESSIONS, **VARIANT}[label]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ANTHROPIC_", "OPENAI_", "CLAUDE_", "CODEX_", "HEADROOM_"))}
    env["PATH"] = os.pathsep.join(cs.AGENT_PATH + [env.get("PATH", "")])
    run = out / "runs" / label
    if run.exists():
        shutil.rmtree(run)
    run.mkdir(parents=True)
    env.update(HOME=str(home), HEADROOM_HOME=str(run / "headroom"), NO_COLOR="1")
    if agent == "claude":
        env["ANTHROPIC_API_KEY"] = "sk-ant-api03-fake-capture-key"
    else:
        env["OPENAI_API_KEY"] = "sk-proj-fake-capture-key"
    script = cs.Scripted(agent, cs.Ctx(cwd=proj), make_steps())
    original_final = cs.FINAL
    cs.FINAL = FINAL  # Scripted answers the scenario's end with the module's FINAL text
    try:
        with FakeProvider(script=script).in_thread() as fake:
            wrap = [sys.executable, "-m", "headroom_cli", "wrap", agent, "--no-compress"]
            if agent == "claude":
                wrap += ["--anthropic-upstream", fake.url, "--", *extra, "-p", PROMPT,
                         "--allowedTools", "Bash,Read,Grep,Glob"]
            else:
                wrap += ["--openai-upstream", fake.url + "/v1", "--", "exec", "--skip-git-repo-check",
                         "--dangerously-bypass-approvals-and-sandbox", *extra, PROMPT]
            t0 = time.monotonic()
            p = subprocess.Popen(wrap, cwd=proj, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
            try:
                stdout, stderr = p.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                stdout, stderr = p.communicate()
    finally:
        cs.FINAL = original_final
    (run / "wrap.stdout").write_text(stdout)
    (run / "wrap.stderr").write_text(stderr)
    return {"session": label, "agent": agent, "exit": p.returncode, "seconds": round(time.monotonic() - t0, 1),
            "steps_answered": script.i, "calls": script.log}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--only", default="", help="sessions to record, in order (default: all of the scenario)")
    ap.add_argument("--variant", action="store_true", help="the second scenario (sessions E, F, G)")
    args = ap.parse_args(argv)
    scenario = VARIANT if args.variant else SESSIONS
    labels = [x.strip() for x in args.only.split(",") if x.strip()] or list(scenario)
    home = args.out / "home"
    if set(labels) == set(scenario) and home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / ".claude.json").write_text(json.dumps({"hasCompletedOnboarding": True, "numStartups": 1}))
    proj = ws.build(args.out)
    for label in labels:
        print(json.dumps(run_session(label, args.out, proj, home), indent=1), flush=True)
    (args.out / "expected.json").write_text(json.dumps(expected_variant() if args.variant else expected(), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
