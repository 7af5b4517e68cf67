"""PostgreSQL's ranking in SQL, the parts both the exact path (postgres.py) and the
title-first pools (titlefirst.py) build from: one definition, so that a pool's score is the
exact path's. The ranking itself is described beside PostgresStore._ranked."""

from __future__ import annotations

import re

from bot.query import to_tsquery
from bot.store.base import SCORE
from bot.store.searchextras import WEIGHTS


def query_leaves(node) -> list:
    """The words and phrases of a query (negated ones too, as FTS5's bm25 counts them), once each."""
    from bot.query import And, Not, Or

    out: list = []

    def walk(n) -> None:
        if isinstance(n, Not):
            walk(n.item)
        elif isinstance(n, (And, Or)):
            for item in n.items:
                walk(item)
        else:
            out.append(n)

    walk(node)
    return list(dict.fromkeys(out))


def tsquery_params(leaves, configs: list[str]) -> list:
    """The parameters of postgres.leaf_queries: each leaf's query text and the configurations."""
    return [p for leaf in leaves for p in (to_tsquery(leaf), configs)]


def relevance(n: int, weights: str = WEIGHTS) -> str:
    """Σ idf × sqrt(ts_rank) over the query's n words and phrases; the idfs are parameters."""
    return "(" + " + ".join(f"?::float8 * sqrt(ts_rank({weights}, a.tsv, q{i}, 1))" for i in range(n)) + ")"


def other_languages(configs: list[str]) -> list[str]:
    """The language codes whose articles are indexed with one of `configs` other than
    English's (the first): the rows of the other branches."""
    from bot.language import LANGUAGES

    return sorted(code for code, lang in LANGUAGES.items() if lang.pg_config in configs[1:])


def score_sql(rel: str, age: str, on_topic: str, in_title: str = "false") -> str:
    """base.SCORE (relevance × recency × on-topic × title boost) with its four inputs given
    as SQL expressions, for a statement that cannot name them as columns: the pools compute
    the score in the select list, which PostgreSQL evaluates after a sort's LIMIT."""
    given = {"rel": rel, "age": age, "on_topic": on_topic, "in_title": in_title}
    return re.sub(r"\b(rel|age|on_topic|in_title)\b", lambda m: f"({given[m.group(1)]})", SCORE)
