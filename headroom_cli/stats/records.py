"""The figures the proxy reports per request. The proxy fills them; the ledger stores them."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# How an exchange ended (`RequestRecord.outcome`); "" is the normal end: the client has the whole answer
# (or the proxy's own error answer, told by `status`).
CLIENT_GONE = "client_gone"  # the client went away (or stalled and was cut) before its answer was complete
UPSTREAM_BROKE = "upstream_broke"  # the upstream broke off after the answer began: the client's answer is cut
PROXY_ERROR = "proxy_error"  # a failure inside headroom, answered by the last-resort handler
OUTCOMES = ("", CLIENT_GONE, UPSTREAM_BROKE, PROXY_ERROR)


@dataclass
class Usage:
    """The provider's own `usage`, normalised across protocols."""

    input_tokens: int = 0  # uncached input billed at the full price
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0


@dataclass
class RequestRecord:
    session_id: str
    agent: str  # "claude", "codex", … or "proxy" for the standalone proxy
    protocol: str  # "anthropic" | "openai_chat" | "openai_responses" | "passthrough"
    path: str
    model: str = ""
    status: int = 0
    streamed: bool = False
    tokens_before: int = 0  # our offline count of the request before compression
    tokens_after: int = 0
    # Our count of the body as forwarded: tokens_after plus what headroom added (the retrieve tool, an output
    # note). The provider's usage covers exactly that body, so it is the basis for converting to its units.
    tokens_sent: int = 0
    encoding: str = ""  # tokenizer used for tokens_before/after
    compressors: dict[str, int] = field(default_factory=dict)  # compressor → blocks compressed
    retrievals: int = 0
    usage: Usage = field(default_factory=Usage)
    latency_added_ms: float = 0.0  # time spent by headroom before forwarding
    duration_ms: float = 0.0  # whole request, upstream included
    error: str = ""  # fail-open reason, if compression failed; what went wrong, for other outcomes
    outcome: str = ""  # how the exchange ended: "" (complete) or one of OUTCOMES
    output_arm: str = ""  # "shaped" | "control" | "" (reduce-output holdout)
    conversation_id: str = ""  # stable per conversation (holdout arms, output measurement)
    ts: float = 0.0
    saved_by: dict[str, int] = field(default_factory=dict)  # compressor → tokens it saved (our count)
    user: str = "local"  # whose request (config.LOCAL_USER, or the gateway user its token names)

    def to_dict(self) -> dict:
        return asdict(self)
