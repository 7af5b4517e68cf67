"""Why an article matched: which of a query's words and phrases it holds, and where.

The index decides *whether* an article matches (bot/store); this module says *why*, for
people: `matched` in `--json`, the bold words in Slack, the terms behind a "not relevant"
vote. It re-reads the article's text the way the index does (the same word split as
bot/query.py, diacritics removed, the Porter stemmer that SQLite's FTS5 `porter` tokenizer
runs), so what it names is what the index saw. It reads each article as the index holds it in
the article's language (bot/langindex.py: the language's own stems, CJK bigrams), so `language`
is passed along with the text. PostgreSQL stems English with Snowball's English, which differs
from Porter on a few words; there the explanation can miss a term the index matched, never
invent one.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from bot.langindex import query_stored, stored_spans
from bot.language import UNDETERMINED
from bot.query import FIELDS, And, Near, Node, Not, Or, Phrase, Term, near_fields, word_spans

# A Snowball stemmer keeps the word it works on in itself: one per thread (Slack answers
# searches on several threads at once).
_STEMMERS = threading.local()
# Where a term is reported as found, in this order: the headline first, then the lead (the
# summary's opening, bot/lead.py), then anywhere in the summary.
FIELD_ORDER = ("title", "lead", "summary")


@lru_cache(maxsize=65536)
def _stem(token: str) -> str:
    folded = "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))
    if not folded.isascii():
        return folded
    stemmer = getattr(_STEMMERS, "porter", None)
    if stemmer is None:
        stemmer = _STEMMERS.porter = snowballstemmer.stemmer("porter")
    return stemmer.stemWord(folded)


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


@lru_cache(maxsize=256)
def text_tokens(text: str) -> tuple[tuple[int, int, str], ...]:
    """`word_spans(text)`, remembered: explaining one article reads the same title and lead
    once per query word, and a watchlist's statistics explain hundreds of articles."""
    return tuple(word_spans(text))


@lru_cache(maxsize=256)
def _stored(text: str, language: str) -> tuple[tuple[int, int, str], ...]:
    """The index's tokens of `text` in `language`, with their spans, remembered as text_tokens is."""
    return tuple(stored_spans(text, language))


def _piece_matches(piece: tuple[str, bool], stored: str) -> bool:
    entry, prefix = piece
    return stored.startswith(entry) if prefix else stored == entry


def leaf_spans(leaf: Term | Phrase, text: str, language: str = UNDETERMINED) -> list[tuple[int, int]]:
    """Character spans of `text` (in `language`) where the word or phrase occurs."""
    words = (leaf.text,) if isinstance(leaf, Term) else leaf.words
    tokens = _stored(text, language)
    pattern = query_stored(words, leaf.prefix, language)
    last = len(pattern) - 1
    out = []
    for i in range(len(tokens) - last):
        if all(_piece_matches(piece, tokens[i + k][2]) for k, piece in enumerate(pattern)):
            out.append((tokens[i][0], tokens[i + last][1]))
    return out


def term_text(leaf: Term | Phrase) -> str:
    text = leaf.text if isinstance(leaf, Term) else " ".join(leaf.words)
    return text + ("*" if leaf.prefix else "")


def matched_terms(
    node: Node, *, title: str, summary: str, lead: str = "", language: str = UNDETERMINED
) -> list[Matched]:
    """The query's words and phrases the article (in `language`) holds, each once, with the
    first field (title, lead, summary) it occurs in among those the word is scoped to."""
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
            if texts[field] and leaf_spans(leaf, texts[field], language):
                out.append(Matched(term, field))
                seen.add(term)
                break
    return out


def highlight_spans(node: Node, text: str, language: str = UNDETERMINED) -> list[tuple[int, int]]:
    """Non-overlapping spans of `text` (in `language`) holding any of the query's positive
    words, in order."""
    spans = sorted(s for leaf in _positive_leaves(node) for s in leaf_spans(leaf, text, language))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# ---- deciding a match, as the index would ---------------------------------------------------
class _Field:
    """One field's tokens as the index holds them: entries by position, positions by entry."""

    __slots__ = ("stems", "at", "language")

    def __init__(self, text: str, language: str = UNDETERMINED) -> None:
        self.language = language
        self.stems = [entry for _, _, entry in stored_spans(text, language)]
        self.at: dict[str, list[int]] = {}
        for i, stem in enumerate(self.stems):
            self.at.setdefault(stem, []).append(i)

    def positions(self, piece: tuple[str, bool]) -> list[int]:
        entry, prefix = piece
        if prefix:
            return sorted(i for stem, where in self.at.items() if stem.startswith(entry) for i in where)
        return self.at.get(entry, [])


def _leaf_positions(leaf: Term | Phrase, field: _Field) -> list[tuple[int, int]]:
    """(first, last) token positions where the word or phrase occurs."""
    words = (leaf.text,) if isinstance(leaf, Term) else leaf.words
    pattern = query_stored(words, leaf.prefix, field.language)
    last = len(pattern) - 1
    first = field.positions(pattern[0])
    if last == 0:
        return [(i, i) for i in first]
    n = len(field.stems)
    return [
        (i, i + last)
        for i in first
        if i + last < n and all(_piece_matches(p, field.stems[i + k]) for k, p in enumerate(pattern[1:], 1))
    ]


@lru_cache(maxsize=1024)
def _group_index(group_id: int, group: Node, language: str) -> tuple[dict[str, list], list]:
    """An OR-group of words and phrases by the index entry of each one's first piece (prefixes
    apart), in one language: a watchlist's groups hold a hundred words, an article's lead a
    few dozen, so the check looks up the article's words instead of trying every word of the
    group. Keyed by id, with the group itself kept in the cache so the id cannot be reused
    meanwhile."""
    items = group.items if isinstance(group, Or) else (group,)
    exact: dict[str, list] = {}
    prefixes = []
    for leaf in items:
        words = (leaf.text,) if isinstance(leaf, Term) else leaf.words  # type: ignore[union-attr]
        entry, prefix = query_stored(words, leaf.prefix, language)[0]  # type: ignore[union-attr]
        if prefix:
            prefixes.append(leaf)
        else:
            exact.setdefault(entry, []).append(leaf)
    return exact, prefixes


def _is_leaf_group(node: Node) -> bool:
    return isinstance(node, (Term, Phrase)) or (
        isinstance(node, Or) and all(isinstance(i, (Term, Phrase)) for i in node.items)
    )


def _side_positions(side: Node, field: _Field) -> list[tuple[int, int]]:
    exact, prefixes = _group_index(id(side), side, field.language)
    leaves = [leaf for stem in field.at if stem in exact for leaf in exact[stem]] + prefixes
    return [p for leaf in leaves for p in _leaf_positions(leaf, field)]


def _near_holds(node: Near, fields: dict[str, _Field]) -> bool:
    """FTS5's NEAR: both sides in one field with at most `distance` tokens between the end of
    one and the start of the other."""
    for name in near_fields(node) or FIELDS:
        field = fields[name]
        if not field.stems:
            continue
        right = _side_positions(node.items[1], field)
        if not right:
            continue
        for a0, a1 in _side_positions(node.items[0], field):
            for b0, b1 in right:
                if b0 <= a1 and a0 <= b1:
                    continue  # the same words: overlapping sides are not "near" each other
                gap = b0 - a1 - 1 if b0 > a1 else a0 - b1 - 1
                if gap <= node.distance:
                    return True
    return False


def _holds(node: Node, fields: dict[str, _Field]) -> bool:
    if isinstance(node, (Term, Phrase)):
        return any(_leaf_positions(node, fields[f]) for f in (node.fields or FIELDS))
    if isinstance(node, Or) and _is_leaf_group(node) and len({i.fields for i in node.items}) == 1:
        # a group of words with one scope: look up the article's words in it
        return any(_side_positions(node, fields[f]) for f in (node.items[0].fields or FIELDS))
    if isinstance(node, Near):
        return _near_holds(node, fields)
    if isinstance(node, And):
        return all(_holds(i, fields) for i in node.items)
    if isinstance(node, Or):
        return any(_holds(i, fields) for i in node.items)
    if isinstance(node, Not):
        return not _holds(node.item, fields)
    raise TypeError(f"not a query node: {node!r}")


@lru_cache(maxsize=2048)
def _field(text: str, language: str = UNDETERMINED) -> _Field:
    """A text's field index, kept for the next watchlist checking the same article."""
    return _Field(text, language)


class _Fields(dict):
    """Each field indexed when a query first asks for it: a watchlist reads title and lead,
    so an article's long summary is never tokenized for it."""

    def __init__(self, texts: dict[str, str], language: str = UNDETERMINED) -> None:
        super().__init__()
        self.texts = texts
        self.language = language

    def __missing__(self, name: str) -> _Field:
        field = self[name] = _field(self.texts[name], self.language)
        return field


def holds(node: Node, *, title: str, summary: str, lead: str, language: str = UNDETERMINED) -> bool:
    """Whether the article (in `language`) matches `node`, decided on its text as FTS5 decides
    it on the index (for the rows a relaxed query found, bot/query.py `to_fts5_candidates`)."""
    return _holds(node, _Fields({"title": title, "summary": summary, "lead": lead}, language or UNDETERMINED))
