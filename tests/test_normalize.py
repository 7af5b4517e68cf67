"""normalize: HTML → plain text, canonical URLs, dedupe keys, feedparser entries → Articles."""

from __future__ import annotations

import html
import time
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.feeds.normalize import (
    canonical_url,
    dedupe_key,
    entry_to_article,
    html_to_text,
    plain_text,
    truncate,
)

FETCHED = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
FEED = "https://news.example/feed.xml"


# ---- html_to_text / plain_text ------------------------------------------------------------------


@pytest.mark.parametrize(
    "source, expected",
    [
        ("<p>First&nbsp;para.</p><p>Second&amp;third</p>", "First para. Second&third"),
        ("foo<b>bar</b> <i>baz</i>", "foobar baz"),
        ("line<br>break<br/>again", "line break again"),
        ("<ul><li>one</li><li>two</li></ul>", "one two"),
        ("Smart&#8217;s &ldquo;quote&rdquo; &#x2014; &euro;5", "Smart’s “quote” — €5"),
        ("<script>alert('x')</script>kept<style>p{color:red}</style>", "kept"),
        ("<p>before</p><script>var never = 'closed'; <p>not text</p>", "before"),
        ('<img src="x.png" alt="an image">caption', "caption"),
        ('<a href="https://e.example/?a=1&amp;b=2">link text</a>', "link text"),
        ("  lots \n\n of\t\twhitespace  ", "lots of whitespace"),
        ("no markup at all", "no markup at all"),
        ("", ""),
        (None, ""),
        ("<!-- comment -->visible", "visible"),
        ("Unknown &bogus; entity", "Unknown &bogus; entity"),
    ],
)
def test_html_to_text(source, expected):
    assert html_to_text(source, 500) == expected


def test_html_to_text_caps_with_an_ellipsis_at_a_word():
    text = html_to_text("<p>" + "word " * 200 + "</p>", 50)
    assert len(text) <= 50
    assert text.endswith("word…")


def test_a_megabyte_of_html_costs_little():
    big_title = "<b>" + "Enormous title text " * 52_000 + "</b>"  # ~1 MB
    big_script = "<script>" + "x" * 1_000_000 + "</script>After"
    started = time.perf_counter()
    title = html_to_text(big_title, 300)
    script = html_to_text(big_script, 300)
    took = time.perf_counter() - started
    assert 240 <= len(title) <= 300 and title.startswith("Enormous title text")
    assert script == ""  # the text after a 1 MB script is past the input cap
    assert took < 0.1


def test_plain_text_keeps_angle_brackets_and_drops_control_characters():
    assert plain_text("Alert <!channel> & x < y\x00\x07 done\u2028now", 100) == "Alert <!channel> & x < y done now"


@given(st.text(max_size=300))
def test_escaped_text_round_trips_through_html_to_text(text):
    assert html_to_text("<p>" + html.escape(text) + "</p>", 10_000) == plain_text(text, 10_000)


@given(st.text(max_size=400), st.integers(min_value=1, max_value=120))
def test_truncate_never_exceeds_the_limit(text, limit):
    out = truncate(text, limit)
    assert len(out) <= limit
    if len(text) <= limit:
        assert out == text
    else:
        assert out.endswith("…") or limit == 1


# ---- canonical_url -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, base, expected",
    [
        ("HTTPS://News.Example.COM/Path/A?b=2&a=1#frag", None, "https://news.example.com/Path/A?a=1&b=2"),
        ("https://e.example/a?utm_source=rss&utm_medium=feed&id=7", None, "https://e.example/a?id=7"),
        ("https://e.example/a?fbclid=x&gclid=y&mc_cid=1&mc_eid=2&_hsenc=3&ref=rss&UTM_Campaign=z", None,
         "https://e.example/a"),
        ("https://e.example/a?reference=keep&refresh=1", None, "https://e.example/a?reference=keep&refresh=1"),
        ("http://e.example:80/x", None, "http://e.example/x"),
        ("https://e.example:443/x", None, "https://e.example/x"),
        ("https://e.example:8443/x", None, "https://e.example:8443/x"),
        ("https://user:secret@e.example/x", None, "https://e.example/x"),
        ("https://e.example", None, "https://e.example/"),
        ("/2025/03/story", "https://e.example/feed.xml", "https://e.example/2025/03/story"),
        ("story.html", "https://e.example/news/feed.xml", "https://e.example/news/story.html"),
        ("//cdn.example/x", "https://e.example/", "https://cdn.example/x"),
        ("https://[2001:DB8::1]:8080/x", None, "https://[2001:db8::1]:8080/x"),
        ("https://e.example/a b/ü?q=ä ö", None, "https://e.example/a%20b/%C3%BC?q=%C3%A4%20%C3%B6"),
        ("https://e.example/already%20encoded", None, "https://e.example/already%20encoded"),
        ("  https://e.example/x\n", None, "https://e.example/x"),
        ("javascript:alert(1)", "https://e.example/", None),
        ("mailto:someone@e.example", None, None),
        ("data:text/html,<b>x</b>", None, None),
        ("ftp://e.example/file", None, None),
        ("relative/only", None, None),
        ("http://", None, None),
        ("https://e.example:99999/", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_canonical_url(url, base, expected):
    assert canonical_url(url, base) == expected


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_canonical_url_is_idempotent(tail):
    first = canonical_url("https://Example.COM/" + tail)
    if first is not None:
        assert canonical_url(first) == first


# ---- dedupe_key ------------------------------------------------------------------------------------


def test_dedupe_key_prefers_guid_then_url_then_hash():
    assert dedupe_key("tag:e.example,2025:1", "https://e.example/x", "t", "s") == "guid:tag:e.example,2025:1"
    assert dedupe_key("  ", "https://E.example/x?utm_source=a#f", "t", "s") == "url:https://e.example/x"
    hashed = dedupe_key(None, None, "Title", "Summary")
    assert hashed.startswith("hash:") and len(hashed) == 5 + 32
    assert hashed == dedupe_key("", "javascript:void(0)", "Title", "Summary")
    assert hashed != dedupe_key(None, None, "Title", "Other summary")
    # the title/summary boundary matters: ("ab", "c") is not ("a", "bc")
    assert dedupe_key(None, None, "ab", "c") != dedupe_key(None, None, "a", "bc")


def test_feed_local_guids_are_scoped_to_their_feed():
    assert dedupe_key("42", None, "t", "s", feed_url=FEED) == f"guid:{FEED} 42"
    assert dedupe_key("42", None, "t", "s", feed_url="https://other.example/rss") != dedupe_key(
        "42", None, "t", "s", feed_url=FEED)
    # URLs, URNs, tag: URIs and UUIDs are global already
    assert dedupe_key("https://e.example/p/1", None, "t", "s", feed_url=FEED) == "guid:https://e.example/p/1"
    uuid = "6f1c2a52-8e7d-4c0b-9a51-2f3d8a1b7c10"
    assert dedupe_key(uuid, None, "t", "s", feed_url=FEED) == "guid:" + uuid


def test_enormous_guids_are_hashed():
    key = dedupe_key("urn:x:" + "a" * 5000, None, "t", "s")
    assert key.startswith("guid:sha256=") and len(key) < 100


# ---- entry_to_article ------------------------------------------------------------------------------


def stamp(when: datetime) -> time.struct_time:
    return when.astimezone(timezone.utc).timetuple()


def entry(**fields) -> dict:
    base = {
        "title": "A headline",
        "title_detail": {"type": "text/plain"},
        "summary": "<p>Some <b>summary</b> text.</p>",
        "summary_detail": {"type": "text/html"},
        "link": "https://news.example/story?utm_source=rss",
        "id": "tag:news.example,2025:story",
        "published_parsed": stamp(datetime(2025, 3, 1, 7, 39, tzinfo=timezone.utc)),
        "author": "Jane Doe",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def test_entry_to_article_basics():
    a = entry_to_article(entry(), "News Example", FEED, FETCHED)
    assert a.title == "A headline"
    assert a.summary == "Some summary text."
    assert a.url == "https://news.example/story"
    assert a.published == datetime(2025, 3, 1, 7, 39, tzinfo=timezone.utc)
    assert a.published.tzinfo is timezone.utc
    assert a.source == "News Example" and a.feed_url == FEED
    assert a.guid == "tag:news.example,2025:story"
    assert a.dedupe_key == "guid:tag:news.example,2025:story"
    assert a.author == "Jane Doe"


def test_times():
    soon = FETCHED + timedelta(hours=12)
    far = FETCHED + timedelta(days=3)
    assert entry_to_article(entry(published_parsed=stamp(soon)), "N", FEED, FETCHED).published == soon
    assert entry_to_article(entry(published_parsed=stamp(far)), "N", FEED, FETCHED).published == FETCHED
    assert entry_to_article(entry(published_parsed=None), "N", FEED, FETCHED).published == FETCHED
    updated = datetime(2024, 5, 10, 15, 0, tzinfo=timezone.utc)
    assert entry_to_article(entry(published_parsed=None, updated_parsed=stamp(updated)), "N", FEED,
                            FETCHED).published == updated
    naive = datetime(2026, 11, 24, 12, 0)  # taken as UTC
    assert entry_to_article(entry(published_parsed=None), "N", FEED, naive).published == FETCHED
    broken = (2025, 13, 45, 0, 0, 0, 0, 0, 0)
    assert entry_to_article(entry(published_parsed=broken), "N", FEED, FETCHED).published == FETCHED


def test_text_caps():
    a = entry_to_article(entry(title="T" * 5000 + " end", summary="word " * 2000), "S" * 500, FEED, FETCHED)
    assert len(a.title) <= 300 and a.title.endswith("…")
    assert len(a.summary) <= 2000 and a.summary.endswith("…")
    assert len(a.source) <= 100


def test_declared_types_decide_what_is_html():
    plain = entry_to_article(entry(title="Why x <b> y & <!channel>"), "N", FEED, FETCHED)
    assert plain.title == "Why x <b> y & <!channel>"  # text/plain: literal text, escaped later for Slack
    htmlish = entry_to_article(entry(title="Big <b>news</b> &amp; more", title_detail={"type": "text/html"}),
                               "N", FEED, FETCHED)
    assert htmlish.title == "Big news & more"


def test_summary_preferred_then_content():
    content = [{"type": "text/html", "value": "<p>From content</p>"}]
    assert entry_to_article(entry(content=content), "N", FEED, FETCHED).summary == "Some summary text."
    assert entry_to_article(entry(summary=None, content=content), "N", FEED, FETCHED).summary == "From content"


def test_entries_without_text_are_dropped_and_missing_titles_derived():
    assert entry_to_article(entry(title=None, summary=None), "N", FEED, FETCHED) is None
    assert entry_to_article(entry(title="  ", summary="<p> </p>"), "N", FEED, FETCHED) is None
    derived = entry_to_article(entry(title=None, summary="Only a summary. " * 20), "N", FEED, FETCHED)
    assert derived.title.startswith("Only a summary.") and len(derived.title) <= 120


def test_links():
    relative = entry_to_article(entry(link="/2025/story"), "N", FEED, FETCHED)
    assert relative.url == "https://news.example/2025/story"
    from_links = entry_to_article(entry(link=None, links=[{"rel": "alternate", "href": "https://news.example/alt"}]),
                                  "N", FEED, FETCHED)
    assert from_links.url == "https://news.example/alt"
    permalink = entry_to_article(entry(link=None, id="https://news.example/p/9"), "N", FEED, FETCHED)
    assert permalink.url == "https://news.example/p/9"

    # No usable link of its own: fall back to the feed's home page, but never dedupe by it.
    js = entry(link="javascript:alert(1)", id=None)
    fallback = entry_to_article(js, "N", FEED, FETCHED, feed_link="https://news.example/")
    assert fallback.url == "https://news.example/"
    assert fallback.dedupe_key.startswith("hash:")
    other = entry_to_article(entry(link="javascript:alert(2)", id=None, title="Another"), "N", FEED, FETCHED,
                             feed_link="https://news.example/")
    assert other.dedupe_key != fallback.dedupe_key
    # ...and with no usable link anywhere the entry is dropped.
    assert entry_to_article(js, "N", FEED, FETCHED) is None
    assert entry_to_article(js, "N", FEED, FETCHED, feed_link="file:///etc/passwd") is None


def test_source_falls_back_to_the_feed_host():
    assert entry_to_article(entry(), "", FEED, FETCHED).source == "news.example"
    assert entry_to_article(entry(), "<b>Bold</b> name", FEED, FETCHED).source == "<b>Bold</b> name"


@settings(max_examples=200)
@given(
    title=st.one_of(st.none(), st.text(max_size=500)),
    summary=st.one_of(st.none(), st.text(max_size=3000)),
    link=st.one_of(st.none(), st.text(max_size=80), st.just("https://e.example/x")),
    guid=st.one_of(st.none(), st.text(max_size=80)),
)
def test_any_entry_gives_a_valid_article_or_none(title, summary, link, guid):
    a = entry_to_article(entry(title=title, summary=summary, link=link, id=guid, title_detail={"type": "text/html"}),
                         "Feed", FEED, FETCHED)
    if a is None:
        return
    assert a.title and len(a.title) <= 300 and len(a.summary) <= 2000
    assert a.url.startswith(("http://", "https://"))
    assert a.dedupe_key.split(":", 1)[0] in ("guid", "url", "hash")
    assert a.published.tzinfo is not None
