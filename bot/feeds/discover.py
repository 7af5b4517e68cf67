"""A site's address → its feed: what `feeds add https://example.com/` and OPML site outlines use.

People paste the address they read, not the feed's. So the address is fetched once; if it
serves a feed, that is the feed. If it serves an HTML page, the page's
`<link rel="alternate" type="application/rss+xml|atom+xml|feed+json" href=…>` elements name
its feeds (the convention every browser and feed reader follows); a page that names none is
tried at the usual places (/feed, /rss.xml, /atom.xml, /index.xml at the site's root). Every
candidate is fetched and parsed, and the first that is a usable feed, in the page's order
(sites list their main feed first), is chosen; the other usable ones are reported so the
person can pick another.

Every request goes through the project's one fetcher (`fetch_many`): the same address
policy (checked at connect time and on every redirect hop, so a page that redirects to a
private address is refused), deadline and size cap as a feed poll. Only the first
`PAGE_BYTES` of a page are read for links, by the standard library's HTML parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

from bot.feeds.fetch import FeedRequest, FetchLimits, fetch_many
from bot.feeds.netpolicy import AddressPolicy
from bot.feeds.normalize import plain_text
from bot.feeds.parse import HTML_PAGE, parse_feed
from bot.models import FetchResult, ParsedFeed

FEED_TYPES = {
    "application/rss+xml": "RSS",
    "application/atom+xml": "Atom",
    "application/feed+json": "JSON Feed",
    "application/json": "JSON Feed",  # JSON Feed 1.0 pages sometimes announce it so
    "application/rdf+xml": "RSS 1.0",
}
FALLBACK_PATHS = ("/feed", "/rss.xml", "/atom.xml", "/index.xml")
PAGE_BYTES = 1024 * 1024  # links live in <head>; a page's first MiB is plenty
MAX_CANDIDATES = 8  # fetched at most per discovery
MAX_LINKS = 50  # <link> elements kept from one page


class DiscoveryError(ValueError):
    """No usable feed at or from the address; the message is one line for the person."""


@dataclass(frozen=True)
class FeedLink:
    url: str
    kind: str  # "RSS", "Atom", "JSON Feed"
    title: str = ""


@dataclass(frozen=True)
class Found:
    """A usable feed: its address and its parsed document (for the preview)."""

    url: str
    parsed: ParsedFeed
    title: str = ""  # the page's title for this link, when it came from a page


@dataclass(frozen=True)
class Discovery:
    chosen: Found
    others: list[Found] = field(default_factory=list)  # other usable feeds the page named
    unusable: list[tuple[str, str]] = field(default_factory=list)  # (url, why) of named links that failed
    via: str = "direct"  # direct | page | fallback
    page_url: str | None = None  # the address given, when it was a page


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[tuple[str, str, str]] = []  # (href, type, title)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "base" and self.base is None:
            self.base = dict(attrs).get("href")
        elif tag == "link" and len(self.links) < MAX_LINKS:
            a = {k.lower(): (v or "") for k, v in attrs}
            rels = a.get("rel", "").lower().split()
            kind = a.get("type", "").split(";", 1)[0].strip().lower()
            if "alternate" in rels and kind in FEED_TYPES and a.get("href", "").strip():
                self.links.append((a["href"].strip(), kind, a.get("title", "")))

    handle_startendtag = handle_starttag


def feed_links(page: bytes, page_url: str) -> list[FeedLink]:
    """The feeds an HTML page names, absolute http(s), in page order, each once. Pure."""
    text = page[:PAGE_BYTES].decode("utf-8", errors="replace")
    parser = _LinkParser()
    try:
        parser.feed(text)
        parser.close()
    except Exception:  # html.parser is lenient; whatever it read before giving up still counts
        pass
    base = page_url
    if parser.base:
        try:
            base = urljoin(page_url, parser.base.strip())
        except ValueError:
            pass
    out: list[FeedLink] = []
    seen: set[str] = set()
    for href, kind, title in parser.links:
        try:
            url = urljoin(base, href)
            parts = urlsplit(url)
        except ValueError:
            continue
        if parts.scheme not in ("http", "https") or not parts.hostname:
            continue
        url = urlunsplit(parts._replace(fragment=""))
        if url in seen:
            continue
        seen.add(url)
        out.append(FeedLink(url, FEED_TYPES[kind], plain_text(title, 100)))
    return out


def fallback_urls(page_url: str) -> list[str]:
    parts = urlsplit(page_url)
    root = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    return [root + path for path in FALLBACK_PATHS]


def discover(url: str, *, policy: AddressPolicy, limits: FetchLimits = FetchLimits(), **fetch_options) -> Discovery:
    """The feed at or behind `url`; raises DiscoveryError with the reason when there is none."""
    [first] = fetch_many([FeedRequest(url)], policy=policy, limits=limits, **fetch_options)
    if first.error:
        raise DiscoveryError(f"could not fetch {url}: {first.error}")
    parsed = _parse(first, url)
    if parsed.error is None:
        return Discovery(Found(_address(first, url), parsed))
    if parsed.error != HTML_PAGE:
        raise DiscoveryError(f"{url} does not serve a feed: {parsed.error}")

    links = feed_links(first.content or b"", first.final_url or url)
    via = "page" if links else "fallback"
    candidates = [(link.url, link.title) for link in links] or [(u, "") for u in fallback_urls(first.final_url or url)]
    candidates = candidates[:MAX_CANDIDATES]
    results = fetch_many([FeedRequest(u) for u, _ in candidates], policy=policy, limits=limits, **fetch_options)
    usable: list[Found] = []
    unusable: list[tuple[str, str]] = []
    for (candidate, title), result in zip(candidates, results):
        why = result.error
        if why is None:
            found = _parse(result, candidate)
            why = found.error
            if why is None:
                usable.append(Found(_address(result, candidate), found, title))
                continue
        unusable.append((candidate, why))
    if not usable:
        if via == "page":
            tried = "; ".join(f"{u}: {why}" for u, why in unusable[:3])
            raise DiscoveryError(f"{url} does not serve a feed, and the feeds its page names do not work ({tried})")
        raise DiscoveryError(
            f"{url} does not serve a feed: it is an HTML page that names no feed "
            f"(no <link rel=\"alternate\"> to RSS, Atom or JSON Feed), and "
            f"{', '.join(FALLBACK_PATHS)} on its site serve none"
        )
    unique: list[Found] = []
    for found in usable:  # two links may lead to one feed (e.g. /feed and /feed/ after redirects)
        if all(found.url != u.url for u in unique):
            unique.append(found)
    return Discovery(unique[0], unique[1:], unusable if via == "page" else [], via, page_url=url)


def _parse(result: FetchResult, url: str) -> ParsedFeed:
    return parse_feed(result.content or b"", result.headers, feed_url=url, fetched_at=datetime.now(timezone.utc))


def _address(result: FetchResult, asked: str) -> str:
    """The address to follow: where a permanent redirect moved it, else the one asked for."""
    return result.permanent_url or asked
