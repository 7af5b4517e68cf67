"""The poll pipeline: parsing in worker processes and storing in batches changes nothing stored.

The same feeds are polled into two fresh stores, once parsing in this process and once in
two worker processes (bot.poll.parsepool); the stored articles, feed state and watchlist
matches must be the same, and the report the same in the feeds' order.
"""

from __future__ import annotations

import random
from ipaddress import ip_network

from bot.bootstrap import DEFAULT_FEEDS_KEY
from bot.config import Settings
from bot.feeds.fetch import FetchLimits
from bot.feeds.netpolicy import AddressPolicy
from bot.feeds.samples import sample_feeds
from bot.poll.poller import poll_feeds
from bot.store import open_store

POLICY = AddressPolicy(allowed_networks=(ip_network("127.0.0.1/32"),))
LIMITS = FetchLimits(connect=2.0, read=2.0, total=5.0)
SETTINGS = Settings(poll_minutes=30)


def snapshot(store) -> dict:
    return {
        "articles": store._all("SELECT dedupe_key, url, title, summary, source, author, published FROM articles "
                               "ORDER BY dedupe_key"),
        "feeds": store._all("SELECT url, title, etag, last_modified, last_error, error_count FROM feeds ORDER BY url"),
        "matches": store._all("SELECT w.name, a.dedupe_key FROM matches m JOIN watchlists w ON w.id = m.watchlist_id "
                              "JOIN articles a ON a.id = m.article_id ORDER BY 1, 2"),
    }


def test_worker_parsing_and_batched_storing_store_what_inline_parsing_does(feed_server, tmp_path):
    samples = sample_feeds()
    for s in samples:
        feed_server.add("/" + s.name, s.content, content_type=s.headers["content-type"], etag=f'"{s.name}"')
    feed_server.add("/broken.xml", b"<rss><channel><item><title>x", content_type="application/rss+xml")
    feed_server.error("/gone.xml", 410)
    paths = ["/" + s.name for s in samples] + ["/broken.xml", "/gone.xml"]

    results = {}
    for workers in (0, 2):
        store = open_store(str(tmp_path / f"w{workers}.db"))
        store.set_meta(DEFAULT_FEEDS_KEY, "1")
        for p in paths:
            store.add_feed(feed_server.url(p))
        store.add_watchlist("ai-sec", "AI (security OR attack*)")
        store.add_watchlist("china", "china OR chinese")
        report = poll_feeds(store, SETTINGS, force=True, policy=POLICY, limits=LIMITS, rng=random.Random(1),
                            parse_workers=workers)
        results[workers] = (snapshot(store), [(o.url, len(o.new_article_ids), o.error, o.matches) for o in report.outcomes],
                            report.matches)
        store.close()
    inline, pooled = results[0], results[2]
    assert inline[0]["articles"] and inline[0]["matches"]
    assert pooled[0] == inline[0]
    assert pooled[2] == inline[2] and inline[2]["ai-sec"] > 0
    assert pooled[1] == inline[1]
    assert [u for u, *_ in inline[1]] == sorted(feed_server.url(p) for p in paths)  # the order feeds were listed
