"""`headroom mcp serve|install|uninstall`."""
from __future__ import annotations

import typer

from . import output

# Which agents: those whose launcher profile has an `mcp_install` section
# (`profiles.load_for_mcp_install` refuses the others, naming these).
AGENT_HELP = "Agent name (one whose launcher profile has an mcp_install section)."


def register(app: typer.Typer) -> None:
    mcp_app = typer.Typer(
        name="mcp",
        help="MCP server with headroom_retrieve, headroom_compress and headroom_stats.",
        no_args_is_help=True,
    )

    @mcp_app.command("serve")
    def serve():
        """Serve the MCP tools over stdio (agents start this themselves)."""
        from ..mcp.stdio import serve as _serve

        _serve()

    @mcp_app.command("install")
    def install(
        agent: str = typer.Argument(..., help=AGENT_HELP),
        dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be done, change nothing."),
    ):
        """Register `headroom mcp serve` with an agent (reversible with `uninstall`)."""
        from ..launch.profiles import load_for_mcp_install
        from ..mcp import install as inst

        _show(inst.install(load_for_mcp_install(agent), dry_run=dry_run), dry_run)
        if not dry_run:
            output.show(f"[green]headroom MCP server registered with {agent}.[/] "
                        f"Undo with `headroom mcp uninstall {agent}`.")

    @mcp_app.command("uninstall")
    def uninstall(
        agent: str = typer.Argument(..., help=AGENT_HELP),
        dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be done, change nothing."),
    ):
        """Remove headroom's MCP server from an agent, restoring what was there before."""
        from ..launch.profiles import load_for_mcp_install
        from ..mcp import install as inst

        actions = inst.uninstall(load_for_mcp_install(agent), dry_run=dry_run)
        _show(actions, dry_run)
        if not actions:
            output.show(f"Nothing to undo: headroom is not registered with {agent}.")

    app.add_typer(mcp_app)


def _show(actions, dry_run: bool) -> None:
    con = output.printer(highlight=False, soft_wrap=True)
    for a in actions:
        prefix = "would" if dry_run else "did"
        con.print(f"{prefix} {a.kind}: {a.detail}", markup=False)
