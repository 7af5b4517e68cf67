"""PostgreSQL top-k search through a RUM index, where the server has the extension; GIN otherwise.

Why: with GIN, PostgreSQL can only find the matching rows; ranking them (`ts_rank`) visits every
one in the heap, so a common word over a million articles takes a second or more. A RUM index
(https://github.com/postgrespro/rum, Debian's `postgresql-15-rum`) keeps each word's positions
in the index and hands matches out best-first by its own rank (`tsv <=> query`), without a heap
visit. Its rank is not ours (it knows no IDF, recency, on-topic or title-match boost), so it
only picks candidates: for the whole query and for each of its words or phrases, the index's
best `candidate_pool` matches; those are then ranked with the real formula (the same SQL as
the exact GIN path, restricted to the candidates), so the scores are exactly the exact path's
and only a match outside every pool can be missed (bench/search.py measures overlap@10).

Which path runs is decided once per store, at the first search: RUM when the index exists
(migration 11 creates it where `CREATE EXTENSION rum` succeeds) and `use_rum` is on; GIN, the
exact path, otherwise (managed databases without the extension, or `use_rum` off, the default
until the candidate pools reach the quality target: see `use_rum`).
"""

from __future__ import annotations

import os
from typing import Sequence

from bot.store.schema import RUM_INDEX  # noqa: F401  (RUM_INDEX: migration 11 creates it)
from bot.store.searchextras import window_sql
from bot.store.topk import candidate_pool, merge_candidates

# A query in every configuration the archive uses, as bot/store/postgres.py's TSQUERY_IN
# (to match) and TSQUERY_WORD (to rank by one word): the query text, the configurations.
TSQUERY_SQL = "aibrief_tsquery(?, ?::text[], true)"
RANKER_SQL = "aibrief_tsquery(?, ?::text[], false)"


def positive_leaves(node) -> list:
    """The words and phrases a match must or may contain (not the excluded ones), once each:
    the ones worth ranking candidates by."""
    from bot.query import And, Not, Or

    out: list = []

    def walk(n) -> None:
        if isinstance(n, (And, Or)):
            for item in n.items:
                walk(item)
        elif not isinstance(n, Not):
            out.append(n)

    walk(node)
    return list(dict.fromkeys(out))


class RumSearchMixin:
    """The strategy choice and the RUM candidate pools, for PostgresStore."""

    # Whether searches rank RUM's candidate pools where the index exists. Off by default:
    # measured on the benchmark (README, "Search at scale"), RUM's own rank (no length
    # normalisation, no IDF) puts too few of the exact top 10 in its pools (overlap@10 0.69 with
    # 200 candidates, 0.93 with 3,000 on 100,000 articles), so the exact GIN ranking stays the
    # default; AIBRIEF_SEARCH_RUM=1 (or `store.use_rum = True`) turns it on.
    use_rum = os.environ.get("AIBRIEF_SEARCH_RUM", "") == "1"
    _search_index: str | None = None

    def has_rum_index(self) -> bool:
        if self._search_index is None:
            found = self._all("SELECT to_regclass(?) IS NOT NULL", (RUM_INDEX,))[0][0]
            self._search_index = "rum" if found else "gin"
        return self._search_index == "rum"

    def search_index(self) -> str:
        """"rum" or "gin": the full-text path this store's searches take (`aibrief doctor` shows it)."""
        return "rum" if (self.use_rum and self.has_rum_index()) else "gin"

    def _rum_candidates(self, query: str, leaf_queries: Sequence[str], want: int,
                        window: tuple = (None, None), languages: Sequence[str] = ()) -> list[int]:
        """Ids of the index's best matches of `query` (a tsquery text): a pool ranked by the
        whole query and one per word or phrase (ranked by that word alone, among the whole
        query's matches), so that a rare word's matches are not crowded out by a common
        one's. `window`, `languages`: the date window and `language:` filter, as the exact path's."""
        pool = candidate_pool(want)
        configs = self._configs()
        extra, params = window_sql(window, languages)
        rankers = [query] + [q for q in leaf_queries if q != query] if len(leaf_queries) > 1 else [query]
        pools = []
        for ranker in rankers:
            rows = self._all(
                f"SELECT a.id FROM articles a WHERE a.tsv @@ {TSQUERY_SQL}{extra}"
                f" ORDER BY a.tsv <=> {RANKER_SQL} LIMIT ?",
                (query, configs, *params, ranker, configs, pool),
            )
            pools.append([r[0] for r in rows])
        return merge_candidates(pools)

    def _rum_search_rows(self, node, limit: int, offset: int, now: int, window: tuple = (None, None),
                         languages: Sequence[str] = ()) -> list[tuple]:
        """The page, ranked exactly as the GIN path ranks, among the RUM candidate pools."""
        from bot.query import to_tsquery

        ids = self._rum_candidates(to_tsquery(node), [to_tsquery(leaf) for leaf in positive_leaves(node)],
                                   limit + offset, window, languages)
        if not ids:
            return []
        return self._ranked_rows(node, limit, offset, now, window, languages, where=["a.id = ANY(?)"], params=[ids])

