"""SQL for what belongs to one person: the DM channel Slack opened for them, and their own
saved searches ("Notify me") with what those matched.

A mixin of `Store` (see base.py), like `digests.py`, over tables of its own (the h15b
migration in schema.py):
- `dm_channels`: user ID → the `D…` channel `conversations.open` answered. Slack gives a
  person the same DM channel every time, so it is cached; a failed open is simply retried
  (nothing is posted before the channel is known, bot/digest/post.py).
- `personal_watches` / `personal_matches`: a person's saved searches, matched at ingest by the
  same code as the team's watchlists (the backend's `_match_one`, into `personal_matches`),
  and read only for that person's DM digest. They never appear in `watch list`, watchlist
  statistics, or any team channel's digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from bot.models import DigestCandidate
from bot.store.clock import from_ts, now_ts
from bot.store.digests import NOT_SENT, candidates, published_between
from bot.store.feedstate import DISPLAY_JOIN, DISPLAY_SUMMARY
from bot.store.where import and_where

# Saved searches one person may keep: each is one more full-text query per ingest batch.
MAX_PERSONAL_WATCHES = 20
PERSONAL_MAX_CANDIDATES = 1000


class TooManySearches(ValueError):
    """A person already keeps MAX_PERSONAL_WATCHES saved searches."""


@lru_cache(maxsize=4096)
def _parsed(query: str):
    """A saved search parsed as a watchlist is (the same limits and scope); cached, since each
    ingest batch matches every saved search again."""
    from bot.query import parse_watchlist

    return parse_watchlist(query)


@dataclass(frozen=True)
class PersonalWatch:
    id: int
    user_id: str
    query: str
    created_at: datetime


def personal_label(query: str) -> str:
    """How a saved search is named in a digest where team watchlists show their names."""
    text = " ".join(query.split())
    return "my: " + (text if len(text) <= 40 else text[:39] + "…")


class PersonalQueries:
    """DM channels and personal saved searches (mixed into Store)."""

    # ---- the DM channel of each person -------------------------------------------------------
    def dm_channel(self, user_id: str) -> str | None:
        row = self._one("SELECT channel_id FROM dm_channels WHERE user_id = ?", (user_id,))
        return row[0] if row else None

    def save_dm_channel(self, user_id: str, channel_id: str, *, now: int | None = None) -> None:
        with self.transaction() as tx:
            tx.run(
                "INSERT INTO dm_channels(user_id, channel_id, opened_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET channel_id = excluded.channel_id, opened_at = excluded.opened_at",
                (user_id, channel_id, now or now_ts()),
            )

    def forget_dm_channel(self, user_id: str) -> None:
        with self.transaction() as tx:
            tx.run("DELETE FROM dm_channels WHERE user_id = ?", (user_id,))

    # ---- saved searches ---------------------------------------------------------------------------
    def personal_watches(self, user_id: str) -> list[PersonalWatch]:
        return [
            PersonalWatch(r[0], r[1], r[2], from_ts(r[3]))
            for r in self._all(
                "SELECT id, user_id, query, created_at FROM personal_watches WHERE user_id = ? ORDER BY id",
                (user_id,),
            )
        ]

    def add_personal_watch(self, user_id: str, query: str, *, limit: int = MAX_PERSONAL_WATCHES,
                           now: int | None = None) -> tuple[PersonalWatch, bool]:
        """Save `query` for `user_id` and match it over what is stored; (watch, created).
        The same query again is not an error: it is already there (created False). Raises
        TooManySearches past `limit`, QueryError for a query the watchlist parser refuses."""
        node = _parsed(query)
        now = now or now_ts()
        with self.transaction() as tx:
            rows = tx.all("SELECT id, created_at FROM personal_watches WHERE user_id = ? AND query = ?",
                          (user_id, query))
            if rows:
                return PersonalWatch(rows[0][0], user_id, query, from_ts(rows[0][1])), False
            count = tx.all("SELECT COUNT(*) FROM personal_watches WHERE user_id = ?", (user_id,))[0][0]
            if count >= limit:
                raise TooManySearches(f"you already have {count} saved searches (at most {limit}): "
                                 "remove one with `/aibrief digest me unwatch N`")
            rows = tx.all(
                "INSERT INTO personal_watches(user_id, query, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id, query) DO NOTHING RETURNING id",
                (user_id, query, now),
            )
            if not rows:  # the same click twice at once: the other one saved it
                rows = tx.all("SELECT id FROM personal_watches WHERE user_id = ? AND query = ?", (user_id, query))
                return PersonalWatch(rows[0][0], user_id, query, from_ts(now)), False
            wid = rows[0][0]
            self._match_one(tx, wid, node, None, now, table="personal_matches")
        return PersonalWatch(wid, user_id, query, from_ts(now)), True

    def remove_personal_watch(self, user_id: str, watch_id: int) -> PersonalWatch | None:
        """Delete one of `user_id`'s saved searches (never another person's)."""
        with self.transaction() as tx:
            rows = tx.all("SELECT id, user_id, query, created_at FROM personal_watches WHERE id = ? AND user_id = ?",
                          (watch_id, user_id))
            if not rows:
                return None
            tx.run("DELETE FROM personal_matches WHERE watchlist_id = ?", (watch_id,))
            tx.run("DELETE FROM personal_watches WHERE id = ?", (watch_id,))
        r = rows[0]
        return PersonalWatch(r[0], r[1], r[2], from_ts(r[3]))

    def personal_match_counts(self, user_id: str) -> dict[int, int]:
        """Stored articles each of `user_id`'s saved searches matched, by watch id."""
        return {r[0]: r[1] for r in self._all(
            "SELECT p.id, COUNT(m.article_id) FROM personal_watches p "
            "LEFT JOIN personal_matches m ON m.watchlist_id = p.id WHERE p.user_id = ? GROUP BY p.id",
            (user_id,),
        )}

    def _match_personal(self, tx, article_ids: list[int], now: int) -> int:
        """Every saved search against just these (new) articles; called where the team's
        watchlists are matched, in the same transaction."""
        from bot.query import QueryError

        n = 0
        for wid, query in tx.all("SELECT id, query FROM personal_watches"):
            try:
                node = _parsed(query)
            except QueryError:
                continue
            n += self._match_one(tx, wid, node, article_ids, now, table="personal_matches")
        return n

    def personal_candidates(
        self,
        user_id: str,
        *,
        fetched_after: int,
        fetched_until: int,
        published_since: int | None = None,
        published_until: int | None = None,
        exclude_sent: bool = True,
        limit: int = PERSONAL_MAX_CANDIDATES,
    ) -> list[DigestCandidate]:
        """Articles `user_id`'s saved searches matched, like `digest_candidates` does for
        watchlists: each labelled with its search (`personal_label`), not yet sent to them."""
        params: list = [user_id, fetched_after, fetched_until]
        sql = (
            f"SELECT a.id, a.url, a.title, {DISPLAY_SUMMARY}, a.source, a.published, a.fetched, a.feed_id, "
            "p.query, m.score FROM personal_matches m "
            "JOIN personal_watches p ON p.id = m.watchlist_id "
            "JOIN articles a ON a.id = m.article_id "
            f"{DISPLAY_JOIN} "
            "WHERE p.user_id = ? AND a.fetched > ? AND a.fetched <= ?"
        )
        sql = and_where(sql, params, *published_between(published_since, published_until),
                        (NOT_SENT, user_id if exclude_sent else None))
        sql += " ORDER BY a.published DESC, a.id DESC"
        return candidates(self._all(sql, params), limit, personal_label)

