"""The pool of PostgreSQL's two-stage ranking (bot/store/postgres.py, `_ranked`): how many
matches get the on-topic lookup, and when those decide the page exactly (pure: no SQL).

Why a pool: the on-topic flag (is the article on a watchlist) is a lookup per match, which on
PostgreSQL is a correlated subquery that keeps the scan out of parallel workers. Every match is
ranked by its score with the flag false (`s0`) first; only the best pool get the flag. The flag
at most multiplies a score by ON_TOPIC_BOOST, so a match left out of the pool scores at most
ON_TOPIC_BOOST × the pool's lowest s0: when the page's last score is above that, the page is
the page of ranking every match.
"""

from __future__ import annotations

from bot.store.base import ON_TOPIC_BOOST

# How many matches get the on-topic lookup at first, at least (a page is rarely decided deeper
# than a few hundred), and the largest pool tried before every match is.
RANK_POOL = 200
RANK_POOL_MAX = 20_000
GROWTH = 8


def first_pool(limit: int, offset: int) -> int:
    return max(RANK_POOL, 4 * (limit + offset))


def next_pool(pool: int) -> int | None:
    """The next pool to try, or None: every match."""
    bigger = pool * GROWTH
    return bigger if bigger <= RANK_POOL_MAX else None


def pool_is_enough(rows: list[tuple], pool: int, limit: int) -> bool:
    """Whether a page ranked from the best `pool` matches by s0 (see _ranked) is the page of
    ranking every match. Yes if the pool held every match; else if the page is full and its
    last score beats what any match outside the pool could score (ON_TOPIC_BOOST × the
    pool's lowest s0, with a margin for the rounding of the two products). `rows`: the page,
    each (id, title, url, source, published, summary, score, the pool's lowest s0, the
    pool's size)."""
    if not rows:  # the pool (at least 4 × offset + limit) was not full: it held every match
        return True
    floor, pooled = rows[0][7], rows[0][8]
    if pooled < pool:
        return True
    return len(rows) == limit and rows[-1][6] > ON_TOPIC_BOOST * floor * (1 + 1e-9)


