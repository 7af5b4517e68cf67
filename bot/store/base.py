"""The store: the SQL of the bot's own data lives in this package (the scheduler's leader
lock in bot/leader.py and the backup checks in bot/ops/backup.py still run a few statements
of their own).

`Store` holds the SQL that SQLite and PostgreSQL share (written with `?` placeholders; the
PostgreSQL backend translates them). Each backend subclass owns what differs: connections,
DDL and migrations, and the full-text parts (the query compiled per backend from one parsed
`bot.query` tree). Callers never see SQL or a cursor: they get the dataclasses of
`bot.models`.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Iterable, Iterator, Sequence

from bot.lead import lead_of
from bot.models import Article, Feed, SearchHit, Watchlist
from bot.store.clock import from_ts, now_ts, to_ts  # noqa: F401  (the package's names)
from bot.store.digests import DigestQueries
from bot.store.feedstate import DISPLAY_JOIN, DISPLAY_SUMMARY, FeedStateQueries
from bot.store.seen import SeenQueries
from bot.store.topk import COUNT_CAP
from bot.store.feedback import FeedbackQueries

# How much recency counts against relevance: an article RECENCY_DAYS old keeps 7/8 of its
# relevance, a very old one 3/4. Relevance dominates; of two equal matches the newer wins.
RECENCY_DAYS = 30.0
RECENCY_WEIGHT = 0.25
# Title matches weigh this many times more than summary matches in BM25.
TITLE_WEIGHT = 4.0
# An article on one of the team's watchlists is what the team cares about: with the same
# words, it ranks above an off-topic one (a China *tourism* story for `china travel`).
ON_TOPIC_BOOST = 1.5
# An article whose title alone satisfies the whole query is about the query, however long its
# summary (BM25 favours short documents; a long body must not bury a headline match).
TITLE_MATCH_BOOST = 2.0
# The blend both backends rank by, over a subquery's `rel` (the backend's own relevance,
# higher is better), `age` (days), `on_topic` and `in_title`: relevance × a recency factor
# in (¾, 1] × the on-topic and title-match boosts.
SCORE = (
    f"rel * (1.0 - {RECENCY_WEIGHT} * age / ({RECENCY_DAYS} + age))"
    f" * (CASE WHEN on_topic THEN {ON_TOPIC_BOOST} ELSE 1.0 END)"
    f" * (CASE WHEN in_title THEN {TITLE_MATCH_BOOST} ELSE 1.0 END)"
)


# A prefix that expands to more index words than this is refused before it runs: each word
# is one more list of articles for the index to merge (see Store.bounded_search).
MAX_PREFIX_TERMS = 500


def too_slow(seconds: float) -> QueryTooBroad:
    """The error for a search stopped by its time budget."""
    return QueryTooBroad(
        f"this query is too broad: it did not finish within {seconds:g} s; "
        "narrow it down (fewer OR alternatives, longer prefixes, more words)"
    )


def prefix_tokens(node) -> list[str]:
    """The prefixes of a query tree (`secur` of secur*, `learn` of "machine learn*"),
    excluded ones and those inside a NEAR too (they cost the same), once each."""
    from bot.query import Term, leaves

    return list(dict.fromkeys(
        (n.text if isinstance(n, Term) else n.words[-1]) for n in leaves(node) if n.prefix
    ))


@lru_cache(maxsize=4096)
def _parsed_query(query: str):
    """A watchlist's parsed query; the trees are immutable, and a poll matches the same
    few dozen queries for every batch of new articles."""
    from bot.query import parse_watchlist

    return parse_watchlist(query)


class StoreError(Exception):
    """A store operation a user asked for cannot be done (e.g. a name already taken)."""


class DuplicateError(StoreError):
    pass


class QueryTooBroad(StoreError):
    """A search refused or stopped because answering it would take too long: a prefix that
    expands to too many index words, or a query that ran past its time budget. Its message
    starts "this query is too broad: " and says what to change."""


class NotFoundError(StoreError):
    pass


@dataclass(frozen=True)
class PollOutcome:
    """What one feed's poll changed, written in one transaction."""

    feed_id: int
    new_article_ids: list[int]
    matches: dict[str, int]  # watchlist name → newly matched articles


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    before: Any
    after: Any


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


class Store(DigestQueries, SeenQueries, FeedStateQueries, FeedbackQueries):
    """Backend-neutral SQL. Subclasses implement the abstract hooks at the bottom."""

    backend = "abstract"

    # ---- connection plumbing (backend hooks) -------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Any]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    def _all(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self.transaction() as tx:
            return tx.all(sql, params)

    def _one(self, sql: str, params: Sequence = ()) -> tuple | None:
        rows = self._all(sql, params)
        return rows[0] if rows else None

    def close(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # ---- meta ----------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return row[0] if row else None

    def set_meta(self, key: str, value: str, tx=None) -> None:
        sql = (
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
        )
        if tx is not None:
            tx.run(sql, (key, value))
            return
        with self.transaction() as t:
            t.run(sql, (key, value))

    # ---- feeds ---------------------------------------------------------------------------
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

    # Appended to the claim's row selection by backends that can lock rows (PostgreSQL).
    SKIP_LOCKED = ""

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
    ) -> PollOutcome:
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
        return PollOutcome(feed_id, new_ids, matches)

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

    def _insert_articles(self, tx, feed_id: int, articles: Iterable[Article], now: int) -> list[int]:
        """Insert the articles not seen before (by dedupe key); return their new ids."""
        new_ids: list[int] = []
        sql = (
            "INSERT INTO articles(feed_id, dedupe_key, guid, url, title, summary, lead, source, author, "
            "published, fetched) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(dedupe_key) DO NOTHING RETURNING id"
        )
        for a in articles:
            rows = tx.all(
                sql,
                (
                    feed_id,
                    a.dedupe_key,
                    a.guid,
                    a.url,
                    a.title,
                    a.summary,
                    lead_of(a.summary),
                    a.source,
                    a.author,
                    to_ts(a.published),
                    now,
                ),
            )
            if rows:
                new_ids.append(rows[0][0])
        return new_ids

    def insert_articles(self, feed_id: int | None, articles: Iterable[Article], now: int | None = None) -> list[int]:
        """Insert and match articles outside a poll (tests, benchmarks, `db copy`)."""
        now = now or now_ts()
        with self.transaction() as tx:
            ids = self._insert_articles(tx, feed_id, articles, now)
            if ids:
                self._match_articles(tx, ids, now)
        return ids

    # ---- articles ------------------------------------------------------------------------
    def count_articles(self) -> int:
        return self._one("SELECT COUNT(*) FROM articles")[0]

    def get_articles(self, ids: Sequence[int]) -> dict[int, dict]:
        out: dict[int, dict] = {}
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
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

    # ---- watchlists ----------------------------------------------------------------------
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
        return counts

    def _drop_excluded(self, tx, watchlist_id: int) -> int:
        """Undo matches an admin excluded (`watch exclude`), by the article's URL."""
        return tx.run(
            "DELETE FROM matches WHERE watchlist_id = ? AND article_id IN ("
            " SELECT a.id FROM watchlist_exclusions e JOIN articles a ON a.url = e.url"
            " WHERE e.watchlist_id = ?)",
            (watchlist_id, watchlist_id),
        )

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
        ids = list(article_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for aid, name in self._all(
                "SELECT m.article_id, w.name FROM matches m JOIN watchlists w ON w.id = m.watchlist_id "
                f"WHERE m.article_id IN ({marks}) ORDER BY w.name",
                chunk,
            ):
                out.setdefault(aid, []).append(name)
        return out

    # ---- search (full-text parts are per backend) -----------------------------------------
    def bounded_search(
        self, node, *, limit: int, offset: int = 0, budget_s: float, now: int | None = None
    ) -> tuple[list[SearchHit], int]:
        """The ranked page and the total count, or QueryTooBroad.

        Why: the listener threads that answer Slack are shared, so one search must not be
        able to run for seconds. Each prefix is first checked against the index's
        vocabulary (more than MAX_PREFIX_TERMS words → refused before any work), then the
        page and the count run under one time budget that the database itself enforces
        (`_time_budget`, per backend): past it the statement is interrupted.
        """
        with self._time_budget(budget_s):
            for prefix in prefix_tokens(node):
                if self._prefix_expansions(prefix, MAX_PREFIX_TERMS + 1) > MAX_PREFIX_TERMS:
                    raise QueryTooBroad(
                        f"this query is too broad: `{prefix}*` matches more than {MAX_PREFIX_TERMS} words; "
                        "use a longer prefix"
                    )
            hits = self.search(node, limit=limit, offset=offset, now=now)
            # exact up to COUNT_CAP, COUNT_CAP + 1 ("1,000+") beyond: bot/store/topk.py
            total = self.count_matching(node, cap=COUNT_CAP) if (hits or offset) else 0
        return hits, total

    def search(self, node, *, limit: int = 10, offset: int = 0, now: int | None = None) -> list[SearchHit]:
        """Best matches first: BM25 (title weighted) blended with recency."""
        rows = self._search_rows(node, limit, offset, now or now_ts())
        return self._hits(rows, node)

    def _hits(self, rows: Sequence[tuple], node) -> list[SearchHit]:
        """Rows of (id, title, url, source, published, summary, score) as hits that say why
        they matched (`node`'s words found in each, None: not known) and which watchlists
        caught them."""
        from bot.explain import matched_terms
        from bot.query import positive_words
        from bot.snippet import make_snippet

        words = positive_words(node) if node is not None else []
        caught = self.matches_for_articles([r[0] for r in rows])
        return [
            SearchHit(
                article_id=r[0],
                title=r[1],
                url=r[2],
                source=r[3],
                published=from_ts(r[4]),
                score=float(r[6]),
                snippet=make_snippet(r[5], words),
                matched=tuple(matched_terms(node, title=r[1], summary=r[5], lead=lead_of(r[5])))
                if node is not None
                else (),
                watchlists=tuple(caught.get(r[0], ())),
            )
            for r in rows
        ]

    def watchlist_matches(self, watchlist_id: int, node, *, limit: int = 20, since: datetime | None = None) -> list[SearchHit]:
        """What one watchlist caught, newest first (`node`: its parsed query, to say why)."""
        rows = self._all(
            "SELECT a.id, a.title, a.url, a.source, a.published, a.summary, m.score "
            "FROM matches m JOIN articles a ON a.id = m.article_id "
            "WHERE m.watchlist_id = ? AND a.published >= ? "
            "ORDER BY a.published DESC, a.id DESC LIMIT ?",
            (watchlist_id, to_ts(since) if since else 0, limit),
        )
        return self._hits(rows, node)

    def count_matching(self, node, *, cap: int | None = None) -> int:
        """How many articles match; with `cap`, exact up to it and `cap + 1` for more."""
        return self._count_rows(node, cap)

    # ---- audit ---------------------------------------------------------------------------
    def audit(self, actor: str, action: str, target: str, before: Any, after: Any, tx=None) -> None:
        sql = "INSERT INTO audit_log(at, actor, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)"
        params = (now_ts(), actor, action, target, json.dumps(before), json.dumps(after))
        if tx is not None:
            tx.run(sql, params)
            return
        with self.transaction() as t:
            t.run(sql, params)

    def audit_entries(self, limit: int = 50) -> list[AuditEntry]:
        rows = self._all(
            "SELECT id, at, actor, action, target, before, after FROM audit_log "
            "ORDER BY at DESC, id DESC LIMIT ?",
            (limit,),
        )
        return [
            AuditEntry(r[0], from_ts(r[1]), r[2], r[3], r[4], json.loads(r[5] or "null"), json.loads(r[6] or "null"))
            for r in rows
        ]

    # ---- backend hooks ---------------------------------------------------------------------
    def migrate(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def schema_version(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def _match_one(self, tx, watchlist_id: int, node, article_ids: list[int] | None, now: int) -> int:
        raise NotImplementedError  # pragma: no cover

    def _search_rows(self, node, limit: int, offset: int, now: int) -> list[tuple]:
        """Rows of (id, title, url, source, published, summary, score), best first."""
        raise NotImplementedError  # pragma: no cover

    def _count_rows(self, node, cap: int | None = None) -> int:
        raise NotImplementedError  # pragma: no cover

    @contextmanager
    def _time_budget(self, seconds: float) -> Iterator[None]:
        """Statements this thread runs inside are stopped after `seconds` in all, and the
        stop raised as QueryTooBroad."""
        raise NotImplementedError  # pragma: no cover
        yield

    def _prefix_expansions(self, prefix: str, limit: int) -> int:
        """How many index words `prefix*` expands to, counted up to `limit`."""
        raise NotImplementedError  # pragma: no cover

    def _rescore_matches(self, tx, watchlist_id: int, node) -> int:
        """Recompute a watchlist's stored match scores on this backend's scale (`db copy`)."""
        raise NotImplementedError  # pragma: no cover
