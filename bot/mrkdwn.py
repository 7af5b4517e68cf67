"""Slack mrkdwn escaping: the one place feed text is made safe for a Slack message.

In mrkdwn only `&`, `<` and `>` are control characters (they open links and mentions such as
`<!channel>`), so escaping exactly those shows every string literally and pings no one.
Links are built only by `link()`, which validates the URL and escapes the label, so a feed
cannot forge a link whose label says one thing and whose target is another.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Characters that reorder or hide text; a feed title must not be able to disguise itself.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def escape(text: object) -> str:
    """Escape any value for a mrkdwn field; bidi and zero-width controls are dropped."""
    return _INVISIBLE.sub("", str(text)).translate(_ESC)


def safe_url(url: str) -> str | None:
    """The URL made safe inside `<…|…>`, or None when it is not a plain http(s) link."""
    url = _INVISIBLE.sub("", (url or "").strip())
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    # `|`, `<`, `>`, spaces and quotes would end or split the link: percent-encode them.
    return quote(url, safe="/:?#[]@!$&'()*+,;=%~-._")


def link(url: str, label: str) -> str:
    """`<url|label>` with the label escaped; just the escaped label when the URL is unusable."""
    target = safe_url(url)
    text = escape(label).replace("|", "¦") or (target and escape(target)) or ""
    if target is None:
        return text
    return f"<{target.replace('&', '&amp;')}|{text}>"


def truncate(text: str, limit: int) -> str:
    """Cut to `limit` characters on a word boundary, with an ellipsis (before escaping)."""
    if len(text) <= limit:
        return text
    cut = text[: max(1, limit - 1)]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"
