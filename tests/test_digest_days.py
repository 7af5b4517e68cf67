"""Schedules people use: weekdays only, chosen days, weekly — across DST changes (the pure
next-run function), a weekly digest covering and ranking for its week, a missed run sent once
on start, and the CLI's `--days` / `--weekly` with one-line errors for bad day names."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.digest.cluster import Story
from bot.digest.rank import rank
from bot.digest.schedule import (
    describe_days, due_slot, is_day_spec, next_fires, parse_days, parse_weekly, period, previous_fire,
)
from bot.digest.service import missed_digests, render_digest, run_scheduled, subscribe
from bot.models import Subscription
from bot.scheduler import CATCH_UP_PREFIX, DIGEST_PREFIX, build_scheduler
from bot.slack.client import make_client
from bot.store import open_store
from tests.support.cli import env, run  # noqa: F401  (the `env` fixture)
from tests.support.digest_helpers import article, cand

UTC = timezone.utc
PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
CHANNEL = "C0DAYS0001"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(dts, zone):
    return [d.astimezone(zone).strftime("%a %m-%d %H:%M") for d in dts]


# ---- the pure schedule ---------------------------------------------------------------------------
def test_day_names_ranges_lists_and_words():
    assert parse_days("mon-fri") == parse_days("weekdays") == parse_days("Monday-Friday") == "mon,tue,wed,thu,fri"
    assert parse_days("thu,mon") == "mon,thu"  # week order, whatever the order typed
    assert parse_days("fri-mon") == "mon,fri,sat,sun"  # a range may wrap over the weekend
    assert parse_days("daily") == parse_days("mon-sun") == ""
    assert parse_weekly("Friday") == "fri"
    for bad in ("mon-frx", "xyz", "mon,,thu", "", "mon-"):
        with pytest.raises(ValueError, match="bad day"):
            parse_days(bad)
    with pytest.raises(ValueError, match="bad day 'fry'"):
        parse_weekly("fry")
    assert is_day_spec("mon-fri") and is_day_spec("mon,tuz") and is_day_spec("weekdays") and is_day_spec("fri")
    assert not is_day_spec("ai-policy") and not is_day_spec("llm")
    assert describe_days(Subscription("C1", days="mon,tue,wed,thu,fri")) == "weekdays"
    assert describe_days(Subscription("C1", days="fri", weekly=True)) == "weekly on Fri"
    assert describe_days(Subscription("C1", days="mon,thu")) == "Mon, Thu"


def test_weekdays_in_paris_across_the_march_dst_change():
    sub = Subscription("C1", at="08:00", tz="Europe/Paris", days=parse_days("mon-fri"))
    fires = next_fires(sub, utc(2025, 3, 27, 0), 4)  # Paris springs forward on Sunday 30 March
    assert local(fires, PARIS) == ["Thu 03-27 08:00", "Fri 03-28 08:00", "Mon 03-31 08:00", "Tue 04-01 08:00"]
    assert [f.astimezone(UTC).hour for f in fires] == [7, 7, 6, 6]  # UTC+1, then UTC+2
    # Monday's digest follows Friday's: three days (less the hour DST took) is its gap
    assert period(sub, utc(2025, 3, 31, 6, 0, 30)) == timedelta(days=3, hours=-1)
    assert period(sub, utc(2025, 4, 1, 6, 0, 30)) == timedelta(days=1)


def test_chosen_days_and_weekly_in_new_york_across_the_november_change():
    chosen = Subscription("C1", at="09:00", tz="America/New_York", days=parse_days("mon,thu"))
    fires = next_fires(chosen, utc(2025, 10, 27, 0), 4)
    assert local(fires, NEW_YORK) == ["Mon 10-27 09:00", "Thu 10-30 09:00", "Mon 11-03 09:00", "Thu 11-06 09:00"]
    assert [f.astimezone(UTC).hour for f in fires] == [13, 13, 14, 14]  # EDT, then EST from 2 November
    weekly = Subscription("C1", at="08:00", tz="America/New_York", days=parse_weekly("fri"), weekly=True)
    fires = next_fires(weekly, utc(2025, 10, 29), 3)
    assert local(fires, NEW_YORK) == ["Fri 10-31 08:00", "Fri 11-07 08:00", "Fri 11-14 08:00"]
    assert period(weekly, fires[1] + timedelta(minutes=1)) == timedelta(days=7, hours=1)  # the hour given back
    # before its first run, the gap is the schedule's own: a week
    assert period(weekly, utc(2025, 10, 29)) == timedelta(days=7)
    assert previous_fire(weekly, utc(2025, 11, 6)) == fires[0].astimezone(UTC)  # found six days back


def test_a_weekly_digest_missed_for_a_day_is_still_due_a_daily_one_is_not():
    weekly = Subscription("C1", at="08:00", tz="Europe/Paris", days="fri", weekly=True)
    fired = utc(2025, 4, 4, 6)  # Fri 08:00 Paris
    assert due_slot(weekly, fired + timedelta(hours=20)) == "2025-04-04"  # within its 24 h grace
    assert due_slot(weekly, fired + timedelta(hours=25)) is None
    daily = Subscription("C1", at="08:00", tz="Europe/Paris")
    assert due_slot(daily, fired + timedelta(hours=5)) == "2025-04-04"
    assert due_slot(daily, fired + timedelta(hours=7)) is None  # 6 h grace for a daily one
    weekdays = Subscription("C1", at="08:00", tz="Europe/Paris", days=parse_days("mon-fri"))
    assert due_slot(weekdays, utc(2025, 4, 5, 7)) is None  # Saturday: nothing fired


def test_a_weekly_digest_ranks_for_the_week():
    """Over a day the newest story wins among equals; over a week the story the most outlets
    ran wins, even from Monday against Friday's single-outlet item."""
    end = utc(2025, 4, 4, 6)
    monday = [cand("Chip export rules tightened", src, published=end - timedelta(days=4), article_id=100 + i)
              for i, src in enumerate(("Reuters", "AP", "Dawn"))]
    friday = cand("A model leak at a startup", "The Record", published=end - timedelta(hours=1), article_id=200)
    stories = [Story(primary=monday[0], others=tuple(monday[1:])), Story(primary=friday)]
    week = rank(stories, start=end - timedelta(days=7), end=end)
    assert week[0].primary.article_id in (100, 101, 102)
    day_a = cand("Story A", "Reuters", published=end - timedelta(hours=20), article_id=300)
    day_b = cand("Story B", "AP", published=end - timedelta(hours=1), article_id=301)
    ranked = rank([Story(primary=day_a), Story(primary=day_b)], start=end - timedelta(days=1), end=end)
    assert ranked[0].primary.article_id == 301


# ---- with a store: the window, and a run missed while the bot was down ---------------------------------
@pytest.fixture
def days_env(tmp_path, slack_api):
    store = open_store(str(tmp_path / "s.db"))
    settings = Settings(slack_bot_token="xoxb-t", slack_api_url=slack_api.url)
    store.add_watchlist("ai", "AI")
    yield store, settings, make_client(settings)
    store.close()


def _stored(store, when: datetime, n: int, tag: str) -> None:
    feed = store.add_feed(f"http://127.0.0.1/{tag}", tag)
    store.insert_articles(feed.id, [article(f"AI story {tag} {i} on chip rules", f"Outlet{i}",
                                            url=f"https://news.example/{tag}/{i}", published=when)
                                    for i in range(n)], now=int(when.timestamp()))


def test_a_weekly_digests_first_issue_covers_the_week_a_daily_ones_a_day(days_env):
    store, settings, client = days_env
    friday = utc(2025, 4, 4, 6, 0, 30)  # just after Fri 08:00 Paris
    _stored(store, friday - timedelta(days=5), 2, "sunday")  # five days before
    _stored(store, friday - timedelta(hours=3), 1, "today")
    subscribe(store, "test", CHANNEL, at="08:00", tz="Europe/Paris", weekly="fri")
    weekly = render_digest(store, settings, CHANNEL, now=friday)
    assert weekly.stories == 3
    # a local week: Paris sprang forward on 30 March, so 7 days less an hour
    assert weekly.window.end - weekly.window.start == 7 * 86400 - 3600
    subscribe(store, "test", "C0DAYS0002", at="08:00", tz="Europe/Paris")
    assert render_digest(store, settings, "C0DAYS0002", now=friday).stories == 1  # the last 24 hours


def test_a_weekly_digest_missed_while_down_is_posted_once_on_start(days_env, slack_api):
    store, settings, client = days_env
    fired = utc(2025, 4, 4, 6)  # Fri 08:00 Paris; the bot was down then
    _stored(store, fired - timedelta(days=3), 2, "tuesday")
    subscribe(store, "test", CHANNEL, at="08:00", tz="Europe/Paris", weekly="fri")
    back = fired + timedelta(hours=9)  # back at 17:00 Paris, inside the weekly grace of 24 h
    assert missed_digests(store, back) == [CHANNEL]
    sched = build_scheduler(store, settings, client, now=back)
    assert sched.get_job(CATCH_UP_PREFIX + CHANNEL) is not None
    assert sched.get_job(DIGEST_PREFIX + CHANNEL).misfire_grace_time == 24 * 3600
    assert run_scheduled(store, settings, client, CHANNEL, now=back).status == "posted"
    # a second start (or the catch-up job running twice) posts nothing more
    assert missed_digests(store, back + timedelta(minutes=5)) == []
    assert run_scheduled(store, settings, client, CHANNEL, now=back + timedelta(minutes=5)) is None
    parents = [m for m in slack_api.messages(CHANNEL) if "thread_ts" not in m]
    assert len(parents) == 1
    assert store.get_subscription(CHANNEL).last_scheduled_date == "2025-04-04"


def test_weekdays_missed_from_monday_to_wednesday_give_one_digest(days_env, slack_api):
    store, settings, client = days_env
    subscribe(store, "test", CHANNEL, at="08:00", tz="Europe/Paris", days="mon-fri")
    with store.transaction() as tx:  # the last digest went out on Friday 28 March
        tx.run("UPDATE subscriptions SET last_scheduled_date = '2025-03-28', last_window_end = ? WHERE channel = ?",
               (int(utc(2025, 3, 28, 7).timestamp()), CHANNEL))
    # Mon 31 March, Tue 1 April and early on Wed 2 April: news every day, the bot down
    for when in (utc(2025, 3, 31, 10), utc(2025, 4, 1, 10), utc(2025, 4, 2, 5)):
        _stored(store, when, 1, f"d{when.day}")
    back = utc(2025, 4, 2, 6, 30)  # Wed 08:30 Paris
    assert missed_digests(store, back) == [CHANNEL]
    result = run_scheduled(store, settings, client, CHANNEL, now=back)
    assert result.status == "posted" and result.articles == 3  # Monday's and Tuesday's news too
    assert run_scheduled(store, settings, client, CHANNEL, now=back + timedelta(minutes=1)) is None
    assert len([m for m in slack_api.messages(CHANNEL) if "thread_ts" not in m]) == 1


# ---- the CLI -------------------------------------------------------------------------------------------
def test_cli_days_and_weekly(env, capsys):
    code, out, err = run(capsys, "channels", "add", CHANNEL, "--at", "08:00", "--tz", "Europe/Paris",
                         "--days", "mon-fri")
    assert code == 0, err
    assert "weekdays" in out
    code, out, err = run(capsys, "channels", "add", CHANNEL, "--weekly", "fri")
    assert code == 0, err
    assert "weekly on Fri" in out and "08:00 Europe/Paris" in out  # the rest kept
    code, out, _ = run(capsys, "channels", "list")
    assert "weekly on Fri" in out and "next Fri" in out
    code, out, err = run(capsys, "channels", "add", CHANNEL, "--days", "daily")
    assert code == 0 and "daily" in out


@pytest.mark.parametrize("args, message", [
    (("--days", "mon-frx"), "bad day 'frx'"),
    (("--days", "someday"), "bad day 'someday'"),
    (("--weekly", "fry"), "bad day 'fry'"),
    (("--days", "mon", "--weekly", "fri"), "not allowed with argument"),
])
def test_cli_bad_days_are_one_line_exit_2(env, capsys, args, message):
    code, out, err = run(capsys, "channels", "add", CHANNEL, *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
