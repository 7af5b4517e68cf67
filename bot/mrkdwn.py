"""Slack mrkdwn escaping: the one place feed text is made safe for a Slack message.

In mrkdwn only `&`, `<` and `>` are control characters (they open links and mentions such as
`<!channel>`), so escaping exactly those shows every string literally and pings no one.
Links are built only by `link()`, which validates the URL and escapes the label, so a feed
cannot forge a link whose label says one thing and whose target is another: a label that
names a web address or a domain other than the target's (`https://accounts.google.com/login`,
`paypal.com security notice`) is shown with the real target's domain after it
(`… (evil.example)`). Every link the bot renders — search results, Share, lists, digest
templates (whose `link()` helper calls this one) — goes through here.

Text that is already mrkdwn is cut and split only by `cut()` and `split()`, which never break
an `&amp;` entity or a `<…>` link in two (half a link is a broken message).
"""

from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import quote, urlsplit

from bot.text import truncate  # noqa: F401  (plain text is cut before escaping: mrkdwn.truncate)

_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Characters that reorder or hide text (U+061C is the Arabic letter mark, a bidi control like
# U+200F); a feed title must not be able to disguise itself.
# Kept: U+200C/U+200D (zero-width (non-)joiner), which emoji sequences and Persian,
# Arabic and Indic scripts need and which cannot reorder anything.
_INVISIBLE = re.compile("[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Longer URLs are refused: Slack cuts them, and no real article link is that long.
MAX_URL = 2000
# A link label is cut to this many characters (before escaping) unless told otherwise.
MAX_LABEL = 300


def strip_invisible(text: object) -> str:
    """`text` without the bidi and zero-width controls that reorder or hide text. Every
    place feed text is shown uses this: Slack (through `escape`) and the terminal (bot.cli)."""
    return _INVISIBLE.sub("", str(text))


def escape(text: object) -> str:
    """Escape any value for a mrkdwn field; bidi and zero-width controls are dropped."""
    return strip_invisible(text).translate(_ESC)


# In text we bold ourselves, a feed's own `*` must not open or close bold: it is shown as the
# look-alike U+2217 (mrkdwn has no escape for `*`), so every bold marker is one we placed.
_STAR = str.maketrans({"*": "\u2217"})


def emphasize(text: object, spans: Iterable[tuple[int, int]] = ()) -> str:
    """`escape(text)` with the characters in `spans` (offsets into the raw text, as
    bot.explain.highlight_spans gives them) in bold.

    Each piece is escaped on its own and the markers go between pieces, so a marker can
    never land inside an `&amp;` entity, and since `<` is always escaped no link or mention
    can be formed or broken. Bold stops at line ends (mrkdwn bold is one line).
    """
    raw = str(text)
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        start, end = max(start, pos), min(end, len(raw))
        if start >= end:
            continue
        out.append(escape(raw[pos:start]).translate(_STAR))
        for n, line in enumerate(raw[start:end].split("\n")):
            piece = escape(line).translate(_STAR)
            out.append(("\n" if n else "") + (f"*{piece}*" if piece.strip() else piece))
        pos = end
    out.append(escape(raw[pos:]).translate(_STAR))
    return "".join(out)


def emphasized_link(url: str, label: str, spans: Iterable[tuple[int, int]] = ()) -> str:
    """`link(url, label)` with the label's `spans` in bold (`label` already cut to length:
    the spans are offsets into it)."""
    return _link(url, emphasize(label, spans), strip_invisible(label))


def safe_url(url: str) -> str | None:
    """The URL made safe inside `<…|…>`, or None when it is not a plain http(s) link."""
    url = strip_invisible(url or "").strip()  # a control may have hidden a space at an end
    if len(url) > MAX_URL:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    # `|`, `<`, `>`, spaces and quotes would end or split the link: percent-encode them.
    return quote(url, safe="/:?#[]@!$&'()*+,;=%~-._")


def link(url: str, label: str, max_label: int = MAX_LABEL) -> str:
    """`<url|label>` with the label escaped; just the escaped label when the URL is unusable.
    A label naming another address than the target's gets the target's domain appended."""
    shown = _INVISIBLE.sub("", truncate(str(label), max_label))
    return _link(url, escape(shown), shown)


def _link(url: str, text: str, shown: str) -> str:
    """The one place a link is built: `text` is the label as mrkdwn, `shown` as plain text
    (what the domain check reads)."""
    target = safe_url(url)
    text = text.replace("|", "¦") or (target and escape(target)) or ""
    if target is None:
        return text
    host = _display_host(target)
    if shown and host and _names_other_host(shown, host):
        text += f" ({escape(host)})"
    return f"<{target.replace('&', '&amp;')}|{text}>"


# ---- labels that pretend to be addresses ------------------------------------------------------
# Dots as IDNA reads them (ideographic and full-width full stops count as dots in a domain).
_DOTS = "\u002e\u3002\uff0e\uff61"
_LABEL_URL = re.compile(r"(?i)(?<![\w+.-])[a-z][a-z0-9+.-]{0,20}://[^\s<>|]*")
# A domain anywhere in the label, in any script: labels of letters/digits/hyphens joined by
# dots, ending in a top-level label of letters (`paypal.com`, `раураl.com`, `a.b.co.uk`).
_LABEL_DOMAIN = re.compile(
    rf"(?<![\w.{_DOTS}-])(?:[^\W_](?:[\w-]{{0,61}}[^\W_])?[{_DOTS}])+[^\W\d_]{{2,63}}(?![\w-])"
)


def holds_address(text: str) -> bool:
    """Whether `text` names a web address or a domain anywhere (`https://…`, `evil.example`),
    as a link label that pretends to be one would: the model's sentences use it to drop any
    answer that carries a link (bot/llm/sanitize.py)."""
    return bool(_LABEL_URL.search(text) or _LABEL_DOMAIN.search(text))


def _normal_host(host: str) -> str:
    """A host name in one spelling: lower case, IDNA dots, no trailing dot or `www.`, and
    Punycode for non-ASCII (so `раураl.com` and `paypal.com` never compare equal)."""
    host = host.lower().translate({ord(c): "." for c in _DOTS[1:]}).strip(".")
    if host.startswith("www."):
        host = host[4:]
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    return host


def _display_host(url: str) -> str:
    """The target's domain as a reader should see it (Punycode shows a look-alike for what it is)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return _normal_host(host) if host else ""


def _names_other_host(label: str, host: str) -> bool:
    """Whether the label names (as a URL or a bare domain) any host but `host`."""
    named: list[str] = []
    for m in _LABEL_URL.finditer(label):
        try:
            named.append(urlsplit(m.group(0)).hostname or "?")
        except ValueError:
            named.append("?")
    rest = _LABEL_URL.sub(" ", label)
    named += [m.group(0) for m in _LABEL_DOMAIN.finditer(rest)]
    return any(_normal_host(n) != host for n in named)


# ---- working on text that is already mrkdwn ----------------------------------------------------
_ATOM = re.compile(r"<[^<>]*>|&(?:amp|lt|gt);")


def _atoms(text: str) -> list[tuple[int, int]]:
    """Spans that must not be cut: links/mentions `<…>` and the three entities."""
    return [m.span() for m in _ATOM.finditer(text)]


def _safe_end(text: str, end: int, atoms: list[tuple[int, int]]) -> int:
    """Move a cut position `end` back so it does not fall inside an atom."""
    for start, stop in atoms:
        if start < end < stop:
            return start
    return end


def cut(text: str, limit: int, ellipsis: str = "…") -> str:
    """Shorten mrkdwn to at most `limit` characters without breaking a link or an entity."""
    if len(text) <= limit:
        return text
    room = max(0, limit - len(ellipsis))
    end = _safe_end(text, room, _atoms(text))
    space = text.rfind(" ", 0, end)
    if space > room * 0.6 and _safe_end(text, space, _atoms(text)) == space:
        end = space
    return text[:end].rstrip() + ellipsis


def split(text: str, limit: int) -> list[str]:
    """Split mrkdwn into pieces of at most `limit` characters: at line breaks where it can,
    else at spaces, never inside a link or an entity. A single link longer than `limit` is
    replaced by its label (the text survives, the link does not)."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = line if not current else current + "\n" + line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
            current = ""
        while len(line) > limit:
            atoms = _atoms(line)
            end = _safe_end(line, limit, atoms)
            space = line.rfind(" ", 0, end + 1)
            if space > 0 and _safe_end(line, space, atoms) == space:
                end = space
            if end == 0:  # one atom longer than the limit: keep its words, drop the link
                start, stop = atoms[0]
                target, _, label = line[start + 1 : stop - 1].partition("|")
                line = line[:start] + (label or target) + line[stop:]
                continue
            pieces.append(line[:end].rstrip())
            line = line[end:].lstrip(" ")
        current = line
    if current:
        pieces.append(current)
    return [p for p in pieces if p.strip()] or [cut(text, limit)]


_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
# Bold as the digest templates use it: a whole line, or a short lead-in ("*1.* …"). Never
# across a link, whose URL or label may hold asterisks of its own.
_BOLD_LINE = re.compile(r"(?m)^\*([^\n]*)\*$")
_BOLD_LEAD = re.compile(r"(?m)^\*([^*\n<>]+)\*(?=\s)")
# Bold words inside a line (emphasize()'s matched words), links' labels included.
_BOLD_WORDS = re.compile(r"(?<![\w*])\*([^*\s<>|](?:[^*\n<>|]*[^*\s<>|])?)\*(?![\w*])")


def to_plain(text: str) -> str:
    """mrkdwn as a terminal shows it: `label (url)`, date tokens as their fallback, bold
    markers removed (a feed's own `*`, which emphasize() shows as `∗`, comes back), entities
    decoded."""

    def repl(m: re.Match) -> str:
        target, label = m.group(1), m.group(2)
        if target.startswith("!date^"):
            return label or ""
        if target[:1] in ("!", "@", "#"):
            return label or target
        return f"{label} ({target})" if label else target

    text = _BOLD_WORDS.sub(r"\1", _BOLD_LEAD.sub(r"\1", _BOLD_LINE.sub(r"\1", text)))
    text = _LINK.sub(repl, text)
    text = text.replace("\u2217", "*")  # a feed's own asterisk, as emphasize() showed it
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
