"""The holdout: a conversation-stable share of conversations is left unshaped, to measure against.

The arm must not flip mid-conversation (that would both blur the measurement and change the system
prompt's bytes, busting the provider's cache), so it is a pure function of a conversation id derived from
fields that stay fixed for a conversation's whole life — never of time, order or process.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from .. import wires
from ..errors import UsageError

SHAPED = "shaped"
CONTROL = "control"

# Bump to reshuffle every conversation's arm (e.g. for a new experiment).
_SALT = b"headroom-output-holdout-v1\0"
_SESSION_RE = re.compile(r"session_([0-9A-Za-z-]{8,})")


def arm_for(conversation_id: str, share: float) -> str:
    """"control" for about `share` (0–1) of conversation ids, "shaped" for the rest; the same id always
    gets the same arm, in every process."""
    try:
        share = float(share)
    except (TypeError, ValueError):
        raise UsageError(f"output holdout must be a number between 0 and 1, not {share!r}") from None
    if not 0.0 <= share <= 1.0:
        raise UsageError(f"output holdout must be between 0 and 1, not {share}",
                         hint="e.g. --output-holdout 0.1 leaves 10 % of conversations unshaped")
    if share == 0.0:
        return SHAPED
    digest = hashlib.sha256(_SALT + str(conversation_id).encode("utf-8", "surrogatepass")).digest()
    u = int.from_bytes(digest[:8], "big") / 2.0**64  # uniform in [0, 1)
    return CONTROL if u < share else SHAPED


def _strip_cache_control(v: Any) -> Any:
    # Clients move `cache_control` to the newest block each turn: the first user message carries it on
    # turn 1 and not on turn 2, so it must not take part in the id.
    if isinstance(v, dict):
        return {k: _strip_cache_control(x) for k, x in v.items() if k != "cache_control"}
    if isinstance(v, list):
        return [_strip_cache_control(x) for x in v]
    return v


def _hash(v: Any) -> str:
    s = json.dumps(_strip_cache_control(v), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                   default=str)
    return hashlib.sha256(s.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _first_user(seq: Any) -> Any:
    if isinstance(seq, str):  # Responses `input` may be a plain string
        return seq
    if isinstance(seq, list):
        for m in seq:
            if isinstance(m, dict) and m.get("role") == "user":
                return m.get("content", m.get("parts"))  # Gemini's turns hold `parts`
    return None


def _anthropic_session(user_id: str) -> str | None:
    """Claude Code puts its session id in `metadata.user_id`: a JSON object (2.1.x) or
    `user_…_session_<uuid>` (older versions)."""
    try:
        obj = json.loads(user_id)
    except ValueError:
        obj = None
    if isinstance(obj, dict) and isinstance(obj.get("session_id"), str) and obj["session_id"]:
        return obj["session_id"]
    m = _SESSION_RE.search(user_id)
    return m.group(1) if m else None


def conversation_id(body: dict, protocol: str) -> str:
    """A stable id for the conversation a request belongs to.

    - anthropic: the session id inside `metadata.user_id` (Claude Code); else `metadata.user_id` together
      with the first user message's hash (a bare user id names a person, not a conversation); else the
      first user message's hash.
    - openai_responses / openai_chat: `prompt_cache_key` (Codex sets it to its session id); else the hash
      of the first user message.
    `cache_control` markers are ignored in the hash (they move every turn).
    """
    if not isinstance(body, dict):
        return "none"
    if protocol == wires.ANTHROPIC:
        meta = body.get("metadata")
        uid = meta.get("user_id") if isinstance(meta, dict) else None
        if isinstance(uid, str) and uid:
            session = _anthropic_session(uid)
            if session:
                return f"session:{session}"
            return f"user+first:{_hash([uid, _hash(_first_user(body.get('messages')))])}"
        return f"first:{_hash(_first_user(body.get('messages')))}"
    key = body.get("prompt_cache_key")
    if isinstance(key, str) and key:
        return f"cache_key:{key}"
    seq = body.get(wires.MESSAGE_LISTS[protocol])
    return f"first:{_hash(_first_user(seq))}"
