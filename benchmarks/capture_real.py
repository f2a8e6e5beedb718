"""Capture the real command outputs behind `headroom_cli/corpus_real.py` (the classes the real-session captures
of issue 13 lost on), from the two capture workspaces: benchmarks/scenario_repo.py (this repository cloned at a
fixed commit, a C library built with `make -k`, `npm ls` of the Node packages installed on this machine) and
benchmarks/scenario_workspace.py (vendored click with a mechanical commit, an incident log) and
benchmarks/scenario_ops.py (vendored rich with a rename commit; Python's import-time table; the machine's dpkg log) and
benchmarks/scenario_svc.py (an aiohttp service's real log with its logged tracebacks); a small Rust crate's
`cargo build` errors, and a std-only stock ledger's `cargo test` backtraces and its log grepped (benchmarks/scenario_crate.py), when cargo is installed; a C++ order
book's AddressSanitizer and valgrind reports (benchmarks/scenario_cpp.py), when cmake, g++ and valgrind are; `mypy --strict` over the repository's engine when mypy is.

    python benchmarks/capture_real.py [--out headroom_cli/corpus_data/real]

Each output is written as the command printed it (stdout and stderr interleaved), scratch paths rewritten to
/home/dev/app. The corpus reads the files, so its bytes stay fixed until this is run again (then the output digests
must be re-recorded).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import capture_mixed as cm  # noqa: E402
import scenario_cpp  # noqa: E402
import scenario_crate  # noqa: E402
import scenario_gosvc  # noqa: E402
import scenario_jvm  # noqa: E402
import scenario_ops  # noqa: E402
import scenario_repo  # noqa: E402
import scenario_svc  # noqa: E402
import scenario_web  # noqa: E402
import scenario_workspace  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def captures(scratch: Path) -> dict[str, str]:
    repo = scenario_repo.build(scratch / "r")
    click = scenario_workspace.build(scratch / "c")
    ops = scenario_ops.build(scratch / "o")
    env = {"LC_ALL": "C.UTF-8"}  # gcc's quotes: ‘…’ as in a UTF-8 terminal
    out = {
        "git_show_commit": cm.run(f"git show {scenario_repo.SHOWN}", repo, env=env),
        "git_log_patch": cm.run("git log -p -3 -- headroom_cli/compress/terminal.py", repo, env=env),
        "git_show_mechanical": cm.run("git show HEAD", click, env=env),
        "make_warnings": cm.run("make -k -C native", repo, env=env),
        "incident_log": cm.run("cat logs/incident-2026-11-30.log", click, env=env),
        "git_show_rename": cm.run("git show HEAD", ops, env=env),
        "importtime": cm.run(f"{sys.executable} -X importtime -c 'import rich.console'", ops, env=env),
    }
    # (added for the second round of real-session classes: git log without patches, grep over compiled files)
    out["git_log_oneline"] = cm.run("git log --oneline -25", repo, env=env)
    out["git_log_stat_ops"] = cm.run("git log --stat -3", ops, env=env)
    # (round fourteen) one line a commit with its files under it
    out["git_log_oneline_stat"] = cm.run("git log --oneline --stat -15", repo, env=env)
    cm.run(f"{sys.executable} -m compileall -q headroom_cli", repo, env=env)  # __pycache__, as after a test run
    out["grep_binary"] = cm.run("grep -rn estimate_tokens headroom_cli", repo, env=env)
    # (added for the lossless layout: a path list whose directories repeat on every line)
    out["find_paths"] = cm.run("find headroom_cli -name '*.py' | sort", repo, env=env)
    # (added in round thirteen: `git blame` of a whole module; `top` in batch mode: a summary, then its task table)
    if shutil.which("top"):
        out["top_batch"] = cm.run("top -b -n 1 -w 120 | head -90", repo, env=env)
    out["git_blame"] = cm.run("git blame headroom_cli/compress/tokens.py", repo, env=env)
    # (round fourteen) help texts and a manual page: entries, one per option, asked about one of them
    out["pytest_help"] = cm.run(f"{sys.executable} -m pytest --help", repo, env=env)
    if shutil.which("curl"):
        out["curl_help"] = cm.run("curl --help all", repo, env=env)
    if shutil.which("man") and shutil.which("col"):
        man = cm.run("man git-log 2>/dev/null | col -b", repo, env={**env, "MANWIDTH": "80"})
        if "SYNOPSIS" in man:
            out["man_git_log"] = man
    if Path("/var/log/dpkg.log").is_file():  # this machine's package log and table (Debian)
        out["dpkg_log"] = cm.run("tail -n 400 /var/log/dpkg.log", ops, env=env)
        out["dpkg_table"] = cm.run("dpkg -l | head -200", ops, env=env)
    if shutil.which("npm") and Path(scenario_repo.NPM_PREFIX, "lib", "node_modules").is_dir():
        # the agents installed on this machine (Node packages): a real dependency tree
        out["npm_ls_tree"] = cm.run(f"npm ls -g --all --prefix {scenario_repo.NPM_PREFIX}", repo, env=env)
    # (added for the held-out service session's classes) a real aiohttp service's log: tracebacks logged again
    svc = scenario_svc.build(scratch / "s")
    out["service_log_tail"] = cm.run("tail -n 150 logs/linkd.log", svc, env=env)
    out["service_log_grep"] = cm.run("grep -n -A 30 'Error handling request' logs/linkd.log | head -n 120", svc, env=env)
    if shutil.which("mypy"):  # a type checker's report over many files, one module asked about by name
        out["mypy_strict"] = cm.run("mypy --ignore-missing-imports --strict headroom_cli/compress", repo, env=env)
    if shutil.which("cargo"):  # (added for the held-out service session's classes) rustc's diagnostics
        out["cargo_build_errors"] = cm.run("cargo build --offline", _rust_crate(scratch / "rs"),
                                           env={**env, "CARGO_TERM_COLOR": "never"})
    if scenario_crate.CARGO_BIN:  # (added for the crate session's classes) a Rust crate's tests and its log
        crate = scenario_crate.build(scratch / "k")
        with tempfile.TemporaryDirectory(prefix="crate-cargo-home-") as home:
            cenv = {**env, **scenario_crate._env(crate, Path(home)), "RUST_BACKTRACE": "1"}
            out["cargo_test_backtrace"] = cm.run("cargo test --no-fail-fast", crate, env=cenv)
        out["crate_log_grep_errors"] = cm.run("grep -n ERROR logs/stockledger.log | head -n 80", crate, env=env)
        out["crate_log_grep_panic"] = cm.run("grep -n -B 3 -A 30 'panicked' logs/stockledger.log", crate, env=env)
        out["crate_log_tail"] = cm.run("tail -n 150 logs/stockledger.log", crate, env=env)  # a log of many kinds
    if scenario_cpp.CMAKE and scenario_cpp.GXX and shutil.which("valgrind"):
        # (added for the cpp session's classes) native crash reports: AddressSanitizer's and valgrind's
        cpp = scenario_cpp.build(scratch / "p")
        cenv = {**env, **scenario_cpp._env(cpp)}
        out["ctest_failures"] = cm.run("ctest --test-dir build --output-on-failure", cpp, env=cenv)
        out["asan_use_after_free"] = cm.run("./build-asan/tickbook_tests", cpp, env=cenv)
        out["valgrind_memcheck"] = cm.run(f"valgrind --leak-check=full ./build/tickbook {scenario_cpp.VALGRIND_INPUT}",
                                          cpp, env=cenv)
    if scenario_web.NPM:  # (added for the web session's classes) a TypeScript project's own `npm ls --all`
        web = scenario_web.build(scratch / "w")
        out["npm_ls_web"] = cm.run("npm ls --all", web,
                                   env={**env, "PATH": f"{scenario_web.NODE_BIN}:/usr/bin:/bin", "NO_COLOR": "1"})
        # its pino-style JSON-lines log: every 500 logs the same stack in its `err.stack` value; its report's
        # tasks as JSON lines (records, not events)
        out["web_report_lines"] = cm.run("jq -c '.items[]' reports/tasks.json", web, env=env)
        out["web_log_grep_errors"] = cm.run("grep -n '\"level\":50' logs/api.log | head -n 40", web, env=env)
        # (round thirteen) the report as jq prints it, cut by head: a document that never closes
        out["json_head_cut"] = cm.run("jq . reports/tasks.json | head -n 400", web, env=env)
        # (round fourteen) a small answer jq prints indented, one document per result: its lossless layout
        out["jq_select_pretty"] = cm.run("jq '.items[] | select(.priority == \"high\" and .column == \"doing\")' "
                                         "reports/tasks.json", web, env=env)
    if scenario_jvm.JAVA and scenario_jvm.JAVAC and scenario_jvm.JUNIT.is_file():
        # (added for the jvm session's classes) JUnit 4's failures, javac's lint, a jstack dump with a deadlock
        jvm = scenario_jvm.build(scratch / "j")
        out["junit_failures"] = cm.run("make test", jvm, env=env)
        out["javac_lint"] = cm.run("javac -Xlint:all -d build/classes $(find src/main/java -name '*.java')", jvm,
                                   env=env)
        out["jstack_deadlock"] = cm.run("sh tools/threaddump.sh", jvm, env=env)
        # jdeps' class-level listing: cells padded to shared columns, no header row (a table all the same)
        cm.run("make jar", jvm, env=env)
        out["jdeps_verbose"] = cm.run("jdeps -verbose:class build/depot.jar", jvm, env=env)
    if scenario_gosvc.GO:  # (added for the gosvc session's classes) go test -v's failures
        gosvc = scenario_gosvc.build(scratch / "g")
        out["go_test_v"] = cm.run("go test -v ./...", gosvc, env={**env, **scenario_gosvc._env(gosvc.parent)})
        out["gosvc_log_tail"] = cm.run("tail -n 200 logs/ledgerd.log", gosvc, env=env)  # slog's logfmt lines
        pool = _go_pool(scratch / "gp")  # a panic's goroutine dump (GOTRACEBACK=all): idle workers, a held mutex
        out["go_goroutines"] = cm.run("GOTRACEBACK=all go run .", pool,
                                      env={**env, **scenario_gosvc._env(scratch / "gp-home")})
    return {k: cm.scrub(v, scratch) for k, v in out.items()}


RUST_MAIN = """use std::collections::HashMap;
struct Store { links: HashMap<String, u64> }
impl Store {
    fn get(&self, code: &str) -> Option<u64> { self.links.get(code) }
    fn put(&mut self, code: String, v: u64) { self.links.insert(code, v) }
    fn count(&self) -> usize { self.links.len() as u32 }
}
fn decode(code: &str) -> Result<u64, String> {
    let mut n = 0;
    for ch in code.chars() { n = n * 62 + ch.to_digit(36).ok_or(format!("bad {}", ch))?; }
    Ok(n)
}
fn main() {
    let mut s = Store { links: HashMap::new() };
    let unused = 5;
    s.put("a".to_string(), decode("abc"));
    println!("{}", s.get("a").unwrap() + s.count());
    let x: i32 = "5";
}
"""


GO_POOL = """package main

import (
	"fmt"
	"sync"
	"time"
)

type Cache struct {
	mu    sync.Mutex
	items map[string]int
}

func (c *Cache) Get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.items[k]
}

func worker(id int, jobs <-chan int, c *Cache) {
	for j := range jobs {
		_ = c.Get(fmt.Sprint(j))
	}
}

func main() {
	c := &Cache{}
	jobs := make(chan int)
	for i := 0; i < 24; i++ {
		go worker(i, jobs, c)
	}
	c.mu.Lock()
	for i := 0; i < 6; i++ {
		go func(i int) { _ = c.Get("x") }(i)
	}
	time.Sleep(100 * time.Millisecond)
	var totals map[string]int
	totals["boom"] = 1
}
"""


def _go_pool(root: Path) -> Path:
    """A small Go program whose pool of idle workers and lookups stuck on a held mutex are in its panic's dump."""
    root.mkdir(parents=True)
    (root / "go.mod").write_text("module pool\n\ngo 1.19\n")
    (root / "main.go").write_text(GO_POOL)
    return root


def _rust_crate(root: Path) -> Path:
    """A small crate whose first build fails with type errors (each with its location, labels, notes, help)."""
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text('[package]\nname = "linkstore"\nversion = "0.1.0"\nedition = "2021"\n')
    (root / "src" / "main.rs").write_text(RUST_MAIN)
    return root


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "headroom_cli" / "corpus_data" / "real")
    ap.add_argument("--only", default="", help="comma-separated names: write only these (the others' files stay as "
                                                "they were captured)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="headroom-real-") as d:
        got = captures(Path(d))
    if args.only:
        got = {k: v for k, v in got.items() if k in args.only.split(",")}
        got_all = sorted(set(json.loads((args.out / "MANIFEST.json").read_text())) | set(got))
    else:
        got_all = sorted(got)
    for name, text in got.items():
        (args.out / f"{name}.txt").write_bytes(text.encode("utf-8"))
    (args.out / "MANIFEST.json").write_text(json.dumps(got_all, indent=1) + "\n")
    print(json.dumps({k: len(v) for k, v in got.items()}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
