"""What the full-text index holds for a text in a given language, and how a query word is
looked up in it: per-language stemming and Chinese/Japanese/Korean character bigrams.

Why this shape. SQLite's FTS5 has one stemmer built in (Porter, English). Rather than give
every article to it, the text each article's index row receives is rewritten here (SQLite
calls `fts_text` from the index triggers as the function `aibrief_index`):

- English, undetermined, Chinese, Japanese and Korean articles keep their words as they are
  and the tokenizer's Porter stemmer stems them, exactly as before languages were detected
  (so English search behaves as it always has, and an English-only database needed no
  re-indexing);
- an article in another language gets each word replaced by its Snowball stem in that
  language (diacritics removed first, as PostgreSQL's unaccent does) followed by the
  language's private-use marker character (bot/language.py). Porter never changes a token
  that ends in something other than an ASCII letter, so the stem is stored as made here, and
  the marker keeps a French stem from ever equalling an English one (`pain` the bread is not
  `pains`);
- a run of Chinese, Japanese or Korean characters (written without spaces, so the tokenizer
  would keep `中国发布` as one token up to the next punctuation) becomes its overlapping
  character bigrams followed by its last character alone: `中国发布` → `中国 国发 发布 布`.
  A query word then becomes the phrase of its bigrams, found anywhere inside a run but never
  across punctuation; the trailing character lets a one-character word, or a phrase that
  goes on past the run's end, be found too.

A query word is compiled once per language present in the archive (`query_tokens`), so
`attaque` finds French `attaquées` by its French stem and `travel` English `travels` by its
Porter stem. PostgreSQL does the same with a text search configuration per language and an
SQL twin of the bigram rewrite (bot/store/schema.py); bot/explain.py reads `stored_spans` so
the words it names and highlights are the ones the index matched.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from bot.language import Language, language_of
from bot.words import word_spans

__all__ = ["CJK_RANGES", "Piece", "fts_text", "has_cjk", "is_cjk", "query_tokens", "stored_spans", "stored_word"]

# Scripts written without spaces between words (plus Korean, whose particles are written
# onto the word: 서울에서 "in Seoul"). Only word characters (letters, digits, marks) in these
# blocks count: their punctuation (、。「」・) separates words like any other.
CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2FDF),  # CJK and Kangxi radicals
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x3031, 0x3035),  # kana repeat marks
    (0x303B, 0x303C),
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x3130, 0x318F),  # Hangul compatibility Jamo
    (0x31A0, 0x31FF),  # Bopomofo extended, Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul Jamo extended A
    (0xAC00, 0xD7FF),  # Hangul syllables, Jamo extended B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFFDC),  # half-width Katakana and Hangul
    (0x20000, 0x3134F),  # CJK extensions B–G
)


def is_cjk(c: str) -> bool:
    o = ord(c)
    if o < 0x1100:
        return False
    for lo, hi in CJK_RANGES:
        if o < lo:
            return False
        if o <= hi:
            return True
    return False


def has_cjk(text: str) -> bool:
    return not text.isascii() and any(is_cjk(c) for c in text)


@dataclass(frozen=True)
class Piece:
    """One token the index holds: `text` lower-cased as the tokenizer sees it, `cjk` for a
    bigram (or lone character) of a CJK run, `prefix` for a query's trailing `*`."""

    start: int
    end: int
    text: str
    cjk: bool = False
    prefix: bool = False


def _segments(token: str) -> list[tuple[int, str, bool]]:
    """(offset, text, is_cjk) runs of a token: `发布gpt` → (0, 发布, True), (2, gpt, False)."""
    out: list[tuple[int, str, bool]] = []
    start = 0
    kind = is_cjk(token[0])
    for i in range(1, len(token)):
        k = is_cjk(token[i])
        if k != kind:
            out.append((start, token[start:i], kind))
            start, kind = i, k
    out.append((start, token[start:], kind))
    return out


def _bigrams(offset: int, run: str, trailing: bool) -> list[Piece]:
    if len(run) == 1:
        return [Piece(offset, offset + 1, run, cjk=True)]
    out = [Piece(offset + i, offset + i + 2, run[i : i + 2], cjk=True) for i in range(len(run) - 1)]
    if trailing:
        out.append(Piece(offset + len(run) - 1, offset + len(run), run[-1], cjk=True))
    return out


def _pieces(start: int, token: str, *, last: bool = False, prefix: bool = False) -> list[Piece]:
    """A token's index pieces. `last`: the final word of a query, whose final CJK run may go
    on in the article (no trailing character required), and whose `prefix` applies to its
    last piece."""
    if token.isascii() or not has_cjk(token):
        return [Piece(start, start + len(token), token, prefix=prefix)]
    out: list[Piece] = []
    segments = _segments(token)
    for n, (offset, seg, cjk) in enumerate(segments):
        final = last and n == len(segments) - 1
        if cjk:
            pieces = _bigrams(start + offset, seg, trailing=not final)
            if final and len(seg) == 1:  # a lone character: the bigrams starting with it, or itself
                pieces = [Piece(start + offset, start + offset + 1, seg, cjk=True, prefix=True)]
            out.extend(pieces)
        else:
            out.append(Piece(start + offset, start + offset + len(seg), seg, prefix=final and prefix))
    return out


def text_pieces(text: str) -> list[Piece]:
    """The index pieces of an article's text, with their character spans."""
    return [p for s, _, tok in word_spans(text) for p in _pieces(s, tok)]


# ---- stems --------------------------------------------------------------------------------
_STEMMERS = threading.local()  # a Snowball stemmer keeps its current word in itself: one per thread


def _stemmer(algorithm: str):
    cache = getattr(_STEMMERS, "by_name", None)
    if cache is None:
        cache = _STEMMERS.by_name = {}
    stemmer = cache.get(algorithm)
    if stemmer is None:
        stemmer = cache[algorithm] = snowballstemmer.stemmer(algorithm)
    return stemmer


def fold(token: str) -> str:
    """Diacritics removed, as the tokenizer's remove_diacritics and PostgreSQL's unaccent do."""
    if token.isascii():
        return token
    return "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))


@lru_cache(maxsize=131072)
def _porter(token: str) -> str:
    """What FTS5's porter tokenizer stores for a token: it stems ASCII words only."""
    folded = fold(token)
    if not folded.isascii():
        return folded
    return _stemmer("porter").stemWord(folded)


@lru_cache(maxsize=131072)
def _marked(token: str, code: str) -> str:
    """A word of a marked language as handed to (and stored by) the index: its stem + marker."""
    lang = language_of(code)
    folded = fold(token)
    stem = _stemmer(lang.stemmer).stemWord(folded) if lang.stemmer else folded
    return (stem or folded) + lang.marker


def stored_word(token: str, lang: Language) -> str:
    """The index entry for one non-CJK word of an article in `lang`."""
    return _porter(token) if lang.english_like else _marked(token, lang.code)


def stored_prefix(token: str) -> str:
    """The index prefix a query's `word*` is compared with: the tokenizer stems the prefix
    (Porter) and compares it with every entry, marked ones included."""
    return _porter(token)


# ---- the article side ---------------------------------------------------------------------
def fts_text(text: str, code: str | None) -> str:
    """The text the SQLite index receives for one field of an article in language `code`.

    `code` None: an article stored before languages were detected, and not yet reached by
    the backfill (bot/ops/languages.py); it was indexed as its raw text, and stays so until
    its language is set (the index must be handed what it holds to delete a row)."""
    if code is None:
        return text
    lang = language_of(code)
    if lang.english_like and not has_cjk(text):
        return text  # the common case: the tokenizer sees exactly what it always saw
    out = []
    for p in text_pieces(text):
        out.append(p.text if p.cjk or lang.english_like else _marked(p.text, lang.code))
    return " ".join(out)


def stored_spans(text: str, code: str | None) -> list[tuple[int, int, str]]:
    """(start, end, index entry) of each token the index holds for `text` (bot/explain.py)."""
    lang = language_of(code)
    return [(p.start, p.end, p.text if p.cjk else stored_word(p.text, lang)) for p in text_pieces(text)]


# ---- the query side -----------------------------------------------------------------------
def query_pieces(words: tuple[str, ...], prefix: bool) -> list[Piece]:
    """A query word or phrase as the sequence of index pieces it must match in a row."""
    last = len(words) - 1
    return [p for i, w in enumerate(words) for p in _pieces(0, w, last=i == last, prefix=prefix and i == last)]


def query_tokens(words: tuple[str, ...], prefix: bool, code: str | None) -> tuple[tuple[str, ...], bool]:
    """The tokens to put in an FTS5 phrase that finds `words` in articles of language `code`
    (before the tokenizer's own Porter pass), and whether the last one is a prefix."""
    lang = language_of(code)
    pieces = query_pieces(words, prefix)
    tokens = tuple(
        p.text if (p.cjk or p.prefix or lang.english_like) else _marked(p.text, lang.code) for p in pieces
    )
    return tokens, pieces[-1].prefix if pieces else False


def query_stored(words: tuple[str, ...], prefix: bool, code: str | None) -> list[tuple[str, bool]]:
    """(index entry, is a prefix) for each piece of a query word or phrase in language `code`,
    to compare with `stored_spans` (bot/explain.py)."""
    lang = language_of(code)
    out = []
    for p in query_pieces(words, prefix):
        if p.cjk:
            out.append((p.text, p.prefix))
        elif p.prefix:
            out.append((stored_prefix(p.text), True))
        else:
            out.append((stored_word(p.text, lang), False))
    return out
