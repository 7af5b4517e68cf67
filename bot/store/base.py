"""The store's core: `Store`, the transaction plumbing and the meta flags, the search both
backends share, and the hooks each backend implements.

All of the bot's SQL lives in bot/store/ (tests/test_import_graph.py checks), one module per
subject, each a mixin combined here: feeds.py, articles.py (storing and matching),
watchlists.py, audit.py, digests.py, feedstate.py, feedback.py, seen.py. They hold the SQL
SQLite and PostgreSQL share (written with `?` placeholders; the PostgreSQL backend
translates them). Each backend subclass (sqlite.py, postgres.py) owns what differs:
connections, DDL and migrations, the full-text parts (the query compiled per backend from
one parsed `bot.query` tree), the leader's lock, sizes and the bulk copy's steps. Callers
never see SQL or a cursor: they get the dataclasses of `bot.models` and the mixins.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from bot.lead import lead_of
from bot.models import SearchHit
from bot.store.articles import ArticleQueries
from bot.store.audit import AuditEntry, AuditQueries  # noqa: F401  (the package's names)
from bot.store.clock import from_ts, now_ts, to_ts  # noqa: F401  (the package's names)
from bot.store.digests import DigestQueries
from bot.store.errors import DuplicateError, NotFoundError, QueryTooBroad, StoreError  # noqa: F401
from bot.store.topk import COUNT_CAP
from bot.store.feedback import FeedbackQueries
from bot.store.feeds import FeedQueries, StoredPoll  # noqa: F401  (the package's names)
from bot.store.feedstate import FeedStateQueries
from bot.store.seen import SeenQueries
from bot.store.watchlists import WatchlistQueries
from bot.store.personal import PersonalQueries
from bot.store.preview import PreviewQueries
from bot.store.followups import FollowupQueries
from bot.store.llm import LLMQueries
from bot.store.saved import SavedQueries
from bot.store.languages import LanguageQueries

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


def explain_hit(hit: SearchHit, node) -> SearchHit:
    """`hit` with why it matched: the snippet around its best passage with the query's words
    marked (bot/snippet.py), the same in the title, and the matched terms (bot/explain.py).
    Pure Python over the hit's own text; search runs it only for the hits it shows."""
    from dataclasses import replace

    from bot.explain import highlight_spans, matched_terms
    from bot.snippet import passage

    snippet, spans = passage(hit.summary, node, language=hit.language)
    if node is None:
        return replace(hit, snippet=snippet)
    # the summary as the snippet read it (whitespace folded: the same words), so that its
    # words are split once for both
    summary = " ".join(hit.summary.split())
    return replace(
        hit,
        snippet=snippet,
        highlights=tuple(spans),
        title_highlights=tuple(highlight_spans(node, hit.title, hit.language)),
        matched=tuple(matched_terms(node, title=hit.title, summary=summary, lead=lead_of(hit.summary),
                                    language=hit.language)),
    )


class Store(FeedQueries, ArticleQueries, WatchlistQueries, AuditQueries, DigestQueries, SeenQueries,
            FeedStateQueries, FeedbackQueries, PersonalQueries, PreviewQueries,
            SavedQueries, FollowupQueries, LLMQueries, LanguageQueries):
    """Backend-neutral SQL, by subject in the mixins. Subclasses implement the abstract hooks at the bottom."""

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

    # ---- search (full-text parts are per backend) -----------------------------------------
    def bounded_search(
        self, node, *, limit: int, offset: int = 0, budget_s: float, now: int | None = None,
        since: int | None = None, until: int | None = None, newest: bool = False, explain: bool = True,
        languages: Sequence[str] = (),
    ) -> tuple[list[SearchHit], int]:
        """The ranked page and the total count, or QueryTooBroad.

        Why: the listener threads that answer Slack are shared, so one search must not be
        able to run for seconds. Each prefix is first checked against the index's
        vocabulary (more than MAX_PREFIX_TERMS words → refused before any work), then the
        page and the count run under one time budget that the database itself enforces
        (`_time_budget`, per backend): past it the statement is interrupted.

        `since`/`until` (Unix seconds, inclusive) narrow by `published` in the database
        itself; `newest` orders by `published` instead of relevance. `node` None (a query
        of only filters) lists the newest articles in that window. `languages` (`language:fr`
        in a query): only articles detected in one of them.
        """
        with self._time_budget(budget_s):
            for prefix in (prefix_tokens(node) if node is not None else ()):
                if self._prefix_expansions(prefix, MAX_PREFIX_TERMS + 1) > MAX_PREFIX_TERMS:
                    raise QueryTooBroad(
                        f"this query is too broad: `{prefix}*` matches more than {MAX_PREFIX_TERMS} words; "
                        "use a longer prefix"
                    )
            languages = tuple(languages)
            if newest or node is None:
                hits = self._hits(self._newest_rows(node, limit, offset, since, until, languages), node, explain)
            else:
                hits = self.search(node, limit=limit, offset=offset, now=now, since=since, until=until,
                                   explain=explain, languages=languages)
            # exact up to COUNT_CAP, COUNT_CAP + 1 ("1,000+") beyond: bot/store/topk.py
            total = self.count_matching(node, since=since, until=until, languages=languages,
                                        cap=COUNT_CAP) if (hits or offset) else 0
        return hits, total

    def search(self, node, *, limit: int = 10, offset: int = 0, now: int | None = None,
               since: int | None = None, until: int | None = None, explain: bool = True,
               languages: Sequence[str] = ()) -> list[SearchHit]:
        """Best matches first: BM25 (title weighted) blended with recency."""
        if since is None and until is None and not languages:
            rows = self._search_rows(node, limit, offset, now or now_ts())
        else:
            rows = self._search_rows(node, limit, offset, now or now_ts(), window=(since, until),
                                     languages=tuple(languages))
        return self._hits(rows, node, explain)

    def _hits(self, rows: Sequence[tuple], node, explain: bool = True) -> list[SearchHit]:
        """Rows of (id, title, url, source, published, summary, score) as hits that say why
        they matched (`node`'s words found in each, None: not known) and which watchlists
        caught them. `explain=False` leaves the why (snippet, highlights, matched) for
        `explain_hit` to add later, to the hits that are shown."""
        caught = self.matches_for_articles([r[0] for r in rows])
        language = self.languages_of([r[0] for r in rows])
        hits = [
            SearchHit(
                article_id=r[0],
                title=r[1],
                url=r[2],
                source=r[3],
                published=from_ts(r[4]),
                score=float(r[6]),
                snippet="",
                watchlists=tuple(caught.get(r[0], ())),
                summary=r[5],
                language=language.get(r[0], "und"),
            )
            for r in rows
        ]
        return [explain_hit(h, node) for h in hits] if explain else hits

    def count_matching(self, node, *, since: int | None = None, until: int | None = None,
                       languages: Sequence[str] = (), cap: int | None = None) -> int:
        """How many articles match; with `cap`, exact up to it and `cap + 1` for more."""
        if since is None and until is None and not languages and node is not None:
            return self._count_rows(node, cap)
        return self._count_window(node, since, until, tuple(languages), cap)

    # ---- backend hooks ---------------------------------------------------------------------
    # What differs between SQLite and PostgreSQL is a method of each backend, so that no caller
    # asks which backend it has: the scheduler's lock (bot/leader.py), the database's files
    # and size (doctor, db prune) and the bulk copy's steps (copy.py).
    def leader_lock(self):  # pragma: no cover - abstract
        """The lock the scheduler's leadership is won with (bot/store/locks.py)."""
        raise NotImplementedError

    def files(self) -> list:  # pragma: no cover - abstract
        """The files on this machine that hold the bot's data (none for a server database)."""
        raise NotImplementedError

    def database_bytes(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def free_fraction(self) -> float | None:  # pragma: no cover - abstract
        """The share of the database that is reusable free space, None where not measured."""
        raise NotImplementedError

    def last_vacuum(self) -> int | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def table_names(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def table_columns(self, table: str) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def insert_rows(self, tx, table: str, columns: Sequence[str], rows: list[tuple]) -> None:  # pragma: no cover
        raise NotImplementedError

    def clear_tables(self, tx, tables: Sequence[str]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def bulk_load(self, tx, tables: Sequence[str], identities: Sequence[str], progress):  # pragma: no cover
        """A context manager around a bulk copy's inserts (copy.py)."""
        raise NotImplementedError

    def search_index(self) -> str:
        """The full-text path searches take: "fts5" (SQLite), "rum" or "gin" (PostgreSQL,
        bot/store/rum.py); `aibrief doctor` names it."""
        return "fts5"

    def has_rum_index(self) -> bool:
        return False

    def migrate(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def schema_version(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def _match_one(self, tx, watchlist_id: int, node, article_ids: list[int] | None, now: int,
                   *, table: str = "matches") -> int:
        """Store `node`'s matches among `article_ids` (None: all) in `table` (`matches`, or
        `personal_matches` for a person's saved search: the same columns)."""
        raise NotImplementedError  # pragma: no cover

    def _search_rows(self, node, limit: int, offset: int, now: int, window: tuple = (None, None),
                     languages: tuple[str, ...] = ()) -> list[tuple]:
        """Rows of (id, title, url, source, published, summary, score), best first, among
        articles published within `window` (inclusive Unix seconds; None: open) and, with
        `languages`, in one of those languages."""
        raise NotImplementedError  # pragma: no cover

    def _newest_rows(self, node, limit: int, offset: int, since: int | None, until: int | None,
                     languages: tuple[str, ...] = ()) -> list[tuple]:
        """Rows as `_search_rows`, newest first (bot/store/searchextras.py)."""
        raise NotImplementedError  # pragma: no cover

    def _count_window(self, node, since: int | None, until: int | None, languages: tuple[str, ...] = (),
                      cap: int | None = None) -> int:
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
