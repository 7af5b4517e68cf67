"""Personal digests by DM, end to end in HTTP mode against the loopback Slack stand-in: any
member subscribes themselves (`/aibrief digest me …`, zone from users.info), the digest goes
to their DM (conversations.open, then chat.postMessage there) exactly once, a failed open is
retried without a duplicate, nobody changes someone else's, and "Notify me" on a search reply
adds the query to the clicker's own DM digest (their saved searches, hidden from the team)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.config import Settings
from bot.digest.service import post_digest, resume_unfinished, subscribe
from bot.slack.client import make_client
from bot.store import MAX_PERSONAL_WATCHES
from tests.support.digest_items import choose, item_menus
from tests.support.blockkit import assert_valid_blocks, assert_valid_message
from tests.support.cli import env, run  # noqa: F401  (the `env` fixture)
from tests.support.digest_helpers import article
from tests.support.slack_harness import ADMIN, CHANNEL, SlackAppHarness

USER = "U0PLAINUSER"  # a member: no admin rights anywhere
OTHER = "U0OTHERUSR"
DM = "D" + USER[1:]  # the stand-in's DM channel for USER


def no_sleep(_s: float) -> None:
    pass


@pytest.fixture
def store(store):
    """SQLite, then PostgreSQL: a team watchlist and this morning's news."""
    store.add_watchlist("ai-security", '"AI" (security OR theft)')
    feed = store.add_feed("http://127.0.0.1/feed", "Feed")
    now = datetime.now(timezone.utc)
    store.insert_articles(feed.id, [
        article("Hackers steal AI model weights in security breach", "The Record",
                url="https://therecord.media/ai-theft", published=now - timedelta(hours=2)),
        article("AI security rules for chip exports", "Reuters",
                url="https://www.reuters.com/ai-chips", published=now - timedelta(hours=3)),
        article("Weather: sunny", "Weather Desk", url="https://weather.example/today", published=now - timedelta(hours=1)),
    ])
    return store


@pytest.fixture
def app(store, slack_api):
    slack_api.add_user(USER, tz="Europe/Paris")
    slack_api.add_user(OTHER, tz="America/New_York")
    harness = SlackAppHarness(store, slack_api).start()
    yield harness
    harness.stop()


@pytest.fixture
def client(app):
    return make_client(app.settings)


def text_of(payload: dict) -> str:
    return "\n".join(b["text"]["text"] for b in payload.get("blocks", []) if b.get("type") == "section")


def dm_parents(slack_api):
    return [m for m in slack_api.messages(DM) if "thread_ts" not in m]


# ---- subscribing oneself --------------------------------------------------------------------------
def test_a_member_subscribes_by_dm_and_the_digest_arrives_there_once(app, store, slack_api, client):
    _, key = app.command("digest me 07:45", user=USER)
    reply = app.reply(key)
    assert_valid_message(reply)
    assert "by DM at *07:45* Europe/Paris, daily" in reply["text"]  # the zone Slack has for them
    assert "<!date^" in reply["text"]  # the next run in each reader's own zone
    sub = store.get_subscription(USER)
    assert (sub.at, sub.tz, sub.watchlists, sub.personal) == ("07:45", "Europe/Paris", None, True)
    assert store.audit_entries(limit=1)[0].actor == f"slack:{USER}"

    result = post_digest(store, app.settings, client, USER, sleep=no_sleep)
    assert result.status == "posted" and result.articles == 2
    opens = slack_api.calls("conversations.open")
    assert [c.body["users"] for c in opens] == [USER]
    posts = slack_api.calls("chat.postMessage")
    assert posts and {c.body["channel"] for c in posts} == {DM}
    assert opens[0].at <= posts[0].at  # the DM is opened before anything is posted
    msgs = slack_api.messages(DM)
    assert len(dm_parents(slack_api)) == 1 and "model weights in" in json.dumps(msgs)
    for m in msgs:
        assert_valid_blocks(m["blocks"])
    assert store.dm_channel(USER) == DM
    # "Not relevant" under an item of their DM digest counts, as in a channel
    menu = [m for msg in msgs for m in item_menus(msg)][0]
    _, key = choose(app, menu, "Not relevant", user=USER, channel=DM)
    assert "recorded" in app.reply(key)["text"].lower() or "thanks" in app.reply(key)["text"].lower()
    # the next digest: nothing new, nothing posted; a later one reuses the cached DM channel
    assert post_digest(store, app.settings, client, USER, sleep=no_sleep).status == "empty"
    feed = store.add_feed("http://127.0.0.1/feed2", "Feed 2")
    store.insert_articles(feed.id, [article("AI security flaw in a chatbot", "AP", url="https://apnews.com/ai-flaw",
                                            published=datetime.now(timezone.utc))])
    assert post_digest(store, app.settings, client, USER, sleep=no_sleep, now=int(datetime.now(timezone.utc).timestamp()) + 2).status == "posted"
    assert len(slack_api.calls("conversations.open")) == 1
    assert len(dm_parents(slack_api)) == 2
    assert slack_api.messages(CHANNEL) == []  # nothing went to a channel


def test_digest_me_with_zone_days_watchlists_then_off(app, store, slack_api):
    _, key = app.command("digest me 8:00 America/Chicago mon-fri ai-security", user=USER)
    assert "by DM at *08:00* America/Chicago, weekdays" in app.reply(key)["text"]
    sub = store.get_subscription(USER)
    assert (sub.tz, sub.days, sub.watchlists) == ("America/Chicago", "mon,tue,wed,thu,fri", ("ai-security",))
    _, key = app.command("digest me 09:00 weekly fri", user=USER)  # what is not mentioned is kept
    assert "weekly on Fri" in app.reply(key)["text"]
    sub = store.get_subscription(USER)
    assert (sub.at, sub.tz, sub.days, sub.weekly, sub.watchlists) == ("09:00", "America/Chicago", "fri", True,
                                                                      ("ai-security",))
    _, key = app.command("digest me 09:00 mon-frx", user=USER)
    assert "bad day 'frx'" in app.reply(key)["text"]
    _, key = app.command("digest me off", user=USER)
    assert "No more personal digests" in app.reply(key)["text"]
    assert store.get_subscription(USER) is None
    _, key = app.command("digest me off", user=USER)
    assert "you have no personal digest" in app.reply(key)["text"]


def test_the_zone_falls_back_to_utc_when_slack_has_none(app, store, slack_api):
    slack_api.add_user("U0NOZONE01")
    _, key = app.command("digest me 06:30", user="U0NOZONE01")
    assert "*06:30* UTC" in app.reply(key)["text"]


def test_nobody_changes_someone_elses_digest(app, store, slack_api):
    subscribe(store, "slack:" + OTHER, OTHER, at="07:00", tz="America/New_York")
    before = store.get_subscription(OTHER)
    # a user ID in the text is not a target: it is read as a watchlist name, and refused
    _, key = app.command(f"digest me 08:00 {OTHER}", user=USER)
    assert "unknown watchlist" in app.reply(key)["text"]
    _, key = app.command("digest me off", user=USER)
    assert "you have no personal digest" in app.reply(key)["text"]
    assert store.get_subscription(OTHER) == before
    # a channel's digest (and `digest off`) stays for admins, also typed in a DM
    _, key = app.command("digest off", user=USER, channel="D0SOMEDM01")
    assert "Only admins" in app.reply(key)["text"]
    assert store.get_subscription(OTHER) == before


# ---- posting to a DM exactly once ---------------------------------------------------------------------
def test_a_failed_open_is_retried_and_never_posts_twice(app, store, slack_api, client):
    subscribe(store, "test", USER, at="07:00", tz="Europe/Paris")
    slack_api.fail("conversations.open", "internal_error")
    first = post_digest(store, app.settings, client, USER, sleep=no_sleep)
    assert first.status == "pending" and "could not open the DM" in first.error
    assert slack_api.calls("chat.postMessage") == [] and store.dm_channel(USER) is None
    # Slack opened the DM but the answer was lost: asking again gives the same channel
    slack_api.fail("conversations.open", 500, after=True, times=4)
    assert [r.status for r in resume_unfinished(store, app.settings, client, sleep=no_sleep)] == ["pending"]
    [done] = resume_unfinished(store, app.settings, client, sleep=no_sleep)
    assert done.status == "posted" and done.run_id == first.run_id
    assert len(dm_parents(slack_api)) == 1
    keys = [(m["metadata"]["event_payload"]["run"], m["metadata"]["event_payload"]["seq"]) for m in slack_api.messages(DM)]
    assert len(keys) == len(set(keys))
    assert resume_unfinished(store, app.settings, client, sleep=no_sleep) == []


def test_a_dm_lost_after_posting_is_found_not_posted_again(app, store, slack_api, client):
    subscribe(store, "test", USER, at="07:00", tz="Europe/Paris")
    slack_api.fail("chat.postMessage", 500, after=True, times=4)  # stored in the DM, the answer lost
    result = post_digest(store, app.settings, client, USER, sleep=no_sleep)
    assert result.status == "posted" and result.found >= 1
    assert len(dm_parents(slack_api)) == 1
    assert {c.body["channel"] for c in slack_api.calls("conversations.history")} == {DM}


def test_a_person_slack_will_not_dm_fails_the_run_and_releases_its_articles(app, store, slack_api, client):
    slack_api.add_user("U0GONE0001", deleted=True)
    subscribe(store, "test", "U0GONE0001", at="07:00", tz="UTC")
    result = post_digest(store, app.settings, client, "U0GONE0001", sleep=no_sleep)
    assert result.status == "failed" and "user_disabled" in result.error
    sub = store.get_subscription("U0GONE0001")
    assert "deactivated" in sub.last_error and sub.error_count == 1
    assert store.sent_article_ids("U0GONE0001") == set()  # nothing reached Slack: nothing counts as sent
    slack_api.scopes = [s for s in slack_api.scopes if s != "im:write"]
    subscribe(store, "test", USER, at="07:00", tz="UTC")
    result = post_digest(store, app.settings, client, USER, sleep=no_sleep)
    assert result.status == "failed" and "im:write" in result.error
    assert slack_api.calls("chat.postMessage") == []


# ---- Notify me ------------------------------------------------------------------------------------------
def notify_button(payload: dict) -> dict:
    [button] = [el for b in payload["blocks"] if b["type"] == "actions" for el in b["elements"]
                if el["action_id"] == "search_notify"]
    return button


def test_notify_me_puts_the_search_into_the_clickers_own_dm_digest(app, store, slack_api, client):
    _, key = app.command("chip exports", user=USER)
    search_reply = app.reply(key)
    assert_valid_message(search_reply)
    button = notify_button(search_reply)
    assert json.loads(button["value"]) == {"q": "chip exports"}

    _, key = app.click({"action_id": "search_notify", "value": button["value"]}, user=USER)
    reply = app.reply(key)
    assert_valid_message(reply)
    assert "Saved `chip exports`" in reply["text"] and "I started one" in reply["text"]
    assert "1 stored article(s) match now" in reply["text"]
    sub = store.get_subscription(USER)
    assert sub.tz == "Europe/Paris" and sub.watchlists == ()  # only their saved searches
    [watch] = store.personal_watches(USER)
    assert watch.query == "chip exports"
    # hidden from the team: not a watchlist, not in `watch list`, not in a channel's digest
    assert [w.name for w in store.list_watchlists()] == ["ai-security"]
    _, key = app.command("watch list", user=USER)
    assert "chip exports" not in json.dumps(app.reply(key))

    # a new article matched at ingest (the poller's path) reaches their DM digest
    feed = store.add_feed("http://127.0.0.1/feed3", "Feed 3")
    now = int(datetime.now(timezone.utc).timestamp())
    ids = store.insert_articles(feed.id, [article("New chip exports ban announced", "Dawn",
                                                  url="https://www.dawn.com/chips", published=datetime.now(timezone.utc))],
                                now=now)
    store.match_new_articles({feed.id: ids}, now)
    result = post_digest(store, app.settings, client, USER, sleep=no_sleep, now=now + 1)
    assert result.status == "posted"
    sent = json.dumps(slack_api.messages(DM))
    # (matched words are bold in the digest: the checks use words around them)
    assert "ban announced" in sent and "rules for" in sent
    assert "model weights in" not in sent  # team watchlists are not in a "mine" digest
    channel_digest = post_digest(store, app.settings, client, "C0TEAMCHAN1", sleep=no_sleep, now=now + 1)
    assert "ban announced" not in json.dumps(slack_api.messages("C0TEAMCHAN1"))
    assert channel_digest.status == "posted"

    # a second click: already there, nothing new created
    _, key = app.click({"action_id": "search_notify", "value": button["value"]}, user=USER)
    assert "already in your personal digest" in app.reply(key)["text"]
    assert len(store.personal_watches(USER)) == 1
    # listed, and removable by number; never another person's
    _, key = app.command("digest me", user=USER)
    shown = app.reply(key)
    assert_valid_message(shown)
    assert "1. `chip exports`" in text_of(shown)
    _, key = app.command("digest me unwatch 1", user=OTHER)
    assert "no saved search 1" in app.reply(key)["text"]
    _, key = app.command("digest me unwatch 1", user=USER)
    assert "Removed `chip exports`" in app.reply(key)["text"]
    assert store.personal_watches(USER) == []


def test_notify_me_refuses_a_bad_query_and_past_the_cap(app, store, slack_api):
    _, key = app.click({"action_id": "search_notify", "value": json.dumps({"q": "-only -negations"})}, user=USER)
    assert "couldn't read that query" in app.reply(key)["text"]
    assert store.get_subscription(USER) is None and store.personal_watches(USER) == []
    for i in range(MAX_PERSONAL_WATCHES):
        store.add_personal_watch(USER, f"topic{i} news")
    _, key = app.click({"action_id": "search_notify", "value": json.dumps({"q": "one more"})}, user=USER)
    assert f"at most {MAX_PERSONAL_WATCHES}" in app.reply(key)["text"]
    # a forged or malformed value is ignored: no reply, nothing stored
    app.click({"action_id": "search_notify", "value": "not json"}, user=USER)
    assert len(store.personal_watches(USER)) == MAX_PERSONAL_WATCHES


# ---- the CLI twin ---------------------------------------------------------------------------------------
def test_cli_channels_add_takes_a_user_id_for_a_dm_digest(env, capsys):
    code, out, err = run(capsys, "channels", "add", "U0CLIUSER1", "--at", "07:30", "--tz", "Europe/Paris",
                         "--days", "mon-fri")
    assert code == 0, err
    code, out, _ = run(capsys, "channels", "list")
    assert "U0CLIUSER1" in out and "weekdays" in out and "by DM" in out
    code, out, err = run(capsys, "channels", "add", "X0NOPE1234")
    assert code == 2 and "user ID (U0123ABCD)" in err and len(err.strip().splitlines()) == 1
