"""Undo impossible encoding labels before a parser believes them.

A document whose XML declaration (or HTTP charset) says UTF-16 or UTF-32 but whose bytes
have no byte-order mark and no NUL bytes cannot be in that encoding: every character of
those encodings below U+0100 has a zero byte. Such feeds exist (a CMS template copied from
a Windows export says `encoding="utf-16"` over UTF-8 bytes). feedparser, handed the bytes
without an HTTP Content-Type, notices and reads them as UTF-8 (bozo,
CharacterEncodingOverride); handed the HTTP type as a poll must, it trusts the label and
reads noise. So the label is corrected here, the way feedparser's own fallback chooses:
UTF-8 when the bytes are valid UTF-8, else windows-1252.
"""

from __future__ import annotations

import codecs
import re

_DECLARATION = re.compile(rb"""^(\xef\xbb\xbf)?(\s*<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9._:-]{1,40})(["'])""")
_WIDE = ("utf-16", "utf-32")


def _is_wide(name: str | None) -> bool:
    if not name:
        return False
    try:
        return codecs.lookup(name).name.startswith(_WIDE)
    except LookupError:
        return False


def narrow_bytes(content: bytes) -> bool:
    """True when the bytes cannot be UTF-16/32: no BOM of those and no NUL among the first bytes."""
    head = content[:512]
    return not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" not in head


def _actual(content: bytes) -> str:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return "windows-1252"
    return "utf-8"


def repair_labels(content: bytes, content_type: str) -> tuple[bytes, str, str | None]:
    """(content, content type, note): a wide label on narrow bytes replaced by what they are.

    `note` says what was overridden (kept as the feed's bozo text for the logs), None when
    nothing was changed.
    """
    if not narrow_bytes(content):
        return content, content_type, None
    note = None
    m = _DECLARATION.match(content)
    if m and _is_wide(m.group(3).decode("ascii")):
        actual = _actual(content)
        note = f"document declared as {m.group(3).decode('ascii')}, but parsed as {actual}"
        content = content[: m.start(3)] + actual.encode("ascii") + content[m.end(3):]
    media, _, params = content_type.partition(";")
    kept = []
    for param in params.split(";") if params else []:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and _is_wide(value.strip().strip("\"'")):
            actual = _actual(content)
            note = note or f"served as charset={value.strip()}, but parsed as {actual}"
            kept.append(f" charset={actual}")
        else:
            kept.append(param)
    if kept:
        content_type = media + ";" + ";".join(kept)
    return content, content_type, note
