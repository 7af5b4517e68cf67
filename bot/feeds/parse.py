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
from datetime import datetime
from email.message import Message
from typing import Mapping
from urllib.parse import urlsplit

import feedparser

from bot.feeds.fastparse import fast_parse
from bot.feeds.normalize import SOURCE_LIMIT, entry_to_article, html_to_text, plain_text
from bot.feeds.budget import too_much_markup, trim_entries
from bot.feeds.xmlguard import inspect_prolog
from bot.models import Article, ParsedFeed

log = logging.getLogger(__name__)

MAX_ENTRIES = 500  # newest kept per poll; a feed with 50,000 items is a dump, not news
FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})
HTML_PAGE = "not a feed (got an HTML page)"


def _charset(content_type: str) -> str | None:
    if not content_type:
        return None
    msg = Message()
    msg["content-type"] = content_type
    charset = msg.get_param("charset")
    return charset if isinstance(charset, str) else None


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


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
    headers = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    if not content or not content.strip(b" \t\r\n\x00\xef\xbb\xbf\xfe\xff"):
        return ParsedFeed(title="", articles=[], error="empty response")
    content_type = headers.get("content-type", "")

    prolog = inspect_prolog(content, charset=_charset(content_type))
    if prolog.error:
        return ParsedFeed(title="", articles=[], error=prolog.error)
    if prolog.is_json:
        return ParsedFeed(title="", articles=[], error="not a feed (JSON; only RSS and Atom are supported)")
    root = prolog.root_local
    if root == "html" or (prolog.doctype or "").lower() == "html":
        return ParsedFeed(title="", articles=[], error=HTML_PAGE)
    if _media_type(content_type) in ("text/html", "application/xhtml+xml") and root not in FEED_ROOTS:
        return ParsedFeed(title="", articles=[], error=HTML_PAGE)

    content, dropped = trim_entries(content)  # feedparser's cost grows with every entry…
    if dropped:
        log.info("feed trimmed feed=%s entries_dropped=%d", feed_url, dropped)
    refusal = too_much_markup(content)  # …and with every element
    if refusal:
        return ParsedFeed(title="", articles=[], error=refusal)

    response_headers = {"content-location": headers.get("content-location") or feed_url}
    for name in ("content-type", "content-language"):
        if headers.get(name):
            response_headers[name] = headers[name]
    try:
        # Plain UTF-8 RSS 2.0 / Atom 1.0 is read directly (same result, ~10× cheaper); the rest goes to feedparser.
        parsed = None if prolog.doctype else fast_parse(content, content_type, response_headers["content-location"])
        if parsed is None:
            parsed = feedparser.parse(
                io.BytesIO(content),
                response_headers=response_headers,
                sanitize_html=False,
                resolve_relative_uris=False,
            )
    except Exception as exc:  # feedparser is robust, but one feed must never stop a poll
        log.exception("feedparser failed on %s", feed_url)
        return ParsedFeed(title="", articles=[], error=f"parser failed: {type(exc).__name__}: {exc}")

    bozo = _bozo_text(parsed)
    entries = list(parsed.get("entries") or [])
    if not entries and not parsed.get("version"):
        detail = f" ({bozo})" if bozo else ""
        return ParsedFeed(title="", articles=[], error=f"not a feed{detail}", bozo=bozo)

    feed = parsed.get("feed") or {}
    title = html_to_text(feed.get("title"), SOURCE_LIMIT) if isinstance(feed.get("title"), str) else ""
    name = plain_text(source, SOURCE_LIMIT) or title or (urlsplit(feed_url).hostname or feed_url)
    feed_link = feed.get("link") if isinstance(feed.get("link"), str) else None

    articles: list[Article] = []
    seen: set[str] = set()
    for entry in newest(entries, max_entries):
        article = entry_to_article(entry, name, feed_url, fetched_at, feed_link=feed_link)
        if article is None or article.dedupe_key in seen:
            continue
        seen.add(article.dedupe_key)
        articles.append(article)
    return ParsedFeed(title=title, articles=articles, bozo=bozo)


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
