"""Hostile feeds at the level of a whole poll (bot.poll.poller.poll_feeds), over the loopback server.

Each case of tests/support/hostile_cases.py is polled together with a good feed, in one run, with
the real fetch/parse/store pipeline and a real SQLite store. For every case: the poll
finishes in bounded time, the good feed still ingests, the hostile feed either recovers
(its articles stored) or carries a readable reason (`last_error`, a backed-off next
poll), Python memory stays bounded (tracemalloc peak, this process), and no address but
127.0.0.1 is ever dialled. The fetch and parse unit tests (test_fetch.py, test_parse.py)
cover the mechanisms one by one; this file proves they hold together in a poll.

Timeouts are short here (the drip case takes `LIMITS.total`); body caps are the real
defaults. `bench/hostile.py` runs the same cases with every default limit.
"""

from __future__ import annotations

import logging
import re
import time
import tracemalloc
from ipaddress import ip_network

import pytest

from bot.config import Settings
from bot.feeds import netpolicy
from bot.feeds.fetch import FetchLimits
from bot.feeds.netpolicy import AddressPolicy
from bot.feeds.normalize import TITLE_LIMIT
from bot.poll.poller import poll_feeds
from bot.store import open_store
from tests.support import hostile_cases
from tests.support.hostile_cases import GOOD_PATH, GOOD_TITLES, Case, FakeResolver, good_feed, guard_dialling

MiB = 1024 * 1024
POLICY = AddressPolicy(allow_private=False, allowed_networks=(ip_network("127.0.0.1/32"),))
LIMITS = FetchLimits(connect=1.0, read=1.0, total=1.5)  # default 15 MiB body cap and 5 redirects
SETTINGS = Settings(poll_minutes=30)
# Python-level peak of the whole poll (fetch, parse, store, and the server thread serving it).
# The body cap is 15 MiB; the fetcher may hold a capped body twice while joining its chunks.
PEAK_BOUND = 48 * MiB
SECONDS_BOUND = 6.0  # each poll; the drip case alone needs LIMITS.total
# Every case in one poll: 40 MB of bodies on one client, so a little more time each.
LIMITS_ALL = FetchLimits(connect=2.0, read=2.0, total=3.0)

CASES = hostile_cases.cases(drip_seconds=4.0)


@pytest.fixture
def dialled(monkeypatch):
    """Every address dialled during the test; anything but 127.0.0.1 is refused by the net."""
    addresses: list[str] = []
    undo = guard_dialling(addresses)
    yield addresses
    undo()


@pytest.fixture
def dns(monkeypatch):
    resolver = FakeResolver()
    monkeypatch.setattr(netpolicy, "system_resolver", resolver)
    return resolver


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "hostile.db"))
    yield s
    s.close()


def poll_measured(store, **kwargs):
    from bot.language import detect

    detect("A warm-up headline")  # the language model loads once per process (tens of MiB), not per poll
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.monotonic()
    try:
        report = poll_feeds(store, SETTINGS, force=True, policy=POLICY, limits=LIMITS, **kwargs)
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return report, elapsed, peak


def titles_of(store, feed_url: str) -> list[str]:
    feed = store.get_feed(feed_url)
    rows = store._all("SELECT title FROM articles WHERE feed_id = ? ORDER BY id", (feed.id,))
    return [r[0] for r in rows]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_feed_costs_the_poll_nothing(case: Case, feed_server, store, dialled, dns):
    feed_server.add(GOOD_PATH, good_feed())
    good = feed_server.url(GOOD_PATH)
    hostile = case.serve(feed_server)
    store.add_feed(good)
    store.add_feed(hostile)
    before = int(time.time())

    report, elapsed, peak = poll_measured(store)

    assert len(report.outcomes) == 2
    bound = SECONDS_BOUND + (LIMITS.total if "drip" in case.name else 0)
    assert elapsed < bound, f"{case.name}: the poll took {elapsed:.1f} s"
    assert peak < PEAK_BOUND, f"{case.name}: Python memory peaked at {peak / MiB:.1f} MiB"
    assert set(dialled) <= {"127.0.0.1"}, f"dialled {sorted(set(dialled))}"

    good_feed_row = store.get_feed(good)
    assert good_feed_row.last_error is None and good_feed_row.error_count == 0
    assert titles_of(store, good) == GOOD_TITLES

    row = store.get_feed(hostile)
    if case.error is not None:
        assert row.last_error is not None, f"{case.name}: no error recorded"
        assert re.fullmatch(case.error, row.last_error), row.last_error
        assert "\n" not in row.last_error and len(row.last_error) <= 500
        assert row.error_count == 1 and row.enabled
        assert row.next_poll.timestamp() >= before + SETTINGS.poll_minutes * 60 * 0.9  # backed off, not retried at once
        assert report.errors == {hostile: row.last_error}
        assert titles_of(store, hostile) == []
    else:
        assert row.last_error is None, f"{case.name}: {row.last_error}"
        stored = titles_of(store, hostile)
        assert len(stored) == case.articles
        for title in case.titles:
            assert title in stored
        assert all(len(t) <= TITLE_LIMIT for t in stored)


def test_a_name_that_resolves_to_loopback_is_refused_by_the_default_policy(feed_server, store, dialled, monkeypatch):
    """With the production policy even 127.0.0.1 is out of reach, by address or by name."""
    monkeypatch.setattr(netpolicy, "system_resolver", FakeResolver({"localhost.test": ["127.0.0.1"]}))
    feed_server.add(GOOD_PATH, good_feed())
    by_name = f"http://localhost.test:{feed_server.port}{GOOD_PATH}"
    by_address = feed_server.url(GOOD_PATH)
    store.add_feed(by_name)
    store.add_feed(by_address)
    report = poll_feeds(store, SETTINGS, force=True, policy=AddressPolicy(), limits=LIMITS)
    assert report.errors == {
        by_name: "refused: localhost.test resolves to 127.0.0.1, a loopback address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true",
        by_address: "refused: 127.0.0.1 is a loopback address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true",
    }
    assert dialled == [] and feed_server.log == []


def test_every_hostile_case_at_once_in_one_poll(feed_server, store, dialled, dns):
    """All cases share one poll (and one client) with the good feed: none holds up the rest
    beyond the slowest single budget, and each gets its own outcome. (Memory is measured per
    case above; with every case at once the poll may also hand parsing to worker processes.)"""
    feed_server.add(GOOD_PATH, good_feed())
    good = feed_server.url(GOOD_PATH)
    store.add_feed(good)
    urls = {}
    for case in CASES:
        urls[case.name] = case.serve(feed_server)
        store.add_feed(urls[case.name])
    started = time.monotonic()
    report = poll_feeds(store, SETTINGS, force=True, policy=POLICY, limits=LIMITS_ALL)
    assert len(report.outcomes) == len(CASES) + 1
    assert time.monotonic() - started < SECONDS_BOUND + LIMITS_ALL.total
    assert set(dialled) <= {"127.0.0.1"}
    assert titles_of(store, good) == GOOD_TITLES
    for case in CASES:
        row = store.get_feed(urls[case.name])
        if case.error:
            assert row.last_error, case.name
            # 30 MB of capped bodies share this poll's CPU (and the in-process server's) with
            # everything else: on a busy machine the time budget may end them before the cap does
            busy = case.name.startswith(("50 MB", "gzip bomb")) and row.last_error.startswith("timed out")
            assert busy or re.fullmatch(case.error, row.last_error), (case.name, row.last_error)
        else:
            assert row.last_error is None and len(titles_of(store, urls[case.name])) == case.articles


def test_each_failure_is_one_structured_log_line(feed_server, store, dialled, dns, caplog):
    """One line per failed feed, with its URL and reason as key=value pairs."""
    feed_server.add(GOOD_PATH, good_feed())
    store.add_feed(feed_server.url(GOOD_PATH))
    html = next(c for c in CASES if c.name == "HTML page").serve(feed_server)
    store.add_feed(html)
    store.add_feed("file:///etc/passwd")
    with caplog.at_level(logging.INFO, logger="aibrief.poll"):
        poll_feeds(store, SETTINGS, force=True, policy=POLICY, limits=LIMITS)
    failed = [r.getMessage() for r in caplog.records if r.name == "aibrief.poll" and r.levelno == logging.WARNING]
    assert sorted(failed) == sorted([
        f"feed failed feed={html} errors=1 reason='not a feed (got an HTML page)'",
        "feed failed feed=file:///etc/passwd errors=1 reason=\"unsupported URL scheme 'file'\"",
    ])
    assert all("\n" not in line for line in failed)
    polled = [r.getMessage() for r in caplog.records if r.getMessage().startswith("feed polled ")]
    assert polled == [f"feed polled feed={feed_server.url(GOOD_PATH)} status=200 new=3 not_modified=False"]


def test_the_entry_trim_keeps_the_document_well_formed():
    """The 100,000-entry feed is cut before feedparser, which then parses it strictly (no bozo)."""
    from datetime import datetime, timezone

    from bot.feeds.parse import parse_feed
    from bot.feeds.budget import MAX_DOCUMENT_ENTRIES, trim_entries

    doc = hostile_cases.rss("".join(hostile_cases.item(i) for i in range(MAX_DOCUMENT_ENTRIES + 300)))
    trimmed, dropped = trim_entries(doc)
    assert dropped == 300 and trimmed.endswith(b"</channel></rss>")
    assert trimmed.count(b"<item>") == MAX_DOCUMENT_ENTRIES
    parsed = parse_feed(doc, {"content-type": "application/rss+xml"}, feed_url="http://example.com/f", fetched_at=datetime.now(timezone.utc))
    assert parsed.error is None and parsed.bozo is None and len(parsed.articles) == 500
    # at or under the limit, and UTF-16, the bytes pass untouched
    small = hostile_cases.rss(hostile_cases.item(1))
    assert trim_entries(small) == (small, 0)
    wide = doc.decode().replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    assert trim_entries(wide) == (wide, 0)
