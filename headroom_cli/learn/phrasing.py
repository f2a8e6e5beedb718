"""Optional `--llm`: ask the user's own provider to phrase the heuristic rules better.

Off by default and never used by tests. Needs ANTHROPIC_API_KEY or OPENAI_API_KEY; sends only the
rule texts and their examples (commands and error lines from the user's own sessions), through the
configured upstream. The reply must be a JSON list of strings, one per rule, or nothing changes.
"""
from __future__ import annotations

import json
import os
import urllib.request

from .. import config
from ..errors import HeadroomError, UsageError
from .rules import Rule, RuleStore

ANTHROPIC_MODEL = "claude-haiku-4-5"
OPENAI_MODEL = "gpt-4o-mini"
MAX_RULE_CHARS = 220

_PROMPT = (
    "These rules were mined from an AI coding agent's failed-then-corrected tool calls in one project. "
    "Rewrite each as one short imperative instruction for the agent's CLAUDE.md/AGENTS.md (at most 25 words, keep "
    "commands, flags and paths exactly, in backticks). Do not merge, drop or add rules. Reply with only a JSON "
    "array of strings, in the same order.\n\n"
)


def _provider() -> tuple[str, str] | None:
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
        if os.environ.get(name):
            return name, os.environ[name]
    return None


def check_available() -> None:
    if _provider() is None:
        raise UsageError("--llm needs an API key of your own provider",
                         hint="set ANTHROPIC_API_KEY or OPENAI_API_KEY, or drop --llm (the offline heuristics "
                              "already wrote the rules)")


def _ask(prompt: str) -> str:
    prov = _provider()
    if prov is None:
        check_available()
    name, key = prov  # type: ignore[misc]
    if name == "ANTHROPIC_API_KEY":
        url = config.get("anthropic_upstream").rstrip("/") + "/v1/messages"
        body = {"model": ANTHROPIC_MODEL, "max_tokens": 2000, "messages": [{"role": "user", "content": prompt}]}
        headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
    else:
        url = config.get("openai_upstream").rstrip("/") + "/chat/completions"
        body = {"model": OPENAI_MODEL, "messages": [{"role": "user", "content": prompt}]}
        headers = {"authorization": f"Bearer {key}"}
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"content-type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            data = json.loads(resp.read())
    except Exception as e:  # network, HTTP status, bad JSON: the heuristic rules stay
        raise HeadroomError(f"--llm: the provider call failed: {type(e).__name__}: {e}",
                            hint="the rules found offline are unchanged; retry without --llm") from None
    if name == "ANTHROPIC_API_KEY":
        return "".join(b.get("text", "") for b in data.get("content", []) if isinstance(b, dict))
    return data["choices"][0]["message"]["content"]


def rephrase(rules: list[Rule], store: RuleStore | None = None) -> int:
    """Rewrite the rules' texts in the store; return how many changed."""
    if not rules:
        return 0
    lines = []
    for i, r in enumerate(rules, 1):
        ex = r.example
        example = ex.get("quote") or f"{ex.get('failed', '')} -> {ex.get('fixed', '')} ({ex.get('error', '')})"
        lines.append(f"{i}. {r.text}\n   evidence: {example}")
    reply = _ask(_PROMPT + "\n".join(lines)).strip()
    start, end = reply.find("["), reply.rfind("]")
    try:
        texts = json.loads(reply[start:end + 1]) if start >= 0 else None
    except ValueError:
        texts = None
    if (not isinstance(texts, list) or len(texts) != len(rules)
            or not all(isinstance(t, str) and 0 < len(t.strip()) <= MAX_RULE_CHARS for t in texts)):
        raise HeadroomError("--llm: the provider's answer was not one short rule per input",
                            hint="the rules found offline are unchanged; retry without --llm")
    store = store or RuleStore()
    return store.set_texts({r.key: " ".join(t.split()) for r, t in zip(rules, texts)})
