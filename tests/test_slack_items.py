"""A digest item's ⋯ menu end to end in HTTP mode: the real app on a loopback port, signed
requests, the loopback Slack stand-in. Share… (a channel picked in a modal, the story posted
there attributed and escaped, channels without the bot refused), Save for later (once,
however often), `/aibrief saved` with Unsave and paging, the App Home's list, and the
"Search the rest" button; on both backends."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.slack import blocks
from tests.support.blockkit import assert_valid_blocks, assert_valid_message, assert_valid_view
from tests.support.digest_items import article_of, choose, item_menus
from tests.support.helpers import article
from tests.support.slack_harness import ADMIN, CHANNEL, SlackAppHarness, wait_for

READER = "U0READER01"
OTHER = "C0OTHERCH1"
HOSTILE = "<!channel> *AI* attack & <https://evil.example|click> on model weights"


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)


@pytest.fixture
def store(store):
    store.add_watchlist("ai-sec", '(AI OR "artificial intelligence") (security OR attack OR weights)')
    now = datetime.now(timezone.utc)
    store.insert_articles(None, [
        article(HOSTILE, "By Staff Writer — Attackers <!here> stole AI model weights. Read more",
                source="Evil <Wire>", url="https://wire.example/weights", published=now - timedelta(hours=1)),
        *[article(f"AI security story {i} about {w} attacks", f"Researchers found an AI security flaw number {i}.",
                  source=f"Outlet {i}", url=f"https://news.example/{i}", published=now - timedelta(hours=2 + i))
          for i, w in enumerate("phishing ransomware espionage deepfake botnet malware spyware rootkit".split())],
    ])
    return store


@pytest.fixture
def app(store, slack_api):
    slack_api.add_user(READER)
    harness = SlackAppHarness(store, slack_api).start()
    yield harness
    harness.stop()


def digest(app, slack_api) -> list[dict]:
    _, key = app.command("digest now", user=ADMIN)
    assert "Posted the digest" in app.reply(key)["text"]
    return slack_api.messages(CHANNEL)


def hostile_menu(posted) -> dict:
    return next(m for msg in posted for m in item_menus(msg) if "wire.example/weights" in m["text"])


def open_share(app, slack_api, menu) -> dict:
    n = len(slack_api.calls("views.open"))
    resp, _ = choose(app, menu, "Share…", user=READER)
    assert resp.status_code == 200 and resp.content == b""
    opened = app.calls("views.open", n + 1)[-1]
    return {"id": opened.answer["view"]["id"] if opened.answer else "V0SHARE", "hash": "h1", **opened.body["view"]}


def pick(channel: str) -> dict:
    return {blocks.BLOCK_SHARE_TO: {blocks.ACTION_SHARE_TO: {"type": "conversations_select",
                                                             "selected_conversation": channel}}}


def test_share_posts_the_story_in_the_chosen_channel_attributed_and_escaped(app, store, slack_api):
    posted = digest(app, slack_api)
    for m in posted:
        assert_valid_blocks(m["blocks"])
    modal = open_share(app, slack_api, hostile_menu(posted))
    assert_valid_view({k: v for k, v in modal.items() if k not in ("id", "hash")})
    assert "&lt;!channel&gt;" in dump(modal["blocks"]) and "<!channel>" not in dump(modal["blocks"])
    resp = app.submit(modal, pick(OTHER), user=READER)
    assert resp.status_code == 200 and resp.content == b""  # the modal closes
    [shared] = slack_api.messages(OTHER)
    assert_valid_message(shared)
    text = dump(shared["blocks"])
    assert f"Shared by <@{READER}>" in text
    # feed text shows literally and pings no one: the only live tokens are the link and the user
    for live in ("<!channel>", "<!here>", "<https://evil.example|click>"):
        assert live not in text and live not in shared["text"]
    assert "&lt;!channel&gt;" in text and "Evil &lt;Wire&gt;" in text
    assert shared["unfurl_links"] is False and shared["unfurl_media"] is False
    assert slack_api.messages(CHANNEL) == posted  # nothing else was posted in the digest's channel


def test_share_refuses_a_channel_the_bot_is_not_in_with_a_clear_message(app, store, slack_api):
    posted = digest(app, slack_api)
    modal = open_share(app, slack_api, hostile_menu(posted))
    slack_api.not_member.add(OTHER)
    resp = app.submit(modal, pick(OTHER), user=READER)
    assert resp.json()["response_action"] == "errors"
    assert "/invite @aibrief" in resp.json()["errors"][blocks.BLOCK_SHARE_TO]
    assert slack_api.messages(OTHER) == []
    # a forged modal naming an article that is not stored posts nothing either
    forged = {**modal, "private_metadata": json.dumps({"a": 99999, "c": CHANNEL})}
    slack_api.not_member.discard(OTHER)
    assert app.submit(forged, pick(OTHER), user=READER).json()["response_action"] == "errors"
    assert slack_api.messages(OTHER) == []


def test_save_twice_is_one_entry_listed_by_saved_with_unsave(app, store, slack_api):
    posted = digest(app, slack_api)
    menus = [m for msg in posted for m in item_menus(msg)]
    menu = hostile_menu(posted)
    _, key = choose(app, menu, "Save for later", user=READER)
    ack = app.reply(key)
    assert_valid_message(ack)
    assert ack["response_type"] == "ephemeral" and ack["replace_original"] is False
    assert "Saved" in ack["text"] and "&lt;!channel&gt;" in ack["text"] and "<!channel>" not in ack["text"]
    _, key = choose(app, menu, "Save for later", user=READER)
    assert "already on your saved list" in app.reply(key)["text"]
    assert [s.article_id for s in store.saved_articles(READER)] == [article_of(menu)]
    assert store.saved_articles(ADMIN) == []  # the reader's own list
    # `/aibrief saved`: ephemeral, with an Unsave button per article
    _, key = app.command("saved", user=READER)
    listed = app.reply(key)
    assert_valid_message(listed)
    assert listed["response_type"] == "ephemeral" and "wire.example/weights" in dump(listed)
    [unsave] = [b["accessory"] for b in listed["blocks"] if (b.get("accessory") or {}).get("action_id") == "saved_unsave"]
    _, key = app.click({"action_id": "saved_unsave", "block_id": "b", "value": unsave["value"]}, user=READER)
    after = app.reply(key)
    assert after["replace_original"] is True and "Nothing saved yet" in after["text"]
    assert store.saved_articles(READER) == []
    # someone else's Unsave click with the same value changes nothing of theirs
    for m in menus[:3]:
        choose(app, m, "Save for later", user=READER)
    wait_for(lambda: store.saved_count(READER) == 3, what="three saves")
    app.click({"action_id": "saved_unsave", "block_id": "b", "value": json.dumps({"a": article_of(menus[0]), "o": 0})},
              user=ADMIN)
    _, key = app.command("saved", user=READER)
    assert app.reply(key) and store.saved_count(READER) == 3


def test_saved_pages_like_other_lists_and_shows_in_the_app_home(app, store, slack_api):
    store.insert_articles(None, [article(f"Older story {i}", "Old.", url=f"https://old.example/{i}", days_ago=30)
                                 for i in range(6)])
    ids = sorted(h[0] for h in store._all("SELECT id FROM articles"))
    ids.remove(next(i for i, in store._all("SELECT id FROM articles WHERE url = 'https://wire.example/weights'")))
    ids.append(next(i for i, in store._all("SELECT id FROM articles WHERE url = 'https://wire.example/weights'")))
    for i, aid in enumerate(ids):
        store.save_article(READER, aid, now=1_700_000_000 + i)
    _, key = app.command("saved", user=READER)
    first = app.reply(key)
    assert_valid_message(first)
    assert f"{len(ids)} articles, 1–{blocks.SAVED_PAGE} shown" in dump(first)
    [more] = [e for b in first["blocks"] if b["type"] == "actions" for e in b["elements"]]
    _, key = app.click({"action_id": more["action_id"], "block_id": "saved_pages", "value": more["value"]}, user=READER)
    second = app.reply(key)
    assert_valid_message(second)
    assert f"{blocks.SAVED_PAGE + 1}–{len(ids)} shown" in dump(second) and "Back" in dump(second)
    # the App Home: the newest saved first, an Unsave each, the rest through the command
    before = len(slack_api.calls("views.publish"))
    app.event({"type": "app_home_opened", "user": READER, "channel": "D0HOME", "tab": "home", "event_ts": "1.0"})
    view = app.calls("views.publish", before + 1)[-1].body["view"]
    assert_valid_view(view)
    text = dump(view)
    assert f"Saved for later ({len(ids)})" in text and "/aibrief saved" in text
    assert text.count('"saved_unsave"') == blocks.HOME_SAVED_MAX
    assert text.index("wire.example/weights") < text.index("news.example/")  # the newest saved first


def test_search_the_rest_answers_privately_and_leaves_the_digest_alone(app, store, slack_api):
    from bot.digest.service import subscribe

    subscribe(store, "test", CHANNEL, max_items=2)
    posted = digest(app, slack_api)
    [button] = [e for b in posted[0]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == "digest_search"
    _, key = app.click({"action_id": "digest_search", "block_id": "b", "value": button["value"]}, user=READER,
                       ephemeral=False)  # the button under the digest in the channel
    found = app.reply(key)
    assert_valid_message(found)
    assert found["response_type"] == "ephemeral" and found["replace_original"] is False
    assert "stories 3–9 of 9" in dump(found)  # 9 stories, the top 2 in the channel message
    # the same stories as the thread, in the same order, none of the channel message's
    thread = [m["text"].split("|")[0] for msg in posted[1:] for m in item_menus(msg)]
    listed = [m["text"].split("|")[0].split(" ", 1)[1] for m in item_menus(found)]
    assert [t.split(" ", 1)[1] for t in thread] == listed
    assert not {article_of(m) for m in item_menus(posted[0])} & {article_of(m) for m in item_menus(found)}
    assert slack_api.messages(CHANNEL) == posted
    # a forged value answers nothing
    _, key = app.click({"action_id": "digest_search", "block_id": "b", "value": '{"w": [], "q": "x"}'}, user=READER)
    import time
    time.sleep(0.3)
    assert key not in slack_api.responses
