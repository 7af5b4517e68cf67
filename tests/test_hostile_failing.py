"""Failing feeds over whole polls: backoff, Retry-After, moves, 410, health, and alerts.

Everything runs the real poller against the loopback feed server and a real store; the
alerts run the scheduler's real poll job against the Slack stand-in.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from ipaddress import ip_network

import pytest

from bot.poll.backoff import MAX_BACKOFF_SECONDS
from bot.bootstrap import DEFAULT_FEEDS_KEY
from bot.config import Settings
from bot.feeds import alerts
from bot.feeds.fetch import FetchLimits
from bot.feeds.netpolicy import AddressPolicy
from bot.poll.poller import poll_feeds
from bot.scheduler import AibriefScheduler
from bot.slack import blocks
from bot.slack.client import make_client
from bot.store import open_store
from tests.support.hostile_cases import good_feed, item, rss

POLICY = AddressPolicy(allowed_networks=(ip_network("127.0.0.1/32"),))
LIMITS = FetchLimits(connect=1.0, read=1.0, total=2.0)
SETTINGS = Settings(poll_minutes=30)
POLL = SETTINGS.poll_minutes * 60
ALERTS = "C0ALERTS1"


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "failing.db"))
    s.set_meta(DEFAULT_FEEDS_KEY, "1")
    yield s
    s.close()


def poll(store, seed: int = 0, **kw):
    return poll_feeds(store, SETTINGS, force=True, policy=POLICY, limits=LIMITS, rng=random.Random(seed), **kw)


def make_due(store) -> None:
    with store.transaction() as tx:
        tx.run("UPDATE feeds SET next_poll = 0")


def delay_of(feed) -> float:
    return (feed.next_poll - feed.last_error_at).total_seconds()


# ---- backoff ----------------------------------------------------------------------------------------------
def test_consecutive_failures_back_off_exponentially_with_jitter_up_to_a_cap(feed_server, store):
    feed_server.error("/down.xml", 500)
    url = feed_server.url("/down.xml")
    store.add_feed(url)
    seen = []
    for n in range(1, 10):
        poll(store, seed=n)
        feed = store.get_feed(url)
        assert feed.error_count == n and feed.last_error == "HTTP 500 Internal Server Error"
        base = min(MAX_BACKOFF_SECONDS, POLL * 2 ** (n - 1))
        assert 0.9 * base - 1 <= delay_of(feed) <= 1.1 * base + 1, (n, delay_of(feed))
        seen.append(delay_of(feed))
    assert seen[-1] <= MAX_BACKOFF_SECONDS * 1.1  # capped: a day, give or take the jitter
    assert len(feed_server.requests_for("/down.xml")) == 9


def test_feeds_that_fail_together_retry_at_different_times(feed_server, store):
    """A DNS outage fails every feed at once; jitter keeps them from retrying in the same second."""
    feed_server.error("/down.xml", 503)
    urls = [feed_server.url(f"/down.xml?{i}") for i in range(8)]
    for url in urls:
        store.add_feed(url)
    poll_feeds(store, SETTINGS, force=True, policy=POLICY, limits=LIMITS)
    nexts = {store.get_feed(u).next_poll for u in urls}
    assert len(nexts) >= 6


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(feed_server, store, status):
    feed_server.error("/busy.xml", status, retry_after="7200")
    when = datetime.now(timezone.utc) + timedelta(hours=5)
    feed_server.error("/busy-date.xml", status, retry_after=format_datetime(when, usegmt=True))
    feed_server.error("/busy-long.xml", status, retry_after=str(30 * 86400))
    for path in ("/busy.xml", "/busy-date.xml", "/busy-long.xml"):
        store.add_feed(feed_server.url(path))
    poll(store)
    seconds = delay_of(store.get_feed(feed_server.url("/busy.xml")))
    assert 7200 <= seconds <= 7201  # not 30 min: the server asked for two hours
    dated = delay_of(store.get_feed(feed_server.url("/busy-date.xml")))
    assert 5 * 3600 - 5 <= dated <= 5 * 3600 + 1
    assert delay_of(store.get_feed(feed_server.url("/busy-long.xml"))) == MAX_BACKOFF_SECONDS  # but not a month


def test_retry_after_on_other_errors_is_not_taken(feed_server, store):
    feed_server.error("/broken.xml", 500, retry_after="86400")
    store.add_feed(feed_server.url("/broken.xml"))
    poll(store)
    assert delay_of(store.get_feed(feed_server.url("/broken.xml"))) <= POLL * 1.1


# ---- moves and gone ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_redirect_moves_the_feed(feed_server, store, status):
    feed_server.redirect("/old.xml", "/older.xml", status)
    feed_server.redirect("/older.xml", "/new.xml", status)
    feed_server.add("/new.xml", good_feed())
    old, new = feed_server.url("/old.xml"), feed_server.url("/new.xml")
    feed_id = store.add_feed(old, "Moved").id
    report = poll(store)
    assert report.errors == {} and len(report.new_article_ids) == 3
    assert store.get_feed(old) is None
    moved = store.get_feed(new)
    assert moved.id == feed_id and moved.title == "Moved" and moved.last_error is None
    feed_server.log.clear()
    poll(store)
    assert feed_server.paths() == ["/new.xml"]  # the old address is not asked again


@pytest.mark.parametrize("chain", [[302], [301, 302], [307]])
def test_a_temporary_redirect_keeps_the_url(feed_server, store, chain):
    path = "/t0.xml"
    for i, status in enumerate(chain):
        feed_server.redirect(f"/t{i}.xml", f"/t{i + 1}.xml", status)
    feed_server.add(f"/t{len(chain)}.xml", good_feed())
    url = feed_server.url(path)
    store.add_feed(url)
    poll(store)
    assert store.get_feed(url) is not None and store.get_feed(url).last_success is not None


def test_410_gone_disables_the_feed(feed_server, store):
    feed_server.error("/gone.xml", 410)
    feed_server.add("/ok.xml", good_feed())
    gone, ok = feed_server.url("/gone.xml"), feed_server.url("/ok.xml")
    store.add_feed(gone)
    store.add_feed(ok)
    report = poll(store)
    feed = store.get_feed(gone)
    assert not feed.enabled and feed.last_error == "HTTP 410 Gone"
    assert [o.disabled for o in report.outcomes if o.url == gone] == [True]
    make_due(store)
    assert [f.url for f in store.feeds_due(2**40)] == [ok]
    feed_server.log.clear()
    poll(store)  # even a forced poll skips it
    assert feed_server.paths() == ["/ok.xml"]


# ---- health where admins look ---------------------------------------------------------------------------------
def failing_and_gone(feed_server, store):
    feed_server.error("/down.xml", 500)
    feed_server.error("/gone.xml", 410)
    feed_server.add("/ok.xml", good_feed())
    store.add_feed(feed_server.url("/down.xml"), "Down <!channel>")
    store.add_feed(feed_server.url("/gone.xml"), "Gone")
    store.add_feed(feed_server.url("/ok.xml"), "Fine")
    for seed in range(3):
        make_due(store)
        poll_feeds(store, SETTINGS, policy=POLICY, limits=LIMITS, rng=random.Random(seed))


def test_health_shows_in_feeds_list(feed_server, store, tmp_path, monkeypatch, capsys):
    from bot.cli import main

    failing_and_gone(feed_server, store)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIBRIEF_DATABASE", store.path)
    for key in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "AIBRIEF_LOG_LEVEL"):
        monkeypatch.delenv(key, raising=False)
    assert main(["feeds", "list"]) == 0
    out = capsys.readouterr().out
    states = {line.split()[-1]: line.split()[0] for line in out.splitlines() if line.split() and "://" in line.split()[-1]}
    assert states[feed_server.url("/down.xml")] == "FAILING"
    assert "last error (3x, " in out and "HTTP 500 Internal Server Error" in out
    assert states[feed_server.url("/gone.xml")] == "disabled"
    assert states[feed_server.url("/ok.xml")] == "ok"


def test_health_shows_in_the_app_home(feed_server, store):
    failing_and_gone(feed_server, store)
    view = blocks.home_view([], {}, store.list_feeds(), [], is_admin=True)
    text = "\n".join(b["text"]["text"] for b in view["blocks"] if b.get("type") == "section")
    assert "Feeds (3, 2 failing)" in str(view)
    down = text.index("Down &lt;!channel&gt;")
    assert text.index(":red_circle:") < text.index(":large_green_circle: *Fine*")  # failing first
    assert "(3×): HTTP 500 Internal Server Error" in text[down:]
    assert ":white_circle: *Gone*" in text and "HTTP 410 Gone" in text
    assert "<!channel>" not in text


# ---- alerts ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "previous, now, disabled, expected",
    [
        (0, 0, False, None), (0, 1, False, None), (1, 2, False, None), (2, 3, False, "failing"),
        (3, 4, False, None), (9, 10, False, None), (2, 0, False, None), (3, 0, False, "recovered"),
        (12, 0, False, "recovered"), (0, 1, True, "disabled"), (5, 6, True, "disabled"),
    ],
)
def test_alert_transitions(previous, now, disabled, expected):
    assert alerts.transition(previous, now, disabled=disabled) == expected


def test_alert_text_is_escaped():
    text = alerts.alert_text("failing", "https://evil.example/<!here>|x", "<!channel> & <@U123>", "<!everyone> boom", 3)
    assert "<!" not in text.replace("<https://evil.example/", "") and "<@" not in text
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in text and "&lt;!everyone&gt; boom" in text
    assert "<https://evil.example/%3C!here%3E%7Cx|https://evil.example/&lt;!here&gt;¦x>" in text


def test_alerts_post_once_when_failing_starts_and_once_on_recovery(feed_server, slack_api, store):
    settings = Settings(slack_bot_token="xoxb-alerts", slack_api_url=slack_api.url, alert_channel=ALERTS,
                        allow_private_networks=True, poll_minutes=30)
    sched = AibriefScheduler(store, settings, make_client(settings))
    flaky = feed_server.url("/flaky.xml")
    store.add_feed(flaky, "Flaky <!channel> & co")
    feed_server.add("/fine.xml", good_feed())
    store.add_feed(feed_server.url("/fine.xml"), "Fine")

    def poll_once(status: int) -> list[str]:
        if status == 200:
            feed_server.add("/flaky.xml", rss(item(900, "Back")))
        else:
            feed_server.error("/flaky.xml", status)
        make_due(store)
        sched.poll_job()
        return [m["text"] for m in slack_api.messages(ALERTS)]

    assert poll_once(500) == [] and poll_once(500) == []
    (failing,) = poll_once(500)  # the third failure in a row: one message
    assert failing.startswith(":red_circle: Feed *Flaky &lt;!channel&gt; &amp; co*")
    assert "HTTP 500 Internal Server Error" in failing and "3 polls in a row" in failing
    assert poll_once(500) == [failing] and poll_once(503) == [failing]  # still failing: nothing more
    after = poll_once(200)
    assert after[:1] == [failing] and len(after) == 2 and after[1].startswith(":large_green_circle: Feed *Flaky")
    assert poll_once(200) == after  # healthy: quiet
    assert poll_once(500) == after  # one failure is not an alert
    gone = poll_once(410)
    assert len(gone) == 3 and gone[2].startswith(":white_circle: Feed *Flaky") and "HTTP 410 Gone" in gone[2]
    assert all("<!channel>" not in t for t in gone)
    posts = slack_api.calls("chat.postMessage")
    assert len(posts) == 3 and all(c.body.get("unfurl_links") in (False, "0", "false") for c in posts)


def test_an_alert_that_cannot_be_posted_does_not_stop_the_poll(feed_server, slack_api, store, caplog):
    settings = Settings(slack_bot_token="xoxb-alerts", slack_api_url=slack_api.url, alert_channel=ALERTS,
                        allow_private_networks=True)
    sched = AibriefScheduler(store, settings, make_client(settings))
    feed_server.error("/down.xml", 500)
    store.add_feed(feed_server.url("/down.xml"))
    slack_api.fail("chat.postMessage", "channel_not_found")
    for _ in range(3):
        make_due(store)
        sched.poll_job()
    assert store.get_feed(feed_server.url("/down.xml")).error_count == 3
    assert slack_api.messages(ALERTS) == []
    assert any("feed alert failed" in r.getMessage() and "channel_not_found" in r.getMessage() for r in caplog.records)


def test_no_alert_channel_no_alerts(feed_server, slack_api, store):
    settings = Settings(slack_bot_token="xoxb-alerts", slack_api_url=slack_api.url, allow_private_networks=True)
    sched = AibriefScheduler(store, settings, make_client(settings))
    feed_server.error("/down.xml", 500)
    store.add_feed(feed_server.url("/down.xml"))
    for _ in range(4):
        make_due(store)
        sched.poll_job()
    assert slack_api.calls("chat.postMessage") == []
