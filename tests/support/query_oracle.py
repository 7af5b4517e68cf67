"""Query generators for the property tests, shared by the SQLite (test_query) and PostgreSQL
(test_postgres) suites: `any_query` (any text, often near the grammar) and the semantic
oracle, queries built from the grammar together with their meaning over ORACLE_DOCS."""

from __future__ import annotations

import random

from hypothesis import strategies as st

from bot.query import MIN_PREFIX, And, Not, Phrase, Term

PIECES = [
    "AND", "OR", "NOT", "and", "or", "-", "--", "(", ")", '"', '""', "*", "**", "a", "ai", "AI",
    "Said", "gpt-4o", "c++", "U.S.", "NEAR", "NEAR/3", "^x", "title:a", "col:", "x*", "-x",
    '"a b"', '"a b"*', "é", "naïve", "日本", "\u0301", "💥", "🤖", "\x00", "\n", "\t", "'", "''",
    "-(", ":*", "!", "|", "&", "{", "}", "+", ",", ".", "_", "\\", "İ", "ǅ", "\u200d", "\ufffd",
]
pieces_query = st.lists(st.sampled_from(PIECES), max_size=14).flatmap(
    lambda ps: st.sampled_from(["", " "]).map(lambda sep: sep.join(ps))
)
any_query = st.one_of(st.text(max_size=80), pieces_query, st.text(alphabet="aAbORNDT-()\"* ", max_size=40))


# Semantic oracle: a tiny vocabulary of words porter leaves alone, in pairs that share a
# prefix of MIN_PREFIX letters; random documents, random queries built from the grammar
# together with their meaning; what FTS5 returns must be exactly what the meaning says.
VOCAB = ["axxk", "axxm", "azzk", "azzm", "czzk"]
_rng = random.Random(20240611)
ORACLE_DOCS = [[_rng.choice(VOCAB) for _ in range(_rng.randint(1, 5))] for _ in range(40)]


def _has(words, prefix):
    def match(doc):
        for i in range(len(doc) - len(words) + 1):
            window = doc[i : i + len(words)]
            if window[:-1] == list(words[:-1]) and (
                window[-1].startswith(words[-1]) if prefix else window[-1] == words[-1]
            ):
                return True
        return False
    return match


@st.composite
def g_atom(draw, depth):
    kinds = ["word", "prefix", "phrase"] + (["group"] if depth < 2 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "word":
        w = draw(st.sampled_from(VOCAB))
        return draw(st.sampled_from([w, w.upper()])), _has([w], False)
    if kind == "prefix":
        w = draw(st.sampled_from(["axx", "azz", "czz", "axxk", "azzm"]))
        return w + "*", _has([w], True)
    if kind == "phrase":
        ws = draw(st.lists(st.sampled_from(VOCAB), min_size=2, max_size=3))
        prefix = draw(st.booleans())
        if prefix:
            ws[-1] = ws[-1][:MIN_PREFIX]
        return '"' + " ".join(ws) + ('*"' if prefix else '"'), _has(ws, prefix)
    text, sem = draw(g_and(depth + 1))
    return f"({text})", sem


@st.composite
def g_unary(draw, depth):
    # mostly none: a negated OR alternative is refused, and too many of those starve the test
    ops = draw(st.sampled_from([[], [], [], [], ["-"], ["NOT "], ["-", "-"], ["NOT ", "-"], ["NOT ", "NOT "]]))
    text, sem = draw(g_atom(depth))
    for _ in ops:
        sem = (lambda f: lambda d: not f(d))(sem)
    return "".join(ops) + text, sem


@st.composite
def g_or(draw, depth):
    alts = draw(st.lists(g_unary(depth), min_size=1, max_size=3 if depth == 0 else 2))
    return " OR ".join(a[0] for a in alts), (lambda fs: lambda d: any(f(d) for f in fs))([a[1] for a in alts])


@st.composite
def g_and(draw, depth=0):
    items = draw(st.lists(g_or(depth), min_size=1, max_size=3 if depth == 0 else 2))
    text = items[0][0]
    for t, _ in items[1:]:
        text += draw(st.sampled_from([" ", " AND ", "  "])) + t
    return text, (lambda fs: lambda d: all(f(d) for f in fs))([i[1] for i in items])


def evaluate(node, doc) -> bool:
    if isinstance(node, Term):
        return _has([node.text], node.prefix)(doc)
    if isinstance(node, Phrase):
        return _has(list(node.words), node.prefix)(doc)
    if isinstance(node, Not):
        return not evaluate(node.item, doc)
    if isinstance(node, And):
        return all(evaluate(i, doc) for i in node.items)
    return any(evaluate(i, doc) for i in node.items)
