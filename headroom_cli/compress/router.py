"""Pick a compressor per tool-result block from its content, run it, keep the result only if it pays.

`detect` looks at the content (a bounded sample, so a multi-MB block costs no more to classify);
the tool name and command are hints that lower the bar for the kind they suggest. The compressor for the
detected kind comes from the registry (`REGISTRY`, built from `compressors.REGISTERED`): the router names none
of them. `Router` is itself a `base.Compressor` (what the pipeline calls); it never raises: a compressor that
fails leaves the block untouched (fail open).
"""
from __future__ import annotations

import re

from . import jsonlayout, layout, markers, policy, regions, relevance, terminal
from ..ccr.store import key_for
from . import compressors
from .base import Context, Registry, Result
from .compressors import blame, common, crash, gitlog, helptext, json_data, table, threads, tree
from .protocols.common import js_commands
from .tokens import ROUTER_MIN_TOKENS, big_enough, estimate_tokens, lossy_allowed

# Part of the engine's memo key: bump when compressors change what they output for the same input.
VERSION = "57"

# Blocks below tokens.ROUTER_MIN_TOKENS (coarse estimate) are never touched; a result must save
MIN_SAVED_TOKENS = 50  # at least this many tokens (coarse estimate)
MIN_SAVED_SHARE = 0.10  # …and at least this share
MIN_SAVED_LOSSLESS = 20  # a lossless rewrite's floor (default estimate): it risks nothing, so a little pays

_SAMPLE_CHARS = 8000
_SAMPLE_LINES = 80

# What `detect` can tell apart (besides "empty"); each has a compressor in the registry (tests check it).
KINDS = ("json", "jsonl", "diff", "gitlog", "blame", "help", "build", "crash", "threads", "search", "log", "table", "tree", "code", "text")

REGISTRY = Registry(compressors.REGISTERED, fallback=compressors.FALLBACK)

# Detection regexes are anchored at line starts and tried with one `match` per sample line.
_DIFF = re.compile(r"^(?:diff --git |--- \S[^\n]*\n\+\+\+ \S|@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@)", re.M)
_BUILD_STRONG = re.compile(
    r"^(?:=+ (?:test session starts|FAILURES|ERRORS|short test summary info)|"
    r"(?:Tests|Test Suites):\s+\d|test result: |running \d+ tests?$|--- (?:PASS|FAIL): |=== RUN |"
    r"(?:ok|FAIL|---)\s+\S+\s+[\d.]+s$|npm ERR! |make(?:\[\d+\])?: |\s*(?:PASS|FAIL) \S+\.(?:js|ts|jsx|tsx)\b|"
    r"error(?:\[E\d+\])?: |\S+\.\w+:\d+:\d+: (?:error|warning): |\S+::\S+ (?:PASSED|FAILED|ERROR|SKIPPED)|"
    r"collected \d+ items|\s*(?:Compiling|Finished|Running) \S|\S+\(\d+,\d+\): error TS\d+|"
    r"\s*[✔✖] .*\(\d+(?:\.\d+)?ms\)$|ℹ (?:tests|pass|fail) \d+$|\s*\d+/\d+ +Test +#\d+: |"
    r"\d+% tests passed, \d+ tests? failed out of \d+|\[ +(?:RUN|OK|FAILED) +\] |"
    r"JUnit version \d|There (?:was 1 failure|were \d+ failures):|Tests run: \d+, +Failures: \d+|"
    r"\S+\.java:\d+: (?:error|warning): |TAP version \d+$|\s*not ok \d+ )",  # (javac prints no column)
    re.M,
)
_JSONL = re.compile(r"^\s*\{.*\}\s*$", re.M)
# grep/rg match lines: `path:12:` where the path starts like a path (not a timestamp) and has no spaces; not a
# logfmt line's timestamp (`time=2026-11-30T14:37:25Z level=…`: its key and hour read as a path, its minutes as a
# line number).
_SEARCH_LINE = re.compile(r"^(?!\w+=\d{4}-\d\d-\d\d[T ]\d\d:)(?:\./|/|~/)?[A-Za-z_.][^\s:]{0,300}:\d+:", re.M)
_BLAME_START = frozenset("0123456789abcdef^")  # how a `git blame` line starts: its commit
_RG_HEADING = re.compile(r"^\d+[:-]", re.M)
_LOG_LINE = re.compile(
    r"^\W{0,3}(?:(?:\w+=)?\d{4}-\d\d-\d\d[T ]\d\d:\d\d|\d\d:\d\d:\d\d|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d|\[ *\d+\.\d+\]|"
    r"I\d{4} |[EWID]\d{4} )",
    re.M,
)
_LEVELS = ("INFO", "WARN", "ERROR", "DEBUG", "TRACE", "FATAL", "CRITICAL", "NOTICE")
# Tried on lines without indentation or a line-number prefix (leading `\s*` before a big alternation
# backtracks once per space of indentation).
_CODE_LINE = re.compile(
    r"(?:def |class |import |from \S+ import |async def |function |const |let |var |export |func |fn |pub |impl |"
    r"package |#include|public |private |protected |static |return\b|if \(|for \(|while \(|\}|@\w+|.*[{;]\s*$)"
)
_NUM_PREFIX = re.compile(r"\s*\d+[→\t]")
# indented statements: most lines of a source file, rare in prose
_CODE_BODY = re.compile(r"^(?:\s*\d+[→\t])?(?: {2,}|\t)\S.*[=(){}\[\];:]", re.M)
# a column header: upper-case names, two or more spaces apart (kubectl, docker) or four+ names (ps aux)
_TABLE_HEAD = re.compile(r"^[A-Z][A-Z0-9_()%/-]*(?: {2,}[A-Z%][A-Z0-9_ ()%/-]*){2,}\s*$|"
                         r"^\s*[A-Z%][A-Z0-9_()%/-]*(?: +[A-Z%][A-Z0-9_()%/-]*){3,}\s*$")


def _pipe_table(lines: list[str]) -> bool:
    """Columns between `|` bars (psql, markdown, `python -X importtime`): most sample lines hold the same
    number (two or more) of bars."""
    counts: dict[int, int] = {}
    for ln in lines:
        c = ln.count("|")
        if c >= 2:
            counts[c] = counts.get(c, 0) + 1
    return bool(counts) and max(counts.values()) >= 0.7 * len(lines)


_HINTS = (
    ("diff", re.compile(r"\b(?:git (?:diff|show|log -p)|diff -u)\b")),
    ("search", re.compile(r"\b(?:grep|rg|ag|ack|git grep)\b|\bGrep\b")),
    ("build", re.compile(r"\b(?:pytest|jest|vitest|cargo (?:test|build|check)|go (?:test|build|vet)|"
                         r"npm (?:test|run|ci|install)|make|tox|mvn|gradle|tsc|ctest)\b")),
    # (`kubectl logs` prints a log; `kubectl describe` sections of fields and an events table: no table hint)
    ("log", re.compile(r"\b(?:kubectl|docker(?: compose)?) logs\b")),
    ("table", re.compile(r"\b(?:kubectl (?!describe\b|logs\b)|docker (?!logs\b|compose logs\b|inspect\b)|"
                         r"ps aux|df -h)")),
    ("log", re.compile(r"\b(?:journalctl|tail|logs?)\b")),
    # a file read of source code (reaches the router only when it is not protected: installed code, issue 14)
    ("code", re.compile(r"^(?:\w+__)*(?:Read|read_file|ReadFile|view|view_file|open_file|read)\s+\S.*\.(?:"
                        r"py|pyi|js|mjs|cjs|ts|tsx|jsx|go|rs|c|h|cc|cpp|hpp|hh|java|kt|rb|php|cs|swift|scala)\s*$|"
                        r"\b(?:cat|head|nl|bat)\s[^|;&<>]*\.(?:py|pyi|js|mjs|ts|go|rs|c|h|cc|cpp|hpp|java|rb)\s*$")),
)
_HUNK_START = re.compile(r"^@@ ", re.M)


def _hint(ctx: Context) -> str:
    """The kind the tool name / command suggests ("" if none): a hint only."""
    given = ctx.tool_input[:2000]
    # (Codex 0.171's freeform exec: a script whose `exec_command({cmd: …})` calls are the commands; the anchored
    # hints, a read of a source file, look at the command itself)
    s = f"{ctx.tool_name} {(js_commands(given) or given) if 'exec_command' in given else given}"[:2000]
    for kind, rx in _HINTS:
        if rx.search(s):
            return kind
    return ""


def _sample(text: str) -> tuple[str, list[str]]:
    head = text[:_SAMPLE_CHARS]
    parts = head.split("\n", _SAMPLE_LINES)[:_SAMPLE_LINES]
    if "\r" in head:
        return head, [ln[:500].rstrip("\r") for ln in parts if ln.strip()]
    if max(map(len, parts)) <= 500:  # no line to cut (the common case): blank lines left out in C
        lines = list(filter(None, parts))
        return head, [ln for ln in lines if not ln.isspace()] if any(map(str.isspace, lines)) else lines
    return head, [ln[:500] for ln in parts if ln and not ln.isspace()]  # the same, without per-line rstrip


def _share(lines: list[str], rx: re.Pattern) -> float:
    """Share of sample lines the anchored `rx` matches: one `match` per line (a `search` would scan every
    position of the line, a whole-sample `findall` every position of the sample)."""
    if not lines:
        return 0.0
    m = rx.match
    return sum(1 for ln in lines if m(ln)) / len(lines)


def _share_at_least(lines: list[str], rx: re.Pattern, share: float) -> bool:
    """`_share(lines, rx) >= share`, stopping as soon as the rest of the lines cannot change the answer (the
    share only grows with the hits: a count that reaches it, or one that cannot even with every line left)."""
    n = len(lines)
    if not n:
        return 0.0 >= share
    m = rx.match
    hits = 0
    left = n
    for ln in lines:
        left -= 1
        if m(ln):
            hits += 1
            if hits / n >= share:
                return True
        elif (hits + left) / n < share:
            return False
    return hits / n >= share


def _unprefixed(line: str) -> str:
    m = _NUM_PREFIX.match(line)
    return (line[m.end():] if m else line).lstrip()


def _log_share(lines: list[str], joined: str) -> float:
    """Share of sample lines that start with a timestamp or carry a log level word."""
    if not lines:
        return 0.0
    m = _LOG_LINE.match
    hit = [m(ln) is not None for ln in lines]
    rest = [i for i, h in enumerate(hit) if not h]  # level words are looked for only where no timestamp is
    if len(rest) == len(lines):
        return sum(common.keyword_lines(joined, _LEVELS, common.line_starts(lines))) / len(lines)
    if rest:
        sub = [lines[i] for i in rest]
        for i, k in zip(rest, common.keyword_lines("\n".join(sub), _LEVELS, common.line_starts(sub))):
            hit[i] = k
    return sum(hit) / len(lines)


_NO_DOC = object()


def _ends(text: str) -> tuple[str, str]:
    """First and last non-blank characters ("" if none), without copying the block as `strip` would."""
    first = text[:64].lstrip()[:1]
    last = text[-64:].rstrip()[-1:]
    if not first or not last:
        s = text.strip()
        return s[:1], s[-1:]
    return first, last


def _json_doc(text: str) -> object:
    """The parsed document when the block is one JSON array/object, else `_NO_DOC`."""
    first, last = _ends(text)
    if not first or first not in "[{" or last not in "]}":
        return _NO_DOC
    try:
        return json_data.loads(text.strip())
    except ValueError:
        return _NO_DOC


def _has_diff(head: str) -> bool:
    """`_DIFF.search(head)`, skipped when none of its literal starts occurs (the scan tries every position)."""
    if "diff --git " not in head and "--- " not in head and "@@ -" not in head:
        return False
    return _DIFF.search(head) is not None


def _has_hunk(head: str) -> bool:
    return "@@ " in head and _HUNK_START.search(head) is not None


def _count_upto(lines: list[str], rx: re.Pattern, cap: int) -> int:
    """Sample lines the anchored `rx` matches, counted up to `cap` (callers only compare with 1 and 3)."""
    m = rx.match
    c = 0
    for ln in lines:
        if m(ln):
            c += 1
            if c >= cap:
                break
    return c


def _is_gitlog(head: str, lines: list[str], ctx: Context) -> bool:
    """git log output without patches (a `git log -p` is a diff): see `compressors.gitlog.looks`."""
    if not head.startswith("commit ") and "git" not in ctx.tool_input:
        return False
    return not _has_hunk(head) and gitlog.looks(lines, ctx.tool_input[:2000])


def detect(text: str, ctx: Context | None = None) -> str:
    """The block's kind: json, jsonl, diff, blame, build, crash, threads, search, log, table, tree, code, text (or "empty")."""
    return _detect(text, ctx or Context())[0]


def _detect(text: str, ctx: Context) -> tuple[str, object]:
    """`detect`, and the parsed document of a "json" block (`_NO_DOC` otherwise) for the compressor."""
    if not text or text.isspace():
        return "empty", _NO_DOC
    hint = _hint(ctx)
    head, lines = _sample(text)
    joined, nl = "\n".join(lines), len(lines)
    if nl >= 12 and helptext.looks(lines, text):  # (before the hints: `pytest --help` is not pytest's output)
        return "help", _NO_DOC
    # The hinted kind is tried first with the full (not lowered) bar: a cheap shortcut, content still decides.
    if hint == "search" and nl >= 3 and _share_at_least(lines, _SEARCH_LINE, 0.6):
        return "search", _NO_DOC
    if hint == "build" and _count_upto(lines, _BUILD_STRONG, 3) >= 3:
        return "build", _NO_DOC
    if hint == "diff" and _has_diff(head) and _has_hunk(head):
        return "diff", _NO_DOC
    if _is_gitlog(head, lines, ctx):
        return "gitlog", _NO_DOC
    if ("java.lang.Thread.State: " in head or "goroutine " in head) and threads.looks(text):  # JVM or Go threads
        return "threads", _NO_DOC
    if " 0x" in head and crash.looks(lines):  # (a sanitizer's or valgrind's report, gdb's backtrace: before logs)
        return "crash", _NO_DOC
    if hint == "log" and _ends(text)[0] not in ("{", "[") and _log_share(lines, joined) >= 0.5:
        return "log", _NO_DOC
    if hint == "code" and _count_upto([_unprefixed(ln) for ln in lines], _CODE_LINE, 2) >= 2:
        return "code", _NO_DOC  # a long module or class docstring fills the sample: the path says source
    doc = _json_doc(text)
    if doc is not _NO_DOC:
        # the compressor parses the block as it is: hand it this parse only when both read the same text
        # (what `strip` removed is JSON whitespace)
        return "json", doc if text.strip(" \t\n\r") == text.strip() else _NO_DOC
    return _detect_lines(text, hint, head, lines, joined), _NO_DOC


def _detect_lines(text: str, hint: str, head: str, lines: list[str], joined: str) -> str:
    nl = len(lines)
    if nl >= 3 and _share_at_least(lines, _JSONL, 0.8):
        return "jsonl"
    if _has_diff(head) and (hint == "diff" or _has_hunk(head)):
        return "diff"
    if nl >= 6 and lines[0][:1] in _BLAME_START and blame.share(lines) >= 0.8:
        return "blame"
    build_hits = _count_upto(lines, _BUILD_STRONG, 3)
    if build_hits >= 3 or (build_hits >= 1 and (hint == "build" or lines[0].startswith("TAP version "))):
        return "build"
    if len(lines) >= 3 and _TABLE_HEAD.match(lines[0].rstrip("\r")):
        return "table"
    if nl >= 8 and tree.share(lines) >= 0.6:
        return "tree"
    if nl >= 8 and _pipe_table(lines):
        return "table"
    if nl >= 12 and table.header_at(lines[:table.HEADER_WITHIN] + [""] * 6) > 0:
        return "table"
    if _share_at_least(lines, _SEARCH_LINE, 0.3 if hint == "search" else 0.6):
        return "search"
    if hint == "search" and len(lines) >= 3 and _share_at_least(lines, _RG_HEADING, 0.5):
        return "search"
    if _log_share(lines, joined) >= (0.3 if hint == "log" else 0.5):
        return "log"
    code_share = _share([_unprefixed(ln) for ln in lines], _CODE_LINE)
    if code_share >= 0.25 or (code_share >= 0.1 and _share(lines, _CODE_BODY) >= 0.5):
        return "code"
    if hint in ("build", "log", "table") or build_hits:
        return hint or "build"
    if nl >= 12 and table.aligned(lines):
        return "table"  # cells padded to shared columns, without a header row
    return "text"


_LISTS = ("tree", "text")  # the kinds a list of paths is read as: what a cut kept may be laid out (layout.py)


def _file_read(ctx: Context) -> bool:
    """A file's content as it is (a read tool, `cat`, `sed -n`): a file the agent may edit next, whose edit tools
    match the text it read byte for byte, is never laid out (what reaches the router of it is not protected:
    `cat MANIFEST`, a read of installed code)."""
    if policy.is_read_tool(ctx.tool_name):
        return True
    given = ctx.tool_input[:2000]
    # (Codex 0.171's freeform exec: a script whose `exec_command({cmd: …})` calls are the commands)
    commands = (js_commands(given) or given) if "exec_command" in given else given
    return any(policy.prints_a_file(c) for c in commands.split("\n") if c.strip())


def _small_json(text: str, ctx: Context) -> Result | None:
    """A block under the router's floor: only a JSON answer written compactly (`jq` of one record, a short API
    reply: ~30 % of its tokens, nothing lost); anything else stays as it is."""
    head, body, tail = terminal.envelope(text)
    if body.lstrip()[:1] not in ("{", "[") or _file_read(ctx):
        return None
    squeezed = jsonlayout.compact(body)
    if squeezed is None:
        return None
    out = head + squeezed + tail
    if estimate_tokens(text) - estimate_tokens(out) < MIN_SAVED_LOSSLESS:
        return None
    return Result(out, False, jsonlayout.NAME, "json")


def _uncut(clean: str, body: str, ctx: Context, res: Result | None) -> Result | None:
    """What goes out when nothing is cut (`res`: its compressor's lossless rewrite, if any): JSON written without
    its indentation, else the directories a list of paths repeats on every line written once, else the output
    without its terminal noise. Never a file's content re-laid out: an edit tool matches what was read."""
    if not _file_read(ctx):
        squeezed = jsonlayout.compact(clean)
        if squeezed is not None and (res is None or len(squeezed.rstrip()) <= len(res.text.rstrip())):
            return Result(squeezed, False, jsonlayout.NAME, "")
        if res is None:
            laid = layout.paths(clean, lambda: _named(ctx, clean))
            if laid is not None:
                return Result(laid, False, layout.NAME, "")
    if res is not None:
        return res
    return None if clean is body else Result(clean, False, terminal.NAME, "")


def _named(ctx: Context, text: str):
    """The lines of `text` the request names, as a predicate (None when it names none): those its selective terms
    match and those its ranking picks (`relevance`: "where does the relevance ranking live" names relevance.py)."""
    tr = common.selective_regex(ctx, text, text.count("\n") + 1)
    chosen: set[str] = set()
    query = relevance.query_terms(ctx)
    if query is not None:
        units = text.split("\n")
        distinct: list[int] = []
        score = relevance.rank(units, query, distinct=distinct)
        chosen.update(units[i] for i in relevance.pick(score, distinct=distinct, query=query) or ())
    if tr is None and not chosen:
        return None
    return lambda s: s in chosen or (tr is not None and tr.search(s) is not None)


class Router:
    """The block compressor the pipeline calls by default: detect the block's kind, run the registry's compressor
    for it, keep the result only if it pays. A `base.Compressor` (it compresses every kind); never raises."""

    name = "router"

    def __init__(self, registry: Registry = REGISTRY):
        self.registry = registry
        self.kinds = KINDS
        self.version = f"{VERSION}[{registry.describe()}]"  # memo identity: a router with other compressors differs

    def compress(self, text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
        """Compress one tool-result block, or None to leave it as it is. Never raises.
        `key`: the block's `key_for(text)` when the caller has computed it already. (`doc` is not used: the
        router detects and parses the block itself.)"""
        try:
            return self._compress(text, ctx, key)
        except Exception:  # fail open: a compressor bug must never break a request
            return None

    def _compress(self, text: str, ctx: Context, key: str | None) -> Result | None:
        before = big_enough(text, ROUTER_MIN_TOKENS, coarse=True)
        if before is None:
            return _small_json(text, ctx)
        # the agent's envelope stays as it is; the command's output inside it is what is detected and compressed
        head, body, tail = terminal.envelope(text)
        clean = terminal.clean(body)
        if key is None:
            key = key_for(text)  # one key per block: the whole original, envelope included
        res = self._content(clean, ctx, key)
        if res is not None and res.lossy and not lossy_allowed(clean):
            res = None  # a small result: nothing is cut (tokens.SMALL_RESULT_TOKENS), lossless rewrites below
        elif res is not None and res.lossy and res.kind in _LISTS:
            laid = layout.paths(res.text, lambda: _named(ctx, res.text))  # what a cut kept, directories once
            if laid is not None and not _file_read(ctx):
                res = Result(laid, True, res.compressor, res.kind)
        if res is None or not res.lossy:
            res = _uncut(clean, body, ctx, res)
            if res is None:
                return None
        out = head + res.text + tail
        if res.lossy:
            saved = before - estimate_tokens(out, coarse=True)
            if saved < MIN_SAVED_TOKENS or saved < before * MIN_SAVED_SHARE:
                return None
        else:
            # nothing lost, nothing stored: a small floor and no share (the estimate undercounts what dropped
            # spaces save: `", "` and `": "` between JSON values cost o200k ~22 % of Python-style JSON lines)
            if estimate_tokens(text) - estimate_tokens(out) < MIN_SAVED_LOSSLESS:
                return None
        if res.lossy and not markers.names_key(out, key):
            return None  # a lossy cut without its key would be silent loss
        return Result(out, res.lossy, res.compressor or res.kind or terminal.NAME, res.kind or detect(clean, ctx))

    def _content(self, body: str, ctx: Context, key: str) -> Result | None:
        """The command's output through the compressor of its kind (`key`: the whole block's)."""
        kind, doc = _detect(body, ctx)
        if kind == "empty":
            return None
        if kind != "json" and kind != "jsonl":
            # JSON documents inside other text (a summary line after one, a banner before, several in a row)
            res = regions.compress(body, ctx, key=key, registry=self.registry, detect=detect)
            if res is not None:
                return res
        # a JSON block is parsed once, by detection
        res = self.registry.for_kind(kind).compress(body, ctx, key=key, doc=None if doc is _NO_DOC else doc)
        if res is None:
            return None
        return Result(res.text, res.lossy, res.compressor or kind, kind)


ROUTER = Router()


def compress_block(text: str, ctx: Context, *, key: str | None = None) -> Result | None:
    """`ROUTER.compress`: one block through the default router (never raises)."""
    return ROUTER.compress(text, ctx, key=key)
