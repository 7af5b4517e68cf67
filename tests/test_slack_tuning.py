"""Briefings worth reading (issue 12) in Slack, end to end in HTTP mode: the real app on a
loopback port, requests signed as Slack signs them, the loopback Slack stand-in receiving
what the app sends; on both backends (the `store` fixture). Digests are posted for real
(`/aibrief digest now`), and their "Not relevant" controls clicked as a reader would."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from bot.digest import service as digests
from bot.search import watch_matches
from tests.support.blockkit import assert_valid_blocks, assert_valid_message, assert_valid_view
from tests.support.digest_items import article_of, choose, item_menus, option
from tests.support.helpers import article
from tests.support.slack_harness import ADMIN, CHANNEL, SlackAppHarness

USER = "U0PLAINUSER"  # neither in AIBRIEF_ADMINS nor a workspace admin
AI_SEC = '(AI OR "artificial intelligence") (security OR attack)'
DAWN = "https://www.dawn.com/news/2001"


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def controls(message: dict, action_id: str = "digest_not_relevant") -> list[dict]:
    out = []
    for b in message.get("blocks") or []:
        for el in ([b["accessory"]] if "accessory" in b else []) + b.get("elements", []):
            if isinstance(el, dict) and el.get("action_id") == action_id:
                out.append({**el, "block_id": b.get("block_id", "b")})
    return out


def state(store):
    return (store.feedback_votes(), store.exclusions(), store.channel_mutes(), store.watchlist_match_counts(),
            [(e.actor, e.action, e.target) for e in store.audit_entries(limit=100)])


@pytest.fixture
def store(store):
    store.add_watchlist("ai-sec", AI_SEC)
    store.add_watchlist("weather", "weather")
    now = datetime.now(timezone.utc)
    store.insert_articles(None, [
        article("AI attack in football final", "The striker's AI-assisted attack won the football match.",
                source="Sports Daily", url="https://sports.example/final", published=now - timedelta(hours=3)),
        article("Football: AI coach plans attack", "Football teams use AI to plan an attack.",
                source="Sports Daily", url="https://sports.example/coach", published=now - timedelta(hours=2)),
        article("Hackers attack AI systems at a bank", "A security attack on AI systems.", source="Dawn",
                url=DAWN, published=now - timedelta(hours=1)),
        article("*<!channel>* & <http://x|y> AI security", "Hostile & <b>AI</b> security text.",
                source="Evil Wire", url="https://evil.example/a", published=now - timedelta(minutes=30)),
    ])
    return store


@pytest.fixture
def app(store, slack_api):
    slack_api.add_user(USER)
    harness = SlackAppHarness(store, slack_api).start()
    yield harness
    harness.stop()


def post_digest_now(app, slack_api) -> list[dict]:
    _, key = app.command("digest now", user=ADMIN)
    assert "Posted the digest" in app.reply(key)["text"]
    return slack_api.messages(CHANNEL)


def by_title(store, title: str) -> int:
    return next(h.article_id for h in watch_matches(store, "ai-sec", limit=50) if h.title == title)


# ---- Not relevant ----------------------------------------------------------------------------------
def test_not_relevant_is_recorded_once_and_acknowledged_privately(app, store, slack_api):
    posted = post_digest_now(app, slack_api)
    for m in posted:
        assert_valid_blocks(m["blocks"])
    menus = item_menus(posted[0])  # each item's ⋯ menu has "Not relevant"
    assert len(menus) == 4 and all(option(m, "Not relevant") for m in menus)
    final = by_title(store, "AI attack in football final")
    [menu] = [m for m in menus if article_of(m) == final]
    assert json.loads(option(menu, "Not relevant")["value"]) == {"a": final, "w": ["ai-sec"]}
    # the channel message names the watchlist its items matched
    assert [e["text"] for b in posted[0]["blocks"] if b["type"] == "context" for e in b["elements"]][0].endswith(
        " · ai-sec")

    resp, key = choose(app, menu, "Not relevant", user=USER)
    assert resp.status_code == 200 and resp.content == b""
    ack = app.reply(key)
    assert_valid_message(ack)
    assert ack["response_type"] == "ephemeral" and ack["replace_original"] is False
    assert "not relevant to *ai-sec*" in ack["text"] and "AI attack in football final" in ack["text"]
    votes = store.feedback_votes()
    assert [(v.user_id, v.article_id, v.watchlist, v.channel) for v in votes] == [(USER, final, "ai-sec", CHANNEL)]

    # the same reader clicks again: acknowledged, nothing changes
    before = state(store)
    _, key2 = choose(app, menu, "Not relevant", user=USER)
    again = app.reply(key2)
    assert "already marked" in again["text"] and "nothing changed" in again["text"]
    assert state(store) == before
    # and nothing was posted for anyone else to see
    assert slack_api.calls("chat.postEphemeral") == [] and len(slack_api.messages(CHANNEL)) == len(posted)


def test_forged_values_are_refused_quietly(app, store, slack_api):
    post_digest_now(app, slack_api)
    final = by_title(store, "AI attack in football final")
    before = state(store)
    forged = [
        {"a": 987654, "w": ["ai-sec"]},  # no such article
        {"a": final, "w": ["weather"]},  # a watchlist that never matched it
        {"a": final, "w": ["no-such-list"]},
        {"a": final, "w": ["ai-sec"], "extra": "x"},
    ]
    keys = []
    for value in forged:
        _, key = app.click({"action_id": "digest_not_relevant", "block_id": "b", "value": json.dumps(value)}, user=USER)
        keys.append(key)
    _, key = app.click({"action_id": "digest_not_relevant", "block_id": "b", "value": "{not json"}, user=USER)
    keys.append(key)
    # a real value, clicked from a channel the digest was never posted to
    _, key = app.click({"action_id": "digest_not_relevant", "block_id": "b",
                        "value": json.dumps({"a": final, "w": ["ai-sec"]})}, user=USER, channel="C0ELSEWHERE")
    keys.append(key)
    time.sleep(0.5)  # each would have answered within milliseconds
    assert all(k not in slack_api.responses for k in keys)
    assert state(store) == before


def test_compact_digests_carry_the_item_menu_and_it_votes_too(app, store, slack_api):
    digests.subscribe(store, f"slack:{ADMIN}", CHANNEL, template="compact")
    posted = post_digest_now(app, slack_api)
    menus = item_menus(posted[0])
    assert len(menus) == 4 and not controls(posted[0])  # one ⋯ per story, no separate control
    assert_valid_blocks(posted[0]["blocks"])
    [menu] = [m for m in menus if "football final" in m["text"]]
    resp, key = choose(app, menu, "Not relevant", user=USER)
    assert resp.status_code == 200
    assert "not relevant to *ai-sec*" in app.reply(key)["text"]
    assert [v.article_id for v in store.feedback_votes()] == [by_title(store, "AI attack in football final")]


def test_hostile_titles_are_bold_where_they_matched_and_never_ping(app, store, slack_api):
    posted = post_digest_now(app, slack_api)
    texts = [b["text"]["text"] for b in posted[0]["blocks"] if b["type"] == "section"]
    [evil] = [t for t in texts if "evil.example" in t]
    assert "<!channel>" not in evil and "<http://x" not in evil
    rank, rest = evil.split(" ", 1)
    assert rank.startswith("*") and rank.endswith(".*")
    assert rest.startswith("<https://evil.example/a|∗&lt;!channel&gt;∗ &amp; &lt;http://x¦y&gt; *AI* *security* (evil.example)>")
    assert "\nHostile &amp; &lt;b&gt;*AI*&lt;/b&gt; *security* text." in evil
    [bank] = [t for t in texts if DAWN in t]
    assert f"<{DAWN}|Hackers *attack* *AI* systems at a bank>" in bank


# ---- admins only: exclude, mute, matches, stats ------------------------------------------------------------
@pytest.mark.parametrize("text", [
    f"watch exclude ai-sec {DAWN}",
    "digest mute dawn.com",
    "digest unmute sports.example",
    "watch matches ai-sec",
    "watch stats",
])
def test_tuning_commands_are_refused_for_non_admins_and_change_nothing(app, store, slack_api, text):
    store.add_mute(CHANNEL, "sports.example")
    before = state(store)
    _, key = app.command(text, user=USER)
    reply = app.reply(key)
    assert_valid_message(reply)
    assert "Only admins can" in reply["text"] and "Nothing was changed" in reply["text"]
    assert state(store) == before
    assert slack_api.calls("chat.postMessage") == []


def test_an_admin_excludes_an_article_and_a_repoll_never_brings_it_back(app, store, slack_api):
    _, key = app.command(f"watch exclude ai-sec <{DAWN}|Dawn>", user=ADMIN)
    reply = app.reply(key)
    assert_valid_message(reply)
    assert "Excluded" in reply["text"] and "*ai-sec*" in reply["text"] and "its match is gone" in reply["text"]
    assert store.exclusions()[0].url == DAWN
    assert store.audit_entries(limit=1)[0].action == "watch.exclude"
    _, key = app.command("watch matches ai-sec", user=ADMIN)
    listed = app.reply(key)
    assert_valid_message(listed)
    assert DAWN not in dump(listed) and "https://sports.example/final" in dump(listed)
    # what the digest would send no longer has it either
    posted = post_digest_now(app, slack_api)
    assert DAWN not in dump(posted)


def test_an_admin_mutes_a_source_for_this_channel(app, store, slack_api):
    _, key = app.command("digest mute Sports Daily", user=ADMIN)
    reply = app.reply(key)
    assert_valid_message(reply)
    assert "no longer include the source “sports daily”" in reply["text"] and "2 stored articles" in reply["text"]
    assert [(m.channel, m.source) for m in store.channel_mutes()] == [(CHANNEL, "sports daily")]
    posted = post_digest_now(app, slack_api)
    assert "sports.example" not in dump(posted) and DAWN in dump(posted)
    _, key = app.command("digest unmute sports daily", user=ADMIN)
    assert "include sports daily again" in app.reply(key)["text"]
    assert store.channel_mutes() == []
    assert [e.action for e in store.audit_entries(limit=2)] == ["channel.unmute", "channel.mute"]


def test_watch_matches_and_stats_for_admins(app, store, slack_api):
    posted = post_digest_now(app, slack_api)
    ids = [article_of(m) for m in item_menus(posted[0])]
    football = [by_title(store, "AI attack in football final"), by_title(store, "Football: AI coach plans attack")]
    assert set(football) <= set(ids)
    keys = [app.click({"action_id": "digest_not_relevant", "block_id": "b",
                       "value": json.dumps({"a": aid, "w": ["ai-sec"]})}, user=user)[1]
            for user in ("U0READER1", "U0READER2") for aid in football]
    for key in keys:
        app.reply(key)  # each ack comes after its vote is stored
    assert len(store.feedback_votes()) == 4

    _, key = app.command("watch matches ai-sec", user=ADMIN)
    matches = app.reply(key)
    assert_valid_message(matches)
    text = dump(matches)
    assert "matched: ai (title), attack (title) · ai-sec" in text
    assert "<https://sports.example/final|*AI* *attack* in football final>" in text

    _, key = app.command("watch stats", user=ADMIN)
    stats = app.reply(key)
    assert_valid_message(stats)
    text = "\n".join(b["text"]["text"] for b in stats["blocks"] if b["type"] == "section")
    assert "last 7 days: 4 matches · 30 days: 4 · :thumbsdown: 4 not relevant votes on 2 articles" in text
    assert "• 2× <https://sports.example/" in text and "matched ai (title), attack (title)" in text
    assert "exclude it with -football" in text
    assert f"Suggested query: `{AI_SEC} -football`" in text


def test_app_home_shows_vote_figures_to_admins_only(app, store, slack_api):
    posted = post_digest_now(app, slack_api)
    value = option(item_menus(posted[0])[0], "Not relevant")["value"]
    _, key = app.click({"action_id": "digest_not_relevant", "block_id": "b", "value": value}, user=USER)
    app.reply(key)

    def home(user):
        n = len(slack_api.calls("views.publish"))
        app.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
                   "event_ts": str(time.time())})
        view = app.calls("views.publish", n + 1)[-1].body["view"]
        assert_valid_view(view)
        return dump(view)

    admin_view = home(ADMIN)
    assert "not relevant vote on 1 article" in admin_view and "last 7 days: 4 matches" in admin_view
    plain = home(USER)
    assert "not relevant" not in plain and "last 7 days" not in plain and ":thumbsdown:" not in plain
    assert "*ai-sec* — 4 matching articles" in plain  # the counts everyone sees stay
