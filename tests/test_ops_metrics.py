"""GET /metrics of `aibrief run` (HTTP mode on PORT; Socket Mode on AIBRIEF_METRICS_PORT),
scraped after a poll, a digest and a search: the Prometheus text format, every metric the
README lists, with the counts those moved."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.bootstrap import DEFAULT_FEEDS_KEY
from bot.config import Settings
from bot.ops.metrics import REGISTRY
from bot.runner import run
from bot.store import open_store
from tests.support.slack_harness import ADMIN, CHANNEL, SECRET, sign, wait_for
from tests.support.net import free_loopback_port as free_port
from tests.support.ws_standin import APP_TOKEN, SocketModeStandIn

METRICS = ("aibrief_polls_total", "aibrief_feeds_polled_total", "aibrief_feed_errors_total",
           "aibrief_articles_stored_total", "aibrief_watchlist_matches_total", "aibrief_digests_posted_total",
           "aibrief_digests_failed_total", "aibrief_digests_postponed_total", "aibrief_slack_api_calls_total",
           "aibrief_slack_api_ratelimited_total", "aibrief_search_seconds_count", "aibrief_search_seconds_bucket",
           "aibrief_retention_pruned_articles_total", "aibrief_leader")


def rss() -> bytes:
    now = datetime.now(timezone.utc)
    items = "".join(
        f"<item><title>AI chatbot jailbreak attack {i} leaks data</title><link>https://news.example/j/{i}</link>"
        f"<guid>jb-{i}</guid><pubDate>{now:%a, %d %b %Y %H:%M:%S} GMT</pubDate>"
        f"<description>A prompt injection jailbreak of the AI chatbot, case {i}.</description></item>"
        for i in range(4))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{items}</channel></rss>'.encode()


def samples(text: str) -> dict[tuple, float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def before(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_after_a_poll_a_digest_and_a_search(slack_api, feed_server, tmp_path):
    feed_server.add("/wire.xml", rss())
    feed_server.add("/gone.xml", b"nope", status=404, content_type="text/plain")
    db = str(tmp_path / "metrics.db")
    store = open_store(db)
    store.set_meta(DEFAULT_FEEDS_KEY, "1")
    store.add_feed(feed_server.url("/wire.xml"), "Wire")
    store.add_feed(feed_server.url("/gone.xml"), "Gone")
    store.close()
    base_values = {
        "polls": before("aibrief_polls_total"), "stored": before("aibrief_articles_stored_total"),
        "404": before("aibrief_feed_errors_total", reason="HTTP 404"),
        "matches": before("aibrief_watchlist_matches_total", watchlist="ai-security"),
        "posted": before("aibrief_digests_posted_total"),
        "post": before("aibrief_slack_api_calls_total", method="chat.postMessage"),
        "429": before("aibrief_slack_api_ratelimited_total", method="chat.postMessage"),
        "searches": before("aibrief_search_seconds_count"),
    }
    settings = Settings(slack_bot_token="xoxb-standin", slack_signing_secret=SECRET, slack_api_url=slack_api.url,
                        database=db, admins=frozenset({ADMIN}), port=free_port(), allow_private_networks=True)
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(settings,), kwargs={"host": "127.0.0.1", "stop": stop})
    thread.start()
    url = f"http://127.0.0.1:{settings.port}"
    try:
        def scrape():
            try:
                return httpx.get(url + "/metrics", timeout=2)
            except httpx.HTTPError:
                return None

        wait_for(lambda: (r := scrape()) and samples(r.text).get(("aibrief_polls_total", ())) == base_values["polls"] + 1,
                 30, "the first poll")
        slack_api.fail("chat.postMessage", 429)  # once: the retry handler waits it out
        for text, key in (("digest now", "m-digest"), ("jailbreak", "m-search")):
            body = (f"command=%2Faibrief&text={text.replace(' ', '+')}&user_id={ADMIN}&channel_id={CHANNEL}"
                    f"&team_id=T0STANDIN&response_url={slack_api.response_url(key)}").encode()
            ts = int(time.time())
            assert httpx.post(url + "/slack/events", content=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": str(ts),
                "X-Slack-Signature": sign(body, ts)}).status_code == 200
            wait_for(lambda: slack_api.responses.get(key), 20, f"the reply to {text}")
        response = scrape()
    finally:
        stop.set()
        thread.join(30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain; version=")
    got = samples(response.text)
    names = {name for name, _ in got}
    assert set(METRICS) <= names, set(METRICS) - names
    assert got[("aibrief_polls_total", ())] == base_values["polls"] + 1
    assert got[("aibrief_articles_stored_total", ())] == base_values["stored"] + 4
    assert got[("aibrief_feed_errors_total", (("reason", "HTTP 404"),))] == base_values["404"] + 1
    assert got[("aibrief_watchlist_matches_total", (("watchlist", "ai-security"),))] > base_values["matches"]
    assert got[("aibrief_digests_posted_total", ())] == base_values["posted"] + 1
    assert got[("aibrief_slack_api_calls_total", (("method", "chat.postMessage"),))] >= base_values["post"] + 2
    assert got[("aibrief_slack_api_ratelimited_total", (("method", "chat.postMessage"),))] == base_values["429"] + 1
    assert got[("aibrief_search_seconds_count", ())] >= base_values["searches"] + 1
    assert got[("aibrief_leader", ())] == 1.0


def test_socket_mode_serves_metrics_on_its_own_port(slack_api, tmp_path):
    sock = SocketModeStandIn().start()
    slack_api.attach_socket(sock)
    db = str(tmp_path / "sm.db")
    store = open_store(db)
    store.set_meta(DEFAULT_FEEDS_KEY, "1")
    store.close()
    settings = Settings(slack_bot_token="xoxb-standin", slack_app_token=APP_TOKEN, slack_api_url=slack_api.url,
                        database=db, metrics_port=free_port())
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(settings,), kwargs={"host": "127.0.0.1", "stop": stop})
    thread.start()
    try:
        sock.wait_connections(1)
        resp = wait_for(lambda: _get(f"http://127.0.0.1:{settings.metrics_port}/metrics"), 10, "metrics")
        assert resp.status_code == 200 and "aibrief_leader " in resp.text and "aibrief_polls_total" in resp.text
        assert _get(f"http://127.0.0.1:{settings.metrics_port}/slack/events").status_code == 404
    finally:
        stop.set()
        thread.join(30)
        slack_api.attach_socket(None)
        sock.stop()


def _get(url):
    try:
        return httpx.get(url, timeout=2)
    except httpx.HTTPError:
        return None
