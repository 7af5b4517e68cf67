"""PostgreSQL's ranking in SQL, the parts both the exact path (postgres.py) and the
title-first pools (titlefirst.py) build from: one definition, so that a pool's score is the
exact path's. The ranking itself is described beside PostgresStore._ranked."""

from __future__ import annotations

from bot.query import to_tsquery
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
