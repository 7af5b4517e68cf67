"""The title-first ranking (bot/store/titlefirst.py), on both backends: a broad query's first
page is scored over a candidate pool, with exactly the exact path's scores (SQLite's
one-statement ranking, PostgreSQL's GIN ranking); where the pool cannot be trusted (few
matches, a deep page, a date window or language filter, a pool smaller than the page,
`exact_search`) the exact path answers instead. PostgreSQL's title matches come from RUM's
order where the index exists, and from the GIN index otherwise: both are tested."""

from __future__ import annotations

import pytest

import bot.store.titlefirst as titlefirst
from bot.query import parse, to_fts5, to_tsquery
from bot.store import open_store
from bot.store.titlefirst import PostgresTitleFirstMixin, TitleFirstMixin
from tests.test_search_topk import NOW, _articles, _rare, rum_url  # noqa: F401  (a fixture)

BROAD = ["ai", "security", "ai security", '"ai security"', "chip OR vote", "market -deal", "sec*", "kumquat OR ai"]


def _fill(s):
    s.insert_articles(None, _articles(1500) + _rare(300))
    s.add_watchlist("sec", "security OR attack")  # on-topic boost for some
    return s


@pytest.fixture
def filled(store):
    """The archive on each backend in turn."""
    return _fill(store)


@pytest.fixture
def pg_filled(pg_url):
    """The archive on PostgreSQL without the RUM extension (the GIN path, as on a managed
    database): the pools need only the GIN and length indexes."""
    s = _fill(open_store(pg_url))
    yield s
    s.close()


@pytest.fixture
def title_rum_store(rum_url):  # noqa: F811
    s = _fill(open_store(rum_url))
    yield s
    s.close()


@pytest.fixture
def used(monkeypatch):
    """The queries the pool answered (not the exact path), with SMALL lowered so that the
    suite's small archive has "broad" queries."""
    monkeypatch.setattr(titlefirst, "SMALL", 40)
    monkeypatch.setattr(PostgresTitleFirstMixin, "title_first", True)  # opt-in there
    seen: list[int] = []

    def spy_on(mixin) -> None:
        original = mixin._title_first_rows

        def spy(self, *args, **kwargs):
            rows = original(self, *args, **kwargs)
            seen.append(rows is not None)
            return rows

        monkeypatch.setattr(mixin, "_title_first_rows", spy)

    spy_on(TitleFirstMixin)
    spy_on(PostgresTitleFirstMixin)
    return seen


def _exact(s, node, limit: int, offset: int, now: int) -> list[tuple]:
    if s.search_index() != "fts5":
        return s._ranked_rows(node, limit, offset, now)
    with s.transaction(write=False) as tx:
        return s._search_rows_one_statement(to_fts5(node, s.marked_languages()), limit, offset, now, tx)


def test_broad_queries_are_ranked_from_the_pool_with_the_exact_scores(filled, used, monkeypatch):
    now = int(NOW.timestamp())
    monkeypatch.setattr(titlefirst, "POOL_TITLE", 20)  # pools smaller than the matches
    monkeypatch.setattr(titlefirst, "POOL_NEWEST", 5)
    monkeypatch.setattr(titlefirst, "POOL_SCAN", 80)  # PostgreSQL's pools
    monkeypatch.setattr(titlefirst, "POOL_KEEP", 40)
    for q in BROAD:
        node = parse(q)
        rows = filled._search_rows(node, 10, 0, now)
        assert used.pop() is True, q
        exact = {r[0]: r for r in _exact(filled, node, 100_000, 0, now)}
        assert len(rows) == 10, q
        for r in rows:  # every row is a match, scored bit for bit as the exact path scores it
            assert r == exact[r[0]], q
        assert [r[6] for r in rows] == sorted((r[6] for r in rows), reverse=True), q


def test_with_pools_that_hold_every_match_the_page_is_the_exact_page(filled, used, monkeypatch):
    now = int(NOW.timestamp())
    monkeypatch.setattr(titlefirst, "POOL_TITLE", 100_000)
    monkeypatch.setattr(titlefirst, "POOL_NEWEST", 100_000)
    monkeypatch.setattr(titlefirst, "POOL_SCAN", 100_000)  # PostgreSQL's pools
    monkeypatch.setattr(titlefirst, "POOL_KEEP", 100_000)
    monkeypatch.setattr(titlefirst, "POOL_KEEP_OTHER", 100_000)
    for q in BROAD:
        node = parse(q)
        for limit, offset in [(1, 0), (10, 0), (10, 10), (5, 40)]:
            assert filled._search_rows(node, limit, offset, now) == _exact(filled, node, limit, offset, now), (q, limit, offset)
            assert used.pop() is True


def test_where_the_pool_cannot_be_trusted_the_exact_path_answers(filled, used, monkeypatch):
    now = int(NOW.timestamp())
    node = parse("security")
    exact = _exact(filled, node, 10, 0, now)
    # a deep page
    assert filled._search_rows(node, 10, titlefirst.MAX_DEPTH, now) == _exact(
        filled, node, 10, titlefirst.MAX_DEPTH, now)
    assert used.pop() is False
    # few matches: scoring them all is cheap
    assert filled._search_rows(parse("twin"), 10, 0, now) == _exact(
        filled, parse("twin"), 10, 0, now)
    assert used.pop() is False
    # a pool smaller than the page (no rarer languages: their pool would fill it)
    monkeypatch.setattr(filled, "marked_languages", lambda tx=None: ())
    exact = _exact(filled, node, 10, 0, now)
    monkeypatch.setattr(titlefirst, "POOL_TITLE", 1)
    monkeypatch.setattr(titlefirst, "POOL_NEWEST", 1)
    monkeypatch.setattr(titlefirst, "POOL_SCAN", 1)  # PostgreSQL's pools
    monkeypatch.setattr(titlefirst, "POOL_KEEP", 1)
    assert filled._search_rows(node, 10, 0, now) == exact
    assert used.pop() is False
    # switched off: the reference
    monkeypatch.setattr(TitleFirstMixin, "exact_search", True)
    monkeypatch.setattr(PostgresTitleFirstMixin, "exact_search", True)
    assert filled._search_rows(node, 10, 0, now) == exact
    assert used.pop() is False
    # a date window or a language filter: not asked at all
    filled._search_rows(node, 10, 0, now, window=(now - 86400 * 30, None))
    filled._search_rows(node, 10, 0, now, languages=("en",))
    assert used == []


def test_overlap_with_the_exact_ranking_on_small_pools(filled, used, monkeypatch):
    """The approximate part, measured as bench/search.py measures it: with pools a tenth of
    the default, the page still holds most of the exact top 10."""
    from bot.store import overlap_at

    now = int(NOW.timestamp())
    monkeypatch.setattr(titlefirst, "POOL_TITLE", 100)
    monkeypatch.setattr(titlefirst, "POOL_SCAN", 400)  # PostgreSQL's pools
    monkeypatch.setattr(titlefirst, "POOL_KEEP", 100)
    overlaps = []
    for q in BROAD:
        node = parse(q)
        got = [r[0] for r in filled._search_rows(node, 10, 0, now)]
        overlaps.append(overlap_at(10, got, [r[0] for r in _exact(filled, node, 10, 0, now)]))
    assert all(used)
    assert sum(overlaps) / len(overlaps) >= 0.95, overlaps


def _scoring(s, node):
    """What _title_first_rows hands each pool: the query, its words and their IDFs."""
    from bot.query import to_tsquery
    from bot.store.pgrank import query_leaves, tsquery_params

    leaves = query_leaves(node)
    return (to_tsquery(node), leaves, s._idfs(tsquery_params(leaves, s._configs())) if len(leaves) > 1 else [1.0])


def _statements(s, monkeypatch) -> list[str]:
    """The tier statements a pool runs (the store's `_all`, spied on)."""
    seen: list[str] = []
    original = s._all

    def spy(sql, params=()):
        if sql.startswith("SELECT id, p, en, n"):
            seen.append(sql)
        return original(sql, params)

    monkeypatch.setattr(s, "_all", spy)
    return seen


@pytest.mark.postgres
def test_postgres_title_pool_is_the_shortest_title_matches_read_tier_by_tier(title_rum_store, monkeypatch):
    """PostgreSQL's title pool: the title matches of the shortest articles (a title match's
    ts_rank is within 1.64× of 1 / log2(length + 1)), read by length tier through the length
    index (schema version 12), never by ranking every title match; of all those read, the
    best POOL_KEEP by the exact score."""
    s = title_rum_store
    now = int(NOW.timestamp())
    assert s._all("SELECT to_regclass('articles_tsv_length') IS NOT NULL")[0][0]
    monkeypatch.setattr(titlefirst, "TIER_QUANTILES", (0.1, 0.3, 0.6, 1.0))
    monkeypatch.setattr(titlefirst, "TIER_AIM", 0.0)  # every tier in turn (widening: below)
    monkeypatch.setattr(s, "_tiers", None)
    tiers = s._length_tiers()
    bounds = [b for _, b in tiers]
    assert bounds == sorted(bounds) and tiers[-1] == (1.0, 2**31 - 1) and len(tiers) >= 3
    node = parse("security")
    lengths = dict(s._all("SELECT id, length(tsv) FROM articles"
                          " WHERE title_tsv @@ aibrief_tsquery('security', ?::text[], false)", (s._configs(),)))
    assert len(lengths) > 100
    # the first tier from the planner's estimate (as on an archive of SAMPLED_FROM or more): an
    # upper bound, as it is built to be
    monkeypatch.setattr(titlefirst, "SAMPLED_FROM", 0)
    monkeypatch.setattr(s, "_estimated_matches", lambda *a: 10 * len(lengths))
    for scan in (5, 60, len(lengths) + 10):
        monkeypatch.setattr(titlefirst, "POOL_SCAN", scan)
        monkeypatch.setattr(titlefirst, "POOL_KEEP", scan)
        monkeypatch.setattr(titlefirst, "POOL_KEEP_OTHER", scan)  # (the French and Italian rows)
        got, read = s._tiered("title_tsv", node, s._configs(), now, _scoring(s, node))
        assert got <= set(lengths) and len(got) == read == min(scan, len(lengths)), scan
        # the tier it stopped in: everything shorter is in, nothing longer
        low = max((b for b in [-1, *bounds] if sum(n <= b for n in lengths.values()) < len(got)), default=-1)
        high = min(b for b in bounds if sum(n <= b for n in lengths.values()) >= len(got))
        assert {i for i, n in lengths.items() if n <= low} <= got, scan
        assert all(lengths[i] <= high for i in got), scan
    monkeypatch.setattr(s, "_tiers", (__import__("time").monotonic(), [(1.0, 7)], 0.0))  # cached for TIER_CACHE_S
    assert s._length_tiers() == [(1.0, 7)]


@pytest.mark.postgres
@pytest.mark.parametrize("q", ["security", "ai security", '"ai security"', "security -deal"])
def test_postgres_pool_keeps_the_best_of_all_it_read_by_the_exact_score(title_rum_store, monkeypatch, q):
    """Of every tier read, one keep across them all: the POOL_KEEP rows English's form
    matches with the highest exact score (the exact path's, but for the title boost every
    title match has), not the best few of each tier by a proxy; the others (here French and
    Italian articles, whose stem of "security" is not English's) kept apart, POOL_KEEP_OTHER."""
    from bot.store.schema import TS_CONFIG

    s = title_rum_store
    now = int(NOW.timestamp())
    node = parse(q)
    main, leaves, idfs = _scoring(s, node)
    monkeypatch.setattr(titlefirst, "POOL_SCAN", 100_000)  # every title match read
    monkeypatch.setattr(titlefirst, "POOL_KEEP", 7)
    monkeypatch.setattr(titlefirst, "POOL_KEEP_OTHER", 3)
    got, read = s._tiered("title_tsv", node, s._configs(), now, (main, leaves, idfs))
    titled = s._all("SELECT id, (tsv @@ to_tsquery(?::regconfig, ?)) IS TRUE FROM articles"
                    " WHERE title_tsv @@ aibrief_tsquery(?, ?::text[], false) AND tsv @@ aibrief_tsquery(?, ?::text[], false)",
                    (TS_CONFIG, main, main, s._configs(), main, s._configs()))
    english = [i for i, en in titled if en]
    others = len(titled) - len(english)
    assert read == len(titled) and len(english) > 7 and (others > 3 or q != "security")
    exact = s._ranked_rows(node, 7, 0, now, where=["a.id = ANY(?)"], params=[english])
    assert {r[0] for r in exact} <= got and len(got) == 7 + min(3, others)
    # and the body pool's scores are the exact path's own, the title boost included
    rows = s._all(titlefirst._tier_sql("tsv", len(leaves), ""),
                  (*idfs, main, s._configs(), TS_CONFIG, main,
                   *(p for leaf in leaves for p in (TS_CONFIG, to_tsquery(leaf))), now,
                   -1, 2**31 - 1, 100_000, 100_000, 0))
    scores = {r[0]: r[6] for r in s._ranked_rows(node, 100_000, 0, now)}
    assert len(rows) > 100 and all(en for _, _, en, _, _ in rows)
    assert all(abs(p - scores[i]) <= 1e-9 * max(1.0, p) for i, p, _, _, _ in rows)


@pytest.mark.postgres
def test_postgres_tiers_widen_where_the_matches_are_sparse(title_rum_store, monkeypatch):
    """A statement costs its index scans however few rows it returns: after a tier that
    held few, the next reaches as far as the density seen says holds the rest, so a
    word rare in the titles takes fewer statements than there are tiers, and still reads
    the shortest first."""
    s = title_rum_store
    now = int(NOW.timestamp())
    monkeypatch.setattr(titlefirst, "TIER_QUANTILES", tuple(i / 20 for i in range(1, 21)))
    monkeypatch.setattr(s, "_tiers", None)
    tiers = s._length_tiers()
    assert len(tiers) >= 10
    node = parse("security")
    n_titled = s._all("SELECT count(*) FROM articles WHERE title_tsv @@ aibrief_tsquery('security', ?::text[], false)",
                      (s._configs(),))[0][0]
    monkeypatch.setattr(titlefirst, "POOL_SCAN", n_titled // 2)
    seen = _statements(s, monkeypatch)
    for aim, fewer in ((0.0, False), (1.0, True)):
        monkeypatch.setattr(titlefirst, "TIER_AIM", aim)
        seen.clear()
        got, read = s._tiered("title_tsv", node, s._configs(), now, _scoring(s, node))
        assert read == n_titled // 2
        assert (len(seen) < 4) is fewer, (aim, len(seen))  # widened: three statements at most
        assert len(seen) >= (1 if fewer else 6)


@pytest.mark.postgres
def test_postgres_word_pools_only_for_an_ors_sides(title_rum_store, used, monkeypatch):
    """An OR's rarer side gets a pool of its own (its matches score high and are few of the
    OR's); an AND's words do not (every match holds its rarest word: the query's own pools
    are its matches)."""
    s = title_rum_store
    now = int(NOW.timestamp())
    calls: list[str] = []
    original = PostgresTitleFirstMixin._tiered

    def spy(self, column, node, *args):
        calls.append(to_tsquery(node))
        return original(self, column, node, *args)

    monkeypatch.setattr(PostgresTitleFirstMixin, "_tiered", spy)
    either = parse("kumquat OR ai")
    s._search_rows(either, 10, 0, now)
    assert used.pop() is True
    # both sides rarer than LEAF_SCORED here: each its own pools, none for the whole OR
    assert to_tsquery(parse("kumquat")) in calls and to_tsquery(parse("ai")) in calls, calls
    assert to_tsquery(either) not in calls, calls
    # a side more common than LEAF_SCORED: the OR's pools stand for it, the rarer side has its own
    s._all("ANALYZE articles")  # what autovacuum does on a real database: the estimates tell them apart
    rare, common = (s._estimated_matches(to_tsquery(parse(w))) for w in ("kumquat", "ai"))
    assert rare < common
    monkeypatch.setattr(titlefirst, "LEAF_SCORED", rare)
    calls.clear()
    s._search_rows(either, 10, 0, now)
    assert used.pop() is True
    assert to_tsquery(either) in calls and to_tsquery(parse("kumquat")) in calls, calls
    assert to_tsquery(parse("ai")) not in calls, calls
    calls.clear()
    s._search_rows(parse("ai security"), 10, 0, now)
    assert used.pop() is True
    assert calls and set(calls) == {to_tsquery(parse("ai security"))}, calls


@pytest.mark.postgres
def test_postgres_pool_on_a_rum_database_gives_the_exact_scores(title_rum_store, used, monkeypatch):
    now = int(NOW.timestamp())
    monkeypatch.setattr(titlefirst, "POOL_TITLE", 30)
    monkeypatch.setattr(titlefirst, "POOL_SCAN", 120)  # PostgreSQL's pools
    monkeypatch.setattr(titlefirst, "POOL_KEEP", 30)
    s = title_rum_store
    for q in BROAD:
        node = parse(q)
        rows = s._search_rows(node, 10, 0, now)
        assert used.pop() is True, q
        exact = {r[0]: r for r in s._ranked_rows(node, 100_000, 0, now)}
        assert len(rows) == 10 and all(r == exact[r[0]] for r in rows), q


@pytest.mark.postgres
def test_postgres_other_languages_get_a_pool_of_their_own(pg_filled, used, monkeypatch):
    """Where the articles in other configurations' languages are few, the tiers read
    English's form alone (ORed with the other forms, a prefix's or a common stem matches
    far more than English's does) and those articles are pooled apart, through the
    language index; where they are many, the tiers read every form. Both rank the page
    with the exact scores, and with pools that hold everything, the page is the exact page."""
    s = pg_filled
    now = int(NOW.timestamp())
    configs = s._configs()
    assert len(configs) > 1
    from bot.store.pgrank import other_languages

    assert {"fr", "it"} <= set(other_languages(configs))
    others = s._all("SELECT id FROM articles WHERE language = ANY(?)", (other_languages(configs),))
    assert 0 < s._other_language_articles(configs) == len(others) <= titlefirst.RARE_LANGUAGE_CAP
    forms_seen: list[list[str]] = []
    apart: list[set[int]] = []
    tiered, pooled = PostgresTitleFirstMixin._tiered, PostgresTitleFirstMixin._other_language_pool
    monkeypatch.setattr(PostgresTitleFirstMixin, "_tiered",
                        lambda self, column, node, forms, *a: forms_seen.append(forms) or tiered(self, column, node, forms, *a))
    monkeypatch.setattr(PostgresTitleFirstMixin, "_other_language_pool",
                        lambda self, *a: apart.append(pooled(self, *a)) or apart[-1])
    monkeypatch.setattr(titlefirst, "POOL_SCAN", 80)
    monkeypatch.setattr(titlefirst, "POOL_KEEP", 40)
    for cap, english_only in ((titlefirst.RARE_LANGUAGE_CAP, True), (0, False)):
        monkeypatch.setattr(titlefirst, "RARE_LANGUAGE_CAP", cap)
        monkeypatch.setattr(s, "_others", None)
        for q in ["security", "sec*", "chip OR vote", "market -deal"]:
            node = parse(q)
            forms_seen.clear(), apart.clear()
            rows = s._search_rows(node, 10, 0, now)
            assert used.pop() is True, q
            exact = {r[0]: r for r in s._ranked_rows(node, 100_000, 0, now)}
            assert len(rows) == 10 and all(r == exact[r[0]] for r in rows), q
            assert forms_seen and all(f == (configs[:1] if english_only else configs) for f in forms_seen), q
            assert bool(apart) is english_only, q
            if english_only:  # the other languages' best matches: their articles only, and matches
                assert apart[0] and apart[0] <= {i for (i,) in others} & set(exact), q
    # pools that hold every match: the exact page, in both modes
    for name in ("POOL_SCAN", "POOL_KEEP", "POOL_KEEP_OTHER"):
        monkeypatch.setattr(titlefirst, name, 100_000)
    for cap in (titlefirst.RARE_LANGUAGE_CAP, 0):
        monkeypatch.setattr(titlefirst, "RARE_LANGUAGE_CAP", cap)
        monkeypatch.setattr(s, "_others", None)
        for q in ["security", "sec*", "chip OR vote"]:
            assert s._search_rows(parse(q), 10, 0, now) == s._ranked_rows(parse(q), 10, 0, now), (cap, q)
            assert used.pop() is True


@pytest.mark.postgres
def test_postgres_one_pass_where_the_planner_would_not_use_the_length_index(pg_filled, monkeypatch):
    """Where the planner would visit every match's row in each tier statement (it
    underestimates a phrase's or correlated words' matches and so does not intersect with
    the length index), one statement reads them once and keeps the shortest: the same
    rows the tiers would read, in one statement instead of one per tier."""
    s = pg_filled
    now = int(NOW.timestamp())
    node = parse("security")
    forms = s._configs()[:1]
    lengths = dict(s._all("SELECT id, length(tsv) FROM articles WHERE title_tsv @@ to_tsquery(?::regconfig, ?)",
                          (forms[0], to_tsquery(node))))
    monkeypatch.setattr(titlefirst, "POOL_SCAN", 60)
    monkeypatch.setattr(titlefirst, "POOL_KEEP", 60)
    seen = _statements(s, monkeypatch)
    monkeypatch.setattr(s, "_intersects", lambda sql, params: False)
    got, read = s._tiered("title_tsv", node, forms, now, _scoring(s, node))
    assert len(seen) == 1 and "ORDER BY length(a.tsv)" in seen[0]
    assert read == len(got) == 60 and got <= set(lengths)
    cut = sorted(lengths.values())[59]  # the 60th shortest: everything shorter is in, nothing longer
    assert {i for i, n in lengths.items() if n < cut} <= got and all(lengths[i] <= cut for i in got)
    # what the planner says decides: the tiers where it intersects
    monkeypatch.setattr(s, "_intersects", lambda sql, params: True)
    seen.clear()
    assert s._tiered("title_tsv", node, forms, now, _scoring(s, node))[1] == 60
    assert seen and all("ORDER BY length(a.tsv)" not in q for q in seen)


@pytest.mark.postgres
def test_postgres_a_broad_querys_count_is_answered_by_its_pools(pg_filled, used, monkeypatch):
    """A query the planner estimates broad is pooled before it is counted: when the pools
    read more than SMALL of its matches, it is broad without the count (counting a
    prefix's first 3,001 matches on a million articles costs 150-250 ms), and the total
    the search reports is still exact. One estimated broad that is not still gets the
    exact path's answer."""
    from bot.store import COUNT_CAP

    s = pg_filled
    s._all("ANALYZE articles")  # the estimates, as autovacuum keeps them
    now = int(NOW.timestamp())
    caps: list = []
    counting = type(s)._count_rows_now
    monkeypatch.setattr(type(s), "_count_rows_now", lambda self, node, cap: caps.append(cap) or counting(self, node, cap))
    node = parse("security")
    hits, total = s.bounded_search(node, limit=10, offset=0, budget_s=30.0)
    assert used.pop() is True and len(hits) == 10
    assert titlefirst.SMALL not in caps  # never counted to SMALL: the pools showed it
    assert total == counting(s, node, COUNT_CAP)
    # estimated broad, yet narrow ("twin": 36 articles): counted after all, and exact
    twin = parse("twin")
    monkeypatch.setattr(s, "_estimated_matches", lambda *a: 10**6)
    caps.clear()
    assert s._search_rows(twin, 10, 0, now) == s._ranked_rows(twin, 10, 0, now)
    assert used.pop() is False and titlefirst.SMALL in caps


@pytest.mark.postgres
def test_postgres_an_or_pools_the_articles_that_hold_two_of_its_sides(pg_url, used, monkeypatch):
    """An OR's best matches often hold two or more of its words, and such articles are
    longer than the shortest title matches the pools read first: the title matches of the
    pairs of its common sides are pooled too (PAIRED_SIDES), so the article whose headline
    holds both words, the exact top, is found among a flood of short one-word headlines."""
    from datetime import timedelta

    from bot.models import Article

    def article(i: int, title: str, summary: str, days: int = 1) -> Article:
        return Article(feed_url="https://f.example/", source="S", url=f"https://f.example/{i}", title=title,
                       summary=summary, published=NOW - timedelta(days=days), dedupe_key=f"url:{i}")

    s = open_store(pg_url)
    try:
        short = [article(i, f"{word} report {i}", f"the {word} report on monday") for i, word in
                 enumerate(["budget"] * 150 + ["tariff"] * 150)]
        both = article(1000, "Budget talks stall as the tariff dispute drags on into a third week of meetings",
                       "Negotiators said the budget and the tariff questions were now tied together " * 3, days=2)
        s.insert_articles(None, short + [both])
        s._all("ANALYZE articles")
        now = int(NOW.timestamp())
        node = parse("budget OR tariff")
        monkeypatch.setattr(titlefirst, "POOL_SCAN", 50)  # the shortest 50 title matches: all one-word
        monkeypatch.setattr(titlefirst, "LEAF_SCORED", 10)  # both sides common: the OR's pools, no side's own
        monkeypatch.setattr(titlefirst, "FEW_TITLES", 10)  # no body pool
        monkeypatch.setattr(titlefirst, "POOL_NEWEST", 1)  # (it is a day older than the flood)
        exact = s._ranked_rows(node, 10, 0, now)
        assert exact[0][1] == both.title
        monkeypatch.setattr(titlefirst, "PAIRED_SIDES", 0)
        assert both.title not in [r[1] for r in s._search_rows(node, 10, 0, now)]
        assert used.pop() is True
        monkeypatch.setattr(titlefirst, "PAIRED_SIDES", 4)
        rows = s._search_rows(node, 10, 0, now)
        assert used.pop() is True and rows[0] == exact[0]
    finally:
        s.close()
