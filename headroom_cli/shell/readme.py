"""Sections of README.md generated from the code, so they cannot drift: the configuration table
(`config.settings_table_markdown()`), the agent table and what wrap sets in each agent's environment (launcher
profiles) and the shell table.

    python -m headroom_cli.cli.regen readme --write    # rewrite the generated sections in README.md
    python -m headroom_cli.cli.regen readme --check    # exit 1 if they are stale (a test checks this)

A section sits between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`; text outside is
hand-written and left alone.
"""
from __future__ import annotations

import re
from pathlib import Path

REGEN = "python -m headroom_cli.cli.regen readme --write"


def _config() -> str:
    from .. import config

    return config.settings_table_markdown()


def _agents() -> str:
    from ..launch.profiles import all_profiles, builtin_dirs

    builtin = {p.resolve() for d in builtin_dirs() for p in d.glob("*.toml")}
    rows = ["| agent | `headroom wrap …` | protocols to the proxy | per-run MCP retrieve tool | install |",
            "|---|---|---|---|---|"]
    for name, p in all_profiles().items():
        if Path(p.source).resolve() not in builtin:
            continue  # the user's own profiles do not belong in the README
        protos = ", ".join(p.protocols) or "–"
        rows.append(f"| {p.title} | `headroom wrap {name}` | {protos} | {'yes' if p.mcp else 'no'} "
                    f"| `{p.install.split('  ')[0].strip()}` |")
    return "\n".join(rows)


def _agent_env() -> str:
    """Every variable `wrap` sets in an agent's environment, and why (profiles' `env_notes`)."""
    from ..launch.plan import COMMON_ENV_NOTES
    from ..launch.profiles import all_profiles, builtin_dirs

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    builtin = {p.resolve() for d in builtin_dirs() for p in d.glob("*.toml")}
    rows = ["| agent | variable | why |", "|---|---|---|"]
    for name, p in all_profiles().items():
        if Path(p.source).resolve() not in builtin:
            continue
        if not p.env_notes:
            rows.append(f"| {p.title} | – | nothing beyond the variables below (per-run flags only) |")
        for var, why in p.env_notes.items():
            rows.append(f"| {p.title} | `{var}` | {cell(why)} |")
    for var, why in COMMON_ENV_NOTES.items():
        rows.append(f"| every agent | `{var}` | {cell(why)} |")
    return "\n".join(rows)


def _shells() -> str:
    from . import aliases
    from . import completions as comp

    rows = ["| shell | completion script (installed to) | aliases |", "|---|---|---|"]
    env = {"HOME": "~", "PATH": ""}
    for shell in comp.SHELLS:
        path, rc = comp.install_targets(shell, env) if shell != "powershell" else (None, None)
        where = f"`{path}`" + (f" + block in `{rc}`" if rc else "") if path else \
            "next to `$PROFILE` + a dot-source line in it"
        alias = aliases.load_command(shell)
        rows.append(f"| {shell} | {where} | `{alias.replace('|', chr(92) + '|')}` |")  # GFM: escape | in cells
    return "\n".join(rows)


SECTIONS = {"config": _config, "agents": _agents, "agent-env": _agent_env, "shells": _shells}


def render(text: str) -> str:
    """`text` with every generated section replaced by what the code produces now."""
    for name, fn in SECTIONS.items():
        pat = re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", re.S)
        if pat.search(text):
            body = fn().rstrip("\n") + "\n"
            text = pat.sub(lambda m: m.group(1) + body + m.group(2), text)
    return text


def readme_path() -> Path:
    return Path(__file__).resolve().parents[2] / "README.md"
