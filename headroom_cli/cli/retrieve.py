"""`headroom retrieve --key K`: print an original from the store, exactly as stored."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("retrieve")
    def retrieve(
        key: str = typer.Option(..., "--key", "-k",
                                help="The key from a compression marker (key=…), or a unique beginning of it."),
    ):
        """Print the original text behind a compression marker's key."""
        from ..ccr.store import retrieve as _retrieve
        from . import output
        from .cache import open_store

        store = open_store()  # a clear error when the cache dir is unusable
        key = key.strip().strip("`'\"")
        if key.startswith("key="):  # pasted straight from a marker
            key = key[4:]
        text = _retrieve(_full_key(key, store), store)  # NotFound → message + ExitStatus.ERROR in cli.main
        output.write_exact(text)  # exactly the original: no added newline, no rich markup, bytes as stored


def _full_key(key: str, store) -> str:
    """`key` itself when stored, else the one stored key it begins (`cache --list` shows keys, a user types the
    start of one); several → a UsageError listing them. Only here: markers and the proxy use whole keys."""
    from ..errors import UsageError

    if not key or store.get(key) is not None:
        return key
    matches = [e["key"] for e in store.list() if e["key"].startswith(key)]
    if len(matches) > 1:
        shown = ", ".join(matches[:10]) + (f" (and {len(matches) - 10} more)" if len(matches) > 10 else "")
        raise UsageError(f"key prefix {key!r} matches {len(matches)} stored originals: {shown}",
                         hint="give more of the key (`headroom cache --list` shows them whole)")
    return matches[0] if matches else key
