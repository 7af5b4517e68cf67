"""SQL for what readers and admins say about a watchlist's catch: "not relevant" votes,
articles excluded from a watchlist, sources a channel muted, and the figures admins tune by.

A mixin of `Store` (see base.py), kept in its own file because it is its own subject.
Portable SQL with `?` placeholders.

Votes never change a watchlist: they are only counted and shown to admins, who decide
(exclusions and mutes are admin actions, made through bot/admin.py and audited there).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence
from bot.store.clock import from_ts, now_ts
from bot.store.where import where


@dataclass(frozen=True)
class Vote:
    user_id: str
    article_id: int
    watchlist: str
    channel: str
    created_at: datetime


@dataclass(frozen=True)
class Exclusion:
    watchlist: str
    url: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class Mute:
    channel: str
    source: str  # a source name (compared case-insensitively) or a site's host
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class WatchFigures:
    """One watchlist's counts for the tuning view (bot/tuning.py adds the why and the advice)."""

    watchlist_id: int
    name: str
    query: str
    matches_7d: int
    matches_30d: int
    votes: int  # "not relevant" clicks since the watchlist was created
    voted_articles: int


@dataclass(frozen=True)
class ArticleText:
    """What explaining a match needs: the stored text, and how many votes the article got."""

    article_id: int
    title: str
    url: str
    source: str
    published: datetime
    summary: str
    lead: str
    votes: int = 0


_TEXT_COLUMNS = "a.id, a.title, a.url, a.source, a.published, a.summary, a.lead"


def _text(row: Sequence, votes: int = 0) -> ArticleText:
    return ArticleText(row[0], row[1], row[2], row[3], from_ts(row[4]), row[5], row[6] or "", votes)


class FeedbackQueries:
    """Votes, exclusions, mutes and tuning figures (mixed into Store)."""

    # ---- "not relevant" votes ------------------------------------------------------------------
    def vote_targets(self, article_id: int, watchlists: Sequence[str], channel: str) -> list[str]:
        """Which of `watchlists` a vote on `article_id` in `channel` may go to: watchlists
        that exist and matched the article, which was in a digest posted to `channel`. A
        button value naming anything else (forged, or stale) gets an empty list."""
        names = sorted(set(watchlists))
        if not names or not channel:
            return []
        marks = ",".join("?" * len(names))
        rows = self._all(
            "SELECT w.name FROM watchlists w JOIN matches m ON m.watchlist_id = w.id "
            f"WHERE m.article_id = ? AND w.name IN ({marks}) "
            "AND EXISTS (SELECT 1 FROM digest_items d WHERE d.channel = ? AND d.article_id = ?) "
            "ORDER BY w.name",
            (article_id, *names, channel, article_id),
        )
        return [r[0] for r in rows]

    def record_votes(self, user_id: str, article_id: int, watchlists: Sequence[str], channel: str,
                     *, now: int | None = None) -> int:
        """One vote per (user, article, watchlist, channel); returns how many were new (0:
        this user had already voted on it, and nothing changed)."""
        now = now or now_ts()
        added = 0
        with self.transaction() as tx:
            for name in sorted(set(watchlists)):
                added += tx.run(
                    "INSERT INTO feedback_votes(user_id, article_id, watchlist, channel, created_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, article_id, watchlist, channel) DO NOTHING",
                    (user_id, article_id, name, channel, now),
                )
        return added

    def feedback_votes(self, watchlist: str | None = None) -> list[Vote]:
        clause, params = where(("watchlist = ?", watchlist))
        rows = self._all("SELECT user_id, article_id, watchlist, channel, created_at FROM feedback_votes"
                         f"{clause} ORDER BY created_at, user_id, article_id, watchlist, channel", params)
        return [Vote(r[0], r[1], r[2], r[3], from_ts(r[4])) for r in rows]

    # ---- exclusions ------------------------------------------------------------------------------
    def articles_with_url(self, url: str) -> list[ArticleText]:
        rows = self._all(f"SELECT {_TEXT_COLUMNS} FROM articles a WHERE a.url = ? ORDER BY a.id", (url,))
        return [_text(r) for r in rows]

    def add_exclusion(self, watchlist_id: int, url: str, *, actor: str = "", now: int | None = None) -> tuple[bool, int]:
        """Exclude the article at `url` from the watchlist: (newly excluded?, matches removed).
        Matching drops excluded URLs every time it runs (Store._drop_excluded), so a copy of
        the article stored again later stays out too."""
        with self.transaction() as tx:
            added = tx.run(
                "INSERT INTO watchlist_exclusions(watchlist_id, url, created_at, created_by) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (watchlist_id, url) DO NOTHING",
                (watchlist_id, url, now or now_ts(), actor),
            )
            removed = self._drop_excluded(tx, watchlist_id)
        return bool(added), removed

    def exclusions(self, watchlist_id: int | None = None) -> list[Exclusion]:
        clause, params = where(("e.watchlist_id = ?", watchlist_id))
        rows = self._all("SELECT w.name, e.url, e.created_at, e.created_by FROM watchlist_exclusions e "
                         f"JOIN watchlists w ON w.id = e.watchlist_id{clause} ORDER BY w.name, e.url", params)
        return [Exclusion(r[0], r[1], from_ts(r[2]), r[3]) for r in rows]

    # ---- muted sources -----------------------------------------------------------------------------
    def add_mute(self, channel: str, source: str, *, actor: str = "", now: int | None = None) -> bool:
        with self.transaction() as tx:
            return bool(tx.run(
                "INSERT INTO channel_mutes(channel, source, created_at, created_by) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (channel, source) DO NOTHING",
                (channel, source, now or now_ts(), actor),
            ))

    def remove_mute(self, channel: str, source: str) -> bool:
        with self.transaction() as tx:
            return bool(tx.run("DELETE FROM channel_mutes WHERE channel = ? AND source = ?", (channel, source)))

    def channel_mutes(self, channel: str | None = None) -> list[Mute]:
        clause, params = where(("channel = ?", channel))
        rows = self._all(f"SELECT channel, source, created_at, created_by FROM channel_mutes{clause} "
                         "ORDER BY channel, source", params)
        return [Mute(r[0], r[1], from_ts(r[2]), r[3]) for r in rows]

    def source_article_count(self, source: str) -> int:
        """Stored articles whose source name is `source` (case-insensitively)."""
        return self._one("SELECT COUNT(*) FROM articles WHERE LOWER(source) = LOWER(?)", (source,))[0]

    def host_article_count(self, host: str) -> int:
        """Stored articles linking to `host` or one of its subdomains."""
        return self._one(
            "SELECT COUNT(*) FROM articles WHERE url LIKE ? OR url LIKE ? OR url LIKE ? OR url LIKE ?",
            (f"%://{host}/%", f"%://{host}", f"%.{host}/%", f"%.{host}"),
        )[0]

    # ---- tuning figures -------------------------------------------------------------------------------
    def watch_figures(self, *, now: int | None = None) -> list[WatchFigures]:
        """Per watchlist: matches among articles published in the last 7 and 30 days, and the
        "not relevant" votes it got since it was created (votes name the watchlist, so a
        removed one's votes do not count for a new one of the same name).

        The counts start from the last 30 days' articles (the `published` index) rather than
        from each watchlist's matches, so the cost follows recent volume, not history."""
        now = now or now_ts()
        recent = {
            r[0]: (int(r[1] or 0), int(r[2] or 0))
            for r in self._all(
                "SELECT m.watchlist_id, SUM(CASE WHEN a.published >= ? THEN 1 ELSE 0 END), COUNT(*) "
                "FROM articles a JOIN matches m ON m.article_id = a.id WHERE a.published >= ? "
                "GROUP BY m.watchlist_id",
                (now - 7 * 86400, now - 30 * 86400),
            )
        }
        votes = {
            r[0]: (int(r[1]), int(r[2]))
            for r in self._all(
                "SELECT w.id, COUNT(*), COUNT(DISTINCT v.article_id) FROM feedback_votes v "
                "JOIN watchlists w ON w.name = v.watchlist WHERE v.created_at >= w.created_at GROUP BY w.id"
            )
        }
        return [
            WatchFigures(wid, name, query, *recent.get(wid, (0, 0)), *votes.get(wid, (0, 0)))
            for wid, name, query in self._all("SELECT id, name, query FROM watchlists ORDER BY name")
        ]

    def voted_articles(self, watchlist_id: int, name: str, *, limit: int = 200) -> list[ArticleText]:
        """The watchlist's articles readers voted "not relevant", most votes first."""
        rows = self._all(
            f"SELECT {_TEXT_COLUMNS}, COUNT(*) FROM feedback_votes v "
            "JOIN articles a ON a.id = v.article_id "
            "JOIN watchlists w ON w.name = v.watchlist "
            "WHERE w.id = ? AND v.watchlist = ? AND v.created_at >= w.created_at "
            "GROUP BY a.id, a.title, a.url, a.source, a.published, a.summary, a.lead "
            "ORDER BY COUNT(*) DESC, a.published DESC, a.id DESC LIMIT ?",
            (watchlist_id, name, limit),
        )
        return [_text(r, r[7]) for r in rows]

    def unvoted_matches(self, watchlist_id: int, name: str, *, limit: int = 500) -> list[ArticleText]:
        """The watchlist's newest matches nobody voted against: what it should keep catching."""
        rows = self._all(
            f"SELECT {_TEXT_COLUMNS} FROM matches m JOIN articles a ON a.id = m.article_id "
            "WHERE m.watchlist_id = ? AND NOT EXISTS ("
            " SELECT 1 FROM feedback_votes v WHERE v.watchlist = ? AND v.article_id = a.id) "
            "ORDER BY a.published DESC, a.id DESC LIMIT ?",
            (watchlist_id, name, limit),
        )
        return [_text(r) for r in rows]
