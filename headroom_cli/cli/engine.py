"""`headroom engine --stdio` (hidden): the engine for the TypeScript SDK, JSON lines on stdin/stdout
(headroom_cli/sdk_server.py). The SDK spawns it as a child; it ends when the SDK's process closes the pipe."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("engine", hidden=True)
    def engine(
        stdio: bool = typer.Option(False, "--stdio", help="Serve JSON lines on stdin/stdout (the only transport)."),
    ):
        """Serve the compression engine to an SDK over stdin/stdout."""
        import sys

        from ..errors import UsageError
        from ..sdk_server import serve

        if not stdio:
            raise UsageError("the engine speaks only over stdio", hint="run `headroom engine --stdio`")
        raise typer.Exit(serve(sys.stdin.buffer, sys.stdout.buffer))
