"""Find lessons in sessions: failed calls later corrected, and users correcting the agent.

Heuristics only (offline, deterministic). A lesson is an `Occurrence`: a normalised `key` (so the
same lesson from two sessions or two agents counts twice but reads once), a short imperative
`text`, and the evidence it came from.

Failure → fix: a call that failed (the agent flagged an error, a non-zero exit, or a clear error
pattern) followed, within a few calls, by a *successful* call of the same tool with *similar but
different* input. The two inputs are diffed and the difference generalised: a program swapped
(`python` → `python3`), a flag added to a program (`kubectl … -n payments`), a flag replaced or
dropped, a path moved (`src/shop/` → `shop/`), else the whole corrected command. Retrying the
same input, content edits (Edit's `old_string`) and unrelated next calls teach nothing.
"""
from __future__ import annotations

import difflib
import re
import shlex
from dataclasses import dataclass, field

from .alternatives import found_elsewhere, path_rule, program_instead, similar_args, worked_around_tool
from .commands import call_dir, code, env_prefix, file_path, is_flag, missing_program, norm_path, pathlike, \
    program, rel, tokens
from .readers import SHELL, Session, ToolCall, UserMessage

# how many later events a fix may be away from its failure
FIX_WINDOW = 12
MAX_CMD_CHARS = 120  # longer commands make poor rules

_ERROR_PATTERNS = re.compile(
    r"command not found|No such file or directory|unknown (?:option|flag|command|argument)|"
    r"unrecognized (?:option|arguments?)|unexpected argument|invalid (?:option|argument)|"
    r"^\s*(?:error|fatal|Error|ERROR|FATAL)\b[:\s]|Traceback \(most recent call last\)|"
    r"<tool_use_error>|does not exist|not recognized as|Could not read|No module named",
    re.M,
)
_REJECTED = ("The user doesn't want to proceed", "The user doesn't want to take this action",
             "[Request interrupted by user", "User rejected", "Interrupted")
# programs whose exit status 1 means "no match"/"differs", not failure
_EXIT1_OK = {"grep", "egrep", "fgrep", "rg", "ag", "diff", "cmp", "test", "[", "git-diff"}


def call_outcome(call: ToolCall) -> str:
    """"ok", "fail", "rejected" (the user stopped it) or "unknown" (no result recorded)."""
    if not call.answered and call.exit_code is None:
        return "unknown"
    out = call.output or ""
    if out.lstrip().startswith(_REJECTED):
        return "rejected"
    if call.exit_code is not None and call.exit_code != 0:
        if call.exit_code == 1 and call.tool == SHELL and program(tokens(call.command)) in _EXIT1_OK:
            return "ok" if not _ERROR_PATTERNS.search(out) else "fail"
        return "fail"
    if call.is_error:
        return "fail"
    if call.exit_code is None and call.is_error is None and _ERROR_PATTERNS.search(out[:2000]):
        return "fail"  # no status recorded: fall back to what the output says
    if call.tool == SHELL and "command not found" in "\n".join(out[:1000].splitlines()[:5]):
        return "fail"  # `missing | head` exits 0 but still failed
    return "ok"


def call_failed(call: ToolCall) -> bool:
    return call_outcome(call) == "fail"


# --- shell command shapes (commands.py; kept importable from here) ----------------------------------

_BAD_OPTION = re.compile(r"unknown|unexpected|unrecognized|invalid|not recognized|no such option", re.I)
_is_flag, _pathlike, _q = is_flag, pathlike, code


def _similar(f: list[str], s: list[str]) -> bool:
    if not f or not s:
        return False
    pf, ps = _unversioned(program(f)), _unversioned(program(s))
    if pf == ps and pf:
        return True
    return similar_args(f, s)  # a swapped program with the same arguments (`python x.py` → `python3 x.py`)


def _unversioned(prog: str) -> str:
    """`python3.11` and `python` run the same kind of thing (so do `pip3` and `pip`)."""
    return re.sub(r"^(python|pip|node|ruby|perl|php)[\d.]*$", r"\1", prog)


# --- occurrences ------------------------------------------------------------------------------------

@dataclass
class Occurrence:
    key: str  # normalised identity of the lesson (dedupe across sessions and agents)
    kind: str  # "program" | "flag_add" | "flag_swap" | "flag_drop" | "path" | "command" | "correction"
    text: str  # the rule, short and imperative
    agent: str
    session_id: str
    project: str
    timestamp: str
    evidence: dict = field(default_factory=dict)  # failed / fixed / error, or quote
    # which event(s): the agent's own call/message ids when it writes them ("id:…", unique across
    # sessions, so a resumed session that copies its history counts once), else positions in the session
    ref: str = ""


def error_line(output: str, project: str = "") -> str:
    """The line of an output that best says what went wrong (short, project path made relative)."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not re.match(r"^(?:Error: )?Exit code -?\d+$", ln)]
    pick = next((ln for ln in lines if _ERROR_PATTERNS.search(ln)), lines[0] if lines else "")
    pick = re.sub(r"</?tool_use_error>", "", pick).strip()
    if project:
        pick = pick.replace(project.rstrip("/") + "/", "").replace(project, ".")
    return pick[:160]


_INTERPRETERS = re.compile(r"^(?:python[\d.]*|node|ruby|perl|php|bash|sh|zsh|deno|bun)$")


def _head(toks: list[str]) -> str:
    """What a rule names as "the command": the program, with the script an interpreter runs (`python3 manage.py`)."""
    prog = program(toks) or (toks[0] if toks else "")
    if _INTERPRETERS.match(prog) and len(toks) > 1 and pathlike(toks[1]):
        return f"{prog} {toks[1]}"
    return prog


# the option an error names: argparse, getopt, click, clap, cobra, Go's flag package, git
_BAD_OPTION_NAMED = re.compile(
    r"(?:unrecognized|unknown|invalid|unexpected|no such|illegal|bad)\s+(?:option|argument|flag)s?\b[:\s]*"
    r"['\"`]?(-{1,2}[A-Za-z0-9][\w-]*)|flag provided but not defined:\s*(-{1,2}[\w-]+)|"
    r"unexpected argument '(-{1,2}[\w-]+)'|(?:invalid|illegal) option -- '?(\w)'?|"
    r"unknown (?:option|switch) [`'\"]([A-Za-z][\w-]*)'", re.I)


def bad_option(output: str) -> str:
    """The option a usage error names (`--stats` in "unrecognized argument: --stats"), or ""."""
    m = _BAD_OPTION_NAMED.search(output[:4000])
    if not m:
        return ""
    if m.group(4):  # getopt: "invalid option -- 'z'"
        return "-" + m.group(4)
    if m.group(5):  # git: "unknown option `shortt'" (the name without its dashes)
        return ("-" if len(m.group(5)) == 1 else "--") + m.group(5)
    return next((g for g in m.groups() if g), "")


_NO_MODULE = re.compile(r"No module named '?([A-Za-z_][\w.]*)'?|Cannot find module '([^']+)'")


def _setting_lesson(f: ToolCall, s: ToolCall, err: str, project: str) -> tuple[str, str, str] | None:
    """The same command, fixed by where it ran (`cd web &&`, Codex's `workdir`) or a `VAR=…` it was given."""
    fe, se = env_prefix(f.command), env_prefix(s.command)
    fd, sd = call_dir(f, project), call_dir(s, project)
    st = tokens(_relcmd(s.command, project))
    head = _head(st)
    if fe != se and fd == sd:
        added = {k: v for k, v in se.items() if fe.get(k) != v}
        if not added:
            return None  # a variable dropped: too weak to say which one mattered
        assign = " ".join(f"{k}={_relcmd(v, project)}" for k, v in sorted(added.items()))
        m = _NO_MODULE.search(f.output[:4000])
        if m:
            mod = (m.group(1) or m.group(2)).split(".")[0]
            example = shlex.join(st)
            return "env", f"env|module:{mod}|{assign}", \
                f"Set {code(assign)} to import {code(mod)} (e.g. {code(assign + ' ' + example)})." \
                if len(example) <= 60 else f"Set {code(assign)} to import {code(mod)}."
        return "env", f"env|{head}|{assign}", f"Run {code(head)} with {code(assign)}."
    if fd != sd and fe == se and sd and not sd.startswith(("/", "..")):
        if re.search(r"\bcd\b.*(?:No such file|not a directory|can't cd)", err, re.I):
            return path_rule(fd, sd)  # the folder it tried to enter does not exist
        return _cwd_rule(head, fd, sd)
    return None


def _cwd_rule(head: str, fd: str, sd: str) -> tuple[str, str, str]:
    where = "the repository root" if fd == "." else code(fd + "/")
    return "cwd", f"cwd|{head}|{sd}", f"Run {code(head)} from {code(sd + '/')}, not from {where} " \
                                      f"({code('cd ' + sd)} first)."


# options that run a program in another folder (`npm --prefix web`, `make -C backend`, `git -C repo`)
_DIR_OPTIONS = {"-C", "--prefix", "--cwd", "--dir", "--directory", "--chdir", "--workdir", "--cd"}


def _dir_option(added: list[str]) -> str:
    """The folder an added `--prefix web` / `-C web` / `--cwd=web` names, or ""."""
    if len(added) == 2 and added[0] in _DIR_OPTIONS:
        return added[1]
    if len(added) == 1 and "=" in added[0] and added[0].split("=", 1)[0] in _DIR_OPTIONS:
        return added[0].split("=", 1)[1]
    return ""


def _shell_lesson(f: ToolCall, s: ToolCall, err: str, project: str = "") -> tuple[str, str, str] | None:
    """(kind, key, text) generalising what changed between a failed and a fixed command."""
    ft, st = tokens(_relcmd(f.command, project)), tokens(_relcmd(s.command, project))
    if not ft or not st:
        return None
    if ft == st:
        return _setting_lesson(f, s, err, project)
    head = program(st) or st[0]
    missing = missing_program(f)
    # 1. another program for one that is not installed (same or other arguments)
    if missing and program(st) != missing and st[0] != missing:
        return "missing_tool", f"missing_tool|{missing}", \
            f"{code(missing)} is not installed here: use {code(program_instead(ft, st))} instead."
    # another program (or runner: `uv run python`, `.venv/bin/python`), same arguments
    alt = program_instead(ft, st)
    if ft[0] != st[0] and (ft[1:] == st[1:] or (ft[1:] and alt != program(st))):
        m = _NO_MODULE.search(f.output[:4000])
        why = f" (it has no {code(m.group(1) or m.group(2))} module)" if m else ""
        return "program", f"program|{ft[0]}|{alt}", f"Use {code(alt)}, not {code(ft[0])}{why}."
    ops = [op for op in difflib.SequenceMatcher(a=ft, b=st, autojunk=False).get_opcodes() if op[0] != "equal"]
    if ft[0] == st[0] or program(ft) == program(st):
        # the error named the bad option, and the fix no longer passes it: that option is the lesson
        bad = bad_option(f.output)
        if bad and bad in [t.split("=")[0] for t in ft] and bad not in [t.split("=")[0] for t in st]:
            new_flags = [t.split("=")[0] for t in st if is_flag(t) and t.split("=")[0] not in
                         {x.split("=")[0] for x in ft}]
            near = difflib.get_close_matches(bad, new_flags, n=1, cutoff=0.6)
            why = f" ({code(bad)} is not a valid option)"
            if near:
                return "flag_swap", f"flag_swap|{head}|{bad}|{near[0]}", \
                    f"{code(head)}: use {code(near[0])}, not {code(bad)}{why}."
            return "flag_drop", f"flag_drop|{head}|{bad}", f"Don't pass {code(bad)} to {code(head)}{why}."
        # 2. only flags (with their values) added
        if all(op[0] == "insert" for op in ops):
            added = [t for op in ops for t in st[op[3]:op[4]]]
            d = _dir_option(added)
            if d and not d.startswith(("/", "~", "..")):  # the same lesson as `cd web && …`
                return _cwd_rule(_head(ft), call_dir(f, project), norm_path(d))
            if added and is_flag(added[0]):
                flags = " ".join(added)
                return "flag_add", f"flag_add|{head}|{flags}", f"Run {code(head)} with {code(flags)}."
        # 3. one flag swapped for another
        if len(ops) == 1 and ops[0][0] == "replace":
            _, i1, i2, j1, j2 = ops[0]
            old, new = ft[i1:i2], st[j1:j2]
            if len(old) == 1 and len(new) == 1 and is_flag(old[0]) and is_flag(new[0]):
                o, n = old[0].split("=")[0], new[0].split("=")[0]
                if o != n:
                    why = f" ({code(o)} is not a valid option)" if _BAD_OPTION.search(err) else ""
                    return "flag_swap", f"flag_swap|{head}|{o}|{n}", f"{code(head)}: use {code(n)}, not {code(o)}{why}."
            # 4. a path argument moved
            if (len(old) == 1 and len(new) == 1 and not is_flag(old[0]) and not is_flag(new[0])
                    and (pathlike(old[0]) or pathlike(new[0]))):
                o, n = old[0].rstrip("/"), new[0].rstrip("/")
                return path_rule(o, n, missing=o in err or o.rsplit("/", 1)[-1] in err)
        # 5. only flags dropped
        if ops and all(op[0] == "delete" for op in ops):
            dropped = [t for op in ops for t in ft[op[1]:op[2]]]
            if dropped and is_flag(dropped[0]):
                flags = " ".join(dropped)
                return "flag_drop", f"flag_drop|{head}|{flags}", f"Don't pass {code(flags)} to {code(head)}."
    # 6. the whole corrected command
    fc, sc = " ".join(ft), " ".join(st)
    if len(fc) > MAX_CMD_CHARS or len(sc) > MAX_CMD_CHARS:
        return None
    why = ""
    gone = [t for t in ft if pathlike(t) and t not in st and t in err]
    if gone:
        why = f" — {code(gone[0].rstrip('/'))} does not exist"
    return "command", f"command|{fc}|{sc}", f"Use {code(sc)}, not {code(fc)}{why}."


def _path_lesson(f: ToolCall, s: ToolCall, project: str) -> tuple[str, str, str] | None:
    """A file tool that failed on one path and worked on another (other inputs unchanged)."""
    fpath, spath = file_path(f), file_path(s)
    if not fpath or not spath:
        return None
    key = next(k for k, v in f.input.items() if v == fpath)
    others_f = {k: v for k, v in f.input.items() if k != key}
    others_s = {k: v for k, v in s.input.items() if v != spath}
    if others_f != others_s:
        return None  # content changed too: an edit retried, not a path lesson
    o, n = rel(fpath, project), rel(spath, project)
    return None if o == n else path_rule(o, n)


# the call itself was wrong (vs. the work it did failing, like a red test): a corrected call that then
# fails for another reason still shows the correction
_USAGE_ERROR = re.compile(
    r"command not found|No such file or directory|file or directory not found|does not exist|not found|NotFound|"
    r"unknown (?:option|flag|command|argument|subcommand)|unrecognized|unexpected argument|"
    r"invalid (?:option|argument|choice|value)|no such (?:option|command|file)|^usage:|Missing script|"
    r"is not a \w+ command|can't open file|cannot find|No module named|not recognized|Could not read package", re.I | re.M)
# calls that change files: a success after one is the edit's doing, not a corrected invocation
EDIT_TOOLS = {"Edit", "Write", "MultiEdit", "NotebookEdit", "apply_patch", "write_file", "edit_file",
              "str_replace_based_edit_tool", "create_file"}
# options that pick fewer tests or files: after a real failure, a narrower run that passes avoided it
_SELECTING = re.compile(r"^(?:-k|-m|-t|-g|-run|--run|--deselect|--ignore\S*|--lf|--last-failed|--sw|--stepwise|"
                        r"--testNamePattern|--testPathPattern|--testPathIgnorePatterns|--grep|--filter|--only|--skip|"
                        r"--exclude)(?:=.*)?$")


# a test run or build that ran and reported failures: the work failed, whatever words its output contains
_WORK_FAILURE = re.compile(r"^(?:FAILED|FAIL:?|ERROR:) \S+\.\w+::|^FAIL: \w+|\b\d+ failed\b|^Ran \d+ tests? in |"
                           r"^E\s{3}|^AssertionError|\bAssertionError:|^Tests?:\s+\d+ failed|^not ok \d+|"
                           r"^--- FAIL:|\bfailures?:\s*[1-9]", re.M)


def is_usage_error(output: str) -> bool:
    """The call itself was wrong (a missing program, path, option, module) rather than the work it ran failing."""
    head = output[:4000]
    return bool(_USAGE_ERROR.search(head)) and not _WORK_FAILURE.search(head)


def _edits_files(c: ToolCall) -> bool:
    if c.tool in EDIT_TOOLS:
        return True
    return c.tool == SHELL and bool(re.search(r"^\s*apply_patch\b|\bsed\s+-i\b|\bperl\s+-pi\b", c.command))


def _same_input(f: ToolCall, s: ToolCall, project: str) -> bool:
    if f.tool != SHELL:
        return f.input == s.input
    return (tokens(f.command) == tokens(s.command) and env_prefix(f.command) == env_prefix(s.command)
            and call_dir(f, project) == call_dir(s, project))


# commands that install what a project needs
_INSTALL_CMD = re.compile(
    r"^\s*(?:sudo\s+)?(?:(?:pip3?|python[\d.]* -m pip|uv pip|pipx|npm|pnpm|yarn|bun|apt(?:-get)?|brew|cargo|gem|"
    r"go|conda|mamba|poetry|pdm|dnf|yum|apk)\s+(?:install|add|i|ci|get)\b|(?:uv|poetry|pdm|bundle)\s+(?:sync|install)\b|"
    r"npm ci\b|make\s+(?:deps|install|setup|bootstrap)\b)")


def _setup_lesson(f: ToolCall, installed: ToolCall, err: str, project: str) -> tuple[str, str, str]:
    inst = " ".join(tokens(_relcmd(installed.command, project)))
    what = " ".join(tokens(_relcmd(f.command, project)))
    what = what if len(what) <= 60 else _head(tokens(_relcmd(f.command, project)))
    d = call_dir(installed, project)
    where = f" in {code(d + '/')}" if d not in (".", "") and not d.startswith("/") else ""
    return "setup", f"setup|{inst}|{_head(tokens(f.command))}", f"Run {code(inst)}{where} before {code(what)} (without it: {err})."


def avoids_the_failure(kind: str, f: ToolCall, s: ToolCall, project: str) -> bool:
    """After a failure of the work itself (a red test, a type error), a run that checks less is no correction:
    a narrower selection, a sub-path, a dropped option, another command altogether."""
    if kind in ("flag_drop", "command", "path"):
        return True
    if kind == "flag_add":
        ft, st = tokens(_relcmd(f.command, project)), tokens(_relcmd(s.command, project))
        return any(_SELECTING.match(t) for t in st if t not in ft)
    return False


# options that ask a program about itself: a run with them works whatever was wrong
_ASKING = {"-h", "--help", "-help", "--version", "-V", "--usage", "-?", "--dry-run"}


def asks_instead(kind: str, key: str) -> bool:
    """`check.py` failed, `check.py --help` worked: the help answered, nothing was corrected."""
    return kind == "flag_add" and key.rsplit("|", 1)[-1].split()[0].split("=")[0] in _ASKING


def failure_fixes(session: Session) -> list[Occurrence]:
    out: list[Occurrence] = []
    calls = session.tool_calls
    project = session.project
    outcome_of = {c.index: call_outcome(c) for c in calls}
    used: set[int] = set()  # a fix teaches once, even after several failed attempts

    def ok(c: ToolCall) -> bool:
        return outcome_of[c.index] == "ok" and c.index not in used

    for i, f in enumerate(calls):
        if outcome_of[f.index] != "fail":
            continue
        usage = is_usage_error(f.output) or bool(missing_program(f))  # (`which X` fails silently)
        err = error_line(f.output, project)
        found: tuple[tuple[str, str, str], ToolCall] | None = None
        edited = False
        installed: ToolCall | None = None  # a dependency installed since the failure
        for s in calls[i + 1:]:
            if s.index - f.index > FIX_WINDOW:
                break
            if s.tool != f.tool or (f.tool == SHELL and not _similar(tokens(f.command), tokens(s.command))):
                edited = edited or _edits_files(s)
                if usage and s.tool == SHELL and outcome_of[s.index] == "ok" and _INSTALL_CMD.search(s.command):
                    installed = installed or s
                continue
            if _same_input(f, s, project) or s.index in used:
                if installed is not None and not edited and outcome_of[s.index] == "ok" and s.index not in used:
                    found = _setup_lesson(f, installed, err, project), s  # the same call works once installed
                break  # the same call again: a retry, not a correction
            outcome = outcome_of[s.index]
            fixed = outcome == "ok" or (usage and outcome == "fail" and not is_usage_error(s.output))
            if not fixed:
                edited = edited or _edits_files(s)
                continue  # another failed attempt; the fix may come next
            if edited:
                break  # files changed in between (a test written, a bug fixed): the edit did it, not the new input
            lesson = _shell_lesson(f, s, err, project) if f.tool == SHELL else _path_lesson(f, s, project)
            if lesson and not (not usage and avoids_the_failure(lesson[0], f, s, project)) \
                    and not asks_instead(lesson[0], lesson[1]):
                found = lesson, s
            break
        if found is None and usage:  # worked around with another tool or program
            later = calls[i + 1:]
            found = worked_around_tool(f, later, ok, project, FIX_WINDOW) or \
                found_elsewhere(f, later, ok, project, FIX_WINDOW, _edits_files)
        if found is None:
            continue
        (kind, key, text), s = found
        used.add(s.index)
        out.append(Occurrence(
            key=normalise_key(key), kind=kind, text=text, agent=session.agent,
            session_id=session.session_id, project=project, timestamp=f.timestamp,
            evidence={"tool": f.tool, "failed": _describe(f, project), "fixed": _describe(s, project),
                      "error": err, **({"fixed_tool": s.tool} if s.tool != f.tool else {})},
            ref=f"id:{f.call_id}>{s.call_id}" if f.call_id and s.call_id else f"{f.index}>{s.index}"))
    return out


def _describe(c: ToolCall, project: str) -> str:
    """A call as evidence: the command (with where it ran, when not the project), or the tool's path."""
    if c.tool != SHELL:
        return rel(str(file_path(c)), project) or c.tool
    cmd = _relcmd(c.command, project)
    d = call_dir(c, project)
    lead = "cd " in cmd.split("&&")[0] if "&&" in cmd else False
    return f"(in {d}/) {cmd}" if d not in (".", "") and not lead else cmd


def _relcmd(command: str, project: str) -> str:
    """A command with the project's absolute path made relative, so lessons read (and dedupe) alike."""
    p = project.rstrip("/")
    if not p or p == "":
        return command
    return re.sub(re.escape(p) + r"(?=/|\s|$|['\"])/?", lambda m: "" if m.group(0).endswith("/") else ".", command)


# --- user corrections -------------------------------------------------------------------------------

# "no, …" / "wrong …" open a correction; "actually …" / "stop …" only with a strong directive after them
_LEAD = re.compile(r"^(?:no+|nope|wrong|not that|that'?s (?:wrong|not right)|that is (?:wrong|not right))\b"
                   r"[\s,.:;!—–-]*", re.I)
_SOFT_LEAD = re.compile(r"^(?:actually|stop|hold on|wait)\b[\s,.:;!—–-]*", re.I)
_NOT_A_CORRECTION = re.compile(r"^(?:no+\s+(?:worries|problem|thanks?|thank you|need|rush|idea)\b|no+[.!]?$)", re.I)
_DIRECTIVE = re.compile(r"\b(?:use|run|call|put|edit|change|it'?s|should|must|need|instead|always|never|"
                        r"don'?t|do not|not)\b", re.I)
_STRONG = re.compile(r"\b(?:use|run|call|instead|always|never|don'?t|do not)\b", re.I)
_NEGATED = re.compile(r"^(?:please\s+)?(?:don'?t|do not|never)\b.*\b(?:use|run|instead|change|edit|call|touch)\b",
                      re.I | re.S)
# "use X instead (of Y)" as the message itself, not inside a task ("refactor it to use X instead of Y")
_INSTEAD = re.compile(r"^(?:please\s+)?(?:use|run|call|try)\b.*\binstead\b", re.I | re.S)
MAX_CORRECTION_CHARS = 400


def correction_text(text: str) -> str | None:
    """The rule a user's message states, or None when it is not a correction."""
    t = " ".join(text.strip().split())
    if not t or len(t) > MAX_CORRECTION_CHARS or _NOT_A_CORRECTION.match(t):
        return None
    m, soft = _LEAD.match(t), _SOFT_LEAD.match(t)
    if m:
        rest = t[m.end():]
        if not _DIRECTIVE.search(rest):
            return None
    elif soft:
        rest = t[soft.end():]
        if not (_STRONG.search(rest) and (_NEGATED.match(rest) or _INSTEAD.match(rest) or
                                          re.match(r"(?:please\s+)?(?:use|run|call|always|never)\b", rest, re.I))):
            return None
    elif _NEGATED.match(t) or _INSTEAD.match(t):
        rest = t
    else:
        return None
    rest = re.sub(r"^please\s+", "", rest.strip(" ,.;:—–-"), flags=re.I)
    if len(rest) < 8:
        return None
    # first two sentences at most: rules stay short
    parts = re.split(r"(?<=[.!?])\s+", rest)
    rule = " ".join(parts[:2]).rstrip()
    rule = rule[0].upper() + rule[1:]
    return rule if rule.endswith((".", "!", "?", "`")) else rule + "."


def corrections(session: Session) -> list[Occurrence]:
    out = []
    seen_tool = False
    for e in session.events:
        if isinstance(e, ToolCall):
            seen_tool = True
            continue
        if not isinstance(e, UserMessage) or not seen_tool:
            continue  # the first prompt is a task, not a correction
        rule = correction_text(e.text)
        if rule:
            out.append(Occurrence(
                key=normalise_key("correction|" + rule), kind="correction", text=rule, agent=session.agent,
                session_id=session.session_id, project=session.project, timestamp=e.timestamp,
                evidence={"quote": " ".join(e.text.split())[:300]}, ref=f"id:{e.uid}" if e.uid else f"u{e.index}"))
    return out


def normalise_key(key: str) -> str:
    """Case, whitespace, quotes and trailing punctuation do not make a different lesson."""
    k = key.lower().replace("`", "")
    k = re.sub(r"\s+", " ", k)
    k = re.sub(r"[.!?]+$", "", k.strip())
    if k.startswith("correction|"):
        k = "correction|" + re.sub(r"[^\w/|.\- ]+", "", k[len("correction|"):]).strip()
        k = re.sub(r"\s+", " ", k)
    return k


def mine(sessions: list[Session]) -> list[Occurrence]:
    """Every lesson occurrence in the sessions, in session order."""
    out: list[Occurrence] = []
    for s in sessions:
        out.extend(failure_fixes(s))
        out.extend(corrections(s))
    # The agents' own call ids identify an event across sessions, so a resumed session that copies its history
    # counts it once. Ids that repeat at another time are not a copy (a provider numbering its calls per session,
    # as scripted test providers do): those get the time too, so each counts.
    first_ts: dict[tuple[str, str], str] = {}
    for o in out:
        if not o.ref.startswith("id:"):
            continue
        ts = first_ts.setdefault((o.agent, o.ref), o.timestamp)
        if ts != o.timestamp:
            o.ref = f"{o.ref}@{o.timestamp}"
    return out
