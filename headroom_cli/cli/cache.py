"""`headroom cache --list [--json] | --clear | --ttl SECONDS | --stats`: the local store of originals."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("cache")
    def cache(
        list_: bool = typer.Option(False, "--list", "-l", help="List stored originals (newest first)."),
        clear: bool = typer.Option(False, "--clear", help="Delete every stored original."),
        ttl: int = typer.Option(None, "--ttl", min=1,
                                help="Persist the default lifetime of originals (seconds); a running proxy "
                                     "applies it from its next start."),
        stats: bool = typer.Option(False, "--stats", help="Entries, size and lifetime (the default view)."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    ):
        """Manage the local cache of originals that compression markers point to."""
        import json

        from .. import config
        from . import output

        con = output.printer(highlight=False, soft_wrap=True)
        out: dict = {}
        if ttl is not None:
            config.set_user_config("cache_ttl", int(ttl))
            out["ttl"] = int(ttl)
            if not as_json:
                con.print(f"Originals stored from now on are kept {_duration(ttl)} ({ttl} s); "
                          "a proxy that is running applies it from its next start.")
                if config.get("cache_ttl") != int(ttl):  # HEADROOM_CACHE_TTL in the environment wins
                    con.print(f"[yellow]note:[/] {config.SETTINGS['cache_ttl'].env} is set and overrides this.")
        store = open_store()
        if clear:
            n = store.clear()
            out["cleared"] = n
            if not as_json:
                con.print(f"Cleared {n} stored original{'s' if n != 1 else ''}.")
        if list_:
            entries = store.list()
            out["entries"] = entries
            if not as_json:
                _print_list(con, entries)
        if stats or not (list_ or clear or ttl is not None):
            st = store.stats()
            out["stats"] = st
            if not as_json:
                con.print(f"store     {st['path']}")
                con.print(f"entries   {st['entries']}")
                con.print(f"size      {_bytes(st['bytes'])} of {_bytes(st['max_bytes'])} cap")
                con.print(f"lifetime  {_duration(st['ttl'])} ({st['ttl']} s)")
        if as_json:
            output.echo(json.dumps(out, indent=2, default=str))


def _print_list(con, entries: list[dict]) -> None:
    if not entries:
        con.print("The cache is empty: nothing has been compressed lossily yet (or everything expired).")
        return
    import time

    from rich.table import Table

    t = Table("key", "size", "stored", "expires in", "what", box=None, header_style="bold")
    now = time.time()
    for e in entries:
        meta = e.get("meta") or {}
        what = ", ".join(f"{k}={v}" for k, v in meta.items() if isinstance(v, (str, int, float)))[:60]
        exp = "never" if e.get("expires") is None else _duration(max(0, e["expires"] - now))
        t.add_row(e["key"], _bytes(e["size"]), time.strftime("%Y-%m-%d %H:%M", time.localtime(e["created"])),
                  exp, what)
    con.print(t)
    con.print(f"{len(entries)} original{'s' if len(entries) != 1 else ''}; "
              "print one with `headroom retrieve --key KEY`.")


def _bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def _duration(s: float) -> str:
    s = int(s)
    if s >= 86400 and s % 3600 == 0:
        return f"{s / 86400:g} d"
    if s >= 3600:
        return f"{s / 3600:.1f} h"
    if s >= 60:
        return f"{s / 60:.0f} min"
    return f"{s} s"


def open_store():
    """The local user's originals in the configured store (`store`, HEADROOM_STORE; default: the cache dir's
    SQLite file), or a HeadroomError naming the directory when it cannot be opened."""
    import sqlite3

    from .. import config
    from ..errors import HeadroomError
    from ..storage import open_store as open_backend

    try:
        return open_backend().originals()
    except (OSError, sqlite3.Error) as e:
        d = config.paths().cache_dir
        raise HeadroomError(f"cannot open the store of originals in {d}: {e}",
                            hint="make the directory writable, or point HEADROOM_CACHE_DIR (or HEADROOM_HOME) "
                                 "at a writable folder") from None
