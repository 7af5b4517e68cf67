"""Differential test over feedparser's own test corpus: what feedparser reads, aibrief keeps.

The documents under tests/data/feedparser/ are the feedparser repository's test feeds
(see its README.md) for which plain `feedparser.parse` yields at least one entry: RSS
0.9x/1.0 (RDF)/2.0, Atom 0.3/1.0, CDF, odd encodings, xml:base, ill-formed documents. For
each, aibrief's reading stage (the prolog guard, the entry trimmer, the fast path or
feedparser with sanitizing off) must give the same entries — title, link, date — as plain
feedparser, and the articles it stores must be what its normalize stage makes of
feedparser's own entries. The only exceptions are listed in DIFFERENCES with the reason.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import pytest

from bot.feeds.normalize import TITLE_LIMIT, _entry_link, _text, entry_to_article, html_to_text, SOURCE_LIMIT
from bot.feeds.parse import newest, parse_feed, read_document

CORPUS = Path(__file__).parent / "data" / "feedparser"
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
_HEADER = re.compile(rb"^Header:\s+([^:]+):(.*)$", re.M)

# Documents where aibrief deliberately differs from plain feedparser, and why.
DIFFERENCES = {
    "wellformed/rss/entity_in_doctype.xml":
        "hostile: an internal DTD subset declaring an entity (entity expansion) is refused unparsed",
    "wellformed/sanitize/entry_title_crazy.xml":
        "hostile markup: feedparser's sanitizer drops <script>/<title> tags but keeps their text as the "
        "title; aibrief drops that text",
    "wellformed/sanitize/entry_title_object.xml":
        "hostile markup: feedparser's sanitizer keeps an <object> element's fallback text; aibrief drops it",
}


def _documents() -> list[Path]:
    return sorted(CORPUS.rglob("*.xml"))


def _headers(rel: str, data: bytes) -> dict[str, str]:
    """HTTP headers the way feedparser's harness serves a test: `http` documents get the
    `Header:` lines of their comment and text/xml by default; the others none."""
    if "http" not in rel:
        return {}
    headers = {k.decode().strip().lower(): v.decode("latin-1").strip() for k, v in _HEADER.findall(data)}
    headers.setdefault("content-type", "text/xml")
    return headers


def _reference(data: bytes, headers: dict[str, str], url: str):
    """Plain feedparser, default options, given what aibrief's parser is given."""
    response_headers = {"content-location": headers.get("content-location") or url}
    if headers.get("content-type"):
        response_headers["content-type"] = headers["content-type"]
    return feedparser.parse(io.BytesIO(data), response_headers=response_headers)


def _entry(e, url: str) -> tuple:
    date = None
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        if e.get(key):
            date = tuple(e[key])[:6]
            break
    return (_text(e.get("title"), e.get("title_detail"), TITLE_LIMIT), _entry_link(e, url), date)


def _articles_from(ref, url: str) -> list[tuple]:
    feed = ref.get("feed") or {}
    title = html_to_text(feed.get("title"), SOURCE_LIMIT) if isinstance(feed.get("title"), str) else ""
    link = feed.get("link") if isinstance(feed.get("link"), str) else None
    out, seen = [], set()
    for e in newest(list(ref.entries), 500):
        a = entry_to_article(e, title or "127.0.0.1", url, NOW, feed_link=link)
        if a is not None and a.dedupe_key not in seen:
            seen.add(a.dedupe_key)
            out.append((a.title, a.url, a.published))
    return out


def _compare_all():
    """(documents compared, entry mismatches, article mismatches, documents with stored articles)."""
    entry_bad, article_bad, with_articles = {}, {}, []
    docs = _documents()
    for path in docs:
        rel = path.relative_to(CORPUS).as_posix()
        data = path.read_bytes()
        headers = _headers(rel, data)
        url = f"http://127.0.0.1:8097/tests/{rel}"
        ref = _reference(data, headers, url)
        assert ref.entries, f"{rel}: vendored although feedparser yields no entries"
        ours = read_document(data, headers, feed_url=url)
        want = [_entry(e, url) for e in ref.entries]
        got = [_entry(e, url) for e in ours.entries]
        if want != got:
            entry_bad[rel] = (ours.error, want[:2], got[:2])
        parsed = parse_feed(data, headers, feed_url=url, fetched_at=NOW)
        stored = [(a.title, a.url, a.published) for a in parsed.articles]
        if stored != _articles_from(ref, url):
            article_bad[rel] = (parsed.error, stored[:2])
        if stored:
            with_articles.append((rel, parsed.articles))
    return len(docs), entry_bad, article_bad, with_articles


@pytest.fixture(scope="module")
def comparison():
    return _compare_all()


def test_the_corpus_is_vendored_whole():
    docs = _documents()
    assert len(docs) > 600
    assert (CORPUS / "LICENSE").is_file()
    kinds = {p.relative_to(CORPUS).parts[1] for p in docs if p.relative_to(CORPUS).parts[0] == "wellformed"}
    assert {"rss", "rdf", "atom", "atom10", "base", "cdf", "amp", "lang"} <= kinds


def test_every_document_feedparser_reads_gives_the_same_entries(comparison):
    count, entry_bad, _, _ = comparison
    unexpected = {rel: why for rel, why in entry_bad.items() if rel not in DIFFERENCES}
    assert unexpected == {}, f"{len(unexpected)} of {count} documents differ from feedparser"
    # The documented differences are real (a stale list would hide nothing, but would lie).
    assert set(entry_bad) == set(DIFFERENCES)


def test_stored_articles_are_normalized_feedparser_entries(comparison):
    _, _, article_bad, with_articles = comparison
    assert {rel: why for rel, why in article_bad.items() if rel not in DIFFERENCES} == {}
    assert len(with_articles) >= 20  # most corpus entries have no link, so normalize keeps few


def test_rss_09x_rdf_and_atom_03_are_read(comparison):
    _, entry_bad, _, _ = comparison
    for sub in ("rdf", "atom", "rss"):
        docs = [p for p in (CORPUS / "wellformed" / sub).rglob("*.xml")]
        assert docs and not [p for p in docs if p.relative_to(CORPUS).as_posix() in entry_bad
                             and p.relative_to(CORPUS).as_posix() not in DIFFERENCES]
    rdf = (CORPUS / "wellformed" / "rdf" / "rss090_item_title.xml").read_bytes()
    doc = read_document(rdf, {}, feed_url="http://127.0.0.1:8097/rdf")
    assert doc.version == "rss090" and doc.entries[0]["title"] == "Item title"


def test_what_is_stored_reads_back_the_same(comparison, tmp_path):
    from bot.store import open_store

    _, _, _, with_articles = comparison
    store = open_store(str(tmp_path / "corpus.db"))
    try:
        feed = store.add_feed("http://127.0.0.1:8097/corpus")
        expected = {}
        for _, articles in with_articles:
            for a in articles:
                expected.setdefault(a.dedupe_key, (a.title, a.url, a.published))
            store.insert_articles(feed.id, articles)
        rows = store._all("SELECT dedupe_key, title, url, published FROM articles")
        stored = {r[0]: (r[1], r[2], datetime.fromtimestamp(r[3], timezone.utc)) for r in rows}
        assert stored == expected
    finally:
        store.close()
