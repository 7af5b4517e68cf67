"""The one line under a digest story's title that says why it matters: the article's first
sentence, with the page scraps feeds leave around it taken off.

Why not the summary as feeds give it: a feed summary is often the top of a web page, so it
starts with a byline or a dateline, ends with "Read more" or "The post … appeared first on
…", and carries navigation ("… Advisory · Scope checker") or cookie and share prompts. Two
or three lines of that per story is what made the channel message longer than a screen.
The first real sentence, at most LEAD_LINE characters, is what a reader skims.

Pure text in, text out; no markup (the renderer escapes it like any feed text). A model-written
line (the optional model features) may later replace it; this is what works without one.
"""

from __future__ import annotations

import re

from bot.text import truncate

LEAD_LINE = 160

_WS = re.compile(r"\s+")
# Whole phrases that are never part of the story, wherever they sit.
_SCRAPS = [
    re.compile(p, re.I)
    for p in (
        r"\bthe post\b.{1,200}?\bappeared first on\b.{0,120}?(?:\.|$)",
        r"\b(?:read|see) (?:more|the full (?:story|article)|also)\b\s*[:»›→…]*.*$",
        r"\b(?:continue|keep) reading\b.*$",
        r"\bclick here\b.*$",
        r"\b(?:share|tweet) (?:this|on (?:facebook|twitter|x|linkedin))\b.*$",
        r"\b(?:share on|follow us on|sign up for|subscribe to)\b.*$",
        r"\b(?:we use|this (?:site|website) uses|accept(?: all)?) cookies\b.*?(?:\.|$)",
        r"\bcookie (?:policy|settings|preferences)\b.*?(?:\.|$)",
        r"\badvertisement\b",
        r"\(image: [^)]{0,80}\)",
        r"\[(?:…|\.\.\.|\+\d+ chars)\]",
    )
]
# A byline or dateline in front: "By Jane Doe and Ann Lee, Reuters —", "WASHINGTON (Reuters) -".
_BYLINE = re.compile(r"^(?:(?i:by)\s+[^.!?]{1,80}?\s[-–—|:]\s+|[A-Z][A-Z .,'’-]{2,40}\s*\([A-Za-z .]{2,30}\)\s*[-–—:]\s*)")
# After navigation scraps, where the text proper begins ("Scope checker The UK's …").
_STARTER = re.compile(r"\s(?=(?:The|A|An|In|On|At|This|These|Its|New|After|As|When|With|For|From|Over)\s)")
# A two- or three-word menu item ("Scope checker") run into a capitalised sentence.
_LABEL = re.compile(r"^[A-Z][a-z]+(?: [a-z]+){1,2} (?=[A-Z])")
_LEADING_ELLIPSIS = re.compile(r"^(?:…|\.\.\.)\s*")
# A sentence ends at . ! ? (and CJK stops), before a space and anything but a lower-case word.
_SENTENCE_END = re.compile(r"[.!?。！？][\"'”’)\]]*(?=\s+[^a-z\s]|\s*$)")
# Words whose period does not end a sentence ("Dr. Smith", "the U.S. Senate").
_ABBREVIATIONS = frozenset("mr mrs ms dr prof st sen rep gov gen col lt inc corp co ltd jr sr vs no u.s u.k u.n e.u "
                           "e.g i.e jan feb mar apr jun jul aug sep sept oct nov dec".split())


def _first_sentence(text: str) -> str:
    for m in _SENTENCE_END.finditer(text):
        word = text[: m.start()].rsplit(None, 1)[-1].lower() if text[: m.start()].strip() else ""
        if text[m.start()] == "." and (word.rstrip(".") in _ABBREVIATIONS or re.fullmatch(r"[a-z]", word)):
            continue
        return text[: m.end()]
    return text


def _clean(text: str) -> str:
    text = _WS.sub(" ", text or "").strip()
    for pattern in _SCRAPS:
        text = pattern.sub(" ", text)
    text = _WS.sub(" ", text).strip()
    parts = re.split(r"\s+[·|•›»]\s+", text)
    if len(parts) >= 2:  # navigation scraps around the text: keep the longest real run
        keep = [p for p in parts if len(p.split()) > 4 or re.search(r"[.!?]$", p)]
        text = " ".join(keep) if keep else max(parts, key=len)
        if keep and keep[0] is not parts[0]:  # a menu item glued to the text
            label = _LABEL.match(text)
            head = _STARTER.search(text[:40])
            if label:
                text = text[label.end():]
            elif head:
                text = text[head.end():]
    text = _LEADING_ELLIPSIS.sub("", text)
    for _ in range(2):
        text = _BYLINE.sub("", text, count=1).strip()
    return text.strip(" -–—|·•:;,")


def lead_line(summary: str, title: str = "", limit: int = LEAD_LINE) -> str:
    """The first sentence of `summary` without page scraps, at most `limit` characters; ''
    when nothing is left or it only repeats the title."""
    text = _clean(summary)
    if not text:
        return ""
    sentence = _first_sentence(text)
    folded = lambda s: re.sub(r"\W+", " ", s).strip().casefold()  # noqa: E731
    if title and folded(sentence) == folded(title):
        rest = text[len(sentence):].strip()
        if not rest:
            return ""
        sentence = _first_sentence(rest)
    return truncate(sentence, limit)
