"""PostgreSQL backend (being written)."""
from __future__ import annotations

import psycopg  # noqa: F401  (the `team` extra)


class PostgresBackend:  # placeholder until the implementation lands
    def __init__(self, url: str):
        raise NotImplementedError("the PostgreSQL store is not implemented yet")
