"""SQL for what a channel's digests already sent: the articles, and the message that carried them.

A mixin of `Store` (see base.py) for bot/digest/followup.py: a new article about a story sent
in the last days is shown as an update of it, linked to that digest. Nothing new is stored
for this: digest_items already records every article a digest covered, and digest_messages
the Slack ts of each message once it is posted; a run's channel message is its seq 0.
"""

from __future__ import annotations

from bot.models import DigestCandidate
from bot.store.clock import from_ts
from bot.store.feedstate import DISPLAY_JOIN, DISPLAY_SUMMARY

# Sent articles considered per digest, newest first: bounds the pairwise comparison.
MAX_SENT = 2000


class FollowupQueries:
    """Mixed into Store: uses its `_all()`."""

    def sent_articles(self, channel: str, *, since: int, limit: int = MAX_SENT) -> list[tuple[DigestCandidate, str, int]]:
        """(article, ts of the digest message that carried it, when it was posted) for each
        article the channel's finished digests sent since `since` (unix seconds), newest first."""
        rows = self._all(
            f"SELECT a.id, a.url, a.title, {DISPLAY_SUMMARY}, a.source, a.published, a.fetched, a.feed_id, "
            "m.ts, COALESCE(m.posted_at, r.finished_at, r.created_at) AS sent "
            "FROM digest_items d "
            "JOIN digest_runs r ON r.id = d.run_id "
            "JOIN digest_messages m ON m.run_id = r.id AND m.seq = 0 "
            "JOIN articles a ON a.id = d.article_id "
            f"{DISPLAY_JOIN} "
            "WHERE d.channel = ? AND r.status = 'done' AND m.ts IS NOT NULL "
            "AND COALESCE(m.posted_at, r.finished_at, r.created_at) >= ? "
            "ORDER BY sent DESC, a.id DESC LIMIT ?",
            (channel, since, limit),
        )
        return [
            (DigestCandidate(article_id=r[0], url=r[1], title=r[2], summary=r[3], source=r[4],
                             published=from_ts(r[5]), fetched=from_ts(r[6]), watchlists=(), score=0.0,
                             feed_id=r[7]), r[8], int(r[9]))
            for r in rows
        ]
