"""Long lists in Slack: every list reply — feeds, watchlists, the audit log — is paged within
Slack's limits (50 blocks, 3000 characters a section, and the digests' budget of
MAX_MESSAGE_CHARS of block JSON), with More and Back buttons that walk the whole list.

The 5,000-feed walk runs on the real app in HTTP mode: `/aibrief feeds list`, then More
pressed on each page (a signed block_actions request, answered through its response_url,
as search paging is) until the last feed, then Back to the first.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from bot.digest.validate import MAX_MESSAGE_CHARS
from bot.models import Watchlist
from bot.slack import blocks
from bot.store import AuditEntry, open_store
from tests.support.blockkit import assert_valid_message
from tests.support.slack_harness import ADMIN, SlackAppHarness

USER = "U0PLAINUSER"
N_FEEDS = 5000
NOW = datetime(2025, 3, 2, 12, 0, tzinfo=timezone.utc)
FEED_LINK = re.compile(r"<https://feeds\d+\.example/news/(\d+)/rss\.xml\|")


def assert_within_limits(payload: dict) -> None:
    assert_valid_message(payload)  # slack_sdk.models: each block parsed, validated, unchanged
    assert len(payload["blocks"]) <= 50
    assert len(json.dumps(payload["blocks"], ensure_ascii=False)) <= MAX_MESSAGE_CHARS
    for b in payload["blocks"]:
        if b["type"] == "section":
            assert len(b["text"]["text"]) <= 3000


def buttons(payload: dict) -> dict[str, dict]:
    out = {}
    for b in payload["blocks"]:
        for e in b.get("elements", []) if b["type"] == "actions" else []:
            out[e["action_id"]] = e
    return out


def feeds_shown(payload: dict) -> list[int]:
    return [int(n) for n in FEED_LINK.findall(json.dumps(payload, ensure_ascii=False))]


@pytest.fixture
def many_feeds(tmp_path):
    store = open_store(str(tmp_path / "lists.db"))
    for i in range(N_FEEDS):
        feed = store.add_feed(f"https://user:pw{i}@feeds{i % 37}.example/news/{i}/rss.xml?key=k{i}",
                              f"Feed number {i} & a title long enough to matter " + "x" * (i % 40))
        if i % 7 == 0:
            store.record_poll_error(feed.id, f"ConnectError: connect to 10.0.{i % 250}.1 refused " * 4,
                                    now=int(NOW.timestamp()), next_poll=0)
    yield store
    store.close()


@pytest.mark.slow
def test_five_thousand_feeds_page_through_more_and_back(many_feeds, slack_api):
    harness = SlackAppHarness(many_feeds, slack_api).start()
    try:
        _, key = harness.command("feeds list", user=USER)
        page = harness.reply(key)
        seen: list[int] = []
        pages = 0
        while True:
            assert_within_limits(page)
            assert "pw" not in json.dumps(page) and "key=" not in json.dumps(page)  # a member's view
            shown = feeds_shown(page)
            assert shown, "an empty page"
            seen += shown
            pages += 1
            more = buttons(page).get(blocks.ACTION_LIST_MORE)
            if more is None:
                break
            assert pages < N_FEEDS, "More never ends"
            _, key = harness.click({"action_id": more["action_id"], "value": more["value"], "block_id": "p"},
                                   user=USER)
            reply = harness.reply(key)
            assert reply.get("replace_original") is True  # the page replaces the one clicked
            page = reply
        order = [f.url for f in many_feeds.list_feeds()]
        expected = [int(re.search(r"/news/(\d+)/", u).group(1)) for u in order]
        assert seen == expected  # every feed once, in the list's order, the last one included
        assert pages > 10

        # and Back walks to the first feed again, every feed once more
        back_seen: list[int] = []
        last_page = feeds_shown(page)
        while True:
            back = buttons(page).get(blocks.ACTION_LIST_PREV)
            if back is None:
                break
            _, key = harness.click({"action_id": back["action_id"], "value": back["value"], "block_id": "p"},
                                   user=USER)
            page = harness.reply(key)
            assert_within_limits(page)
            back_seen = feeds_shown(page) + back_seen
        assert back_seen + last_page == expected
    finally:
        harness.stop()


def walk(make_page) -> tuple[int, list[dict]]:
    """Follow More from the first page; every page within the limits."""
    page, pages = make_page(0, False), []
    while True:
        assert_within_limits(page)
        pages.append(page)
        more = buttons(page).get(blocks.ACTION_LIST_MORE)
        if more is None:
            return len(pages), pages
        value = json.loads(more["value"])
        page = make_page(value["o"], bool(value.get("b")))


def test_watch_lists_and_the_audit_log_are_paged_too():
    wls = [Watchlist(i, f"w{i}", "(ai OR llm) security " * 25) for i in range(400)]
    n, pages = walk(lambda o, b: blocks.watch_list(wls, {w.name: 3 for w in wls}, o, back=b))
    assert n > 1 and sum(json.dumps(p).count("*w") for p in pages) >= 400
    assert "*w399*" in json.dumps(pages[-1])
    entries = [AuditEntry(i, NOW - timedelta(minutes=i), "slack:U1", "feed.add",
                          f"https://u:secret{i}@feeds.example/{i}?k=v", None, {"title": "t " * 300}) for i in range(50)]
    n, pages = walk(lambda o, b: blocks.audit_list(entries, o, back=b, limit=50))
    text = json.dumps(pages)
    assert n > 1 and "feeds.example/49" in text and "secret" not in text
    more = buttons(pages[0])[blocks.ACTION_LIST_MORE]
    assert json.loads(more["value"])["n"] == 50  # the page button remembers `audit N`


def test_one_huge_line_still_fits_a_page():
    wls = [Watchlist(1, "big", "x" * 5000), Watchlist(2, "small", "y")]
    n, pages = walk(lambda o, b: blocks.watch_list(wls, {}, o, back=b))
    assert "*small*" in json.dumps(pages)


def test_list_pages_from_slack_refuse_the_audit_log_to_members(many_feeds, slack_api):
    many_feeds.audit("cli:admin", "feed.add", "https://feeds.example/x", None, None)
    harness = SlackAppHarness(many_feeds, slack_api).start()
    try:
        value = blocks.list_value(blocks.LIST_AUDIT, 0, n=10)
        _, key = harness.click({"action_id": blocks.ACTION_LIST_MORE, "value": value, "block_id": "p"}, user=USER)
        assert "Only admins can read the audit log" in json.dumps(harness.reply(key))
        _, key = harness.click({"action_id": blocks.ACTION_LIST_MORE, "value": value, "block_id": "p"}, user=ADMIN)
        assert "feed.add" in json.dumps(harness.reply(key))
    finally:
        harness.stop()
