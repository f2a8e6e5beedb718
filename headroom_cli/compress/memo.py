"""Per-block memo: (content hash, context fingerprint, config version) → what the engine decided.

An agent re-sends its whole history every turn; with this memo turn 40 costs only its new blocks (docs/ARCHITECTURE.md §4).
The key hashes the block and its small fixed context — not the whole prefix, which would be O(n²) and miss on
every turn. Bounded LRU by bytes. Entries are pure functions of their key, so sharing one memo across threads,
sessions and configs is safe.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


@dataclass
class MemoEntry:
    text: str | None  # the compressed block, or None: keep the original
    lossy: bool = False
    key: str = ""  # retrieval key of the original when lossy
    compressor: str = ""
    kind: str = ""
    est_before: int = 0  # cheap estimates (the accept decision used these)
    est_after: int = 0
    exact_before: int | None = None  # exact counts, filled lazily off the hot path
    exact_after: int | None = None
    stored: dict = field(default_factory=dict)  # store id → when the original was last put there

    def nbytes(self) -> int:
        return 200 + (len(self.text) if self.text else 0)


class Memo:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_bytes = max_bytes
        self._d: OrderedDict[tuple, MemoEntry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> MemoEntry | None:
        with self._lock:
            e = self._d.get(key)
            if e is None:
                self.misses += 1
                return None
            self._d.move_to_end(key)
            self.hits += 1
            return e

    def put(self, key: tuple, entry: MemoEntry) -> None:
        with self._lock:
            old = self._d.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes()
            self._d[key] = entry
            self._bytes += entry.nbytes()
            while self._bytes > self.max_bytes and len(self._d) > 1:
                _, ev = self._d.popitem(last=False)
                self._bytes -= ev.nbytes()

    def clear(self) -> None:
        with self._lock:
            self._d.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._d)

    @property
    def nbytes(self) -> int:
        return self._bytes


_default = Memo()


def default_memo() -> Memo:
    return _default
