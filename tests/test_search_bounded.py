"""SQLite search: the bounded ranking (hits read best-bound first, stopped early) must return
exactly the page the one-statement reference query returns — same rows, same scores, same
order — for every query shape, page size and offset, including ties and future dates."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from bot.models import Article
from bot.query import parse, to_fts5
from bot.store import open_store

NOW = datetime(2025, 3, 1, tzinfo=timezone.utc)
WORDS = "ai security chip export china travel model attack policy market deal court vote storm".split()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    rng = random.Random(5)
    s = open_store(str(tmp_path_factory.mktemp("bounded") / "b.db"))
    arts = []
    for i in range(1500):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 8)))
        summary = " ".join(rng.choice(WORDS + ["filler"] * 6) for _ in range(rng.randint(3, 60)))
        if i % 50 == 0:  # exact duplicates of text and date: ties broken by id
            title, summary = "ai security twin", "ai security twin story"
            when = NOW - timedelta(days=3)
        else:
            when = NOW - timedelta(hours=rng.randint(-48, 24 * 700))  # some in the future
        arts.append(Article(feed_url="https://f.example/", source="S", url=f"https://f.example/{i}",
                            title=title, summary=summary, published=when, dedupe_key=f"url:{i}"))
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
    yield s
    s.close()


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
