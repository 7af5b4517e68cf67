"""The parser's budget: bound its work on a document before it starts.

feedparser runs Python code for every element, and nothing in it stops early. Two shapes
of document fit under the 15 MiB body cap and still cost a poll dearly:

- too many entries: a 12 MB feed of 100,000 tiny items took 15 s and 280 MB to parse, only
  for `parse.newest` to keep 500. Real feeds carry tens of items, so everything after the
  first `MAX_DOCUMENT_ENTRIES` entries is cut from the bytes beforehand, keeping what
  follows the last entry (`</channel></rss>`, `</feed>`) so the document stays well-formed
  and feedparser's fast strict parser still reads it. Feeds list newest first, so the
  entries kept are the recent ones.
- too much markup: 8 MB of `<p>x</p>` inside one description (a million elements) took
  16 s and 230 MB. Such a document is refused when it has more than `MAX_ELEMENTS` start
  tags outside CDATA sections (HTML inside CDATA is one cheap text node to the parser, so
  full-text feeds that wrap their HTML that way are not affected).

Both are byte-level scans, so they apply to ASCII-compatible encodings (UTF-8, Latin-1,
…); a UTF-16/32 document is passed through whole (its size is still capped by the
fetcher). An `<item>` written literally inside CDATA may be counted as an entry: the cut
then lands inside that text, the document turns malformed, and feedparser's loose parser
recovers the entries before the cut — a worse parse of a very unusual feed, never an
unbounded one.
"""

from __future__ import annotations

import re

MAX_DOCUMENT_ENTRIES = 2000
MAX_ELEMENTS = 100_000  # ~0.5 s of feedparser; a 100-item feed with full XHTML content has ~20,000

# <item …>, <entry …>, <rss:item …> (any namespace prefix), but not <items> or <entryPoint>.
_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)(?=[\s/>])")
_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>")
_TAIL = 64 * 1024  # where the closing tags after the last entry are looked for
_CDATA = re.compile(rb"<!\[CDATA\[.*?(?:\]\]>|$)", re.S)


def trim_entries(data: bytes, limit: int = MAX_DOCUMENT_ENTRIES) -> tuple[bytes, int]:
    """(`data` with the entries after the first `limit` removed, entries dropped).

    Returns `data` itself and 0 when it has at most `limit` entries or cannot be scanned
    as bytes (UTF-16/32).
    """
    if limit < 1 or not ascii_compatible(data):
        return data, 0
    cut = None
    count = 0
    for m in _START.finditer(data):
        count += 1
        if count == limit + 1:
            cut = m.start()
            break
    if cut is None:
        return data, 0
    dropped = 1 + sum(1 for _ in _START.finditer(data, cut + 1))
    tail_from = max(cut, len(data) - _TAIL)
    last_end = None
    for m in _END.finditer(data, tail_from):
        last_end = m.end()
    if last_end is None:  # no entry ends near the end of the document: keep the cut, let the parser recover
        return data[:cut], dropped
    return data[:cut] + data[last_end:], dropped


def count_elements(data: bytes) -> int | None:
    """Start tags outside CDATA sections; None when the bytes cannot be scanned (UTF-16/32)."""
    if not ascii_compatible(data):
        return None
    total = 0
    pos = 0
    for m in _CDATA.finditer(data):
        total += _starts(data, pos, m.start())
        pos = m.end()
    return total + _starts(data, pos, len(data))


def _starts(data: bytes, start: int, end: int) -> int:
    """`<` that open an element: not `</`, `<!` (comments, declarations) or `<?` (PIs)."""
    opens = data.count(b"<", start, end)
    return opens - data.count(b"</", start, end) - data.count(b"<!", start, end) - data.count(b"<?", start, end)


def too_much_markup(data: bytes, limit: int = MAX_ELEMENTS) -> str | None:
    """The refusal reason when `data` has more than `limit` elements, else None."""
    n = count_elements(data)
    if n is not None and n > limit:
        return f"refused: too much markup ({n:,} elements; at most {limit:,})"
    return None


def ascii_compatible(data: bytes) -> bool:
    """False for UTF-16/32 (a BOM, or NUL bytes in the first characters)."""
    head = data[:4]
    return not (head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head)
