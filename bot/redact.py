"""Feed URLs as people may see them: the one place credentials are cut out of a URL.

A feed URL can carry secrets — `https://user:password@host/…`, `?api_key=…`, a token in the
fragment — and it reaches places the admin who added it did not mean to share: every
member's `/aibrief feeds list` and App Home, the alert channel, the logs. So:

- `public_url` is what a member sees: host and path only (`feeds.example/rss`), and
  `link_target` the address a Slack link may point to (scheme, host, port, path: clicking
  works for a public feed, and no secret is ever put into a Slack payload);
- `masked_url` is what an admin sees in Slack and what the logs keep: the shape of the URL
  with the userinfo and every query value (and the fragment) replaced by `***`, e.g.
  `https://***@host/path?api_key=***`;
- `redact_text` masks every URL inside free text (an error message, a log line).

The whole URL is shown only by the CLI, to whoever holds the database.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.mrkdwn import strip_invisible

MASK = "***"
# A URL inside free text: a scheme, `://`, then up to whitespace, a quote or a Slack/markup
# delimiter. (Trailing punctuation of a sentence is left outside by _trim.)
_URL_IN_TEXT = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{0,20}://[^\s<>\"'`|]+")
# `user:password@host` without a scheme (as some libraries print a netloc).
_USERINFO_IN_TEXT = re.compile(r"(?<![\w/])[^\s@/:<>\"'|]+:[^\s@/<>\"'|]*@(?=[\w.\[\]-])")


def _split(url: str):
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return parts


def _hostport(parts) -> str:
    """The netloc without its userinfo, as written."""
    return parts.netloc.rpartition("@")[2]


def _masked_query(query: str) -> str:
    out = []
    for pair in query.split("&"):
        if not pair:
            continue
        key, eq, _ = pair.partition("=")
        out.append(f"{key}={MASK}" if eq else MASK)
    return "&".join(out)


def masked_url(url: str) -> str:
    """The URL with userinfo, query values and fragment replaced by `***` (keys kept).
    Invisible characters go first: a bidi control must not count as a parameter."""
    url = strip_invisible(url)
    parts = _split(url)
    if parts is None:
        return _mask_loose(url)
    netloc = _hostport(parts)
    if "@" in parts.netloc:
        netloc = f"{MASK}@{netloc}"
    text = f"{parts.scheme}://{netloc}{parts.path}"
    if parts.query or url.rstrip().endswith("?"):
        text += "?" + _masked_query(parts.query)
    if parts.fragment:
        text += "#" + MASK
    return text


def public_url(url: str) -> str:
    """Host (and port) and path: what any member may see of a feed's address."""
    parts = _split(url)
    if parts is None:
        return _mask_loose(url).split("?", 1)[0].split("#", 1)[0]
    return _hostport(parts) + parts.path


def link_target(url: str) -> str:
    """Scheme, host, port and path: the address a Slack link may lead to (no secrets)."""
    parts = _split(url)
    if parts is None:
        return ""
    return f"{parts.scheme}://{_hostport(parts)}{parts.path}"


def _trim(url: str) -> tuple[str, str]:
    """A URL found in prose, and the sentence punctuation that followed it."""
    stripped = url.rstrip(".,;:!?)]}")
    return stripped, url[len(stripped):]


def _mask_loose(text: str) -> str:
    """For what urlsplit cannot read: userinfo and query values masked by pattern."""
    text = _USERINFO_IN_TEXT.sub(MASK + "@", text)
    head, q, query = text.partition("?")
    if q:
        query, h, _ = query.partition("#")
        text = head + "?" + _masked_query(query) + (f"#{MASK}" if h else "")
    return text


def redact_text(text: str) -> str:
    """Every URL in `text` masked as `masked_url` does, and any stray `user:pass@`."""
    if "@" not in text and "://" not in text:
        return text

    def repl(m: re.Match) -> str:
        url, tail = _trim(m.group(0))
        return masked_url(url) + tail

    text = _URL_IN_TEXT.sub(repl, text)
    if "@" in text:
        # outside URLs: a bare netloc with a password (`user:pw@db.internal`)
        text = _USERINFO_IN_TEXT.sub(MASK + "@", text)
    return text
