"""`headroom wrap <agent> --gateway URL`: the agent talks to a team gateway straight, with its user's token, and
no local proxy compresses first (the team's store, ledger and isolation must see the traffic as it is).

How the token travels is the agent's profile's `[gateway]` fact: a header where the agent sends custom headers
(the token then stays in its environment, never on a command line), else the base URL's path prefix
`/t/<token>`, which every agent that takes a base URL can carry. The retrieve tool over MCP is the gateway's
`/mcp`, authenticated with the same token as a bearer the agent's MCP registration reads from its environment
(config.PROXY_SECRET_ENV), so no agent has to put the token in the MCP URL on its command line."""
from __future__ import annotations

from urllib.parse import urlsplit

from .. import config
from ..errors import UsageError
from ..gateway import tokens
from .context import BuildContext, GatewayAccess
from .profiles import Profile


def access_for(profile: Profile, url: str | None, token: str | None) -> GatewayAccess:
    """The gateway access for this agent, or a UsageError naming what is missing."""
    url = (url or "").strip().rstrip("/")
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--gateway {url!r} is not an http(s) URL", hint="e.g. --gateway https://gw.example")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise UsageError("--gateway takes the gateway's plain URL (no user:password@, query or fragment)",
                         hint="your token goes in --token or HEADROOM_GATEWAY_TOKEN")
    token = (token or "").strip()
    if not token:
        raise UsageError("wrap --gateway needs your gateway token",
                         hint=f"set {config.GATEWAY_TOKEN_ENV} (or config gateway_token, or --token); your "
                              "gateway's admin issues it with `headroom team add YOU`")
    if any(c.isspace() or c in "/?#" for c in token):
        raise UsageError("the gateway token holds characters a token never has",
                         hint="paste it exactly as `headroom team add` printed it")
    return GatewayAccess(url=url, token=token, way=profile.gateway_token)


def agent_base_url(access: GatewayAccess) -> str:
    """The base URL the agent gets (no /v1): the gateway, with the token in its path unless sent as a header."""
    return access.url if access.header else tokens.prefixed_url(access.url, access.token)


def mcp_url(access: GatewayAccess) -> str:
    return access.url + "/mcp"


def header_env(ctx: BuildContext) -> dict[str, str]:
    """The variable of custom headers the profile names (`[gateway] header_env`), with the token's line added
    to what the user has there already."""
    access, var = ctx.gateway, ctx.profile.gateway_header_env
    if access is None or not access.header or not var:
        return {}
    own = [line for line in ctx.env.get(var, "").splitlines()
           if line.strip() and line.split(":", 1)[0].strip().lower() != tokens.HEADER.lower()]
    return {var: "\n".join([*own, f"{tokens.HEADER}: {access.token}"])}
