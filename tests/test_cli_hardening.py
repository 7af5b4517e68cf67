"""The CLI against bad numbers, hostile feed text and feeds that all fail.

Every numeric option goes through one definition (bot.cli.common.bounded_int); feed text reaches
the terminal without the bidi controls that would disguise it; `aibrief fetch` says each
failure once and exits 1 when nothing could be fetched.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.models import Article
from bot.store import open_store
from tests.support.cli import env, run  # noqa: F401  (env is a fixture)

BIDI = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Invoice\u202efdp.exe" shows as "Invoiceexe.pdf"


# ---- numbers --------------------------------------------------------------------------------
NUMERIC = [
    ["search", "ai", "--limit"],
    ["watch", "test", "ai", "--limit"],
    ["audit", "--limit"],
    ["channels", "add", "C0123ABCD", "--max-items"],
]


@pytest.mark.parametrize("argv", NUMERIC, ids=lambda a: " ".join(a))
@pytest.mark.parametrize("value", ["0", "-1", "99999999999999999999", "abc", "1.5", "", "١"])
def test_every_numeric_option_refuses_what_is_not_a_small_positive_number(env, capsys, argv, value):
    code, out, err = run(capsys, *argv, value)
    assert code == 2 and out == ""
    assert err.startswith(f"aibrief: argument {argv[-1]}: must be a whole number from 1 to ")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_audit_limit_counts_from_one(env, capsys):
    for i in range(3):
        assert run(capsys, "watch", "add", f"w{i}", "ai")[0] == 0
    code, out, _ = run(capsys, "audit", "--limit", "2")
    assert code == 0 and out.count("watch.add") == 2
    code, out, _ = run(capsys, "audit")
    assert out.count("watch.add") == 3


def test_usage_mistakes_are_one_line_too(env, capsys):
    for argv in (["bogus"], ["search"], ["audit", "--limit"], ["search", "ai", "--nope"]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and err.startswith("aibrief: ") and err.count("\n") == 1, (argv, err)


@pytest.mark.parametrize("key, value, reason", [
    ("AIBRIEF_LOG_LEVEL", "VERBOSE", "is not a log level"),
    ("AIBRIEF_LOG_LEVEL", "basic_format", "is not a log level"),
    ("AIBRIEF_ADMINS", "bob", "is not a Slack user ID"),
    ("AIBRIEF_ALERT_CHANNEL", "general", "is not a Slack channel ID"),
    ("AIBRIEF_DATABASE", "sqlite://", "names no file"),
])
def test_bad_settings_stop_every_command_with_one_line(env, capsys, monkeypatch, key, value, reason):
    monkeypatch.setenv(key, value)
    code, out, err = run(capsys, "watch", "list")
    assert code == 2 and out == "" and reason in err and err.count("\n") == 1 and "Traceback" not in err


# ---- feed text on the terminal ------------------------------------------------------------------
def test_bidi_controls_in_feed_text_never_reach_the_terminal(env, capsys):
    store = open_store(str(env / "db.sqlite"))
    feed = store.add_feed(f"https://evil.example/{BIDI}feed", f"Evil{BIDI} Feed")
    store.record_poll_error(feed.id, f"HTTP 500 {BIDI}gnp.exe", now=1, next_poll=2)
    store.insert_articles(feed.id, [Article(
        feed_url=feed.url, source=f"Wire{BIDI}", url=f"https://evil.example/{BIDI}a",
        title=f"Invoice{BIDI}fdp.exe security", summary=f"security alert {BIDI}txt.scr",
        published=datetime(2025, 3, 1, tzinfo=timezone.utc), dedupe_key="url:a")])
    store.add_watchlist(f"sec{BIDI}", "security")
    store.audit("cli:x", "watch.add", f"sec{BIDI}", None, {"query": f"security{BIDI}"})
    store.close()
    for argv in (["search", "security"], ["watch", "test", "security"], ["watch", "list"],
                 ["feeds", "list"], ["audit"]):
        code, out, err = run(capsys, *argv)
        assert code == 0, (argv, err)
        assert BIDI not in out and BIDI not in err, argv
    code, out, _ = run(capsys, "search", "security")
    assert "Invoicefdp.exe security" in out and "Wire" in out  # the text itself is kept


# ---- fetch --------------------------------------------------------------------------------------
def test_fetch_exits_1_when_no_feed_could_be_fetched_and_says_each_failure_once(env, capsys, feed_server):
    urls = [feed_server.url(f"/missing-{i}.xml") for i in range(3)]
    for u in urls:
        assert run(capsys, "feeds", "add", "--no-check", u)[0] == 0
    code, out, err = run(capsys, "fetch")
    assert code == 1
    for u in urls:
        assert (out + err).count(u) == 2, (out, err)  # the progress line, and the summary with the reason
        assert out.count(f"{u}: HTTP 404") == 1
    assert "level=WARNING" not in err
    assert err.strip().splitlines()[-1] == "aibrief: no feed could be fetched (3 failed)"
    # -v shows the poller's log lines as well
    code, out, err = run(capsys, "-v", "fetch")
    assert code == 1 and "level=WARNING" in err and "feed failed" in err


def test_fetch_exits_0_when_some_feeds_worked(env, capsys, feed_server):
    from tests.support.feed_docs import RSS

    feed_server.add("/ok.xml", RSS)
    assert run(capsys, "feeds", "add", "--no-check", feed_server.url("/ok.xml"))[0] == 0
    assert run(capsys, "feeds", "add", "--no-check", feed_server.url("/gone.xml"))[0] == 0
    code, out, err = run(capsys, "fetch")
    assert code == 0 and "1 failed" in out and "level=WARNING" not in err
