"""Three feeds captured in the wild that aibrief used to refuse, rebuilt with the same shape
(tests/data/wild/): the same XML declaration, the same DOCTYPE, a JSON Feed. Each must be
read like feedparser reads it, parsed alone and polled end to end over loopback."""

from __future__ import annotations

import io
import random
from datetime import datetime, timezone
from ipaddress import ip_network
from pathlib import Path

import feedparser
import pytest

from bot.config import Settings
from bot.feeds.fetch import FetchLimits
from bot.feeds.netpolicy import AddressPolicy
from bot.feeds.parse import parse_feed
from bot.feeds.xmlguard import inspect_prolog
from bot.poll.poller import poll_feeds

WILD = Path(__file__).parent / "data" / "wild"
NOW = datetime(2025, 11, 4, tzinfo=timezone.utc)
CASES = [
    # file, content type, entries, what aibrief said before
    ("utf16-declared-utf8.xml", "application/rss+xml", 59, "refused: no root element in the first 256 KiB"),
    ("atom-doctype-html.xml", "application/atom+xml", 75, "not a feed (got an HTML page)"),
    ("jsonfeed-1.1.json", "application/feed+json", 30, "not a feed (JSON; only RSS and Atom are supported)"),
]


@pytest.mark.parametrize("name, content_type, entries, old_error", CASES)
def test_wild_feed_is_read(name, content_type, entries, old_error):
    data = (WILD / name).read_bytes()
    result = parse_feed(data, {"content-type": content_type}, feed_url="https://wild.example/feed", fetched_at=NOW)
    assert result.error is None, result.error
    assert len(result.articles) == entries
    assert len({a.dedupe_key for a in result.articles}) == entries
    assert all(a.url.startswith("https://") and a.title for a in result.articles)
    if name.endswith(".xml"):  # the same entries as plain `feedparser.parse(bytes)`
        ref = feedparser.parse(io.BytesIO(data))
        assert [a.title for a in result.articles] == [e.title for e in ref.entries]


def test_the_shapes_are_those_of_the_captures():
    utf16 = (WILD / "utf16-declared-utf8.xml").read_bytes()
    assert utf16.startswith(b'<?xml version="1.0" encoding="utf-16"?>') and len(utf16) > 256 * 1024
    utf16.decode("utf-8")  # it is UTF-8 throughout
    assert b"\x00" not in utf16
    atom = (WILD / "atom-doctype-html.xml").read_bytes()
    assert atom.split(b"\n")[:3] == [b'<?xml version="1.0" encoding="utf-8"?>', b"<!DOCTYPE html>",
                                     b'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">']


def test_mislabelled_utf16_keeps_its_text():
    data = (WILD / "utf16-declared-utf8.xml").read_bytes()
    result = parse_feed(data, {"content-type": "application/rss+xml"}, feed_url="https://wild.example/f", fetched_at=NOW)
    assert result.title == "Le Veilleur — à la une"
    assert result.articles[0].title.startswith("Café ministers’ brief №1")
    assert result.bozo and "utf-16" in result.bozo  # feedparser's CharacterEncodingOverride, kept for the logs


def test_mislabelled_utf16_is_read_whatever_its_length():
    # Plain feedparser reads the capture only because its odd length makes the UTF-16 reading
    # fail; one byte more and it reads noise (no entries). aibrief reads both, with or without
    # the HTTP Content-Type a poll passes on.
    data = (WILD / "utf16-declared-utf8.xml").read_bytes() + b"\n"
    assert feedparser.parse(io.BytesIO(data)).entries == []
    for headers in ({}, {"content-type": "application/rss+xml"}, {"content-type": "text/xml; charset=utf-16"}):
        result = parse_feed(data, headers, feed_url="https://wild.example/f", fetched_at=NOW)
        assert len(result.articles) == 59, headers


def test_a_real_utf16_internal_subset_is_still_refused():
    # The lie-tolerant reading must not open a way around the entity guard.
    doc = ('<?xml version="1.0" encoding="utf-16"?><!DOCTYPE rss [<!ENTITY a "b">]><rss/>').encode("utf-16")
    assert inspect_prolog(doc).error.startswith("refused: the document declares")
    lie = b'<?xml version="1.0" encoding="utf-16"?><!DOCTYPE rss [<!ENTITY a "b">]><rss/>'
    assert inspect_prolog(lie).error.startswith("refused: the document declares")


def test_a_doctype_html_page_is_still_a_page():
    page = b'<?xml version="1.0"?>\n<!DOCTYPE html>\n<html><body><feed>not really</feed></body></html>'
    assert parse_feed(page, {}, feed_url="https://wild.example/", fetched_at=NOW).error == "not a feed (got an HTML page)"


def test_the_three_are_polled_and_stored(feed_server, store):
    for name, content_type, _, _ in CASES:
        feed_server.add("/" + name, (WILD / name).read_bytes(), content_type=content_type)
        store.add_feed(feed_server.url("/" + name))
    store.add_watchlist("chips", "chip OR export")
    report = poll_feeds(store, Settings(poll_minutes=30), force=True,
                        policy=AddressPolicy(allowed_networks=(ip_network("127.0.0.1/32"),)),
                        limits=FetchLimits(connect=2.0, read=2.0, total=5.0), rng=random.Random(1), parse_workers=0)
    assert report.errors == {}
    assert sorted(len(o.new_article_ids) for o in report.outcomes) == [30, 59, 75]
    assert store.count_articles() == 164 and report.matches["chips"] > 0
