"""`feeds list` tells never polled, ok, unchanged (304), failing (with the reason) and disabled apart."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.feeds.health import DISABLED, FAILING, NEVER_POLLED, OK, UNCHANGED, feed_health
from bot.models import Feed
from bot.store import PollState
from tests.support.cli import env, run  # noqa: F401
from tests.support.feed_docs import rss

NOW = datetime(2025, 3, 1, tzinfo=timezone.utc)


def feed(**kw) -> Feed:
    base = dict(id=1, url="https://f.example/rss", title="F", etag=None, last_modified=None, last_success=None,
                last_error=None, error_count=0, next_poll=None)
    return Feed(**{**base, **kw})


def test_feed_health_states():
    assert feed_health(feed()) == NEVER_POLLED
    assert feed_health(feed(last_success=NOW), PollState(NOW, "ok", 200, 5)) == OK
    assert feed_health(feed(last_success=NOW)) == OK  # polled before poll states were recorded
    assert feed_health(feed(last_success=NOW), PollState(NOW, "unchanged", 304, 0)) == UNCHANGED
    assert feed_health(feed(last_error="HTTP 404", error_count=2), PollState(NOW, "failed", 404, 0)) == FAILING
    assert feed_health(feed(enabled=False, last_error="HTTP 410 Gone", error_count=1)) == DISABLED


def test_feeds_list_shows_each_state(env, capsys, feed_server):  # noqa: F811
    feed_server.add("/ok.xml", rss("Fresh", n=3))
    feed_server.add("/same.xml", rss("Same", n=2), etag='"same"')
    feed_server.add("/broken.xml", b"", status=404)
    feed_server.add("/gone.xml", b"", status=410)
    for path in ("/ok.xml", "/same.xml", "/broken.xml", "/gone.xml"):
        assert run(capsys, "feeds", "add", "--no-check", feed_server.url(path))[0] == 0
    code, out, _ = run(capsys, "feeds", "list")
    assert out.count("never polled ") == 4
    assert run(capsys, "fetch")[0] == 0
    feed_server.add("/ok.xml", rss("Fresh", n=4))  # changed: a 200 again on the next poll
    assert run(capsys, "fetch")[0] == 0
    code, out, _ = run(capsys, "feeds", "list")
    lines = out.splitlines()

    def state_of(path):
        url = feed_server.url(path)
        return next(line.split(url)[0].strip() for line in lines if line.endswith(url))

    assert state_of("/ok.xml") == "ok" and "4 item(s) in the last document" in out
    assert state_of("/same.xml") == "unchanged" and "304 Not Modified" in out
    assert state_of("/broken.xml") == "FAILING" and "last error (2x" in out and "HTTP 404" in out
    assert state_of("/gone.xml") == "disabled"
    assert "never polled" not in out
