"""SQL for watchlists: saving, renaming the query of and removing one (each matched at once
over what is stored), their match counts and catches, and undoing matches an admin excluded.

A mixin of `Store` (see base.py). The exclusions themselves are written by feedback.py (an
admin's answer to readers' votes); matching new articles is articles.py's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from bot.models import SearchHit, Watchlist
from bot.store.articles import _parsed_query
from bot.store.clock import now_ts, to_ts
from bot.store.errors import DuplicateError, NotFoundError


def newest_first(select: str, watchlist_id: int, since: datetime | None, limit: int) -> tuple[str, tuple]:
    """(sql, params) listing one watchlist's articles: `select`, ending in a condition on the
    watchlist's id, narrowed to articles published since `since` (None: ever), newest first,
    at most `limit`. What a watchlist caught and what its relevance check dropped are shown
    side by side (`watch show`), so both are listed through this one window."""
    return (f"{select} AND a.published >= ? ORDER BY a.published DESC, a.id DESC LIMIT ?",
            (watchlist_id, to_ts(since) if since else 0, limit))


class WatchlistQueries:
    """Mixed into Store."""

    def list_watchlists(self) -> list[Watchlist]:
        return [Watchlist(*r) for r in self._all("SELECT id, name, query FROM watchlists ORDER BY name")]

    def get_watchlist(self, name: str) -> Watchlist | None:
        row = self._one("SELECT id, name, query FROM watchlists WHERE name = ?", (name,))
        return Watchlist(*row) if row else None

    def add_watchlist(self, name: str, query: str, *, match_existing: bool = True, now: int | None = None) -> Watchlist:
        """Save a watchlist; it also matches what is already stored, so `watch test` and the
        next digest agree from the moment it exists."""
        node = _parsed_query(query)  # raises QueryError before anything is written
        now = now or now_ts()
        with self.transaction() as tx:
            if tx.all("SELECT 1 FROM watchlists WHERE name = ?", (name,)):
                raise DuplicateError(f"a watchlist named {name!r} already exists")
            rows = tx.all(  # ON CONFLICT: see add_feed (the default watchlists are seeded at start)
                "INSERT INTO watchlists(name, query, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO NOTHING RETURNING id",
                (name, query, now),
            )
            if not rows:
                raise DuplicateError(f"a watchlist named {name!r} already exists")
            wid = rows[0][0]
            if match_existing:
                self._match_one(tx, wid, node, None, now)
                self._drop_excluded(tx, wid)
        return Watchlist(wid, name, query)

    def replace_watchlist_query(self, name: str, query: str, *, only_if: Sequence[str], now: int | None = None) -> str | None:
        """Give a watchlist a new query and match it again over everything stored — only while
        it still holds one of the `only_if` texts (the guarded UPDATE makes two replicas doing
        this at once harmless). Returns the text it replaced, or None when it did nothing."""
        node = _parsed_query(query)
        now = now or now_ts()
        with self.transaction() as tx:
            rows = tx.all("SELECT id, query FROM watchlists WHERE name = ?", (name,))
            if not rows or rows[0][1] not in only_if or rows[0][1] == query:
                return None
            wid, before = rows[0]
            if not tx.run("UPDATE watchlists SET query = ? WHERE id = ? AND query = ?", (query, wid, before)):
                return None
            tx.run("DELETE FROM matches WHERE watchlist_id = ?", (wid,))
            self._match_one(tx, wid, node, None, now)
            self._drop_excluded(tx, wid)
        return before

    def remove_watchlist(self, name: str) -> Watchlist:
        with self.transaction() as tx:
            rows = tx.all("SELECT id, name, query FROM watchlists WHERE name = ?", (name,))
            if not rows:
                raise NotFoundError(f"no watchlist named {name!r}")
            tx.run("DELETE FROM matches WHERE watchlist_id = ?", (rows[0][0],))
            tx.run("DELETE FROM watchlists WHERE id = ?", (rows[0][0],))
        return Watchlist(*rows[0])

    def watchlist_match_counts(self) -> dict[str, int]:
        rows = self._all(
            "SELECT w.name, COUNT(m.article_id) FROM watchlists w "
            "LEFT JOIN matches m ON m.watchlist_id = w.id GROUP BY w.name ORDER BY w.name"
        )
        return {r[0]: r[1] for r in rows}

    def watchlist_matches(self, watchlist_id: int, node, *, limit: int = 20, since: datetime | None = None) -> list[SearchHit]:
        """What one watchlist caught, newest first (`node`: its parsed query, to say why)."""
        rows = self._all(*newest_first(
            "SELECT a.id, a.title, a.url, a.source, a.published, a.summary, m.score "
            "FROM matches m JOIN articles a ON a.id = m.article_id WHERE m.watchlist_id = ?",
            watchlist_id, since, limit,
        ))
        return self._hits(rows, node)

    def _drop_excluded(self, tx, watchlist_id: int) -> int:
        """Undo matches an admin excluded (`watch exclude`), by the article's URL."""
        return tx.run(
            "DELETE FROM matches WHERE watchlist_id = ? AND article_id IN ("
            " SELECT a.id FROM watchlist_exclusions e JOIN articles a ON a.url = e.url"
            " WHERE e.watchlist_id = ?)",
            (watchlist_id, watchlist_id),
        )
