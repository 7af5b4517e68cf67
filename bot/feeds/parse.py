"""Feed bytes → `ParsedFeed`: feedparser, made safe and cheap, then `normalize`.

feedparser is handed bytes only (never a URL or path: given a string it would fetch it
or open a local file) wrapped in BytesIO, with the HTTP headers it needs to pick the
encoding and base URL. Sanitizing and relative-URI resolution are off — they are ~3/4
of its cost and we turn every summary into plain text anyway. Documents that declare
entities are refused before feedparser sees them (see `xmlguard`), and documents with too
many entries or elements are cut or refused first (see `budget`).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from typing import Mapping
from urllib.parse import urlsplit

import feedparser

from bot.feeds.charset import repair_labels
from bot.feeds.fastparse import fast_parse
from bot.feeds.jsonfeed import JsonFeedError, read_json_feed
from bot.feeds.normalize import SOURCE_LIMIT, entry_to_article, html_to_text, plain_text
from bot.feeds.budget import too_much_markup, trim_entries
from bot.feeds.xmlguard import inspect_prolog
from bot.models import Article, ParsedFeed

log = logging.getLogger(__name__)

MAX_ENTRIES = 500  # newest kept per poll; a feed with 50,000 items is a dump, not news
FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})
HTML_PAGE = "not a feed (got an HTML page)"
JSON_TYPES = frozenset({"application/feed+json", "application/json"})


def _charset(content_type: str) -> str | None:
    if not content_type:
        return None
    msg = Message()
    msg["content-type"] = content_type
    charset = msg.get_param("charset")
    return charset if isinstance(charset, str) else None


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class Document:
    """A feed document read into feedparser's shape (`feed`, `entries`), before normalizing.

    RSS, Atom and JSON Feed all arrive here in the same shape, so one normalize stage
    (`entry_to_article`) decides what is stored for every format. `error` set: nothing else
    is usable.
    """

    feed: Mapping = field(default_factory=dict)
    entries: list = field(default_factory=list)
    version: str = ""
    bozo: str | None = None
    error: str | None = None


def read_document(content: bytes | None, headers: Mapping[str, str] | None, *, feed_url: str) -> Document:
    """Guard, trim and read one fetched document. Never raises for a bad document."""
    headers = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    if not content or not content.strip(b" \t\r\n\x00\xef\xbb\xbf\xfe\xff"):
        return Document(error="empty response")
    content_type = headers.get("content-type", "")
    media_type = _media_type(content_type)

    prolog = inspect_prolog(content, charset=_charset(content_type))
    if prolog.error:
        return Document(error=prolog.error)
    if prolog.is_json or (media_type in JSON_TYPES and prolog.root is None):
        return _json_document(content, media_type)
    root = prolog.root_local
    # The root element decides: `<!DOCTYPE html>` in front of a `<feed>` (seen in the wild)
    # is a feed with a stray declaration, and feedparser reads it.
    if root == "html" or (root not in FEED_ROOTS and (prolog.doctype or "").lower() == "html"):
        return Document(error=HTML_PAGE)
    if media_type in ("text/html", "application/xhtml+xml") and root not in FEED_ROOTS:
        return Document(error=HTML_PAGE)

    content, dropped = trim_entries(content)  # feedparser's cost grows with every entry…
    if dropped:
        log.info("feed trimmed feed=%s entries_dropped=%d", feed_url, dropped)
    refusal = too_much_markup(content)  # …and with every element
    if refusal:
        return Document(error=refusal)

    content, content_type, relabelled = repair_labels(content, content_type)  # utf-16 said, UTF-8 meant
    response_headers = {"content-location": headers.get("content-location") or feed_url}
    if content_type:
        response_headers["content-type"] = content_type
    if headers.get("content-language"):
        response_headers["content-language"] = headers["content-language"]
    try:
        # Plain UTF-8 RSS 2.0 / Atom 1.0 is read directly (same result, ~10× cheaper); the rest goes to feedparser.
        parsed = None if prolog.doctype is not None else fast_parse(content, content_type, response_headers["content-location"])
        if parsed is None:
            parsed = feedparser.parse(
                io.BytesIO(content),
                response_headers=response_headers,
                sanitize_html=False,
                resolve_relative_uris=False,
            )
    except Exception as exc:  # feedparser is robust, but one feed must never stop a poll
        log.exception("feedparser failed on %s", feed_url)
        return Document(error=f"parser failed: {type(exc).__name__}: {exc}")

    bozo = _bozo_text(parsed) or relabelled
    entries = list(parsed.get("entries") or [])
    if not entries and not parsed.get("version"):
        detail = f" ({bozo})" if bozo else ""
        return Document(error=f"not a feed{detail}", bozo=bozo)
    return Document(feed=parsed.get("feed") or {}, entries=entries, version=parsed.get("version") or "", bozo=bozo)


def _json_document(content: bytes, media_type: str) -> Document:
    try:
        doc = read_json_feed(content, media_type)
    except JsonFeedError as exc:
        return Document(error=f"not a feed ({exc})")
    return Document(feed=doc["feed"], entries=doc["entries"], version=doc["version"])


def parse_feed(
    content: bytes | None,
    headers: Mapping[str, str] | None,
    *,
    feed_url: str,
    fetched_at: datetime,
    source: str | None = None,
    max_entries: int = MAX_ENTRIES,
) -> ParsedFeed:
    """Parse one fetched document. Never raises for a bad document; `error` says what was wrong.

    `source` overrides the feed's own title as the articles' source name (e.g. the name an
    admin gave the feed). Malformed XML that feedparser recovers from keeps its entries,
    with the parser's complaint in `bozo`.
    """
    doc = read_document(content, headers, feed_url=feed_url)
    if doc.error:
        return ParsedFeed(title="", articles=[], error=doc.error, bozo=doc.bozo)
    feed = doc.feed
    title = html_to_text(feed.get("title"), SOURCE_LIMIT) if isinstance(feed.get("title"), str) else ""
    name = plain_text(source, SOURCE_LIMIT) or title or (urlsplit(feed_url).hostname or feed_url)
    feed_link = feed.get("link") if isinstance(feed.get("link"), str) else None

    articles: list[Article] = []
    seen: set[str] = set()
    for entry in newest(doc.entries, max_entries):
        article = entry_to_article(entry, name, feed_url, fetched_at, feed_link=feed_link)
        if article is None or article.dedupe_key in seen:
            continue
        seen.add(article.dedupe_key)
        articles.append(article)
    return ParsedFeed(title=title, articles=articles, bozo=doc.bozo)


def newest(entries: list, limit: int) -> list:
    """At most `limit` entries, the most recently dated first-kept; undated ones rank as oldest.

    Stable: with no dates at all (or under the limit) the feed's own order is kept.
    """
    if len(entries) <= limit:
        return entries

    def when(index_entry):
        index, entry = index_entry
        stamp = entry.get("published_parsed") or entry.get("updated_parsed") or entry.get("created_parsed")
        try:
            key = tuple(stamp)[:6] if stamp else ()
        except TypeError:
            key = ()
        return (key, -index)

    ranked = sorted(enumerate(entries), key=when, reverse=True)[:limit]
    return [entry for _, entry in sorted(ranked, key=lambda pair: pair[0])]


def _bozo_text(parsed) -> str | None:
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    text = f"{type(exc).__name__}: {exc}" if exc is not None else "malformed feed"
    return text[:300]
