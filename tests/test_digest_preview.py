"""`aibrief digest --since … [--until …]`: the digest any window would give, on stored
articles from last month, dates read in the subscription's zone, nothing recorded unless
`--post`; one-line errors for bad windows; and a fresh database of old news says so and
suggests a --since instead of "Nothing matched"."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.store import open_store
from bot.watchlists import SEEDED_KEY
from tests.support.digest_helpers import article

CHANNEL = "C0PREVIEW1"
TODAY = datetime.now(timezone.utc).date()
D1 = TODAY - timedelta(days=40)  # the window's first day, last month
D2 = TODAY - timedelta(days=30)  # its last day


def at(day, hour: int, zone=timezone.utc) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(timezone.utc)


@pytest.fixture
def old_news(database, tmp_path, monkeypatch, slack_api):
    """A new database (SQLite, then PostgreSQL) that imported last month's news today."""
    store = open_store(database)
    store.set_meta(SEEDED_KEY, "1")
    store.add_watchlist("ai", "AI")
    feed = store.add_feed("http://127.0.0.1/feed", "Feed")
    store.insert_articles(feed.id, [
        article("AI rules: the before story", "Reuters", url="https://news.example/before",
                published=at(D1 - timedelta(days=1), 12)),
        article("AI rules: the first story", "AP", url="https://news.example/first", published=at(D1, 9)),
        article("AI rules: the middle story", "Dawn", url="https://news.example/middle",
                published=at(D1 + timedelta(days=5), 9)),
        article("AI rules: the last story", "BBC", url="https://news.example/last", published=at(D2, 20)),
        article("AI rules: the after story", "DW", url="https://news.example/after",
                published=at(D2 + timedelta(days=3), 12)),
    ])
    store.close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIBRIEF_DATABASE", database)
    monkeypatch.setenv("SLACK_API_URL", slack_api.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-preview")
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    return database


def cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_fresh_database_of_old_news_says_so_and_suggests_since(old_news, capsys):
    code, out, err = cli(capsys, "digest")
    assert code == 0
    newest = D2 + timedelta(days=3)
    since = min(newest.replace(day=1), newest - timedelta(days=7))
    assert out.strip() == f"5 articles are stored, the newest from {newest}; try --since {since}"
    assert "Nothing matched" not in out


def test_since_until_renders_that_window_and_records_nothing(old_news, capsys):
    code, out, err = cli(capsys, "digest", "--channel", CHANNEL, "--since", D1.isoformat(), "--until", D2.isoformat())
    assert code == 0, err
    for shown in ("first story", "middle story", "last story"):
        assert shown in out
    assert "before story" not in out and "after story" not in out
    assert "nothing recorded" in err and "3 stories" in err
    store = open_store(old_news)
    try:
        assert store.digest_runs() == [] and store.sent_article_ids(CHANNEL) == set()
    finally:
        store.close()
    # without --until the window runs to now
    code, out, _ = cli(capsys, "digest", "--since", D1.isoformat())
    assert "after story" in out and "before story" not in out
    # blocks too
    code, out, _ = cli(capsys, "digest", "--since", D1.isoformat(), "--until", D1.isoformat(), "--format", "blocks")
    assert code == 0 and "first story" in out and "middle story" not in out


def test_dates_are_read_in_the_subscriptions_zone(old_news, capsys):
    # "the last story" was published at 20:00 UTC on D2: already the next day in Auckland
    assert cli(capsys, "channels", "add", CHANNEL, "--tz", "Pacific/Auckland")[0] == 0
    code, out, err = cli(capsys, "digest", "--channel", CHANNEL, "--since", D1.isoformat(), "--until", D2.isoformat())
    assert code == 0, err
    assert "last story" not in out and "middle story" in out
    code, out, _ = cli(capsys, "digest", "--channel", CHANNEL, "--since", (D2 + timedelta(days=1)).isoformat(),
                       "--until", (D2 + timedelta(days=1)).isoformat())
    assert "last story" in out


def test_since_with_post_sends_that_window_once(old_news, capsys, slack_api):
    code, out, err = cli(capsys, "digest", "--channel", CHANNEL, "--since", D1.isoformat(), "--until", D2.isoformat(),
                         "--post")
    assert code == 0, err
    assert "3 article(s)" in out
    assert len([m for m in slack_api.messages(CHANNEL) if "thread_ts" not in m]) == 1
    code, out, err = cli(capsys, "digest", "--channel", CHANNEL, "--since", D1.isoformat(), "--until", D2.isoformat(),
                         "--post")
    assert code == 0 and "Nothing new" in out
    assert len([m for m in slack_api.messages(CHANNEL) if "thread_ts" not in m]) == 1


@pytest.mark.parametrize("args, message", [
    (("--since", "2025-13-01"), "bad --since '2025-13-01': use a date as YYYY-MM-DD"),
    (("--since", "last week"), "bad --since 'last week'"),
    (("--since", D2.isoformat(), "--until", D1.isoformat()), f"--until {D1} is before --since {D2}"),
    (("--since", (TODAY + timedelta(days=3)).isoformat()), "is in the future"),
    (("--since", D1.isoformat(), "--until", (TODAY + timedelta(days=30)).isoformat()), "is in the future"),
    (("--until", D2.isoformat()), "--until needs --since"),
    (("--since", (TODAY - timedelta(days=800)).isoformat()), "at most 366 days"),
])
def test_bad_windows_are_one_line_exit_2(old_news, capsys, args, message):
    code, out, err = cli(capsys, "digest", *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
