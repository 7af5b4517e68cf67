"""Search and `watch test`: the one query language, parsed once, run by the store.

The CLI, the slash command and watchlist previews all call these, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import SearchHit
from bot.query import parse
from bot.store import Store

MAX_LIMIT = 100


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: list[SearchHit]
    total: int  # how many stored articles match in all
    offset: int = 0

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.hits) < self.total


def search(store: Store, text: str, *, limit: int = 10, offset: int = 0) -> SearchResult:
    """Best matches first. Raises `bot.query.QueryError` with a readable message on a bad query."""
    node = parse(text)
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    hits = store.search(node, limit=limit, offset=offset)
    total = store.count_matching(node) if (hits or offset) else 0
    return SearchResult(text, hits, total, offset)


def watch_test(store: Store, text: str, *, limit: int = 5) -> SearchResult:
    """What a watchlist with this query would match among stored articles — before saving it."""
    return search(store, text, limit=limit)
