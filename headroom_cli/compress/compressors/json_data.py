"""JSON documents: arrays of records, arrays of scalars, long strings, nesting — output stays valid JSON.

Arrays of records keep their first and last records, records whose *values* report errors, records
matching the context terms, and outliers (numeric values far from the field's mean, rare values of
low-cardinality fields); dropped runs become marker strings in place. Long strings keep head and
tail. The result is serialised compactly; uniform records are written as a table (columns + rows),
which counts as lossless when nothing was dropped.
"""
from __future__ import annotations

import functools
import json
import math
import operator
import re
from collections import Counter
from itertools import chain, repeat
from typing import Any, Iterable

from ...jsonspan import exact_float
from .. import markers, relevance
from ..base import Context, Result
from .common import (ERROR_RE, ERROR_WORDS, LONG_LINE, Lines, block_key, clip, keep_ratio, keyword_lines, line_starts,
                     term_regex, terms)

name = "json"
kinds = ("json",)  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

try:  # orjson is several times faster; json is the fallback (and handles NaN / huge ints: see `loads`)
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

_TABLE_MIN = 4  # uniform records from this many on are written as a table
_SMALL = 8  # arrays up to this length are kept whole (their items still shrink)
_HEAD, _TAIL = 2, 1
_SCALAR_HEAD, _SCALAR_TAIL = 8, 3
_LONG_STR = 800
_STR_HEAD, _STR_TAIL = 300, 120
_MUST_CAP = 60
_MAP_MIN = 16  # objects with more keys than this whose values are records are treated like arrays
_MAX_DEPTH = 60


# digits and the decimal point as b"0", every other byte as b" " (UTF-8's multi-byte sequences included)
_NUMBER_BYTES = bytes(48 if 48 <= b <= 57 or b == 46 else 32 for b in range(256))


def _long_number(s: str) -> bool:
    """Whether `s` has 16 digits (or points) in a row: every number orjson reads wrongly has them (an integer
    beyond 64 bits, which it reads as a float; a negative one below -2**63 has 19 digits) and so does every
    decimal with more significant digits than a double keeps (15). C-speed and cheap: such a run covers four
    consecutive bytes of every 4th byte (a strided copy, a table, a find: ~0.09 ms on 300 KB where orjson's
    parse takes 0.6 ms, a regex ~4 ms; ordinary documents, dates and ids included, stop there), and only then
    is the whole text looked at."""
    b = s.encode("utf-8", "surrogatepass")  # (orjson has cached the UTF-8 of a non-ASCII str: a copy)
    if b[::4].translate(_NUMBER_BYTES).rfind(b"0000") < 0:  # (rfind: a simpler loop than find, faster here)
        return False
    return b.translate(_NUMBER_BYTES).rfind(b"0" * 16) >= 0


def loads(s: str) -> Any:
    """The JSON value of `s`, its numbers as the text wrote them: orjson when installed, the stdlib when `s` may
    hold a number orjson would read as another (`_long_number`) or orjson refuses it (NaN, 1e400, lone
    surrogates). Integers are exact (the stdlib's); a number a float cannot hold (0.1234567890123456789,
    1e400) raises ValueError (`jsonspan.InexactNumber`): the block is then not JSON to the compressors, and its
    text is compressed as text instead of showing another number."""
    if _orjson is not None:
        try:
            doc = _orjson.loads(s)
        except ValueError:
            pass
        else:
            if not _long_number(s):
                return doc
    return json.loads(s, parse_float=exact_float)  # (the hook: ~12 % of the stdlib's parse on 900 floats)


def dumps(v: Any) -> str:
    # Always the stdlib, never orjson: orjson writes non-ASCII raw and floats in another spelling, so the same
    # block would compress to other bytes wherever orjson happens to be installed (langchain-core brings it).
    # Non-ASCII is escaped so the text stays encodable as UTF-8 (lone surrogates).
    return json.dumps(v, ensure_ascii=True, separators=(",", ":"), allow_nan=True)


class _State:
    def __init__(self, ctx: Context, key: str):
        self.ctx = ctx
        self.key = key
        self.tr = term_regex(ctx)
        self.terms = terms(ctx)
        self.ratio = keep_ratio(ctx)
        self.query = relevance.query_terms(ctx)
        self.cuts = 0
        self.whole = 0  # > 0 inside a unit the request points to: its strings are kept whole

    def marker(self, what: str) -> str:
        self.cuts += 1
        if self.cuts == 1:
            return markers.omitted(what, self.key, self.ctx)
        return markers.gap(what)


_FLAT_BUDGET = 4000  # characters of a record's values looked at (its first ones, in `_flat`'s order)
_FLAT_STR = 500  # characters of one string value looked at
_FLAT_LIST = 50  # items of one list looked at


def _flat(v: Any, out: list[str], budget: int = _FLAT_BUDGET) -> int:
    """Scalar values of a record as text (keys skipped: match values, not keys), last value first (a stack);
    returns the size counted against `budget` (a string's length, 8 for a number)."""
    stack = [v]
    size = 0
    append = out.append
    while stack and size < budget:
        x = stack.pop()
        t = type(x)  # exact JSON types first (one identity test each), the general rules for anything else
        if t is str:
            append(x[:500])
            size += len(x)
        elif t is dict:
            stack.extend(x.values())
        elif t is list:
            stack.extend(x[:50])
        elif t is int or t is float:
            append(str(x))
            size += 8
        elif x is None or t is bool:
            pass
        elif isinstance(x, str):
            append(x[:500])
            size += len(x)
        elif isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x[:50])
        else:
            append(str(x))
            size += 8
    return size


_HIGH_KEYS = relevance.HIGH_KEYS


def _high_value(y: Any) -> str:
    """The text of a value under a high-weight key: a string, or the strings of a list (of strings, or of
    objects' high-weight strings: `labels: [{"name": "bug"}]`)."""
    if type(y) is str:
        return y[:500]
    if type(y) is list:
        parts = []
        for z in y[:50]:
            if type(z) is str:
                parts.append(z[:500])
            elif type(z) is dict:
                parts.extend(w[:500] for k, w in z.items() if k in _HIGH_KEYS and type(w) is str)
        return " ".join(parts)
    return ""


def _high_texts(items: list[Any]) -> list[str]:
    """Per item: the values that say what it is about (under `relevance.HIGH_KEYS`, at the top level or one
    object down, e.g. `customer.name`), as one line. Found by column: the keys come from the first 50
    items, each column is gathered in C, so this costs little beside the items' full flattening."""
    n = len(items)
    if not all(type(x) is dict for x in items):
        return [x if type(x) is str else "" for x in items]
    keys = dict.fromkeys(chain.from_iterable(items[:50]))  # the keys in order of first appearance
    cols: list[list[str]] = []
    for k in keys:
        vals = list(map(dict.get, items, repeat(k, n)))
        if k in _HIGH_KEYS:
            cols.append(_high_column(vals))
        else:
            sub = [y for y in vals[:50] if type(y) is dict]
            if not sub:
                continue
            inner: dict[str, None] = {}
            for y in sub:
                for kk in y:
                    if kk in _HIGH_KEYS:
                        inner.setdefault(kk, None)
            for kk in inner:
                cols.append(_high_column([y.get(kk) if type(y) is dict else None for y in vals]))
    if not cols:
        return [""] * n
    return [" ".join(row) for row in zip(*cols)] if len(cols) > 1 else cols[0]


def _high_column(vals: list[Any]) -> list[str]:
    """`_high_value` of each value ("" for None); a column of strings (the common case) in one pass."""
    if set(map(type, vals)) == {str}:
        return [y[:500] for y in vals] if max(map(len, vals)) > 500 else vals
    return [_high_value(y) if y is not None else "" for y in vals]


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def outliers(recs: list[dict]) -> set[int]:
    """Records with a numeric value > 3σ from its field's mean, or a rare value of a categorical field.

    Written for speed (it runs on every array of records): C-level sums, min/max to skip fields
    without outliers, Counter for categorical fields."""
    n = len(recs)
    if n < 12:
        return set()
    fields = dict.fromkeys(chain.from_iterable(recs[:50]))  # the keys in order of first appearance
    if set(map(type, recs)) == {dict}:  # plain dicts (parsed JSON): each column gathered in C
        return column_outliers((list(map(dict.get, recs, repeat(f, n))) for f in list(fields)[:40]), n)
    return column_outliers(([r.get(f) for r in recs] for f in list(fields)[:40]), n)


_NUM_TYPES = frozenset((int, float))  # exact types: bool is not a number here
_CAT_TYPES = frozenset((str, bool))


_OUTLIERS_SHOWN = 3  # values of one numeric field beyond 3 sigma kept at most


def column_outliers(columns: Iterable[list], n: int) -> set[int]:
    """`outliers` over columns: each a list of the n records' values of one field (None where absent)."""
    found: set[int] = set()
    if n < 12:
        return found
    num_types = _NUM_TYPES
    limit = max(1, n // 20)
    for vals in columns:
        probe = set(map(type, vals[:20]))  # type sets, built in C: cheaper than a generator per value
        if probe <= num_types:
            if set(map(type, vals)) <= num_types:
                idx = None
                xs = vals
            else:
                idx = [i for i, x in enumerate(vals) if type(x) in num_types]
                if len(idx) < 0.8 * n:
                    continue
                xs = [vals[i] for i in idx]
            try:
                mean = sum(xs) / len(xs)
                var = sum(map(operator.mul, xs, xs)) / len(xs) - mean * mean
            except OverflowError:
                continue
            if not math.isfinite(var) or var <= 1e-12 * (1 + mean * mean):
                continue
            lim = 3 * math.sqrt(var)
            lo, hi = mean - lim, mean + lim
            if min(xs) >= lo and max(xs) <= hi:
                continue
            hits = [j for j, x in enumerate(xs) if x < lo or x > hi]
            if len(hits) > _OUTLIERS_SHOWN:
                if len(hits) > limit:
                    continue  # a long tail, not a few values out of line
                # a cluster (a latency spike: nine requests of 4 s among 650 of 1-65 ms) keeps its most extreme
                # values (the old cap kept none of a cluster over 5: the incident itself went)
                hits = sorted(hits, key=lambda j: (-abs(xs[j] - mean), j))[:_OUTLIERS_SHOWN]
            found.update(hits if idx is None else [idx[j] for j in hits])
            continue
        if not probe <= _CAT_TYPES:
            continue
        try:
            distinct = len(set(vals))  # most fields (ids, timestamps) have too many values: no Counter for them
        except TypeError:  # unhashable values (lists, objects): not categorical
            continue
        if 2 <= distinct <= 10:
            freq = Counter(vals)
            rare = {x for x, c in freq.items() if c <= limit and x is not None}
            if rare:
                hits = [i for i, x in enumerate(vals) if x in rare]
                if len(hits) <= 10:
                    found.update(hits)
    return found


def _flats(items: list[Any]) -> list[str]:
    """Per item: its values as one line, space-separated: `_flat`'s parts joined, newlines made spaces.

    Computed by column: a listing's records share their shape, so each field's values are gathered for all
    records at once and every record's line is joined once, in C, instead of one Python step per value
    (`_leaves`). An item whose values may reach `_flat`'s budget (where it stops early) is flattened by `_flat`
    itself, so every line is the one `_flat` gives."""
    n = len(items)
    if not n:
        return []
    leaves: list[_Leaf] = []
    _leaves(items, 0, leaves)
    lines, empty = _joined(leaves, n)
    if sum(max(z) if type(z) is list else z for _, z, _ in leaves) >= _FLAT_BUDGET:  # (only then: per item)
        for i, size in enumerate(_sizes(leaves, n)):
            if size >= _FLAT_BUDGET:
                parts: list[str] = []
                _flat(items[i], parts)
                lines[i] = " ".join(parts)
    return [x.replace("\n", " ") if "\n" in x else x for x in lines]


_NOTHING = frozenset((type(None), bool))  # values `_flat` writes nothing for
_COLUMN_DEPTH = 12  # nesting beyond this is flattened value by value (`_flat` keeps no recursion)
_MAX_GROUPS = 8  # shapes (key sequences, list lengths) a column is split into before going value by value
_NO_INDEX: frozenset = frozenset()

# One column of values as `_flats` sees it: per value its parts joined by spaces, the size `_flat` counts
# for them (a list, or one number for all), and the indices of the values that have no part at all.
_Leaf = tuple[list[str], "list[int] | int", "set[int] | frozenset"]


def _leaves(vals: list[Any], depth: int, out: list[_Leaf]) -> None:
    """Append the columns whose texts, joined per value in this order, give each value's `_flat` parts.

    Values of one type and shape are taken apart together: strings and numbers are columns as they are,
    records with the same keys give their fields' columns (last field first, the order `_flat`'s stack takes
    them), lists of one length their items' columns, nulls and booleans none; values of several types or
    shapes are done in groups of one and give one column."""
    n = len(vals)
    types = set(map(type, vals))
    if len(types) == 1:
        t = types.pop()
        if t is str:
            sizes = list(map(len, vals))
            out.append((([x[:_FLAT_STR] for x in vals] if max(sizes) > _FLAT_STR else vals), sizes, _NO_INDEX))
            return
        if t is int or t is float:
            out.append((list(map(str, vals)), 8, _NO_INDEX))
            return
        if t in _NOTHING:
            return
        if depth < _COLUMN_DEPTH:
            if t is dict:
                shapes = set(map(tuple, vals))
                if len(shapes) == 1:
                    for k in reversed(shapes.pop()):
                        _leaves(list(map(operator.itemgetter(k), vals)), depth + 1, out)
                    return
                if len(shapes) <= _MAX_GROUPS:
                    out.append(_grouped(vals, tuple, depth))
                    return
            elif t is list:
                lengths = set(map(len, vals))
                if len(lengths) == 1:
                    for j in range(min(lengths.pop(), _FLAT_LIST) - 1, -1, -1):
                        _leaves(list(map(operator.itemgetter(j), vals)), depth + 1, out)
                    return
                if len(lengths) <= _MAX_GROUPS:
                    out.append(_grouped(vals, len, depth))
                    return
    elif n and depth < _COLUMN_DEPTH:
        out.append(_grouped(vals, type, depth))
        return
    texts, sizes, empty = [], [], set()
    for i, x in enumerate(vals):  # many shapes, or other types: value by value
        parts: list[str] = []
        sizes.append(_flat(x, parts, budget=1 << 62))
        texts.append(" ".join(parts))
        if not parts:
            empty.add(i)
    out.append((texts, sizes, empty))


def _joined(leaves: list[_Leaf], n: int) -> tuple[list[str], set[int]]:
    """Per value: the leaves' texts joined by spaces, skipping leaves where it has no part; and the values
    with no part in any leaf."""
    if not leaves:
        return [""] * n, set(range(n))
    texts = list(map(" ".join, zip(*[t for t, _, _ in leaves]))) if len(leaves) > 1 else list(leaves[0][0])
    gaps = set().union(*[e for _, _, e in leaves])
    empty = set()
    for i in gaps:  # values where some leaf has no part: joined again without it
        parts = [t[i] for t, _, e in leaves if i not in e]
        texts[i] = " ".join(parts)
        if not parts:
            empty.add(i)
    return texts, empty


def _sizes(leaves: list[_Leaf], n: int) -> list[int]:
    """Per value: the size `_flat` counts for its parts, summed over the leaves."""
    fixed = sum(z for _, z, _ in leaves if type(z) is int)
    cols = [z for _, z, _ in leaves if type(z) is list]
    return [fixed + x for x in map(sum, zip(*cols))] if cols else [fixed] * n


def _grouped(vals: list[Any], by: Any, depth: int) -> _Leaf:
    """One column for values of several types or shapes: grouped by `by(value)` (a type, a key sequence, a
    length), each group taken apart by `_leaves` and joined."""
    groups: dict[Any, list[int]] = {}
    for i, x in enumerate(vals):
        groups.setdefault(by(x), []).append(i)
    texts, sizes, empty = [""] * len(vals), [0] * len(vals), set()
    for idx in groups.values():
        sub = [vals[i] for i in idx]
        leaves: list[_Leaf] = []
        _leaves(sub, depth + 1, leaves)
        t, e = _joined(leaves, len(sub))
        for i, x, z in zip(idx, t, _sizes(leaves, len(sub))):
            texts[i] = x
            sizes[i] = z
        empty.update(idx[j] for j in e)
    return texts, sizes, empty


# Fields that name a record. A record whose name or id the request spells out whole ("which pydantic does mcp
# require?" over a listing of packages, "PR 4211", "the pod ledger-writer-7f9c") is the item asked about, however
# many other records mention the word (agno's "agno[mcp]"): it is kept whole even where the ranking finds no
# clear signal in a long request. One level down too (`package.name`, `metadata.name`). A value that names more
# than `_NAMED_SAME` records names none of them; more than `_NAMED_CAP` named records in all: none is.
_NAME_KEYS = frozenset(("name", "id", "key", "slug", "number", "login", "username", "ref", "sku", "shortId",
                        "short_id", "identifier", "full_name", "fullName", "package", "handle", "tag"))
_NAMED_SAME = 3
_NAMED_CAP = 12
_REQUEST_CHARS = 4000
_NAME_TOKEN = re.compile(r"[a-z0-9][a-z0-9_.\-/@:#+]*[a-z0-9]")
_SPACES = re.compile(r"[^a-z0-9_.\-/@:#+]+")


_MAX_GRAM = 4  # names of up to four words ("Priya Natarajan", "Move the WAL checkpointer")


@functools.lru_cache(maxsize=64)
def _request_words(preceding: str) -> frozenset:
    """What in the request could spell a record's name, lower-case: its name-like tokens (`node-pty`,
    `ledger-writer-7f9c`, `4211`) and its runs of up to `_MAX_GRAM` words."""
    text = preceding if len(preceding) <= 2 * _REQUEST_CHARS else \
        preceding[:_REQUEST_CHARS] + "\n" + preceding[-_REQUEST_CHARS:]
    low = text.lower()
    out = set(_NAME_TOKEN.findall(low))
    seq = [w.strip(".:") for w in _SPACES.sub(" ", low).split()]
    for k in range(2, _MAX_GRAM + 1):
        out.update(map(" ".join, zip(*(seq[j:] for j in range(k)))))
    return frozenset(out)


def _named(items: list[Any], st: _State) -> list[int]:
    """Records (dicts) whose name-like field (`_NAME_KEYS`, top level or one object down) the request spells out.
    Each column is matched in C (its values lower-cased, intersected with the request's words); only a column
    with a match is walked."""
    if not st.ctx.preceding_text or not all(type(x) is dict for x in items):
        return []
    words = _request_words(st.ctx.preceding_text)
    if not words:
        return []
    n = len(items)
    cols: list[list[Any]] = []
    keys: dict[str, None] = {}
    for r in items[:50]:
        for k in r:
            keys.setdefault(k, None)
    for k in keys:
        if k in _NAME_KEYS:
            cols.append(list(map(dict.get, items, repeat(k, n))))
        elif type(items[0].get(k)) is dict:
            vals = list(map(dict.get, items, repeat(k, n)))
            inner = {kk: None for y in vals[:50] if type(y) is dict for kk in y if kk in _NAME_KEYS}
            for kk in inner:
                cols.append([y.get(kk) if type(y) is dict else None for y in vals])
    found: dict[str, list[int]] = {}
    for vals in cols:
        types = set(map(type, vals))
        if types <= {str, type(None)}:
            low = [x.lower() if x is not None else "" for x in vals] if type(None) in types else \
                list(map(str.lower, vals))
        elif types <= {int, type(None)}:
            low = [str(x) if x is not None else "" for x in vals]
        else:
            low = [_name_value(x) or "" for x in vals]
        hits = words.intersection(low)
        if not hits:
            continue
        for i, v in enumerate(low):
            if v in hits and _name_value(vals[i]) is not None:
                found.setdefault(v, []).append(i)
    named = sorted({i for m in found.values() if len(m) <= _NAMED_SAME for i in m})
    return named if len(named) <= _NAMED_CAP else []


def _name_value(x: Any) -> str | None:
    """A scalar field's value as the request would spell it (lower-case), or None when it cannot name a record."""
    t = type(x)
    if t is str:
        return x.lower() if 3 <= len(x) <= 80 else None
    if t is int:
        return str(x) if x >= 100 or x <= -100 else None
    return None


# Keys whose non-empty value is itself the report of a failure (`"error": null` reports none).
_ERROR_KEYS = frozenset(("error", "err", "errors", "exception", "failure", "failure_reason", "fault",
                         "error_message", "errorMessage", "stacktrace", "traceback"))


def _errors_and_hits(items: list[Any], st: _State, flats: list[str],
                     low: str) -> tuple[list[int], list[int], list[int]]:
    """(items whose values read like errors, items with a non-empty error field, items matching the context
    terms). Terms matching more than a fifth of the items say nothing about which to keep and are ignored.
    `low`: the flats joined by newlines, lower-cased (`_lowered`)."""
    # one C-speed keyword scan over all items' values joined, one line per item
    starts = line_starts(flats)
    err = keyword_lines(low, ERROR_WORDS, starts)
    words = [i for i, e in enumerate(err) if e]
    if words:  # an error word inside a name (`libgpg-error0`, `errors.py`, `lib/traceback.py`) reports nothing
        ends = starts[1:] + [len(low) + 1]
        words = [i for i in words if _ERROR_TOKEN.search(low, starts[i], ends[i] - 1) is not None]
    keyed = [i for i, x in enumerate(items) if type(x) is dict and _ERROR_KEYS.intersection(x)
             and any(x.get(k) not in (None, "", [], {}, False, 0) for k in _ERROR_KEYS.intersection(x))]
    chosen: set[int] = set()
    terms = st.terms
    if terms:
        limit = max(3, len(items) // 5)
        lows: list[str] | None = None
        for t in terms:
            tl = t.lower()
            if tl not in low:  # in no item (items hold no newline; terms neither): skip the per-item test
                continue
            if lows is None:
                lows = [f.lower() for f in flats]
            m = [i for i, f in enumerate(lows) if tl in f]
            if len(m) <= limit:
                chosen.update(m)
    return words, keyed, sorted(chosen)


# An error word as a word of its own or of an identifier (`error`, `ConnectionError`, `timeout_error`,
# `status: failed`), not inside a file, module or package name: no `.`, `/` or `-` in its token, no digit right
# after it. The words of several (`timed out`) are prose.
_ERROR_TOKEN = re.compile(
    r"(?<![\w./-])[\w]*(?:fatal|panic|critical|error|exception|traceback|severe|fail|denied|refused|timeout|"
    r"oomkilled|crashloopbackoff|segfault|abort|unhealthy)\w*(?![\w./-])(?<![0-9])|timed out|segmentation fault|"
    r"caused by")


# Fields that name or describe a record (an issue's title, a package's summary): an error word there ("Export
# fails when …") is what the record is about, not a failure the call reports.
_TITLE_KEYS = frozenset(("title", "name", "summary", "subject", "headline", "description", "desc", "body",
                         "display_name", "displayName", "short_description"))


def _beyond_titles(items: list[Any], idx: list[int]) -> list[int]:
    """Of the items `idx` whose values hold an error word, those that hold one outside their title fields."""
    out = []
    for i in idx:
        x = items[i]
        if type(x) is not dict or not _TITLE_KEYS.intersection(x):
            out.append(i)
            continue
        parts: list[str] = []
        _flat({k: v for k, v in x.items() if k not in _TITLE_KEYS}, parts)
        rest = " ".join(parts).replace("\n", " ").lower()
        if any(keyword_lines(rest, ERROR_WORDS, [0])):
            out.append(i)
    return out


def _must(items: list[Any], st: _State, flats: list[str] | None = None, picked: list[int] | None = None,
          low: str | None = None) -> list[int]:
    """Indices of items that report errors or match the context terms.

    With a ranking that has signal (`picked`), error *words* in more than a fifth of the items (a bug tracker's
    titles, "Priority: Critical" labels) are the listing's vocabulary rather than failures of the call, and do
    not decide alone; a non-empty error field always does. Without it, an error word only in a record's title
    fields (`_TITLE_KEYS`) does not decide either (from three such records on)."""
    if flats is None:
        flats = _flats(items)
    words, keyed, hits = _errors_and_hits(items, st, flats, _lowered(flats) if low is None else low)
    if picked is not None and len(words) > max(3, len(items) // 5):
        words = []
    elif len(words) > 2:
        words = _beyond_titles(items, words)
    return sorted(set(words) | set(keyed) | set(hits))


def _lowered(flats: list[str]) -> str:
    """The flats as one text, a line each, lower-cased: what the error words and the ranking scan (once)."""
    return "\n".join(flats).lower()


def _relevant(st: _State, items: list[Any], flats: list[str], low: str | None = None) -> list[int] | None:
    """The items the request points to (BM25F over their values, titles, names and messages weighing
    more), or None when the ranking has no clear signal. `low`: `_lowered(flats)`, when known."""
    if st.query is None:
        return None
    distinct: list[int] = []
    scores = relevance.rank_fields((_high_texts(items), flats), st.query, weights=_WEIGHTS, distinct=distinct,
                                   specific=True,
                                   lowered=(None, low) if low is not None else None)
    return relevance.pick(scores, distinct=distinct, query=st.query)


# The high-weight values are in both texts: they weigh 3, the rest 1.
_WEIGHTS = (relevance.HIGH_WEIGHT - 1.0, 1.0)


# ---------------------------------------------------------------- records in bulk

_GROUP_MIN = 3  # error records sharing every error value from this many on become one record and one line
_ID_KEYS = ("id", "uid", "uuid", "key", "name", "number", "slug", "ref", "request_id", "requestId", "event_id")
_MAX_NAMED = 3  # shared error values named verbatim in a group's line
_MAX_FIELDS = 12  # differing fields named
_PROBE = 16  # error records looked at before deciding that none reports its failure in a field


# Fields that report an outcome: a string there with an error word (or any non-empty value under an error
# key) is an error value a group of records may share. Titles and notes that merely mention "timeout" are not.
_REPORT_KEYS = _ERROR_KEYS | frozenset(("status", "state", "reason", "message", "msg", "phase", "result",
                                        "outcome", "level", "severity", "detail", "details", "statusMessage",
                                        "status_message", "conclusion"))


def _error_values(x: Any, path: str, out: list[tuple[str, str]], depth: int = 0) -> None:
    """(path, value) of every value in a record that reports a failure (`_REPORT_KEYS`), in key order, so
    records with the same failure give the same list."""
    if depth > 6 or len(out) > 20:
        return
    if isinstance(x, dict):
        for k, y in x.items():
            if isinstance(y, (dict, list)):
                if y:
                    _error_values(y, f"{path}.{k}" if path else str(k), out, depth + 1)
            elif k in _REPORT_KEYS and y not in (None, False, 0, ""):
                if k in _ERROR_KEYS or (isinstance(y, str) and ERROR_RE.search(y[:2000])):
                    out.append((f"{path}.{k}" if path else str(k), y if isinstance(y, str) else dumps(y)))
    elif isinstance(x, list):
        for j, y in enumerate(x[:20]):
            if isinstance(y, (dict, list)):
                _error_values(y, f"{path}[{j}]", out, depth + 1)


def _label_key(recs: list[dict]) -> str | None:
    """The field that names each record of a group (distinct scalar values in all of them), if any."""
    first = recs[0]
    cands = [k for k in _ID_KEYS if k in first] + [k for k in first if isinstance(k, str) and
                                                    (k.endswith(("_id", "Id", "ID")) and k not in _ID_KEYS)]
    for k in cands:
        vals = [r.get(k) for r in recs]
        if all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in vals) and len(set(vals)) == len(vals):
            return k
    meta = first.get("metadata")
    if isinstance(meta, dict) and "name" in meta:
        vals = [r.get("metadata", {}).get("name") if isinstance(r.get("metadata"), dict) else None for r in recs]
        if all(isinstance(v, str) for v in vals) and len(set(vals)) == len(vals):
            return "metadata.name"
    return None


def _label(rec: dict, key: str) -> Any:
    if key == "metadata.name":
        return rec["metadata"]["name"]
    return rec[key]


def _compact_ids(vals: list[Any]) -> str:
    """Ids as a short list: runs of consecutive integers as ranges (1004-1007), everything else as is."""
    out: list[str] = []
    i = 0
    while i < len(vals):
        v = vals[i]
        j = i
        if isinstance(v, int):
            while j + 1 < len(vals) and isinstance(vals[j + 1], int) and vals[j + 1] == vals[j] + 1:
                j += 1
        out.append(f"{v}-{vals[j]}" if j >= i + 2 else ", ".join(str(x) for x in vals[i:j + 1]))
        i = j + 1
    return ", ".join(out)


def _differing(recs: list[dict]) -> list[str]:
    """Fields (one level of nesting, dotted) whose values are not the same in every record of a group."""
    fields: list[str] = []
    keys: dict[Any, None] = {}
    for r in recs:
        for k in r:
            keys.setdefault(k, None)
    for k in keys:
        vals = [r.get(k) for r in recs]
        if all(isinstance(v, dict) for v in vals):
            sub: dict[Any, None] = {}
            for v in vals:
                for kk in v:
                    sub.setdefault(kk, None)
            for kk in sub:
                if len({dumps(v.get(kk)) for v in vals}) > 1:
                    fields.append(f"{k}.{kk}")
        elif len({dumps(v) for v in vals}) > 1:
            fields.append(str(k))
    return fields


def _groups(v: list[Any], idx: list[int]) -> dict[int, list[int]]:
    """Error records (`idx`) that share every error value, by their first member: groups of `_GROUP_MIN`
    or more only."""
    by: dict[tuple, list[int]] = {}
    for n, i in enumerate(idx):
        if n == _PROBE and not by:
            # the first candidates report no failure in a field (their error words are in titles, notes):
            # the rest are not walked either
            return {}
        x = v[i]
        if not isinstance(x, dict):
            continue
        vals: list[tuple[str, str]] = []
        _error_values(x, "", vals)
        if vals:
            by.setdefault(tuple(vals), []).append(i)
    return {m[0]: m for m in by.values() if len(m) >= _GROUP_MIN}


def _group_line(v: list[Any], members: list[int], st: _State | None) -> str:
    """One line for a group's members after its first: the shared error values verbatim, every member's id,
    the fields in which they differ."""
    recs = [v[i] for i in members]
    shared: list[tuple[str, str]] = []
    _error_values(recs[0], "", shared)
    named = "; ".join(f"{p} {json.dumps(val, ensure_ascii=False)}" for p, val in shared[:_MAX_NAMED])
    if len(shared) > _MAX_NAMED:
        named += f"; and {len(shared) - _MAX_NAMED} more shared values"
    key = _label_key(recs)
    rest = recs[1:]
    if key is not None:
        who = f"as {key} {_label(recs[0], key)} above; {key} {_compact_ids([_label(r, key) for r in rest])}"
    else:
        who = f"as item #{members[0]} above; items #{_compact_ids(members[1:])}"
    diff = [f for f in _differing(recs) if f != key]
    if len(diff) > _MAX_FIELDS:
        diff = diff[:_MAX_FIELDS] + [f"{len(diff) - _MAX_FIELDS} more"]
    what = (f"{len(rest)} more records with the same {named} ({who}; differing in: "
            f"{', '.join(diff) if diff else 'no other field'})")
    return st.marker(what) if st is not None else markers.gap(what)  # (None: only its length is wanted)


def _table(recs: list[Any]) -> dict | None:
    """Uniform flat records as {"columns": [...], "rows": [[...]]} (lossless)."""
    if len(recs) < _TABLE_MIN or not all(isinstance(r, dict) for r in recs):
        return None
    cols = list(recs[0])
    if not cols:
        return None
    for r in recs:
        if list(r) != cols or any(isinstance(x, (dict, list)) for x in r.values()):
            return None
    return {"columns": cols, "rows": [list(r.values()) for r in recs]}


def _shrink(v: Any, st: _State, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return v
    if isinstance(v, str):
        if len(v) > _LONG_STR and not st.whole:
            head, tail = (_STR_HEAD, _STR_TAIL)
            if ERROR_RE.search(v[:20000]) or (st.tr is not None and st.tr.search(v[:20000])):
                head, tail = head * 3, tail * 3
            if len(v) > head + tail + 200:
                cut = len(v) - head - tail
                return v[:head] + st.marker(f"{cut} chars") + v[-tail:]
        return v
    if isinstance(v, dict):
        if len(v) > _MAP_MIN and sum(1 for x in v.values() if isinstance(x, dict)) >= 0.8 * len(v):
            return _shrink_map(v, st, depth)
        return _shrink_fields(v, st, depth)
    if not isinstance(v, list):
        return v
    n = len(v)
    if n <= _SMALL:
        table = _table(v)
        return table if table is not None else [x if _as_is(x) else _shrink(x, st, depth + 1) for x in v]
    if st.whole and _scalars_within(v, _WHOLE_LIST_CHARS):
        return v  # a list inside a record the request points to (its `requires`, its `tags`) is that record's
    records = all(isinstance(x, dict) for x in v)
    keep, whole, lines_after, summarized = _select(v, st, records)
    if all(keep):
        table = _table(v) if records else None
        if table is not None:
            return table
        return [_shrink_item(x, st, depth, i in whole) for i, x in enumerate(v)]
    out: list[Any] = []
    unit = "records" if records else "items"
    i = 0
    while i < n:
        if keep[i]:
            out.append(_shrink_item(v[i], st, depth, i in whole))
            if i in lines_after:
                out.append(_group_line(v, lines_after[i], st))
            i += 1
            continue
        j = i
        while j < n and not keep[j]:
            j += 1
        cnt = j - i - sum(1 for k in range(i, j) if k in summarized) if summarized else j - i
        if cnt:
            what = f"{cnt} {unit}" if st.cuts else f"{cnt} of {n} {unit}"
            out.append(st.marker(what))
        i = j
    return out


# A record the request points to is kept whole, its lists of values too, up to this many characters of them (a
# package's 37 requirements: ~1,500); a longer list in it is cut as any other
_WHOLE_LIST_CHARS = 6000


def _scalars_within(v: list[Any], limit: int) -> bool:
    """Whether `v` holds only numbers, booleans, nulls and strings, of at most `limit` characters in all."""
    size = 0
    for x in v:
        t = type(x)
        if t is str:
            size += len(x)
        elif t not in _SCALARS:
            return False
        else:
            size += 8
        if size > limit:
            return False
    return True


def _select(v: list[Any], st: _State, records: bool
            ) -> tuple[list[bool], set[int], dict[int, list[int]], set[int]]:
    """Which items of a long list stay (`keep`), which of them whole (the request points to them), the group
    lines after a kept record (`lines_after`: its first member -> every member) and the records those lines
    stand for (`summarized`)."""
    n = len(v)
    scalars = not records and all(not isinstance(x, (dict, list)) for x in v)
    head, tail = (_HEAD, _TAIL) if not scalars else (_SCALAR_HEAD, _SCALAR_TAIL)
    if st.ratio >= 0.6:
        head, tail = head * 3, tail * 3
    flats = _flats(v) if records or scalars else None
    low = _lowered(flats) if flats is not None else None
    picked = _relevant(st, v, flats, low) if flats is not None else None
    if picked is not None and st.ratio < 0.6:
        # The ranking has signal: the items the request points to replace the head/tail sample (a generous
        # ratio keeps both).
        keep = [False] * n
    else:
        keep = [i < head or i >= n - tail for i in range(n)]
    for i in picked or ():
        keep[i] = True
    whole = set(picked or ())
    if records:
        for i in _named(v, st):  # a record the request names by its name or id: kept whole, ranking or not
            keep[i] = True
            whole.add(i)
    must_all = _must(v, st, flats, picked, low)
    must = [i for i in must_all if not keep[i]]
    # Records in bulk: error records that repeat every error value of another become one line after the
    # first of them (its values verbatim, every member's id, the fields in which they differ).
    lines_after: dict[int, list[int]] = {}
    summarized: set[int] = set()
    if records and len(must) >= _GROUP_MIN - 1:
        for first, members in _groups(v, must_all).items():
            extra = [i for i in members[1:] if not keep[i]]
            # one line only where it costs under half the records it stands for: a few small records say
            # more whole than a line naming them would save
            if len(extra) >= _GROUP_MIN - 1 and (2 * len(_group_line(v, [first] + extra, None))
                                                  < sum(len(dumps(v[i])) for i in extra)):
                lines_after[first] = [first] + extra
                summarized.update(extra)
        if summarized:
            must = [i for i in must if i not in summarized]
    if records:
        must_set = set(must)
        must += sorted(i for i in outliers(v) if not keep[i] and i not in must_set and i not in summarized)
        must.sort()
    if len(must) > _MUST_CAP:
        must = must[: _MUST_CAP - 10] + must[-10:]
    for i in must:
        keep[i] = True
    for first in lines_after:
        keep[first] = True
    return keep, whole, lines_after, summarized


# Values `_shrink` returns as they are, told apart without calling it: a kept record is mostly these.
_SCALARS = frozenset((int, float, bool, type(None)))


def _as_is(x: Any) -> bool:
    """Whether `_shrink` gives `x` back unchanged because it is a number, boolean, null or short string."""
    t = type(x)
    return t in _SCALARS or (t is str and len(x) <= _LONG_STR)


def _shrink_fields(v: dict, st: _State, depth: int) -> dict:
    """An object's members shrunk (`_shrink` called only for the values it may change: `_as_is`, inlined)."""
    return {k: x if type(x) in _SCALARS or (type(x) is str and len(x) <= _LONG_STR) else _shrink(x, st, depth + 1)
            for k, x in v.items()}


def _shrink_item(x: Any, st: _State, depth: int, whole: bool) -> Any:
    """An item of an array, shrunk; one the request points to keeps its strings whole."""
    if not whole:
        return _shrink(x, st, depth + 1)
    st.whole += 1
    try:
        return _shrink(x, st, depth + 1)
    finally:
        st.whole -= 1


def _shrink_map(v: dict, st: _State, depth: int) -> dict:
    """A map of records ({id: {...}, ...}): kept like an array of records, dropped entries counted in
    one marker entry at the end (its key is "…")."""
    keys = list(v)
    vals = [v[k] for k in keys]
    n = len(keys)
    head, tail = (_HEAD, _TAIL) if st.ratio < 0.6 else (_HEAD * 3, _TAIL * 3)
    flats = _flats(vals)
    low = _lowered(flats)
    picked = _relevant(st, vals, flats, low)
    if picked is not None and st.ratio < 0.6:  # signal: the entries it picks replace the head/tail sample
        keep = [False] * n
    else:
        keep = [i < head or i >= n - tail for i in range(n)]
    for i in picked or ():
        keep[i] = True
    whole = set(picked or ())
    # an entry whose key the request spells out (`"hypothesis": {…}` for "what does hypothesis require?") is the
    # record it names: kept whole, as `_named` keeps a record by its name field
    words = _request_words(st.ctx.preceding_text) if st.ctx.preceding_text else frozenset()
    if words:
        for i, k in enumerate(keys):
            if isinstance(k, str) and k.lower() in words:
                keep[i] = True
                whole.add(i)
    tr = st.tr
    for i in _must(vals, st, flats, picked, low):
        keep[i] = True
    if tr is not None:
        for i, k in enumerate(keys):
            if not keep[i] and isinstance(k, str) and tr.search(k) and sum(keep) < _MUST_CAP:
                keep[i] = True
    recs = [x for x in vals if isinstance(x, dict)]
    if len(recs) == n:
        for i in outliers(recs):
            keep[i] = True
    dropped = n - sum(keep)
    if not dropped:
        return {k: _shrink_item(x, st, depth, i in whole) for i, (k, x) in enumerate(v.items())}
    out = {k: _shrink_item(vals[i], st, depth, i in whole) for i, k in enumerate(keys) if keep[i]}
    out["…"] = st.marker(f"{dropped} of {n} entries")
    return out


def compress(text: str, ctx: Context, *, key: str | None = None, doc: Any = None) -> Result | None:
    """`doc`: the parsed `text`, when the caller (the router's detection) has it already."""
    if doc is None:
        try:
            doc = loads(text)
        except (ValueError, RecursionError):
            return None
    st = _State(ctx, block_key(text, key))
    new = _shrink(doc, st, 0)
    try:
        out = dumps(new)
    except (TypeError, ValueError, RecursionError):
        return None
    if len(out) >= len(text.strip()):
        return None
    return Result(out, st.cuts > 0, name, "json")


def compress_lines(text: str, ctx: Context, *, key: str | None = None) -> Result | None:
    """JSON lines that are records, not log events (`jq -c '.items[]'`, an NDJSON export): the records chosen as
    in a JSON listing (the ones the request names or points to, errors and outliers, else a head and tail sample;
    repeated errors as one group line), each kept line as it was printed; a line that is no JSON object stays.
    None when fewer than `_SMALL` records parse or nothing would go."""
    lines = Lines(text)
    items = lines.items
    at: list[int] = []  # the line of each record
    recs: list[Any] = []
    for i, line in enumerate(items):
        if line[:1] == "{":
            try:
                rec = loads(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(rec, dict):
                at.append(i)
                recs.append(rec)
    if len(recs) <= _SMALL:
        return None
    st = _State(ctx, block_key(text, key))
    keep_rec, whole_rec, lines_after, summarized = _select(recs, st, True)
    if all(keep_rec):
        return None
    keep = [True] * len(items)
    for j, i in enumerate(at):
        keep[i] = keep_rec[j]
    whole = {at[j] for j in whole_rec}  # the records the request points to: never clipped
    grouped = {at[j] for j in summarized}  # records a group line stands for: not counted again in a gap
    group_after = {at[first]: _group_line(recs, members, None) for first, members in lines_after.items()}
    out: list[str] = []
    dropped = 0
    i = 0
    while i < len(items):
        if keep[i]:
            # a kept sample's very long line is clipped as any kept line is (its middle one retrieval away)
            out.append(items[i] if i in whole or len(items[i]) <= LONG_LINE else clip(items[i])[0])
            if i in group_after:
                out.append(lines.marker_line(group_after[i]))
            i += 1
            continue
        j = i
        while j < len(items) and not keep[j]:
            j += 1
        dropped += j - i
        cnt = sum(1 for k in range(i, j) if k not in grouped)
        if cnt:
            out.append(lines.marker_line(markers.gap(f"{cnt} record{'s' if cnt != 1 else ''}")))
        i = j
    out.append(lines.marker_line(markers.omitted(f"{dropped} of {len(recs)} records", st.key, ctx)))
    return Result(lines.join(out), True, name, "jsonl")
