"""SQL for what a feed's row does not say: how its last poll ended, and full text.

A mixin of `Store` (see base.py), like `digests.py`, over tables of its own (migration 3):
- `feed_polls`: the last poll's outcome, so health can say "unchanged (304)" apart from "ok"
  and "never polled" apart from both;
- `feed_fulltext`: the feeds whose new articles get their page fetched, with counts and the
  last extraction failure, shown to admins;
- `article_fulltext`: per such article, its page's state (pending → ok | failed) and the
  feed's own teaser. When a page's text is extracted, `articles.summary` becomes the teaser
  followed by that text (what the full-text index and matching read, without changing the
  index's layout) and the teaser is kept here for display: digests show `teaser` when it is
  set, else `summary`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

from bot.lead import lead_of
from bot.store.clock import from_ts


# The summary to show: the feed's own teaser when the stored summary carries a page's text.
# `a` is the articles alias, `ft` a LEFT JOIN of article_fulltext (see DISPLAY_JOIN).
DISPLAY_SUMMARY = "COALESCE(ft.teaser, a.summary)"
DISPLAY_JOIN = "LEFT JOIN article_fulltext ft ON ft.article_id = a.id"


@dataclass(frozen=True)
class PollState:
    polled_at: datetime
    outcome: str  # ok | unchanged | failed
    status: int | None  # the last HTTP status, None when no response came
    items: int  # entries the last document held (0 for unchanged or failed)


@dataclass(frozen=True)
class FullTextSetting:
    feed_id: int
    enabled: bool
    pages_ok: int
    pages_failed: int
    last_error: str | None
    last_error_at: datetime | None


@dataclass(frozen=True)
class PendingPage:
    article_id: int
    feed_id: int
    url: str
    summary: str
    published: int


class FeedStateQueries:
    """Mixed into Store: uses its `transaction()` and `_all()`."""

    # ---- last poll ------------------------------------------------------------------------
    def record_poll_state(self, feed_id: int, outcome: str, *, status: int | None, items: int, now: int) -> None:
        with self.transaction() as tx:
            tx.run(
                "INSERT INTO feed_polls(feed_id, polled_at, outcome, status, items) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(feed_id) DO UPDATE SET polled_at = excluded.polled_at, outcome = excluded.outcome, "
                "status = excluded.status, items = excluded.items",
                (feed_id, now, outcome, status, items),
            )

    def poll_states(self) -> dict[int, PollState]:
        rows = self._all("SELECT feed_id, polled_at, outcome, status, items FROM feed_polls")
        return {r[0]: PollState(from_ts(r[1]), r[2], r[3], r[4]) for r in rows}

    # ---- full text: per feed ----------------------------------------------------------------
    def set_full_text(self, feed_id: int, enabled: bool) -> None:
        with self.transaction() as tx:
            tx.run(
                "INSERT INTO feed_fulltext(feed_id, enabled) VALUES (?, ?) "
                "ON CONFLICT(feed_id) DO UPDATE SET enabled = excluded.enabled",
                (feed_id, 1 if enabled else 0),
            )
            if not enabled:  # pages not fetched yet stay as the feed gave them
                tx.run(
                    "UPDATE article_fulltext SET state = 'skipped', done_at = ? WHERE feed_id = ? AND state = 'pending'",
                    (int(datetime.now(timezone.utc).timestamp()), feed_id),
                )

    def full_text_settings(self) -> dict[int, FullTextSetting]:
        rows = self._all(
            "SELECT feed_id, enabled, pages_ok, pages_failed, last_error, last_error_at FROM feed_fulltext"
        )
        return {r[0]: FullTextSetting(r[0], bool(r[1]), r[2], r[3], r[4], from_ts(r[5])) for r in rows}

    def full_text_feed_ids(self) -> set[int]:
        return {r[0] for r in self._all("SELECT feed_id FROM feed_fulltext WHERE enabled = 1")}

    # ---- full text: per article -------------------------------------------------------------
    def queue_full_text(self, feed_id: int, article_ids: Iterable[int], *, now: int) -> None:
        """Mark new articles of a full-text feed for one page fetch (inside the poll's transaction)."""
        ids = list(article_ids)
        if not ids:
            return
        with self.transaction() as tx:
            tx.many(
                "INSERT INTO article_fulltext(article_id, feed_id, state, queued_at) VALUES (?, ?, 'pending', ?) "
                "ON CONFLICT(article_id) DO NOTHING",
                [(i, feed_id, now) for i in ids],
            )

    def pending_full_text(self, limit: int = 1000) -> list[PendingPage]:
        """Articles whose page is still to be fetched, of feeds that still want it; newest first."""
        rows = self._all(
            "SELECT a.id, ft.feed_id, a.url, a.summary, a.published FROM article_fulltext ft "
            "JOIN articles a ON a.id = ft.article_id "
            "JOIN feed_fulltext f ON f.feed_id = ft.feed_id AND f.enabled = 1 "
            "WHERE ft.state = 'pending' ORDER BY a.published DESC, a.id LIMIT ?",
            (limit,),
        )
        return [PendingPage(*r) for r in rows]

    def full_text_states(self) -> dict[str, int]:
        """How many articles' pages are in each state (pending, ok, failed, skipped)."""
        return dict(self._all("SELECT state, COUNT(*) FROM article_fulltext GROUP BY state"))

    def finish_full_text(self, page: PendingPage, text: str | None, error: str | None, *, now: int) -> None:
        """Record one page: with `text`, the indexed summary becomes teaser + text and the
        teaser is kept for display; without, the feed's text stays and the reason is
        recorded on the article and the feed."""
        with self.transaction() as tx:
            if text:
                # the lead too: a teaser line alone would leave watchlists (title + lead) blind
                # to the body they asked the page for
                tx.run("UPDATE articles SET summary = ?, lead = ? WHERE id = ?", (text, lead_of(text), page.article_id))
                tx.run(
                    "UPDATE article_fulltext SET state = 'ok', teaser = ?, error = NULL, done_at = ? WHERE article_id = ?",
                    (page.summary, now, page.article_id),
                )
                tx.run("UPDATE feed_fulltext SET pages_ok = pages_ok + 1 WHERE feed_id = ?", (page.feed_id,))
            else:
                tx.run(
                    "UPDATE article_fulltext SET state = 'failed', error = ?, done_at = ? WHERE article_id = ?",
                    ((error or "no text")[:500], now, page.article_id),
                )
                tx.run(
                    "UPDATE feed_fulltext SET pages_failed = pages_failed + 1, last_error = ?, last_error_at = ? "
                    "WHERE feed_id = ?",
                    ((error or "no text")[:500], now, page.feed_id),
                )
