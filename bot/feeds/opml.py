"""OPML import and export, the format every feed reader trades subscriptions in.

An imported OPML file is untrusted XML: it is refused when its prolog declares a DTD
subset or entities (same guard as feeds), then parsed with ElementTree. Outlines may
nest (folders); every outline with an http(s) `xmlUrl` counts, at any depth, once. An
outline with only a site's address (`htmlUrl`) is handed back apart, for discovery.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from urllib.parse import urlsplit

from bot.feeds.normalize import CONTROL_CHARS, plain_text
from bot.feeds.xmlguard import inspect_prolog

MAX_OPML_BYTES = 5 * 1024 * 1024
MAX_FEEDS = 5000
TITLE_LIMIT = 200


class OpmlError(ValueError):
    """The file is not usable OPML; the message is one line for the user."""


def _attr(outline: ET.Element, name: str) -> str:
    """Attribute lookup ignoring case: exporters write xmlUrl, xmlurl and XMLURL."""
    value = outline.get(name)
    if value is not None:
        return value
    lower = name.lower()
    for key, val in outline.attrib.items():
        if key.lower() == lower:
            return val
    return ""


@dataclass(frozen=True)
class OpmlEntries:
    feeds: list[tuple[str, str]] = field(default_factory=list)  # (xmlUrl, title)
    sites: list[tuple[str, str]] = field(default_factory=list)  # (htmlUrl, title) of outlines without an xmlUrl


def read_opml(data: bytes, *, allow_relative: bool = False) -> list[tuple[str, str]]:
    """(url, title) for each distinct feed in an OPML document, in document order.

    Outlines whose xmlUrl is not http(s) are skipped. `allow_relative=True` also keeps
    references without a scheme (the bundled samples list files by name); only the
    sample loader uses it.
    """
    return read_opml_entries(data, allow_relative=allow_relative).feeds


def read_opml_entries(data: bytes, *, allow_relative: bool = False) -> OpmlEntries:
    """The feeds of an OPML document, and the sites listed without a feed address.

    An outline with only an `htmlUrl` (a site's address; some exporters write bookmarks
    that way) is returned in `sites` so the caller can find its feed (bot.feeds.discover).
    """
    if not data or not data.strip():
        raise OpmlError("the OPML file is empty")
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"the OPML file is larger than {MAX_OPML_BYTES // (1024 * 1024)} MiB")
    prolog = inspect_prolog(data)
    if prolog.error:
        raise OpmlError(f"unsafe OPML: {prolog.error.removeprefix('refused: ')}")
    if prolog.doctype is not None:
        raise OpmlError("unsafe OPML: a DOCTYPE is not allowed in OPML")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise OpmlError(f"not valid XML: {exc}") from None
    if root.tag.rsplit("}", 1)[-1].lower() != "opml":
        raise OpmlError(f"not an OPML file (the root element is <{root.tag}>)")

    out = OpmlEntries()
    seen: set[str] = set()
    for outline in root.iter():
        if not isinstance(outline.tag, str) or outline.tag.rsplit("}", 1)[-1].lower() != "outline":
            continue
        url = _attr(outline, "xmlUrl").strip()
        target = out.feeds
        if not url:
            url = _attr(outline, "htmlUrl").strip()
            target = out.sites
            if not url or urlsplit(url).scheme.lower() not in ("http", "https"):
                continue
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https") and not (allow_relative and scheme == "" and "//" not in url[:2]):
            continue
        if url in seen:
            continue
        seen.add(url)
        title = plain_text(_attr(outline, "title") or _attr(outline, "text"), TITLE_LIMIT)
        target.append((url, title))
        if len(out.feeds) + len(out.sites) > MAX_FEEDS:
            raise OpmlError(f"the OPML file lists more than {MAX_FEEDS} feeds")
    return out


def write_opml(feeds: list[tuple[str, str]], *, title: str = "aibrief feeds", now: datetime | None = None) -> str:
    """An OPML 2.0 document listing `feeds` ((url, title) pairs), readable by any feed reader."""
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(timezone.utc), usegmt=True)
    body = ET.SubElement(opml, "body")
    for url, feed_title in feeds:
        url = CONTROL_CHARS.sub("", url).strip()
        name = plain_text(feed_title, TITLE_LIMIT) or url
        ET.SubElement(body, "outline", type="rss", text=name, title=name, xmlUrl=url)
    ET.indent(opml, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(opml, encoding="unicode") + "\n"
