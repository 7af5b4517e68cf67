"""Story clustering: the same story from several outlets becomes one digest item.

Two articles are one story when
- their links are the same once canonicalised (scheme, `www.`, tracking parameters,
  fragments and trailing slashes ignored), or
- they were published within 48 hours of each other, do not name different CVE ids, and
  - their titles are near-identical (≥ 80 % of the content words shared, after dropping
    an outlet tag like " - ABC News" and wire-style "…, WSJ reports"), or
  - their titles overlap somewhat (≥ 40 %) and their summaries are the same wire copy
    (≥ 60 % of 3-word shingles shared), as when Dawn republishes a Reuters piece, or
  - their headlines and leads say the same thing in other words: the cosine of their
    weighted word vectors is at least TEXT_SAME. Each word (Porter-stemmed, as search
    stems) weighs by how rare it is among the articles clustered together (a word in every
    candidate, "AI", says nothing; "NetScaler" or "Lop Nur" says a lot), more in the
    headline and more as a name or a number. This is what joins "U.S. releases new details
    on alleged secret Chinese nuclear test" and "Pentagon Says China Conducted Hidden
    Nuclear Test at Lop Nur", which share few headline words but the facts of their leads.
    At least four words must be shared (two or three make a topic, "AI attack"), and
    with a short headline ("AI security roundup") only the leads' words count;
- and look-alike titles do not contradict each other: when titles overlap (≥ 40 %) and each
  has a number or a name the other lacks ("$6.6 billion" vs "$40 billion", "Gemini" vs
  "Chrome"), they are two stories about the same company, not one story.

Links are taken strongest first, and a story never takes in two different CVE ids, so one
vague article cannot chain two advisories together. The thresholds were tuned on half of a
hand-labelled set of real-style news and checked on the other half (bench/cluster.py).

Only pairs that can pass are compared: an index of each article's rarest title words and
heaviest terms (prefix filtering) finds them, so a window of a thousand candidates costs a
fraction of comparing all pairs.
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from itertools import combinations
from urllib.parse import urlsplit

from bot.explain import _stem as _porter
from bot.feeds.normalize import canonical_url
from bot.lead import lead_of
from bot.models import DigestCandidate

WINDOW = timedelta(hours=48)
TITLE_SAME = 0.8
TITLE_RELATED = 0.4
SUMMARY_SAME = 0.6
MIN_TITLE_WORDS = 4  # shorter titles ("Weekly roundup") merge only on link or wire copy
MIN_SUMMARY_WORDS = 12
# Headline-and-lead similarity (tuned on the labelled set's tuning half, bench/cluster.py)
TEXT_SAME = 0.2  # cosine of the two weighted word vectors
TITLE_WEIGHT = 2.0  # a headline word counts this much more than a lead word
NAME_WEIGHT = 1.5  # and a name or a number this much more than a common word
PRIOR_DOCS = 50  # rarity is judged as if among this many more articles without the word
LEAD_TERMS = 60  # words of the lead read
MIN_SHARED_TERMS = 4  # a word or two in common is a topic (an "AI attack"), not one story

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


def _combining_ranges() -> str:
    """A regex class of every combining mark: removing them with one `re.sub` is ~20× faster
    than testing each character, and folding is most of what clustering costs."""
    ranges, start = [], None
    for cp in range(0x300, 0x20000):
        mark = unicodedata.combining(chr(cp)) != 0
        if mark and start is None:
            start = cp
        elif not mark and start is not None:
            ranges.append(f"\\u{start:04x}-\\u{cp - 1:04x}" if cp <= 0x10000 else f"\\U{start:08x}-\\U{cp - 1:08x}")
            start = None
    return "[" + "".join(ranges) + "]"


_COMBINING = re.compile(_combining_ranges())


# Typographic punctuation that English news is full of: mapped first, most text is then ASCII
# and needs no Unicode folding at all.
_PUNCT = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": "-", "–": "-", "…": "...", "\u00a0": " "})


def _fold(text: str) -> str:
    text = text.translate(_PUNCT)
    if text.isascii():
        return text
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text)))
    return text.translate(_PUNCT)


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


@lru_cache(maxsize=65536)
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
    # 80 words fit in 40 characters each: the rest of a long summary is never looked at
    toks = re.findall(r"\w+", _fold(text[: words * 40]).casefold())[:words]
    if len(toks) < MIN_SUMMARY_WORDS:  # too short to tell wire copy from a shared phrase
        return set()
    return {tuple(toks[i : i + n]) for i in range(max(0, len(toks) - n + 1))}


def _jaccard(a: set, b: set) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


# Feed furniture around a lead that says nothing about the story: wire datelines
# ("BRUSSELS, March 4 (Reuters) -", "DAYTON, Ohio (AP) —", "KARACHI:"), "The post … appeared
# first on …", a closing byline, "Read more…".
_DATELINE = re.compile(
    r"^\s*(?:[A-Z][A-Z.'-]+(?:\s+[A-Z][A-Z.'-]+)*(?:,\s*[A-Z][a-z]+\.?(?:\s+\d{1,2})?)?\s*"
    r"(?:\((?:Reuters|AP|AFP|dpa|Xinhua)\))?\s*(?:--|[-—–:])\s+"
    r"|^\s*(?:[A-Z][a-z]+\s+\d{1,2}\s+)?\((?:Reuters|AP|AFP)\)\s*(?:--|[-—–])\s+)"
)
_TRAILERS = re.compile(
    r"\s*(?:The post .{1,300}? appeared first on .{1,100}?\.?|Read more\s*(?:\.\.\.|…)?|Continue reading\s*(?:\.\.\.|…)?"
    r"|By [A-Z][\w'-]+(?: [A-Z][\w'-]+){1,2})\s*$"
)


def _clean_lead(text: str) -> str:
    text = _DATELINE.sub("", text, count=1)
    for _ in range(3):  # a byline after "Read more", …
        cut = _TRAILERS.sub("", text)
        if cut == text:
            break
        text = cut
    return text


# Demonyms and capitals stand for the country: "Chinese nuclear test", "Beijing denies".
_DEMONYMS = {
    "chinese": "china", "beij": "china", "american": "us", "america": "us", "washington": "us",
    "russian": "russia", "moscow": "russia", "kremlin": "russia", "iranian": "iran", "tehran": "iran",
    "israeli": "israel", "ukrainian": "ukrain", "kyiv": "ukrain", "british": "uk", "britain": "uk",
    "european": "eu", "europ": "eu", "brussel": "eu", "japanes": "japan", "tokyo": "japan",
    "korean": "korea", "seoul": "korea", "indian": "india", "delhi": "india", "german": "germani",
    "berlin": "germani", "french": "franc", "pari": "franc", "pakistani": "pakistan",
    "islamabad": "pakistan", "taiwanes": "taiwan", "taipei": "taiwan", "dutch": "netherland",
    "polish": "poland", "warsaw": "poland", "kenyan": "kenya", "nairobi": "kenya",
}
_TERM = re.compile(r"[^\W_](?:[\w.'-]*\w)?")
_DIGIT = re.compile(r"\d")
# Words of news leads that say nothing about which story it is.
_NOT_TERMS = frozenset("also more most one two year years week day days like told".split())


@lru_cache(maxsize=65536)
def _term_of(word: str) -> str | None:
    """A casefolded word as compared: Porter-stemmed (numbers and versions such as "5.4" or
    "cve-2026-2417" as written), a demonym as its country; None for a stopword."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) < 2 or word in STOPWORDS or word in _NOT_TERMS:
        return None
    if not word.isalpha() and any(c.isdigit() for c in word):
        return word
    term = _porter(word)
    return _DEMONYMS.get(term, term)


def _terms(title: str, lead: str, source: str) -> tuple[dict[str, float], set[str]]:
    """The words an article is compared by, each with its weight before rarity: a headline
    word TITLE_WEIGHT, a name (capitalised, not opening the text) or a number NAME_WEIGHT
    more; and which of them the lead has. The lead is read up to LEAD_TERMS words."""
    out: dict[str, float] = {}
    in_lead: set[str] = set()
    for weight, text in ((TITLE_WEIGHT, _strip_outlet(title.strip(), source)), (1.0, _clean_lead(lead))):
        text = _fold(text)
        if "U." in text:
            text = re.sub(r"\bU\.([SK])\.(?=\W|$)", r"U\1", text)
        words = _TERM.findall(text)
        if weight == 1.0:
            words = words[:LEAD_TERMS]
        for n, raw in enumerate(words):
            term = _term_of(raw.casefold())
            if term is None:
                continue
            name = (n and raw[0].isupper()) or (not raw.isalpha() and _DIGIT.search(raw) is not None)
            w = weight * NAME_WEIGHT if name else weight
            if w > out.get(term, 0.0):
                out[term] = w
            if weight == 1.0:
                in_lead.add(term)
    return out, in_lead


_CVE = re.compile(r"\bCVE-\d{4}-\d{4,7}\b", re.IGNORECASE)


@dataclass
class _Features:
    link: str
    words: frozenset[str]
    n_words: int
    keys: frozenset[str]
    summary: str
    terms: dict[str, float]  # word → weight before rarity (_terms)
    lead_terms: frozenset[str]  # those of them found in the lead
    cves: frozenset[str]
    ts: float
    outlet: str = ""  # the source, casefolded
    _shingles: frozenset | None = None

    @property
    def shingles(self) -> frozenset:
        """The summary's 3-word shingles, made the first time a pair's titles are close
        enough for the wire-copy rule to ask (few pairs are)."""
        if self._shingles is None:
            self._shingles = frozenset(_shingles(self.summary))
        return self._shingles


def _features(c: DigestCandidate) -> _Features:
    words = title_words(c.title, c.source)
    lead = getattr(c, "lead", "") or lead_of(c.summary)
    terms, lead_terms = _terms(c.title, lead, c.source)
    return _Features(
        link=link_key(c.url),
        words=frozenset(words),
        n_words=len(set(words)),
        keys=frozenset(key_words(c.title, c.source)),
        summary=c.summary,
        terms=terms,
        lead_terms=frozenset(lead_terms),
        cves=frozenset(m.upper() for m in _CVE.findall(c.title + " " + lead)),
        ts=c.published.timestamp(),
        outlet=" ".join((c.source or "").casefold().split()),
    )


class _Rarity:
    """How telling each word is among the articles compared together: a smoothed inverse
    document frequency, as if PRIOR_DOCS more articles without the word were there (so
    two articles compared alone weigh their words nearly alike)."""

    def __init__(self, feats: list[_Features]):
        self.df = Counter(t for f in feats for t in f.terms)
        self.total = len(feats) + PRIOR_DOCS + 1

    def vector(self, f: _Features) -> dict[str, float]:
        v = {t: w * math.log(self.total / (self.df[t] + 0.5)) for t, w in f.terms.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {t: x / norm for t, x in v.items()}


def _cosine(va: dict[str, float], vb: dict[str, float]) -> float:
    return sum(va[t] * vb[t] for t in va.keys() & vb.keys())


def _conflict(a: _Features, b: _Features) -> bool:
    return bool(a.keys - b.keys) and bool(b.keys - a.keys)


def _cve_conflict(a: frozenset, b: frozenset) -> bool:
    return bool(a) and bool(b) and not (a & b)


def _strength(fa: _Features, fb: _Features, va: dict, vb: dict) -> float:
    """How surely two articles are one story: 0 when they are not (the rules in the module
    docstring), else the similarity of their headlines and leads (1 for a wire copy or a
    near-identical title), so that the surest links are taken first."""
    if fa.link == fb.link:
        return 1.0
    if abs(fa.ts - fb.ts) > WINDOW.total_seconds() or _cve_conflict(fa.cves, fb.cves):
        return 0.0
    title = _jaccard(fa.words, fb.words)
    if title >= TITLE_RELATED and _conflict(fa, fb):
        return 0.0
    if title >= TITLE_SAME and min(fa.n_words, fb.n_words) >= MIN_TITLE_WORDS:
        return 1.0
    if fa.outlet and fa.outlet == fb.outlet:
        # One outlet telling a story twice uses one link (or the same headline): two of its
        # articles in look-alike words ("Markets weekly 3", "… 4": a template) are two stories.
        return 0.0
    if title >= TITLE_RELATED and _jaccard(fa.shingles, fb.shingles) >= SUMMARY_SAME:
        return 1.0
    if min(fa.n_words, fb.n_words) >= MIN_TITLE_WORDS:
        both = va.keys() & vb.keys()
    else:  # a short headline ("AI security roundup") says too little: the leads must agree
        both = fa.lead_terms & fb.lead_terms
    if len(both) < MIN_SHARED_TERMS:
        return 0.0
    sim = sum(va[t] * vb[t] for t in both)
    return sim if sim >= TEXT_SAME else 0.0


def same_story(a: DigestCandidate, b: DigestCandidate, fa: _Features | None = None,
               fb: _Features | None = None, *, among: list[DigestCandidate] | None = None) -> bool:
    """Whether two articles report the same story (the module docstring has the rules).

    How rare a word is is judged `among` the given articles (the pair alone by default): pass
    the others the pair is seen with — a digest window, what was sent in the last days — and
    the answer is the one `cluster` would give on them."""
    fa = fa or _features(a)
    fb = fb or _features(b)
    feats = [fa, fb] if among is None else [_features(c) for c in among]
    rarity = _Rarity(feats)
    return _strength(fa, fb, rarity.vector(fa), rarity.vector(fb)) > 0


class SameStory:
    """`same_story` for many pairs seen among one set of articles (a follow-up check: this
    digest's stories against what the channel was sent), with each article's features and
    the words' rarity computed once instead of for every pair."""

    def __init__(self, among: list[DigestCandidate]):
        self._feats = {c.article_id: _features(c) for c in among}
        self._rarity = _Rarity(list(self._feats.values()))
        self._vectors: dict[int, dict[str, float]] = {}

    def _of(self, c: DigestCandidate) -> tuple[_Features, dict[str, float]]:
        f = self._feats.get(c.article_id) or _features(c)
        v = self._vectors.get(c.article_id)
        if v is None:
            v = self._vectors[c.article_id] = self._rarity.vector(f)
        return f, v

    def __call__(self, a: DigestCandidate, b: DigestCandidate) -> bool:
        fa, va = self._of(a)
        fb, vb = self._of(b)
        return _strength(fa, fb, va, vb) > 0


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


def _prefix(tokens, order: dict, overlap: int) -> list:
    """The rarest `len(tokens) - overlap + 1` tokens: two sets sharing at least `overlap`
    tokens share one of these (prefix filtering, as in set-similarity joins)."""
    keep = len(tokens) - overlap + 1
    if keep <= 0:
        return []
    return sorted(tokens, key=order.__getitem__)[:keep]


def _split(v: dict[str, float], most: dict[str, float]) -> tuple[list[str], list[str], float]:
    """The terms of a unit vector that a pair reaching TEXT_SAME must share with it, the
    others, and what those can add to a cosine at most: its lightest terms are left out as long as, even
    at the most any article weighs them (`most`), they add up to less than TEXT_SAME (the
    bound of Bayardo et al.'s all-pairs similarity search)."""
    bound = 0.0
    heavy, light = [], []
    for t, x in sorted(v.items(), key=lambda kv: kv[1] * most[kv[0]]):
        if bound + x * most[t] >= TEXT_SAME:
            heavy.append(t)
        else:
            bound += x * most[t]
            light.append(t)
    return heavy, light, bound


def _candidate_pairs(feats: list[_Features], vectors: list[dict]) -> set[tuple[int, int]]:
    """The pairs that can pass `_strength` apart from a shared link: published within WINDOW
    of each other, with enough title words in common for TITLE_RELATED or a cosine that can
    reach TEXT_SAME. Each article is looked up by its rarest title words and its heaviest
    terms only, among the articles published after it within WINDOW, and a pair's cosine is
    summed over those terms before the rest is looked at: common words ("AI", "security")
    cost little, and a window of a thousand articles far less than comparing all pairs."""
    window = WINDOW.total_seconds()
    pairs: set[tuple[int, int]] = set()
    df = Counter(w for f in feats for w in f.words)
    order = {w: (n, w) for w, n in df.items()}
    index: dict[str, list[int]] = {}
    for i, f in enumerate(feats):
        # Jaccard ≥ TITLE_RELATED means at least ⌈TITLE_RELATED·|A|⌉ shared words.
        need = max(1, math.ceil(TITLE_RELATED * len(f.words) - 1e-9))
        for w in _prefix(f.words, order, need):
            index.setdefault(w, []).append(i)
    for members in index.values():
        for i, j in combinations(members, 2):
            if abs(feats[i].ts - feats[j].ts) <= window:
                pairs.add((i, j))

    by_time = sorted(range(len(feats)), key=lambda i: (feats[i].ts, i))
    times = [feats[i].ts for i in by_time]
    ranks: dict[str, list[int]] = {}  # term → the articles with it, as ranks in time, and their weights
    weights: dict[str, list[float]] = {}
    most: dict[str, float] = {}
    for r, i in enumerate(by_time):
        for t, x in vectors[i].items():
            ranks.setdefault(t, []).append(r)
            weights.setdefault(t, []).append(x)
            if x > most.get(t, 0.0):
                most[t] = x
    top = [max(vectors[i].values(), default=0.0) for i in by_time]
    near = TEXT_SAME - 1e-9  # float sums in another order must not lose a pair at the edge
    for r, i in enumerate(by_time):
        v = vectors[i]
        last = bisect_right(times, times[r] + window)  # ranks r+1 … last-1 are in the window
        heavy, light, rest = _split(v, most)
        light_sum = sum(v[t] for t in light)
        acc: dict[int, float] = {}
        for t in heavy:
            x = v[t]
            row, ws = ranks[t], weights[t]
            # a pair that can pass shares a heavy term of each side: look from the earlier one
            for k in range(bisect_right(row, r), bisect_left(row, last)):
                q = row[k]
                acc[q] = acc.get(q, 0.0) + x * ws[k]
        for q, s in acc.items():
            if s + min(rest, light_sum * top[q]) >= near:
                j = by_time[q]
                vj = vectors[j]
                s += sum(v[t] * vj[t] for t in light if t in vj)
                if s >= near:
                    pairs.add((i, j) if i < j else (j, i))
    return pairs


def cluster(candidates: list[DigestCandidate]) -> list[Story]:
    """Group candidates into stories; order of the result follows the input order of each
    story's first member."""
    n = len(candidates)
    feats = [_features(c) for c in candidates]
    rarity = _Rarity(feats)
    vectors = [rarity.vector(f) for f in feats]
    parent = list(range(n))
    cves = [set(f.cves) for f in feats]  # per story root: the CVE ids it already holds

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri == rj or _cve_conflict(frozenset(cves[ri]), frozenset(cves[rj])):
            return
        parent[rj] = ri
        cves[ri] |= cves[rj]

    by_link: dict[str, int] = {}
    for i, f in enumerate(feats):
        union(by_link.setdefault(f.link, i), i)
    links = []
    for i, j in _candidate_pairs(feats, vectors):
        strength = _strength(feats[i], feats[j], vectors[i], vectors[j])
        if strength > 0:
            links.append((-strength, i, j))
    for _, i, j in sorted(links):  # surest first: a weak link cannot pre-empt a strong one
        union(i, j)
    groups: dict[int, list[DigestCandidate]] = {}
    for i, c in enumerate(candidates):
        groups.setdefault(find(i), []).append(c)
    stories = []
    for members in groups.values():
        members.sort(key=_primary_key)
        stories.append(Story(members[0], tuple(members[1:])))
    return stories
