"""SQL for articles and matching: storing a poll's new articles (once each, by dedupe key),
reading them back, and matching them against every watchlist through the full-text index.

A mixin of `Store` (see base.py). The full-text query itself is per backend
(`_match_one`, in sqlite.py and postgres.py, from one parsed `bot.query` tree); which
watchlists exist and what an admin excluded is watchlists.py's.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Sequence

from bot.lead import lead_of
from bot.models import Article
from bot.store.clock import from_ts, now_ts, to_ts
from bot.store.feedstate import DISPLAY_JOIN, DISPLAY_SUMMARY
from bot.store.where import id_chunks


@lru_cache(maxsize=4096)
def _parsed_query(query: str):
    """A watchlist's parsed query; the trees are immutable, and a poll matches the same
    few dozen queries for every batch of new articles."""
    from bot.query import parse_watchlist

    return parse_watchlist(query)


class ArticleQueries:
    """Mixed into Store."""

    def _insert_articles(self, tx, feed_id: int, articles: Iterable[Article], now: int) -> list[int]:
        """Insert the articles not seen before (by dedupe key); return their new ids. Each
        one's language is detected from its title and lead (bot/language.py) and stored: the
        index stems it in that language (bot/store/languages.py keeps the archive's set)."""
        from bot.language import detect

        new_ids: list[int] = []
        languages: set[str] = set()
        sql = (
            "INSERT INTO articles(feed_id, dedupe_key, guid, url, title, summary, lead, source, author, "
            "published, fetched, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(dedupe_key) DO NOTHING RETURNING id"
        )
        for a in articles:
            lead = lead_of(a.summary)
            language = a.language or detect(a.title, lead)
            rows = tx.all(
                sql,
                (
                    feed_id,
                    a.dedupe_key,
                    a.guid,
                    a.url,
                    a.title,
                    a.summary,
                    lead,
                    a.source,
                    a.author,
                    to_ts(a.published),
                    now,
                    language,
                ),
            )
            if rows:
                new_ids.append(rows[0][0])
                languages.add(language)
        if languages:
            self._note_languages(tx, languages)
        return new_ids

    def insert_articles(self, feed_id: int | None, articles: Iterable[Article], now: int | None = None) -> list[int]:
        """Insert and match articles outside a poll (tests, benchmarks, `db copy`)."""
        now = now or now_ts()
        with self.transaction() as tx:
            ids = self._insert_articles(tx, feed_id, articles, now)
            if ids:
                self._match_articles(tx, ids, now)
        return ids

    def count_articles(self) -> int:
        return self._one("SELECT COUNT(*) FROM articles")[0]

    def get_articles(self, ids: Sequence[int]) -> dict[int, dict]:
        out: dict[int, dict] = {}
        for chunk, marks in id_chunks(ids):
            for r in self._all(
                f"SELECT a.id, a.url, a.title, {DISPLAY_SUMMARY}, a.source, a.published, a.feed_id, a.dedupe_key "
                f"FROM articles a {DISPLAY_JOIN} WHERE a.id IN ({marks})",
                chunk,
            ):
                out[r[0]] = {
                    "id": r[0],
                    "url": r[1],
                    "title": r[2],
                    "summary": r[3],
                    "source": r[4],
                    "published": from_ts(r[5]),
                    "feed_id": r[6],
                    "dedupe_key": r[7],
                }
        return out

    def _match_articles(self, tx, article_ids: list[int], now: int) -> dict[str, int]:
        """Match every watchlist against just these (new) articles, through the full-text index."""
        from bot.query import QueryError

        counts: dict[str, int] = {}
        for wid, name, query in tx.all("SELECT id, name, query FROM watchlists"):
            try:
                node = _parsed_query(query)
            except QueryError:
                continue  # saved before a grammar change; shown as invalid in `watch list`
            counts[name] = self._match_one(tx, wid, node, article_ids, now) - self._drop_excluded(tx, wid)
        self._match_personal(tx, article_ids, now)  # people's own saved searches (bot/store/personal.py)
        return counts

    def match_new_articles(self, ids_by_feed: dict[int, list[int]], now: int) -> dict[int, dict[str, int]]:
        """Match every watchlist against the articles just stored for several feeds, in one pass.

        Call it inside the transaction that inserted them (after `record_poll_success(...,
        match=False)` for each feed): each full-text query then runs once per batch instead of
        once per feed, which is most of a poll's database time (the index has to be searched
        per query, not per article). Returns the new matches per feed id and watchlist name.
        """
        ids = [i for group in ids_by_feed.values() for i in group]
        if not ids:
            return {}
        with self.transaction() as tx:
            counts = self._match_articles(tx, ids, now)
            if len(ids_by_feed) == 1:
                return {next(iter(ids_by_feed)): {k: v for k, v in counts.items()}}
            out: dict[int, dict[str, int]] = {feed_id: {} for feed_id in ids_by_feed}
            feed_of = {i: feed_id for feed_id, group in ids_by_feed.items() for i in group}
            rows = tx.all(
                "SELECT m.article_id, w.name FROM matches m JOIN watchlists w ON w.id = m.watchlist_id "
                "WHERE m.article_id BETWEEN ? AND ?",
                (min(ids), max(ids)),
            )
            for aid, name in rows:
                feed_id = feed_of.get(aid)
                if feed_id is not None:
                    out[feed_id][name] = out[feed_id].get(name, 0) + 1
            for feed_id in out:  # the same keys as a per-feed match gives: every watchlist, zeros too
                for name in counts:
                    out[feed_id].setdefault(name, 0)
            return out

    def matches_for_articles(self, article_ids: Sequence[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for chunk, marks in id_chunks(article_ids):
            for aid, name in self._all(
                "SELECT m.article_id, w.name FROM matches m JOIN watchlists w ON w.id = m.watchlist_id "
                f"WHERE m.article_id IN ({marks}) ORDER BY w.name",
                chunk,
            ):
                out.setdefault(aid, []).append(name)
        return out
