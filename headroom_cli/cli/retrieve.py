"""`headroom retrieve --key K`: print an original from the store, exactly as stored."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("retrieve")
    def retrieve(
        key: str = typer.Option(..., "--key", "-k", help="The key from a compression marker (key=…)."),
    ):
        """Print the original text behind a compression marker's key."""
        from ..ccr.store import retrieve as _retrieve
        from . import output
        from .cache import open_store

        open_store()  # a clear error when the cache dir is unusable
        key = key.strip().strip("`'\"")
        if key.startswith("key="):  # pasted straight from a marker
            key = key[4:]
        text = _retrieve(key)  # NotFound → message + ExitStatus.ERROR in cli.main
        output.write_exact(text)  # exactly the original: no added newline, no rich markup, bytes as stored
