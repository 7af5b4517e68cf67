"""Opening the store named by AIBRIEF_DATABASE: a file path → SQLite, a postgresql:// URL → PostgreSQL."""

from __future__ import annotations

from bot.store.base import (  # noqa: F401  (the package's public names)
    AuditEntry,
    DuplicateError,
    NotFoundError,
    PollOutcome,
    Store,
    StoreError,
    from_ts,
    now_ts,
    to_ts,
)


def open_store(database: str, *, migrate: bool = True) -> Store:
    if database.startswith(("postgresql://", "postgres://")):
        from bot.store.postgres import PostgresStore

        return PostgresStore(database, migrate=migrate)
    from bot.store.sqlite import SQLiteStore

    return SQLiteStore(database, migrate=migrate)
