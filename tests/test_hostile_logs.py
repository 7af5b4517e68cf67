"""Logs: one line an event, and no token or signing secret anywhere a person could read it.

The real CLI runs in a child process at debug level with every secret set, against
failing feeds (HTTP errors, an HTML page, a refused address, a closed port) and a failing
Slack stand-in; its stdout and stderr, and the database it wrote, are searched for the
secret values. The signing secret is a plain hex string no token pattern would catch, so
only the explicit redaction of configured secrets can hide it.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.bootstrap import DEFAULT_FEEDS_KEY
from bot.digest.service import subscribe
from bot.logs import RedactSecrets, setup_logging
from bot.store import open_store
from tests.support.helpers import article
from tests.support.net import closed_port
from tests.support.secret_cli import APP_TOKEN, BOT_TOKEN, LOG_LINE, SECRETS, SIGNING_SECRET, run_cli

CHANNEL = "C0LOGS001"


def assert_no_secret(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{where} contains {secret[:8]}…"
    # and no recognisable piece of one either (a token cut by a line wrap or a repr)
    for fragment in ("SeCrEtBoTtOkEn", "SeCrEtApPtOkEn", SIGNING_SECRET[:16]):
        assert fragment not in text, f"{where} contains part of a secret ({fragment})"


def assert_one_line_per_event(stderr: str) -> None:
    for line in stderr.splitlines():
        if not line.strip():
            continue
        assert not line.startswith((" ", "\t", "Traceback")), f"a multi-line log record: {line!r}"
        assert LOG_LINE.match(line) or line.startswith("aibrief: ") or re.match(r"^\d+/\d+ \S", line), line  # progress lines


@pytest.fixture
def workspace(tmp_path, feed_server):
    feed_server.error("/500.xml", 500, body=b"internal error")
    feed_server.add("/page.html", b"<!DOCTYPE html><html><body>hi</body></html>", content_type="text/html")
    feed_server.redirect("/meta.xml", "http://169.254.169.254/latest/meta-data/", 302)
    feed_server.error("/429.xml", 429, retry_after="120")
    db = str(tmp_path / "logs.db")
    store = open_store(db)
    store.set_meta(DEFAULT_FEEDS_KEY, "1")
    for path in ("/500.xml", "/page.html", "/meta.xml", "/429.xml"):
        store.add_feed(feed_server.url(path))
    store.add_feed(f"http://127.0.0.1:{closed_port()}/refused.xml")
    now = datetime.now(timezone.utc)
    store.add_watchlist("ai", "AI")
    feed = store.add_feed("http://127.0.0.1:9/stored.xml", "Stored")
    store.insert_articles(feed.id, [article(f"AI story {i}", "AI news", published=now - timedelta(hours=i + 1))
                                    for i in range(3)])
    subscribe(store, "test", CHANNEL)
    with store.transaction() as tx:  # the stored feed is not polled (nothing listens on port 9)
        tx.run("UPDATE feeds SET enabled = 0 WHERE url = ?", ("http://127.0.0.1:9/stored.xml",))
    store.close()
    return db


def test_fetch_and_a_failing_digest_post_at_debug_level_never_show_a_secret(workspace, slack_api, tmp_path):
    code, out, err = run_cli(["fetch"], workspace, slack_api.url, tmp_path)
    assert code == 1, err  # every feed failed: nothing could be fetched
    assert "5 failed" in out and "level=DEBUG" in err  # debug logging really was on
    assert "feed failed feed=" in err and "reason=" in err
    assert_no_secret("aibrief fetch output", out + err)
    assert_one_line_per_event(err)

    slack_api.fail("chat.postMessage", "invalid_auth")  # Slack refuses the token
    code, out, err = run_cli(["digest", "--channel", CHANNEL, "--post"], workspace, slack_api.url, tmp_path)
    assert code == 1 and "invalid_auth" in err
    assert slack_api.calls("chat.postMessage")[0].headers["authorization"] == f"Bearer {BOT_TOKEN}"  # it was sent
    assert_no_secret("aibrief digest --post output (invalid_auth)", out + err)
    assert_one_line_per_event(err)

    slack_api.fail("chat.postMessage", 500)  # a Slack hiccup: checked, retried, posted once
    code, out, err = run_cli(["digest", "--channel", CHANNEL, "--post"], workspace, slack_api.url, tmp_path)
    assert code == 0 and "Posted the digest" in out, (out, err)
    assert "digest post failed" in err and "internal_error" in err
    assert_no_secret("aibrief digest --post output (HTTP 500)", out + err)
    assert_one_line_per_event(err)

    assert_no_secret("the database", Path(workspace).read_bytes().decode("latin-1"))


def test_the_redaction_filter_covers_messages_arguments_and_tracebacks():
    import io

    stream = io.StringIO()
    setup_logging("DEBUG", [BOT_TOKEN, SIGNING_SECRET], stream=stream)
    log = logging.getLogger("aibrief.test")
    log.info("token %s and secret %s", BOT_TOKEN, SIGNING_SECRET)
    log.info("an unknown token xoxp-9999999999-8888888888-abcdef in a message")
    try:
        raise RuntimeError(f"boom with {SIGNING_SECRET}\nsecond line")
    except RuntimeError:
        log.exception("failed while using %s", APP_TOKEN)
    text = stream.getvalue()
    assert BOT_TOKEN not in text and SIGNING_SECRET not in text and APP_TOKEN not in text
    assert "xoxp-9999999999" not in text and text.count("[redacted]") >= 5
    assert len(text.strip().splitlines()) == 3  # the traceback folded into its record's line
    assert isinstance(logging.getLogger().handlers[-1].filters[0], RedactSecrets)
