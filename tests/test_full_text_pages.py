"""--full-text over loopback: each new article's page is fetched once, politely, through the
project's fetcher; its main text reaches the index and matching while digests keep the
feed's teaser; stubs, oversized pages and refusals fall back to the feed's text."""

from __future__ import annotations

import random
import threading
from ipaddress import ip_network

import pytest

from bot.config import Settings
from bot.feeds.fetch import FetchLimits
from bot.feeds.fulltext import MAX_PAGE_BYTES, PAGES_PER_HOST, extract_text
from bot.feeds.netpolicy import AddressPolicy
from bot.poll.poller import poll_feeds
from bot.query import parse

POLICY = AddressPolicy(allowed_networks=(ip_network("127.0.0.1/32"),))
LIMITS = FetchLimits(connect=2.0, read=2.0, total=5.0)
SETTINGS = Settings(poll_minutes=30)

BODY = ("The researchers describe how a jailbreak of the assistant let an attacker read private mail. "
        "They reported the flaw to the vendor in January, and a fix shipped in March after several rounds. ") * 6


def article_page(title: str, body: str = BODY) -> bytes:
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/subscribe'>Subscribe</a></nav>"
            f"<article><h1>{title}</h1>" + "".join(f"<p>{s.strip()}.</p>" for s in body.split(". ") if s.strip())
            + "</article><footer>© Example News · Privacy · Cookies</footer></body></html>").encode()


PAYWALL = (b"<!DOCTYPE html><html><body><nav>Home</nav><div class='paywall'><h2>Subscribe to continue</h2>"
           b"<p>This article is for subscribers.</p></div><footer>Example</footer></body></html>")


def feed_doc(server, items: list[tuple[str, str]]) -> bytes:
    body = "".join(f"<item><title>{t}</title><link>{server.url(path)}</link><guid>{path}</guid>"
                   f"<description>Teaser line for {t}.</description></item>" for t, path in items)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Teasers</title>' \
           f"<link>{server.url('/')}</link>{body}</channel></rss>".encode()


def poll(store):
    return poll_feeds(store, SETTINGS, force=True, policy=POLICY, limits=LIMITS, rng=random.Random(1), parse_workers=0)


def add_full_text_feed(store, server, items, path="/teasers.xml"):
    server.add(path, feed_doc(server, items), etag='"v1"')
    feed = store.add_feed(server.url(path))
    store.set_full_text(feed.id, True)
    return feed


def test_page_text_reaches_index_and_matching_but_digests_show_the_teaser(feed_server, store):
    store.add_watchlist("jailbreaks", "jailbreak")
    feed_server.add("/a1", article_page("Mail assistant flaw"), content_type="text/html; charset=utf-8")
    feed_server.add("/a2", PAYWALL, content_type="text/html")
    feed_server.huge("/a3", MAX_PAGE_BYTES + 1024)
    feed = add_full_text_feed(store, feed_server, [("Mail assistant flaw", "/a1"), ("Locked story", "/a2"),
                                                   ("Huge page", "/a3")])
    report = poll(store)
    assert report.errors == {}
    [outcome] = report.outcomes
    assert outcome.matches == {"jailbreaks": 1}  # only the page's text says "jailbreak"
    assert report.matches == {"jailbreaks": 1}

    [hit] = store.search(parse("jailbreak"), limit=5)
    assert hit.title == "Mail assistant flaw"
    stored = store._all("SELECT title, summary FROM articles ORDER BY id")
    assert stored[0][1].startswith("Teaser line for Mail assistant flaw. ") and "private mail" in stored[0][1]
    assert stored[1][1] == "Teaser line for Locked story." and stored[2][1] == "Teaser line for Huge page."
    # What people read: the feed's teaser.
    [cand] = store.digest_candidates(None, None, fetched_after=0, fetched_until=2**40)
    assert cand.summary == "Teaser line for Mail assistant flaw."
    assert store.get_articles([hit.article_id])[hit.article_id]["summary"] == "Teaser line for Mail assistant flaw."
    # Failures are recorded on the article and the feed.
    states = dict(store._all("SELECT a.title, ft.state || ': ' || COALESCE(ft.error, '') FROM article_fulltext ft "
                             "JOIN articles a ON a.id = ft.article_id"))
    assert states["Mail assistant flaw"] == "ok: "
    assert states["Locked story"].startswith("failed: too little text on the page")
    assert states["Huge page"].startswith("failed: page not fetched: body larger than 5 MiB")
    setting = store.full_text_settings()[feed.id]
    assert (setting.pages_ok, setting.pages_failed) == (1, 2) and setting.last_error

    # Once: a second poll (the feed unchanged, 304) fetches no page again.
    poll(store)
    assert [len(feed_server.requests_for(p)) for p in ("/a1", "/a2", "/a3")] == [1, 1, 1]


def test_feeds_without_full_text_fetch_no_pages(feed_server, store):
    feed_server.add("/a1", article_page("One"), content_type="text/html")
    feed_server.add("/plain.xml", feed_doc(feed_server, [("One", "/a1")]))
    store.add_feed(feed_server.url("/plain.xml"))
    poll(store)
    assert feed_server.requests_for("/a1") == [] and store.count_articles() == 1


def test_per_host_limit_one_at_a_time_and_the_rest_next_poll(feed_server, store):
    in_flight, most = [0], [0]
    lock = threading.Lock()

    def slow_page(title):
        def body():
            with lock:
                in_flight[0] += 1
                most[0] = max(most[0], in_flight[0])
            try:
                yield article_page(title)
            finally:
                with lock:
                    in_flight[0] -= 1
        return body

    n = PAGES_PER_HOST + 3
    for i in range(n):
        feed_server.add(f"/p{i}", slow_page(f"Story {i}"), content_type="text/html", content_length=False)
    add_full_text_feed(store, feed_server, [(f"Story {i}", f"/p{i}") for i in range(n)])
    poll(store)
    fetched = [i for i in range(n) if feed_server.requests_for(f"/p{i}")]
    assert len(fetched) == PAGES_PER_HOST and most[0] == 1
    assert store.full_text_states().get("pending") == 3
    poll(store)
    assert all(len(feed_server.requests_for(f"/p{i}")) == 1 for i in range(n))
    assert store.full_text_states() == {"ok": n}


def test_429_with_a_long_retry_after_stops_the_host_until_the_next_poll(feed_server, store):
    feed_server.error("/busy1", 429, retry_after="3600")
    feed_server.add("/busy2", article_page("Two"), content_type="text/html")
    add_full_text_feed(store, feed_server, [("One", "/busy1"), ("Two", "/busy2")])
    poll(store)
    assert len(feed_server.requests_for("/busy1")) == 1 and feed_server.requests_for("/busy2") == []
    assert store.full_text_states().get("pending") == 2
    feed_server.add("/busy1", article_page("One"), content_type="text/html")
    poll(store)
    assert store.full_text_states() == {"ok": 2}


def test_a_redirect_to_a_private_address_is_refused(feed_server, store):
    feed_server.redirect("/moved", "http://10.20.30.40/article")
    add_full_text_feed(store, feed_server, [("Moved", "/moved")])
    poll(store)
    [(state, error)] = store._all("SELECT state, error FROM article_fulltext")
    assert state == "failed" and "10.20.30.40" in error


def test_switching_full_text_off_leaves_pending_pages_alone(feed_server, store):
    feed_server.error("/later", 429, retry_after="3600")
    feed = add_full_text_feed(store, feed_server, [("Later", "/later")])
    poll(store)
    store.set_full_text(feed.id, False)
    feed_server.add("/later", article_page("Later"), content_type="text/html")
    poll(store)
    assert len(feed_server.requests_for("/later")) == 1
    assert store.full_text_states() == {"skipped": 1}


@pytest.mark.parametrize(
    "body, content_type, expected",
    [
        (article_page("A story"), "text/html", None),
        (PAYWALL, "text/html", "too little text on the page"),
        (b"%PDF-1.4 binary", "application/pdf", "not an HTML page (application/pdf)"),
        (b"<html><body><script>" + b"x" * 100_000 + b"</script></body></html>", "text/html", "too little text"),
        (b"\x00\xff" * 1000, "", "too little text"),
    ],
)
def test_extract_text(body, content_type, expected):
    text, error = extract_text(body, content_type, "https://news.example/a")
    if expected is None:
        assert error is None and "private mail" in text and "Subscribe" not in text and "Cookies" not in text
    else:
        assert text is None and error.startswith(expected)
