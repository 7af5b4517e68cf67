"""Tuning a watchlist: what it caught lately, what readers voted "not relevant", and one
suggested refinement an admin can copy.

The suggestion compares the voted articles with the watchlist's other matches (the newest
200 nobody voted against), so it points at what separates the two:

- a word of the query that most voted articles have only in their lead (a passing mention)
  and few others do: require it in the headline, `title:word`;
- an alternative of the query (one side of an OR) that most voted articles matched and few
  others did: ask for it close to the query's other word the matches pair it with most
  often, `word NEAR/5 other`;
- a word that most voted articles share in their headline or lead and almost no other
  match has (a sports story's "football" in an AI-security list): exclude it, `-football`.

The best-separating candidate wins. With fewer than MIN_VOTED voted articles there is no
suggestion: two votes are an opinion, not a pattern. Nothing here changes a watchlist; an
admin decides (and may copy the suggested query).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from bot.digest.cluster import STOPWORDS
from bot.explain import Matched, _stem, matched_terms, term_text, text_tokens
from bot.models import article_json
from bot.query import Node, Phrase, QueryError, Term, leaves, parse_watchlist, word_tokens

MIN_VOTED = 2  # voted articles needed before anything is suggested
TERM_VOTED_SHARE = 0.5  # a query word in at least half the voted articles…
TERM_OTHER_SHARE = 0.25  # …and in at most a quarter of the others
WORD_VOTED_SHARE = 0.5  # a word to exclude: in at least half the voted articles…
WORD_OTHER_SHARE = 0.05  # …and in almost none of the others
NEAR_DISTANCE = 5
MOST_VOTED = 5
OTHERS_SAMPLE = 200  # the newest un-voted matches compared with the voted ones


@dataclass(frozen=True)
class VotedArticle:
    article_id: int
    title: str
    url: str
    source: str
    published: datetime
    votes: int
    matched: tuple[Matched, ...]

    def as_json(self) -> dict:
        return {
            **article_json(self.article_id, self.title, self.url, self.source, self.published),
            "votes": self.votes,
            "matched": [m.as_json() for m in self.matched],
        }


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "exclude-word", "title-scope", "near" or "review"
    term: str  # the word or query term it is about
    text: str  # one sentence for the admin
    change: str = ""  # the query fragment to add or put in place of `term`
    query: str | None = None  # the whole refined query, when it could be written out
    voted: int = 0  # voted articles with the word/term …
    voted_of: int = 0  # … of this many voted
    others: int = 0  # other matches with it …
    others_of: int = 0  # … of this many others

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "term": self.term,
            "text": self.text,
            "change": self.change,
            "query": self.query,
            "voted": [self.voted, self.voted_of],
            "others": [self.others, self.others_of],
        }


@dataclass(frozen=True)
class WatchStats:
    name: str
    query: str
    matches_7d: int
    matches_30d: int
    votes: int
    voted_articles: int
    most_voted: tuple[VotedArticle, ...] = ()
    suggestion: Suggestion | None = None
    invalid: bool = False  # the saved query no longer parses

    def as_json(self) -> dict:
        return {
            "watchlist": self.name,
            "query": self.query,
            "matches_7d": self.matches_7d,
            "matches_30d": self.matches_30d,
            "votes": self.votes,
            "voted_articles": self.voted_articles,
            "most_voted": [a.as_json() for a in self.most_voted],
            "suggestion": self.suggestion.as_json() if self.suggestion else None,
        }


def watch_stats(store, *, now: int | None = None, most_voted: int = MOST_VOTED) -> list[WatchStats]:
    """Every watchlist's figures, its most-voted articles with why they matched, and a
    suggested refinement when the votes show a pattern."""
    now = now or int(datetime.now(timezone.utc).timestamp())
    out = []
    for fig in store.watch_figures(now=now):
        try:
            node = parse_watchlist(fig.query)
        except QueryError:
            out.append(WatchStats(fig.name, fig.query, fig.matches_7d, fig.matches_30d, fig.votes,
                                  fig.voted_articles, invalid=True))
            continue
        voted = store.voted_articles(fig.watchlist_id, fig.name) if fig.votes else []
        top = tuple(
            VotedArticle(a.article_id, a.title, a.url, a.source, a.published, a.votes, _why(node, a))
            for a in voted[:most_voted]
        )
        suggestion = None
        if len(voted) >= MIN_VOTED:
            others = store.unvoted_matches(fig.watchlist_id, fig.name, limit=OTHERS_SAMPLE)
            suggestion = suggest(fig.query, node, voted, others)
        out.append(WatchStats(fig.name, fig.query, fig.matches_7d, fig.matches_30d, fig.votes,
                              fig.voted_articles, top, suggestion))
    return out


def _why(node: Node, a) -> tuple[Matched, ...]:
    return tuple(matched_terms(node, title=a.title, summary=a.summary, lead=a.lead))


# ---- the suggestion ---------------------------------------------------------------------------------
@dataclass
class _Candidate:
    score: float
    rank: int  # tie-break: exclude-word, title-scope, near
    suggestion: Suggestion = field(compare=False)


def suggest(query: str, node: Node, voted, others) -> Suggestion | None:
    """The best-separating refinement of `query` given the voted articles and the others
    (both sequences of objects with title, summary, lead), or None."""
    if len(voted) < MIN_VOTED:
        return None
    n_v, n_o = len(voted), len(others)
    if not n_o:
        return Suggestion("review", "", f"all {n_v} articles it matched were voted not relevant: "
                          "the query may be too broad to fix with one word; consider rewriting it.",
                          voted=n_v, voted_of=n_v)
    # each article's text is read once for both (bot.explain caches its words)
    read_v = [(_why(node, a), _content_words(a)) for a in voted]
    read_o = [(_why(node, a), _content_words(a)) for a in others]
    candidates: list[_Candidate] = []
    candidates += _term_candidates(query, node, [r[0] for r in read_v], [r[0] for r in read_o])
    candidates += _word_candidates(node, [r[1] for r in read_v], [r[1] for r in read_o])
    if not candidates:
        return None
    best = max(candidates, key=lambda c: (c.score, -c.rank)).suggestion
    if best.kind == "exclude-word":
        best = replace(best, query=_append(query, best.change))
    return best


def _share(n: int, of: int) -> str:
    return f"{n} of {of}"


def _term_candidates(query: str, node: Node, why_v, why_o) -> list[_Candidate]:
    n_v, n_o = len(why_v), len(why_o)
    in_v = Counter(m.term for why in why_v for m in why)
    in_o = Counter(m.term for why in why_o for m in why)
    # matched, but not in the headline (matched_terms names the first field it is in)
    lead_v = Counter(m.term for why in why_v for m in why if m.field != "title")
    lead_o = Counter(m.term for why in why_o for m in why if m.field != "title")
    by_term = {term_text(leaf): leaf for leaf in leaves(node)}
    out = []
    for term, v in in_v.items():
        leaf = by_term.get(term)
        if leaf is None:
            continue
        written = _written(leaf)
        o, vl, ol = in_o.get(term, 0), lead_v.get(term, 0), lead_o.get(term, 0)
        if vl >= MIN_VOTED and vl / n_v >= TERM_VOTED_SHARE and ol / n_o <= TERM_OTHER_SHARE:
            # a passing mention in the voted articles' lead, in the good ones' headline
            change = f"title:{written}"
            text = (f"{written} is in the lead but not the headline of {_share(vl, n_v)} voted articles, "
                    f"and of {_share(ol, n_o)} others: require it in the headline with {change}.")
            out.append(_Candidate(vl / n_v - ol / n_o, 1, Suggestion(
                "title-scope", term, text, change, _replace_leaf(query, leaf, change),
                voted=vl, voted_of=n_v, others=ol, others_of=n_o)))
            continue
        if v < MIN_VOTED or v / n_v < TERM_VOTED_SHARE or o / n_o > TERM_OTHER_SHARE:
            continue
        partner = _partner(term, why_o) or _partner(term, why_v)
        if partner is None or partner not in by_term:
            continue
        near = f"{written} NEAR/{NEAR_DISTANCE} {_written(by_term[partner])}"
        text = (f"{written} matched {_share(v, n_v)} voted articles but {_share(o, n_o)} others: "
                f"ask for it close to {_written(by_term[partner])} with {near}.")
        out.append(_Candidate(v / n_v - o / n_o, 2, Suggestion(
            "near", term, text, near, _replace_leaf(query, leaf, f"({near})"),
            voted=v, voted_of=n_v, others=o, others_of=n_o)))
    return out


def _partner(term: str, whys) -> str | None:
    """The other query term most often matched together with `term`."""
    together = Counter(m.term for why in whys if any(x.term == term for x in why) for m in why if m.term != term)
    return together.most_common(1)[0][0] if together else None


def _content_words(a) -> dict[str, str]:
    """stem → the word as written (lower-case), for a headline and lead's content words."""
    out: dict[str, str] = {}
    for text in (a.title, a.lead):
        for _, _, token in text_tokens(text or ""):
            if len(token) < 3 or not token.isalpha() or token in STOPWORDS:
                continue
            out.setdefault(_stem(token), token)
    return out


def _word_candidates(node: Node, words_v: list[dict], words_o: list[dict]) -> list[_Candidate]:
    n_v, n_o = len(words_v), len(words_o)
    own = {_stem(w) for leaf in leaves(node) for w in ((leaf.text,) if isinstance(leaf, Term) else leaf.words)}
    in_v: Counter = Counter()
    spelled: dict[str, Counter] = {}
    for words in words_v:
        for stem, word in words.items():
            if stem in own:
                continue
            in_v[stem] += 1
            spelled.setdefault(stem, Counter())[word] += 1
    wanted = {s for s, v in in_v.items() if v >= MIN_VOTED and v / n_v >= WORD_VOTED_SHARE}
    in_o = Counter(stem for words in words_o for stem in words if stem in wanted)
    out = []
    for stem in sorted(wanted):
        v, o = in_v[stem], in_o.get(stem, 0)
        if o / n_o > WORD_OTHER_SHARE:
            continue
        word = spelled[stem].most_common(1)[0][0]
        change = f"-{word}"
        text = (f"{word} is in {_share(v, n_v)} voted articles' headline or lead and {_share(o, n_o)} others: "
                f"exclude it with {change}.")
        out.append(_Candidate(v / n_v - o / n_o, 0, Suggestion(
            "exclude-word", word, text, change, None, voted=v, voted_of=n_v, others=o, others_of=n_o)))
    return out


# ---- writing the refined query out ---------------------------------------------------------------
def _written(leaf: Term | Phrase) -> str:
    """A word or phrase as a query writes it."""
    if isinstance(leaf, Term):
        return leaf.text + ("*" if leaf.prefix else "")
    return '"' + " ".join(leaf.words) + ("*" if leaf.prefix else "") + '"'


def _valid(text: str) -> bool:
    try:
        parse_watchlist(text)
    except QueryError:
        return False
    return True


def _append(query: str, change: str) -> str | None:
    """`query change`, or `(query) change` when appending alone would regroup the query."""
    grouped = f"({query}) {change}"
    try:
        want = parse_watchlist(grouped)
    except QueryError:
        return None
    plain = f"{query} {change}"
    try:
        if parse_watchlist(plain) == want:
            return plain
    except QueryError:
        pass
    return grouped


_TOKEN = re.compile(r'"[^"]*"\*?|[^\s()"]+')


def _is_leaf(token: str, leaf: Term | Phrase) -> bool:
    """Whether a token of the query text is written for `leaf` (the same words, the same prefix)."""
    prefix = token.endswith("*")
    words = word_tokens(token)
    if isinstance(leaf, Term):
        return prefix == leaf.prefix and words == [leaf.text]
    return prefix == leaf.prefix and tuple(words) == leaf.words and (token.startswith('"') or len(words) > 1)


def _replace_leaf(query: str, leaf: Term | Phrase, replacement: str) -> str | None:
    """The query with each positive, unscoped occurrence of `leaf` replaced; None when there
    is none or the result does not parse."""
    out, pos, changed, previous = [], 0, False, ""
    for m in _TOKEN.finditer(query):
        token = m.group()
        negated = token.startswith("-") or previous == "NOT"
        if not negated and ":" not in token and _is_leaf(token, leaf):
            out.append(query[pos:m.start()])
            out.append(replacement)
            pos = m.end()
            changed = True
        previous = token
    if not changed:
        return None
    out.append(query[pos:])
    refined = "".join(out)
    return refined if _valid(refined) else None

