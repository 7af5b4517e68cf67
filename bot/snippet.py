"""Snippets: a short window of an article's summary around its best passage, with the spans
of the query's words in it.

The best passage is the window holding the most *distinct* matched words and phrases (a
summary that names "china" ten times and "travel" once is about china travel where the two
meet, not where china first appears), ties broken by more hits, then the earlier window.
The words are found as the index finds them (bot/explain.py: the same word split and
stemmer, prefixes too), so a bold word in Slack and a `highlights` span in `--json` are
exactly the words that made the article match.

Pure Python on purpose: both backends produce the same snippet for the same article, and
the text stays plain (escaped for Slack later, like every feed string).
"""

from __future__ import annotations

import re

WORD = re.compile(r"\w+", re.UNICODE)
WIDTH = 200
ELLIPSIS = "…"


def _hits(node, text: str, language: str) -> list[tuple[int, int, int]]:
    """(start, end, which word or phrase) of every positive leaf of `node` in `text` (in
    `language`: the index's stems of that language, bot/langindex.py)."""
    from bot.explain import _positive_leaves, leaf_spans

    return sorted(
        (start, end, k)
        for k, leaf in enumerate(_positive_leaves(node))
        for start, end in leaf_spans(leaf, text, language)
    )


def _best_start(hits: list[tuple[int, int, int]], width: int) -> int:
    """Where the window of `width` characters with the most distinct leaves begins (at a hit)."""
    best, best_key = 0, None
    j = 0
    for i, (start, _, _) in enumerate(hits):
        j = max(j, i)
        while j + 1 < len(hits) and hits[j + 1][1] <= start + width:
            j += 1
        inside = hits[i : j + 1]
        key = (len({k for _, _, k in inside}), len(inside), -start)
        if best_key is None or key > best_key:
            best, best_key = start, key
    return best


def passage(text: str, node, width: int = WIDTH, language: str = "und") -> tuple[str, list[tuple[int, int]]]:
    """The snippet of `text` (an article's, in `language`) for query `node` (None: the
    opening) and the spans of the query's words in it, as offsets into the snippet (Python
    string indices, i.e. code points)."""
    text = " ".join(text.split())
    if node is None:
        return _cut(text, 0, width), []
    hits = _hits(node, text, language)  # the text is read once; the snippet's spans come from these
    start = 0
    if len(text) > width and hits:
        first = _best_start(hits, width)
        last_end = max((e for s, e, _ in hits if first <= s and e <= first + width), default=first)
        # centre the passage: as much context before its first hit as after its last
        slack = max(0, width - (last_end - first))
        start = max(0, min(first - slack // 2, len(text) - width))
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < min(first, start + 20) else start
    snippet, body_start, body_end = _window(text, start, width)
    shift = (len(ELLIPSIS) if start else 0) - body_start
    spans: list[tuple[int, int]] = []
    for s, e, _ in hits:
        if s >= body_start and e <= body_end:
            s, e = s + shift, e + shift
            if spans and s <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(e, spans[-1][1]))
            else:
                spans.append((s, e))
    return snippet, spans


def _window(text: str, start: int, width: int) -> tuple[str, int, int]:
    """The snippet from `start`, ending on a word boundary, with "…" where text is left out;
    and where its text begins and ends in `text`."""
    if len(text) <= width:
        return text, 0, len(text)
    end = start + width
    if end < len(text):
        space = text.rfind(" ", start + width // 2, end)
        end = space if space > 0 else end
    body = text[start:end]
    lstrip = len(body) - len(body.lstrip())
    body_start, body_end = start + lstrip, start + len(body.rstrip())
    snippet = (ELLIPSIS if start else "") + text[body_start:body_end] + (ELLIPSIS if end < len(text) else "")
    return snippet, body_start, body_end


def _cut(text: str, start: int, width: int) -> str:
    return _window(text, start, width)[0]


def make_snippet(text: str, words: list[str], width: int = WIDTH) -> str:
    """A snippet around the first of `words` (no parsed query at hand: kept for callers that
    only have words)."""
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
    return _cut(text, start, width)
