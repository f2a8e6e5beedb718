"""`headroom learn`: read past agent sessions, find mistakes that were later corrected, write rules.

readers.py  Claude Code transcripts and Codex rollouts → Session (tool calls with outcome, user messages)
sources.py  which agents' sessions, where: the profiles' [transcripts] sections joined with the readers
mining.py   failure→fix pairs and user corrections → Occurrence (normalised key, rule text, evidence)
commands.py what a call touched and how it ran: command shapes, its directory, its paths, a missing program
alternatives.py  failures worked around with another call: a missing tool, a path found elsewhere; path rules
rules.py    the shared rules store (JSON in the user data dir), dedupe and ranking
writer.py   the managed section in CLAUDE.md / AGENTS.md, unified diffs
run.py      one run: select sessions, mine, merge, plan file changes
phrasing.py optional --llm rewording through the user's own provider
"""
