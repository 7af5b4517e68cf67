"""When digests go out: local time in the channel's zone across DST changes, a digest missed
while the bot was down sent once, and the real scheduler posting to the stand-in."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.digest.schedule import check_tz, due_slot, next_fire, next_fires, parse_at, previous_fire
from bot.digest.service import missed_digests, run_scheduled, subscribe
from bot.models import Subscription
from bot.scheduler import CATCH_UP_PREFIX, DIGEST_PREFIX, build_scheduler
from bot.slack.client import make_client
from bot.store import open_store
from tests.support.digest_helpers import article

UTC = timezone.utc
CHANNEL = "C0SCHED01"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def iso(dts):
    return [d.astimezone(UTC).strftime("%m-%d %H:%M") for d in dts]


def test_new_york_0900_across_the_march_dst_change():
    sub = Subscription("C1", at="09:00", tz="America/New_York")
    assert iso(next_fires(sub, utc(2025, 3, 7, 12), 4)) == ["03-07 14:00", "03-08 14:00", "03-09 13:00", "03-10 13:00"]
    assert all(d.astimezone(ZoneInfo("America/New_York")).hour == 9 for d in next_fires(sub, utc(2025, 3, 7), 4))


def test_berlin_and_the_november_change_back():
    berlin = Subscription("C1", at="09:00", tz="Europe/Berlin")
    assert iso(next_fires(berlin, utc(2025, 3, 29), 2)) == ["03-29 08:00", "03-30 07:00"]
    ny = Subscription("C1", at="09:00", tz="America/New_York")
    assert iso(next_fires(ny, utc(2025, 11, 1, 12), 2)) == ["11-01 13:00", "11-02 14:00"]


def test_a_time_skipped_by_spring_forward_still_fires_that_day():
    sub = Subscription("C1", at="02:30", tz="America/New_York")
    fires = next_fires(sub, utc(2025, 3, 8, 12), 2)
    assert [d.astimezone(ZoneInfo("America/New_York")).date().day for d in fires] == [9, 10]


def test_a_time_repeated_by_fall_back_gives_one_digest(tmp_path, slack_api):
    store = open_store(str(tmp_path / "s.db"))
    settings = Settings(slack_bot_token="xoxb-t", slack_api_url=slack_api.url)
    subscribe(store, "test", CHANNEL, at="01:30", tz="America/New_York", post_empty=True)
    client = make_client(settings)
    # 01:30 happens twice on 2 Nov 2025 in New York: 05:30 and 06:30 UTC
    assert previous_fire(store.get_subscription(CHANNEL), utc(2025, 11, 2, 6, 31)) == utc(2025, 11, 2, 6, 30)
    first = run_scheduled(store, settings, client, CHANNEL, now=utc(2025, 11, 2, 5, 30, 20))
    second = run_scheduled(store, settings, client, CHANNEL, now=utc(2025, 11, 2, 6, 30, 20))
    assert first.status == "posted" and second is None
    assert len(slack_api.messages(CHANNEL)) == 1
    assert store.get_subscription(CHANNEL).last_scheduled_date == "2025-11-02"


def test_the_scheduler_job_fires_when_the_pure_schedule_says(tmp_path):
    store = open_store(str(tmp_path / "s.db"))
    subscribe(store, "test", CHANNEL, at="09:00", tz="America/New_York")
    sched = build_scheduler(store, Settings(poll_minutes=15), client=object(), now=utc(2025, 3, 8, 15))
    job = sched.get_job(DIGEST_PREFIX + CHANNEL)
    sub = store.get_subscription(CHANNEL)
    t = utc(2025, 3, 8, 15)
    for _ in range(2):
        expected = next_fire(sub, t)
        assert job.trigger.get_next_fire_time(None, t) == expected
        t = expected + timedelta(seconds=1)
    assert iso([expected]) == ["03-10 13:00"]
    poll = sched.get_job("poll")
    assert poll.trigger.interval == timedelta(minutes=15) and poll.trigger.jitter == 90
    assert sched.get_job("resume") is not None and sched.get_job("resync") is not None


def test_parse_and_check_inputs():
    assert parse_at("9:05") == (9, 5)
    for bad in ("24:00", "9", "09:60", "nine", ""):
        with pytest.raises(ValueError, match="bad time"):
            parse_at(bad)
    assert check_tz("Asia/Karachi").key == "Asia/Karachi"
    for bad in ("Mars/Olympus", "../etc/passwd", "", "/etc/localtime"):
        with pytest.raises(ValueError, match="unknown time zone"):
            check_tz(bad)


# ---- missed while down ------------------------------------------------------------------------------
@pytest.fixture
def env(tmp_path, slack_api):
    store = open_store(str(tmp_path / "s.db"))
    feed = store.add_feed("http://127.0.0.1/feed", "Feed")
    store.add_watchlist("ai", "AI")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    store.insert_articles(feed.id, [article(f"AI story {i} on chip export rules", f"Outlet{i}",
                                            published=now - timedelta(hours=i)) for i in range(3)])
    settings = Settings(slack_bot_token="xoxb-t", slack_api_url=slack_api.url)
    yield store, settings, make_client(settings), now
    store.close()


def test_a_digest_missed_while_down_is_sent_once_when_back(env, slack_api):
    store, settings, client, now = env
    fired = now - timedelta(hours=2)  # the bot was down at digest time, back two hours later
    subscribe(store, "test", CHANNEL, at=f"{fired:%H:%M}", tz="UTC")
    back = datetime.now(UTC) + timedelta(seconds=5)
    assert missed_digests(store, back) == [CHANNEL]
    sched = build_scheduler(store, settings, client, now=back)
    assert sched.get_job(CATCH_UP_PREFIX + CHANNEL) is not None
    result = run_scheduled(store, settings, client, CHANNEL, now=back)
    assert result.status == "posted"
    assert missed_digests(store, back + timedelta(minutes=1)) == []
    assert run_scheduled(store, settings, client, CHANNEL, now=back + timedelta(minutes=2)) is None
    assert len([m for m in slack_api.messages(CHANNEL) if "thread_ts" not in m]) == 1


def test_days_missed_while_down_give_one_digest_not_one_per_day(env, slack_api):
    store, settings, client, now = env
    fired = now - timedelta(hours=1)
    subscribe(store, "test", CHANNEL, at=f"{fired:%H:%M}", tz="UTC")
    # the last scheduled digest was three days ago; the bot was down since
    with store.transaction() as tx:
        tx.run("UPDATE subscriptions SET last_scheduled_date = ? WHERE channel = ?",
               ((fired - timedelta(days=3)).date().isoformat(), CHANNEL))
    back = datetime.now(UTC) + timedelta(seconds=5)
    assert missed_digests(store, back) == [CHANNEL]
    assert run_scheduled(store, settings, client, CHANNEL, now=back).status == "posted"
    assert missed_digests(store, back) == []
    assert len([m for m in slack_api.messages(CHANNEL) if "thread_ts" not in m]) == 1


def test_a_digest_missed_longer_than_the_grace_period_is_skipped(env):
    store, settings, client, now = env
    subscribe(store, "test", CHANNEL, at=f"{now - timedelta(hours=7):%H:%M}", tz="UTC")
    assert missed_digests(store, now) == []
    assert due_slot(store.get_subscription(CHANNEL), now) is None
    assert build_scheduler(store, settings, client, now=now).get_job(CATCH_UP_PREFIX + CHANNEL) is None


# ---- the real thing ------------------------------------------------------------------------------------
def test_the_running_scheduler_posts_at_the_local_time_and_plans_tomorrow(env, slack_api):
    store, settings, client, now = env
    tz = ZoneInfo("America/New_York")
    local = datetime.now(tz)
    subscribe(store, "test", CHANNEL, at=f"{local:%H:%M}", tz="America/New_York")  # due this very minute
    sched = build_scheduler(store, settings, client)
    job = sched.get_job(DIGEST_PREFIX + CHANNEL)
    sched.start()
    try:
        job.modify(next_run_time=datetime.now(UTC) + timedelta(milliseconds=200))  # the cron moment, now
        deadline = time.monotonic() + 10
        while not slack_api.messages(CHANNEL) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert slack_api.messages(CHANNEL), "the scheduled digest was not posted"
        nxt = sched.get_job(DIGEST_PREFIX + CHANNEL).next_run_time.astimezone(tz)
        assert (nxt.hour, nxt.minute) == (local.hour, local.minute) and nxt.date() > local.date()
    finally:
        sched.shutdown(wait=False)
    assert store.get_subscription(CHANNEL).last_scheduled_date == local.date().isoformat()


def test_subscription_changes_reschedule_the_running_scheduler(env):
    store, settings, client, now = env
    sched = build_scheduler(store, settings, client)
    sched.start()
    try:
        assert sched.get_job(DIGEST_PREFIX + CHANNEL) is None
        subscribe(store, "test", CHANNEL, at="07:15", tz="Asia/Tokyo")
        job = sched.get_job(DIGEST_PREFIX + CHANNEL)
        nxt = job.next_run_time.astimezone(ZoneInfo("Asia/Tokyo"))
        assert (nxt.hour, nxt.minute) == (7, 15)
        # a change made by another process (the CLI) is picked up by resync
        with store.transaction() as tx:
            tx.run("UPDATE subscriptions SET at_time = '08:45' WHERE channel = ?", (CHANNEL,))
        sched.resync()
        nxt = sched.get_job(DIGEST_PREFIX + CHANNEL).next_run_time.astimezone(ZoneInfo("Asia/Tokyo"))
        assert (nxt.hour, nxt.minute) == (8, 45)
        from bot.digest.service import unsubscribe

        unsubscribe(store, "test", CHANNEL)
        assert sched.get_job(DIGEST_PREFIX + CHANNEL) is None
    finally:
        sched.shutdown(wait=False)
