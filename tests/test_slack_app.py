"""End to end in HTTP mode: the real app (Bolt behind waitress) on a loopback port, talking
to the loopback Slack stand-in; requests signed as Slack signs them; assertions on what
the stand-in received, with every Block Kit payload checked by slack_sdk.models.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from datetime import datetime, timedelta, timezone

import pytest

from bot.models import Article
from tests.support.blockkit import assert_valid_message, assert_valid_view, buttons
from tests.support.seed_stories import DAWN_URL, filler_articles, seed_articles
from tests.support.slack_harness import ADMIN, CHANNEL, SlackAppHarness, sign, wait_for

USER = "U0PLAINUSER"  # neither in AIBRIEF_ADMINS nor a workspace admin
WS_ADMIN = "U0WSADMIN1"  # a workspace admin per users.info

@pytest.fixture
def store(store):
    """The shared `store` (tests/conftest.py: SQLite, then PostgreSQL) holding the seed stories:
    every command, admin change and audit entry below is checked on both backends."""
    store.insert_articles(None, seed_articles() + filler_articles())
    return store


@pytest.fixture
def app(store, slack_api):
    slack_api.add_user(USER)
    slack_api.add_user(WS_ADMIN, is_admin=True)
    harness = SlackAppHarness(store, slack_api).start()
    yield harness
    harness.stop()


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def section_texts(payload: dict) -> str:
    return "\n".join(b["text"]["text"] for b in payload["blocks"] if b.get("type") == "section")


def audit_snapshot(store):
    return [(e.actor, e.action, e.target) for e in store.audit_entries(limit=100)]


# ---- search ------------------------------------------------------------------------------------
def test_search_acks_at_once_then_replies_privately_with_the_dawn_seed_first(app, slack_api):
    resp, key = app.command("china travel", user=USER)
    assert resp.status_code == 200 and resp.content == b""  # the ack: empty, nothing visible in channel
    reply = app.reply(key)
    assert reply["response_type"] == "ephemeral"
    assert_valid_message(reply)
    results = [b for b in reply["blocks"] if b.get("accessory", {}).get("action_id") == "search_share"]
    assert len(results) == 5
    first = results[0]["text"]["text"]
    # the query's words are bold where they matched
    assert first.startswith(f"<{DAWN_URL}|*China* tells its AI leaders to avoid US *travel* over security concerns: report>")
    # the date in each reader's own zone, the UTC date as the fallback
    assert re.search(r"Dawn · <!date\^\d+\^\{date_short\}\|01 Mar 2025 UTC>", first)
    assert "\n> " in first  # the snippet
    assert "Results 1–5 of 13" in section_texts(reply)
    # the ack does not wait for the search: nothing else went to Slack for it (users.info: whether
    # the asker is an admin, who gets "Watch this")
    assert [c.method for c in slack_api.calls() if c.method not in ("auth.test", "users.info")] == ["response/" + key]


def test_more_pages_through_the_response_url_and_back(app, slack_api):
    _, key = app.command("china travel", user=USER)
    more = buttons(app.reply(key), "search_more")[0]
    resp, key2 = app.click({"action_id": "search_more", "block_id": "search_pages", "value": more["value"],
                            "text": more["text"]}, user=USER)
    assert resp.status_code == 200
    page2 = app.reply(key2)
    assert_valid_message(page2)
    assert page2["replace_original"] is True and page2["response_type"] == "ephemeral"
    assert "Results 6–10 of 13" in section_texts(page2)
    assert DAWN_URL not in dump(page2)
    back = buttons(page2, "search_prev")[0]
    more3 = buttons(page2, "search_more")[0]
    _, key3 = app.click({"action_id": "search_more", "block_id": "search_pages", "value": more3["value"]}, user=USER)
    page3 = app.reply(key3)
    assert "Results 11–13 of 13" in section_texts(page3) and not buttons(page3, "search_more")
    # the hostile feed title (longest, so ranked last) is shown, not obeyed
    assert "<!channel>" not in dump(page3) and "&lt;!channel&gt;" in dump(page3)
    assert "<https://evil.example" not in dump(page3)
    _, key4 = app.click({"action_id": "search_prev", "block_id": "search_pages", "value": back["value"]}, user=USER)
    assert "Results 1–5 of 13" in section_texts(app.reply(key4))


def test_share_posts_the_result_in_the_channel_attributed_to_the_user(app, slack_api):
    _, key = app.command("china travel", user=USER)
    share = buttons(app.reply(key), "search_share")[0]
    resp, _ = app.click({"action_id": "search_share", "block_id": "b1", "value": share["value"]}, user=USER)
    assert resp.status_code == 200
    call = app.calls("chat.postMessage")[0]
    assert call.body["channel"] == CHANNEL
    posted = {"text": call.body["text"], "blocks": call.body["blocks"]}
    assert_valid_message(posted)
    assert f"Shared by <@{USER}>" in dump(posted)
    assert DAWN_URL in dump(posted)
    assert str(call.body.get("unfurl_links")).lower() == "false"
    assert [m["text"] for m in slack_api.messages(CHANNEL)] == [call.body["text"]]


def test_share_in_a_channel_without_the_bot_says_how_to_invite_it(app, slack_api):
    _, key = app.command("china travel", user=USER)
    share = buttons(app.reply(key), "search_share")[0]
    slack_api.fail("chat.postMessage", "not_in_channel")
    _, key2 = app.click({"action_id": "search_share", "block_id": "b1", "value": share["value"]}, user=USER)
    reply = app.reply(key2)
    assert_valid_message(reply)
    assert "/invite @aibrief" in reply["text"]
    assert slack_api.messages(CHANNEL) == []


def test_bad_query_gets_the_query_error_and_an_example(app):
    _, key = app.command('china "travel', user=USER)
    reply = app.reply(key)
    assert_valid_message(reply)
    text = section_texts(reply)
    assert "column 7" in text and "never closed" in text
    assert "For example: `china travel OR visa -crypto`" in text


def test_only_negations_is_explained(app):
    _, key = app.command("-crypto", user=USER)
    text = section_texts(app.reply(key))
    assert "I couldn't read that query" in text and "For example:" in text


def test_no_results_is_helpful(app):
    _, key = app.command("quantum teleportation", user=USER)
    reply = app.reply(key)
    assert_valid_message(reply)
    assert "No stored articles match `quantum teleportation`" in reply["text"]
    assert "For example:" in reply["text"]


@pytest.mark.parametrize("text", ["", "help"])
def test_help(app, text):
    _, key = app.command(text, user=USER)
    reply = app.reply(key)
    assert_valid_message(reply)
    assert "/aibrief watch add NAME QUERY" in section_texts(reply)


def test_usage_error_for_a_malformed_subcommand(app):
    _, key = app.command("digest schedule 25:00", user=ADMIN)
    reply = app.reply(key)
    assert "bad time '25:00'" in reply["text"] and "/aibrief digest schedule 09:00" in reply["text"]


def test_a_spent_response_url_falls_back_to_chat_post_ephemeral(app, slack_api):
    key = app.response_key()
    slack_api.fail("response/" + key, 404)
    app.command("help", user=USER, key=key)
    call = app.calls("chat.postEphemeral")[0]
    assert call.body["channel"] == CHANNEL and call.body["user"] == USER
    assert_valid_message({"text": call.body["text"], "blocks": call.body["blocks"]})


# ---- signatures --------------------------------------------------------------------------------------
def _unsigned_cases(app):
    body = ("command=%2Faibrief&text=watch+add+sneaky+ai&user_id=" + ADMIN + "&channel_id=" + CHANNEL
            + "&team_id=T0STANDIN&response_url=" + app.slack.response_url("evil")).encode()
    now = int(time.time())
    return {
        "forged": dict(secret="not-the-secret"),
        "missing": dict(signed=False),
        "six minutes old": dict(timestamp=now - 360),
        "from the future": dict(timestamp=now + 360),
        "garbage": dict(signature="v0=" + "0" * 64),
        "body changed": dict(signature=sign(body + b"x", now), timestamp=now),
    }, body


def test_unverified_requests_get_401_and_do_nothing(app, store, slack_api):
    cases, body = _unsigned_cases(app)
    before = (store.list_watchlists(), audit_snapshot(store))
    for name, kw in cases.items():
        resp = app.post(body, "application/x-www-form-urlencoded", **kw)
        assert resp.status_code == 401, name
    time.sleep(0.3)  # anything the app would have done runs within milliseconds
    assert [c.method for c in slack_api.calls() if c.method != "auth.test"] == []
    assert (store.list_watchlists(), audit_snapshot(store)) == before
    # and the very same request, signed correctly, is accepted
    assert app.post(body, "application/x-www-form-urlencoded").status_code == 200
    assert app.reply("evil")


# ---- admin checks and the audit log ------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "watch add sneaky ai",
    "watch remove sneaky",
    "feeds add https://feeds.example.org/rss.xml",
    "feeds remove https://www.dawn.com/feeds/world",
    "digest schedule 09:00 Europe/Berlin",
    "digest off",
    "digest now",
    "audit",
])
def test_non_admins_are_refused_and_nothing_changes(app, store, slack_api, text):
    store.add_watchlist("sneaky", "ai")
    before = (store.list_watchlists(), store.list_feeds(), store.list_subscriptions(), audit_snapshot(store))
    _, key = app.command(text, user=USER)
    reply = app.reply(key)
    assert_valid_message(reply)
    assert "Only admins can" in reply["text"] and "Nothing was changed" in reply["text"]
    assert f"<@{ADMIN}>" in reply["text"]
    assert (store.list_watchlists(), store.list_feeds(), store.list_subscriptions(), audit_snapshot(store)) == before
    assert slack_api.calls("chat.postMessage") == []
    assert [c.body["user"] for c in slack_api.calls("users.info")] == [USER]


def test_workspace_admin_change_is_audited_and_listed_with_audit(app, store, slack_api):
    _, key = app.command('watch add travel-bans travel (ban OR avoid) "AI"', user=WS_ADMIN)
    reply = app.reply(key)
    assert_valid_message(reply)
    assert "Added watchlist *travel-bans*" in reply["text"] and "1 stored article(s) match" in reply["text"]
    assert store.get_watchlist("travel-bans").query == 'travel (ban OR avoid) "AI"'
    entry = store.audit_entries(limit=1)[0]
    assert (entry.actor, entry.action, entry.target, entry.before, entry.after) == (
        f"slack:{WS_ADMIN}", "watch.add", "travel-bans", None, {"query": 'travel (ban OR avoid) "AI"'})
    # the users.info answer is cached: a second command asks Slack nothing
    _, key = app.command("audit", user=WS_ADMIN)
    audit = app.reply(key)
    assert_valid_message(audit)
    assert f"<@{WS_ADMIN}> *watch.add* travel-bans" in section_texts(audit)
    assert len(slack_api.calls("users.info")) == 1


def test_env_admin_removes_a_watchlist_and_adds_a_feed(app, store, slack_api, feed_server):
    store.add_watchlist("old", "ai")
    _, key = app.command("watch remove old", user=ADMIN)
    assert "Removed watchlist *old*" in app.reply(key)["text"]
    assert store.get_watchlist("old") is None
    assert audit_snapshot(store)[0] == (f"slack:{ADMIN}", "watch.remove", "old")
    assert slack_api.calls("users.info") == []  # AIBRIEF_ADMINS needs no lookup


def test_feeds_add_checks_the_feed_and_is_audited(store, slack_api, feed_server):
    rss = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback &amp; Co</title>'
           b"<item><title>One</title><link>http://127.0.0.1/one</link></item></channel></rss>")
    feed_server.add("/rss.xml", body=rss, headers={"Content-Type": "application/rss+xml"})
    harness = SlackAppHarness(store, slack_api).start(allow_private_networks=True)
    try:
        url = feed_server.url("/rss.xml")
        _, key = harness.command(f"feeds add <{url}>", user=ADMIN)
        reply = harness.reply(key)
        assert "Now following" in reply["text"] and "Loopback &amp; Co" in reply["text"]
        assert store.get_feed(url).title == "Loopback & Co"
        assert audit_snapshot(store)[0] == (f"slack:{ADMIN}", "feed.add", url)
        _, key = harness.command("feeds list", user=USER)
        listed = harness.reply(key)
        assert_valid_message(listed)
        assert "Loopback &amp; Co" in section_texts(listed)
        feed_server.add("/gone.xml", status=404)
        _, key = harness.command(f"feeds add {feed_server.url('/gone.xml')}", user=ADMIN)
        assert ":warning: could not fetch" in harness.reply(key)["text"]
        assert store.get_feed(feed_server.url("/gone.xml")) is None
    finally:
        harness.stop()


def test_watch_list_and_test_are_for_everyone(app, store):
    store.add_watchlist("china", "china")
    _, key = app.command("watch list", user=USER)
    listed = app.reply(key)
    assert_valid_message(listed)
    assert "*china* — 14 matches" in section_texts(listed)
    _, key = app.command("watch test china travel -weekly", user=USER)
    tested = app.reply(key)
    assert_valid_message(tested)
    assert "would match *1* stored article." in section_texts(tested)
    assert DAWN_URL in dump(tested)
    assert store.list_watchlists() == [store.get_watchlist("china")]


# ---- digests -----------------------------------------------------------------------------------------
def test_scheduling_where_the_bot_is_not_says_how_to_invite_it(app, store, slack_api):
    slack_api.on("conversations.info", lambda body, s: {"ok": True, "channel": {"id": body["channel"], "is_member": False}})
    _, key = app.command("digest schedule 09:00 Europe/Berlin", user=ADMIN)
    reply = app.reply(key)
    assert_valid_message(reply)
    assert "/invite @aibrief" in reply["text"] and "Nothing was changed" in reply["text"]
    assert store.list_subscriptions() == [] and audit_snapshot(store) == []


def test_private_channel_without_the_bot_says_how_to_invite_it(app, store, slack_api):
    slack_api.on("conversations.info", lambda body, s: {"ok": False, "error": "channel_not_found"})
    _, key = app.command("digest now", user=ADMIN)
    assert "/invite @aibrief" in app.reply(key)["text"]
    assert slack_api.calls("chat.postMessage") == []


def test_schedule_then_off_is_audited(app, store, slack_api):
    _, key = app.command("digest schedule 7:30 America/New_York", user=ADMIN)
    reply = app.reply(key)
    assert "daily digest at *07:30* America/New_York with its top 5 stories (the rest in the thread); the next one" \
        in reply["text"]
    sub = store.get_subscription(CHANNEL)
    assert (sub.at, sub.tz, sub.max_items) == ("07:30", "America/New_York", 5)
    _, key = app.command("digest schedule 8:00 America/New_York --top 3", user=ADMIN)
    assert "with its top 3 stories" in app.reply(key)["text"]
    _, key = app.command("digest schedule 8:15 America/New_York", user=ADMIN)  # a change keeps --top
    assert "with its top 3 stories" in app.reply(key)["text"]
    _, key = app.command("digest schedule 8:15 --top 0", user=ADMIN)
    assert "`--top` takes the number of stories" in app.reply(key)["text"]
    assert store.get_subscription(CHANNEL).max_items == 3
    _, key = app.command("digest off", user=ADMIN)
    assert "No more digests" in app.reply(key)["text"]
    assert store.get_subscription(CHANNEL) is None
    assert [a[1] for a in audit_snapshot(store)] == ["digest.unsubscribe"] + ["digest.subscribe"] * 3
    _, key = app.command("digest off", user=ADMIN)
    assert "has no digest subscription" in app.reply(key)["text"]


def test_digest_now_posts_in_the_channel(app, store, slack_api):
    store.add_watchlist("china-ai", "china AI")
    fresh_url = "https://news.example.org/fresh"
    store.insert_articles(None, [Article(
        feed_url="https://news.example.org/feed", source="Example Wire", url=fresh_url,
        title="China restricts AI researchers' travel", summary="New rules for AI experts in China.",
        published=datetime.now(timezone.utc) - timedelta(hours=1), dedupe_key="url:" + fresh_url)])
    _, key = app.command("digest now", user=ADMIN)
    reply = app.reply(key, )
    assert "Posted the digest" in reply["text"], reply["text"]
    posted = slack_api.messages(CHANNEL)
    assert posted and any(fresh_url in dump(m) for m in posted)
    assert audit_snapshot(store) == []  # posting is not a settings change


# ---- App Home ----------------------------------------------------------------------------------------
def _home_for(app, slack_api, user):
    before = len(slack_api.calls("views.publish"))
    resp = app.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
                      "event_ts": str(time.time())})
    assert resp.status_code == 200
    call = app.calls("views.publish", before + 1)[-1]
    assert call.body["user_id"] == user
    return call.body["view"]


def test_app_home_shows_watchlists_feeds_and_schedules(app, store, slack_api):
    store.add_watchlist("china", "china travel")
    feed = store.add_feed("https://www.dawn.com/feeds/world", "Dawn")
    store.record_poll_error(feed.id, "HTTP 503 Service Unavailable", now=int(time.time()), next_poll=0)
    app.command("digest schedule 09:00 Europe/Berlin", user=ADMIN)
    wait_for(lambda: store.get_subscription(CHANNEL), what="the subscription")
    view = _home_for(app, slack_api, USER)
    assert_valid_view(view)
    text = dump(view)
    assert "*china* — 13 matching articles" in text
    # a member sees the kind of failure; the server's own words are for admins
    assert "failing (HTTP 503)" in text and "Feeds (1, 1 failing)" in text
    assert "Service Unavailable" not in text
    assert f"<#{CHANNEL}> daily at *09:00* Europe/Berlin — next " in text
    assert "home_add_watch" not in text  # no admin buttons for a plain user
    admin_view = _home_for(app, slack_api, ADMIN)
    assert_valid_view(admin_view)
    assert "home_add_watch" in dump(admin_view) and "home_remove_watch" in dump(admin_view)
    assert "HTTP 503 Service Unavailable" in dump(admin_view)


def test_messages_tab_publishes_nothing(app, slack_api):
    app.event({"type": "app_home_opened", "user": USER, "channel": "D0HOME", "tab": "messages"})
    time.sleep(0.3)
    assert slack_api.calls("views.publish") == []


def test_add_watchlist_modal_with_live_preview(app, store, slack_api):
    updates = []

    def views_update(body, standin):
        updates.append(body)
        return {"ok": True, "view": {"id": body["view_id"], **body["view"]}}

    slack_api.on("views.update", views_update)
    app.click({"action_id": "home_add_watch", "block_id": "home_admin", "value": ""}, user=ADMIN,
              view={"id": "V0HOME", "type": "home", "blocks": []})
    opened = app.calls("views.open")[0].body
    assert opened["trigger_id"].startswith("trig.")
    modal = {"id": "V0MODAL", "hash": "h1", **opened["view"]}
    assert_valid_view(opened["view"])
    # typing a query and pressing Enter updates the preview
    app.click({"type": "plain_text_input", "action_id": "watch_query", "block_id": "query",
               "value": "china travel"}, user=ADMIN, view=modal)
    wait_for(lambda: updates, what="views.update")
    assert updates[0]["view_id"] == "V0MODAL" and updates[0]["hash"] == "h1"
    assert_valid_view(updates[0]["view"])
    preview = dump(updates[0]["view"])
    assert "Would match *13* stored articles, e.g." in preview and DAWN_URL in preview
    # a bad query in the preview shows the query error instead
    app.click({"type": "plain_text_input", "action_id": "watch_query", "block_id": "query",
               "value": "china ("}, user=ADMIN, view=modal)
    wait_for(lambda: len(updates) > 1, what="second views.update")
    assert ":warning: column 7: " in dump(updates[1]["view"])

    values = lambda name, query: {"name": {"watch_name": {"type": "plain_text_input", "value": name}},  # noqa: E731
                                  "query": {"watch_query": {"type": "plain_text_input", "value": query}}}
    # errors come back into the modal, and nothing is saved
    resp = app.submit(modal, values("China Travel!", "china travel"))
    assert resp.status_code == 200 and resp.json()["response_action"] == "errors"
    assert "name" in resp.json()["errors"]
    resp = app.submit(modal, values("china-travel", 'china "travel'))
    assert "never closed" in resp.json()["errors"]["query"]
    resp = app.submit(modal, values("china-travel", "china travel"), user=USER)
    assert "Only admins" in resp.json()["errors"]["name"]
    assert store.get_watchlist("china-travel") is None and audit_snapshot(store) == []
    # a good submission closes the modal, saves, audits and refreshes the Home tab
    published = len(slack_api.calls("views.publish"))
    resp = app.submit(modal, values("china-travel", "china travel"))
    assert resp.status_code == 200 and resp.content == b""
    assert store.get_watchlist("china-travel").query == "china travel"
    assert audit_snapshot(store) == [(f"slack:{ADMIN}", "watch.add", "china-travel")]
    home = app.calls("views.publish", published + 1)[-1].body["view"]
    assert "*china-travel* — 13 matching articles" in dump(home)


def test_remove_watchlist_modal(app, store, slack_api):
    store.add_watchlist("gone-soon", "ai")
    app.click({"action_id": "home_remove_watch", "block_id": "home_admin", "value": ""}, user=ADMIN,
              view={"id": "V0HOME", "type": "home", "blocks": []})
    opened = app.calls("views.open")[0].body["view"]
    assert_valid_view(opened)
    assert "gone-soon" in dump(opened)
    modal = {"id": "V0MODAL2", **opened}
    chosen = {"remove": {"watch_remove": {"type": "static_select",
                                          "selected_option": {"text": {"type": "plain_text", "text": "gone-soon"},
                                                              "value": "gone-soon"}}}}
    resp = app.submit(modal, chosen, user=USER)
    assert "Only admins" in resp.json()["errors"]["remove"] and store.get_watchlist("gone-soon")
    resp = app.submit(modal, chosen)
    assert resp.status_code == 200 and resp.content == b""
    assert store.get_watchlist("gone-soon") is None
    assert audit_snapshot(store) == [(f"slack:{ADMIN}", "watch.remove", "gone-soon")]


def test_non_admin_pressing_an_admin_button_gets_a_refusal_modal(app, slack_api):
    app.click({"action_id": "home_add_watch", "block_id": "home_admin", "value": ""}, user=USER,
              view={"id": "V0HOME", "type": "home", "blocks": []})
    view = app.calls("views.open")[0].body["view"]
    assert_valid_view(view)
    assert "Only admins can change watchlists" in dump(view)


def test_url_verification_answers_the_challenge_only_when_signed(app):
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"}).encode()
    resp = app.post(body, "application/json")
    assert resp.status_code == 200 and resp.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    assert app.post(body, "application/json", secret="wrong").status_code == 401


def test_socket_mode_app_needs_no_signature_and_answers_the_same(store, slack_api):
    """What the Socket Mode handler does with each envelope: Bolt dispatch in socket mode."""
    from slack_bolt.adapter.socket_mode.internals import run_bolt_app
    from slack_sdk.socket_mode.request import SocketModeRequest

    from bot.config import Settings
    from bot.slack.app import build_app

    settings = Settings(slack_bot_token="xoxb-standin", slack_app_token="xapp-1-standin", slack_api_url=slack_api.url)
    app = build_app(settings, store)  # no signing secret needed in Socket Mode
    payload = {"command": "/aibrief", "text": "china travel", "user_id": USER, "channel_id": CHANNEL,
               "team_id": "T0STANDIN", "response_url": slack_api.response_url("sock")}
    resp = run_bolt_app(app, SocketModeRequest(type="slash_commands", envelope_id="e1", payload=payload))
    assert resp.status == 200 and not resp.body
    reply = wait_for(lambda: slack_api.responses.get("sock"), what="the reply")[0]
    assert_valid_message(reply)
    assert DAWN_URL in dump(reply)


# ---- health ----------------------------------------------------------------------------------------------
def test_healthz(app, store, tmp_path):
    resp = app.http.get("/healthz")
    assert resp.status_code == 200 and resp.json() == {"ok": True, "database": "ok", "leader": None}
    assert app.http.post("/healthz").status_code == 405
    assert app.http.get("/slack/events").status_code == 404
    assert app.http.get("/nope").status_code == 404
    store.close()
    shutil.rmtree(tmp_path)  # SQLite: the file is gone, reopening it fails; PostgreSQL: the pool is closed
    resp = app.http.get("/healthz")
    assert resp.status_code == 503 and resp.json()["ok"] is False
