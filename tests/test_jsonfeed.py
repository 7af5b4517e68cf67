"""JSON Feed 1.0 and 1.1: detected, read, and put through the same normalize stage as RSS/Atom.

Feed content is hostile: huge strings, Slack mentions, javascript: links and values of the
wrong type must neither crash the parser nor reach the store unnormalized.
"""

from __future__ import annotations

import json
import random
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot import mrkdwn
from bot.feeds import parse as parse_module
from bot.feeds.normalize import SUMMARY_LIMIT, TITLE_LIMIT
from bot.feeds.parse import MAX_ENTRIES, parse_feed, read_document

DATA = Path(__file__).parent / "data"
FETCHED = datetime(2025, 3, 10, tzinfo=timezone.utc)
FEED_URL = "https://threatnotes.example/feed.json"
JSON_FEED = {"content-type": "application/feed+json"}


def parse(content: bytes, headers=JSON_FEED, feed_url: str = FEED_URL, **kw):
    return parse_feed(content, headers, feed_url=feed_url, fetched_at=FETCHED, **kw)


def doc(items, **top) -> bytes:
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "T",
                       "home_page_url": "https://home.example/", **top, "items": items}).encode()


def test_json_feed_1_0():
    result = parse((DATA / "jsonfeed" / "feed-1.0.json").read_bytes())
    assert result.error is None and result.title == "Threat Notes"
    first, second, third = result.articles  # the duplicate id collapsed
    assert first.title == "Prompt injection found in mail assistants"
    assert first.url == "https://threatnotes.example/2025/prompt-injection"  # tracking parameter gone
    assert first.summary == "Researchers showed a prompt injection that leaks mail."  # HTML → text, script dropped
    assert first.published == datetime(2025, 3, 4, 15, 15, tzinfo=timezone.utc)
    assert first.author == "R. Diaz" and first.source == "Threat Notes"
    assert first.dedupe_key == "guid:https://threatnotes.example/2025/prompt-injection"
    assert second.summary == "Three charged over stolen model weights."  # `summary` is the lead when present
    assert second.published == datetime(2025, 3, 3, 8, 0, tzinfo=timezone.utc)
    assert second.dedupe_key == f"guid:{FEED_URL} 2"  # a bare id is scoped to its feed
    assert third.url == "https://elsewhere.example/story"  # external_url when there is no url
    assert third.title.startswith("An item with no title") and len(third.title) <= 120
    assert third.published == FETCHED  # no date: fetch time


def test_json_feed_1_1():
    result = parse((DATA / "jsonfeed" / "feed-1.1.json").read_bytes(), feed_url="https://policywire.example/feed.json")
    assert result.title == "Policy Wire JSON"
    eu, export = result.articles
    assert eu.summary == "What changes for general-purpose models."
    assert eu.author == "J. Moreau"  # the first author that has a name (1.1 `authors`)
    assert eu.published == datetime(2025, 2, 1, 23, 0, tzinfo=timezone.utc)
    assert export.url == "https://policywire.example/relative/export-controls"  # resolved against the feed
    assert export.summary == "The rules now cover more chips."


def test_feedparser_repository_example():
    result = parse((DATA / "feedparser" / "json" / "example.json").read_bytes(), {"content-type": "application/json"},
                   feed_url="https://example.org/feed.json")
    assert result.title == "My Example Feed"
    assert [a.url for a in result.articles] == ["https://example.org/second-item", "https://example.org/initial-post"]
    assert result.articles[1].summary == "Hello, world!" and result.articles[1].author == "you"


@pytest.mark.parametrize(
    "content, headers, error",
    [
        (json.dumps({"items": [{"id": "1", "url": "https://a.example/1", "title": "x"}]}).encode(), JSON_FEED, None),
        (doc([{"id": "1", "url": "https://a.example/1", "title": "x"}]), {"content-type": "application/json"}, None),
        (doc([{"id": "1", "url": "https://a.example/1", "title": "x"}]), {}, None),  # by the version field alone
        (doc([{"id": "1", "url": "https://a.example/1", "title": "x"}]), {"content-type": "text/plain"}, None),
        (b'{"items": [{"id": 1}]}', {"content-type": "application/json"},
         "not a feed (JSON, but not a JSON Feed: no jsonfeed.org version)"),
        (b'[{"id": 1}]', JSON_FEED, "not a feed (JSON, but not a JSON Feed: the top level is not an object)"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": "none"}', JSON_FEED,
         "not a feed (JSON Feed without an items list)"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', JSON_FEED, None),  # checked below
    ],
)
def test_detection(content, headers, error):
    result = parse(content, headers)
    if content.endswith(b"["):
        assert result.error.startswith("not a feed (invalid JSON")
    else:
        assert result.error == error


def test_an_rss_document_served_as_json_is_still_read_as_rss():
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>R</title><item><title>i</title>' \
          b'<link>https://r.example/1</link></item></channel></rss>'
    assert [a.title for a in parse(rss, {"content-type": "application/json"}).articles] == ["i"]


def test_hostile_values():
    huge = "A" * 5_000_000
    items = [
        {"id": "big", "url": "https://a.example/big", "title": huge, "content_html": "<p>" + huge + "</p>"},
        {"id": "ping", "url": "https://a.example/ping", "title": "<!channel> urgent <@U123>", "content_text": "<!here>"},
        {"id": "js", "url": "javascript:alert(document.cookie)", "title": "script link"},
        {"id": "data", "url": "data:text/html,<script>x</script>", "external_url": "file:///etc/passwd", "title": "d"},
        {"id": {"nested": True}, "url": 42, "title": 7, "summary": ["a"], "content_text": {"x": 1},
         "date_published": 1700000000, "authors": "me", "author": ["you"]},
        {"id": True, "url": "https://a.example/types", "title": "Types", "date_published": "not a date",
         "authors": [None, 3, {"name": 5}, {"name": "Real"}]},
        "a string where an item belongs",
        None,
        [1, 2, 3],
        {"id": "future", "url": "https://a.example/f", "title": "Future", "date_published": "2999-01-01T00:00:00Z"},
    ]
    started = time.perf_counter()
    result = parse(doc(items))
    elapsed = time.perf_counter() - started
    by_title = {a.title: a for a in result.articles}
    big = next(a for a in result.articles if a.url == "https://a.example/big")
    assert len(big.title) <= TITLE_LIMIT and len(big.summary) <= SUMMARY_LIMIT
    ping = by_title["<!channel> urgent <@U123>"]  # stored as plain text…
    assert "&lt;!channel&gt;" in mrkdwn.escape(ping.title) and "<!" not in mrkdwn.escape(ping.title)  # …escaped for Slack
    assert by_title["script link"].url == "https://home.example/"  # never javascript:, the home page instead
    assert by_title["d"].url == "https://home.example/"
    types = by_title["Types"]
    assert types.author == "Real" and types.published == FETCHED and types.dedupe_key == "url:https://a.example/types"
    assert by_title["Future"].published == FETCHED  # far-future dates are not believed
    assert all(a.url.startswith("https://") for a in result.articles)
    assert elapsed < 5  # ~0.3 s: the caps stop the work early, a 5 MB title costs little


def test_without_a_home_page_a_javascript_link_drops_the_item():
    result = parse(json.dumps({"version": "https://jsonfeed.org/version/1", "title": "T",
                               "items": [{"id": "1", "url": "javascript:x()", "title": "bad"},
                                         {"id": "2", "url": "https://ok.example/2", "title": "good"}]}).encode())
    assert [a.title for a in result.articles] == ["good"]


def test_deep_nesting_and_bad_utf8():
    assert parse(b"[" * 200_000 + b"]" * 200_000).error == "not a feed (JSON nested too deeply)"
    latin = b'{"version": "https://jsonfeed.org/version/1", "items": [{"id": "1", "url": "https://a.example/1", ' \
            b'"title": "caf\xe9"}]}'  # Latin-1 bytes where UTF-8 is required
    assert parse(latin).articles[0].title == "caf\ufffd"


def test_item_caps_keep_the_newest():
    rng = random.Random(3)
    items = [{"id": f"i{n}", "url": f"https://a.example/{n}", "title": f"Item {n}",
              "date_published": f"2025-01-{1 + n % 28:02d}T{rng.randrange(24):02d}:00:00Z"} for n in range(5000)]
    document = read_document(doc(items), JSON_FEED, feed_url=FEED_URL)
    assert len(document.entries) == 2000  # the XML trimmer's cap, MAX_DOCUMENT_ENTRIES
    assert len(parse(doc(items)).articles) == MAX_ENTRIES


def test_json_items_go_through_the_same_normalize_stage(monkeypatch):
    seen = []
    real = parse_module.entry_to_article

    def spy(entry, *args, **kwargs):
        seen.append(entry)
        return real(entry, *args, **kwargs)

    monkeypatch.setattr(parse_module, "entry_to_article", spy)
    result = parse((DATA / "jsonfeed" / "feed-1.0.json").read_bytes())
    assert len(seen) == 4 and len(result.articles) == 3
    assert seen[0]["title_detail"]["type"] == "text/plain"
