"""Shell integration: completion scripts and agent aliases (finding an agent's real binary past
headroom's shims is launch logic: `launch/shims.py`)."""
