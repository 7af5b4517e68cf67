"""OPML import/export, the bundled default feed list and the sample list."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.feeds.normalize import plain_text
from bot.feeds.opml import OpmlError, read_opml, write_opml
from bot.feeds.samples import sample_feeds

NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>My feeds</title></head>
  <body>
    <outline text="Security">
      <outline text="Krebs" title="Krebs on Security" type="rss" xmlUrl="https://krebsonsecurity.com/feed/"/>
      <outline text="Deeper">
        <outline text="Schneier" type="rss" xmlUrl="https://www.schneier.com/feed/atom/"/>
      </outline>
    </outline>
    <outline text="Odd exporter" xmlurl="http://lower.example/rss"/>
    <outline text="Dup" xmlUrl="https://krebsonsecurity.com/feed/"/>
    <outline text="Local file" xmlUrl="file:///etc/passwd"/>
    <outline text="Script" xmlUrl="javascript:alert(1)"/>
    <outline text="Relative" xmlUrl="relative.xml"/>
    <outline text="Folder without feeds"/>
    <outline text="  Spaced &amp; &lt;escaped&gt;  " xmlUrl=" https://spaced.example/feed "/>
  </body>
</opml>"""


def test_read_nested_outlines():
    assert read_opml(NESTED) == [
        ("https://krebsonsecurity.com/feed/", "Krebs on Security"),
        ("https://www.schneier.com/feed/atom/", "Schneier"),
        ("http://lower.example/rss", "Odd exporter"),
        ("https://spaced.example/feed", "Spaced & <escaped>"),
    ]


def test_relative_references_only_when_asked():
    urls = [u for u, _ in read_opml(NESTED, allow_relative=True)]
    assert "relative.xml" in urls
    assert "file:///etc/passwd" not in urls and "javascript:alert(1)" not in urls


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "the OPML file is empty"),
        (b"<opml><body><outline", "not valid XML"),
        (b"<rss version='2.0'><channel/></rss>", "not an OPML file (the root element is <rss>)"),
        (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
         b'<opml><body><outline text="&b;" xmlUrl="https://e.example/"/></body></opml>',
         "unsafe OPML: the document declares an internal DTD subset"),
        (b'<!ENTITY a "x"><opml/>', "unsafe OPML: the document declares XML entities"),
        (b'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "http://e.example/opml.dtd"><opml/>',
         "unsafe OPML: a DOCTYPE is not allowed in OPML"),
    ],
)
def test_bad_opml_is_refused_with_a_reason(data, message):
    with pytest.raises(OpmlError) as err:
        read_opml(data)
    assert str(err.value).startswith(message)


def test_write_opml_is_valid_opml_2():
    text = write_opml([("https://e.example/feed", "E & <co>"), ("https://f.example/rss", "")],
                      now=datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc))
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "aibrief feeds"
    assert root.findtext("head/dateCreated") == "Tue, 24 Nov 2026 12:00:00 GMT"
    outlines = root.findall("body/outline")
    assert [(o.get("xmlUrl"), o.get("title"), o.get("text"), o.get("type")) for o in outlines] == [
        ("https://e.example/feed", "E & <co>", "E & <co>", "rss"),
        ("https://f.example/rss", "https://f.example/rss", "https://f.example/rss", "rss"),
    ]


url_paths = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_/.?=&%", max_size=40)


@given(st.lists(st.tuples(url_paths, st.text(max_size=80)), max_size=15))
def test_write_then_read_round_trips(pairs):
    feeds = []
    seen = set()
    for i, (path, title) in enumerate(pairs):
        url = f"https://feed{i}.example/{path}"
        if url not in seen:
            seen.add(url)
            feeds.append((url, title))
    back = read_opml(write_opml(feeds).encode("utf-8"))
    assert back == [(url, plain_text(title, 200) or url) for url, title in feeds]


def test_default_feed_list():
    data = (resources.files("bot") / "data" / "default_feeds.opml").read_bytes()
    feeds = read_opml(data)
    urls = [u for u, _ in feeds]
    assert len(feeds) >= 15
    assert all(u.startswith("https://") for u in urls)
    assert len(set(urls)) == len(urls)
    assert all(title for _, title in feeds)
    assert "https://krebsonsecurity.com/feed/" in urls


def test_sample_list_names_existing_files():
    samples = sample_feeds()
    assert [s.name for s in samples] == [
        "govinfosecurity.xml", "dawn.xml", "reuters-technology.xml", "circuit-ledger.xml", "securelog.xml",
        "policy-wire.xml", "le-veilleur.xml", "asia-tech-watch.xml", "east-asia-brief.xml",
    ]
    assert all(s.content.lstrip().startswith(b"<?xml") for s in samples)
    assert all(s.url.startswith("https://samples.aibrief.invalid/") for s in samples)
    assert samples[1].title == "Dawn"
