"""Follow-ups, not repeats, over two days against the loopback Slack stand-in: a new article
about a story sent yesterday comes as "Update:" under that story's title, linked to
yesterday's digest message; the article sent yesterday is never sent again; on both backends."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.config import Settings
from bot.digest.cluster import same_story
from bot.digest.followup import FOLLOW_DAYS, Earlier, find_followups, permalink
from bot.digest.select import choose
from bot.digest.service import post_digest, subscribe
from bot.slack.client import make_client
from tests.support.blockkit import assert_valid_blocks
from tests.support.digest_helpers import WIRE_LEDE, article, cand

CHANNEL = "C0FOLLOW1"
DAY1 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
DAY2 = DAY1 + timedelta(days=1)
TITLE = "China tells its AI leaders to avoid US travel over security concerns"
UPDATE = "China tells AI leaders to avoid US travel over security fears, adds new exit checks"


def no_sleep(_s: float) -> None:
    pass


@pytest.fixture
def settings(slack_api, tmp_path):
    return Settings(slack_bot_token="xoxb-test-token", slack_api_url=slack_api.url, database=str(tmp_path / "x.db"))


def stored(store, feed_id, when: datetime, *articles) -> list[int]:
    return store.insert_articles(feed_id, list(articles), now=int((when - timedelta(hours=1)).timestamp()))


def sections(messages) -> list[str]:
    return [b["text"]["text"] for m in messages for b in m["blocks"] if b["type"] == "section"]


def test_a_follow_up_the_next_day_is_an_update_linked_to_the_first_digest(store, settings, slack_api):
    client = make_client(settings)
    feed = store.add_feed("http://127.0.0.1/feed", "Feed")
    store.add_watchlist("ai-policy", "AI (travel OR security)")
    subscribe(store, "test", CHANNEL, at="09:00")
    first = article(TITLE, "Reuters", url="https://www.reuters.com/ai-travel", published=DAY1 - timedelta(hours=3),
                    summary=WIRE_LEDE)
    other = article("Hackers steal AI model weights from chip designer", "The Record",
                    url="https://therecord.media/theft", published=DAY1 - timedelta(hours=2),
                    summary="Attackers took AI model weights in a security breach.")
    [first_id, _] = stored(store, feed.id, DAY1, first, other)

    day1 = post_digest(store, settings, client, CHANNEL, now=DAY1, sleep=no_sleep)
    assert day1.status == "posted"
    msgs1 = slack_api.messages(CHANNEL)
    day1_ts = msgs1[0]["ts"]
    assert any("reuters.com/ai-travel" in t for t in sections(msgs1))

    # day 2: the feed still lists yesterday's article (stored once, never offered again), another
    # outlet reports the same story with a new development, and there is one new story
    follow = article(UPDATE, "Dawn", url="https://www.dawn.com/news/ai-exit-checks",
                     published=DAY2 - timedelta(hours=4), summary=WIRE_LEDE + " New exit checks start on Monday.")
    fresh = article("EU fines chatbot maker over AI security lapses", "Politico", url="https://politico.eu/fine",
                    published=DAY2 - timedelta(hours=2), summary="The fine is the first under the AI Act.")
    assert stored(store, feed.id, DAY2, first) == []  # a re-listed article is not stored again
    stored(store, feed.id, DAY2, follow, fresh)
    day2 = post_digest(store, settings, client, CHANNEL, now=DAY2, sleep=no_sleep)
    assert day2.status == "posted"
    msgs2 = slack_api.messages(CHANNEL)[len(msgs1):]
    for m in msgs2:
        assert_valid_blocks(m["blocks"])
    texts = sections(msgs2)
    [update] = [t for t in texts if "dawn.com/news/ai-exit-checks" in t]
    link = permalink(CHANNEL, day1_ts)
    assert link.startswith(f"https://slack.com/archives/{CHANNEL}/p") and "." not in link.rsplit("/", 1)[1]
    # under the story's title as it was sent, linked to yesterday's digest, then "Update:"
    assert update.startswith(f"<{link}|{TITLE}> _(sent <!date^")
    assert "\n*Update:* <https://www.dawn.com/news/ai-exit-checks|" in update
    assert not any(t.startswith("*") and "dawn.com" in t.split("\n")[0] for t in texts)  # not a new numbered story
    # the article sent yesterday is never sent again to this channel
    assert not any("reuters.com/ai-travel" in json.dumps(m["blocks"]) for m in msgs2)
    assert any("politico.eu/fine" in t for t in texts)
    items = store._all("SELECT article_id, COUNT(*) FROM digest_items WHERE channel = ? GROUP BY article_id",
                       (CHANNEL,))
    assert all(n == 1 for _, n in items) and first_id in {a for a, _ in items}


def test_only_stories_of_the_last_week_are_followed_up():
    sent = cand(TITLE, "Reuters", summary=WIRE_LEDE, hours=24 * 3)
    new = cand(UPDATE, "Dawn", summary=WIRE_LEDE + " New exit checks start on Monday.", hours=24 * 3 - 5)
    assert same_story(sent, new)
    stories = choose([new], start=DAY1 - timedelta(days=1), end=DAY1, max_items=5).top
    earlier = Earlier(sent, CHANNEL, "1772442000.000100", int(DAY1.timestamp()))
    assert find_followups(stories, [earlier]) == {new.article_id: earlier}
    assert find_followups(stories, []) == {}
    assert FOLLOW_DAYS == 7  # the store is asked for what was sent since now − 7 days (bot/digest/service.py)
