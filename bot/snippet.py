"""Snippets: a short window of an article's summary around the first matched word.

Pure Python on purpose: both backends produce the same snippet for the same article, and
the text stays plain (escaped for Slack later, like every feed string).
"""

from __future__ import annotations

import re

WORD = re.compile(r"\w+", re.UNICODE)


def make_snippet(text: str, words: list[str], width: int = 200) -> str:
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    stems = [w.lower()[: max(3, len(w) - 2)] for w in words if w]
    start = 0
    if stems:
        for m in WORD.finditer(text):
            token = m.group().lower()
            if any(token.startswith(s) for s in stems):
                start = max(0, m.start() - width // 4)
                break
    if start:
        # begin on a word boundary
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    end = start + width
    if end < len(text):
        space = text.rfind(" ", start + width // 2, end)
        end = space if space > 0 else end
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
