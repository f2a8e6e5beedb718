"""JSON as bytes on the wire: serialisation that is always valid UTF-8, and splicing a changed value into
the text it was parsed from, so that every byte outside the changed spans stays the client's.

Pure (no HTTP, no engine). The proxy forwards a changed request by splicing (the compressed tool results,
an appended tool, a shaped field go into the client's own text; number spellings, escapes, whitespace,
key order and the rest stay as they came) and serialises its own documents (continuations, re-rendered
SSE events) with `dumps`.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

# -- serialising ------------------------------------------------------------------------------------


def dumps_str(obj: Any) -> str:
    """Compact, deterministic JSON text (non-ASCII kept as is). It may hold lone surrogates: encode it
    with `encode` below, never with a bare `.encode()`."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def encode(text: str) -> bytes:
    """UTF-8 bytes of JSON text. A lone surrogate (legal as an escape in JSON, `"\\ud800"`, but not a
    character UTF-8 can hold) comes out as its escape again, `\\ud800`: JSON text holds raw characters
    only inside strings, where the escape means the same thing."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # rare: pay for the error handler only then
        return text.encode("utf-8", "backslashreplace")


def dumps(obj: Any) -> bytes:
    """Compact, deterministic, valid UTF-8 JSON: the same value always gives the same bytes."""
    return encode(dumps_str(obj))


# -- parsing strictly -------------------------------------------------------------------------------


class NotStrict(ValueError):
    """Not RFC 8259 JSON: NaN/Infinity, a value JSON cannot spell, text that is not UTF-8, a duplicate
    key where a change must go. Such a body is forwarded untouched: changing it would mean guessing."""


def _no_constant(name: str) -> Any:
    raise NotStrict(f"{name} is not JSON (RFC 8259)")


class InexactNumber(ValueError):
    """A JSON number a float cannot hold: more digits than a double keeps, or beyond its range."""


def exact_float(text: str) -> float:
    """`parse_float` for `json.loads` where parsed numbers are written out again: the float of `text`, or
    InexactNumber when `json.dumps` would write another number (its repr, read as a decimal, differs from
    `text`: `0.1234567890123456789` as `0.12345678901234568`, `1e400` as `Infinity`). A mantissa of fewer than
    16 characters (at most 15 significant digits) always fits, so only longer ones are compared (exactly, as
    decimals). Not looked for, as `compressors.json_data._long_number` cannot see them either: a short
    mantissa below a double's range (`1e-400` reads as 0.0, a subnormal keeps fewer digits)."""
    f = float(text)
    if f - f == 0.0:  # (nan for inf)
        if len(text) < 16:
            return f
        k = text.find("e")
        if k < 0:
            k = text.find("E")
        mantissa = (len(text) if k < 0 else k) - (text[0] == "-")
        if mantissa < 16 or Decimal(repr(f)) == Decimal(text):
            return f
    raise InexactNumber(f"the number {text[:40]} does not fit a float exactly")


def loads(text: str) -> Any:
    """Parse JSON text, refusing NaN, Infinity and -Infinity (the stdlib accepts them)."""
    return json.loads(text, parse_constant=_no_constant)


def _fragment(obj: Any) -> str:
    """A new value's text. allow_nan=False: a float JSON cannot spell (1e400 parses as inf) is refused,
    never written as `Infinity`."""
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError as e:
        raise NotStrict(str(e)) from None


# -- locating values --------------------------------------------------------------------------------
# Positions are str indices into the decoded text; its UTF-8 encoding gives the bytes, so a character
# outside a changed span comes out as the client's bytes.

_WS = re.compile(r"[ \t\n\r]*")  # RFC 8259 whitespace
_KEY = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)  # keys are short: a regex is fine for them
# The json module's C scanner: one call parses one value and returns where it ends. Values are skipped
# with it, strings too (a regex over a 300 KB string full of escapes is several times slower).
_scan = json.JSONDecoder().scan_once


def _ws(s: str, i: int) -> int:
    return _WS.match(s, i).end()  # type: ignore[union-attr]  # it matches the empty string at worst


def _end(s: str, i: int) -> int:
    """Where the value starting at s[i] ends."""
    try:
        return _scan(s, i)[1]
    except StopIteration:
        raise NotStrict(f"no JSON value at {i}") from None


# Characters a JSON string must escape with two characters at least (`\"`, `\\`, `\n`, ...): each makes the
# value's text one character longer than the value. (Other control characters need six; counted as one here.)
_TWO_CHAR_ESCAPES = b'"\\\n\r\t\b\f'
_SHORTCUT_MIN = 512  # characters: below this, scanning costs less than counting


def _value_end(s: str, i: int, old: Any) -> int:
    """Where the value starting at s[i] ends, `old` being what it parsed to. For a long string this is found
    without decoding it again (the scan's cost on a 300 KB tool result, ~1.5 ms): no spelling of `old` is
    shorter than its minimal one (escapes only where JSON requires them, two characters each), and inside a
    JSON string every quote is escaped (an odd run of backslashes before it). So a quote with an even run
    of backslashes before it, at the minimal spelling's end, is the string's end. Any other spelling
    (\\u escapes, \\/) has no such quote there: scanned as before."""
    if type(old) is str and len(old) >= _SHORTCUT_MIN:
        end = i + 2 + len(old) + _two_char_escapes(old)
        if s[end - 1:end] == '"' and s[i:i + 1] == '"':
            inner = s[i + 1:end - 1]
            if (len(inner) - len(inner.rstrip("\\"))) % 2 == 0:  # the backslashes right before that quote
                return end
    return _end(s, i)


def _two_char_escapes(v: str) -> int:
    """How many characters of `v` JSON escapes with two (`_TWO_CHAR_ESCAPES`; a multi-byte character holds no
    ASCII byte, so its UTF-8 bytes count none). Counted in C, in pieces of 16 K: one copy of a 300 KB tool result
    costs twice the time of its pieces (a large allocation, out of the cache)."""
    n = 0
    for a in range(0, len(v), _PIECE):
        b = v[a:a + _PIECE].encode("utf-8", "surrogatepass")
        n += len(b) - len(b.translate(None, _TWO_CHAR_ESCAPES))
    return n


_PIECE = 16384


def _at(s: str, i: int, chars: str) -> str:
    c = s[i:i + 1]
    if not c or c not in chars:
        raise NotStrict(f"expected one of {chars!r} at {i}")
    return c


def _key(s: str, i: int) -> tuple[str, int]:
    m = _KEY.match(s, i)
    if m is None:
        raise NotStrict(f"expected a key at {i}")
    raw = m.group()
    return (raw[1:-1] if "\\" not in raw else json.loads(raw)), m.end()


def _member_after(s: str, i: int, close: str) -> tuple[int, bool]:
    """After a value ending at i: (start of the next one, True) or (index past the closing bracket, False)."""
    j = _ws(s, i)
    if _at(s, j, "," + close) == ",":
        return _ws(s, j + 1), True
    return j + 1, False


def span(text: str, path: tuple | list) -> tuple[int, int]:
    """(start, end) of the value at `path` (object keys and array indices, e.g. ("messages", 3,
    "content", 0, "content")) in the JSON `text`. KeyError/IndexError when it is not there; with a
    duplicate key, the last one (as json.loads reads it)."""
    i = _ws(text, 0)
    for step in path:
        c = text[i:i + 1]
        found = None
        if c == "{" and isinstance(step, str):
            j = _ws(text, i + 1)
            more = text[j:j + 1] != "}"
            while more:
                k, j = _key(text, j)
                j = _ws(text, j)
                _at(text, j, ":")
                vs = _ws(text, j + 1)
                if k == step:
                    found = vs
                j, more = _member_after(text, _end(text, vs), "}")
            if found is None:
                raise KeyError(step)
        elif c == "[" and isinstance(step, int) and not isinstance(step, bool):
            j = _ws(text, i + 1)
            more, n = text[j:j + 1] != "]", 0
            while more:
                if n == step:
                    found = j
                    break
                j, more = _member_after(text, _end(text, j), "]")
                n += 1
            if found is None:
                raise IndexError(step)
        else:
            raise KeyError(step)
        i = found
    return i, _end(text, i)


# -- splicing ---------------------------------------------------------------------------------------


def splice(text: str, old: Any, new: Any) -> str:
    """The JSON text of `new`, written into `text` (the JSON text `old` was parsed from) so that only
    what changed is rewritten. `new` is `old` with changes made copy-on-write: a value that `is` the
    old one is kept as its original text (and not looked into), containers are compared member by member,
    members appended to an object or inserted into an array go in between the original members, anything
    else is written fresh (compact, valid UTF-8 once encoded). Raises NotStrict when that would mean
    guessing (the text's members do not match `old`'s, a duplicate key on the way to a change) or when a
    new value has no JSON spelling."""
    sp = _Splicer(text)
    i = _ws(text, 0)
    end = sp.diff(old, new, i)
    if text[_ws(text, end):]:
        raise NotStrict(f"text after the document at {end}")
    return sp.render(0, len(text))


def _shares(a: Any, b: Any) -> bool:
    """Whether `b` looks like a copy-on-write change of `a`: they hold one same object."""
    if type(a) is dict and type(b) is dict:
        return any(k in b and b[k] is v for k, v in a.items())
    if type(a) is list and type(b) is list:
        ids = {id(x) for x in a}
        return any(id(y) in ids for y in b)
    return False


def _equal(a: Any, b: Any) -> bool:
    """Same JSON value, spelled the same way when rendered: types (1 is not 1.0 nor True) and key order count."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return len(a) == len(b) and all(ka == kb and _equal(va, vb) for (ka, va), (kb, vb) in zip(a.items(), b.items()))
    if type(a) is list:
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if type(a) is float:
        return repr(a) == repr(b)
    return a == b


def _align(old: list, new: list) -> tuple[list[int], dict[int, list]] | None:
    """How `new` is made of `old`'s elements: (the new index each old element becomes, either itself or
    a changed copy; the new values that go before old index k, k = len(old) for the end), or None when
    old elements were dropped. Elements that are the old ones anchor the alignment; between anchors an
    old element is paired with the first new value that shares an object with it (a copy-on-write
    change), or with the next new value; the others are insertions."""
    if len(new) == len(old):
        return list(range(len(old))), {}
    where: dict[int, list[int]] = {}
    for k, v in enumerate(old):
        where.setdefault(id(v), []).append(k)
    partner: list[int] = []
    inserts: dict[int, list] = {}
    n = q = 0
    while q < len(new):
        if n < len(old) and (new[q] is old[n] or _equal(old[n], new[q])):
            partner.append(q)
            n, q = n + 1, q + 1
            continue
        q2, m = q, len(old)  # the run new[q:q2] lies before the next anchor old[m]
        while q2 < len(new):
            ks = [k for k in where.get(id(new[q2]), ()) if k >= n]
            if not ks:  # an equal copy (not copy-on-write) is the old element too
                k = next((k for k in range(n, len(old)) if _equal(old[k], new[q2])), None)
                ks = [] if k is None else [k]
            if ks:
                m = ks[0]
                break
            q2 += 1
        run = list(range(q, q2))
        r = 0
        for k in range(n, m):
            found = next((x for x in range(r, len(run)) if _shares(old[k], new[run[x]])), None)
            if found is None:
                if r >= len(run):
                    return None
                found = r
            for x in range(r, found):
                inserts.setdefault(k, []).append(new[run[x]])
            partner.append(run[found])
            r = found + 1
        for x in range(r, len(run)):
            inserts.setdefault(m, []).append(new[run[x]])
        n, q = m, q2
    if n != len(old):
        return None
    return partner, inserts


class _Splicer:
    """One pass over the text along the changed paths: each value on the way is scanned once."""

    def __init__(self, text: str):
        self.s = text
        self.edits: list[tuple[int, int, str]] = []  # (start, end, replacement), in text order

    def render(self, start: int, end: int) -> str:
        s, out, pos = self.s, [], start
        for a, b, t in self.edits:
            out.append(s[pos:a])
            out.append(t)
            pos = b
        out.append(s[pos:end])
        return "".join(out)

    def diff(self, old: Any, new: Any, i: int) -> int:
        """Record the edits that turn the value at s[i] (`old`) into `new`; returns where it ends."""
        if new is old:
            return _value_end(self.s, i, old)
        to = type(old)
        if to is dict and type(new) is dict:
            return self._object(old, new, i)
        if to is list and type(new) is list:
            return self._array(old, new, i)
        end = _value_end(self.s, i, old)
        if to is type(new) and to in (str, int, float) and old == new:
            return end  # same value, maybe another spelling: keep the client's
        self.edits.append((i, end, _fragment(new)))
        return end

    def _fresh(self, old: Any, new: Any, i: int) -> tuple[str, int]:
        """(text of `new`, end of the old value at i), spliced on its own (for a container written anew)."""
        saved, self.edits = self.edits, []
        end = self.diff(old, new, i)
        text = self.render(i, end)
        self.edits = saved
        return text, end

    def _object(self, old: dict, new: dict, i: int) -> int:
        s = self.s
        _at(s, i, "{")
        keys = list(old)
        nk = list(new)
        appended = nk[:len(keys)] == keys  # same keys in the same order, maybe more at the end
        spans: dict[str, tuple[int, int]] = {}
        j = _ws(s, i + 1)
        more, n, last = s[j:j + 1] != "}", 0, -1
        if not more:
            j += 1
        while more:
            k, j = _key(s, j)
            if n >= len(keys) or k != keys[n]:  # a duplicate key, or text that is not `old`'s
                raise NotStrict(f"object at {i}: member {k!r} does not match the parsed body (duplicate key?)")
            j = _ws(s, j)
            _at(s, j, ":")
            vs = _ws(s, j + 1)
            if appended:
                ve = self.diff(old[k], new[k], vs)
            else:
                ve = _value_end(s, vs, old[k])
                spans[k] = (vs, ve)
            last = ve
            n += 1
            j, more = _member_after(s, ve, "}")
        if n != len(keys):
            raise NotStrict(f"object at {i}: {n} members in the text, {len(keys)} parsed")
        end = j
        if appended:
            extra = nk[len(keys):]
            if extra:
                text = ",".join(_fragment(k) + ":" + _fragment(new[k]) for k in extra)
                self.edits.append((last, last, "," + text) if last >= 0 else (i + 1, i + 1, text))
            return end
        parts = []
        for k in nk:
            v = new[k]
            if k in spans:
                vs, ve = spans[k]
                vt = s[vs:ve] if v is old[k] else self._fresh(old[k], v, vs)[0]
            else:
                vt = _fragment(v)
            parts.append(_fragment(k) + ":" + vt)
        self.edits.append((i, end, "{" + ",".join(parts) + "}"))
        return end

    def _array(self, old: list, new: list, i: int) -> int:
        s = self.s
        _at(s, i, "[")
        plan = _align(old, new)
        if plan is None:  # old elements dropped: written anew
            return self._array_anew(old, new, i)
        partner, inserts = plan
        j = _ws(s, i + 1)
        more, n, last = s[j:j + 1] != "]", 0, -1
        if not more:
            j += 1
        while more:
            if n >= len(old):
                raise NotStrict(f"array at {i}: more elements in the text than parsed")
            if n in inserts:
                self.edits.append((j, j, "".join(_fragment(v) + "," for v in inserts[n])))
            q = partner[n]
            ve = _value_end(s, j, old[n]) if new[q] is old[n] else self.diff(old[n], new[q], j)
            last = ve
            n += 1
            j, more = _member_after(s, ve, "]")
        if n != len(old):
            raise NotStrict(f"array at {i}: {n} elements in the text, {len(old)} parsed")
        tail = inserts.get(n)
        if tail:
            text = ",".join(_fragment(v) for v in tail)
            self.edits.append((last, last, "," + text) if last >= 0 else (i + 1, i + 1, text))
        return j

    def _array_anew(self, old: list, new: list, i: int) -> int:
        s = self.s
        spans: dict[int, tuple[int, int]] = {}  # id of an old element -> its text span
        j = _ws(s, i + 1)
        more, n = s[j:j + 1] != "]", 0
        if not more:
            j += 1
        while more:
            if n >= len(old):
                raise NotStrict(f"array at {i}: more elements in the text than parsed")
            ve = _value_end(s, j, old[n])
            spans[id(old[n])] = (j, ve)
            n += 1
            j, more = _member_after(s, ve, "]")
        if n != len(old):
            raise NotStrict(f"array at {i}: {n} elements in the text, {len(old)} parsed")
        kept = {id(v) for v in old}
        parts = []
        for v in new:
            if id(v) in kept:
                a, b = spans[id(v)]
                parts.append(s[a:b])
            else:
                parts.append(_fragment(v))
        self.edits.append((i, j, "[" + ",".join(parts) + "]"))
        return j
