"""Block Kit formatting: valid for Slack (slack_sdk.models), and feed text can't ping or forge links."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

from bot.models import Feed, SearchHit, Watchlist
from bot.query import QueryError, parse
from bot.slack import blocks
from bot.slack.blocks.parts import _fit
from bot.store import AuditEntry
from tests.support.blockkit import assert_valid_message, assert_valid_view
from tests.support.helpers import NOW, feed

EVIL = "<!channel> <@U123> &amp; <https://evil.example|click me>"


def hit(i: int, title: str = "Title", snippet: str = "A snippet.", url: str | None = None) -> SearchHit:
    return SearchHit(article_id=i, title=title, url=url or f"https://news.example/{i}", source="Dawn",
                     published=datetime(2025, 3, 1, tzinfo=timezone.utc), score=1.0, snippet=snippet)


def all_text(payload) -> str:
    return json.dumps(payload, ensure_ascii=False)


def mrkdwn_texts(node):
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            yield node["text"]
        for v in node.values():
            yield from mrkdwn_texts(v)
    elif isinstance(node, list):
        for v in node:
            yield from mrkdwn_texts(v)


# The one `<!…>` sequence we build ourselves: a date in the reader's zone (parts.local_date).
OUR_DATE = re.compile(r"!date\^\d+\^\{date_short\}\|\d\d [A-Z][a-z]{2} \d{4} UTC")


def assert_no_control_sequences(payload, allowed=()):
    """No `<…>` in any mrkdwn field except links and dates we built and the allowed mentions."""
    for text in mrkdwn_texts(payload):
        for m in re.finditer(r"<([^>]*)>", text):
            inner = m.group(1)
            if OUR_DATE.fullmatch(inner):
                continue
            assert inner.startswith(("http://", "https://")) or inner in allowed, f"control sequence <{inner}> in {text!r}"
            assert not inner.startswith("!"), inner


def test_search_results_page_is_valid_and_has_share_and_more():
    hits = [hit(i) for i in range(1, 6)]
    payload = blocks.search_results("china travel", hits, total=12)
    assert_valid_message(payload)
    assert "Results 1–5 of 12" in payload["blocks"][0]["text"]["text"]
    shares = [b["accessory"] for b in payload["blocks"] if b.get("accessory", {}).get("action_id") == blocks.ACTION_SHARE]
    assert [json.loads(s["value"])["id"] for s in shares] == [1, 2, 3, 4, 5]
    actions = [b for b in payload["blocks"] if b["type"] == "actions"][0]["elements"]
    assert [a["action_id"] for a in actions] == [blocks.ACTION_MORE, blocks.ACTION_NOTIFY]
    assert json.loads(actions[0]["value"]) == {"q": "china travel", "o": 5}
    assert json.loads(actions[1]["value"]) == {"q": "china travel"}  # "Notify me": into the clicker's DM digest


def test_second_page_has_back_and_last_page_no_more():
    payload = blocks.search_results("q", [hit(i) for i in range(6, 11)], total=10, offset=5)
    assert_valid_message(payload)
    ids = [a["action_id"] for b in payload["blocks"] if b["type"] == "actions" for a in b["elements"]]
    assert ids == [blocks.ACTION_PREV, blocks.ACTION_NOTIFY]
    single = blocks.search_results("q", [hit(1)], total=1)
    assert [a["action_id"] for b in single["blocks"] if b["type"] == "actions" for a in b["elements"]] == [
        blocks.ACTION_NOTIFY]
    assert "1 result for" in single["blocks"][0]["text"]["text"]


def test_feed_text_is_escaped_everywhere():
    evil_hit = hit(1, title=EVIL, snippet=EVIL, url="https://news.example/a|b>c")
    payload = blocks.search_results(EVIL, [evil_hit], total=1)
    assert_valid_message(payload)
    assert_no_control_sequences(payload)
    text = payload["blocks"][1]["text"]["text"].replace("*", "")  # the query's words are bold
    assert "&lt;!channel&gt;" in text and "&amp;amp;" in text
    # the link target is percent-encoded, its label escaped: no second link can be forged
    assert re.search(r"<https://news\.example/a%7Cb%3Ec\|", text)
    shared = blocks.shared_result({"title": EVIL, "url": "javascript:alert(1)", "source": EVIL,
                                   "published": NOW, "summary": EVIL}, "U999")
    assert_valid_message(shared)
    assert_no_control_sequences(shared, allowed={"@U999"})
    assert "<javascript:" not in all_text(shared)


def test_lists_and_home_escape_names_queries_and_feed_errors():
    wls = [Watchlist(1, "w1", EVIL)]
    assert_no_control_sequences(blocks.watch_list(wls, {"w1": 3}))
    bad_feed = Feed(id=1, url="https://feeds.example/x", title=EVIL, etag=None, last_modified=None,
                    last_success=None, last_error=EVIL, error_count=1, next_poll=None, last_error_at=NOW)
    assert_no_control_sequences(blocks.feeds_list([bad_feed], NOW))
    view = blocks.home_view(wls, {"w1": 3}, [bad_feed], [blocks.ScheduleRow("C1", "09:00", "UTC", NOW)],
                            is_admin=True, now=NOW)
    assert_valid_view(view)
    assert_no_control_sequences(view, allowed={"#C1"})


def test_no_results_and_query_error_are_helpful():
    payload = blocks.no_results("zzz qqq")
    assert_valid_message(payload)
    assert "No stored articles match `zzz qqq`" in payload["text"]
    assert blocks.EXAMPLE_QUERY in all_text(payload)
    try:
        parse('china "travel')
    except QueryError as exc:
        err = exc
    payload = blocks.query_error('china "travel', err)
    assert_valid_message(payload)
    text = payload["blocks"][0]["text"]["text"]
    assert "never closed" in text and "column 7" in text
    assert "```china \"travel\n      ^```" in text
    assert blocks.EXAMPLE_QUERY in text


def test_help_lists_every_command():
    payload = blocks.help_message()
    assert_valid_message(payload)
    text = all_text(payload)
    for cmd in ("watch list", "watch add NAME QUERY", "watch remove NAME", "watch test QUERY", "feeds list",
                "feeds add URL", "feeds remove URL", "digest now", "digest schedule HH:MM [Area/City]",
                "digest off", "audit", "saved", "--top N"):
        assert cmd in text, cmd


def test_refusal_names_the_admins_and_says_nothing_changed():
    payload = blocks.refusal("add watchlists", {"U2", "U1"})
    assert_valid_message(payload)
    text = payload["blocks"][0]["text"]["text"]
    assert "Only admins can add watchlists" in text and "Nothing was changed" in text and "<@U1>, <@U2>" in text


def test_long_lists_stay_within_slack_limits():
    feeds = [feed(i, error="connection refused " * 10 if i % 3 == 0 else None, title="x" * 70) for i in range(300)]
    payload = blocks.feeds_list(feeds, NOW)
    assert_valid_message(payload)
    view = blocks.home_view([Watchlist(i, f"w{i}", "ai " * 150) for i in range(60)], {}, feeds,
                            [blocks.ScheduleRow(f"C{i}", "09:00", "Europe/Berlin", NOW) for i in range(80)],
                            is_admin=True, now=NOW)
    assert_valid_view(view)
    # failing feeds are listed first
    feed_text = next(b["text"]["text"] for b in view["blocks"] if b["type"] == "section" and "feeds.example" in all_text(b))
    assert feed_text.startswith(":red_circle:")
    entries = [AuditEntry(i, NOW, "slack:U1", "watch.add", f"w{i}", None, {"query": "q " * 200}) for i in range(50)]
    payload = blocks.audit_list(entries)
    assert_valid_message(payload)
    assert "<@U1>" in all_text(payload)


def test_home_view_buttons_only_for_admins():
    admin_view = blocks.home_view([], {}, [], [], is_admin=True, now=NOW)
    user_view = blocks.home_view([], {}, [], [], is_admin=False, now=NOW)
    assert_valid_view(admin_view)
    assert_valid_view(user_view)
    assert blocks.ACTION_HOME_ADD in all_text(admin_view) and blocks.ACTION_HOME_REMOVE in all_text(admin_view)
    assert blocks.ACTION_HOME_ADD not in all_text(user_view)


def test_home_view_shows_counts_health_and_next_run():
    view = blocks.home_view(
        [Watchlist(1, "ai-security", "AI security")], {"ai-security": 7},
        [feed(1), feed(2, error="HTTP 503")],
        [blocks.ScheduleRow("C42", "09:00", "Europe/Berlin", NOW + timedelta(hours=3))],
        is_admin=False, now=NOW,
    )
    text = all_text(view)
    assert "*ai-security* — 7 matching articles" in text
    assert "Feeds (2, 1 failing)" in text and "HTTP 503" in text and "last success 2h ago" in text
    assert "<#C42> daily at *09:00* Europe/Berlin — next 2025-03-02 15:00 UTC (in 3h)" in text


def test_modals_are_valid():
    add = blocks.add_watchlist_modal(blocks.preview_text("ai", [hit(1, title=EVIL)], 9))
    assert_valid_view(add)
    query_block = next(b for b in add["blocks"] if b.get("block_id") == blocks.BLOCK_QUERY)
    assert query_block["dispatch_action"] is True
    assert "Would match *9* stored articles, e.g." in all_text(add)
    assert_no_control_sequences(add)
    remove = blocks.remove_watchlist_modal([Watchlist(1, "a", "x " * 100), Watchlist(2, "b", "y")])
    assert_valid_view(remove)
    assert_valid_view(blocks.remove_watchlist_modal([]))


def test_section_cap_never_splits_an_escape_or_link():
    text = _fit("a" * 2990 + "&amp;&lt;<https://x.example|label>")
    assert len(text) <= 3000 and text.endswith("…")
    assert not re.search(r"&[a-z]*…$", text) and "<https" not in text
