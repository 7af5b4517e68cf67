"""Search and `watch test`: the one query language, parsed once, run by the store.

Search adds what only a person reading results needs: filters (`since:` …, bot/queryfilters.py)
turned into a date window the store applies in SQL, one hit per story, and "did you mean".

The CLI, the slash command and watchlist previews all call these, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from bot.digest import cluster as _clustering
from bot.digest.cluster import cluster, link_key
from bot.models import DigestCandidate, SearchHit
from bot.ops.metrics import timed_search
from bot.query import QueryError, parse_search, parse_watchlist
from bot.queryfilters import window
from bot.store import NotFoundError, Store
from bot.store import explain_hit
from bot.suggest import SUGGEST_BELOW
from bot.suggest import suggest as suggest_query

MAX_LIMIT = 100
# Seconds one search (its page and its count) may take before it is stopped and answered
# "this query is too broad" (bot.store.QueryTooBroad). Read at each call, so tests can
# lower it.
SEARCH_BUDGET_S = 2.0


# One hit per story: copies of a story are merged over the top results, fetched this many
# more than asked for so that a page is still full after merging (a story rarely has more
# than a handful of copies; each extra row costs a little of every search).
STORY_EXTRA = 5
# Copies of a story are published within this of each other (the clustering's own window;
# a week if it ever stops naming one).
_STORY_WINDOW = getattr(_clustering, "WINDOW", timedelta(days=7))
# Beyond this many ranked hits (deep pages) only the page's own slice is merged.
MAX_MERGED = 300


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: list[SearchHit]
    total: int  # how many stored articles match in all (stories, once every hit is merged)
    offset: int = 0  # in stories
    filters: Mapping[str, Any] = field(default_factory=dict, hash=False)
    suggestion: str | None = None  # "did you mean": the query with unknown words corrected

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.hits) < self.total


@timed_search  # aibrief_search_seconds (bot/ops/metrics.py)
def search(store: Store, text: str, *, limit: int = 10, offset: int = 0, now: datetime | None = None,
           suggest: bool = True) -> SearchResult:
    """Best matches first (or newest first, `sort:new`), one hit per story. Raises
    `bot.query.QueryError` with a readable message on a bad query, and
    `bot.store.QueryTooBroad` for one too costly to answer within SEARCH_BUDGET_S.
    With fewer than SUGGEST_BELOW hits on the first page, `suggestion` may hold a corrected
    query (bot/suggest.py). `language:fr` in the query keeps French articles only (several
    `language:` filters: an article in any of them)."""
    query = parse_search(text)
    since, until = window(query.filters, now or datetime.now(timezone.utc))
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    start = offset if offset + limit + STORY_EXTRA > MAX_MERGED else 0
    fetch = offset + limit + STORY_EXTRA - start
    rows, total = store.bounded_search(
        query.node, limit=fetch, offset=start, budget_s=SEARCH_BUDGET_S,
        since=since, until=until, newest=query.sort == "new", explain=False,
        languages=query.filters.get("language", ()),
    )
    stories = one_per_story(rows)
    if len(rows) < fetch:  # every hit was read: the count of stories is known
        total = start + len(stories)
    hits = [explain_hit(h, query.node) for h in stories[offset - start: offset - start + limit]]
    suggestion = None
    if suggest and offset == 0 and len(hits) < SUGGEST_BELOW and query.node is not None:
        suggestion = suggest_query(store, text, total, (since, until))
    return SearchResult(text, hits, total, offset, query.filters, suggestion)


def _may_share_a_story(hits: list[SearchHit]) -> list[SearchHit]:
    """The hits that could be copies of another hit: the same link, or published within the
    clustering's window of another. Only these are clustered: most pages of a big archive
    span months, and comparing texts is the costly part (measured: a third of a search)."""
    if len(hits) < 2:
        return []
    by_time = sorted(range(len(hits)), key=lambda i: hits[i].published)
    keep: set[int] = set()
    for a, b in zip(by_time, by_time[1:]):
        if hits[b].published - hits[a].published <= _STORY_WINDOW:
            keep.update((a, b))
    seen: dict[str, int] = {}
    for i, h in enumerate(hits):
        j = seen.setdefault(link_key(h.url), i)
        if j != i:
            keep.update((i, j))
    return [hits[i] for i in sorted(keep)]


def one_per_story(hits: list[SearchHit]) -> list[SearchHit]:
    """Copies of one story (the digests' clustering, bot/digest/cluster.py) as one hit, in
    rank order: the best-ranked copy leads and the others' outlets go under `also` (one per
    outlet, in rank order; a second copy from the leader's own outlet is just dropped)."""
    maybe = _may_share_a_story(hits)
    if not maybe:
        return list(hits)
    rank = {h.article_id: n for n, h in enumerate(hits)}
    by_id = {h.article_id: h for h in hits}
    candidates = [
        DigestCandidate(h.article_id, h.url, h.title, h.summary, h.source, h.published, h.published,
                        h.watchlists, h.score)
        for h in maybe
    ]
    merged: dict[int, SearchHit] = {}  # leader's id → the leader with `also`
    dropped: set[int] = set()
    for story in cluster(candidates):
        if not story.others:
            continue
        members = sorted(story.members, key=lambda m: rank[m.article_id])
        lead = by_id[members[0].article_id]
        seen = {lead.source.casefold()}
        also = []
        for m in members[1:]:
            dropped.add(m.article_id)
            if m.source.casefold() not in seen:
                seen.add(m.source.casefold())
                also.append({"title": m.title, "url": m.url, "source": m.source})
        merged[lead.article_id] = replace(lead, also=tuple(also)) if also else lead
    return [merged.get(h.article_id, h) for h in hits if h.article_id not in dropped]


def _run(store: Store, node, text: str, *, limit: int, offset: int) -> SearchResult:
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    hits, total = store.bounded_search(node, limit=limit, offset=offset, budget_s=SEARCH_BUDGET_S)
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
