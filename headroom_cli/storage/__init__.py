"""Where headroom keeps its state: originals, ledger, learned rules, gateway tokens (docs/ARCHITECTURE.md §5).

`open_store(url)` gives the `Backend` for a store URL: "" (or None: the config's `store`, HEADROOM_STORE) is the
embedded SQLite files in the user's directories; `sqlite:///DIR` the same files in DIR; `postgresql://…` a shared
PostgreSQL database (the `team` extra). Backends are opened once per URL and process.
"""
from __future__ import annotations

import threading

from .base import ADMIN, LOCAL_USER, MEMBER, ROLES, Backend, StoreUnavailable, redact_url

__all__ = ["open_store", "inspect_store", "Backend", "StoreUnavailable", "LOCAL_USER", "ROLES", "MEMBER", "ADMIN", "redact_url",
           "is_postgres", "forget_open_stores"]

_open: dict[str, Backend] = {}
_lock = threading.Lock()


def is_postgres(url: str | None) -> bool:
    return bool(url) and str(url).split(":", 1)[0].lower() in ("postgresql", "postgres")


def open_store(url: str | None = None) -> Backend:
    """The backend for `url` (None: the configured `store`). A URL that is not a store's is a UsageError;
    PostgreSQL without the `team` extra a HeadroomError saying how to install it; a database that cannot be
    reached StoreUnavailable."""
    if url is None:
        from .. import config

        url = config.get("store") or ""
    url = str(url).strip()
    with _lock:
        b = _open.get(url)
        if b is None:
            b = _open[url] = _make(url)
        return b


def inspect_store(url: str | None = None) -> Backend:
    """A backend for `url` that applies no migration when it opens (`headroom doctor` reports them); not shared:
    close it when done."""
    if url is None:
        from .. import config

        url = config.get("store") or ""
    return _make(str(url).strip(), migrate=False, timeout=3.0)


def _make(url: str, *, migrate: bool = True, timeout: float = 10.0) -> Backend:
    from ..errors import HeadroomError, UsageError

    if not url:
        from .sqlite import SqliteBackend

        return SqliteBackend()
    scheme = url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        from pathlib import Path
        from urllib.parse import unquote, urlsplit

        from .sqlite import SqliteBackend

        path = unquote(urlsplit(url).path)
        if not path:
            raise UsageError(f"store {url!r} names no directory", hint="e.g. sqlite:///srv/headroom")
        return SqliteBackend(Path(path), url=url)
    if is_postgres(url):
        try:
            from .postgres import PostgresBackend
        except ImportError as e:
            raise HeadroomError(f"a PostgreSQL store needs psycopg ({e.name} is not installed)",
                                hint="pip install 'headroom-proxy[team]'") from None
        return PostgresBackend(url, migrate=migrate, timeout=timeout)
    raise UsageError(f"store {redact_url(url)!r} is not a store URL",
                     hint="leave it empty for the files in your user dirs, or use postgresql://USER@HOST/DB")


def forget_open_stores() -> None:
    """Close every backend opened in this process (tests; a process that changes HEADROOM_STORE)."""
    with _lock:
        for b in _open.values():
            try:
                b.close()
            except Exception:
                pass
        _open.clear()
