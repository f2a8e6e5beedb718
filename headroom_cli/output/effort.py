"""Effort routing: spend less reasoning on mechanical continuations. Off unless asked.

A turn is *mechanical* when everything the client added since the model last spoke is tool results and
none of them failed: the model is just carrying on with a plan it already made. Errors and new human text
keep the effort the client chose. We only ever *lower* a setting the client already sent — never add one,
never switch thinking on or off (`thinking.type` is never touched).

Caution — prompt caching. Anthropic's prompt-caching documentation states that changes to thinking
parameters (enabling/disabling, or the budget) invalidate the cached prompt prefix for messages (system
prompt and tools stay cached), and users report that changing `output_config.effort` between turns misses
the cache of requests made at the other effort, system prompt included. OpenAI's cache is keyed on the
prompt prefix, but a different reasoning setting is not guaranteed to share it. So switching per turn can
cost more in cache writes (1.25× input price on Anthropic) on a long history than it saves in output
tokens. That is why this is off by default: measure it against the holdout (output AND cache-write tokens
per turn, see `measure.output_estimate`) before anyone enables it.
"""
from __future__ import annotations

import re
from typing import Any, Callable, NamedTuple

from .. import wires

# Thinking budgets below this are rejected by Anthropic.
MIN_THINKING_BUDGET = 1024

# One step down; never below "low". "xhigh" is not accepted by every model, so the step from "max"
# lands on "high", which every effort-capable model accepts.
_ANTHROPIC_DOWN = {"max": "high", "xhigh": "high", "high": "medium", "medium": "low"}
_OPENAI_DOWN = {"xhigh": "high", "high": "medium", "medium": "low"}

# Failure signs in a tool result's text, for protocols and tools that do not flag errors.
# A false positive only keeps full effort, so these lean towards "error".
_EXIT_RE = re.compile(r"(?:Process exited with code|[Ee]xit code|exit status|exited with)\s*:?\s*(-?\d+)")
_ERROR_HEAD_RE = re.compile(r"^\s*(?:(?:error|fatal|exception)\s*[:!]|traceback\b)", re.IGNORECASE)
_ERROR_ANYWHERE = ("Traceback (most recent call last)", "command not found", "No such file or directory",
                   "Permission denied")
_SCAN = 4000  # only the head of a result is scanned: headers and first lines carry the status


def looks_like_error(text: str) -> bool:
    """True when a tool result's text reads as a failure (non-zero exit, traceback, error header)."""
    if not isinstance(text, str):
        return False
    head = text[:_SCAN]
    for m in _EXIT_RE.finditer(head):
        if int(m.group(1)) != 0:
            return True
    if _ERROR_HEAD_RE.match(head):
        return True
    return any(s in head for s in _ERROR_ANYWHERE)


def _text_of(content: Any) -> str:
    """Text of a tool result's content: a string or a list of text parts (others ignored)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content
                         if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def _is_reminder(block: Any) -> bool:
    """Claude Code's `<system-reminder>` boilerplate is not new human text."""
    return (isinstance(block, dict) and block.get("type") == "text"
            and isinstance(block.get("text"), str) and block["text"].lstrip().startswith("<system-reminder>"))


def turn_kind(body: dict, protocol: str) -> str:
    """Classify the latest turn: "mechanical" (only clean tool results), "error" (a tool result failed),
    or "question" (new user text, the first turn, passthrough, or anything we cannot read — full effort).
    A protocol that is neither a wire nor passthrough raises `wires.UnknownWire`."""
    rules = EFFORT[protocol]
    if not isinstance(body, dict):
        return "question"
    return rules.turn_kind(body)


def _anthropic_kind(messages: Any) -> str:
    if not isinstance(messages, list):
        return "question"
    results = 0
    for m in reversed(messages):
        if not isinstance(m, dict):
            return "question"
        role = m.get("role")
        if role == "assistant":
            break
        if role != "user":  # e.g. Claude Code's in-messages system note: not a plain continuation
            return "question"
        content = m.get("content")
        if not isinstance(content, list):  # a string user message is human text
            return "question"
        for b in content:
            if isinstance(b, dict) and b.get("type") == "tool_result":
                if b.get("is_error") or looks_like_error(_text_of(b.get("content"))):
                    return "error"
                results += 1
            elif not _is_reminder(b):
                return "question"
    else:  # no assistant message at all: the first turn
        return "question"
    return "mechanical" if results else "question"


def _chat_kind(messages: Any) -> str:
    if not isinstance(messages, list):
        return "question"
    results = 0
    for m in reversed(messages):
        if not isinstance(m, dict):
            return "question"
        role = m.get("role")
        if role == "assistant":
            break
        if role not in ("tool", "function"):
            return "question"
        if looks_like_error(_text_of(m.get("content"))):
            return "error"
        results += 1
    else:
        return "question"
    return "mechanical" if results else "question"


def _responses_kind(items: Any) -> str:
    if not isinstance(items, list):  # a plain string input is human text
        return "question"
    results = 0
    for it in reversed(items):
        if not isinstance(it, dict):
            return "question"
        kind = it.get("type")
        if isinstance(kind, str) and kind.endswith("_call_output"):
            out = it.get("output")
            if it.get("status") == "incomplete" or looks_like_error(_text_of(out)):
                return "error"
            results += 1
            continue
        break  # the model's call (or anything else) ends the latest turn
    return "mechanical" if results else "question"


def route_effort(body: dict, protocol: str, *, enabled: bool = False) -> dict | None:
    """A new body with lowered reasoning effort for a mechanical turn, or None (no change).

    Lowers only what the client set: Anthropic `thinking.budget_tokens` (halved, kept ≥ 1024, `type`
    kept) and `output_config.effort`; OpenAI Chat `reasoning_effort`; Responses `reasoning.effort`
    (one step down, never below "low"). Off unless `enabled`.
    """
    rules = EFFORT[protocol]
    if not enabled or not isinstance(body, dict) or rules.turn_kind(body) != "mechanical":
        return None
    return rules.lower(body)


def _lower_chat(body: dict) -> dict | None:
    new = _OPENAI_DOWN.get(body.get("reasoning_effort"))  # type: ignore[arg-type]
    if new is None:
        return None
    out = dict(body)
    out["reasoning_effort"] = new
    return out


def _lower_responses(body: dict) -> dict | None:
    reasoning = body.get("reasoning")
    if not isinstance(reasoning, dict):
        return None
    new = _OPENAI_DOWN.get(reasoning.get("effort"))  # type: ignore[arg-type]
    if new is None:
        return None
    out = dict(body)
    out["reasoning"] = {**reasoning, "effort": new}
    return out


def _lower_anthropic(body: dict) -> dict | None:
    out = dict(body)
    changed = False
    thinking = body.get("thinking")
    if isinstance(thinking, dict):
        budget = thinking.get("budget_tokens")
        if isinstance(budget, int) and not isinstance(budget, bool) and budget > MIN_THINKING_BUDGET:
            out["thinking"] = {**thinking, "budget_tokens": max(MIN_THINKING_BUDGET, budget // 2)}
            changed = True
    oc = body.get("output_config")
    if isinstance(oc, dict):
        new = _ANTHROPIC_DOWN.get(oc.get("effort"))  # type: ignore[arg-type]
        if new is not None:
            out["output_config"] = {**oc, "effort": new}
            changed = True
    return out if changed else None


def _gemini_kind(contents: Any) -> str:
    if not isinstance(contents, list):
        return "question"
    results = 0
    for c in reversed(contents):
        if not isinstance(c, dict) or not isinstance(c.get("parts"), list):
            return "question"
        if c.get("role") == "model":
            break
        for p in c["parts"]:
            fr = p.get("functionResponse") if isinstance(p, dict) else None
            if not isinstance(fr, dict):
                return "question"
            resp = fr.get("response")
            if not isinstance(resp, dict):
                return "question"
            out = resp.get("output")
            if "error" in resp or looks_like_error(out if isinstance(out, str) else ""):
                return "error"
            results += 1
    else:
        return "question"
    return "mechanical" if results else "question"


def _lower_gemini(body: dict) -> dict | None:
    gc = body.get("generationConfig")
    tc = gc.get("thinkingConfig") if isinstance(gc, dict) else None
    budget = tc.get("thinkingBudget") if isinstance(tc, dict) else None
    # -1 is "dynamic" and 0 "off": only a fixed budget is lowered, like Anthropic's.
    if not (isinstance(budget, int) and not isinstance(budget, bool) and budget > MIN_THINKING_BUDGET):
        return None
    out = dict(body)
    out["generationConfig"] = {**gc, "thinkingConfig": {**tc, "thinkingBudget": max(MIN_THINKING_BUDGET, budget // 2)}}
    return out


class EffortRules(NamedTuple):
    turn_kind: Callable[[dict], str]  # body (a dict) → "mechanical" | "error" | "question"
    lower: Callable[[dict], dict | None]  # a mechanical turn's body → a new body with less effort, or None


# Passthrough is deliberately a "question" (full effort) that is never lowered.
EFFORT: wires.WireMap[EffortRules] = wires.WireMap("effort routing", {
    wires.ANTHROPIC: EffortRules(lambda body: _anthropic_kind(body.get("messages")), _lower_anthropic),
    wires.OPENAI_CHAT: EffortRules(lambda body: _chat_kind(body.get("messages")), _lower_chat),
    wires.OPENAI_RESPONSES: EffortRules(lambda body: _responses_kind(body.get("input")), _lower_responses),
    wires.GEMINI: EffortRules(lambda body: _gemini_kind(body.get("contents")), _lower_gemini),
}, passthrough=EffortRules(lambda body: "question", lambda body: None))
