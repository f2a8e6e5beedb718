"""The wire protocols headroom speaks, named once.

A *wire* is the request/response format of one provider API: what the engine walks, what the
retrieval splicer parses, where usage is read, where the terseness note goes. Every feature that
differs per wire keeps one `WireMap` from wire name to its per-wire function, and
`tests/test_wires.py` asserts that every map covers every wire in `WIRES`: adding a wire here makes
that test fail naming each map still missing it. A name that is not a wire raises `UnknownWire`
from every map.

`PASSTHROUGH` is not a wire: it names the catch-all route (any other path, forwarded untouched).
A map may declare what passthrough gets (`passthrough=`), for features whose deliberate answer for
"no wire" is "leave it alone"; a map without one raises `UnknownWire` for it like for any other name.

Imports nothing of headroom: everyone imports this.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Callable, Generic, Iterator, TypeVar

# -- the wires -----------------------------------------------------------------------------------
ANTHROPIC = "anthropic"  # Anthropic Messages: POST /v1/messages
OPENAI_CHAT = "openai_chat"  # OpenAI Chat Completions: POST /v1/chat/completions
OPENAI_RESPONSES = "openai_responses"  # OpenAI Responses: POST /v1/responses
GEMINI = "gemini"  # Gemini API: POST /v1beta/models/{model}:generateContent | :streamGenerateContent

WIRES: tuple[str, ...] = (ANTHROPIC, OPENAI_CHAT, OPENAI_RESPONSES, GEMINI)

PASSTHROUGH = "passthrough"  # the catch-all route's protocol: not a wire, never rewritten

# -- the providers (upstreams): error bodies and URL joining differ per provider, not per wire ---
ANTHROPIC_PROVIDER = "anthropic"
OPENAI_PROVIDER = "openai"
GOOGLE_PROVIDER = "google"  # the Gemini API (generativelanguage.googleapis.com)

PROVIDERS: tuple[str, ...] = (ANTHROPIC_PROVIDER, OPENAI_PROVIDER, GOOGLE_PROVIDER)


class UnknownWire(KeyError, ValueError):
    """A protocol name that is not one of `WIRES` (or that a map has no entry for).

    A KeyError so a `WireMap` behaves as a mapping (`in`, `.get`); a ValueError because it is a bad
    argument, which is what callers of the retrieve tool and the walkers caught before."""

    kind = "wire protocol"

    def __init__(self, name: object, feature: str = ""):
        self.name = name
        self.feature = feature
        super().__init__(name)

    def known(self) -> tuple[str, ...]:
        return WIRES

    def __str__(self) -> str:  # KeyError would print only the repr of the name
        where = f" for {self.feature}" if self.feature else ""
        return f"unknown {self.kind} {self.name!r}{where} (known: {', '.join(self.known())})"


class UnknownProvider(UnknownWire):
    """A provider name that is not one of `PROVIDERS`."""

    kind = "provider"

    def known(self) -> tuple[str, ...]:
        return PROVIDERS


V = TypeVar("V")
_NONE = object()  # "no passthrough fallback declared" (None is a valid fallback value)


class WireMap(Mapping[str, V], Generic[V]):
    """One feature's per-wire values (usually functions), keyed by wire name.

    Lookup of a name without an entry raises `UnknownWire` naming the feature, except `PASSTHROUGH`
    when the map declares a `passthrough` fallback. `in` and iteration see real entries only, so
    `protocol in MAP` still means "this feature knows this wire". Registering a name that is not in
    `WIRES` raises at import time (a typo fails loudly, not on the first request).
    """

    unknown: type[UnknownWire] = UnknownWire

    def __init__(self, feature: str, entries: Mapping[str, V] | None = None, *, passthrough: object = _NONE):
        self.feature = feature
        self._entries: dict[str, V] = {}
        self._passthrough = passthrough
        for name, value in (entries or {}).items():
            self.add(name, value)

    def names(self) -> tuple[str, ...]:
        """The names this map must cover (read at call time, so a wire added to `WIRES` shows)."""
        return WIRES

    def add(self, name: str, value: V) -> None:
        if name not in self.names():
            raise self.unknown(name, self.feature)
        self._entries[name] = value

    def register(self, name: str) -> Callable[[V], V]:
        """Decorator form of `add`: `@MAP.register(wires.ANTHROPIC)`."""
        def deco(value: V) -> V:
            self.add(name, value)
            return value
        return deco

    def missing(self) -> tuple[str, ...]:
        """Names this map has no entry for (empty when it covers every wire)."""
        return tuple(n for n in self.names() if n not in self._entries)

    @property
    def has_passthrough(self) -> bool:
        return self._passthrough is not _NONE

    def __getitem__(self, name: str) -> V:
        try:
            return self._entries[name]
        except (KeyError, TypeError):  # TypeError: an unhashable name is unknown too
            if name == PASSTHROUGH and self._passthrough is not _NONE:
                return self._passthrough  # type: ignore[return-value]
            raise self.unknown(name, self.feature) from None

    def __contains__(self, name: object) -> bool:
        try:
            return name in self._entries
        except TypeError:
            return False

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.feature!r}, {sorted(self._entries)})"


class ProviderMap(WireMap[V]):
    """Like `WireMap`, keyed by provider (`PROVIDERS`); unknown names raise `UnknownProvider`."""

    unknown = UnknownProvider

    def names(self) -> tuple[str, ...]:
        return PROVIDERS


# Which provider each wire belongs to (its upstream, its error shape).
PROVIDER_OF: WireMap[str] = WireMap("providers", {
    ANTHROPIC: ANTHROPIC_PROVIDER,
    OPENAI_CHAT: OPENAI_PROVIDER,
    OPENAI_RESPONSES: OPENAI_PROVIDER,
    GEMINI: GOOGLE_PROVIDER,
})


# Where each wire keeps the conversation: the list the walkers read and the holdout hashes.
MESSAGE_LISTS: WireMap[str] = WireMap("message lists", {
    ANTHROPIC: "messages",
    OPENAI_CHAT: "messages",
    OPENAI_RESPONSES: "input",
    GEMINI: "contents",
})


def check(name: str) -> str:
    """`name` if it is a wire, else `UnknownWire`."""
    if name not in WIRES:
        raise UnknownWire(name)
    return name
