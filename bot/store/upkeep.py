"""SQL for retention: which old articles nothing keeps, and deleting them.

Plain functions over a `Store` (both backends: `?` placeholders, which the PostgreSQL store
rewrites), kept here because every SQL statement lives in bot/store/. The policy — what to
keep, how many at a time, when — is bot/ops/retention.py's. What differs per backend (the
database's size, free pages, VACUUM) is a method of each backend (`Store.database_bytes`,
`free_fraction`, `last_vacuum`, `vacuum`).

Deleting an article deletes what hangs off it by foreign key (ON DELETE CASCADE: its
matches, digest items, votes, full-text state) and its full-text entry: SQLite's FTS5 table
through the articles_ad trigger, PostgreSQL's through the generated `tsv` column, which is
part of the row (its GIN index entries go at the next VACUUM, which autovacuum runs).
"""

from __future__ import annotations

from typing import Sequence

# Articles that must stay however old they are, as SQL conditions on `a` (the article); each
# `?` in them is the "recent" cutoff.
KEEP = (
    # in a digest that was sent (or started) since the cutoff, or that is still being posted
    "EXISTS (SELECT 1 FROM digest_items d JOIN digest_runs r ON r.id = d.run_id "
    "WHERE d.article_id = a.id AND (r.status = 'pending' OR COALESCE(r.finished_at, r.created_at) >= ?))",
    # on someone's Save for later list (`/aibrief saved`), however long ago they saved it
    "EXISTS (SELECT 1 FROM saved_items s WHERE s.article_id = a.id)",
)
_KEEP_PARAMS = sum(k.count("?") for k in KEEP)


def _where() -> str:
    # Both dates: an article first stored recently from an old feed entry is kept too, so a
    # feed that still lists it does not bring it back at every poll.
    return "a.published < ? AND a.fetched < ? " + "".join(f"AND NOT {k} " for k in KEEP)


def prunable_ids(store, *, older_than: int, keep_since: int, limit: int) -> list[int]:
    """Up to `limit` ids of articles older than `older_than` (unix seconds) that nothing keeps."""
    params = [older_than, older_than, *([keep_since] * _KEEP_PARAMS), limit]
    rows = store._all(f"SELECT a.id FROM articles a WHERE {_where()}ORDER BY a.published, a.id LIMIT ?", params)
    return [r[0] for r in rows]


def count_prunable(store, *, older_than: int, keep_since: int) -> tuple[int, int]:
    """(articles that would be pruned, old articles kept because something keeps them)."""
    params = [older_than, older_than, *([keep_since] * _KEEP_PARAMS)]
    prunable = store._all(f"SELECT COUNT(*) FROM articles a WHERE {_where()}", params)[0][0]
    old = store._all("SELECT COUNT(*) FROM articles a WHERE a.published < ? AND a.fetched < ?",
                     [older_than, older_than])[0][0]
    return int(prunable), int(old) - int(prunable)


def delete_articles(store, ids: Sequence[int]) -> int:
    """Delete these articles (and, by cascade and trigger, what belongs to them) in one transaction."""
    if not ids:
        return 0
    marks = ",".join("?" * len(ids))
    with store.transaction() as tx:
        return tx.run(f"DELETE FROM articles WHERE id IN ({marks})", list(ids))

