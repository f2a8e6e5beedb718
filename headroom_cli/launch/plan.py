"""What `headroom wrap` will run: `LaunchPlan(argv, env, temp_files, banner_notes)`.

Built from (profile, user args, proxy URL, features) by the agent's builder (`builders.py`). The one
merge rule, for every agent and every feature:

    argv = [binary, *profile.args, *draft.pre_args, *draft.user_args]
    env  = user env  +  profile env templates  +  draft.env (set)  −  draft.unset

Builders add to `draft.pre_args` / `draft.env` and may rewrite the user's own arguments in
`draft.user_args` only to merge a value the user gave with ours (Claude `--settings`, a `--config`
path, an api-base flag). Features (`mcp_url`, `statusline_command`, `reduce_output`) are data that
builders honour where the agent supports them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import config
from .builders import builder_for
from .context import BuildContext, Draft, fill
from .gateway import header_env as gateway_header_env
from .shims import child_env
from .upstream import Upstreams


# What wrap sets for every agent (documented in the README's generated table with the profiles' `env_notes`).
COMMON_ENV_NOTES = {
    "HEADROOM_SESSION_ID": "this run's session: `headroom statusline` and the dashboard find it by this",
    "HEADROOM_PROXY_URL": "this run's proxy, for headroom commands the agent runs (status line, nested wrap)",
    "HEADROOM_WRAPPED": "the agents wrapped up the process chain: a shim named like the agent cannot wrap itself again",
    "HEADROOM_PROXY_SECRET": "the proxy's secret for its own routes (`/mcp`), handed over here, never on a command line "
                             "(with `--gateway`: your gateway token, the bearer of the gateway's `/mcp`)",
}


@dataclass
class LaunchPlan:
    argv: list[str]
    env: dict[str, str]  # the child's complete environment
    temp_files: list[Path] = field(default_factory=list)
    banner_notes: list[str] = field(default_factory=list)
    env_changes: dict[str, str | None] = field(default_factory=dict)  # what we set (None = removed)
    upstreams: Upstreams | None = None
    agent: str = ""
    protocols: tuple[str, ...] = ()
    derived_files: dict[str, str] = field(default_factory=dict)  # name → content (dry-run display)
    refusals: list = field(default_factory=list)  # HeadroomErrors that stop a real run (a dry run warns)


def build_plan(ctx: BuildContext, upstreams: Upstreams, *, dry_run: bool = False) -> LaunchPlan:
    """The plan; what would stop the run (`draft.refusals`) is raised, or, for a dry run, kept in `refusals`."""
    builder = builder_for(ctx.profile)
    draft = Draft(user_args=list(ctx.user_args))
    values = ctx.template_vars()
    profile_env = {k: fill(v, values) for k, v in ctx.profile.env.items()}
    draft.env.update(profile_env)
    for k, v in ctx.profile.env_default.items():
        if k not in ctx.env:
            draft.env[k] = fill(v, values)
    # A maintenance subcommand (`claude mcp list`) gets the environment, not the per-run flags.
    plain = bool(ctx.user_args) and ctx.user_args[0] in ctx.profile.plain_subcommands
    if not plain:
        builder.build(ctx, upstreams, draft)
        draft.env.update(gateway_header_env(ctx))  # `wrap --gateway`, where the profile names a headers variable
    # Always visible to the child: the statusline and a nested wrap find their session with these.
    draft.env.setdefault("HEADROOM_SESSION_ID", ctx.session_id)
    draft.env.setdefault("HEADROOM_PROXY_URL", ctx.proxy_url)
    if ctx.proxy_secret:  # set, not defaulted: a nested wrap's agent talks to the inner proxy
        draft.env[config.PROXY_SECRET_ENV] = ctx.proxy_secret
    # recursion guard: the agents wrapped up the process chain
    draft.env.update(child_env(ctx.profile.name, ctx.env))

    if draft.refusals and not dry_run:
        raise draft.refusals[0]
    env = {k: v for k, v in ctx.env.items() if k not in draft.unset}
    changes: dict[str, str | None] = {k: None for k in draft.unset if k in ctx.env}
    for k, v in draft.env.items():
        if ctx.env.get(k) != v:
            changes[k] = v
        env[k] = v
    profile_args = [] if plain else [fill(a, values) for a in ctx.profile.args]
    argv = [ctx.exe, *profile_args, *draft.pre_args, *draft.user_args]
    return LaunchPlan(
        argv=argv, env=env, temp_files=draft.temp_files, banner_notes=[*upstreams.notes, *draft.notes],
        env_changes=changes, upstreams=upstreams, agent=ctx.profile.name, protocols=ctx.profile.protocols,
        derived_files=draft.derived_files, refusals=draft.refusals,
    )


# -- secrets -------------------------------------------------------------------------------------
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|AUTH|COOKIE|CREDENTIAL)", re.I)
_SECRET_VALUE = re.compile(
    r"(sk-[A-Za-z0-9_\-]{6,}|eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+|gh[pousr]_[A-Za-z0-9]{10,}"
    r"|xox[abp]-[A-Za-z0-9\-]{10,}|AIza[0-9A-Za-z_\-]{20,})"
)


def mask_value(value: str) -> str:
    return (value[:4] + "…" if len(value) > 8 else "") + "(masked)"


def mask_text(text: str) -> str:
    """Mask anything that looks like a credential inside free text (argv, JSON, banner lines): URL
    passwords and query secrets by the proxy's one redaction, then key-shaped values."""
    from ..proxy import redact

    text = redact.text(text)
    text = _SECRET_VALUE.sub(lambda m: mask_value(m.group(0)), text)
    # "apiKey": "…" / "api_key": "…" inside JSON, whatever the value looks like
    return re.sub(r'("(?:[\w-]*(?:key|token|secret|password)[\w-]*)"\s*:\s*")([^"]+)(")',
                  lambda m: m.group(1) + mask_value(m.group(2)) + m.group(3), text, flags=re.I)


def mask_env(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    if _SECRET_NAME.search(name) and not name.endswith(("_URL", "_BASE", "_PATH", "_TYPE")):
        return mask_value(value)
    return mask_text(value)
