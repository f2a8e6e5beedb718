"""Prices per model and honest money figures.

The built-in table (`prices.toml`, dated, sources named) can be overridden per model by a user file
`config.paths().config_dir / "prices.toml"` of the same shape.

What a saved token is worth: compression removes tokens from the request, and each of those would
have been billed in the same category mix as the request's input actually was — uncached input,
cache write, or cache read (docs/ARCHITECTURE.md §7: a token that would have been a cache read is worth only the
cache-read price). `split_saved` turns our before/after counts (offline tokenizer, whole request)
into provider tokens per billing category; `value` prices such a split. Kept apart so the ledger
stores price-independent token figures and prices are applied when reading.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .records import Usage

HEADLINE_LABEL = "Estimated input cost avoided"
HEADLINE_MEANING = ("tokens removed by compression × the price each would have been billed at "
                    "(uncached input, cache write or cache read, in the request's own mix; never more tokens than "
                    "were removed, nothing for failed requests)")


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    model: str  # the table entry used
    input: float
    output: float
    cache_read: float
    cache_write: float
    approx: bool = False  # priced by family fallback, not by an exact entry

    def cost(self, u: Usage) -> float:
        """What a request with this usage cost, in USD."""
        return (u.input_tokens * self.input + u.cache_read_tokens * self.cache_read
                + u.cache_write_tokens * self.cache_write + u.output_tokens * self.output) / 1e6


@dataclass(frozen=True)
class SavedSplit:
    """Estimated provider tokens removed from a request, by the category they would have been
    billed in."""

    input: float = 0.0
    cache_read: float = 0.0
    cache_write: float = 0.0

    @property
    def total(self) -> float:
        return self.input + self.cache_read + self.cache_write


def split_saved(tokens_before: int, tokens_after: int, usage: Usage, sent: int = 0) -> SavedSplit:
    """Tokens saved in provider units, split like the request's billed input.

    Our counts use an offline tokenizer; the provider's `usage` is the truth for what the forwarded request
    cost. Its ratio to our count of that same forwarded body (`sent`: the compressed request plus whatever
    headroom added — the retrieve tool, an output note) converts our saving to its units. Leaving the added
    tokens out of the basis made a request whose tool result shrank to almost nothing look like it saved
    several times its own size. The conversion may shrink the saving but never grow it: our count is what we
    measured removing, and a provider that counts more (another tokenizer, the JSON structure we do not count)
    counts more in what stayed, not provably in what went. So a saving never exceeds the tokens removed.
    Without usage (errors, unknown shapes) our own count is used as uncached input; `sent` 0 (older records)
    falls back to `tokens_after`. Negative when headroom added tokens (e.g. an injected tool).
    """
    ours = tokens_before - tokens_after
    if not ours:
        return SavedSplit()
    billed = usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens
    basis = sent if sent > 0 else tokens_after
    if billed <= 0 or basis <= 0:
        return SavedSplit(input=float(ours))
    scale = billed / basis  # provider tokens per token of ours, over the forwarded body
    if ours > 0:
        scale = min(1.0, scale)
    per = ours * scale / billed  # saved provider tokens per billed provider token
    return SavedSplit(input=usage.input_tokens * per, cache_read=usage.cache_read_tokens * per,
                      cache_write=usage.cache_write_tokens * per)


def value(split: SavedSplit, price: Price | None) -> float:
    """USD worth of a saved split at a price (0 when the model has no price)."""
    if price is None:
        return 0.0
    return (split.input * price.input + split.cache_read * price.cache_read
            + split.cache_write * price.cache_write) / 1e6


# -- the table ------------------------------------------------------------------------------------
_PREFIX_RE = re.compile(r"^(?:.*/)?(?:(?:us|eu|apac|global)\.)?(?:anthropic\.|openai\.)?")
_SUFFIX_RES = [
    re.compile(r"\[[^\]]*\]$"),  # claude-opus-4-6[1m]
    re.compile(r"-v\d+(?::\d+)?$"),  # Bedrock -v1:0
    re.compile(r"@\d{8}$"),  # Vertex @20250929
    re.compile(r"-\d{8}$"),  # Anthropic dated ids
    re.compile(r"-\d{4}-\d{2}-\d{2}$"),  # OpenAI dated ids
    re.compile(r"-latest$"),
]


def normalize(model: str) -> str:
    """`anthropic/claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`."""
    m = (model or "").strip().lower()
    m = _PREFIX_RE.sub("", m, count=1)
    changed = True
    while changed:
        changed = False
        for r in _SUFFIX_RES:
            n = r.sub("", m)
            if n != m:
                m, changed = n, True
    return m


def _load_toml(path: Path) -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    with open(path, "rb") as f:
        return tomllib.load(f)


def builtin_path() -> Path:
    return Path(__file__).with_name("prices.toml")


def user_path() -> Path:
    from .. import config

    return config.paths().config_dir / "prices.toml"


class PriceTable:
    def __init__(self, models: dict[str, dict], fallbacks: dict[str, str], *, as_of: str = "",
                 source: str = "", user_file: str = "", user_as_of: str = ""):
        self.models = {k.lower(): v for k, v in models.items()}
        self.fallbacks = sorted(((k.lower(), v.lower()) for k, v in fallbacks.items()),
                                key=lambda kv: -len(kv[0]))
        self.as_of, self.source = as_of, source
        self.user_file, self.user_as_of = user_file, user_as_of

    def _price(self, key: str, approx: bool) -> Price | None:
        e = self.models.get(key)
        if not isinstance(e, dict):
            return None
        try:
            inp = float(e["input"])
            return Price(key, inp, float(e.get("output", 0.0)), float(e.get("cache_read", inp)),
                         float(e.get("cache_write", inp)), approx)
        except (KeyError, TypeError, ValueError):
            return None

    def lookup(self, model: str) -> Price | None:
        key = normalize(model)
        if not key:
            return None
        p = self._price(key, False)
        if p is not None:
            return p
        for prefix, target in self.fallbacks:
            if key.startswith(prefix):
                return self._price(target, True)
        return None

    def describe(self) -> dict:
        return {"as_of": self.as_of, "source": self.source, "user_file": self.user_file,
                "user_as_of": self.user_as_of}


def load(user_file: Path | None = None) -> PriceTable:
    """The built-in table with the user's file (if any) merged over it per model."""
    base = _load_toml(builtin_path())
    models = dict(base.get("models", {}))
    fallbacks = dict(base.get("fallbacks", {}))
    uf = user_path() if user_file is None else user_file
    user_as_of = ""
    used = ""
    if uf.is_file():
        try:
            extra = _load_toml(uf)
        except Exception as e:
            from ..errors import UsageError

            raise UsageError(f"{uf}: invalid price file: {e}",
                             hint="same shape as the built-in table: [models.\"<id>\"] input/output/"
                                  "cache_read/cache_write in USD per million tokens") from None
        models.update({k.lower(): v for k, v in extra.get("models", {}).items()})
        fallbacks.update(extra.get("fallbacks", {}))
        user_as_of = str(extra.get("as_of", ""))
        used = str(uf)
    return PriceTable(models, fallbacks, as_of=str(base.get("as_of", "")),
                      source=str(base.get("source", "")), user_file=used, user_as_of=user_as_of)


@lru_cache(maxsize=1)
def _cached(user_file: str, mtime: float) -> PriceTable:
    return load(Path(user_file))


def table() -> PriceTable:
    """The current table, re-read when the user file changes."""
    uf = user_path()
    try:
        mtime = uf.stat().st_mtime
    except OSError:
        mtime = 0.0
    return _cached(str(uf), mtime)


def lookup(model: str) -> Price | None:
    return table().lookup(model)
