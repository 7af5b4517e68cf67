""""Did you mean": for a search that finds (almost) nothing, the same query with each word the
index does not hold replaced by the closest word it does.

Closest is the Damerau–Levenshtein distance (optimal string alignment: a swap of two
neighbours is one edit, as in `travle`) between index terms, i.e. stems on both sides, so
`chna` → `china` and `travle` → `travel` are one edit each. The candidates come from the
index's vocabulary through the store (bot/store/searchextras.py), in bounded lookups: a
range of terms sharing the word's first two letters (or those two swapped, or the first
and third: a dropped or doubled second letter), of a length within the allowed edits —
or, on PostgreSQL with pg_trgm, the vocabulary's trigram index. So a typo in the first
letter is found only with pg_trgm; the price of never reading the whole vocabulary.

A suggestion is offered only when it finds more than the query did, and it changes only
the misspelt words: operators, phrases, exclusions and filters stay as typed.
"""

from __future__ import annotations

import unicodedata

from bot.langindex import has_cjk
from bot.query import QueryError, parse_search, search_words

SUGGEST_BELOW = 3  # a search with fewer hits than this gets a suggestion, if there is one
MIN_WORD = 3  # shorter words are too ambiguous to correct


def max_edits(token: str) -> int:
    return 1 if len(token) <= 4 else 2


def distance(a: str, b: str, limit: int) -> int:
    """Damerau–Levenshtein (optimal string alignment) distance, or `limit + 1` once it is
    certain to exceed `limit` (most candidates are rejected after a row or two)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def probes(token: str) -> list[str]:
    """The vocabulary prefixes a correction of `token` can start with (see the module doc)."""
    out = [token[:2]]
    if len(token) > 2:
        out += [token[1] + token[0], token[0] + token[2]]
    return list(dict.fromkeys(p for p in out if len(p) == 2))


def closest(store, token: str, n: int = 5) -> list[str]:
    """The `n` index terms nearest to `token` (fewest edits, then held by most articles)."""
    limit = max_edits(token)
    scored = []
    for term, docs in store.vocab_candidates(token, probes(token), limit):
        if term != token:
            d = distance(token, term, limit)
            if d <= limit:
                scored.append((d, -docs, term))
    return [term for _, _, term in sorted(scored)[:n]]


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def _replacement(store, word: str) -> str | None:
    """The real word to show instead of `word`: among the nearest index terms, the one whose
    word as printed is nearest to what was typed (`securty` → security, not sécurité, though
    both stems are one edit away)."""
    if len(word) < MIN_WORD or not word.isalpha() or has_cjk(word):
        return None  # CJK: indexed as bigrams (bot/langindex.py), not words to correct
    token = store.index_token(word)
    if token is None or store.knows_word(word):
        return None
    best = None
    for rank, term in enumerate(closest(store, token)):
        shown = store.surface_of(term) or term
        key = (distance(_fold(word), _fold(shown), 99), rank)
        if best is None or key < best[0]:
            best = (key, shown)
    return best[1] if best else None


def suggest(store, text: str, found: int, window: tuple = (None, None)) -> str | None:
    """`text` with its unknown words corrected, when that finds more than `found` articles
    (within the same date `window`); else None."""
    changes = []
    for start, end, word in search_words(text):
        better = _replacement(store, word)
        if better and better != word:
            typed = text[start:end]
            changes.append((start, end, better.capitalize() if typed[:1].isupper() else better))
    if not changes:
        return None
    out = text
    for start, end, better in reversed(changes):
        out = out[:start] + better + out[end:]
    try:
        query = parse_search(out)
    except QueryError:
        return None
    node, languages = query.node, query.filters.get("language", ())
    if node is None or store.count_matching(node, since=window[0], until=window[1], languages=languages) <= found:
        return None
    return out
