"""Feed entries → `Article`s: plain capped text, canonical links, UTC times, a dedupe key.

Pure functions, no I/O. feedparser is run with sanitizing off (4× faster), so its HTML is
untrusted and is never rendered: everything leaves here as plain text, already capped, so
a 1 MB title costs little and cannot reach Slack. Whether `<!channel>` or `&` later need
escaping for mrkdwn is the Slack layer's business.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone
from html import unescape
from html.parser import HTMLParser
from itertools import chain
from typing import Any, Mapping
from urllib.parse import quote, unquote_plus, urljoin, urlsplit, urlunsplit

from bot.language import detect
from bot.lead import lead_of
from bot.models import Article
from bot.text import truncate

TITLE_LIMIT = 300
SUMMARY_LIMIT = 2000
SOURCE_LIMIT = 100
AUTHOR_LIMIT = 100
GUID_LIMIT = 1000
FUTURE_TOLERANCE = timedelta(days=1)

# Query parameters that identify the click, not the page. Compared lower-case.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
        "mc_cid", "mc_eid", "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp", "hsctatracking",
        "ref", "ref_src", "ref_url", "_ga", "_gl", "mkt_tok", "oly_anon_id", "oly_enc_id",
        "vero_id", "vero_conv", "wt.mc_id", "ncid", "sr_share", "cmpid",
        "ocid", "taid", "smid", "share", "src", "source", "feature", "guccounter", "mbid", "rss", "partner",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "guce_", "at_")

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "iframe", "object", "svg", "math"})
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
        "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "caption",
    }
)
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")


def _input_cap(limit: int) -> int:
    """How much raw input is worth reading to produce `limit` characters of text."""
    return max(limit * 64, 65536)


class _TextExtractor(HTMLParser):
    def __init__(self, want: int) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.size = 0
        self.want = want
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)
            self.size += len(data) if len(data) < 64 else len(" ".join(data.split()))

    @property
    def full(self) -> bool:
        return self.size > self.want


def html_to_text(s: str | None, limit: int) -> str:
    """Visible text of an HTML fragment: scripts/styles dropped, entities decoded, whitespace collapsed, ≤ limit chars."""
    if not s:
        return ""
    s = s[: _input_cap(limit)]
    if "<" not in s and "&" not in s:
        return plain_text(s, limit)
    fast = _simple_html_text(s, limit * 2 + 64)
    if fast is not None:
        return plain_text(fast, limit)
    return _parsed_html_text(s, limit)


# A comment, or a start/end tag whose attributes are all plainly quoted or bare words: the
# part of HTML that html.parser reads one way only, so a regex reads it the same.
_SIMPLE_TOKEN = re.compile(
    r"<!--(?!-?>).*?-->"
    r"|<(/?)([a-zA-Z][a-zA-Z0-9]*)"
    r"(?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'<>=`]+))?)*\s*(/?)>",
    re.S,
)
_RAW_TEXT_TAGS = frozenset({"script", "style"})  # html.parser's CDATA elements: their content is not markup
_ONE_CHUNK = 8192


def _simple_html_text(s: str, want: int) -> str | None:
    """The `_TextExtractor` result for a short fragment of simple markup, read by one regex
    (~5× cheaper); None when the fragment has anything else (a stray `<`, script/style,
    CDATA, a declaration, an odd attribute) or is long enough for the parser to stop early."""
    if len(s) > _ONE_CHUNK:
        return None
    parts: list[str] = []
    size = 0
    skip = 0
    pos = 0
    for m in chain(_SIMPLE_TOKEN.finditer(s), (None,)):  # None: the text after the last tag
        text = s[pos : m.start()] if m is not None else s[pos:]
        if text:
            if "<" in text:
                return None
            if not skip:
                data = unescape(text) if "&" in text else text
                parts.append(data)
                size += len(data) if len(data) < 64 else len(" ".join(data.split()))
        if m is None:
            break
        pos = m.end()
        tag = m.group(2)
        if tag is None:  # a comment
            continue
        tag = tag.lower()
        if tag in _RAW_TEXT_TAGS:
            return None
        if m.group(1):  # end tag
            if tag in _SKIP_TAGS:
                skip = max(0, skip - 1)
            elif tag in _BLOCK_TAGS:
                parts.append(" ")
        elif m.group(3):  # <tag/>
            if tag in _BLOCK_TAGS:
                parts.append(" ")
        elif tag in _SKIP_TAGS:
            skip += 1
        elif tag in _BLOCK_TAGS:
            parts.append(" ")
    if size > want - 128:  # near where the parser would stop reading: let it decide
        return None
    return "".join(parts)


def _parsed_html_text(s: str, limit: int) -> str:
    parser = _TextExtractor(want=limit * 2 + 64)
    step = 8192
    for i in range(0, len(s), step):
        parser.feed(s[i : i + step])
        if parser.full:  # stop early: the rest cannot reach the output
            break
    else:
        parser.close()
    return plain_text("".join(parser.parts), limit)


def plain_text(s: str | None, limit: int) -> str:
    """`s` with control characters removed, whitespace collapsed, capped at `limit` chars (… when cut)."""
    if not s:
        return ""
    s = CONTROL_CHARS.sub(" ", s[: _input_cap(limit)])
    return truncate(" ".join(s.split()), limit)


def _quote(part: str, safe: str) -> str:
    # '%' is safe so existing escapes survive and canonical_url(canonical_url(x)) == canonical_url(x).
    return quote(part, safe=safe + "%")


def _is_tracking(param: str) -> bool:
    key = unquote_plus(param.split("=", 1)[0]).strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def canonical_url(url: str | None, base: str | None = None) -> str | None:
    """Absolute http(s) form of `url` for comparing links; None when it is not an http(s) URL.

    Lower-cases scheme and host, drops default ports, credentials, the fragment and
    click-tracking parameters (utm_*, fbclid, gclid, mc_cid, ref, …), and sorts the rest
    of the query, keeping each parameter's original spelling. Idempotent.
    """
    if not url:
        return None
    url = re.sub(r"[\t\r\n]", "", url.strip())
    if base:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != (80 if scheme == "http" else 443):
        netloc += f":{port}"
    path = _quote(parts.path, "/:@!$&'()*+,;=~-._") or "/"
    params = [_quote(p, "=:@!$'()*+,;/?~-._") for p in parts.query.split("&") if p]
    query = "&".join(sorted(p for p in params if not _is_tracking(p)))
    return urlunsplit((scheme, netloc, path, query, ""))


def _scoped_guid(guid: str, feed_url: str | None) -> str:
    """Guids like "1234" are only unique within their feed; URLs, URNs and tag: URIs are global."""
    if feed_url and ":" not in guid and not re.fullmatch(r"[0-9a-fA-F-]{32,}", guid):
        return f"{feed_url} {guid}"
    return guid


def dedupe_key(
    guid: str | None, link: str | None, title: str | None, summary: str | None, *, feed_url: str | None = None
) -> str:
    """The identity of an entry across all feeds: "guid:…", else "url:…" (canonical link), else "hash:…".

    Pass `link` only when it is the entry's own link (not a feed-level fallback), or
    every link-less entry of a feed would collapse into one. With `feed_url`, a guid that
    is not globally unique ("42") is scoped to its feed.
    """
    guid = (guid or "").strip()
    if guid:
        key = "guid:" + _scoped_guid(guid, feed_url)
        return key if len(key) <= GUID_LIMIT else "guid:sha256=" + hashlib.sha256(key.encode()).hexdigest()
    canon = canonical_url(link)
    if canon:
        key = "url:" + canon
        return key if len(key) <= GUID_LIMIT else "url:sha256=" + hashlib.sha256(key.encode()).hexdigest()
    digest = hashlib.sha256(((title or "") + "\n" + (summary or "")).encode("utf-8", "replace")).hexdigest()
    return "hash:" + digest[:32]


def _text(value: Any, detail: Mapping | None, limit: int) -> str:
    """Plain text of a feedparser value, honouring its declared type (text/plain is not parsed as HTML)."""
    if not isinstance(value, str):
        return ""
    kind = str((detail or {}).get("type") or "text/html").lower()
    if kind in ("text/plain", "text"):
        return plain_text(value, limit)
    return html_to_text(value, limit)


def entry_time(entry: Mapping, fetched_at: datetime) -> datetime:
    """When the entry was published, in UTC; fetch time when missing, unreadable or over a day ahead."""
    fetched_at = _utc(fetched_at)
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if not parsed:
            continue
        try:
            when = datetime(*tuple(parsed)[:6], tzinfo=timezone.utc)  # feedparser's tuples are UTC
        except (TypeError, ValueError, OverflowError):
            continue
        return fetched_at if when > fetched_at + FUTURE_TOLERANCE else when
    return fetched_at


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def _entry_link(entry: Mapping, feed_url: str) -> str | None:
    """The entry's own http(s) link: its alternate link, any other link, or a permalink guid."""
    link = canonical_url(entry.get("link"), feed_url)
    if link:
        return link
    for item in entry.get("links") or ():
        if isinstance(item, Mapping) and item.get("rel", "alternate") in ("alternate", "related", None):
            link = canonical_url(item.get("href"), feed_url)
            if link:
                return link
    guid = entry.get("id")
    if isinstance(guid, str) and guid.startswith(("http://", "https://")):
        return canonical_url(guid, feed_url)
    return None


def entry_to_article(
    entry: Mapping,
    feed_title: str,
    feed_url: str,
    fetched_at: datetime,
    *,
    feed_link: str | None = None,
) -> Article | None:
    """One feedparser entry as an `Article`, or None when it has nothing to show.

    Dropped: entries with neither title nor summary; entries with no usable http(s) link
    of their own *and* no http(s) `feed_link` (the feed's home page) to fall back on.
    Falling back keeps link-less items (they are still news) while never emitting a
    javascript:/data:/relative link; such entries dedupe by guid or content hash, never
    by the shared fallback URL. A missing title is made from the start of the summary.
    """
    title = _text(entry.get("title"), entry.get("title_detail"), TITLE_LIMIT)
    summary = _text(entry.get("summary"), entry.get("summary_detail"), SUMMARY_LIMIT)
    if not summary:
        for content in entry.get("content") or ():
            if isinstance(content, Mapping):
                summary = _text(content.get("value"), content, SUMMARY_LIMIT)
                if summary:
                    break
    if not title and not summary:
        return None
    if not title:
        title = truncate(summary, 120)

    own_link = _entry_link(entry, feed_url)
    url = own_link or canonical_url(feed_link, feed_url)
    if url is None:
        return None

    raw_guid = entry.get("id")
    guid = raw_guid.strip()[:GUID_LIMIT] if isinstance(raw_guid, str) and raw_guid.strip() else None
    source = plain_text(feed_title, SOURCE_LIMIT) or (urlsplit(feed_url).hostname or feed_url)[:SOURCE_LIMIT]
    return Article(
        feed_url=feed_url,
        source=source,
        url=url,
        title=title,
        summary=summary,
        published=entry_time(entry, fetched_at),
        dedupe_key=dedupe_key(raw_guid if isinstance(raw_guid, str) else None, own_link, title, summary, feed_url=feed_url),
        guid=guid,
        author=plain_text(entry.get("author") if isinstance(entry.get("author"), str) else "", AUTHOR_LIMIT),
        language=detect(title, lead_of(summary)),
    )
