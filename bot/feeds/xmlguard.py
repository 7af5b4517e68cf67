"""Looks at an XML document's prolog before any XML parser does.

feedparser's loose fallback parser expands internal entities without limit (a 70 KB feed
grew to a 200 M-character summary, 616 MB, 9.7 s), and expat-based parsers expand them
too. No real feed declares one, so a document whose prolog has an internal DTD subset
or an `<!ENTITY` declaration is refused outright instead of being parsed.

The prolog is read the way parsers will read it: the same bytes decoded with every
encoding a parser might pick (BOM / byte-pattern sniffing, the HTTP charset, the XML
declaration), because a declaration hidden in UTF-16 or EBCDIC is still a declaration.
UTF-7, which can spell `<` without the byte 0x3C, is refused. Only the prolog (what
precedes the root element) is checked: an article *about* XXE may quote `<!ENTITY` in
its CDATA text, and that is harmless.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

WINDOW = 256 * 1024
_NO_ROOT = "refused: no root element in the first {} KiB"
_XML_ENCODING = re.compile(r"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")


@dataclass(frozen=True)
class Prolog:
    """What precedes the root element, and whether it is safe to hand to a parser."""

    root: str | None = None  # the root element's name as written, e.g. "rss", "feed", "rdf:RDF", "html"
    doctype: str | None = None  # the DOCTYPE's name, e.g. "html", "rss"
    error: str | None = None  # set → do not parse
    is_json: bool = False

    @property
    def root_local(self) -> str:
        return (self.root or "").rsplit(":", 1)[-1].lower()


def inspect_prolog(data: bytes, *, charset: str | None = None, window: int = WINDOW) -> Prolog:
    """Scan the start of `data`; `charset` is the HTTP Content-Type charset, if any."""
    prefix = data[:window]
    stripped = prefix.lstrip(b" \t\r\n")
    if stripped.startswith(b"\xef\xbb\xbf"):
        stripped = stripped[3:].lstrip(b" \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return Prolog(is_json=True)

    candidates: list[str] = []
    for name in (_sniff(prefix), charset, _declared(prefix, _sniff(prefix)), "latin-1"):
        if not name:
            continue
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            continue
        if codec == "utf-7":
            return Prolog(error="refused: UTF-7 encoded XML is not accepted")
        if codec not in candidates:
            candidates.append(codec)

    # Every reading is checked for entity declarations; the first that finds a root element
    # names it. A reading that finds no root proves nothing by itself: a declaration that
    # lies (`encoding="utf-16"` on UTF-8 bytes, seen in the wild; feedparser overrides it)
    # turns the bytes into noise, and only when no reading finds a root is that refused.
    found: Prolog | None = None
    no_root: Prolog | None = None
    for codec in candidates:
        text = prefix.decode(codec, errors="replace").lstrip("\ufeff")
        result = _scan(text, truncated=len(data) > len(prefix), window=window)
        if result.error == _NO_ROOT.format(window // 1024):
            no_root = no_root or result
            continue
        if result.error:
            return result
        if found is None or (found.root is None and result.root is not None):
            found = result
    if found is not None and (found.root is not None or no_root is None):
        return found
    return no_root or found or Prolog()


def _sniff(prefix: bytes) -> str | None:
    """The encoding a byte-order mark or the byte pattern of `<`/whitespace gives away."""
    boms = (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    )
    for bom, name in boms:
        if prefix.startswith(bom):
            return name
    head = prefix[:4]
    if head == b"\x00\x00\x00<":
        return "utf-32-be"
    if head == b"<\x00\x00\x00":
        return "utf-32-le"
    if head == b"\x4c\x6f\xa7\x94":  # "<?xm" in EBCDIC
        return "cp037"
    sample = prefix[:256]
    if b"\x00" in sample:
        even = sum(1 for i in range(0, len(sample), 2) if sample[i] == 0)
        odd = sum(1 for i in range(1, len(sample), 2) if sample[i] == 0)
        return "utf-16-be" if even > odd else "utf-16-le"
    return None


def _declared(prefix: bytes, sniffed: str | None) -> str | None:
    """The encoding named in the XML declaration, if any."""
    try:
        head = prefix[:1024].decode(sniffed or "latin-1", errors="replace")
    except LookupError:
        return None
    match = _XML_ENCODING.search(head)
    return match.group(1) if match else None


def _scan(text: str, *, truncated: bool, window: int) -> Prolog:
    """Walk PIs, comments and the DOCTYPE up to the root element's start tag."""
    pos = 0
    n = len(text)
    doctype: str | None = None
    while True:
        lt = text.find("<", pos)
        if lt < 0 or lt + 1 >= n:
            break
        nxt = text[lt + 1]
        if nxt == "?":
            end = text.find("?>", lt + 2)
            if end < 0:
                break
            pos = end + 2
        elif text.startswith("<!--", lt):
            end = text.find("-->", lt + 4)
            if end < 0:
                break
            pos = end + 3
        elif nxt == "!":
            end, has_subset = _declaration_end(text, lt + 2)
            decl = text[lt + 2 : end if end > 0 else n]
            if decl[:7].upper() == "DOCTYPE":
                if has_subset:
                    return Prolog(error="refused: the document declares an internal DTD subset (possible entity expansion)")
                parts = decl[7:].split()
                doctype = parts[0] if parts else ""
            if decl[:6].upper() == "ENTITY":
                return Prolog(error="refused: the document declares XML entities (possible entity expansion)")
            if end < 0:
                break
            pos = end + 1
        elif nxt.isalpha() or nxt in "_:" or ord(nxt) > 127:
            prolog = text[:lt]
            if _has_entity(prolog):
                return Prolog(error="refused: the document declares XML entities (possible entity expansion)")
            m = re.match(r"[^\s/>]+", text[lt + 1 : lt + 200])
            return Prolog(root=m.group(0) if m else None, doctype=doctype)
        else:
            pos = lt + 1  # stray "<" in junk before the root: keep looking
    if _has_entity(text):
        return Prolog(error="refused: the document declares XML entities (possible entity expansion)")
    if truncated:
        return Prolog(error=_NO_ROOT.format(window // 1024))
    return Prolog(doctype=doctype)


def _has_entity(text: str) -> bool:
    return "<!entity" in text.lower()


def _declaration_end(text: str, start: int) -> tuple[int, bool]:
    """Index of the `>` closing a `<!…` declaration, skipping quoted strings; and whether a `[` subset opened."""
    quote = ""
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "[":
            return (text.find(">", i), True)
        elif c == ">":
            return (i, False)
        i += 1
    return (-1, False)
