"""An article's lead: the opening sentences that say what it is about.

Watchlists read the headline and the lead, not the whole text (bot/query.py `scoped`): a
word three paragraphs down is a passing mention, and matching it is how a film review or a
weekend-plans post got into an AI-policy digest. News writing puts the subject first, so
the first sentences up to LEAD_WORDS words stand for the article. Text without spaces
between words (Chinese, Japanese) is cut by characters instead.
"""

from __future__ import annotations

import re

LEAD_WORDS = 60  # about two or three sentences of a news lead
LEAD_MIN_WORDS = 30  # stop at the first sentence end after this many words
LEAD_CHARS = 400

_SENTENCE_END = re.compile(r"[.!?。！？](?:[\"'”’)\]]*)(?=\s|$)")


def lead_of(summary: str) -> str:
    """The first sentences of `summary`, at most LEAD_WORDS words and LEAD_CHARS characters."""
    text = " ".join(summary.split())
    if not text:
        return ""
    words = 0
    cut = len(text)
    for m in re.finditer(r"\S+", text):
        words += 1
        end = m.end()
        if end > LEAD_CHARS:
            cut = m.start() if m.start() > 0 else LEAD_CHARS
            break
        if words >= LEAD_WORDS:
            cut = end
            break
        if words >= LEAD_MIN_WORDS and _SENTENCE_END.search(m.group()):
            cut = end
            break
    return text[:cut].rstrip()
