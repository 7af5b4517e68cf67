"""Opening the store named by AIBRIEF_DATABASE: a file path → SQLite, a postgresql:// URL → PostgreSQL."""

from __future__ import annotations

from bot.config import is_postgres_url
from bot.store.base import (  # noqa: F401  (the package's public names)
    AuditEntry,
    DuplicateError,
    NotFoundError,
    PollOutcome,
    QueryTooBroad,
    Store,
    StoreError,
    from_ts,
    now_ts,
    to_ts,
)


def open_store(database: str, *, migrate: bool = True) -> Store:
    if is_postgres_url(database):
        try:
            from bot.store.postgres import PostgresStore
        except ModuleNotFoundError as exc:
            if exc.name not in ("psycopg", "psycopg_pool"):
                raise
            raise StoreError(
                "a postgresql:// database needs psycopg: pip install 'aibrief[postgres]'"
            ) from None

        return PostgresStore(database, migrate=migrate)
    from bot.store.sqlite import SQLiteStore

    return SQLiteStore(database, migrate=migrate)
