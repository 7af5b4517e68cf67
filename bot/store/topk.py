"""Top-k search without scoring every match: the backend-neutral rules (pure, no SQL).

Why: ranking scores every article a query matches (FTS5's bm25, PostgreSQL's ts_rank, about a
microsecond a row), and so does counting them; on a million articles a common word matches
100,000+ of them, which costs hundreds of milliseconds before the first result. Nobody pages
past the first few hundred results, so two things are bounded here:

- the total is counted exactly up to COUNT_CAP and shown as "1,000+" beyond: the count stops
  at COUNT_CAP + 1 rows instead of walking every match;
- where an index can hand out matches best-first by its own rank (PostgreSQL's RUM), only a
  pool of the index's best candidates is scored with the real ranking (BM25-shaped relevance ×
  recency × on-topic × title boosts). That is approximate: a match the index ranks low but the
  real ranking high (an on-topic or a very recent one) can be missed; `overlap_at` is how
  bench/search.py measures how often, against the exact ranking.
"""

from __future__ import annotations

from typing import Sequence

# Totals are exact up to this many matches; above, a search reports COUNT_CAP + 1 ("1,000+").
COUNT_CAP = 1000
# How many of the index's best candidates are scored exactly, at least, per query word or
# phrase; a deeper page (offset + limit) asks for proportionally more.
CANDIDATES_PER_LEAF = 1000
CANDIDATE_DEPTH = 4  # candidates per wanted row, beyond the floor above
MAX_CANDIDATES = 10000  # a page deep in the results scores at most this many per leaf


def capped(n: int, cap: int | None = COUNT_CAP) -> int:
    """A count as a search reports it: exact up to `cap`, `cap + 1` for anything above."""
    return n if cap is None or n <= cap else cap + 1


def count_limit(cap: int | None = COUNT_CAP) -> int | None:
    """How many matching rows a capped count must look at (None: all of them)."""
    return None if cap is None else cap + 1


def is_capped(total: int, cap: int = COUNT_CAP) -> bool:
    """Whether a reported total stands for "more than `cap`" rather than an exact count."""
    return total > cap


def shown_total(total: int, cap: int = COUNT_CAP) -> str:
    """A total for people: "42", "1,000", or "1,000+" when the count stopped at the cap."""
    return f"{cap:,}+" if is_capped(total, cap) else f"{total:,}"


def candidate_pool(limit: int, offset: int = 0) -> int:
    """How many index-ranked candidates to score exactly for a page of `limit` after `offset`."""
    want = max(1, limit + offset)
    return min(MAX_CANDIDATES, max(CANDIDATES_PER_LEAF, want * CANDIDATE_DEPTH))


def merge_candidates(pools: Sequence[Sequence[int]]) -> list[int]:
    """The ids of several candidate pools (one per query word or phrase), once each, in order."""
    return list(dict.fromkeys(i for pool in pools for i in pool))


def overlap_at(k: int, ours: Sequence[int], exact: Sequence[int]) -> float:
    """overlap@k: the share of the exact ranking's first k ids that `ours` also has in its
    first k (1.0 when the exact ranking is empty: nothing to miss)."""
    want = list(exact)[:k]
    if not want:
        return 1.0
    return len(set(want) & set(list(ours)[:k])) / len(want)
