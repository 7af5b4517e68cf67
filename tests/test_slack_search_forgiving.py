"""Search replies in Slack, end to end in HTTP mode against the loopback stand-in: "did you
mean" with its button, dates in each reader's zone, and "Watch this" (admins only) opening
the add-watchlist modal filled from the search, saved with an audit entry."""

from __future__ import annotations

import json
import time

import pytest

from tests.support.blockkit import assert_valid_message, assert_valid_view, buttons
from tests.support.seed_stories import DAWN_URL, filler_articles, seed_articles
from tests.support.slack_harness import ADMIN, SlackAppHarness

USER = "U0PLAINUSER"


@pytest.fixture
def store(store):
    store.insert_articles(None, seed_articles() + filler_articles())
    return store


@pytest.fixture
def app(store, slack_api):
    slack_api.add_user(USER)
    harness = SlackAppHarness(store, slack_api).start()
    yield harness
    harness.stop()


def text_of(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_a_misspelt_search_offers_the_correction_and_its_button_runs_it(app):
    _, key = app.command("chna travle", user=USER)
    reply = app.reply(key)
    assert_valid_message(reply)
    shown = text_of(reply)
    assert "No stored articles match `chna travle`" in shown and "Did you mean *china travel*?" in shown
    assert "Try fewer or broader words" in shown  # never a silent zero
    button = buttons(reply, "search_suggest")[0]
    assert json.loads(button["value"]) == {"q": "china travel", "o": 0}
    _, key2 = app.click({"action_id": "search_suggest", "block_id": reply["blocks"][1].get("block_id", "b"),
                         "value": button["value"]}, user=USER)
    page = app.reply(key2)
    assert_valid_message(page)
    assert page["replace_original"] is True and page["response_type"] == "ephemeral"
    assert DAWN_URL in text_of(page) and "for `china travel`" in text_of(page)


def test_a_zero_hit_reply_names_the_filters(app):
    _, key = app.command("china until:2000-01-01", user=USER)
    reply = app.reply(key)
    assert_valid_message(reply)
    assert "(until 2000-01-01)" in text_of(reply) and "wider date range" in text_of(reply)


def test_watch_this_is_for_admins_and_saves_a_watchlist_from_the_search(app, store, slack_api):
    _, key = app.command("china travel", user=USER)
    assert buttons(app.reply(key), "search_watch") == []  # not shown to everyone
    _, key = app.command("china travel sort:new", user=ADMIN)
    reply = app.reply(key)
    assert_valid_message(reply)
    watch = buttons(reply, "search_watch")[0]
    assert json.loads(watch["value"]) == {"q": "china travel sort:new"}

    # a forged click by someone else is refused, and nothing opens
    _, forged = app.click({"action_id": "search_watch", "block_id": "search_pages", "value": watch["value"]}, user=USER)
    refusal = app.reply(forged)
    assert "Only admins can change watchlists" in text_of(refusal)
    time.sleep(0.3)
    assert slack_api.calls("views.open") == []

    app.click({"action_id": "search_watch", "block_id": "search_pages", "value": watch["value"]}, user=ADMIN)
    opened = app.calls("views.open")[0].body
    view = opened["view"]
    assert_valid_view(view)
    query_box = next(b for b in view["blocks"] if b.get("block_id") == "query")
    assert query_box["element"]["initial_value"] == "china travel"  # the filters are the search's, not the watchlist's
    assert "Would match *13* stored articles" in text_of(view)  # what `watch test` shows, before saving
    assert "Left out: sort:new (a watchlist looks at every new article" in text_of(view)  # and says what it dropped

    values = {"name": {"watch_name": {"type": "plain_text_input", "value": "china-travel"}},
              "query": {"watch_query": {"type": "plain_text_input", "value": "china travel"}}}
    resp = app.submit({"id": "V0MODAL", **view}, values)
    assert resp.status_code == 200 and resp.content == b""
    assert store.get_watchlist("china-travel").query == "china travel"
    assert [(e.actor, e.action, e.target) for e in store.audit_entries()] == [(f"slack:{ADMIN}", "watch.add", "china-travel")]
