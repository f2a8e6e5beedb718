"""Shell integration: completion scripts, agent aliases, and resolving an agent's real binary past shims.

Stdlib-only at import time: `headroom wrap` imports `resolve` on its start-up path.
"""
