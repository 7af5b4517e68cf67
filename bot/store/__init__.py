"""Opening the store named by AIBRIEF_DATABASE: a file path → SQLite, a postgresql:// URL → PostgreSQL.

The names callers need are re-exported here, and code outside bot/store/ imports only this
package (tests/test_import_graph.py checks): which module of the store holds a name is the
store's own business. The backends' names (`SQLiteStore`, `PostgresStore`, `describe_url`,
…) are loaded on first use, so SQLite-only installs never import psycopg.
"""

from __future__ import annotations

from bot.config import is_postgres_url
from bot.store.audit import AuditEntry  # noqa: F401  (the package's public names)
from bot.store.base import Store, explain_hit  # noqa: F401
from bot.store.clock import from_ts, now_ts, to_ts  # noqa: F401
from bot.store.copy import CopyMismatch, TargetNotEmpty, copy_database  # noqa: F401
from bot.store.digests import RunConflict, SlotTaken  # noqa: F401
from bot.store.errors import DuplicateError, NotFoundError, QueryTooBroad, StoreError  # noqa: F401
from bot.store.feeds import StoredPoll  # noqa: F401
from bot.store.feedstate import PollState  # noqa: F401
from bot.store.llm import BUSY, CLAIMED, DONE, AnswerKey  # noqa: F401
from bot.store.locks import FileLock, NoLock  # noqa: F401
from bot.store.personal import MAX_PERSONAL_WATCHES, PersonalWatch, TooManySearches, personal_label  # noqa: F401
from bot.store.saved import SavedListFull  # noqa: F401
from bot.store.schema import LATEST_VERSION  # noqa: F401
from bot.store.topk import COUNT_CAP, capped, is_capped, overlap_at, shown_total  # noqa: F401
from bot.store.upkeep import count_prunable, delete_articles, prunable_ids  # noqa: F401

# name → the backend module that defines it, imported when the name is first asked for
_BACKEND_NAMES = {
    "SQLiteStore": "bot.store.sqlite",
    "inspect_database_file": "bot.store.sqlite",
    "backup_database_file": "bot.store.sqlite",
    "PostgresStore": "bot.store.postgres",
    "DatabaseUnavailable": "bot.store.postgres",
    "SchemaTooNew": "bot.store.postgres",
    "describe_url": "bot.store.postgres",
    "lock_key": "bot.store.postgres",
    "pg_sql": "bot.store.postgres",
}


def __getattr__(name: str):
    module = _BACKEND_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'bot.store' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


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


def shown_database(location: str) -> str:
    """A database location for messages: a PostgreSQL URL without its password."""
    if is_postgres_url(location):
        from bot.store.postgres import describe_url

        return "postgresql://" + describe_url(location)
    return location
