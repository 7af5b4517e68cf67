"""Search and `watch test`: the one query language, parsed once, run by the store.

The CLI, the slash command and watchlist previews all call these, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.models import SearchHit
from bot.ops.metrics import timed_search
from bot.query import QueryError, extract_languages, parse, parse_watchlist
from bot.store import NotFoundError, Store

MAX_LIMIT = 100
# Seconds one search (its page and its count) may take before it is stopped and answered
# "this query is too broad" (bot.store.QueryTooBroad). Read at each call, so tests can
# lower it.
SEARCH_BUDGET_S = 2.0


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: list[SearchHit]
    total: int  # how many stored articles match in all
    offset: int = 0

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.hits) < self.total


@timed_search  # aibrief_search_seconds (bot/ops/metrics.py)
def search(store: Store, text: str, *, limit: int = 10, offset: int = 0) -> SearchResult:
    """Best matches first. Raises `bot.query.QueryError` with a readable message on a bad
    query, and `bot.store.QueryTooBroad` for one too costly to answer within SEARCH_BUDGET_S.
    `language:fr` in the query keeps French articles only (bot.query.extract_languages)."""
    words, languages = extract_languages(text)
    return _run(store, parse(words), text, limit=limit, offset=offset, languages=languages)


def _run(store: Store, node, text: str, *, limit: int, offset: int, languages: tuple[str, ...] = ()) -> SearchResult:
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    hits, total = store.bounded_search(node, limit=limit, offset=offset, budget_s=SEARCH_BUDGET_S, languages=languages)
    return SearchResult(text, hits, total, offset)


def watch_test(store: Store, text: str, *, limit: int = 5) -> SearchResult:
    """What a watchlist with this query would match among stored articles — before saving it:
    the same scope (headline and lead) and limits as matching (`parse_watchlist`)."""
    return _run(store, parse_watchlist(text), text, limit=limit, offset=0)


def watch_matches(store: Store, name: str, *, limit: int = 20, since: datetime | None = None) -> list[SearchHit]:
    """What a watchlist caught, newest first, each with the terms that made it match.
    Raises NotFoundError for an unknown watchlist."""
    wl = store.get_watchlist(name)
    if wl is None:
        raise NotFoundError(f"no watchlist named {name!r} (see `watch list`)")
    try:
        node = parse_watchlist(wl.query)
    except QueryError:
        node = None
    return store.watchlist_matches(wl.id, node, limit=max(1, min(limit, MAX_LIMIT)), since=since)
