"""Ranking digest stories: more watchlists matched, a better match, newer — and variety on top.

A story's value is

    watchlists matched  +  0.5 × relevance  +  0.3 × freshness  +  0.15 × coverage

where relevance is its best match score over the best in this digest (0..1), freshness is
where in the window it was published (0 at the start, 1 at the end) and coverage grows
with the number of other outlets that ran it (0, ½, 1 for 0, 1, 2+). Freshness weighs
less the longer the window: over a day the newest news matters, but a weekly digest is
read for the week's stories, where Monday's story covered everywhere beats a Friday item
(its weight is 0.3 × one day / the window, at most 0.3). The three
fractions add up to less than one, so a story matching more watchlists always ranks
above one matching fewer; among equals, a better match and a newer story win.

Then `diversify` makes sure no one source fills the top: the first three places go to
three different sources when there are three, and no source takes more than a third of
the top N. Stories passed over keep their order and fill later places.
"""

from __future__ import annotations

import math
from datetime import datetime

from bot.digest.cluster import Story

W_RELEVANCE = 0.5
W_FRESHNESS = 0.3
W_COVERAGE = 0.15
DISTINCT_LEAD = 3
DAY_SECONDS = 86400  # the first places go to different sources


def story_value(story: Story, *, best_score: float, start: datetime, end: datetime) -> float:
    relevance = story.score / best_score if best_score > 0 else 0.0
    span = (end - start).total_seconds()
    age = (story.newest - start).total_seconds()
    freshness = min(1.0, max(0.0, age / span)) if span > 0 else 1.0
    coverage = min(1.0, len(story.also) / 2)
    return (
        len(story.watchlists)
        + W_RELEVANCE * max(0.0, min(1.0, relevance))
        + freshness_weight(span) * freshness
        + W_COVERAGE * coverage
    )


def freshness_weight(span_seconds: float) -> float:
    """W_FRESHNESS for windows up to a day (a little over: DST), less in proportion beyond."""
    return W_FRESHNESS * min(1.0, DAY_SECONDS / span_seconds) if span_seconds > DAY_SECONDS + 3600 else W_FRESHNESS


def rank(stories: list[Story], *, start: datetime, end: datetime) -> list[Story]:
    """Best first (ties: newer, then the lower article id for a stable order)."""
    best = max((s.score for s in stories), default=0.0)
    return sorted(
        stories,
        key=lambda s: (
            -story_value(s, best_score=best, start=start, end=end),
            -s.newest.timestamp(),
            s.primary.article_id,
        ),
    )


def source_cap(top_n: int) -> int:
    return max(1, math.ceil(top_n / 3))


def diversify(ranked: list[Story], top_n: int) -> list[Story]:
    """Reorder so no one source fills the top `top_n`; the rest follow in rank order."""
    remaining = list(ranked)
    chosen: list[Story] = []
    counts: dict[str, int] = {}
    cap = source_cap(top_n)
    while remaining and len(chosen) < top_n:
        limit = 1 if len(chosen) < DISTINCT_LEAD else cap
        pick = next((s for s in remaining if counts.get(s.source.casefold(), 0) < limit), None)
        if pick is None:  # every remaining story is from an over-represented source
            pick = next((s for s in remaining if counts.get(s.source.casefold(), 0) < cap), None)
        if pick is None:
            pick = remaining[0]
        remaining.remove(pick)
        chosen.append(pick)
        key = pick.source.casefold()
        counts[key] = counts.get(key, 0) + 1
    return chosen + remaining
