"""Why an article matched: which of a query's words and phrases it holds, and where.

The index decides *whether* an article matches (bot/store); this module says *why*, for
people: `matched` in `--json`, the bold words in Slack, the terms behind a "not relevant"
vote. It re-reads the article's text the way the index does (the same word split as
bot/query.py, diacritics removed, the Porter stemmer that SQLite's FTS5 `porter` tokenizer
runs), so what it names is what the index saw. PostgreSQL stems with Snowball's English,
which differs from Porter on a few words; there the explanation can miss a term the index
matched, never invent one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from bot.query import And, Near, Node, Not, Or, Phrase, Term, word_spans

_STEMMER = snowballstemmer.stemmer("porter")
# Where a term is reported as found, in this order: the headline first, then the lead (the
# summary's opening, bot/lead.py), then anywhere in the summary.
FIELD_ORDER = ("title", "lead", "summary")


@lru_cache(maxsize=65536)
def _stem(token: str) -> str:
    folded = "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))
    return _STEMMER.stemWord(folded) if folded.isascii() else folded


@dataclass(frozen=True)
class Matched:
    term: str  # as the query writes it: travel, secur*, prompt injection
    field: str  # title, lead or summary

    def as_json(self) -> dict:
        return {"term": self.term, "field": self.field}


def _positive_leaves(node: Node) -> list[Term | Phrase]:
    out: list = []

    def walk(n: Node) -> None:
        if isinstance(n, (Term, Phrase)):
            out.append(n)
        elif isinstance(n, (And, Or, Near)):
            for item in n.items:
                walk(item)
        # Not: an excluded word is never a reason for a match

    walk(node)
    return list(dict.fromkeys(out))


def _word_matches(query_word: str, prefix: bool, token: str) -> bool:
    stem = _stem(token)
    if prefix:
        return stem.startswith(query_word) or token.startswith(query_word)
    return stem == _stem(query_word)


@lru_cache(maxsize=256)
def text_tokens(text: str) -> tuple[tuple[int, int, str], ...]:
    """`word_spans(text)`, remembered: explaining one article reads the same title and lead
    once per query word, and a watchlist's statistics explain hundreds of articles."""
    return tuple(word_spans(text))


def leaf_spans(leaf: Term | Phrase, text: str) -> list[tuple[int, int]]:
    """Character spans of `text` where the word or phrase occurs."""
    words = (leaf.text,) if isinstance(leaf, Term) else leaf.words
    tokens = text_tokens(text)
    last = len(words) - 1
    out = []
    for i in range(len(tokens) - last):
        if all(
            _word_matches(w, leaf.prefix and k == last, tokens[i + k][2]) for k, w in enumerate(words)
        ):
            out.append((tokens[i][0], tokens[i + last][1]))
    return out


def term_text(leaf: Term | Phrase) -> str:
    text = leaf.text if isinstance(leaf, Term) else " ".join(leaf.words)
    return text + ("*" if leaf.prefix else "")


def matched_terms(node: Node, *, title: str, summary: str, lead: str = "") -> list[Matched]:
    """The query's words and phrases the article holds, each once, with the first field
    (title, lead, summary) it occurs in among those the word is scoped to."""
    texts = {"title": title, "lead": lead, "summary": summary}
    out: list[Matched] = []
    seen: set[str] = set()
    for leaf in _positive_leaves(node):
        term = term_text(leaf)
        if term in seen:
            continue
        for field in FIELD_ORDER:
            if leaf.fields and field not in leaf.fields:
                continue
            if texts[field] and leaf_spans(leaf, texts[field]):
                out.append(Matched(term, field))
                seen.add(term)
                break
    return out


def highlight_spans(node: Node, text: str) -> list[tuple[int, int]]:
    """Non-overlapping spans of `text` holding any of the query's positive words, in order."""
    spans = sorted(s for leaf in _positive_leaves(node) for s in leaf_spans(leaf, text))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
