"""JSON Feed 1.0 and 1.1 (jsonfeed.org) → the entry shape feedparser gives for RSS/Atom.

Why this shape: one normalize stage (`normalize.entry_to_article`) decides what an article
is — text caps, link policy, dates, dedupe — for every format, so a JSON Feed item cannot
take a path around the rules an RSS item obeys. This module only reads the JSON and maps
its fields; it never trusts their types: a title that is a number, an `authors` that is a
string or an item that is a list is skipped, not a crash.

Limits are the same as for XML feeds: the body is already capped by the fetcher, only the
first `MAX_DOCUMENT_ENTRIES` items are looked at (the XML trimmer's cap), each string is
cut to what normalize can use before it is kept, and nesting deep enough to exhaust the
JSON parser's recursion is refused rather than raised.
"""

from __future__ import annotations

import json
from typing import Any

from feedparser.datetimes import _parse_date

from bot.feeds.budget import MAX_DOCUMENT_ENTRIES

VERSION_PREFIXES = ("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")
FEED_MEDIA_TYPE = "application/feed+json"
MAX_STRING = 256 * 1024  # normalize reads at most 128 KiB of a 2,000-character summary


class JsonFeedError(ValueError):
    """Not a usable JSON Feed; the message is the reason, in a few words."""


def is_json_feed_version(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith(VERSION_PREFIXES)


def read_json_feed(content: bytes, media_type: str = "") -> dict:
    """{"feed", "entries", "version"} in feedparser's vocabulary; raises JsonFeedError.

    A document counts as a JSON Feed when its `version` names jsonfeed.org, or when it was
    served as `application/feed+json` and has an `items` list.
    """
    try:
        try:
            data = json.loads(content)
        except UnicodeDecodeError:
            data = json.loads(content.decode("utf-8", errors="replace"))
    except RecursionError:
        raise JsonFeedError("JSON nested too deeply") from None
    except ValueError as exc:
        raise JsonFeedError(f"invalid JSON: {str(exc)[:120]}") from None
    if not isinstance(data, dict):
        raise JsonFeedError("JSON, but not a JSON Feed: the top level is not an object")
    version = data.get("version")
    items = data.get("items")
    if not is_json_feed_version(version) and not (media_type == FEED_MEDIA_TYPE and isinstance(items, list)):
        raise JsonFeedError("JSON, but not a JSON Feed: no jsonfeed.org version")
    if not isinstance(items, list):
        raise JsonFeedError("JSON Feed without an items list")
    feed = {}
    _put(feed, "title", data.get("title"), "text/plain")
    _put(feed, "subtitle", data.get("description"), "text/plain")
    link = _string(data.get("home_page_url"))
    if link:
        feed["link"] = link
    entries = [_entry(item) for item in items[:MAX_DOCUMENT_ENTRIES] if isinstance(item, dict)]
    number = str(version).rsplit("/", 1)[-1][:8] if is_json_feed_version(version) else ""
    return {"feed": feed, "entries": entries, "version": f"json{number.replace('.', '')}" if number else "json"}


def _string(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value[:MAX_STRING]
    return None


def _put(target: dict, key: str, value: Any, kind: str) -> None:
    text = _string(value)
    if text is not None:
        target[key] = text
        target[key + "_detail"] = {"type": kind, "value": text}


def _entry(item: dict) -> dict:
    entry: dict = {}
    raw_id = item.get("id")
    if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) and str(raw_id).strip():
        entry["id"] = str(raw_id)[:MAX_STRING]
    _put(entry, "title", item.get("title"), "text/plain")  # JSON Feed titles are plain text
    _put(entry, "summary", item.get("summary"), "text/plain")
    content = []
    text = _string(item.get("content_text"))
    if text is not None:
        content.append({"type": "text/plain", "value": text})
    html = _string(item.get("content_html"))
    if html is not None:
        content.append({"type": "text/html", "value": html})
    if content:
        entry["content"] = content
    link = _string(item.get("url")) or _string(item.get("external_url"))
    if link:
        entry["link"] = link.strip()
    for field, key in (("date_published", "published"), ("date_modified", "updated")):
        stamp = _string(item.get(field))
        if stamp:
            parsed = _parse_date(stamp[:100])
            if parsed:
                entry[key] = stamp[:100]
                entry[key + "_parsed"] = parsed
    author = _author(item)
    if author:
        entry["author"] = author
    return entry


def _author(item: dict) -> str | None:
    """The first named author: 1.1's `authors` list, else 1.0's `author` object."""
    authors = item.get("authors")
    candidates = authors if isinstance(authors, list) else []
    candidates = [*candidates, item.get("author")]
    for person in candidates:
        if isinstance(person, dict):
            name = _string(person.get("name"))
            if name:
                return name
    return None
