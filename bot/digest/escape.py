"""The escaping no digest template can forget: what a `{{ value }}` becomes, and the helpers
(`link`, `slack_date`, `url`, `plural`, the `clip` filter) that make the only markup a
template may emit.

Why escaping cannot be forgotten: the environment (render.py) autoescapes, and its
`finalize` (`_finalize`, here) turns *every* `{{ value }}` into text escaped twice over — for
Slack mrkdwn (`& < >`) and for a JSON string (quotes, backslashes, control characters) —
unless the value is markup the machinery itself made: `link(url, label)` (URL validated,
label escaped), `slack_date(…)`, `url(…)`, or a macro's / `{% set %}` block's output (already
escaped when it was rendered). Every string handed to a template is also a `Text`, whose
`__html__` does the same escaping, so `link(…) ~ item.source` and `|join` escape correctly
too. The `safe`, `forceescape`, `tojson`, `urlize` and `xmlattr` filters, which could emit
unescaped text, do not exist there (`_UNSAFE_FILTERS`).

The helpers record each `<…>` token they make during a render (`_TOKENS`), which is what
render.py's second guard, the scan of the rendered JSON, allows.
"""

from __future__ import annotations

import json
import re
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

from markupsafe import Markup

from bot import mrkdwn


# ---- the escaping machinery -------------------------------------------------------------------------
def json_body(text: str) -> str:
    """`text` as the inside of a JSON string literal."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


class Text(str):
    """A string from outside the template (feed text, names, settings): always escaped."""

    __slots__ = ()

    def __html__(self) -> str:
        return json_body(mrkdwn.escape(str.__str__(self)))


class Trusted(Markup):
    """Output the machinery made (a link, a date token): already mrkdwn and JSON safe."""


class Marked(Text):
    """Feed text together with the spans of the words that made its item match (offsets into
    the text): `{{ … }}` shows it escaped with those words in bold, and `link(url, it)` bolds
    them inside the link. The bold markers come from `mrkdwn.emphasize`, never from the feed."""

    def __new__(cls, text: str, spans=()):
        obj = super().__new__(cls, text)
        obj.spans = tuple(spans)
        return obj

    def __html__(self) -> str:
        return json_body(mrkdwn.emphasize(str.__str__(self), self.spans))


def _finalize(value: Any) -> Markup:
    if isinstance(value, Markup):  # a helper's output, or a macro's / block's rendered text
        return value
    if value is None:
        return Markup("")
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    if isinstance(value, bool):
        return Markup("true" if value else "false")
    if isinstance(value, (int, float)):
        return Markup(str(value))
    return Markup(json_body(mrkdwn.escape(str(value))))


# Tokens (`<…>`) the helpers made during the current render; the output scan allows only these.
_TOKENS: ContextVar[set | None] = ContextVar("digest_tokens", default=None)


def _register(token: str) -> Trusted:
    tokens = _TOKENS.get()
    if tokens is not None and token.startswith("<"):
        tokens.add(token)
    return Trusted(json_body(token))


def _plain(value: Any) -> str:
    """The raw text of a value handed to a helper (a Text's own characters)."""
    if value is None:
        return ""
    if isinstance(value, Markup):  # already escaped once: take it as the reader would see it
        raw = str.__str__(value)
        try:
            raw = json.loads('"' + raw + '"')
        except ValueError:
            pass
        return mrkdwn.to_plain(raw)
    return str.__str__(value) if isinstance(value, str) else str(value)


def link(url: Any, label: Any = None) -> Trusted:
    """`<url|label>`: the URL checked (http/https only), the label escaped; the label alone
    when the URL is unusable."""
    target = _plain(url)
    if isinstance(label, Marked):
        return _register(mrkdwn.emphasized_link(target, str.__str__(label), label.spans))
    return _register(mrkdwn.link(target, _plain(label) if label is not None else target))


_DATE_FORMAT = re.compile(r"^[A-Za-z_{}\s,:.\-/]{1,80}$")


def slack_date(ts: Any, fmt: str = "{date_short_pretty} {time}", fallback: Any = None) -> Trusted:
    """Slack's `<!date^…>` token: each reader sees the time in their own time zone."""
    try:
        seconds = int(ts.timestamp()) if isinstance(ts, datetime) else int(ts)
    except (TypeError, ValueError):
        return Trusted(json_body(mrkdwn.escape(_plain(fallback))))
    fmt = str(fmt)
    if not _DATE_FORMAT.match(fmt):
        fmt = "{date_short_pretty} {time}"
    if fallback is None:
        fallback = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    label = mrkdwn.escape(_plain(fallback)).replace("|", "¦") or "-"
    return _register(f"<!date^{seconds}^{fmt}|{label}>")


def url(value: Any) -> Trusted:
    """A checked http(s) URL for a URL field (a button's or an image's `url`), else ''."""
    return Trusted(json_body(mrkdwn.safe_url(_plain(value)) or ""))


def plural(n: int, one: str, many: str | None = None) -> str:
    return one if n == 1 else (many if many is not None else one + "s")


def _clip(value: Any, limit: int = 200) -> Text:
    if isinstance(value, Marked):  # a marked title or lead keeps its bold words inside the cut
        text = str.__str__(value)
        cut = mrkdwn.truncate(text, int(limit))
        if cut == text:
            return value
        end = len(cut.rstrip("…"))
        return Marked(cut, [(a, min(b, end)) for a, b in value.spans if a < end])
    return Text(mrkdwn.truncate(" ".join(_plain(value).split()), int(limit)))


_UNSAFE_FILTERS = ("safe", "forceescape", "tojson", "urlize", "xmlattr")
