"""parse_feed over the bundled samples and over hostile or broken documents."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

import pytest

from bot.feeds.parse import MAX_ENTRIES, parse_feed
from bot.feeds.samples import sample_feeds
from bot.feeds.xmlguard import inspect_prolog

FETCHED = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
FEED = "https://news.example/feed.xml"
XML_HEADERS = {"Content-Type": "application/rss+xml"}

SEED_TALKS = "US and China to Hold Discussions on AI Risks and Security"
SEED_TRAVEL = "China tells its AI leaders to avoid US travel over security concerns: report"


def parse(content, headers=XML_HEADERS, **kw):
    return parse_feed(content, headers, feed_url=kw.pop("feed_url", FEED), fetched_at=FETCHED, **kw)


def rss(items: str, *, prolog: str = '<?xml version="1.0" encoding="utf-8"?>\n') -> bytes:
    return (prolog + "<rss version=\"2.0\"><channel><title>T</title><link>https://news.example/</link>"
            + items + "</channel></rss>").encode("utf-8")


def item(n: int, *, date: str | None = None, guid: str | None = None) -> str:
    pub = f"<pubDate>{date}</pubDate>" if date else ""
    g = f"<guid>{guid}</guid>" if guid else ""
    return f"<item><title>Item {n}</title><link>https://news.example/{n}</link>{g}{pub}</item>"


# ---- the bundled samples -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def samples():
    return {s.name: (s, parse_feed(s.content, s.headers, feed_url=s.url, fetched_at=FETCHED, source=s.title))
            for s in sample_feeds()}


EXPECTED_COUNTS = {
    "govinfosecurity.xml": 1, "dawn.xml": 1, "reuters-technology.xml": 1, "circuit-ledger.xml": 11,
    "securelog.xml": 11, "policy-wire.xml": 9, "le-veilleur.xml": 6, "asia-tech-watch.xml": 6,
    "east-asia-brief.xml": 4,
}


def test_every_sample_parses_cleanly(samples):
    assert {name: len(parsed.articles) for name, (_, parsed) in samples.items()} == EXPECTED_COUNTS
    for name, (sample, parsed) in samples.items():
        assert parsed.error is None, name
        assert parsed.bozo is None, (name, parsed.bozo)
        assert parsed.title
        for a in parsed.articles:
            assert a.source == sample.title and a.feed_url == sample.url
            assert a.published.tzinfo is not None and a.published.utcoffset().total_seconds() == 0
            assert datetime(2024, 1, 1, tzinfo=timezone.utc) <= a.published <= FETCHED
            assert a.url.startswith("https://") and "utm_" not in a.url and "fbclid" not in a.url
            for text in (a.title, a.summary):
                assert text == text.strip() and "  " not in text
                assert not re.search(r"<[a-zA-Z/!]", text), text  # no markup left
                assert not re.search(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", text), text  # no undecoded entities
            assert "this must never show" not in a.summary and "color:red" not in a.summary


def test_sample_dedupe_keys_are_unique(samples):
    keys = [a.dedupe_key for _, parsed in samples.values() for a in parsed.articles]
    assert len(keys) == len(set(keys)) == 50


def test_the_two_seed_stories(samples):
    [talks] = samples["govinfosecurity.xml"][1].articles
    assert talks.title == SEED_TALKS
    assert talks.published == datetime(2024, 5, 10, 15, 0, tzinfo=timezone.utc)
    assert talks.url == "https://www.govinfosecurity.com/us-china-to-hold-discussions-on-ai-risks-security-a-25170"
    assert talks.summary.startswith("White House Announces High-Level Talks With Beijing")
    assert '"not focused on promoting any technical cooperation"' in talks.summary
    assert talks.author == "Chris Riotta"

    [dawn] = samples["dawn.xml"][1].articles
    [reuters] = samples["reuters-technology.xml"][1].articles
    assert dawn.title == SEED_TRAVEL
    assert dawn.published == datetime(2025, 3, 1, 7, 39, tzinfo=timezone.utc)  # 12:39 +0500
    assert dawn.url == ("https://www.dawn.com/news/1875421/"
                        "china-tells-its-ai-leaders-to-avoid-us-travel-over-security-concerns-report")
    assert dawn.source == "Dawn" and reuters.source == "Reuters"
    # the same story from two outlets: different links and keys, near-identical titles
    assert reuters.url != dawn.url and reuters.dedupe_key != dawn.dedupe_key
    assert reuters.title.startswith("China tells its AI leaders to avoid US travel over security concerns")
    assert "Wall Street Journal" in dawn.summary and "Wall Street Journal" in reuters.summary


def test_samples_cover_what_matching_and_clustering_need(samples):
    articles = [a for _, parsed in samples.values() for a in parsed.articles]
    text = {a.url: a.title + " " + a.summary for a in articles}
    said_not_ai = [u for u, t in text.items() if re.search(r"\bsaid\b", t) and not re.search(r"\bAI\b", t)]
    assert len(said_not_ai) >= 4
    deepseek = [a for a in articles if "DeepSeek" in a.title]
    assert len({a.url for a in deepseek}) >= 3  # several different DeepSeek stories
    senators = [a for a in articles if "senators propose ban on Chinese AI models" in a.title]
    assert {a.source for a in senators} == {"Policy Wire", "The Circuit Ledger"}
    years = {a.published.year for a in articles}
    assert years == {2024, 2025, 2026}
    assert len(articles) - 3 >= 40  # invented items besides the seed copies


def test_non_ascii_survives(samples):
    titles = {a.title for _, parsed in samples.values() for a in parsed.articles}
    summaries = " ".join(a.summary for _, parsed in samples.values() for a in parsed.articles)
    assert "Sommet pour l'action sur l'IA à Paris : la sécurité au cœur des débats" in titles  # windows-1252 file
    assert "韩国国会通过《人工智能基本法》" in titles
    assert "ليلى الحسيني" in summaries
    assert "€20 million" in summaries  # &euro;&nbsp; decoded and the nbsp collapsed


def test_sample_parse_cost(samples):
    started = time.perf_counter()
    for s in sample_feeds():
        parse_feed(s.content, s.headers, feed_url=s.url, fetched_at=FETCHED)
    assert time.perf_counter() - started < 0.5  # ~25 ms measured for all eight


# ---- entity expansion and other hostile prologs ------------------------------------------------------

BOMB_ITEMS = "<item><title>&big;</title><description>" + "&big;" * 20_000 + "</description></item>"
INTERNAL_SUBSET = '<!DOCTYPE rss [\n<!ENTITY big "' + "x" * 10_000 + '">\n]>\n'


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(rss(BOMB_ITEMS, prolog='<?xml version="1.0"?>\n' + INTERNAL_SUBSET), id="classic"),
        pytest.param(rss(BOMB_ITEMS, prolog='<?xml version="1.0"?>' + INTERNAL_SUBSET.replace("\n", "")), id="one-line"),
        pytest.param(rss(BOMB_ITEMS, prolog="<!-- <b> a comment first -->" + INTERNAL_SUBSET), id="after-comment"),
        pytest.param(rss(BOMB_ITEMS, prolog='<!doctype rss [<!entity big "boom">]>'), id="lower-case"),
        pytest.param(rss(BOMB_ITEMS, prolog='<!ENTITY big "no doctype at all">'), id="bare-entity"),
        pytest.param(rss(BOMB_ITEMS, prolog="<!DOCTYPE rss [ ]>"), id="empty-subset"),
        pytest.param(rss(BOMB_ITEMS, prolog='<?xml version="1.0" encoding="utf-16"?>' + INTERNAL_SUBSET)
                     .decode().encode("utf-16"), id="utf-16-bom"),
        pytest.param(rss(BOMB_ITEMS, prolog='<?xml version="1.0" encoding="utf-16le"?>' + INTERNAL_SUBSET)
                     .decode().encode("utf-16-le"), id="utf-16le-no-bom"),
        pytest.param(rss(BOMB_ITEMS, prolog='<?xml version="1.0" encoding="utf-16be"?>' + INTERNAL_SUBSET)
                     .decode().encode("utf-16-be"), id="utf-16be-no-bom"),
        pytest.param(rss(BOMB_ITEMS, prolog='<?xml version="1.0" encoding="utf-32"?>' + INTERNAL_SUBSET)
                     .decode().encode("utf-32"), id="utf-32"),
        pytest.param(rss("<item><title>x</title></item>", prolog='<?xml version="1.0" encoding="cp037"?>'
                         + INTERNAL_SUBSET[:40] + '">]>').decode().encode("cp037"), id="ebcdic"),
    ],
)
def test_documents_declaring_entities_are_refused_unparsed(document):
    started = time.perf_counter()
    result = parse(document)
    assert result.articles == []
    assert result.error.startswith("refused: the document declares")
    assert time.perf_counter() - started < 0.05  # feedparser alone needed seconds and 600 MB for these


def test_entity_declared_in_a_charset_only_the_header_names_is_refused():
    # EBCDIC without an XML declaration: nothing in the bytes says so, only the HTTP header.
    doc = rss("<item><title>&big;</title></item>", prolog=INTERNAL_SUBSET[:60] + '">]>').decode().encode("cp037")
    assert b"<!ENTITY" not in doc
    assert parse(doc, {"content-type": "application/xml; charset=cp037"}).error.startswith("refused: the document")


def test_utf7_is_refused():
    doc = b'<?xml version="1.0" encoding="utf-7"?>+ADw-!DOCTYPE rss +AFs-+ADw-!ENTITY a +ACI-b+ACI-+AD4-+AF0-+AD4-<rss/>'
    assert parse(doc).error == "refused: UTF-7 encoded XML is not accepted"
    assert parse(rss(""), {"content-type": "application/xml; charset=UTF-7"}).error.startswith("refused: UTF-7")


def test_external_doctype_is_fine_and_entity_text_inside_items_is_fine():
    netscape = ('<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
                '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n')
    result = parse(rss(item(1), prolog=netscape))
    assert result.error is None and [a.title for a in result.articles] == ["Item 1"]
    xxe = ("<item><title>How XXE works</title><link>https://news.example/xxe</link><description><![CDATA["
           '<pre>&lt;!ENTITY xxe SYSTEM "file:///etc/passwd"&gt;</pre> and literally <!ENTITY x "y"> in CDATA'
           "]]></description></item>")
    result = parse(rss(xxe))
    assert result.error is None and result.articles[0].title == "How XXE works"


def test_a_long_prolog_without_a_root_is_refused():
    doc = b'<?xml version="1.0"?>' + b"<!-- " + b"x" * 300_000 + b" -->" + rss(item(1), prolog="")
    assert parse(doc).error == "refused: no root element in the first 256 KiB"


def test_prolog_inspection_reports_root_and_doctype():
    p = inspect_prolog(b'\xef\xbb\xbf<?xml version="1.0"?><?xml-stylesheet href="s.xsl"?><!-- c --><rdf:RDF>')
    assert p.root == "rdf:RDF" and p.root_local == "rdf" and p.error is None
    p = inspect_prolog(b"<!DOCTYPE html>\n<html lang=en>")
    assert p.doctype == "html" and p.root == "html"


# ---- not feeds -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document, headers",
    [
        (b"<!DOCTYPE html>\n<html><head><title>Home</title></head><body>Hi</body></html>", XML_HEADERS),
        (b"  \n<!-- generated -->\n<HTML><BODY>old school</BODY></HTML>", {}),
        (b"<!doctype html><head><meta charset=utf-8></head><p>no html tag", {}),
        (b"<head><title>x</title></head><body>y</body>", {"content-type": "text/html; charset=utf-8"}),
    ],
)
def test_html_pages_are_named_as_such(document, headers):
    result = parse(document, headers)
    assert result.error == "not a feed (got an HTML page)" and result.articles == []


@pytest.mark.parametrize("document", [None, b"", b"   \n\t ", b"\xef\xbb\xbf  "])
def test_empty_response(document):
    assert parse(document).error == "empty response"


def test_other_non_feeds():
    # An empty JSON Feed is a feed (see tests/test_jsonfeed.py); other JSON is not.
    assert parse(b'{"version": "https://jsonfeed.org/version/1.1", "items": []}').error is None
    assert parse(b'{"data": [1, 2]}').error == "not a feed (JSON, but not a JSON Feed: no jsonfeed.org version)"
    garbage = parse(b"hello, this is plain text")
    assert garbage.error.startswith("not a feed") and garbage.articles == []
    assert parse(b"<?xml version='1.0'?><note><to>you</to></note>").error.startswith("not a feed")


def test_bytes_that_look_like_a_path_are_never_opened():
    # feedparser.parse(b"/etc/hostname") would read that file; we always hand it a BytesIO.
    result = parse(b"/etc/hostname")
    assert result.error.startswith("not a feed") and result.articles == []


def test_bozo_but_recovered_keeps_the_entries():
    broken = rss(item(1) + "<item><title>Fish & chips</title><link>https://news.example/2</link></item>"
                 + item(3)).replace(b"</channel></rss>", b"")
    result = parse(broken)
    assert result.error is None
    assert result.bozo and len(result.bozo) <= 300
    assert [a.title for a in result.articles] == ["Item 1", "Fish & chips", "Item 3"]


def test_an_empty_but_valid_feed_is_not_an_error():
    result = parse(rss(""))
    assert result.error is None and result.articles == [] and result.title == "T"


# ---- caps, duplicates, links, source ------------------------------------------------------------------


def test_entry_cap_keeps_the_newest():
    days = [f"{d:02d}" for d in range(1, 29)]
    items = "".join(item(n, date=f"{days[n % 28]} Jan 2025 {n % 24:02d}:{n % 60:02d}:00 GMT") for n in range(600))
    result = parse(rss(items))
    assert len(result.articles) == MAX_ENTRIES
    kept = sorted(a.published for a in result.articles)
    all_dates = sorted(
        datetime(2025, 1, int(days[n % 28]), n % 24, n % 60, tzinfo=timezone.utc) for n in range(600))
    assert kept == all_dates[-MAX_ENTRIES:]


def test_entry_cap_without_dates_keeps_feed_order():
    result = parse(rss("".join(item(n) for n in range(520))))
    assert [a.title for a in result.articles] == [f"Item {n}" for n in range(MAX_ENTRIES)]
    assert len(parse(rss("".join(item(n) for n in range(20))), max_entries=5).articles) == 5


def test_duplicate_entries_within_a_feed_collapse():
    result = parse(rss(item(1, guid="g1") + item(2, guid="g1") + item(3)))
    assert [a.title for a in result.articles] == ["Item 1", "Item 3"]


def test_relative_links_resolve_against_the_feed_location():
    doc = rss("<item><title>Rel</title><link>/2025/rel.html</link></item>")
    assert parse(doc).articles[0].url == "https://news.example/2025/rel.html"
    moved = parse(doc, {"content-location": "https://moved.example/rss"})
    assert moved.articles[0].url == "https://moved.example/2025/rel.html"


def test_source_override_and_title():
    doc = rss(item(1)).replace(b"<title>T</title>", b"<title>Feed &amp; <![CDATA[<b>Co</b>]]></title>")
    result = parse(doc)
    assert result.title == "Feed & Co"
    assert result.articles[0].source == "Feed & Co"
    assert parse(doc, source="My name").articles[0].source == "My name"


def test_atom_with_content_only_and_xhtml():
    doc = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id><updated>2025-01-01T00:00:00Z</updated>
<link href="https://atom.example/"/>
<entry><title type="html">&lt;i&gt;Styled&lt;/i&gt; title</title><id>urn:a:1</id>
<link href="https://atom.example/1"/><updated>2025-01-02T03:04:05+01:00</updated>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Body <b>text</b></p></div></content></entry>
</feed>"""
    [a] = parse(doc, {"content-type": "application/atom+xml"}).articles
    assert a.title == "Styled title" and a.summary == "Body text"
    assert a.published == datetime(2025, 1, 2, 2, 4, 5, tzinfo=timezone.utc)
    assert a.dedupe_key == "guid:urn:a:1"
