"""Broad queries: what one pathological search costs, before and after the bounds.

    .venv/bin/python bench/broad_query.py [--articles 100000] [--database PATH_OR_URL] [--repeat 3]

The database is the one bench/search.py builds and caches (bench/.cache/search-N.db; with
`--database postgresql://…` that database, filled as bench/search.py does). In one run:

- baseline: `china travel` through bot.search.search (what a normal search costs here);
- "before": the review's query, 36 one-letter prefixes ORed (`a* OR b* OR … 9*`), and 60
  three-letter prefixes of the commonest words, each run as the code did before the fix:
  the ranked page and the count, unbounded (`store.search` + `store.count_matching` on the
  parsed tree, the prefix rule bypassed);
- "after": the same text through bot.search.search as `/aibrief` and `aibrief search` run
  it now: the one-letter query is refused while it is parsed, the three-letter one is
  stopped by the time budget (bot.search.SEARCH_BUDGET_S);
- the bounds' own cost: 200 mixed bench queries (bench/corpus.py) through the budgeted
  `Store.bounded_search` and through the unbounded calls, interleaved, mean ratio.

Every figure is printed with its ratio to the baseline of the same run.
"""

from __future__ import annotations

import argparse
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import corpus, feedbench  # noqa: E402

ONE_LETTER = " OR ".join(c + "*" for c in string.ascii_lowercase + string.digits)
THREE_LETTER = " OR ".join(w + "*" for w in (
    "the and for was wit tha his fro hav are but not thi had wer whi bee its who wou wil mor aft new "
    "one two als abo ove int out cou oth yea fir las peo som wha whe can all she gov tim tol say onl "
    "jus lik bef our thr aga bec mos dur sin und bet").split()[:60])


def unbounded_tree(text: str):
    """The tree the parser built before prefixes needed 3 letters (an OR of prefix terms)."""
    from bot.query import Or, Term

    return Or(tuple(Term(w[:-1], True) for w in text.split(" OR ")))


def seconds(fn, repeat: int = 1) -> tuple[float, str]:
    """Best of `repeat` runs (seconds) and what the call ended with."""
    best, outcome = float("inf"), ""
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            out = fn()
            outcome = f"{out} matches" if isinstance(out, int) else "ok"
        except Exception as exc:  # the refusals are the point here
            outcome = f"{type(exc).__name__}: {str(exc)[:70]}"
        best = min(best, time.perf_counter() - started)
    return best, outcome


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--database", help="SQLite path or postgresql:// URL (default: bench/.cache/search-N.db)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure; the best is kept")
    args = ap.parse_args()

    import bot.search
    from bot.search import search
    from bot.store import open_store

    from bench.search import build_postgres, build_sqlite

    if args.database and args.database.startswith(("postgresql://", "postgres://")):
        build_postgres(args.database, args.articles)
        store = open_store(args.database)
        store._all("ANALYZE articles")
    else:
        path = Path(args.database) if args.database else feedbench.CACHE / f"search-{args.articles}.db"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            print(f"building {path} ({args.articles:,} articles; once) …", flush=True)
            build_sqlite(path, args.articles)
        store = open_store(str(path))
    print(f"{store.count_articles():,} articles ({store.backend}); time budget "
          f"{bot.search.SEARCH_BUDGET_S:g} s; best of {args.repeat}")

    def before(text: str):
        node = unbounded_tree(text)
        store.search(node, limit=10)
        return store.count_matching(node)

    def after(text: str):
        return search(store, text, limit=10).total

    base, _ = seconds(lambda: after("china travel"), args.repeat)
    print(f"{'baseline: china travel':<46} {base * 1000:9.1f} ms        1×")
    rows = [
        ("before: 36 one-letter prefixes, unbounded", lambda: before(ONE_LETTER)),
        ("after:  36 one-letter prefixes", lambda: after(ONE_LETTER)),
        ("before: 60 three-letter prefixes, unbounded", lambda: before(THREE_LETTER)),
        ("after:  60 three-letter prefixes", lambda: after(THREE_LETTER)),
    ]
    for name, fn in rows:
        took, outcome = seconds(fn, args.repeat)
        ratio = took / base
        print(f"{name:<46} {took * 1000:9.1f} ms {ratio:8.0f}×   {outcome}" if ratio >= 10 else
              f"{name:<46} {took * 1000:9.2f} ms {ratio:8.3f}×   {outcome}")

    nodes = [bot.search.parse(q) for _, q in corpus.queries(200)]
    budget = bot.search.SEARCH_BUDGET_S

    def plain(node):
        if store.search(node, limit=10):
            store.count_matching(node)

    def bounded(node):
        store.bounded_search(node, limit=10, budget_s=budget)

    for node in nodes:  # warm-up
        plain(node)
    totals = {plain: 0.0, bounded: 0.0}
    for _ in range(args.repeat):  # interleaved, so the machine's load falls on both alike
        for node in nodes:
            for fn in totals:
                started = time.perf_counter()
                fn(node)
                totals[fn] += time.perf_counter() - started
    n = len(nodes) * args.repeat
    print(f"{len(nodes)} bench queries × {args.repeat}, mean: unbounded {totals[plain] / n * 1000:.2f} ms, "
          f"with the bounds {totals[bounded] / n * 1000:.2f} ms (ratio {totals[bounded] / totals[plain]:.3f})")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
