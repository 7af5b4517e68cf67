"""Words as FTS5's unicode61 tokenizer splits them: the one split the query language
(bot/query.py) and the index's per-language rewriting (bot/langindex.py) both use, so a query
word means what the index holds.
"""

from __future__ import annotations

import re
import unicodedata

# unicode61 (default categories "L* N* Co") keeps letters, digits and private-use
# characters together and separates on everything else. It also keeps combining
# diacritics inside a word (remove_diacritics then drops them): a decomposed "naïve" is
# one token, so marks count as word characters here too. Code points its Unicode tables
# do not know (Cn) are word characters to it as well. Erring towards "word character" is
# the safe side: FTS5 re-tokenizes every quoted string anyway, whereas splitting where it
# would not would turn one word into a phrase that cannot match.
_BASE_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No", "Co", "Cn"})
_MARK_CATEGORIES = frozenset({"Mn", "Mc", "Me"})


def _is_base(c: str) -> bool:
    return unicodedata.category(c) in _BASE_CATEGORIES


def _is_word_char(c: str) -> bool:
    cat = unicodedata.category(c)
    return cat in _BASE_CATEGORIES or cat in _MARK_CATEGORIES


def _lower(run: str) -> str:
    # Per character, one character each: "İ".lower() is "i" + U+0307, and a second
    # character would change where the word is split. FTS5 folds "İ" to "i" as well.
    return "".join(c.lower()[0] for c in run)


_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")


# Runs of ASCII letters/digits and non-ASCII characters: ASCII punctuation and spaces always
# separate words, so each run can be split apart, and only runs holding non-ASCII characters
# need the character-by-character path (~5x faster on text with a few accented letters or
# typographic quotes, half of all summaries: search explains every hit it shows).
_RUNS = re.compile(r"[A-Za-z0-9\x80-\U0010ffff]+")


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, lower-cased token) of each letter/digit run of `text`, as the unicode61
    tokenizer splits it (before stemming and diacritic removal). Runs of combining marks
    alone are dropped, as FTS5 drops the empty token they leave."""
    if text.isascii():  # the common case, ~20x faster: in ASCII only letters and digits are word characters
        return [(m.start(), m.end(), m.group().lower()) for m in _ASCII_WORD.finditer(text)]
    out: list[tuple[int, int, str]] = []
    for m in _RUNS.finditer(text):
        run, at = m.group(), m.start()
        if run.isascii():
            out.append((at, m.end(), run.lower()))
        else:
            out.extend((at + a, at + b, t) for a, b, t in _unicode_spans(run))
    return out


def _unicode_spans(text: str) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    start = None
    for i, c in enumerate(text + " "):
        if i < len(text) and _is_word_char(c):
            if start is None:
                start = i
        elif start is not None:
            run = text[start:i]
            if any(_is_base(ch) for ch in run):
                out.append((start, i, _lower(run)))
            start = None
    return out


def word_tokens(text: str) -> list[str]:
    """The lower-cased tokens of `text` as the index holds them before stemming."""
    return [t for _, _, t in word_spans(text)]


