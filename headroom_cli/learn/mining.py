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
import os
import re
import shlex
from dataclasses import dataclass, field

from .readers import SHELL, Session, ToolCall, UserMessage

# how many later events a fix may be away from its failure
FIX_WINDOW = 12
MAX_CMD_CHARS = 120  # longer commands make poor rules

_ERROR_PATTERNS = re.compile(
    r"command not found|No such file or directory|unknown (?:option|flag|command|argument)|"
    r"unrecognized (?:option|arguments?)|unexpected argument|invalid (?:option|argument)|"
    r"^\s*(?:error|fatal|Error|ERROR|FATAL)\b[:\s]|Traceback \(most recent call last\)|"
    r"<tool_use_error>|does not exist|not recognized as",
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


# --- shell command shapes ---------------------------------------------------------------------------

def tokens(command: str) -> list[str]:
    """Tokens of a command, without leading `cd … &&`, env assignments and `sudo`."""
    cmd = command.strip()
    while True:
        m = re.match(r"^cd\s+\S+\s*(?:&&|;)\s*", cmd)
        if not m:
            break
        cmd = cmd[m.end():]
    try:
        toks = shlex.split(cmd)
    except ValueError:
        toks = cmd.split()
    while toks and (re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", toks[0]) or toks[0] in {"sudo", "command", "exec"}):
        toks = toks[1:]
    return toks


_RUNNERS = {("uv", "run"), ("poetry", "run"), ("pipenv", "run"), ("pdm", "run"), ("hatch", "run"),
            ("pnpm", "exec"), ("npm", "exec"), ("bundle", "exec"), ("rye", "run")}


def program(toks: list[str]) -> str:
    """The program that really runs: `python -m pytest`, `uv run pytest`, `npx jest` → pytest, jest."""
    i = 0
    while i < len(toks):
        t = os.path.basename(toks[i])
        if re.fullmatch(r"python[\d.]*", t) and toks[i + 1:i + 2] == ["-m"]:
            i += 2
            continue
        if i + 1 < len(toks) and (t, toks[i + 1]) in _RUNNERS:
            i += 2
            continue
        if t in {"npx", "bunx", "time", "nice"}:
            i += 1
            continue
        return t
    return ""


_BAD_OPTION = re.compile(r"unknown|unexpected|unrecognized|invalid|not recognized|no such option", re.I)


def _is_flag(t: str) -> bool:
    return t.startswith("-") and len(t) > 1 and not re.fullmatch(r"-\d+", t)


def _pathlike(t: str) -> bool:
    return not _is_flag(t) and ("/" in t or re.search(r"\.[A-Za-z0-9]{1,5}$", t) is not None)


def _q(s: str) -> str:
    """Inline code that survives backticks inside."""
    return f"``{s}``" if "`" in s else f"`{s}`"


def _similar(f: list[str], s: list[str]) -> bool:
    if not f or not s:
        return False
    if program(f) == program(s) and program(f):
        return True
    # a swapped program with the same arguments (`python x.py` → `python3 x.py`)
    a, b = set(f[1:]), set(s[1:])
    return bool(a | b) and len(a & b) / len(a | b) >= 0.5


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


def _rel(path: str, project: str) -> str:
    p = project.rstrip("/")
    if p and (path == p or path.startswith(p + "/")):
        return path[len(p) + 1:] or "."
    return path


def _shell_lesson(f: ToolCall, s: ToolCall, err: str, project: str = "") -> tuple[str, str, str] | None:
    """(kind, key, text) generalising what changed between a failed and a fixed command."""
    ft, st = tokens(_relcmd(f.command, project)), tokens(_relcmd(s.command, project))
    if not ft or not st or ft == st:
        return None
    head = program(st) or st[0]
    # 1. another program, same arguments
    if ft[0] != st[0] and ft[1:] == st[1:]:
        why = f" ({_q(ft[0])} is not installed)" if "not found" in err or "not recognized" in err else ""
        return "program", f"program|{ft[0]}|{st[0]}", f"Use {_q(st[0])}, not {_q(ft[0])}{why}."
    ops = [op for op in difflib.SequenceMatcher(a=ft, b=st, autojunk=False).get_opcodes() if op[0] != "equal"]
    if ft[0] == st[0] or program(ft) == program(st):
        # 2. only flags (with their values) added
        if all(op[0] == "insert" for op in ops):
            added = [t for op in ops for t in st[op[3]:op[4]]]
            if added and _is_flag(added[0]):
                flags = " ".join(added)
                return "flag_add", f"flag_add|{head}|{flags}", f"Run {_q(head)} with {_q(flags)}."
        # 3. one flag swapped for another
        if len(ops) == 1 and ops[0][0] == "replace":
            _, i1, i2, j1, j2 = ops[0]
            old, new = ft[i1:i2], st[j1:j2]
            if len(old) == 1 and len(new) == 1 and _is_flag(old[0]) and _is_flag(new[0]):
                o, n = old[0].split("=")[0], new[0].split("=")[0]
                if o != n:
                    why = f" ({_q(o)} is not a valid option)" if _BAD_OPTION.search(err) else ""
                    return "flag_swap", f"flag_swap|{head}|{o}|{n}", f"{_q(head)}: use {_q(n)}, not {_q(o)}{why}."
            # 4. a path argument moved
            if (len(old) == 1 and len(new) == 1 and not _is_flag(old[0]) and not _is_flag(new[0])
                    and (_pathlike(old[0]) or _pathlike(new[0]))):
                o, n = old[0].rstrip("/"), new[0].rstrip("/")
                why = f" ({_q(o)} does not exist)" if o in err else ""
                return "path", f"path|{o}|{n}", f"Use {_q(n)}, not {_q(o)}{why}."
        # 5. only flags dropped
        if ops and all(op[0] == "delete" for op in ops):
            dropped = [t for op in ops for t in ft[op[1]:op[2]]]
            if dropped and _is_flag(dropped[0]):
                flags = " ".join(dropped)
                return "flag_drop", f"flag_drop|{head}|{flags}", f"Don't pass {_q(flags)} to {_q(head)}."
    # 6. the whole corrected command
    fc, sc = " ".join(ft), " ".join(st)
    if len(fc) > MAX_CMD_CHARS or len(sc) > MAX_CMD_CHARS:
        return None
    why = ""
    missing = [t for t in ft if _pathlike(t) and t not in st and t in err]
    if missing:
        why = f" — {_q(missing[0].rstrip('/'))} does not exist"
    elif "not found" in err and ft[0] != st[0]:
        why = f" — {_q(ft[0])} is not available"
    return "command", f"command|{fc}|{sc}", f"Use {_q(sc)}, not {_q(fc)}{why}."


_PATH_KEYS = ("file_path", "path", "notebook_path", "filePath")


def _path_lesson(f: ToolCall, s: ToolCall, project: str) -> tuple[str, str, str] | None:
    """A file tool that failed on one path and worked on another (other inputs unchanged)."""
    key = next((k for k in _PATH_KEYS if isinstance(f.input.get(k), str) and isinstance(s.input.get(k), str)), None)
    if key is None:
        return None
    others_f = {k: v for k, v in f.input.items() if k != key}
    others_s = {k: v for k, v in s.input.items() if k != key}
    if others_f != others_s:
        return None  # content changed too: an edit retried, not a path lesson
    fp, sp = _rel(f.input[key], project).split("/"), _rel(s.input[key], project).split("/")
    if fp == sp:
        return None
    n = 0  # common trailing components
    while n < min(len(fp), len(sp)) and fp[-1 - n] == sp[-1 - n]:
        n += 1
    if n >= 2 or (n == 1 and len(fp) > 1 and len(sp) > 1):
        # keep one shared component so the rule names a directory: src/shop/… → shop/…
        old = "/".join(fp[:len(fp) - n + 1])
        new = "/".join(sp[:len(sp) - n + 1])
        if n >= 2 or old != new:
            return "path", f"path|{old}|{new}", \
                f"Use {_q(new + '/…')} paths, not {_q(old + '/…')} ({_q(old)} does not exist)."
    o, nw = "/".join(fp), "/".join(sp)
    return "path", f"path|{o}|{nw}", f"Use {_q(nw)}, not {_q(o)} ({_q(o)} does not exist)."


# the call itself was wrong (vs. the work it did failing, like a red test): a corrected call that then
# fails for another reason still shows the correction
_USAGE_ERROR = re.compile(
    r"command not found|No such file or directory|file or directory not found|does not exist|not found|NotFound|"
    r"unknown (?:option|flag|command|argument|subcommand)|unrecognized|unexpected argument|"
    r"invalid (?:option|argument|choice|value)|no such (?:option|command|file)|^usage:|Missing script|"
    r"is not a \w+ command|can't open file|cannot find|No module named|not recognized", re.I | re.M)
# calls that change files: a success after one is the edit's doing, not a corrected invocation
EDIT_TOOLS = {"Edit", "Write", "MultiEdit", "NotebookEdit", "apply_patch", "write_file", "edit_file",
              "str_replace_based_edit_tool", "create_file"}


def is_usage_error(output: str) -> bool:
    return bool(_USAGE_ERROR.search(output[:4000]))


def _edits_files(c: ToolCall) -> bool:
    if c.tool in EDIT_TOOLS:
        return True
    return c.tool == SHELL and bool(re.search(r"^\s*apply_patch\b|\bsed\s+-i\b|\bperl\s+-pi\b", c.command))


def _same_input(f: ToolCall, s: ToolCall) -> bool:
    return tokens(f.command) == tokens(s.command) if f.tool == SHELL else f.input == s.input


def failure_fixes(session: Session) -> list[Occurrence]:
    out: list[Occurrence] = []
    calls = session.tool_calls
    outcome_of = {c.index: call_outcome(c) for c in calls}
    used: set[int] = set()  # a fix teaches once, even after several failed attempts
    for i, f in enumerate(calls):
        if outcome_of[f.index] != "fail":
            continue
        usage = is_usage_error(f.output)
        edited = False
        for s in calls[i + 1:]:
            if s.index - f.index > FIX_WINDOW:
                break
            if s.tool != f.tool or (f.tool == SHELL and not _similar(tokens(f.command), tokens(s.command))):
                edited = edited or _edits_files(s)
                continue
            if _same_input(f, s) or s.index in used:
                break  # the same call again: a retry, not a correction
            outcome = outcome_of[s.index]
            fixed = outcome == "ok" or (usage and outcome == "fail" and not is_usage_error(s.output))
            if not fixed:
                edited = edited or _edits_files(s)
                continue  # another failed attempt; the fix may come next
            if edited:
                break  # files changed in between (a test written, a bug fixed): the edit did it, not the new input
            err = error_line(f.output, session.project)
            lesson = _shell_lesson(f, s, err, session.project) if f.tool == SHELL else \
                _path_lesson(f, s, session.project)
            if lesson:
                used.add(s.index)
                kind, key, text = lesson
                was = _relcmd(f.command, session.project) if f.tool == SHELL else \
                    _rel(str(_first_path(f)), session.project)
                now = _relcmd(s.command, session.project) if f.tool == SHELL else \
                    _rel(str(_first_path(s)), session.project)
                out.append(Occurrence(
                    key=normalise_key(key), kind=kind, text=text, agent=session.agent,
                    session_id=session.session_id, project=session.project, timestamp=f.timestamp,
                    evidence={"tool": f.tool, "failed": was, "fixed": now, "error": err},
                    ref=f"id:{f.call_id}>{s.call_id}" if f.call_id and s.call_id else f"{f.index}>{s.index}"))
            break
    return out


def _relcmd(command: str, project: str) -> str:
    """A command with the project's absolute path made relative, so lessons read (and dedupe) alike."""
    p = project.rstrip("/")
    if not p or p == "":
        return command
    return re.sub(re.escape(p) + r"(?=/|\s|$|['\"])/?", lambda m: "" if m.group(0).endswith("/") else ".", command)


def _first_path(c: ToolCall):
    return next((c.input[k] for k in _PATH_KEYS if isinstance(c.input.get(k), str)), "")


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
    return out
