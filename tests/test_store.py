import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from bot.query import parse
from bot.store import LATEST_VERSION, DuplicateError, NotFoundError, SQLiteStore, open_store
from bot.store.schema import SQLITE_MIGRATIONS
from bot.watchlists import seed_default_watchlists
from tests.support.helpers import article, seed


FILLER = [
    article(t, s, days_ago=i)
    for i, (t, s) in enumerate([
        ("Patch Tuesday fixes 60 flaws", "Microsoft released updates for Windows and Office."),
        ("Ransomware hits hospital network", "Emergency rooms diverted patients after the attack."),
        ("EU lawmakers agree on data act", "The rules cover connected devices and cloud switching."),
        ("Chipmaker reports record revenue", "Demand for data-centre accelerators keeps rising."),
        ("Phishing kit targets bank customers", "Researchers found thousands of cloned login pages."),
        ("Open-source maintainers warn of burnout", "A survey shows most projects have one maintainer."),
        ("Quantum-safe encryption standard published", "NIST finalised three post-quantum algorithms."),
        ("Botnet takedown in Europe", "Police seized servers in four countries."),
        ("Browser update closes zero-day", "Attackers exploited the bug before the fix."),
        ("Satellite operator suffers outage", "Ground stations lost contact for six hours."),
        ("Cloud provider raises prices", "Customers face higher storage bills next year."),
        ("Startup raises funds for secure email", "The round values the company at 200 million."),
    ])
]


# `store` (tests/conftest.py) runs each test on SQLite and on PostgreSQL; the SQLite-only
# tests below (WAL, migrating an old file) open their own.


def _integrity_errors() -> tuple[type[BaseException], ...]:
    import psycopg

    return (sqlite3.IntegrityError, psycopg.IntegrityError)


def test_new_database_is_wal_and_at_latest_version(tmp_path):
    store = open_store(str(tmp_path / "t.db"))
    assert store.schema_version() == LATEST_VERSION
    mode = sqlite3.connect(tmp_path / "t.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    store.close()


def test_new_database_is_at_latest_version(store):
    assert store.schema_version() == LATEST_VERSION


def test_migrates_an_older_schema_keeping_its_data(tmp_path):
    path = str(tmp_path / "old.db")
    old = SQLiteStore(path, migrate=False)
    old.migrate(target=1)
    assert old.schema_version() == 1
    feed = old.add_feed("https://example.com/feed", "Example")
    a = seed("travel")
    with old.transaction() as tx:  # a row as version 1's code wrote it (no lead column yet)
        tx.run(
            "INSERT INTO articles(feed_id, dedupe_key, url, title, summary, source, published, fetched) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (feed.id, a.dedupe_key, a.url, a.title, a.summary, a.source, 1740787200, 1740787200),
        )
    old.close()

    s = open_store(path)  # opening migrates
    assert s.schema_version() == LATEST_VERSION == len(SQLITE_MIGRATIONS)
    assert s.count_articles() == 1
    assert [h.title for h in s.search(parse("china travel"))] == [a.title]
    # version 3 computed the lead of the stored article and indexed it as its own field
    from bot.lead import lead_of
    from bot.query import parse_watchlist

    assert s._all("SELECT lead FROM articles")[0][0] == lead_of(a.summary) != ""
    first_lead_word = lead_of(a.summary).split()[-1].strip(".,")
    assert s.count_matching(parse_watchlist(first_lead_word)) == 1
    s.audit("U1", "watch.add", "x", None, {"query": "y"})  # a table from migration 2 works
    assert s.audit_entries()[0].actor == "U1"
    s.close()


def test_articles_are_deduplicated_across_polls_and_feeds(store):
    f1 = store.add_feed("https://a.example/feed")
    f2 = store.add_feed("https://b.example/feed")
    a = seed("travel")
    first = store.record_poll_success(f1.id, [a], now=1, next_poll=2, etag=None, last_modified=None)
    again = store.record_poll_success(f1.id, [a], now=3, next_poll=4, etag=None, last_modified=None)
    other = store.record_poll_success(f2.id, [a], now=5, next_poll=6, etag=None, last_modified=None)
    assert len(first.new_article_ids) == 1
    assert again.new_article_ids == [] and other.new_article_ids == []
    assert store.count_articles() == 1


def test_a_failed_poll_write_leaves_nothing_behind(store):
    feed = store.add_feed("https://a.example/feed")
    good = article("AI security one", "text")
    with pytest.raises(_integrity_errors()):
        # the second row violates NOT NULL half-way through the transaction
        bad = article("x", "y")
        object.__setattr__(bad, "title", None)
        store.record_poll_success(feed.id, [good, bad], now=1, next_poll=2, etag='"e1"', last_modified=None)
    assert store.count_articles() == 0
    assert store.get_feed("https://a.example/feed").etag is None


def test_poll_state_is_recorded(store):
    feed = store.add_feed("https://a.example/feed")
    store.record_poll_success(feed.id, [], now=100, next_poll=200, etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT", title="A")
    f = store.get_feed(feed.url)
    assert (f.etag, f.last_modified, f.title, f.error_count) == ('"v1"', "Mon, 01 Jan 2024 00:00:00 GMT", "A", 0)
    assert store.record_poll_error(feed.id, "HTTP 500", now=300, next_poll=400) == 1
    assert store.record_poll_error(feed.id, "HTTP 500", now=400, next_poll=900) == 2
    f = store.get_feed(feed.url)
    assert f.last_error == "HTTP 500" and f.error_count == 2 and f.last_success.timestamp() == 100
    assert store.feeds_due(500) == [] and [x.url for x in store.feeds_due(900)] == [feed.url]
    store.record_poll_error(feed.id, "HTTP 410 Gone", now=1000, next_poll=2000, disable=True)
    assert not store.get_feed(feed.url).enabled and store.feeds_due(10**10) == []


def test_permanent_redirect_updates_the_feed_url(store):
    feed = store.add_feed("http://old.example/feed")
    store.record_poll_success(feed.id, [], now=1, next_poll=2, etag=None, last_modified=None, new_url="https://new.example/feed")
    assert store.get_feed("http://old.example/feed") is None
    assert store.get_feed("https://new.example/feed").id == feed.id


def test_feed_add_and_remove(store):
    store.add_feed("https://a.example/feed")
    with pytest.raises(DuplicateError):
        store.add_feed("https://a.example/feed")
    store.remove_feed("https://a.example/feed")
    with pytest.raises(NotFoundError):
        store.remove_feed("https://a.example/feed")


def test_watchlists_match_only_new_articles_through_fts(store):
    feed = store.add_feed("https://a.example/feed")
    store.insert_articles(feed.id, [article("AI model jailbreak found", "security researchers")])
    store.add_watchlist("ai-sec", "AI security")
    assert store.watchlist_match_counts() == {"ai-sec": 1}  # existing articles matched on add
    out = store.record_poll_success(
        feed.id,
        [article("New AI attack on security tools"), article("Officials said the plan is done", "security")],
        now=10, next_poll=20, etag=None, last_modified=None,
    )
    assert out.matches == {"ai-sec": 1}  # "said" is not "AI"
    assert store.watchlist_match_counts() == {"ai-sec": 2}
    store.remove_watchlist("ai-sec")
    assert store.watchlist_match_counts() == {}


def test_search_finds_the_travel_seed_first_among_other_news(store):
    seed_default_watchlists(store)
    feed = store.add_feed("https://a.example/feed")
    store.insert_articles(feed.id, [
        seed("talks"),
        seed("travel"),
        article("Hackers use AI voice clones against travel agencies", "Firms in China and Europe report losses", days_ago=2),
        article("China opens new tourist visa lanes", "Travel operators welcome the rules", days_ago=4),
        article("AI chip export rules tighten", "Security concerns over China", days_ago=1),
        article("Travel industry bets on generative AI", "Airlines adopt chatbots", days_ago=3),
        *FILLER,
    ])
    hits = store.search(parse("china travel"), limit=10)
    assert hits[0].title == seed("travel").title
    assert all("china" in (h.title + h.snippet).lower() for h in hits)
    assert hits[0].source == "Dawn" and hits[0].published.year == 2025
    assert store.count_matching(parse("china travel")) == len(hits)


def test_of_two_equal_matches_the_newer_wins(store):
    feed = store.add_feed("https://a.example/feed")
    store.insert_articles(feed.id, [
        article("Deepfake fraud wave", "banks warn", url="https://x.example/old", days_ago=200),
        article("Deepfake fraud wave", "banks warn", url="https://x.example/new", days_ago=1),
    ])
    hits = store.search(parse("deepfake"))
    assert [h.url for h in hits] == ["https://x.example/new", "https://x.example/old"]
    assert hits[0].score > hits[1].score


def test_title_weighs_more_than_summary(store):
    feed = store.add_feed("https://a.example/feed")
    store.insert_articles(feed.id, [
        article("Quarterly results", "the report mentions ransomware once among many other words here", url="https://x.example/s", days_ago=1),
        article("Ransomware gang strikes", "the report covers quarterly results among many other words here", url="https://x.example/t", days_ago=1),
    ])
    assert store.search(parse("ransomware"))[0].url == "https://x.example/t"


def test_search_is_paged(store):
    feed = store.add_feed("https://a.example/feed")
    store.insert_articles(feed.id, [article(f"AI story number {i}", url=f"https://x.example/{i}", days_ago=i) for i in range(12)])
    first = store.search(parse("AI"), limit=5)
    second = store.search(parse("AI"), limit=5, offset=5)
    assert len(first) == 5 and len(second) == 5
    assert not {h.url for h in first} & {h.url for h in second}


def test_audit_log_round_trip(store):
    store.audit("U123", "feed.add", "https://a.example/feed", None, {"title": "A"})
    store.audit("U124", "watch.remove", "x", {"query": "q"}, None)
    e = store.audit_entries()
    assert [x.actor for x in e] == ["U124", "U123"]
    assert e[1].after == {"title": "A"} and e[0].before == {"query": "q"}


def test_on_topic_articles_rank_above_off_topic_ones_with_the_same_words(store):
    feed = store.add_feed("https://a.example/feed")
    store.insert_articles(feed.id, [
        article("Botnet hits routers", "alpha", url="https://x.example/on", days_ago=5),
        article("Botnet hits routers", "gamma", url="https://x.example/off", days_ago=1),
    ])
    assert store.search(parse("botnet"))[0].url == "https://x.example/off"  # newer wins while both are off topic
    store.add_watchlist("alpha", "alpha")
    assert store.search(parse("botnet"))[0].url == "https://x.example/on"
