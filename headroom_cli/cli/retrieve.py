"""`headroom retrieve --key K`: print an original from the store, exactly as stored."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("retrieve")
    def retrieve(
        key: str = typer.Option(..., "--key", "-k", help="The key from a compression marker (key=…)."),
    ):
        """Print the original text behind a compression marker's key."""
        import sys

        from ..ccr.store import retrieve as _retrieve
        from .cache import open_store

        open_store()  # a clear error when the cache dir is unusable
        key = key.strip().strip("`'\"")
        if key.startswith("key="):  # pasted straight from a marker
            key = key[4:]
        text = _retrieve(key)  # NotFound → message + exit 1 in cli.main
        # Exactly the original: no added newline, no rich markup, bytes as stored.
        out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
        if out is not None:
            sys.stdout.flush()
            out.write(text.encode("utf-8", "surrogatepass"))
            out.flush()
        else:
            sys.stdout.write(text)
