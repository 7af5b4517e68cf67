"""Which language an article is written in, and what the index does with each language.

Why py3langid: on the labelled headlines and leads in tests/support/language_samples.py (52
title + lead pairs and 11 bare titles in nine languages) it and lingua were both right on
every one, but py3langid takes ~0.15 ms a text against lingua's ~1.3 ms, loads in ~0.9 s
against ~6 s and installs 4.5 MB (plus numpy) against 96 MB (bench/language.py measures
it). It is restricted to the languages below: a detector that may only answer those is far
less often fooled by a short headline than one choosing among 97.

Text too short or too mixed to tell (a bare `GPT-4o`, a date, a product name) is "und"
(undetermined): below CONFIDENCE_FLOOR py3langid's normalised probability is a guess. An
undetermined article is indexed like an English one, as every article was before languages
were detected: in an English-reading team's feeds that is what such a headline nearly
always is, and it keeps those articles' search behaviour exactly as it was.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["CONFIDENCE_FLOOR", "LANGUAGES", "UNDETERMINED", "Language", "detect", "language_of", "supported"]

UNDETERMINED = "und"
# Normalised probability below which detection answers "und". Measured: the labelled
# titles score 0.67 (a Spanish headline) to 1.0; text without one word of a language
# (`GPT-4o`, `CVE-2025-1234`, `OpenAI o3`) scores under 0.08.
CONFIDENCE_FLOOR = 0.5


@dataclass(frozen=True)
class Language:
    """One language the index knows.

    `stemmer`: its Snowball algorithm (the `snowballstemmer` package and PostgreSQL's
    snowball dictionaries share them), None for none. `english_like`: indexed as English
    articles are (English stemming of its non-CJK words, no marker): English itself, "und",
    and Chinese, Japanese and Korean, whose Latin-script words are nearly always English names
    and terms (DeepSeek, ChatGPT, AI). `marker`: the private-use character SQLite's index
    appends to each of its stemmed words (bot/langindex.py), fixed for ever once shipped.
    """

    code: str
    name: str
    stemmer: str | None
    english_like: bool = False
    marker: str = ""

    @property
    def pg_config(self) -> str:
        """The PostgreSQL text search configuration its articles are indexed with (schema.py)."""
        if self.english_like:
            return "aibrief_english"
        return f"aibrief_{self.stemmer}" if self.stemmer else "aibrief_simple"


def _marker(i: int) -> str:
    return chr(0xE000 + i)


# Append only: a language's position gives its index marker. Stemmed ones are the Snowball
# languages both snowballstemmer and PostgreSQL (13+) ship; the rest are indexed unstemmed.
_TABLE = [
    ("en", "English", "english", True),
    ("fr", "French", "french", False),
    ("de", "German", "german", False),
    ("es", "Spanish", "spanish", False),
    ("it", "Italian", "italian", False),
    ("pt", "Portuguese", "portuguese", False),
    ("nl", "Dutch", "dutch", False),
    ("sv", "Swedish", "swedish", False),
    ("da", "Danish", "danish", False),
    ("no", "Norwegian", "norwegian", False),
    ("fi", "Finnish", "finnish", False),
    ("hu", "Hungarian", "hungarian", False),
    ("ro", "Romanian", "romanian", False),
    ("tr", "Turkish", "turkish", False),
    ("ru", "Russian", "russian", False),
    ("ar", "Arabic", "arabic", False),
    ("el", "Greek", "greek", False),
    ("id", "Indonesian", "indonesian", False),
    ("zh", "Chinese", None, True),
    ("ja", "Japanese", None, True),
    ("ko", "Korean", None, True),
    ("pl", "Polish", None, False),
    ("cs", "Czech", None, False),
    ("uk", "Ukrainian", None, False),
]
LANGUAGES: dict[str, Language] = {
    code: Language(code, name, stem, english, "" if english else _marker(i))
    for i, (code, name, stem, english) in enumerate(_TABLE)
}
LANGUAGES[UNDETERMINED] = Language(UNDETERMINED, "undetermined", "english", True)


def supported() -> list[str]:
    """The codes `language:xx` accepts, as a user would read them."""
    return sorted(LANGUAGES)


def language_of(code: str | None) -> Language:
    """The index's treatment of a stored code; anything unknown is treated as undetermined."""
    return LANGUAGES.get(code or UNDETERMINED) or LANGUAGES[UNDETERMINED]


_lock = threading.Lock()
_identifier = None


def _get_identifier():
    """py3langid's model, loaded once (~0.9 s) on first use, restricted to LANGUAGES."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                ident.set_languages([c for c in LANGUAGES if c != UNDETERMINED])
                _identifier = ident
    return _identifier


# Characters looked at: a headline and the lead's opening say what the language is; the
# rest of a long summary only costs time.
_MAX_CHARS = 600


def detect(title: str, lead: str = "") -> str:
    """The ISO 639-1 code of the language `title` and `lead` are written in, or "und"."""
    text = f"{title}. {lead}" if lead else title
    text = text[:_MAX_CHARS]
    if sum(1 for c in text if c.isalpha()) < 2:
        return UNDETERMINED
    code, confidence = _get_identifier().classify(text)
    if confidence < CONFIDENCE_FLOOR or code not in LANGUAGES:
        return UNDETERMINED
    return code
