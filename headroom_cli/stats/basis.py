"""What each savings figure is a share of, worded once so every view (exit summary, `stats`, the dashboard,
the status line, `perf`) says the same.

headroom counts whole requests: everything the agent sends each turn (system prompt, tool definitions, the
history, your messages, tool results). Only tool results are compressed, so the share saved of a whole request
is much smaller than the share saved of the tool results themselves — the corpus figure in the README is the
latter. Mixing the two up makes a real session look like it underperforms.
"""
from __future__ import annotations

ENCODING = "cl100k, counted offline"

# After a percentage: "59.5% of the whole requests".
WHOLE_REQUESTS = "of the whole requests"
SAVED_MEANING = ("Saved = tokens compression removed, as a share of the whole requests the agent sent (system "
                 f"prompt, tools, history, messages and tool results; {ENCODING}), not of the tool results alone")
# `headroom perf`: whole requests too, but corpus requests are almost nothing but tool output.
CORPUS_MEANING = ("saved = share of each whole corpus request; corpus requests are almost all tool output, so "
                  "this is close to the tool-result saving: a real session's requests also carry the system prompt, "
                  "tool definitions and messages, and save far less of the whole (see the README)")

# `headroom stats --json`: the basis of each figure, by field name.
JSON = {
    "tokens_before": f"the whole requests before compression ({ENCODING})",
    "tokens_after": f"the whole requests as compressed, before anything headroom adds ({ENCODING})",
    "tokens_saved": "tokens_before - tokens_after",
    "saved_pct": "tokens_saved as a share of tokens_before (whole requests, not tool results alone)",
    "provider_tokens_saved": ("tokens_saved in the provider's units: scaled by the provider's usage over our count "
                              "of the forwarded request (retrieve tool included), never above tokens_saved; "
                              "0 for failed requests, which are not billed"),
    "usd_saved": "provider_tokens_saved priced per billing category (uncached input, cache write, cache read)",
    "cache_read_share": "cache-read tokens as a share of the input the provider billed",
    "duration_s": "the session's start to its end (now while it runs); see duration_from",
}
