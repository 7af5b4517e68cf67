"""fastparse: the direct RSS/Atom reader must give exactly what feedparser gives, or decline.

Each comparison runs the real `parse_feed` twice — once as shipped (fast path first) and
once with the fast path switched off (feedparser for everything) — and asserts the
ParsedFeeds are equal, so any divergence in titles, summaries, links, ids, dates or
authors shows up as a failing document.
"""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.feeds.parse as parse_module
from bot.feeds.fastparse import fast_parse
from bot.feeds.parse import parse_feed
from bot.feeds.samples import sample_feeds

FETCHED = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
FEED = "https://news.example/feeds/main.xml"
RSS = {"content-type": "application/rss+xml; charset=utf-8"}
ATOM = {"content-type": "application/atom+xml"}


def both(content: bytes, headers: dict, monkeypatch, **kw):
    """(fast-path result, feedparser-only result) of the real parse_feed."""
    args = dict(feed_url=kw.pop("feed_url", FEED), fetched_at=FETCHED, **kw)
    fast = parse_feed(content, headers, **args)
    with monkeypatch.context() as m:
        m.setattr(parse_module, "fast_parse", lambda *a, **k: None)
        slow = parse_feed(content, headers, **args)
    return fast, slow


def test_bundled_samples_read_the_same_and_mostly_take_the_fast_path(monkeypatch):
    taken = 0
    for s in sample_feeds():
        fast, slow = both(s.content, s.headers, monkeypatch, feed_url=s.url, source=s.title)
        assert fast == slow, s.name
        taken += fast_parse(s.content, s.headers["content-type"], s.url) is not None
    assert taken >= 6  # the windows-1252 sample goes to feedparser


def rss_doc(items: list[str], *, channel_extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom">'
        "<channel><title>News &amp; <![CDATA[<b>Views</b>]]></title><link>/home</link>"
        '<atom:link href="https://news.example/feeds/main.xml" rel="self" type="application/rss+xml"/>'
        + channel_extra + "".join(items) + "</channel></rss>"
    ).encode("utf-8")


def atom_doc(entries: list[str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:media="http://search.yahoo.com/mrss/"><title type="html">A &amp;lt;i&amp;gt;feed&amp;lt;/i&amp;gt;</title>'
        '<id>urn:feed</id><updated>2025-01-01T00:00:00Z</updated><link href="/"/><link rel="self" href="/feed"/>'
        + "".join(entries) + "</feed>"
    ).encode("utf-8")


# Text as feeds write it: entities, markup (escaped or CDATA), typographic and C1 characters,
# UTF-8 that was read as Latin-1 once ("Ã©"), stray whitespace.
TEXT = st.lists(
    st.sampled_from(
        ["AI", "chip", "exports", "&amp;", "&lt;b&gt;bold&lt;/b&gt;", "&lt;p&gt;para&lt;/p&gt;", "’s", "“q”",
         "Ã©tÃ©", "\u0093x\u0094", "&#8217;", "&#x2014;", "  ", "\n", "<![CDATA[<i>it</i> & co]]>", "a < b",
         "&lt;script&gt;bad()&lt;/script&gt;", "naïve", "https://x.example/a?b=1&amp;c=2"]
    ),
    max_size=12,
).map(" ".join)
LINK = st.sampled_from(
    ["https://news.example/a/1", "/rel/2", "rel3.html", "https://news.example/p?utm_source=x&amp;id=4",
     "javascript:alert(1)", "", "  https://news.example/ws  ", "https://news.example/e?a=1&amp;amp;b=2"]
)
GUID = st.sampled_from(["", "12345", "https://news.example/g/1", "tag:news.example,2025:7", "/g/rel", "urn:uuid:abc"])
DATE = st.sampled_from(
    ["Fri, 28 Feb 2025 17:03:00 +0000", "2025-02-28T10:00:00Z", "28 Feb 2025", "garbage", "", "Mon, 01 Jan 3025 00:00:00 GMT"]
)


@st.composite
def rss_item(draw) -> str:
    parts = []
    if draw(st.booleans()):
        parts.append(f"<title>{draw(TEXT)}</title>")
    if draw(st.booleans()):
        parts.append(f"<link>{draw(LINK)}</link>")
    if draw(st.booleans()):
        perma = draw(st.sampled_from(["", ' isPermaLink="false"', ' isPermaLink="true"', ' ispermalink="False"']))
        parts.append(f"<guid{perma}>{draw(GUID)}</guid>")
    if draw(st.booleans()):
        parts.append(f"<pubDate>{draw(DATE)}</pubDate>")
    if draw(st.booleans()):
        parts.append(f"<dc:date>{draw(DATE)}</dc:date>")
    if draw(st.booleans()):
        parts.append(f"<description>{draw(TEXT)}</description>")
    if draw(st.booleans()):
        parts.append(f"<content:encoded><![CDATA[<p>{draw(TEXT).replace(']]>', '')}</p>]]></content:encoded>")
    author = draw(st.sampled_from(["", "<author>jo@news.example (Jo Doe)</author>", "<dc:creator>Ann Ed</dc:creator>"]))
    extras = draw(st.sampled_from(["", "<category>AI</category>", '<media:content url="https://i.example/1.jpg"/>',
                                   '<enclosure url="https://x.example/a.mp3" type="audio/mpeg" length="1"/>',
                                   "<comments>/c/1</comments>"]))
    parts += [author, extras]
    order = draw(st.permutations(parts))
    return "<item>" + "".join(order) + "</item>"


@st.composite
def atom_entry(draw) -> str:
    parts = []
    if draw(st.booleans()):
        kind = draw(st.sampled_from(["", ' type="text"', ' type="html"']))
        parts.append(f"<title{kind}>{draw(TEXT)}</title>")
    for _ in range(draw(st.integers(0, 2))):
        rel = draw(st.sampled_from(["", ' rel="alternate"', ' rel="enclosure"', ' rel="Alternate"', ' rel="related"']))
        kind = draw(st.sampled_from(["", ' type="text/html"', ' type="application/pdf"']))
        parts.append(f'<link{rel}{kind} href="{escape(draw(LINK).strip())}"/>')
    if draw(st.booleans()):
        parts.append(f"<id>{draw(GUID)}</id>")
    if draw(st.booleans()):
        parts.append(f"<published>{draw(DATE)}</published>")
    if draw(st.booleans()):
        parts.append(f"<updated>{draw(DATE)}</updated>")
    if draw(st.booleans()):
        kind = draw(st.sampled_from(["", ' type="html"', ' type="text"']))
        parts.append(f"<summary{kind}>{draw(TEXT)}</summary>")
    if draw(st.booleans()):
        kind = draw(st.sampled_from(["html", "text", "xhtml"]))
        if kind == "xhtml":
            body = f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{escape(draw(TEXT))}</p><p>two <b>bold</b></p></div>'
        else:
            body = draw(TEXT)
        parts.append(f'<content type="{kind}">{body}</content>')
    parts.append(draw(st.sampled_from(["", "<author><name>Jo</name></author>",
                                       "<author><name>Jo</name><email>jo@x.example</email></author>",
                                       "<author><email>e@x.example</email></author>", "<category term='x'/>"])))
    return "<entry>" + "".join(draw(st.permutations(parts))) + "</entry>"



@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(rss_item(), min_size=1, max_size=6))
def test_rss_reads_as_feedparser_reads_it(monkeypatch, items):
    doc = rss_doc(items)
    fast, slow = both(doc, RSS, monkeypatch)
    assert fast == slow


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(atom_entry(), min_size=1, max_size=6))
def test_atom_reads_as_feedparser_reads_it(monkeypatch, entries):
    doc = atom_doc(entries)
    fast, slow = both(doc, ATOM, monkeypatch)
    assert fast == slow


def test_plain_feeds_do_take_the_fast_path():
    item = "<item><title>T</title><link>https://news.example/1</link></item>"
    assert fast_parse(rss_doc([item]), RSS["content-type"], FEED) is not None
    assert fast_parse(atom_doc(["<entry><title>T</title><id>urn:1</id></entry>"]), ATOM["content-type"], FEED)


@pytest.mark.parametrize(
    "doc, content_type",
    [
        # elements feedparser maps onto the fields we read
        (rss_doc(["<item><title>T</title><media:title>M</media:title></item>"]), RSS["content-type"]),
        (rss_doc(["<item><title>T</title><dc:title>D</dc:title></item>"]), RSS["content-type"]),
        (rss_doc(["<item><title>A</title><title>B</title></item>"]), RSS["content-type"]),
        (rss_doc(["<item><title>T <b>bold</b></title></item>"]), RSS["content-type"]),  # markup, not text
        (rss_doc([], channel_extra="<textInput><title>x</title></textInput>"), RSS["content-type"]),
        # encodings feedparser would flag or read differently
        (rss_doc(["<item><title>caf\u00e9</title></item>"]), "text/xml"),
        (rss_doc(["<item><title>T</title></item>"]), "text/html"),
        (rss_doc(["<item><title>T</title></item>"]), "application/rss+xml; charset=iso-8859-1"),
        ('<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>caf\xe9</title>'
         "</channel></rss>".encode("latin-1"), "application/rss+xml"),
        # not well-formed, or not plain RSS 2.0 / Atom 1.0
        (rss_doc(["<item><title>AT&T</title></item>"]), RSS["content-type"]),
        (b'<rss version="2.0" xml:base="https://b.example/"><channel><title>x</title></channel></rss>', RSS["content-type"]),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">'
         b"<channel><title>x</title></channel></rdf:RDF>", "application/rdf+xml"),
        (b'<rss version="2.0" xmlns="http://backend.userland.com/rss2"><channel><title>x</title></channel></rss>',
         RSS["content-type"]),
        (atom_doc(['<entry><content src="https://x.example/c"/></entry>']), ATOM["content-type"]),
        (atom_doc(['<entry><content type="application/octet-stream">aGk=</content></entry>']), ATOM["content-type"]),
    ],
)
def test_what_it_cannot_read_exactly_goes_to_feedparser(doc, content_type, monkeypatch):
    assert fast_parse(doc, content_type, FEED) is None
    fast, slow = both(doc, {"content-type": content_type}, monkeypatch)
    assert fast == slow
