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

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

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


def _word_matches(query_word: str, prefix: bool, token: str) -> bool:
    stem = _stem(token)
    # The index holds stems, and both FTS5 and PostgreSQL stem a prefix too before comparing
    # (`government*` looks for stems starting "govern").
    if prefix:
        return stem.startswith(_stem(query_word))
    return stem == _stem(query_word)


# Runs of ASCII letters/digits and non-ASCII characters: ASCII punctuation and spaces always
# separate words, so word_spans can run on each run apart, and only runs holding non-ASCII
# characters need its character-by-character path.
_RUNS = re.compile(r"[A-Za-z0-9\x80-\U0010ffff]+")


def _word_spans_fast(text: str) -> list[tuple[int, int, str]]:
    """`word_spans(text)`, the same spans, ~5x faster on text with a few accented letters or
    typographic quotes (half of all summaries): search explains every hit it shows."""
    if text.isascii():
        return word_spans(text)
    out: list[tuple[int, int, str]] = []
    for m in _RUNS.finditer(text):
        run, at = m.group(), m.start()
        if run.isascii():
            out.append((at, m.end(), run.lower()))
        else:
            out.extend((at + a, at + b, t) for a, b, t in word_spans(run))
    return out


@lru_cache(maxsize=256)
def text_tokens(text: str) -> tuple[tuple[int, int, str], ...]:
    """`word_spans(text)`, remembered: explaining one article reads the same title and lead
    once per query word, and a watchlist's statistics explain hundreds of articles."""
    return tuple(_word_spans_fast(text))


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


# ---- deciding a match, as the index would ---------------------------------------------------
class _Field:
    """One field's tokens as the index holds them: stems by position, positions by stem."""

    __slots__ = ("stems", "at")

    def __init__(self, text: str) -> None:
        self.stems = [_stem(t) for _, _, t in word_spans(text)]
        self.at: dict[str, list[int]] = {}
        for i, stem in enumerate(self.stems):
            self.at.setdefault(stem, []).append(i)

    def positions(self, word: str, prefix: bool) -> list[int]:
        start = _stem(word)
        if prefix:
            return sorted(i for stem, where in self.at.items() if stem.startswith(start) for i in where)
        return self.at.get(start, [])

    def word_at(self, i: int, word: str, prefix: bool) -> bool:
        stem = self.stems[i]
        return stem.startswith(_stem(word)) if prefix else stem == _stem(word)


def _leaf_positions(leaf: Term | Phrase, field: _Field) -> list[tuple[int, int]]:
    """(first, last) token positions where the word or phrase occurs."""
    words = (leaf.text,) if isinstance(leaf, Term) else leaf.words
    last = len(words) - 1
    first = field.positions(words[0], leaf.prefix and last == 0)
    if last == 0:
        return [(i, i) for i in first]
    n = len(field.stems)
    return [
        (i, i + last)
        for i in first
        if i + last < n
        and all(field.word_at(i + k, w, leaf.prefix and k == last) for k, w in enumerate(words[1:], 1))
    ]


@lru_cache(maxsize=1024)
def _group_index(group_id: int, group: Node) -> tuple[dict[str, list], list]:
    """An OR-group of words and phrases by the stem of each one's first word (prefixes apart):
    a watchlist's groups hold a hundred words, an article's lead a few dozen, so the check
    looks up the article's words instead of trying every word of the group. Keyed by id,
    with the group itself kept in the cache so the id cannot be reused meanwhile."""
    items = group.items if isinstance(group, Or) else (group,)
    exact: dict[str, list] = {}
    prefixes = []
    for leaf in items:
        words = (leaf.text,) if isinstance(leaf, Term) else leaf.words  # type: ignore[union-attr]
        if leaf.prefix and len(words) == 1:  # type: ignore[union-attr]
            prefixes.append(leaf)
        else:
            exact.setdefault(_stem(words[0]), []).append(leaf)
    return exact, prefixes


def _is_leaf_group(node: Node) -> bool:
    return isinstance(node, (Term, Phrase)) or (
        isinstance(node, Or) and all(isinstance(i, (Term, Phrase)) for i in node.items)
    )


def _side_positions(side: Node, field: _Field) -> list[tuple[int, int]]:
    exact, prefixes = _group_index(id(side), side)
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
def _field(text: str) -> _Field:
    """A text's field index, kept for the next watchlist checking the same article."""
    return _Field(text)


class _Fields(dict):
    """Each field indexed when a query first asks for it: a watchlist reads title and lead,
    so an article's long summary is never tokenized for it."""

    def __init__(self, texts: dict[str, str]) -> None:
        super().__init__()
        self.texts = texts

    def __missing__(self, name: str) -> _Field:
        field = self[name] = _field(self.texts[name])
        return field


def holds(node: Node, *, title: str, summary: str, lead: str) -> bool:
    """Whether the article matches `node`, decided on its text as FTS5 decides it on the index
    (for the rows a relaxed query found, bot/query.py `to_fts5_candidates`)."""
    return _holds(node, _Fields({"title": title, "summary": summary, "lead": lead}))
