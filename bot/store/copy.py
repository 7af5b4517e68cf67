"""`aibrief db copy`: move a team's whole database between backends (SQLite ⇄ PostgreSQL).

What must survive the move is everything the bot remembers: feeds with their ETags and
health, articles, watchlists and their matches, digest subscriptions, runs, messages and
sent items (so nothing is posted twice after the move), the audit log and the meta flags
(so removed default watchlists are not seeded again). Ids are kept, so every reference
between tables stays valid; PostgreSQL's identity sequences are moved past them after.

The source is read in one read transaction (one consistent snapshot, even while a bot is
still writing to it) and the target written in one transaction: a failed copy leaves the
target as it was. The full-text index is rebuilt by the target itself (FTS5 triggers,
PostgreSQL's generated tsvector), and match scores are recomputed there, since each
backend scores on its own scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

from bot.store.base import Store, StoreError


@dataclass(frozen=True)
class CopyTable:
    name: str
    key: tuple[str, ...]  # the primary key: rows are read in its order, a batch at a time
    identity: bool = False  # an id PostgreSQL generates: its sequence is reset after the copy


# In an order that satisfies every foreign key. A table added by a migration must be added
# here too (tests/test_db_copy.py checks that every table of the schema is listed).
TABLES: tuple[CopyTable, ...] = (
    CopyTable("meta", ("key",)),
    CopyTable("feeds", ("id",), identity=True),
    CopyTable("articles", ("id",), identity=True),
    CopyTable("watchlists", ("id",), identity=True),
    CopyTable("matches", ("watchlist_id", "article_id")),
    CopyTable("subscriptions", ("channel",)),
    CopyTable("digest_runs", ("id",), identity=True),
    CopyTable("digest_messages", ("run_id", "seq")),
    CopyTable("digest_items", ("channel", "article_id")),
    CopyTable("audit_log", ("id",), identity=True),
    CopyTable("feedback_votes", ("user_id", "article_id", "watchlist", "channel")),
    CopyTable("watchlist_exclusions", ("watchlist_id", "url")),
    CopyTable("channel_mutes", ("channel", "source")),
    CopyTable("slack_seen", ("key",)),
    CopyTable("feed_polls", ("feed_id",)),
    CopyTable("feed_fulltext", ("feed_id",)),
    CopyTable("article_fulltext", ("article_id",)),
    CopyTable("dm_channels", ("user_id",)),
    CopyTable("personal_watches", ("id",), identity=True),
    CopyTable("personal_matches", ("watchlist_id", "article_id")),
    CopyTable("saved_items", ("user_id", "article_id")),
    # the optional model features (bot/llm/): a watchlist's check is the team's setting; the
    # answers and the day's count come along so a moved team is not asked again
    CopyTable("llm_answers", ("kind", "subject", "model", "prompt_version")),
    CopyTable("llm_usage", ("day",)),
    CopyTable("watchlist_checks", ("watchlist_id",)),
    CopyTable("watchlist_check_results", ("watchlist_id", "article_id")),
    CopyTable("article_languages", ("language",)),
)

# Tables a backend keeps for itself, never copied: SQLite's FTS5 index (rebuilt by its
# triggers), PostgreSQL's migration bookkeeping and its search vocabulary (kept by a trigger
# as the articles are copied in, like the FTS5 index).
INTERNAL_TABLES = ("schema_version", "search_vocab")
INTERNAL_PREFIXES = ("articles_fts", "sqlite_")

BATCH = 5000

Progress = Callable[[str, int, int], None]  # (table, rows done, rows in all)


class TargetNotEmpty(StoreError):
    pass


class CopyMismatch(Exception):
    """Row counts differ after the copy: not a user's mistake, exit 1."""


@dataclass
class CopyReport:
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # table → (source, target)

    @property
    def ok(self) -> bool:
        return all(a == b for a, b in self.counts.values())


# ---- what a database holds -----------------------------------------------------------------
def table_names(store: Store) -> list[str]:
    """The tables of the store's schema that hold the bot's data (not backend internals)."""
    return [
        name for name in store.table_names()
        if name not in INTERNAL_TABLES and not name.startswith(INTERNAL_PREFIXES)
    ]


def table_columns(store: Store, table: str) -> list[str]:
    """The table's stored columns (not PostgreSQL's generated ones), in definition order."""
    return store.table_columns(table)


def row_counts(store: Store, tx=None) -> dict[str, int]:
    run = tx.all if tx is not None else store._all
    return {t.name: int(run(f"SELECT COUNT(*) FROM {t.name}")[0][0]) for t in TABLES}


# ---- the copy ------------------------------------------------------------------------------
def check_copyable(source: Store, target: Store, *, force: bool) -> None:
    """Refuse, with a one-line reason, what cannot or should not be copied."""
    sv, tv = source.schema_version(), target.schema_version()
    if sv != tv:
        raise StoreError(
            f"the source is at schema version {sv} and the target at {tv}: "
            "run `aibrief db migrate` on the older one first (with AIBRIEF_DATABASE set to it)"
        )
    for t in TABLES:
        s_cols, t_cols = table_columns(source, t.name), table_columns(target, t.name)
        if set(s_cols) != set(t_cols):
            raise StoreError(f"table {t.name} differs between source and target ({s_cols} vs {t_cols})")
    if not force:
        filled = {name: n for name, n in row_counts(target).items() if n}
        if filled:
            shown = ", ".join(f"{name} {n}" for name, n in filled.items())
            raise TargetNotEmpty(
                f"the target already holds data ({shown}): copy into an empty database, "
                "or add --force to replace what it holds"
            )


def copy_database(source: Store, target: Store, *, force: bool = False,
                  progress: Progress | None = None, batch: int = BATCH) -> CopyReport:
    """Copy every table of `source` into `target`; returns both sides' row counts.

    Raises TargetNotEmpty (a user's choice to make) unless `force`, in which case the
    target's rows are replaced; CopyMismatch if the counts differ afterwards.
    """
    check_copyable(source, target, force=force)
    progress = progress or (lambda table, done, total: None)
    report = CopyReport()
    with source.transaction(write=False) as src, target.transaction() as dst:
        source_counts = row_counts(source, src)
        if force:
            target.clear_tables(dst, [t.name for t in TABLES])
        identities = [t.name for t in TABLES if t.identity]
        with target.bulk_load(dst, [t.name for t in TABLES], identities, progress):
            for t in TABLES:
                cols = table_columns(target, t.name)
                total = source_counts[t.name]
                progress(t.name, 0, total)
                done = 0
                for rows in _batches(src, t, cols, batch):
                    target.insert_rows(dst, t.name, cols, rows)
                    done += len(rows)
                    progress(t.name, done, total)
        if target.backend != source.backend:
            progress("(match scores)", 0, 1)
            _rescore_matches(target, dst)
            progress("(match scores)", 1, 1)
    target_counts = row_counts(target)
    report.counts = {name: (source_counts[name], target_counts[name]) for name in source_counts}
    if not report.ok:
        bad = ", ".join(f"{n}: {a} → {b}" for n, (a, b) in report.counts.items() if a != b)
        raise CopyMismatch(f"row counts differ after the copy: {bad}")
    return report


def _batches(tx, table: CopyTable, cols: Sequence[str], size: int) -> Iterator[list[tuple]]:
    """The table's rows in primary-key order, `size` at a time (keyset paging: each batch
    starts after the last key seen, so it costs the same at the end as at the start)."""
    key = ", ".join(table.key)
    select = f"SELECT {', '.join(cols)} FROM {table.name}"
    key_at = [cols.index(k) for k in table.key]
    last = None
    while True:
        if last is None:
            rows = tx.all(f"{select} ORDER BY {key} LIMIT ?", (size,))
        else:
            marks = ", ".join("?" * len(last))
            rows = tx.all(f"{select} WHERE ({key}) > ({marks}) ORDER BY {key} LIMIT ?", (*last, size))
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        last = tuple(rows[-1][i] for i in key_at)


def _rescore_matches(target: Store, tx) -> None:
    """Match scores are on each backend's own scale (bm25 vs ts_rank): recompute them."""
    from bot.query import QueryError, parse_watchlist

    for wid, query in tx.all("SELECT id, query FROM watchlists"):
        try:
            node = parse_watchlist(query)
        except QueryError:
            continue
        target._rescore_matches(tx, wid, node)
