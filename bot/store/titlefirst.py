"""SQLite's title-first ranking: the first page of a broad query without scoring every match.

Why: FTS5 ranks by scoring every row a query matches (bm25, about a microsecond a row, and
reading `published` and the on-topic flag of each): a common word on a million articles is
100,000-200,000 scorings, several hundred milliseconds, before the first result. But the
exact top of the ranking (SCORE in bot/store/base.py: BM25 with the title weighted 4, ×2 for
a title match, ×1.5 on-topic, × a recency factor in (3/4, 1]) is almost always short articles
with the query in the headline, and the rest is predictable. So a small pool of candidates is
gathered, each by something FTS5 does cheaply, and ONLY the pool is scored, with the exact
path's formula in one statement (so its scores are the exact path's, bit for bit):

- the best POOL_TITLE title matches, by BM25 over the title column (FTS5's `title : (…)`,
  which scores only the title matches — a fifth of the matches or fewer — with the whole
  article's length, the same length normalisation as the real ranking);
- the newest POOL_NEWEST matches (rowid order: no scoring), for the recency factor;
- every match in one of the archive's rarer languages (the ones indexed apart from English,
  bot/langindex.py): their words are rare in the index, so BM25's IDF ranks them high even
  without a title match (the `articles_language` index finds them);
- every match of a word or phrase that alone matches at most SMALL articles (the rare side of
  an OR: a high IDF again).

The pool is scored in one pass over the query's matches that computes bm25 only for the
pool's rows (`+rowid IN …`: one FTS5 scan, so the IDFs are computed once, not per row); on an
archive of several languages, one pass per language form (bot.query.to_fts5_by_language), and
the pools are read from English's form alone (the rarer languages' matches join the pool
whole): the ORed text of 17 forms made FTS5 score every form for every title match.
It is approximate — a match outside every pool is missed — so bench/search.py measures
overlap@10 with the exact ranking. Where the pool cannot be trusted the exact path runs:
a query matching at most SMALL articles (scoring them all is cheap), a page deeper than
MAX_DEPTH, a date window or `language:` filter, more than RARE_LANGUAGE_CAP articles in
rarer languages, a relaxed NEAR, or a pool that scores fewer rows than the page needs.
`exact_search` (AIBRIEF_SEARCH_EXACT=1) turns it off: the exact path is the reference.
"""

from __future__ import annotations

import json
import os

POOL_TITLE = int(os.environ.get("AIBRIEF_POOL_TITLE", "1000"))  # tuned on half the benchmark's queries, checked on the other half (README)
POOL_NEWEST = 100
SMALL = 3000  # a query (or one of its words) matching at most this many: all of them
LEAF_SCORED = int(os.environ.get("AIBRIEF_LEAF_SCORED", "30000"))  # a word matching at most this many: its best POOL_TITLE by BM25
MAX_DEPTH = 50  # limit + offset beyond this: the exact path
RARE_LANGUAGE_CAP = 3000  # more articles than this in rarer languages: the exact path


def positive_leaves(node) -> list:
    """The words and phrases a match must or may contain (not the excluded ones), once each."""
    from bot.store.rum import positive_leaves as leaves

    return leaves(node)


class TitleFirstMixin:
    """The candidate pools and their exact scoring, for SQLiteStore (see the module's doc)."""

    exact_search = os.environ.get("AIBRIEF_SEARCH_EXACT", "") == "1"

    def _title_first_rows(self, node, branches: list[str], marked: tuple[str, ...], limit: int, offset: int,
                          now: int, tx) -> list[tuple] | None:
        """The page from the pools, or None where the exact path must run instead. `branches`:
        the query's FTS5 text per language form (English's first), or its one ORed text;
        `marked`: the archive's rarer languages."""
        from bot.query import to_fts5, to_fts5_by_language

        want = limit + offset
        if self.exact_search or want > MAX_DEPTH:
            return None
        run = tx.conn.execute
        # Split by language where that is exact (as the exact path): the pools below are read
        # from English's form alone, since every match in a rarer language joins the pool
        # anyway, and each language's rows are scored over their own forms only (the same
        # BM25; the ORed text scores every form for every row).
        main = branches[0]
        newest = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT ?"
        # one pass for both: whether the query is small, and its newest matches
        ids = [r[0] for r in run(newest, (main, SMALL + 1))]
        if len(ids) <= SMALL:
            return None
        pool = set(ids[:POOL_NEWEST])
        if marked:
            rare = [r[0] for r in run(f"SELECT id FROM articles WHERE language IN ({','.join('?' * len(marked))})"
                                      " LIMIT ?", (*marked, RARE_LANGUAGE_CAP + 1))]
            if len(rare) > RARE_LANGUAGE_CAP:
                return None
            pool.update(rare)  # the scoring pass keeps the ones that match
        pool.update(r[0] for r in run(
            f"SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY {self._bm25_sql()} LIMIT ?",
            (f"title : ({main})", POOL_TITLE)))
        leaves = positive_leaves(node)
        if len(leaves) > 1:
            count = "SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT ?)"
            for leaf in leaves:
                leaf_expr = (to_fts5_by_language(leaf, marked) or [to_fts5(leaf, marked)])[0]
                ids = [r[0] for r in run(newest, (leaf_expr, SMALL + 1))]
                if len(ids) <= SMALL:
                    pool.update(ids)
                elif run(count, (leaf_expr, LEAF_SCORED + 1)).fetchone()[0] <= LEAF_SCORED:
                    pool.update(r[0] for r in run(  # a rarer word's best matches (its IDF is high)
                        f"SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY {self._bm25_sql()} LIMIT ?",
                        (leaf_expr, POOL_TITLE)))
        from bot.store.base import SCORE

        # The exact path's statement (SQLiteStore._search_rows_one_statement), bm25 computed
        # for the pool's rows only, in one FTS5 scan each (`+` keeps the rowid test out of
        # FTS5's plan: a rowid lookup per row would compute the IDFs again each time); the
        # articles rows are read for the pool's matches alone.
        # (one branch per language form: each row matches one of them only)
        scored = " UNION ALL ".join(
            [f"SELECT rowid AS id, -{self._bm25_sql()} AS rel FROM articles_fts"
             " WHERE articles_fts MATCH ? AND +rowid IN (SELECT id FROM pool)"] * len(branches))
        titled = " UNION ALL ".join(
            ["SELECT rowid AS id FROM articles_fts WHERE articles_fts MATCH ? AND +rowid IN (SELECT id FROM pool)"]
            * len(branches))
        rows = tx.all(
            "WITH pool(id) AS MATERIALIZED (SELECT value FROM json_each(?)),"
            f" hits AS MATERIALIZED ({scored}),"
            f" titled AS MATERIALIZED ({titled})"
            f" SELECT id, title, url, source, published, summary, {SCORE} AS score FROM ("
            "  SELECT a.id, a.title, a.url, a.source, a.published, a.summary, h.rel AS rel,"
            "   max(0.0, (? - a.published) / 86400.0) AS age,"
            "   EXISTS (SELECT 1 FROM matches m WHERE m.article_id = a.id) AS on_topic,"
            "   a.id IN (SELECT id FROM titled) AS in_title"
            "  FROM hits h JOIN articles a ON a.id = h.id"
            ") ORDER BY score DESC, published DESC, id DESC LIMIT ?",
            (json.dumps(sorted(pool)), *branches, *(f"title : ({b})" for b in branches), now, want),
        )
        if len(rows) < want:
            return None  # the pools hold fewer rows than the page: rank every match
        return rows[offset:want]


class PostgresTitleFirstMixin:
    """The same on PostgreSQL, for PostgresStore: the title matches come from `title_tsv`
    (schema.py version 11: the title lexemes of tsv, so `title_tsv @@ q` is exactly the
    ranking's `in_title`), best first by RUM's order where its index exists and by ts_rank
    over the GIN index's title matches otherwise; the newest matches by `published`; a
    rarer word's matches. (No rarer-language pool: PostgreSQL's IDFs are per query word across
    every configuration, so a rarer language's words get no IDF of their own.) The pool is
    ranked by the exact GIN path's SQL restricted to it (`a.id = ANY(…)`): the same scores.

    Opt-in (`title_first`, AIBRIEF_SEARCH_TITLE_FIRST=1): measured on 100,000 articles it was
    slower than the exact GIN path (p95 2.3× raw against 1.6×: each pool is a heap visit of
    its matches, and a rarer word's pool ranks up to LEAF_SCORED of them), and the 1,000,000
    run did not finish in time (README, "Search at scale")."""

    exact_search = os.environ.get("AIBRIEF_SEARCH_EXACT", "") == "1"
    title_first = os.environ.get("AIBRIEF_SEARCH_TITLE_FIRST", "") == "1"
    _title_rum: bool | None = None

    def has_title_rum_index(self) -> bool:
        if self._title_rum is None:
            from bot.store.schema import TITLE_RUM_INDEX

            self._title_rum = bool(self._all("SELECT to_regclass(?) IS NOT NULL", (TITLE_RUM_INDEX,))[0][0])
        return self._title_rum

    def _title_first_rows(self, node, limit: int, offset: int, now: int) -> list[tuple] | None:
        from bot.query import to_tsquery

        want = limit + offset
        if self.exact_search or not self.title_first or want > MAX_DEPTH:
            return None
        q, configs = to_tsquery(node), self._configs()
        match = "aibrief_tsquery(?, ?::text[], true)"  # as postgres.py's TSQUERY_IN
        word = "aibrief_tsquery(?, ?::text[], false)"  # and TSQUERY_WORD
        count = f"SELECT count(*) FROM (SELECT 1 FROM articles a WHERE a.tsv @@ {match} LIMIT ?) x"
        if self._all(count, (q, configs, SMALL + 1))[0][0] <= SMALL:
            return None
        pool = {r[0] for r in self._all(
            f"SELECT a.id FROM articles a WHERE a.tsv @@ {match} ORDER BY a.published DESC LIMIT ?",
            (q, configs, POOL_NEWEST))}
        if self.has_title_rum_index():
            titles = (f"SELECT a.id FROM articles a WHERE a.title_tsv @@ {match}"
                      f" ORDER BY a.title_tsv <=> {match} LIMIT ?")
        else:
            titles = (f"SELECT a.id FROM articles a, {match} AS q WHERE a.title_tsv @@ q"
                      " ORDER BY ts_rank(a.title_tsv, q, 1) DESC LIMIT ?")
        params = (q, configs, q, configs, POOL_TITLE) if self.has_title_rum_index() else (q, configs, POOL_TITLE)
        pool.update(r[0] for r in self._all(titles, params))
        leaves = positive_leaves(node)
        if len(leaves) > 1:
            for leaf in leaves:
                lq = to_tsquery(leaf)
                n = self._all(f"SELECT count(*) FROM (SELECT 1 FROM articles a WHERE a.tsv @@ {word} LIMIT ?) x",
                              (lq, configs, LEAF_SCORED + 1))[0][0]
                if n <= SMALL:
                    pool.update(r[0] for r in self._all(f"SELECT a.id FROM articles a WHERE a.tsv @@ {word}",
                                                        (lq, configs)))
                elif n <= LEAF_SCORED:  # a rarer word's best matches (its IDF is high)
                    pool.update(r[0] for r in self._all(
                        f"SELECT a.id FROM articles a, {word} AS q WHERE a.tsv @@ q"
                        " ORDER BY ts_rank('{0.0, 0.0, 0.25, 1.0}', a.tsv, q, 1) DESC LIMIT ?",
                        (lq, configs, POOL_TITLE)))
        rows = self._ranked_rows(node, want, 0, now, where=["a.id = ANY(?)"], params=[sorted(pool)])
        if len(rows) < want:
            return None  # the pools hold fewer rows than the page: rank every match
        return rows[offset:want]
