"""`headroom team add|list|revoke|stats`: a team gateway's users and their tokens (README "A team gateway").

    headroom team add alice --admin --store postgresql://headroom@db/headroom   # prints alice's token, once
    headroom team list | revoke alice | stats
    headroom team stats --gateway https://gw.example                            # with your token, remotely
"""
from __future__ import annotations

from typing import Optional

import typer

from .options import StoreUrl

HELP = """A team gateway's users: add (prints the new token once), list, revoke, and the figures per user.

Run them where the gateway's store is reachable (the same [bold]--store[/] as `headroom proxy`), or
[bold]team stats --gateway URL[/] from anywhere with your own token (an admin's shows the team)."""


def _backend(store: Optional[str]):
    from ..storage import open_store
    from .options import check_store

    return open_store(check_store(store))


def register(app: typer.Typer) -> None:
    team = typer.Typer(help=HELP, no_args_is_help=True, rich_markup_mode="rich")
    app.add_typer(team, name="team")

    @team.command("add")
    def add(
        user: str = typer.Argument(..., help="The user's name (as the ledger and `team stats` will show it)."),
        admin: bool = typer.Option(False, "--admin", help="May see the team's figures (`team stats` remotely)."),
        store: StoreUrl = None,
    ):
        """Issue a gateway token for USER and print it (only once: the store keeps its hash)."""
        from ..gateway import team as logic
        from . import output

        token = logic.add(_backend(store), user, admin=admin)
        output.echo(token)  # stdout, alone: `TOKEN=$(headroom team add alice)`
        output.echo(f"headroom team ▸ the token of {user} ({'admin' if admin else 'member'}), shown only now: hand it "
                    "over privately; they set HEADROOM_GATEWAY_TOKEN to it and run `headroom wrap <agent> "
                    "--gateway https://<gateway>`", err=True)

    @team.command("list")
    def list_(store: StoreUrl = None,
              as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")):
        """The gateway's users and their tokens' roles and dates (never the tokens)."""
        import json

        from ..gateway import team as logic
        from . import output

        rows = logic.members(_backend(store))
        if as_json:
            output.echo(json.dumps(rows, indent=2, default=str))
            return
        if not rows:
            output.echo("No users yet: `headroom team add USER --admin` issues the first token.")
            return
        from rich.table import Table

        t = Table("user", "role", "issued", "id", box=None, header_style="bold")
        for r in rows:
            t.add_row(str(r.get("user")), str(r.get("role")), logic.when(r.get("created")), str(r.get("id", "")))
        output.show(t)

    @team.command("revoke")
    def revoke(user: str = typer.Argument(..., help="Whose tokens to delete (all of them)."), store: StoreUrl = None):
        """Delete every token of USER: their requests are refused from then on (within seconds on a gateway)."""
        from ..gateway import team as logic
        from . import output

        n = logic.revoke(_backend(store), user)
        output.echo(f"Revoked {n} token{'s' if n != 1 else ''} of {user}.")

    @team.command("stats")
    def stats(
        store: StoreUrl = None,
        gateway: Optional[str] = typer.Option(None, "--gateway", metavar="URL",
                                              help="Ask a gateway (with your token) instead of the store."),
        token: Optional[str] = typer.Option(None, "--token", metavar="TOKEN",
                                            help="Your token for --gateway (better: env HEADROOM_GATEWAY_TOKEN)."),
        since: Optional[str] = typer.Option(None, "--since", help="Only requests since: 7d, 24h, 2026-11-01."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    ):
        """Tokens saved per user. From the store: every user. Through --gateway: yours, or the team's for an admin."""
        import json

        from .. import config
        from ..errors import UsageError
        from ..gateway import team as logic
        from ..stats.ledger import parse_since
        from . import output

        if gateway is not None:
            token = token or config.get("gateway_token")
            if not token:
                raise UsageError("team stats --gateway needs your token",
                                 hint=f"set {config.GATEWAY_TOKEN_ENV} or pass --token")
            data = logic.remote_stats(gateway, token, since=since)
            rows = data.get("team") or [{**(data.get("totals") or {}), "key": data.get("user")}]
            if "team" not in data and not as_json:
                output.echo(f"your figures only ({data.get('user')}): the team's need an admin's token", err=True)
        else:
            rows = logic.team_stats(_backend(store), since=parse_since(since))
            data = {"team": rows, "basis": "the store's ledger"}
        if as_json:
            output.echo(json.dumps(data, indent=2, default=str))
            return
        output.show(_table(rows))
        output.echo("basis: tokens before → after compression as counted by headroom (tiktoken), per user's "
                    "requests in the ledger; saved = before − after", err=True)


def _table(rows: list[dict]):
    from rich.table import Table

    t = Table("user", "requests", "tokens before", "tokens after", "saved", "errors", box=None, header_style="bold")
    for r in rows:
        before, after = int(r.get("tokens_before") or 0), int(r.get("tokens_after") or 0)
        saved = int(r.get("tokens_saved") if r.get("tokens_saved") is not None else before - after)
        share = f" ({saved / before:.0%})" if before else ""
        t.add_row(str(r.get("key")), str(r.get("requests") or 0), f"{before:,}", f"{after:,}", f"{saved:,}{share}",
                  str(r.get("errors") or 0))
    return t
