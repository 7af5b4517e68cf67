"""Matching: 1,000 watchlists against 10,000 newly stored articles, against the time to store them.

    .venv/bin/python bench/match.py [--watchlists 1000] [--articles 10000] [--background 100000]

A SQLite database with `--background` older articles (built once, cached under
bench/.cache/, copied fresh for each run) and 1,000 watchlists of every query shape
(bench/corpus.py). Then, as a poll batch does it:
- baseline: storing the 10,000 new articles — one transaction through the store
  (`record_poll_success(..., match=False)`: the insert and its FTS5 indexing);
- ours: matching them — `match_new_articles`, every watchlist's full-text query run once
  over just the new rowids, matches inserted with their BM25 scores.

Targets: matching ≤ 2 s and ≤ 3× the store time.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import corpus, feedbench  # noqa: E402

TARGET_S = 2.0
TARGET_RATIO = 3.0


def background_db(n: int) -> Path:
    """A cached database of `n` articles (the search benchmark's builder), without watchlists."""
    from bench.search import build_sqlite

    path = feedbench.CACHE / f"match-background-{n}.db"
    if not path.exists():
        print(f"building {path} ({n:,} background articles; once) …", flush=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        build_sqlite(path, n, watchlists=0)
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--watchlists", type=int, default=1000)
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--background", type=int, default=100_000)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()

    from bot.models import Article
    from bot.store import from_ts, open_store

    src = background_db(args.background) if args.background else None
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "match.db"
        if src:
            shutil.copyfile(src, db)
        store = open_store(str(db))
        feed = store.add_feed("https://new.example/feed", "New")
        for name, query in corpus.watchlists(args.watchlists):
            store.add_watchlist(name, query, match_existing=False)
        rows = corpus.article_rows(10_000_000, args.articles, seed=corpus.SEED + 7)
        articles = [Article(feed_url=feed.url, source=s, url=u, title=t, summary=x, published=from_ts(p),
                            dedupe_key=k) for k, u, t, x, s, p in rows]
        now = int(time.time())
        print(f"{store.count_articles():,} articles stored before; {args.watchlists} watchlists; "
              f"{len(articles):,} new articles")

        with store.transaction():
            t0 = time.perf_counter()
            out = store.record_poll_success(feed.id, articles, now=now, next_poll=now + 1800, etag=None,
                                            last_modified=None, match=False)
            t1 = time.perf_counter()
            if args.profile:
                import cProfile
                import pstats

                prof = cProfile.Profile()
                prof.enable()
            matches = store.match_new_articles({feed.id: out.new_article_ids}, now)[feed.id]
            t2 = time.perf_counter()
            if args.profile:
                prof.disable()
                pstats.Stats(prof).sort_stats("tottime").print_stats(10)
        t3 = time.perf_counter()
        store_s, match_s, commit_s = t1 - t0, t2 - t1, t3 - t2
        total = sum(matches.values())
        hit = sum(1 for v in matches.values() if v)
        store.close()

    ratio = match_s / store_s
    print(f"baseline  store {len(articles):,} articles (insert + FTS5 index): {feedbench.fmt_s(store_s)}")
    print(f"ours      match them against {args.watchlists} watchlists:        {feedbench.fmt_s(match_s)}  "
          f"({total:,} matches; {hit} watchlists matched something; commit {commit_s:.3f} s)")
    print(f"ratio     match / store = {ratio:.2f}×   (target ≤ {TARGET_RATIO:.0f}×: {'met' if ratio <= TARGET_RATIO else 'MISSED'}); "
          f"match ≤ {TARGET_S:.0f} s: {'met' if match_s <= TARGET_S else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
