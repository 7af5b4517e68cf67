"""Search's bounded ranking on both backends. SQLite: the bounded ranking (hits read best-bound first, stopped early) must return
exactly the page the one-statement reference query returns — same rows, same scores, same
order — for every query shape, page size and offset, including ties and future dates. PostgreSQL: the two-stage ranking (the best matches without
the on-topic lookup first, bot/store/rankpool.py) must return the page of ranking
every match, whether its first pool decides the page, grows, or ends as every match."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from bot.models import Article
from bot.query import parse, to_fts5
from bot.store import open_store
from tests.test_search_topk import NOW, WORDS, _articles


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = open_store(str(tmp_path_factory.mktemp("bounded") / "b.db"))
    _fill(s)
    yield s
    s.close()


def _fill(s) -> None:
    arts = _articles(1500)  # with exact duplicates (ties broken by id) and future dates
    rng = random.Random(5)
    # Articles in two other languages holding the same words, so every query is compiled for
    # three language forms and the split by language (bot.query.to_fts5_by_language) is used.
    french = ("La sécurité des modèles d'intelligence artificielle inquiète le marché et la cour",
              "Les attaques contre les puces exportées vers la Chine font débat avant le vote")
    german = ("Die Sicherheit der Modelle beschäftigt den Markt und das Gericht",
              "Angriffe auf exportierte Chips nach China werden vor der Abstimmung diskutiert")
    for i, (lang_title, lang_summary) in enumerate([french] * 40 + [german] * 30):
        extra = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 4)))
        arts.append(Article(feed_url="https://f.example/", source="S", url=f"https://f.example/l{i}",
                            title=f"{lang_title} {extra}", summary=f"{lang_summary} {extra} {lang_summary}",
                            published=NOW - timedelta(hours=rng.randint(0, 24 * 300)), dedupe_key=f"url:l{i}"))
    s.insert_articles(None, arts)
    assert {"fr", "de"} <= set(s.marked_languages())
    s.add_watchlist("sec", "security OR attack")
    s.add_watchlist("trade", '"export" chip*')


QUERIES = ["ai", "security", "ai security", '"ai security"', "chip OR vote", "market -deal", "sec*", "chi*",
           "storm", "twin", "nothingmatches", "(china OR court) travel", "sécurité", "china -sécurité",
           "title:china chip", "attaques OR Angriffe", "china ai"]


@pytest.mark.parametrize("query", QUERIES)
def test_bounded_search_returns_the_reference_page(store, query):
    node = parse(query)
    now = int(NOW.timestamp())
    for limit, offset in [(1, 0), (10, 0), (10, 10), (3, 47), (100, 0), (10, 5000)]:
        with store.transaction(write=False) as tx:
            expected = store._search_rows_one_statement(to_fts5(node, store.marked_languages()), limit, offset, now, tx)
        assert store._search_rows(node, limit, offset, now) == expected, (query, limit, offset)
    with store.transaction(write=False) as tx:
        every = store._search_rows_one_statement(to_fts5(node, store.marked_languages()), -1, 0, now, tx)
    assert store._count_rows(node) == len(every)


def test_the_split_by_language_is_used_where_it_is_exact(store):
    from bot.query import to_fts5_by_language

    langs = store.marked_languages()
    assert len(to_fts5_by_language(parse("china -sécurité"), langs)) == 1 + len(langs)
    assert to_fts5_by_language(parse("chi*"), langs) is None  # a prefix is unmarked in every language
    assert to_fts5_by_language(parse("ai NEAR/3 security"), langs) is None
    assert to_fts5_by_language(parse("china"), ()) is None


@pytest.fixture(scope="module")
def store_pg(pg_cluster):
    url = pg_cluster.new_database()
    s = open_store(url)
    _fill(s)
    s._all("ANALYZE articles")
    yield s
    s.close()
    pg_cluster.drop_database(url)


@pytest.mark.postgres
@pytest.mark.parametrize("query", QUERIES)
def test_two_stage_ranking_returns_the_page_of_ranking_every_match(store_pg, query, monkeypatch):
    from bot.store import rankpool

    node, now = parse(query), int(NOW.timestamp())
    for limit, offset in [(1, 0), (10, 0), (10, 10), (3, 47), (100, 0), (10, 5000)]:
        monkeypatch.setattr(rankpool, "RANK_POOL", 10**9)  # the reference: every match in the pool
        expected = store_pg._search_rows(node, limit, offset, now)
        for first, most in [(1, 20_000), (1, 40), (50, 400)]:
            monkeypatch.setattr(rankpool, "RANK_POOL", first)
            monkeypatch.setattr(rankpool, "RANK_POOL_MAX", most)
            assert store_pg._search_rows(node, limit, offset, now) == expected, (query, limit, offset, first, most)


def test_the_two_stage_pool_decides_early_grows_and_falls_back(store_pg, monkeypatch):
    """The test above is not only the fallback: on a broad word the first pool decides some
    pages, and with a tiny limit on growth others end as every match (LIMIT NULL)."""
    from bot.store import rankpool

    pools = []
    enough = rankpool.pool_is_enough
    monkeypatch.setattr(rankpool, "pool_is_enough", lambda rows, pool, limit: pools.append(
        (pool, enough(rows, pool, limit))) or pools[-1][1])
    now = int(NOW.timestamp())
    monkeypatch.setattr(rankpool, "RANK_POOL", 40)
    store_pg._search_rows(parse("ai"), 10, 0, now)
    assert pools == [(40, True)]  # 40 of ~700 matches decide the first page
    pools.clear()
    monkeypatch.setattr(rankpool, "RANK_POOL", 10**9)
    expected = store_pg._search_rows(parse("security"), 4, 0, now)
    pools.clear()
    monkeypatch.setattr(rankpool, "RANK_POOL", 1)
    monkeypatch.setattr(rankpool, "RANK_POOL_MAX", 8)
    # 16 (4 × the page) do not decide it, 128 would pass the limit on growth: every match
    assert store_pg._search_rows(parse("security"), 4, 0, now) == expected
    assert pools == [(16, False)]


@pytest.mark.parametrize("pools", [100_000, 15])
def test_title_first_on_an_archive_of_three_languages_scores_as_the_reference(store, pools, monkeypatch):
    """The title-first pool (bot/store/titlefirst.py) reads English's form of a query and scores
    each language's rows over their own forms: every row it returns is scored bit for bit as
    the ORed reference scores it, and with pools that hold every match the page is the same."""
    from bot.store import titlefirst
    from bot.query import to_fts5_by_language

    monkeypatch.setattr(titlefirst, "SMALL", 40)
    monkeypatch.setattr(titlefirst, "POOL_TITLE", pools)
    monkeypatch.setattr(titlefirst, "POOL_NEWEST", min(pools, 5))
    monkeypatch.setattr(titlefirst, "POOL_SCAN", pools)  # PostgreSQL's pools
    monkeypatch.setattr(titlefirst, "POOL_KEEP", pools)
    monkeypatch.setattr(titlefirst, "POOL_KEEP_OTHER", pools)
    answered = []
    original = type(store)._title_first_rows
    monkeypatch.setattr(type(store), "_title_first_rows",
                        lambda self, *a, **k: answered.append(original(self, *a, **k)) or answered[-1])
    now = int(NOW.timestamp())
    for query in ["ai", "security", "ai security", "chip OR vote", "market -deal", "china ai"]:
        node = parse(query)
        assert to_fts5_by_language(node, store.marked_languages()) is not None
        with store.transaction(write=False) as tx:
            reference = store._search_rows_one_statement(to_fts5(node, store.marked_languages()), -1, 0, now, tx)
        rows = store._search_rows(node, 10, 0, now)
        assert answered.pop() is not None, query  # the pool answered, not the exact path
        by_id = {r[0]: r for r in reference}
        assert all(r == by_id[r[0]] for r in rows), query
        if pools == 100_000:
            assert rows == reference[:10], query
