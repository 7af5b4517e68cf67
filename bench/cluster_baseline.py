"""FROZEN COPY of bot/digest/cluster.py as it was before the clustering rework (branch h15c),
kept so that bench/cluster.py can compare the new algorithm against the old one in the same
run. Do not edit or import from the bot; nothing but the bench uses it.

Story clustering: the same story from several outlets becomes one digest item.

Two articles are one story when
- their links are the same once canonicalised (scheme, `www.`, tracking parameters,
  fragments and trailing slashes ignored), or
- they were published within 48 hours of each other and
  - their titles are near-identical (≥ 80 % of the content words shared, after dropping
    an outlet tag like " - ABC News" and wire-style "…, WSJ reports"), or
  - their titles overlap somewhat (≥ 40 %) and their summaries are the same wire copy
    (≥ 60 % of 3-word shingles shared), as when Dawn republishes a Reuters piece under its
    own headline;
- and the titles do not contradict each other: when each title has a number or a name the
  other lacks ("$6.6 billion" vs "$40 billion", "Gemini" vs "Chrome"), they are two stories
  about the same company, not one story.

Single-link union-find over all pairs: a digest window holds at most a few hundred
candidates, so the quadratic pass is milliseconds and needs no index.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from bot.feeds.normalize import canonical_url
from bot.models import DigestCandidate

WINDOW = timedelta(hours=48)
TITLE_SAME = 0.8
TITLE_RELATED = 0.4
SUMMARY_SAME = 0.6
MIN_TITLE_WORDS = 4  # shorter titles ("Weekly roundup") merge only on link or wire copy
MIN_SUMMARY_WORDS = 12

_HOST_PREFIXES = ("www.", "amp.", "m.", "mobile.")

STOPWORDS = frozenset(
    """a an the and or but to of in on for with at by from as into onto over under after before amid
    about against between during without within is are was were be been being it its this that these
    those has have had will would can could may might new says said say report reports reported
    according via just how why what who when where here there than then""".split()
)


def link_key(url: str) -> str:
    """The link as two copies of one story compare: its canonical URL (bot.feeds.normalize,
    which drops click-tracking parameters) without the scheme, a www./amp./m. host prefix,
    an AMP or index.html ending and a trailing slash."""
    canon = canonical_url(url)
    if canon is None:
        return url.strip()
    parts = urlsplit(canon)
    host = parts.hostname or ""
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix):
            host = host[len(prefix):]
            break
    path = re.sub(r"/+", "/", parts.path or "/")
    path = re.sub(r"/(amp|index\.html?)/?$", "/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    return host + path + ("?" + parts.query if parts.query else "")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.replace("’", "'").replace("‘", "'")


def _strip_outlet(title: str, source: str) -> str:
    """Drop a trailing outlet tag: "… - ABC News", "… | Dawn", "… — Reuters"."""
    m = re.match(r"^(.*\S)\s+(?:-|\||—|–|·)\s+([^-|—–·]{1,60})$", title)
    if not m:
        return title
    head, tail = m.group(1), m.group(2).strip()
    tail_l, source_l = tail.casefold(), source.casefold().strip()
    if source_l and (tail_l in source_l or source_l in tail_l):
        return head
    if len(tail.split()) <= 3:
        return head
    return title


def _stem(word: str) -> str:
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss") and not word.endswith("us"):
        return word[:-1]
    return word


_WORD = re.compile(r"\$?\d+(?:[.,]\d+)*%?|[^\W\d_]+(?:'[^\W\d_]+)?|\w+", re.UNICODE)


def title_words(title: str, source: str = "") -> list[str]:
    """Content words of a title: folded, lightly stemmed, stopwords and outlet tag dropped."""
    text = _fold(_strip_outlet(title.strip(), source)).casefold()
    text = re.sub(r"\bu\.s\.(?=\W|$)", "us", text)
    text = re.sub(r"\bu\.k\.(?=\W|$)", "uk", text)
    out = []
    for w in _WORD.findall(text):
        w = _stem(w)
        if w not in STOPWORDS:
            out.append(w)
    return out


def key_words(title: str, source: str = "") -> set[str]:
    """Words that tell stories apart: numbers, and names (capitalised words that do not open
    the title; in a Title Case headline only acronyms count, as every word is capitalised)."""
    text = _fold(_strip_outlet(title.strip(), source))
    raw = _WORD.findall(text)
    words = [w for w in raw if w.casefold() not in STOPWORDS]
    caps = [w for w in words if w[:1].isupper()]
    title_case = len(words) >= 3 and len(caps) >= 0.6 * len(words)
    keys = set()
    for i, w in enumerate(raw):
        folded = _stem(w.casefold())
        if folded in STOPWORDS:
            continue
        if any(c.isdigit() for c in w):
            keys.add(w.replace(",", ""))
        elif title_case:
            if len(w) >= 2 and w.isupper():
                keys.add(folded)
        elif i > 0 and w[:1].isupper():
            keys.add(folded)
    return keys


def _shingles(text: str, n: int = 3, words: int = 80) -> set[tuple[str, ...]]:
    toks = re.findall(r"\w+", _fold(text).casefold())[:words]
    return {tuple(toks[i : i + n]) for i in range(max(0, len(toks) - n + 1))}


def _jaccard(a: set, b: set) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class _Features:
    link: str
    words: frozenset[str]
    n_words: int
    keys: frozenset[str]
    shingles: frozenset
    summary_words: int


def _features(c: DigestCandidate) -> _Features:
    words = title_words(c.title, c.source)
    return _Features(
        link=link_key(c.url),
        words=frozenset(words),
        n_words=len(set(words)),
        keys=frozenset(key_words(c.title, c.source)),
        shingles=frozenset(_shingles(c.summary)),
        summary_words=len(re.findall(r"\w+", c.summary)),
    )


def _conflict(a: _Features, b: _Features) -> bool:
    return bool(a.keys - b.keys) and bool(b.keys - a.keys)


def same_story(a: DigestCandidate, b: DigestCandidate, fa: _Features | None = None,
               fb: _Features | None = None) -> bool:
    """Whether two articles report the same story (see the module docstring for the rules)."""
    fa = fa or _features(a)
    fb = fb or _features(b)
    if fa.link == fb.link:
        return True
    if abs(a.published - b.published) > WINDOW:
        return False
    if _conflict(fa, fb):
        return False
    title = _jaccard(fa.words, fb.words)
    if title >= TITLE_SAME and min(fa.n_words, fb.n_words) >= MIN_TITLE_WORDS:
        return True
    if (
        title >= TITLE_RELATED
        and min(fa.summary_words, fb.summary_words) >= MIN_SUMMARY_WORDS
        and _jaccard(fa.shingles, fb.shingles) >= SUMMARY_SAME
    ):
        return True
    return False


@dataclass(frozen=True)
class Story:
    """One digest item: the article shown, and the same story elsewhere ("also in")."""

    primary: DigestCandidate
    others: tuple[DigestCandidate, ...] = field(default_factory=tuple)

    @property
    def members(self) -> tuple[DigestCandidate, ...]:
        return (self.primary, *self.others)

    @property
    def article_ids(self) -> list[int]:
        return [m.article_id for m in self.members]

    @property
    def watchlists(self) -> tuple[str, ...]:
        return tuple(sorted({w for m in self.members for w in m.watchlists}))

    @property
    def score(self) -> float:
        return max(m.score for m in self.members)

    @property
    def newest(self):
        return max(m.published for m in self.members)

    @property
    def source(self) -> str:
        return self.primary.source

    @property
    def also(self) -> tuple[DigestCandidate, ...]:
        """Other outlets' versions, one per outlet, earliest first."""
        seen = {self.primary.source.casefold()}
        out = []
        for m in sorted(self.others, key=lambda m: (m.published, m.article_id)):
            key = m.source.casefold()
            if key not in seen:
                seen.add(key)
                out.append(m)
        return tuple(out)


def _primary_key(c: DigestCandidate):
    # Shown article: the one matching most watchlists, then the original (earliest)
    # publication — copies of one story differ in match score only by noise.
    return (-len(c.watchlists), c.published, -c.score, c.article_id)


def cluster(candidates: list[DigestCandidate]) -> list[Story]:
    """Group candidates into stories; order of the result follows the input order of each
    story's first member."""
    n = len(candidates)
    feats = [_features(c) for c in candidates]
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_link: dict[str, int] = {}
    for i, f in enumerate(feats):
        j = by_link.setdefault(f.link, i)
        if j != i:
            parent[find(i)] = find(j)
    for i in range(n):
        for j in range(i + 1, n):
            if find(i) == find(j):
                continue
            if same_story(candidates[i], candidates[j], feats[i], feats[j]):
                parent[find(j)] = find(i)
    groups: dict[int, list[DigestCandidate]] = {}
    for i, c in enumerate(candidates):
        groups.setdefault(find(i), []).append(c)
    stories = []
    for members in groups.values():
        members.sort(key=_primary_key)
        stories.append(Story(members[0], tuple(members[1:])))
    return stories
