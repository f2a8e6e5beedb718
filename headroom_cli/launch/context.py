"""What a builder works from and what it fills: `BuildContext` (profile, user args, proxy URL,
features, the user's environment) and `Draft` (the additions `plan.py` merges with its one rule).

Its own module so that `builders.py` (which fills drafts) and `plan.py` (which runs the builders and
merges) both depend on it and not on each other.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .profiles import Profile

if TYPE_CHECKING:
    from .journal import Journal


@dataclass(frozen=True)
class Features:
    mcp_url: str | None = None  # register an MCP server named `headroom` at this URL
    statusline_command: str | None = None  # Claude statusLine command (unless the user has one)
    reduce_output: bool = False
    # Compression is on for this run: builders may raise the agent's own output limits (with a cap), since
    # what the agent then sends is compressed before the model sees it (issue 14 item 3).
    compressing: bool = False


@dataclass(frozen=True)
class GatewayAccess:
    """`wrap --gateway`: the agent talks to a team gateway straight, no local proxy (launch/gateway.py)."""

    url: str  # the gateway as given, without the token
    token: str  # the user's gateway token (environment only, never argv, where the profile allows)
    way: str  # "prefix" (the token in the base URL's path) or "header" (X-Headroom-Token)

    @property
    def header(self) -> bool:
        return self.way == "header"


@dataclass
class Draft:
    """What a builder fills; `plan.py` merges it with its one rule."""

    user_args: list[str]
    pre_args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    unset: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    temp_files: list[Path] = field(default_factory=list)
    derived_files: dict[str, str] = field(default_factory=dict)
    # What would stop the run (a missing key or model): raised by `wrap`, shown as warnings by `wrap --dry-run`.
    refusals: list = field(default_factory=list)


@dataclass
class BuildContext:
    profile: Profile
    exe: str
    user_args: list[str]
    proxy_url: str  # http://127.0.0.1:PORT (no /v1)
    features: Features
    env: dict[str, str]  # the user's environment
    cwd: Path
    session_id: str = ""
    journal: Journal | None = None  # None for --dry-run: nothing is written
    # The proxy's secret: in the agent's environment (config.PROXY_SECRET_ENV), never in its argv.
    proxy_secret: str = ""
    gateway: GatewayAccess | None = None  # `wrap --gateway`: proxy_url is then the gateway's base URL for the agent

    @property
    def openai_base_url(self) -> str:
        return self.proxy_url + "/v1"

    def template_vars(self) -> dict[str, str]:
        port = self.proxy_url.rsplit(":", 1)[-1]
        return {
            "base_url": self.proxy_url, "anthropic_base_url": self.proxy_url,
            "openai_base_url": self.openai_base_url, "port": port, "session_id": self.session_id,
            "mcp_url": self.features.mcp_url or "",
        }


def fill(template: str, values: dict[str, str]) -> str:
    """`{name}` substitution that leaves unknown braces alone (JSON in templates stays intact)."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)
