"""A feed URL's credentials (`user:password@`, `?api_key=…`) never reach Slack or the logs.

Members see a feed as host and path; admins see its shape with the userinfo and every query
value masked (`https://***@host/path?api_key=***`); only the CLI prints it whole. A failing
feed's raw error (which names internal addresses) is for admins; members read its kind.
Checked on the real app (HTTP mode, Slack stand-in), on the real CLI at debug level, and on
the pure helpers of bot.redact.
"""

from __future__ import annotations

import io
import json
import logging
import time

import pytest

from bot.feeds.alerts import FAILING, alert_text
from bot.logs import setup_logging
from bot.redact import link_target, masked_url, public_url, redact_text
from bot.slack import blocks
from tests.support.blockkit import assert_valid_message, assert_valid_view
from tests.support.slack_harness import ADMIN, SlackAppHarness, wait_for
from tests.support.net import closed_port
from tests.support.secret_cli import LOG_LINE, run_cli

USER = "U0PLAINUSER"
PASSWORD, API_KEY, INTERNAL = "hunter2pw", "SEKRETKEY123", "10.20.30.40"
FEED = f"https://bob:{PASSWORD}@feeds.example/private/rss?api_key={API_KEY}&format=rss"
NETWORK_ERROR = f"ConnectError: [Errno 111] connect to {INTERNAL}:8443 refused for {FEED}"
SECRETS = (PASSWORD, API_KEY, "bob:")


def assert_no_credentials(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{where} shows {secret!r}"


# ---- the one helper --------------------------------------------------------------------------------
@pytest.mark.parametrize("url, public, masked, target", [
    (FEED, "feeds.example/private/rss", "https://***@feeds.example/private/rss?api_key=***&format=***",
     "https://feeds.example/private/rss"),
    ("http://feeds.example:8080/a.xml", "feeds.example:8080/a.xml", "http://feeds.example:8080/a.xml",
     "http://feeds.example:8080/a.xml"),
    ("https://tok@feeds.example/x?flag#frag", "feeds.example/x", "https://***@feeds.example/x?***#***",
     "https://feeds.example/x"),
    ("https://medium.com/@someone/feed", "medium.com/@someone/feed", "https://medium.com/@someone/feed",
     "https://medium.com/@someone/feed"),
])
def test_public_masked_and_link_forms(url, public, masked, target):
    assert public_url(url) == public
    assert masked_url(url) == masked
    assert link_target(url) == target


def test_redact_text_masks_every_url_in_prose():
    text = f"could not fetch {FEED}: refused; retry http://a:b@c.example/d?e=f. Also db user:pw@db.internal."
    out = redact_text(text)
    assert_no_credentials("redact_text", out)
    assert "https://***@feeds.example/private/rss?api_key=***&format=***:" in out
    assert "http://***@c.example/d?e=***." in out and "***@db.internal" in out and "pw@" not in out
    assert redact_text("nothing to hide here") == "nothing to hide here"


# ---- Slack -----------------------------------------------------------------------------------------
@pytest.fixture
def app(store, slack_api):
    feed = store.add_feed(FEED, "Private wire")
    store.record_poll_error(feed.id, NETWORK_ERROR, now=int(time.time()), next_poll=0)
    harness = SlackAppHarness(store, slack_api).start()
    yield harness
    harness.stop()


def _home(app, slack_api, user):
    before = len(slack_api.calls("views.publish"))
    app.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"})
    return app.calls("views.publish", before + 1)[-1].body["view"]


def test_a_member_sees_host_and_path_and_the_kind_of_failure(app, slack_api):
    _, key = app.command("feeds list", user=USER)
    reply = app.reply(key)
    assert_valid_message(reply)
    home = _home(app, slack_api, USER)
    assert_valid_view(home)
    for where, payload in (("feeds list", reply), ("App Home", home)):
        text = json.dumps(payload, ensure_ascii=False)
        assert_no_credentials(where, text)
        assert INTERNAL not in text and "api_key" not in text and "ConnectError" not in text, where
        assert "<https://feeds.example/private/rss|feeds.example/private/rss>" in text, where
        assert "failing (network error)" in text, where


def test_an_admin_sees_the_shape_masked_and_the_raw_error(app, slack_api, store):
    _, key = app.command("feeds list", user=ADMIN)
    reply = app.reply(key)
    home = _home(app, slack_api, ADMIN)
    for where, payload in (("feeds list", reply), ("App Home", home)):
        text = json.dumps(payload, ensure_ascii=False)
        assert_no_credentials(where, text)
        assert ("<https://feeds.example/private/rss|https://***@feeds.example/private/rss?api_key=***&amp;format=***>"
                in text), where
        assert f"connect to {INTERNAL}:8443 refused" in text, where  # the network error, for admins

    # an admin's own change and its audit entry, in Slack: masked too
    _, key = app.command(f"feeds remove {FEED}", user=ADMIN)
    done = json.dumps(app.reply(key), ensure_ascii=False)
    assert "Stopped following" in done and "https://***@feeds.example/private/rss" in done
    assert_no_credentials("feeds remove reply", done)
    _, key = app.command(f"feeds remove {FEED}", user=ADMIN)  # again: the refusal quotes the URL
    again = json.dumps(app.reply(key), ensure_ascii=False)
    assert "not following" in again
    assert_no_credentials("feeds remove error", again)
    _, key = app.command("audit", user=ADMIN)
    audit = json.dumps(app.reply(key), ensure_ascii=False)
    assert "feed.remove" in audit
    assert_no_credentials("audit", audit)
    assert store.audit_entries(limit=1)[0].target == FEED  # stored (and shown by the CLI) whole


def test_the_alert_channel_gets_the_masked_form():
    text = alert_text(FAILING, FEED, "Private wire", NETWORK_ERROR, 3)
    assert_no_credentials("alert", text)
    assert "https://***@feeds.example/private/rss?api_key=***" in text.replace("&amp;", "&")


def test_blocks_never_carry_the_secret_for_either_reader():
    from tests.support.helpers import NOW, feed

    f = feed(1, error=NETWORK_ERROR)
    f = type(f)(**{**f.__dict__, "url": FEED})
    for admin in (False, True):
        payload = blocks.feeds_list([f], NOW, admin=admin)
        assert_valid_message(payload)
        assert_no_credentials(f"feeds list admin={admin}", json.dumps(payload))
        assert (INTERNAL in json.dumps(payload)) is admin


# ---- logs ------------------------------------------------------------------------------------------
def test_logs_at_debug_never_show_a_feed_password_or_query_value(tmp_path, feed_server, slack_api):
    """The real CLI at debug level polls feeds whose URLs carry credentials (one answers 500,
    one is a closed port): the log lines name the feeds, masked."""
    from bot.bootstrap import DEFAULT_FEEDS_KEY
    from bot.store import open_store

    feed_server.error("/private.xml", 500)
    db = str(tmp_path / "creds.db")
    store = open_store(db)
    store.set_meta(DEFAULT_FEEDS_KEY, "1")
    store.add_feed(f"http://bob:{PASSWORD}@127.0.0.1:{feed_server.port}/private.xml?api_key={API_KEY}")
    store.add_feed(f"http://bob:{PASSWORD}@127.0.0.1:{closed_port()}/closed.xml?api_key={API_KEY}")
    store.close()
    code, out, err = run_cli(["fetch"], db, slack_api.url, tmp_path)
    assert code == 1, err  # both feeds failed: `fetch` says so with its exit status
    assert "level=DEBUG" in err and "feed failed feed=http://***@127.0.0.1:" in err
    log_lines = [line for line in err.splitlines() if LOG_LINE.match(line)]
    assert len(log_lines) > 10
    assert_no_credentials("the log", "\n".join(log_lines))
    # the CLI's own progress lines are for whoever runs it, on the database's host: whole
    progress = [line for line in err.splitlines() if not LOG_LINE.match(line)]
    assert any(f"http://bob:{PASSWORD}@127.0.0.1:" in line for line in progress), progress
    assert any(p.startswith("/private.xml?api_key=") for p in feed_server.paths()), "the feed was really fetched"


def test_the_log_filter_masks_urls_and_keeps_response_url_bodies_out(slack_api):
    stream = io.StringIO()
    setup_logging("DEBUG", [], stream=stream)
    try:
        # (not under "aibrief": Bolt sets the level of the logger named after the app)
        logging.getLogger("tests.credentials").debug("fetching %s", FEED)
        from slack_sdk.webhook import WebhookClient

        WebhookClient(slack_api.response_url("dbg")).send(text=f"private reply naming {FEED}")
        wait_for(lambda: slack_api.responses.get("dbg"), 5, "the response_url post")
    finally:
        setup_logging("WARNING", [])
    text = stream.getvalue()
    assert "fetching https://***@feeds.example/private/rss?api_key=***&format=***" in text
    assert "private reply naming" not in text and "/response/dbg" not in text
    assert_no_credentials("the log", text)
