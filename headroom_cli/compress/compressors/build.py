"""Build and test output (pytest, jest, cargo, go test, npm, make, tsc): keep failures, drop passes.

Failure sections (pytest FAILURES/short summary, jest `●` blocks, cargo `---- x stdout ----` and
`failures:`, go `--- FAIL`, panics, Python tracebacks) are kept verbatim (very long ones keep head and
tail), as are error lines and summaries; passing lines collapse into counted markers; other lines
are kept while the budget lasts.
"""
from __future__ import annotations

import operator
import re
from collections import Counter

from .. import markers
from ..base import Context, Result
from ..tokens import estimate_tokens
from .common import (ERROR_RE, ERROR_WORDS, MATCH_CAP, RUNTIME_FRAMES_NOTE, Lines, block_key, finish, keep_ratio, line_starts,
                      lines_with_words, may_hold_stacks, regex_lines, render, runtime_frames, selective_regex,
                      template)

name = "build"
kinds = ("build",)  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

# Anchored patterns, tried with one `match` per line (line-local whitespace), only where the answer matters.
_START = re.compile(
    r"^(?:=+ (?:FAILURES|ERRORS|short test summary info|warnings summary) =+|_{3,} .* _{3,}[ \t\r]*$|[ \t\r]*● |"
    r"---- \S+ stdout ----|failures:[ \t\r]*$|[ \t\r]*--- FAIL: |panic: |Traceback \(most recent call last\)|"
    r"npm ERR! |error(?:\[E\d+\])?: |[ \t]*✖ |"
    # TAP (`node --test` into a pipe, mocha's tap reporter): a failing test's line, then its YAML diagnostics
    r"[ \t]*not ok \d+ |"
    # JUnit 4's runner (JUnitCore): `There were 3 failures:`, then each `1) testName(pkg.TestClass)` and its trace
    r"There (?:was 1 failure|were \d+ failures):|\d+\) [\w$]+\([\w$.]+\)[ \t\r]*$)",
    re.M,
)
# (a compiler's `path:line:col: error: …` is not a region's start: `_diagnostics` keeps it with its excerpt and
# notes, and the next unit's compile lines are not part of it)
_END = re.compile(
    r"^(?:=+ |[ \t\r]*(?:PASS|FAIL) \S|Test Suites:|test result: |=== (?:RUN|PAUSE|CONT) |[ \t\r]*--- PASS: |ok[ \t\r]+\S|"
    r"(?:PASS|FAIL)[ \t\r]*$|running \d+ tests?|[ \t\r]*(?:Compiling|Finished|Running) \S|[ \t]*[✔▶ℹ] |test at \S+:\d+:\d+[ \t\r]*$"
    r"|FAILURES!!!|[ \t]*ok \d+ |[ \t]*# Subtest: )",
    re.M,
)
_SUMMARY = re.compile(
    r"^(?:=+ .*\b(?:passed|failed|errors?|skipped|no tests ran)\b.* =+[ \t\r]*$|(?:Tests|Test Suites|Snapshots|Time):[ \t]|"
    r"test result: |(?:ok|FAIL)[ \t]+\S+[ \t]+[\d.]+s|(?:FAIL|PASS)[ \t\r]*$|FAIL[ \t]|npm ERR! |make(?:\[\d+\])?: \*\*\*|"
    r"error: could not compile|[ \t]*Finished |Ran \d+ tests? in|(?:OK|FAILED)(?: \(.*\))?[ \t\r]*$|"
    r"Found \d+ errors?|\d+ (?:passing|failing|pending)\b|collected \d+ items|ℹ (?:tests|pass|fail|cancelled|skipped|todo) \d"
    r"|FAILURES!!!|Tests run: \d+, +Failures: \d+|OK \(\d+ tests?\)|\d+ (?:warnings?|errors?)(?: generated\.)?[ \t\r]*$)",
    re.M,
)
_PASS = re.compile(
    r"^(?:\S+\.py [.sx]+[ \t\r]*(?:\[[ \t]*\d+%\])?[ \t\r]*$|[ \t]*[✓✔√] |[ \t]*PASS \S|"
    r"test \S+ \.\.\. (?:ok|ignored)[ \t\r]*$|[ \t]*(?:Compiling|Downloaded|Downloading|Fresh|Checking|Blocking) \S|"
    r"=== (?:RUN|PAUSE|CONT|NAME) |[ \t]*--- (?:PASS|SKIP): |ok[ \t]+\S|npm (?:http|timing|sill|verb) |"
    r"make(?:\[\d+\])?: (?:Entering|Leaving|Nothing to be done)|[ \t]*\d+ passing\b.*\(\d+[ \t]*ms\)|"
    # ctest's per-test lines (`Start 18: name`, `17/37 Test #17: name ....   Passed    0.00 sec`), googletest's
    r"[ \t]*Start +\d+: \S|[ \t]*\d+/\d+ +Test +#\d+: \S+ \.* *Passed\b|\[ +OK \] |[ \t]*ok \d+ )",
    re.M,
)
# A test runner's set-up lines (pytest's header after `platform …`): where its cache, root and plugins are, the
# same on every run and never what a question is about. The `platform` line (the Python and pytest versions) stays.
_PREAMBLE = re.compile(r"(?:cachedir|rootdir|configfile|testpaths|plugins|asyncio|benchmark|metadata|django|"
                       r"timeout|xdist|Using --randomly-seed)(?::| mode=| = |=)\s|hypothesis profile '")
# pytest -v node ids: colon-free parts joined by "::" (unambiguous, so matching stays linear)
# What a Go test reports (`t.Errorf`, `t.Fatalf`, `t.Logf`), under its `=== RUN` line: `    money_test.go:90: Fee(19.99,
# 250 bp) = 0.49, want 0.50` — the got and want of a failure. Its `--- FAIL` line, printed after, says only which.
_GO_TEST_LOG = re.compile(r"[ \t]+[\w.-]+_test\.go:\d+: ")
_PASS_PYTEST = re.compile(r"[^\s:]+(?:::[^\s:]+)+ (?:PASSED|SKIPPED|XFAIL|XPASS)\b")
_FAIL_WORDS = ("✕", "×", "✗", "✖", "warning: unused")
# A failure whose output (all but its first line, the test's name) repeats an earlier failure's byte for byte
# (one bug hit by many cases; node's runner printing every failure again under "failing tests:") keeps its
# first line; the repeated lines are one retrieval away. Distinct outputs always stay.
_SAME_FAILURE_MIN = 3  # lines of output below the name, from which a repeat is left out
# Compiler diagnostics (gcc, clang, go vet, many linters): `path:line[:col]: level: message`, then the source
# excerpt gcc/clang print under it (`   11 |     code`, `      |   ^~~`). A warning repeated with the same
# message in many places is kept for its first _SAME_DIAG_CAP places, excerpt and all; the other
# places are named on one line, unless their lines cost no more than that line (then they stay). Errors are always
# kept, with their excerpts and notes.
_DIAG = re.compile(r"(\S+?):(\d+)(?::(\d+))?: (fatal error|error|warning|note)(?:\[[^\]]*\])?: (.*)")
_EXCERPT = re.compile(r"[ \t]+(?:\d+[ \t])?\|")
_IN_FUNCTION = re.compile(r"\S+: (?:In (?:function|member function|constructor|destructor|instantiation)|"
                          r"At (?:top level|global scope))\b")
_SAME_DIAG_CAP = 1
_PLACES_SHOWN = 8
_PLACE = re.compile(r"(.+?)(:\d+(?::\d+)?)")  # a diagnostic's place: its path, then `:line[:column]`
_REGION_HEAD, _REGION_TAIL = 100, 40
_HEAD = 4


def compress(text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
    lines = Lines(text)
    items = lines.items
    n = len(items)
    if n < 6:
        return None
    tr = selective_regex(ctx, text, n)
    keep = [False] * n
    passing = [False] * n
    neutral: list[int] = []
    region: list[int] | None = None

    regions: list[list[int]] = []

    def close(reg: list[int] | None) -> None:
        if reg:
            regions.append(reg)
        if reg and len(reg) > _REGION_HEAD + _REGION_TAIL:
            for k in reg[_REGION_HEAD:-_REGION_TAIL]:
                keep[k] = False

    joined = text[:-1] if lines.trailing else text  # = "\n".join(items)
    is_hit = regex_lines(tr, joined, line_starts(items), joined.lower()) if tr is not None else None
    # Lines are classified lazily in one pass: a line inside a failure region needs only the start/end
    # patterns, a passing line only the pass patterns, and the error/failure words are looked for only in
    # the lines nothing else claimed (one keyword scan over those lines joined).
    start_m, end_m, summary_m, pass_m = _START.match, _END.match, _SUMMARY.match, _PASS.match
    preamble_m = _PREAMBLE.match
    pytest_m = _PASS_PYTEST.match if "::" in text else None  # pytest -v node ids
    go_log = _GO_TEST_LOG.match if "_test.go:" in text else None  # a Go test's t.Errorf/t.Logf lines
    cap = MATCH_CAP
    pending: list[int] = []
    for i in range(n):
        s = items[i]
        if len(s) > cap:
            s = s[:cap]
        if start_m(s):
            close(region)
            region = [i]
            keep[i] = True
            continue
        if region is not None:
            if end_m(s):
                close(region)
                region = None
            else:
                keep[i] = True
                region.append(i)
                continue
        if (is_hit is not None and is_hit[i]) or summary_m(s) or (go_log is not None and go_log(s)):
            keep[i] = True
        elif (pytest_m is not None and pytest_m(s)) or pass_m(s):
            passing[i] = True
        elif preamble_m(s):
            pass  # the runner's set-up lines: one retrieval away
        elif s[:3] == "E  " and _PYTEST_E.match(s):
            keep[i] = True  # pytest's explanation of a failure (`E   ValueError: …`), even outside its section
        else:
            pending.append(i)
    close(region)
    if pending:
        fail, err = lines_with_words(text, items, pending, (_FAIL_WORDS, ERROR_WORDS))
        for i, hit in zip(pending, map(operator.or_, fail, err)):
            if hit:
                keep[i] = True
                if i + 1 < n and items[i + 1][:1] in (" ", "\t"):
                    keep[i + 1] = True
            else:
                neutral.append(i)
    captured = _captured_output(items, regions, keep, is_hit) if "Captured " in text else None
    repeat = _repeated_failures(items, regions, keep)
    # a kept trace's frames in the runtime and installed packages (Rust's panic machinery, node:internal, the
    # stdlib) go, the project's frames and the message stay; a frame the request's terms name stays
    frames = runtime_frames(items) if may_hold_stacks(text) else None
    if frames is not None:
        for k in range(n):
            if frames[k] and keep[k] and not (is_hit is not None and is_hit[k]):
                keep[k] = False
    shown_warnings: list[tuple[str, list[int]]] = []  # (place, lines) of each warning kept, in order
    errors: list[int] = []
    repeated = _diagnostics(items, keep, shown_warnings, errors) if ": warning" in text or ": error" in text else {}
    gone: set[int] = set().union(*(r[1] for r in repeated.values())) if repeated else set()
    beside: list[str] = []  # the places of the warnings left out beside a test run's failures
    if len(shown_warnings) > _WARNINGS_BESIDE_FAILURES and not errors and _test_failures(items, regions):
        # the tests failed: what they say is the answer; the build's warnings before them are the build's, not
        # the failures' — the first stay whole, the others are named by place in one line
        later = [(place, span) for place, span in shown_warnings[_WARNINGS_BESIDE_FAILURES:]
                 if is_hit is None or not any(is_hit[k] for k in span)]
        if len(later) >= 2:
            for place, span in later:
                beside.append(place)
                gone.update(span)
                for k in span:
                    keep[k] = False
            for places, _ in repeated.values():
                beside += places
            repeated = {}  # their repeats are named in the same line
    for group in [g for g, (places, lines_of) in repeated.items()
                  if sum(len(items[k]) + 1 for k in lines_of) <= len(_same_note(*g, places))]:
        for k in repeated.pop(group)[1]:
            keep[k] = True  # (its lines cost no more than the note naming them: they stay where they are)
            gone.discard(k)
    if gone:
        neutral = [k for k in neutral if k not in gone]
    budget = max(int(estimate_tokens(text, coarse=True) * keep_ratio(ctx)), 120)
    used = sum(estimate_tokens(items[k], coarse=True) + 1 for k in range(n) if keep[k])
    brief = [False] * n
    if used > budget and len(regions) >= _MANY_FAILURES:
        brief = _brief_failures(items, regions, keep, ctx, is_hit)
        used = sum(estimate_tokens(items[k], coarse=True) + 1 for k in range(n) if keep[k])
    # other lines while the budget lasts, in order; a line that repeats a kept one but for its numbers and ids
    # (`cc -c src/stage_07.c -o build/stage_07.o` after stage_06's) is one retrieval away
    fill = neutral
    protect = list(keep)  # what the failures, errors, summaries and the request's terms keep: never coalesced away
    if len(neutral) > _HEAD:
        seen_tpl: set[str] = set()
        novel, again = [], []
        for j, k in enumerate(neutral):
            t = template(items[k][:MATCH_CAP])
            (novel if j < _HEAD or t not in seen_tpl else again).append(k)
            seen_tpl.add(t)
        fill = novel
    for k in fill[:_HEAD]:
        protect[k] = True  # the output's first lines (what ran) stay as well
    for j, k in enumerate(fill):
        if j < _HEAD or used < budget:
            if not keep[k]:
                keep[k] = True
                used += estimate_tokens(items[k], coarse=True) + 1
    # a gap of only the excerpts under warnings and of warnings named at the end (`the same warning … at N more
    # places`) gets no marker in place: all of it is named below
    quiet = _excerpts_under_warnings(items, keep, gone) if ": warning: " in text else None
    under, told = quiet if quiet is not None else (None, 0)
    out, dropped, clipped = render(lines, keep, gap_note="passing", gap_members=passing,
                                   other_notes=(("repeated failure output", repeat), ("failure context", brief))
                                   + ((("captured output", captured),) if captured is not None else ())
                                   + (((RUNTIME_FRAMES_NOTE, frames),) if frames is not None else ()),
                                   protect=protect,
                                   describe=(lambda j, i: "" if all(under[j:i]) else None) if under else None)
    if not dropped and not clipped:
        return None
    if told:
        out.append(lines.marker_line(markers.gap("the source line and caret under 1 kept warning" if told == 1 else
                                                 f"the source lines and carets under {told} kept warnings")))
    if beside:
        out.append(lines.marker_line(markers.gap(f"{len(beside)} more compiler warnings beside the test failures, "
                                                 f"at: {_places(beside)}")))
    for (level, msg), (places, _) in repeated.items():
        out.append(lines.marker_line(_same_note(level, msg, places)))
    what = f"{dropped} of {n} lines" if dropped else "parts of long lines"
    return Result(finish(lines, out, what, block_key(text, key), ctx), True, name, "build")


def _same_note(level: str, msg: str, places: list[str]) -> str:
    """The line naming the other places of a repeated diagnostic (`_diagnostics`)."""
    return markers.gap(f"the same {level} ({msg}) at {len(places)} more place{'s' if len(places) != 1 else ''}: "
                       f"{_places(places)}")


def _places(places: list[str]) -> str:
    """The places, each once (javac warns twice about one line: `Server.java:79 ×2`), the first _PLACES_SHOWN."""
    count = Counter(places)
    uniq = list(count)
    # a file's path once, then its other places by number (`Legacy.java:22, :23`): compilers warn on many lines
    # of one file, and the path is most of a place's tokens
    by_file: dict[str, list[str]] = {}
    for p in uniq[:_PLACES_SHOWN]:
        m = _PLACE.fullmatch(p)
        times = "" if count[p] == 1 else f" ×{count[p]}"
        if m is None:
            by_file.setdefault(p, []).append(p + times)
            continue
        at = by_file.setdefault(m.group(1), [])
        at.append((m.group(2) if at else p) + times)
    shown = ", ".join(", ".join(at) for at in by_file.values())
    return shown + (f" and {len(uniq) - _PLACES_SHOWN} more" if len(uniq) > _PLACES_SHOWN else "")


# A test run's failures (JUnit 4's `There were N failures:`, pytest's FAILURES section, cargo's `---- name stdout
# ----`, go's `--- FAIL:`, jest's `●`): beside them, a build's warnings keep their first _WARNINGS_BESIDE_FAILURES
# in full and name the others by place. Not beside a compiler's error: its warnings may be how it came about.
_TEST_FAILURE = re.compile(r"=+ FAILURES =+|---- \S+ stdout ----|[ \t]*--- FAIL: |[ \t]*● |"
                           r"There (?:was 1 failure|were \d+ failures):")
_WARNINGS_BESIDE_FAILURES = 2


def _test_failures(items: list[str], regions: list[list[int]]) -> bool:
    return any(_TEST_FAILURE.match(items[reg[0]][:MATCH_CAP]) for reg in regions)


# Many failures over budget (25 failed tests, each with its test's source): each failure the request does not
# name keeps what says how it failed — its name, the failing line (`>`), the error lines (`E`, error words), where
# it failed (`path:line: …`) — and its source lines around them are one retrieval away. A failure the request
# names (its name in the request's terms, or ranked clearly first among the failures' names) stays whole.
_MANY_FAILURES = 4
# (the indent is taken possessively: the alternatives' own `\s*` would otherwise re-split a long indent, ~n²)
_SALIENT = re.compile(r"[ \t]*+(?:>|E[ \t]|\S+:\d+:|\s*(?:[\w.]+(?:Error|Exception)|assert(?:ion)?)\b|"
                      r"thread '|panicked at|Expected|Received|\s*at |"
                      # rustc's diagnostic: where (`--> src/main.rs:4:48`), the source line, the labels under it
                      # (`^^^ expected `u64`, found `&u64``), its notes and help
                      r"--> \S|= (?:note|help): |help: |\d+[ \t]+\||\|.*[\^-]{2,} \S)")


_HELP = re.compile(r"[ \t]*(?:= )?help: ")
_WHERE = re.compile(r"[ \t]*--> \S")
_RUST_EXCERPT = re.compile(r"[ \t]*(?:\d+[ \t]*)?\|")  # `4 |     code`, `  |     +++`


def _brief_failures(items: list[str], regions: list[list[int]], keep: list[bool], ctx: Context,
                    is_hit: list[bool] | None) -> list[bool]:
    """Leave out the context lines of the failure regions the request does not name; returns those lines."""
    from .. import relevance

    fails = [reg for reg in regions if not items[reg[0]].lstrip().startswith("=") and len(reg) > 4]
    brief = [False] * len(items)
    if len(fails) < _MANY_FAILURES:
        return brief
    named: set[int] = set()
    if is_hit is not None:
        named.update(j for j, reg in enumerate(fails) if is_hit[reg[0]])
    query = relevance.query_terms(ctx)
    if query is not None:
        heads = [items[reg[0]] for reg in fails]
        distinct: list[int] = []
        scores = relevance.rank(heads, query, distinct=distinct)
        named.update(relevance.pick(scores, distinct=distinct, query=query) or ())
    salient = _SALIENT.match
    for j, reg in enumerate(fails):
        if j in named:
            continue
        suggestion = False  # under rustc's `help:`, the source it would write: the help line says it
        for k in reg[1:]:
            s = items[k][:MATCH_CAP]
            if _HELP.match(s):
                suggestion = True
            elif _WHERE.match(s):
                suggestion = False
            elif suggestion and _RUST_EXCERPT.match(s):
                if keep[k]:
                    keep[k] = False
                    brief[k] = True
                continue
            if keep[k] and s.strip() and not salient(s):
                keep[k] = False
                brief[k] = True
    return brief


# pytest's sections of what a failing test printed or logged (`----- Captured log call -----`, stdout, stderr)
_CAPTURED = re.compile(r"-+ Captured (?:log|stdout|stderr) (?:setup|call|teardown) -+[ \t\r]*$")
_PYTEST_E = re.compile(r"E {2,}\S")
_CAPTURED_ENDS = 3  # lines kept at each end of a captured section
_ROUTINE_LEVEL = re.compile(r"(?:DEBUG|INFO)\b|\d{4}-\d\d-\d\d[ T][\d:,.]+ (?:DEBUG|INFO)\b")


def _captured_output(items: list[str], regions: list[list[int]], keep: list[bool],
                     is_hit: list[bool] | None) -> list[bool] | None:
    """In a failure's report, what the test logged or printed (pytest's `Captured log call` section: 120 DEBUG
    lines of a warehouse filling up) keeps its first and last lines, the lines the request's terms name and those
    that are not routine (a WARNING, an ERROR, a line of another form); the routine lines between go, one marker.
    Returns the lines left out, or None."""
    out: list[bool] | None = None
    for reg in regions:
        k, end = 0, len(reg)
        while k < end:
            if not _CAPTURED.match(items[reg[k]][:MATCH_CAP]):
                k += 1
                continue
            a = k + 1
            b = a
            while b < end and not _CAPTURED.match(items[reg[b]][:MATCH_CAP]) and not items[reg[b]].startswith("___"):
                b += 1
            for j in range(a + _CAPTURED_ENDS, b - _CAPTURED_ENDS):
                i = reg[j]
                s = items[i][:MATCH_CAP]
                if keep[i] and _ROUTINE_LEVEL.match(s) and not (is_hit is not None and is_hit[i]) \
                        and ERROR_RE.search(s) is None:
                    keep[i] = False
                    if out is None:
                        out = [False] * len(items)
                    out[i] = True
            k = b
    return out


def _repeated_failures(items: list[str], regions: list[list[int]], keep: list[bool]) -> list[bool]:
    """Leave out the output of failure regions that repeats an earlier region's output exactly (`_SAME_FAILURE_MIN`);
    returns the lines left out so."""
    again = [False] * len(items)
    seen: set[str] = set()
    for reg in regions:
        body = [k for k in reg[1:] if keep[k]]
        while body and not items[body[-1]].strip():
            body.pop()
        if len(body) < _SAME_FAILURE_MIN:
            continue
        # the output as printed, indentation aside (node indents a failure less under "failing tests:")
        sig = "\n".join(items[k].strip() for k in body)
        if sig not in seen:
            seen.add(sig)
            continue
        for k in body:
            keep[k] = False
            again[k] = True
    return again


# javac's (and kotlinc's, scalac's) diagnostic: `path:line: warning: message`, the source line, a caret line under
# the place, then indented details (`  missing type arguments for generic class Vector<E>`). Under a warning kept for
# its message the excerpt says where on the line, which its `path:line` says already; when it is dropped, a marker
# per warning would cost about what the excerpt does, so the excerpts are named once at the end instead.
_CARET = re.compile(r"[ \t]*\^[ \t\r]*$")
_DETAIL = re.compile(r"[ \t]{2,}\S")


def _excerpts_under_warnings(items: list[str], keep: list[bool], gone: set[int]) -> tuple[list[bool], int] | None:
    """Per line: may it go without a marker in place? The dropped source excerpts (source line, caret line,
    indented details) under javac-style warnings, and the lines of the repeated warnings in `gone` (named at the
    end); with the number of kept warnings whose excerpt went. None when no excerpt went. (gcc's and clang's
    excerpts, `   11 |   code`, belong to the diagnostic itself in `_diagnostics`.)"""
    n = len(items)
    under = [False] * n
    told = 0
    for i in range(n - 2):
        if ": warning: " not in items[i] or not (keep[i] or i in gone) or not _CARET.match(items[i + 2][:MATCH_CAP]):
            continue
        m = _DIAG.match(items[i][:MATCH_CAP])
        if m is None or m.group(4) != "warning" or _EXCERPT.match(items[i + 1][:MATCH_CAP]):
            continue
        j = i + 3
        while j < n and _DETAIL.match(items[j][:MATCH_CAP]) and not _DIAG.match(items[j][:MATCH_CAP]):
            j += 1
        if any(keep[i + 1:j]):
            continue  # a part of it is kept (a term of the request): its gaps keep their markers
        for k in range(i + 1, j):
            under[k] = True
        told += keep[i]
    if not told and not any(under):
        return None
    for k in gone:
        under[k] = True
    return under, told


def _diagnostics(items: list[str], keep: list[bool], shown: list[tuple[str, list[int]]] | None = None,
                 errors: list[int] | None = None) -> dict[tuple[str, str], tuple[list[str], set[int]]]:
    """Compiler diagnostics: errors kept with their excerpts and notes; a warning's first _SAME_DIAG_CAP places
    kept the same way. Returns, per repeated warning (level, message as printed at its first place), the other
    places (`path:line:col`) and the lines they held (the diagnostic, its excerpt and notes, the `In function`
    line before it), which are left out."""
    first_of: dict[str, tuple[str, str]] = {}  # message template -> (level, message at its first place)
    kept: dict[tuple[str, str], int] = {}
    out: dict[tuple[str, str], tuple[list[str], set[int]]] = {}
    n = len(items)
    dropped_group: set[int] | None = None  # lines of the warning a following note belongs to, when left out
    for i in range(n):
        s = items[i][:MATCH_CAP]
        if ": " not in s:
            continue
        m = _DIAG.match(s)
        if m is None:
            continue
        level = m.group(4)
        j = i + 1
        while j < n and _EXCERPT.match(items[j][:MATCH_CAP]):
            j += 1
        span = list(range(i, j))
        if i > 0 and _IN_FUNCTION.match(items[i - 1][:MATCH_CAP]):
            span.insert(0, i - 1)
        if level == "note":
            if dropped_group is not None:
                dropped_group.update(span)
                for k in span:
                    keep[k] = False
            else:
                for k in span:
                    keep[k] = True
            continue
        dropped_group = None
        if level != "warning":
            for k in span:
                keep[k] = True
            if errors is not None:
                errors.append(i)
            continue
        msg = m.group(5).strip()  # exact: `unused variable ‘v1’` and `‘v2’` are two warnings
        first = first_of.setdefault(msg, (level, msg))
        place = f"{m.group(1)}:{m.group(2)}" + (f":{m.group(3)}" if m.group(3) else "")
        if kept.get(first, 0) < _SAME_DIAG_CAP:
            kept[first] = kept.get(first, 0) + 1
            for k in span:
                keep[k] = True
            if shown is not None:
                shown.append((place, span))
            continue
        places, lines_of = out.setdefault(first, ([], set()))
        places.append(place)
        for k in span:
            keep[k] = False
        lines_of.update(span)
        dropped_group = lines_of
    return out
