"""SQL for the feeds table: the feeds listed, which are due, claiming them for a poll, and
what a poll writes to a feed's row (its validators, errors and next poll).

A mixin of `Store` (see base.py). What a poll stores besides (its articles, their matches)
is articles.py's, called from `record_poll_success` in the same transaction; what the row does
not say (how the last poll ended, full text) is feedstate.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from bot.models import Article, Feed
from bot.store.clock import from_ts, now_ts
from bot.store.errors import DuplicateError, NotFoundError


@dataclass(frozen=True)
class StoredPoll:
    """What the store wrote for one successful poll, in one transaction: the articles new to
    the database and the watchlist matches they made. The poller turns it, with how the fetch
    went, into its own report of the feed (bot.poll.poller.FeedOutcome)."""

    feed_id: int
    new_article_ids: list[int]
    matches: dict[str, int]  # watchlist name → newly matched articles


FEED_COLUMNS = (
    "id, url, title, etag, last_modified, last_success, last_error, error_count, "
    "next_poll, enabled, last_error_at"
)


def _feed(row: Sequence) -> Feed:
    return Feed(
        id=row[0],
        url=row[1],
        title=row[2],
        etag=row[3],
        last_modified=row[4],
        last_success=from_ts(row[5]),
        last_error=row[6],
        error_count=row[7],
        next_poll=from_ts(row[8]),
        enabled=bool(row[9]),
        last_error_at=from_ts(row[10]),
    )


class FeedQueries:
    """Mixed into Store."""

    # Appended to the claim's row selection by backends that can lock rows (PostgreSQL).
    SKIP_LOCKED = ""

    def add_feed(self, url: str, title: str = "", *, now: int | None = None) -> Feed:
        with self.transaction() as tx:
            if tx.all("SELECT 1 FROM feeds WHERE url = ?", (url,)):
                raise DuplicateError(f"feed already listed: {url}")
            # ON CONFLICT: replicas starting together on a new database import the default
            # feeds at the same moment; the loser gets DuplicateError, not a unique-key error.
            rows = tx.all(
                "INSERT INTO feeds(url, title, added_at, next_poll) VALUES (?, ?, ?, ?) "
                f"ON CONFLICT (url) DO NOTHING RETURNING {FEED_COLUMNS}",
                (url, title, now or now_ts(), None),
            )
            if not rows:
                raise DuplicateError(f"feed already listed: {url}")
            return _feed(rows[0])

    def remove_feed(self, url: str) -> Feed:
        with self.transaction() as tx:
            rows = tx.all(f"SELECT {FEED_COLUMNS} FROM feeds WHERE url = ?", (url,))
            if not rows:
                raise NotFoundError(f"no such feed: {url}")
            tx.run("DELETE FROM feeds WHERE url = ?", (url,))
            return _feed(rows[0])

    def get_feed(self, url: str) -> Feed | None:
        row = self._one(f"SELECT {FEED_COLUMNS} FROM feeds WHERE url = ?", (url,))
        return _feed(row) if row else None

    def list_feeds(self) -> list[Feed]:
        return [_feed(r) for r in self._all(f"SELECT {FEED_COLUMNS} FROM feeds ORDER BY url")]

    def feeds_due(self, now: int) -> list[Feed]:
        rows = self._all(
            f"SELECT {FEED_COLUMNS} FROM feeds WHERE enabled = 1 "
            "AND (next_poll IS NULL OR next_poll <= ?) ORDER BY next_poll, id",
            (now,),
        )
        return [_feed(r) for r in rows]

    def claim_due_feeds(self, now: int, *, lease_seconds: int) -> list[Feed]:
        """Take the enabled feeds due for a poll, atomically: their next poll moves to
        `now + lease_seconds`, so a second poller (another replica that also believes it
        leads, for a moment) finds them not due and fetches none of them. The poll's result
        then sets the real next poll; a poller that dies mid-poll leaves its feeds to be
        polled again when the lease runs out.

        SQLite's single writer (BEGIN IMMEDIATE) makes the UPDATE atomic by itself; on
        PostgreSQL rows being claimed by another transaction are skipped (SKIP LOCKED), and
        one claimed a moment ago no longer matches `next_poll <= now`.
        """
        with self.transaction() as tx:
            rows = tx.all(
                f"UPDATE feeds SET next_poll = ? WHERE id IN ("
                f" SELECT id FROM feeds WHERE enabled = 1 AND (next_poll IS NULL OR next_poll <= ?){self.SKIP_LOCKED}"
                f") RETURNING {FEED_COLUMNS}",
                (now + lease_seconds, now),
            )
        return sorted((_feed(r) for r in rows), key=lambda f: f.id)

    def count_feeds(self) -> int:
        return self._one("SELECT COUNT(*) FROM feeds")[0]

    def record_poll_success(
        self,
        feed_id: int,
        articles: Iterable[Article],
        *,
        now: int,
        next_poll: int,
        etag: str | None,
        last_modified: str | None,
        title: str | None = None,
        new_url: str | None = None,
        match: bool = True,
    ) -> StoredPoll:
        """Store one feed's poll — articles, matches and feed state — in one transaction.

        A crash anywhere in here leaves either all of this poll or none of it, so a
        restarted bot simply polls the feed again. `match=False` leaves matching to the
        caller, who then calls `match_new_articles` inside the same outer transaction
        (the poller does, to match a whole batch of feeds in one pass).
        """
        with self.transaction() as tx:
            new_ids = self._insert_articles(tx, feed_id, articles, now)
            matches = self._match_articles(tx, new_ids, now) if new_ids and match else {}
            tx.run(
                "UPDATE feeds SET etag = ?, last_modified = ?, last_success = ?, last_error = NULL, "
                "error_count = 0, next_poll = ?, title = CASE WHEN ? <> '' THEN ? ELSE title END "
                "WHERE id = ?",
                (etag, last_modified, now, next_poll, title or "", title or "", feed_id),
            )
            if new_url:
                clash = tx.all("SELECT id FROM feeds WHERE url = ? AND id <> ?", (new_url, feed_id))
                if not clash:
                    tx.run("UPDATE feeds SET url = ? WHERE id = ?", (new_url, feed_id))
        return StoredPoll(feed_id, new_ids, matches)

    def record_poll_error(
        self, feed_id: int, error: str, *, now: int, next_poll: int, disable: bool = False
    ) -> int:
        """Record a failed poll; returns the feed's consecutive error count."""
        with self.transaction() as tx:
            tx.run(
                "UPDATE feeds SET last_error = ?, last_error_at = ?, error_count = error_count + 1, "
                "next_poll = ?, enabled = CASE WHEN ? = 1 THEN 0 ELSE enabled END WHERE id = ?",
                (error[:500], now, next_poll, 1 if disable else 0, feed_id),
            )
            row = tx.all("SELECT error_count FROM feeds WHERE id = ?", (feed_id,))
        return row[0][0] if row else 0
