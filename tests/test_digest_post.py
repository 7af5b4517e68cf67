"""Posting exactly once, against the loopback Slack stand-in: 429, 500 (before and after
Slack stored the message), dropped connections, a crash between two posts and resume,
channel errors recorded and not retried."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from slack_sdk import WebClient

from bot.config import Settings
from bot.digest import post as post_mod
from bot.digest.service import post_digest, resume_unfinished, subscribe
from bot.slack.client import make_client
from tests.support.blockkit import assert_valid_blocks
from tests.support.digest_helpers import article

CHANNEL = "C0DIGEST1"


def no_sleep(_seconds: float) -> None:
    pass


@pytest.fixture
def store(store):
    """The shared `store` (tests/conftest.py: SQLite, then PostgreSQL) with a morning's news:
    exactly-once rests on the store's claims and records, so it is proved on both backends."""
    feed = store.add_feed("http://127.0.0.1/feed", "Feed")
    store.add_watchlist("ai-security", "AI security")
    now = datetime.now(timezone.utc)
    store.insert_articles(feed.id, [
        article(f"AI security story number {i}: model theft at firm {i}", f"Outlet {i % 4}",
                published=now - timedelta(hours=i), summary=f"Summary {i} about AI security.")
        for i in range(14)
    ])
    return store


@pytest.fixture
def settings(slack_api, tmp_path):
    return Settings(slack_bot_token="xoxb-test-token", slack_api_url=slack_api.url, database=str(tmp_path / "x.db"))


@pytest.fixture
def client(settings):
    return make_client(settings)


def posted(slack_api):
    return slack_api.messages(CHANNEL)


def assert_exactly_once(slack_api, store, result):
    msgs = posted(slack_api)
    keys = [(m["metadata"]["event_payload"]["run"], m["metadata"]["event_payload"]["seq"]) for m in msgs]
    assert len(keys) == len(set(keys)), "a message was posted twice"
    run = store.get_digest_run(result.run_id)
    assert run.status == "done"
    assert [m["ts"] for m in msgs] == [run.posted[i] for i in range(len(run.plan))]
    assert len(msgs) == len(run.plan)
    return msgs


def test_a_digest_is_posted_as_planned(store, settings, client, slack_api):
    result = post_digest(store, settings, client, CHANNEL, sleep=no_sleep)
    assert result.status == "posted" and result.articles == 14
    msgs = assert_exactly_once(slack_api, store, result)
    assert len(msgs) == 2  # the channel message and the thread's full list
    assert "thread_ts" not in msgs[0] and msgs[1]["thread_ts"] == msgs[0]["ts"]
    for call in slack_api.calls("chat.postMessage"):
        assert call.body["unfurl_links"] is False and call.body["unfurl_media"] is False
        assert call.body["metadata"]["event_type"] == "aibrief_digest"
        assert call.headers["authorization"] == "Bearer xoxb-test-token"
        assert_valid_blocks(call.body["blocks"])
    # everything covered now: the next digest has nothing to say and says nothing
    again = post_digest(store, settings, client, CHANNEL, sleep=no_sleep)
    assert again.status == "empty" and len(posted(slack_api)) == 2


def test_a_429_is_waited_out_and_the_message_posted_once(store, settings, client, slack_api):
    slack_api.fail("chat.postMessage", 429)
    result = post_digest(store, settings, client, CHANNEL, sleep=no_sleep)
    assert result.status == "posted"
    calls = slack_api.calls("chat.postMessage")
    assert [c.status for c in calls] == [429, 200, 200]
    assert calls[1].at - calls[0].at >= 1.0  # Retry-After: 1 was honoured
    assert_exactly_once(slack_api, store, result)


def test_a_500_before_slack_stored_it_is_retried_once(store, settings, client, slack_api):
    slack_api.fail("chat.postMessage", 500)
    result = post_digest(store, settings, client, CHANNEL, sleep=no_sleep)
    assert result.status == "posted" and result.found == 0
    assert [c.status for c in slack_api.calls("chat.postMessage")] == [500, 200, 200]
    assert len(slack_api.calls("conversations.history")) == 1  # checked before re-sending
    assert_exactly_once(slack_api, store, result)


@pytest.mark.parametrize("kind", [500, 503, "drop", "internal_error"])
def test_a_failure_after_slack_stored_it_is_found_not_reposted(store, settings, client, slack_api, kind):
    slack_api.fail("chat.postMessage", kind, after=True)
    result = post_digest(store, settings, client, CHANNEL, sleep=no_sleep)
    assert result.status == "posted" and result.found == 1
    assert len(slack_api.calls("chat.postMessage")) == 2  # the first was stored; never sent again
    assert_exactly_once(slack_api, store, result)


def test_a_thread_reply_stored_but_unanswered_is_found_in_the_thread(store, settings, client, slack_api):
    slack_api.fail("chat.postMessage", "drop", after=True, skip=1)  # the reply, not the channel message
    result = post_digest(store, settings, client, CHANNEL, sleep=no_sleep)
    assert result.status == "posted" and result.found == 1
    assert len(slack_api.calls("conversations.replies")) == 1
    assert len(slack_api.calls("chat.postMessage")) == 2
    assert_exactly_once(slack_api, store, result)


class CrashAfterFirstPost(WebClient):
    """The process dies right after Slack stored message 1, before its ts is recorded."""

    def chat_postMessage(self, **kwargs):
        super().chat_postMessage(**kwargs)
        raise SystemExit("killed")


class CrashBeforeSecondPost(WebClient):
    """The process dies between the two posts (message 1's ts recorded)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.posts = 0

    def chat_postMessage(self, **kwargs):
        self.posts += 1
        if self.posts == 2:
            raise SystemExit("killed")
        return super().chat_postMessage(**kwargs)


@pytest.mark.parametrize("crashing", [CrashAfterFirstPost, CrashBeforeSecondPost])
def test_a_crash_between_two_posts_resumes_without_repeating_or_skipping(
    store, settings, client, slack_api, crashing
):
    bad = crashing(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    with pytest.raises(SystemExit):
        post_digest(store, settings, bad, CHANNEL, sleep=no_sleep)
    assert len(posted(slack_api)) == 1
    (run,) = store.unfinished_digest_runs(CHANNEL)
    assert run.attempted >= {0}
    # the restarted bot: resume (at start, or when the channel's next digest is due)
    (result,) = resume_unfinished(store, settings, client, sleep=no_sleep)
    assert result.status == "posted" and result.run_id == run.id
    assert result.found == (1 if crashing is CrashAfterFirstPost else 0)
    assert_exactly_once(slack_api, store, result)
    assert len(posted(slack_api)) == 2


def test_a_crash_after_a_thread_reply_was_stored_finds_it_in_the_thread(store, settings, client, slack_api):
    subscribe(store, "test", CHANNEL, max_items=2)  # more stories → a longer thread

    class CrashOnReply(WebClient):
        def chat_postMessage(self, **kwargs):
            response = super().chat_postMessage(**kwargs)
            if kwargs.get("thread_ts"):
                raise SystemExit("killed")
            return response

    bad = CrashOnReply(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    with pytest.raises(SystemExit):
        post_digest(store, settings, bad, CHANNEL, sleep=no_sleep)
    result = post_digest(store, settings, client, CHANNEL, sleep=no_sleep)  # resumes first
    assert result.found == 1
    assert len(slack_api.calls("conversations.replies")) == 1
    assert_exactly_once(slack_api, store, result)


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found"])
def test_channel_errors_are_recorded_and_not_retried(store, settings, client, slack_api, error):
    subscribe(store, "test", CHANNEL)
    slack_api.fail("chat.postMessage", error, times=5)
    result = post_digest(store, settings, client, CHANNEL, sleep=no_sleep)
    assert result.status == "failed" and result.error.startswith(error + ": ")
    assert len(slack_api.calls("chat.postMessage")) == 1
    sub = store.get_subscription(CHANNEL)
    assert sub.last_error.startswith(error) and sub.error_count == 1 and sub.enabled
    assert store.unfinished_digest_runs() == []
    assert store.sent_article_ids(CHANNEL) == set()  # released: the next digest includes them
    # invited again: the next digest delivers what was missed
    slack_api.reset()
    result = post_digest(store, settings, client, CHANNEL, sleep=no_sleep)
    assert result.status == "posted" and result.articles == 14
    assert store.get_subscription(CHANNEL).last_error is None


def test_slack_down_leaves_the_run_pending_for_later(store, settings, client, slack_api, monkeypatch):
    slack_api.fail("chat.postMessage", 500, times=10)
    result = post_digest(store, settings, client, CHANNEL, sleep=no_sleep)
    assert result.status == "pending" and "will retry" in result.error
    assert len(slack_api.calls("chat.postMessage")) == post_mod.ATTEMPTS
    assert posted(slack_api) == []
    (run,) = store.unfinished_digest_runs(CHANNEL)
    assert run.attempts == 1 and "internal_error" in run.error
    slack_api.reset()
    (result,) = resume_unfinished(store, settings, client, sleep=no_sleep)
    assert result.status == "posted"
    assert_exactly_once(slack_api, store, result)


def test_a_run_another_process_is_posting_is_left_alone(store, settings, client, slack_api):
    from bot.digest.service import render_digest

    rd = render_digest(store, settings, CHANNEL)
    run = store.create_digest_run(CHANNEL, window_start=rd.window.start, window_end=rd.window.end,
                                  plan=rd.plan(), article_ids=rd.selection.article_ids)
    assert store.claim_digest_run(run.id, "the-bot", lease_seconds=300)
    result = post_digest(store, settings, client, CHANNEL, sleep=no_sleep)
    assert result.status == "busy"
    assert slack_api.calls("chat.postMessage") == []


def test_an_old_unfinished_run_is_given_up_and_reported(store, settings, client, slack_api):
    subscribe(store, "test", CHANNEL)
    from bot.digest.service import render_digest

    rd = render_digest(store, settings, CHANNEL)
    store.create_digest_run(CHANNEL, window_start=rd.window.start, window_end=rd.window.end, plan=rd.plan(),
                            article_ids=rd.selection.article_ids,
                            now=int(datetime.now(timezone.utc).timestamp()) - 7 * 3600)
    (result,) = resume_unfinished(store, settings, client, sleep=no_sleep)
    assert result.status == "failed" and result.error.startswith("gave up")
    assert store.get_subscription(CHANNEL).last_error.startswith("gave up")
    assert slack_api.calls("chat.postMessage") == []
