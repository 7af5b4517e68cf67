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
import re

POOL_TITLE = int(os.environ.get("AIBRIEF_POOL_TITLE", "1000"))  # tuned on half the benchmark's queries, checked on the other half (README)
POOL_NEWEST = 100
SMALL = 3000  # a query (or one of its words) matching at most this many: all of them
LEAF_SCORED = int(os.environ.get("AIBRIEF_LEAF_SCORED", "30000"))  # a word matching at most this many: its best POOL_TITLE by BM25
MAX_DEPTH = 50  # limit + offset beyond this: the exact path
RARE_LANGUAGE_CAP = 3000  # more articles than this in rarer languages: the exact path
# PostgreSQL's length tiers (PostgresTitleFirstMixin): the quantiles of article length that
# bound them, and how long the bounds are kept before they are sampled again.
TIER_QUANTILES = (0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 0.85, 1.0)
TIER_CACHE_S = 3600.0
SAMPLED_FROM = 200_000  # articles from which the tiers come from a sample and start where estimated
LENGTH_INDEX = "articles_tsv_length"  # schema.py version 12
_ON_TOPIC = "(SELECT 1 FROM matches m WHERE m.article_id = a.id LIMIT 1) IS NOT NULL"  # a pooled row's flag
_PHRASE = re.compile(r"<\d*->|<\d+>")  # tsquery text's phrase operators
_PHRASE_OR_AND = re.compile(r"<\d*->|<\d+>|&")  # and with AND
POOL_SCAN = int(os.environ.get("AIBRIEF_POOL_SCAN", "8000"))  # the rows one of its pools reads at most
POOL_KEEP = int(os.environ.get("AIBRIEF_POOL_KEEP", "100"))  # and keeps, the best by the exact score (in English)
TIER_AIM = float(os.environ.get("AIBRIEF_TIER_AIM", "0.5"))  # the share of the rows still to read the next tier should hold
POOL_KEEP_OTHER = 50  # and of the rows English's form does not match (other languages), the best by ts_rank
FEW_TITLES = 500  # title matches fewer than this: the body matches are pooled too
PAIRED_SIDES = int(os.environ.get("AIBRIEF_PAIRED_SIDES", "4"))  # an OR's common sides whose pairs get a title pool


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
    """The same on PostgreSQL, for PostgresStore, with pools that never rank every match they
    come from: there a pool statement that orders by ts_rank visits (and ranks) the heap row
    of every title match, which is what the exact path costs. Instead, by the shape of the
    ranking: ts_rank (normalisation 1) divides by log2 of the article's length, and a title
    match (weight A) ranks between 1/1.64 and 1 of 1/log2(length + 1), so the best title
    matches are, within that factor and the on-topic boost, the shorter articles that have
    the query in the title. A pool therefore reads about POOL_SCAN of the shortest title
    matches, in tiers of article length (`length(tsv)`, indexed by schema.py version 12),
    each tier one index intersection of `title_tsv` (schema.py version 11) and the length
    index that visits only the rows it returns. Each tier statement scores what it reads
    with the exact path's formula for English (Σ idf × sqrt(ts_rank) of each word, × recency
    × on-topic, × the title boost on the body pool) and returns only its best; of all the
    tiers read, the best POOL_KEEP are kept (and apart, the best POOL_KEEP_OTHER of the rows
    English's form does not match: another language's, by ts_rank). A statement costs its
    index scans (~15 ms on a million articles) however few rows it returns, so after a
    sparse tier the next one reaches as far as the density seen says holds the rest.
    Beside it: the newest matches (a page's worth; none for a phrase), a pool for each of an
    OR's rarer sides and one of the title matches of its common sides' pairs, and the body
    matches the same way when titles are few. The pool
    is ranked by the exact GIN path's SQL restricted to it (`a.id = ANY(…)`): the same
    scores, and the pool's small (150 rows instead of thousands: ranking a row costs
    20-80 µs). Approximate, measured by bench/search.py's overlap@10 (README, "Search at
    scale").

    The tier boundaries are quantiles of the archive's article lengths, from a 1 % sample
    of the table (all of it below 200,000 articles), cached for an hour."""

    exact_search = os.environ.get("AIBRIEF_SEARCH_EXACT", "") == "1"
    title_first = os.environ.get("AIBRIEF_SEARCH_TITLE_FIRST", "1") != "0"
    _tiers: tuple[float, list[tuple[float, int]], float] | None = None  # when, the tiers, the archive's size
    _others: tuple[float, tuple[str, ...], int] | None = None  # when, for which configurations, how many

    def _length_tiers(self) -> list[tuple[float, int]]:
        """The length tiers, shortest first: (the share of the archive at most this long,
        the upper bound), the last unbounded."""
        import time

        cached = self._tiers
        if cached is not None and time.monotonic() - cached[0] < TIER_CACHE_S:
            return cached[1]
        total = float(self._all("SELECT reltuples FROM pg_class WHERE oid = 'articles'::regclass")[0][0] or 0)
        sample = " TABLESAMPLE SYSTEM (1)" if total >= SAMPLED_FROM else ""
        quantiles = ", ".join(str(q) for q in TIER_QUANTILES)
        got = self._all(f"SELECT percentile_disc(ARRAY[{quantiles}]::float8[]) WITHIN GROUP (ORDER BY length(tsv))"
                        f" FROM articles{sample}")[0][0] or []
        tiers: dict[int, float] = {}
        for share, bound in zip(TIER_QUANTILES, got):
            if bound is not None:
                tiers[int(bound)] = share  # a bound repeated (many articles of one length): its last share
        out = sorted((share, bound) for bound, share in tiers.items())[:-1] + [(1.0, 2**31 - 1)]
        self._tiers = (time.monotonic(), out, total)
        return out

    def _tiered(self, column: str, node, configs: list[str], now: int,
                scoring: tuple[str, list, list[float]]) -> tuple[set[int], int]:
        """The best matches of the shortest articles whose `column` matches `node` (its
        forms in each of `configs`): about POOL_SCAN of them read, the shortest, in as few
        statements as the planner's estimate of their number allows (a length tier that
        should hold that many, then the next tiers if it held fewer), and of all those read
        the best POOL_KEEP by the exact score; and how many were read. `scoring`: the
        search's query (tsquery text), its words and phrases and their IDFs (the pool of one
        word of an OR is ranked by the whole query's score)."""
        from bot.query import to_tsquery
        from bot.store.schema import TS_CONFIG

        tsquery = to_tsquery(node)
        # (on the titles, the whole article must match too: a word it excludes may be in the body)
        whole = " AND (a.tsv @@ q) IS TRUE" if column != "tsv" else ""
        sql = (_tier_sql(column, len(scoring[1]), whole), _tier_sql(column, len(scoring[1]), whole, shortest=True))
        scan = POOL_SCAN
        tiers = self._length_tiers()
        # An upper bound, so that the first tier is never wider than needed: the planner's
        # estimates of a phrase or an AND multiply its words' shares, far below the truth
        # for words that go together ("world cup"); their words ORed, it errs the other way.
        # (A small archive reads from the shortest: its statements are cheap and the planner's
        # statistics may not be gathered yet.)
        first = 0
        if self._tiers[2] >= SAMPLED_FROM:  # the archive's size, read with the tiers
            words = " | ".join(_PHRASE_OR_AND.sub(" | ", to_tsquery(leaf)) for leaf in positive_leaves(node))
            expected = self._estimated_matches(words, column, configs)
            first = next((i for i, (share, _) in enumerate(tiers) if expected * share >= scan), len(tiers) - 1)
        main, leaves, idfs = scoring
        params = (*idfs, tsquery, configs, TS_CONFIG, main,
                  *(p for leaf in leaves for p in (TS_CONFIG, to_tsquery(leaf))), now)
        # an estimate of fewer than it reads (first: the unbounded tier) may be wrong (a table
        # not analyzed yet): if that one statement comes back full, it read any of them
        picked = self._read_tiers(sql, params, tiers[first:], scan, guessed=0 < first == len(tiers) - 1)
        if picked is None:  # so read from the shortest
            picked = self._read_tiers(sql, params, tiers, scan, guessed=False)
        return picked

    def _intersects(self, sql: str, params: tuple) -> bool:
        """Whether the planner reads a tier through the length index (intersected with the
        text index, so that only the tier's rows are visited): EXPLAIN, about a millisecond."""
        plan = self._all("EXPLAIN (FORMAT JSON) " + sql, params)[0][0]
        return LENGTH_INDEX in json.dumps(plan)

    def _other_language_articles(self, configs: list[str]) -> int:
        """How many articles the other configurations' branches hold, up to
        RARE_LANGUAGE_CAP + 1 (cached as the tiers are: it only picks how the pools read)."""
        import time

        from bot.store.pgrank import other_languages

        cached = self._others
        if cached is not None and cached[1] == tuple(configs) and time.monotonic() - cached[0] < TIER_CACHE_S:
            return cached[2]
        codes = other_languages(configs)
        n = int(self._all("SELECT count(*) FROM (SELECT 1 FROM articles WHERE language = ANY(?) LIMIT ?) x",
                          (codes, RARE_LANGUAGE_CAP + 1))[0][0]) if codes else 0
        self._others = (time.monotonic(), tuple(configs), n)
        return n

    def _other_language_pool(self, node, configs: list[str], now: int) -> set[int]:
        """The best POOL_KEEP_OTHER matches among the articles in another configuration's
        language (few: at most RARE_LANGUAGE_CAP), by ts_rank of the query's forms × recency ×
        on-topic, found through the language index (ts_filter keeps the match off the
        text index: a prefix's other forms, `'de':*` for `dea*`, expand to half the archive)."""
        from bot.query import to_tsquery
        from bot.store.pgrank import other_languages, score_sql
        from bot.store.searchextras import WEIGHTS

        return {r[0] for r in self._all(
            "SELECT a.id FROM articles a, aibrief_tsquery(?, ?::text[], false) AS q,"
            " LATERAL (SELECT GREATEST(0.0, (?::float8 - a.published) / 86400.0) AS age) g"
            " WHERE a.language = ANY(?) AND ts_filter(a.tsv, '{a,b,c,d}') @@ q"
            f" ORDER BY {score_sql(f'sqrt(ts_rank({WEIGHTS}, a.tsv, q, 1))', 'g.age', _ON_TOPIC)}"
            " DESC, a.published DESC, a.id DESC LIMIT ?",
            (to_tsquery(node), configs, now, other_languages(configs), POOL_KEEP_OTHER))}

    def _read_tiers(self, sql: tuple[str, str], params: tuple, tiers: list[tuple[float, int]], scan: int,
                    guessed: bool) -> tuple[set[int], int] | None:
        """The tiers read in turn until `scan` rows are, and of them the best POOL_KEEP
        scored in English and the best POOL_KEEP_OTHER of the others, and the rows read; None if the first,
        `guessed` to hold fewer, held more (it then read any of them, not the shortest).
        `sql`: a tier's statement, and the one pass over all longer ones that replaces it
        where the planner would not read the tier through the length index."""
        best: tuple[dict[int, tuple], dict[int, tuple]] = ({}, {})
        scanned, low, low_share, i = 0, -1, 0.0, 0
        while True:
            share, high = tiers[i]
            statement = sql[0]
            if i < len(tiers) - 1 and not self._intersects(statement, (*params, low, high, scan - scanned, 0, 0)):
                # The planner underestimates the matches (a phrase, an AND of words that go
                # together) and would visit the row of every match, in or out of the tier,
                # checking its length only then: so one statement visits them once and
                # keeps the shortest (the LIMIT) of those longer than what was read.
                statement, i = sql[1], len(tiers) - 1
                share, high = tiers[i]
            rows = self._all(statement, (*params, low, high, scan - scanned, POOL_KEEP, POOL_KEEP_OTHER))
            if guessed and low == -1 and rows and rows[0][3] >= scan:
                return None
            for id_, score, english, _, published in rows:
                best[0 if english else 1][id_] = (-score, -published, -id_)  # the exact path's order
            got = rows[0][3] if rows else 0
            scanned += got
            if scanned >= scan or i == len(tiers) - 1:
                break
            # Each statement costs its index scans (~15 ms on 1,000,000 articles) however
            # few rows it returns: the next one reaches as far as the density seen so far
            # says holds half of what is still to read (longer articles hold a word more
            # often, so that is an underestimate; the LIMIT keeps the rows read bounded).
            density = max(got, 1) / max(share - low_share, 1e-9)
            aim = (scan - scanned) * TIER_AIM
            i = next((j for j in range(i + 1, len(tiers)) if density * (tiers[j][0] - share) >= aim), len(tiers) - 1)
            low, low_share = high, share
        return {i for part, keep in zip(best, (POOL_KEEP, POOL_KEEP_OTHER))
                for i in sorted(part, key=part.__getitem__)[:keep]}, scanned

    def _pools(self, node, configs: list[str], now: int, scoring: tuple, pool: set[int]) -> int:
        """A query's (or an OR side's) title pool and, where its title matches are few, its
        body pool, added to `pool`; the most rows one of them read (all of them matches)."""
        titles, read = self._tiered("title_tsv", node, configs, now, scoring)
        pool |= titles
        if read < FEW_TITLES:  # few title matches: the best body matches too
            body, body_read = self._tiered("tsv", node, configs, now, scoring)
            pool |= body
            read = max(read, body_read)
        return read

    def _title_first_rows(self, node, limit: int, offset: int, now: int) -> list[tuple] | None:
        from bot.query import And, Not, Or, to_tsquery
        from bot.store.pgrank import query_leaves, tsquery_params
        from bot.store.schema import TS_CONFIG

        want = limit + offset
        if self.exact_search or not self.title_first or want > MAX_DEPTH:
            return None
        # Whether the query is broad (more than SMALL matches): the count the search reports
        # anyway (kept for it, see PostgresStore._count_rows). The planner's estimate says
        # whether that count comes first (a narrow query: counting it is cheap, and the exact
        # path answers) or the pools, which on a broad query read more than SMALL matches and
        # so answer it: counting a prefix's first 3,001 matches on a million articles costs
        # 150-250 ms.
        q, configs = to_tsquery(node), self._configs()
        broad = self._estimated_matches(q) > SMALL
        if not broad and self._count_rows(node, SMALL) <= SMALL:
            return None
        # The tiers read English's form alone where the other languages' articles are few
        # (they then get a pool of their own): ORed with the other forms a prefix's stems
        # (`'dea':* | 'de':*`) or a common stem match far more of the archive than English's.
        others = self._other_language_articles(configs) if len(configs) > 1 else 0
        apart = others <= RARE_LANGUAGE_CAP
        forms = configs[:1] if apart else configs
        score_leaves = query_leaves(node)
        scoring = (q, score_leaves, self._idfs(tsquery_params(score_leaves, configs)) if len(score_leaves) > 1 else [1.0])

        # An OR's sides that are rarer than LEAF_SCORED each get pools of their own: their
        # matches score high (IDF) but are few of the OR's. Where every side has its own,
        # the OR's pools would read the same rows again. (An AND's words: every match holds
        # the rarest, the query's pools are its matches.)
        sides = []
        if isinstance(node, Or):
            # the planner's estimate (as for the IDFs): counting a common word costs a heap
            # visit per match, and only the order of magnitude decides here
            sides = [(leaf, self._estimated_matches(to_tsquery(leaf)))
                     for leaf in dict.fromkeys(item for item in node.items if not isinstance(item, Not))]
        own = bool(sides) and all(n <= LEAF_SCORED for _, n in sides)
        pool: set[int] = set()
        read = 0 if own else self._pools(node, forms, now, scoring, pool)
        for leaf, n in sides:
            if n <= SMALL:  # a rare word: its best matches (its IDF is high)
                got, leaf_read = self._tiered("tsv", leaf, forms, now, scoring)
                pool |= got
            elif own:  # as the OR's own pools would be
                leaf_read = self._pools(leaf, forms, now, scoring, pool)
            elif n <= LEAF_SCORED:  # a rarer word's best title matches
                got, leaf_read = self._tiered("title_tsv", leaf, forms, now, scoring)
                pool |= got
            else:
                continue
            read = max(read, leaf_read)
        # The articles that hold two or more of an OR's common sides score above those that
        # hold one (the sum over its words), and are longer: the shortest-first pools above
        # miss them. Their title matches, one pool: (a & b) | (a & c) | … of the rarest few.
        common = [leaf for leaf, n in sorted(sides, key=lambda side: side[1]) if n > SMALL][:PAIRED_SIDES]
        if len(common) >= 2:
            pairs = Or(tuple(And((a, b)) for i, a in enumerate(common) for b in common[i + 1:]))
            pool |= self._tiered("title_tsv", pairs, forms, now, scoring)[0]
        if broad:  # not counted yet: the pools read may show more than SMALL matches
            if apart and read > SMALL + others:  # (the other languages' rows that English's form matches aside)
                self._more_than(node, SMALL)
            elif self._count_rows(node, SMALL) <= SMALL:
                return None
        # The newest matches by English's form, a page's worth (once the query is known to be
        # broad: back in time through the dates, a rare word's are far apart); none for a
        # phrase, which is checked on each row's heap tuple, row after row (130 ms on
        # 1,000,000 articles), while the pools weigh recency.
        if not _PHRASE.search(q):
            pool |= {r[0] for r in self._all(
                f"SELECT a.id FROM articles a WHERE a.tsv @@ to_tsquery('{TS_CONFIG}', ?) ORDER BY a.published DESC LIMIT ?",
                (q, min(POOL_NEWEST, 2 * want)))}
        if apart and others:
            pool |= self._other_language_pool(node, configs, now)
        rows = self._ranked_rows(node, want, 0, now, where=["a.id = ANY(?)"], params=[sorted(pool)])
        if len(rows) < want:
            return None  # the pools hold fewer rows than the page: rank every match
        return rows[offset:want]


def _tier_sql(column: str, n_leaves: int, whole: str, shortest: bool = False) -> str:
    """One length tier's statement: its matches (at most a LIMIT of them) scored, and the
    best of them kept. A row English's form of the query matches (`qe`) gets the exact
    path's score for English's branch (PostgresStore._ranked: Σ idf × sqrt(ts_rank) of each
    word, × recency × on-topic × the title boost): so the best of a pool are the ones the
    exact ranking would put first. The others (an article in another language) are kept
    apart, by sqrt(ts_rank) of the query's ORed forms. `shortest`: the whole length range in
    one pass, its shortest matches read (the LIMIT), for where the planner would not
    intersect with the length index anyway."""
    from bot.store.pgrank import relevance, score_sql
    from bot.store.searchextras import WEIGHTS

    leaf_sql = "".join(f", to_tsquery(?::regconfig, ?) AS q{j}" for j in range(n_leaves))
    # the title boost: a title tier's rows all have it (a constant factor: left out)
    in_title = "false" if column != "tsv" else "e.en AND ts_filter(a.tsv, '{a}') @@ qe"
    rel = f"CASE WHEN e.en THEN {relevance(n_leaves)} ELSE sqrt(ts_rank({WEIGHTS}, a.tsv, q, 1)) END"
    return (
        "SELECT id, p, en, n, published FROM (SELECT x.*, count(*) OVER () AS n,"
        " row_number() OVER (PARTITION BY x.en ORDER BY x.p DESC, x.published DESC, x.id DESC) AS r FROM ("
        f" SELECT a.id, a.published, e.en, {score_sql(rel, 'g.age', _ON_TOPIC, in_title)} AS p"
        f"  FROM articles a, aibrief_tsquery(?, ?::text[], false) AS q, to_tsquery(?::regconfig, ?) AS qe{leaf_sql},"
        "   LATERAL (SELECT (a.tsv @@ qe) IS TRUE AS en) e,"
        "   LATERAL (SELECT GREATEST(0.0, (?::float8 - a.published) / 86400.0) AS age) g"
        f"  WHERE a.{column} @@ q AND length(a.tsv) > ? AND length(a.tsv) <= ?{whole}"
        f"{' ORDER BY length(a.tsv), a.id' if shortest else ''} LIMIT ?) x"
        ") y WHERE r <= CASE WHEN en THEN ? ELSE ? END"
    )
