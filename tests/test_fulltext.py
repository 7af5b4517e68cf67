"""What the query language promises, checked against the stored index on both backends:
whole words, English stemming, phrases, prefixes, exclusions, case and accents — and that
SQLite and PostgreSQL put the same article first on the bundled sample feeds."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

import bot
from bot.query import parse, parse_watchlist
from bot.store import open_store
from bot.watchlists import DEFAULT_WATCHLISTS, seed_default_watchlists
from tests.support.helpers import article

DOCS = {
    "said": article("Officials said the plan is done", "no acronyms here"),
    "ai": article("AI model jailbreak found", "security researchers report"),
    "travels": article("Minister travels abroad", "the trip was short"),
    "traveling": article("Traveling light", "packing tips for visits"),
    "it": article("IT teams face budget cuts", "who will pay for it"),
    "gpt": article("GPT-4o gets a voice mode", "OpenAI's example.com demo, version 1.2"),
    "cafe": article("Café owners adopt chatbots", "naïve ordering bots"),
    "boundary": article("Quarterly security", "AI budgets grow"),
    "prompt": article("Prompt injection hits assistants", "attackers hide instructions"),
    "injected": article("Injected prompts", "instructions hidden in pages"),
}


@pytest.fixture
def loaded(store):
    feed = store.add_feed("https://a.example/feed")
    store.insert_articles(feed.id, list(DOCS.values()))
    return store


def found(store, query: str) -> set[str]:
    urls = {h.url for h in store.search(parse(query), limit=50)}
    names = {name for name, a in DOCS.items() if a.url in urls}
    assert store.count_matching(parse(query)) == len(names)
    return names


@pytest.mark.parametrize(
    "query,expected",
    [
        ("AI", {"ai", "boundary"}),  # never inside "said"
        ("said", {"said"}),
        ("travel", {"travels", "traveling"}),  # stemming
        ("TRAVELING", {"travels", "traveling"}),  # case and stemming
        ("IT", {"it"}),  # no stop words: "IT" is a word to look for
        ("who", {"it"}),
        ("IT budget", {"it"}),
        ("gpt-4o", {"gpt"}),  # split like the query language splits it
        ("gpt", {"gpt"}),
        ("example.com", {"gpt"}),
        ('"version 1.2"', {"gpt"}),
        ("openai's", {"gpt"}),
        ("cafe", {"cafe"}),  # accents folded both ways
        ("café", {"cafe"}),
        ("naive", {"cafe"}),
        ('"prompt injection"', {"prompt"}),  # a phrase is words in order, next to each other
        ('"injection prompt"', {"injected"}),  # "Injected prompts": stemmed, in this order
        ("prompt injection", {"prompt", "injected"}),  # both stem to prompt + inject
        ('"security AI"', set()),  # a phrase does not run from the title into the summary
        ("security AI", {"boundary", "ai"}),
        ("chat*", {"cafe"}),  # prefix
        ("jailbr*", {"ai"}),
        ("AI -jailbreak", {"boundary"}),  # exclusion
        ("AI NOT (security OR jailbreak)", set()),
        ("travel OR visits", {"travels", "traveling"}),
        ('traveling -"packing tips"', {"travels"}),
    ],
)
def test_query_language_on_the_index(loaded, query, expected):
    assert found(loaded, query) == expected


def test_watchlists_match_the_same_on_new_and_stored_articles(store):
    """A watchlist added after the articles (matched through the index over everything) and
    one added before (matched on each new batch) agree."""
    store.add_watchlist("before", "travel OR gpt-4o")
    feed = store.add_feed("https://a.example/feed")
    store.insert_articles(feed.id, list(DOCS.values())[:5])
    store.insert_articles(feed.id, list(DOCS.values())[5:])
    store.add_watchlist("after", "travel OR gpt-4o")
    assert store.watchlist_match_counts() == {"after": 3, "before": 3}


# ---- the same first result on both backends --------------------------------------------------------
SAMPLES = Path(bot.__file__).parent / "data" / "samples"
NOW = datetime(2025, 3, 10, tzinfo=timezone.utc)
SAMPLE_QUERIES = [
    "china travel", "AI", "security", "ransomware", "prompt injection", '"prompt injection"', "deepfake",
    "jailbreak OR injection", "model*", "AI -china", "regulation", "export", "chip", "attack", "data", "LLM",
    "vulnerability", "phishing", "policy", "europe OR eu", "openai", "agent*", "travel", "law", "treaty",
    "export controls", "AI security", "artificial intelligence", "China AI", "(deepfake OR voice) fraud",
    *DEFAULT_WATCHLISTS.values(),
]


def _load_samples(store) -> None:
    from bot.feeds.parse import parse_feed

    seed_default_watchlists(store)
    for path in sorted(SAMPLES.glob("*.xml")):
        url = "https://samples.aibrief.invalid/" + path.name
        feed = store.add_feed(url)
        parsed = parse_feed(path.read_bytes(), {}, feed_url=url, fetched_at=NOW)
        assert parsed.articles, path.name
        store.insert_articles(feed.id, parsed.articles, now=int(NOW.timestamp()))


@pytest.mark.postgres
def test_both_backends_put_the_same_article_first_on_the_sample_feeds(pg_cluster, pg_template, tmp_path):
    sq = open_store(str(tmp_path / "s.db"))
    url = pg_cluster.new_database(template=pg_template)
    pg = open_store(url)
    try:
        _load_samples(sq)
        _load_samples(pg)
        assert sq.count_articles() == pg.count_articles() > 30
        now = int(NOW.timestamp())
        compared = 0
        for q in SAMPLE_QUERIES:
            # the default watchlists as `watch test` runs them (their own limits and scope)
            watchlist = q in DEFAULT_WATCHLISTS.values()
            node = parse_watchlist(q) if watchlist else parse(q)
            a = [h.url for h in sq.search(node, limit=50 if watchlist else 5, now=now)]
            b = [h.url for h in pg.search(node, limit=50 if watchlist else 5, now=now)]
            assert sq.count_matching(node) == pg.count_matching(node), q
            if watchlist:  # the same articles; a vocabulary this large ranks by backend detail
                assert sorted(a) == sorted(b), q
            else:
                assert a[:1] == b[:1], q
            compared += bool(a)
        assert compared >= len(SAMPLE_QUERIES) - 3  # nearly every query finds something
        assert sq.watchlist_match_counts() == pg.watchlist_match_counts()
    finally:
        sq.close()
        pg.close()
        pg_cluster.drop_database(url)
