"""Ingest: one full poll of 200 realistic feeds against a bare default feedparser parse of the same bytes.

    .venv/bin/python bench/ingest.py [--feeds 200] [--watchlists 50] [--repeat 3] [--profile]

- ours: `poll_feeds` (what `aibrief fetch` runs) over loopback HTTP into a fresh SQLite
  database with 50 watchlists: fetch (16 at a time), parse, normalize, store, match —
  timed in a child process, whose peak RSS is the ingest's memory figure;
- baseline: `feedparser.parse(bytes)` with default options (sanitizing and URI
  resolving on), one feed after another, on the very bytes the server sends.

Target: ours ≤ 0.3× the baseline; peak RSS of the ingest ≤ 200 MB. The corpus
(bench/corpus.py, deterministic) is written once to bench/.cache/. `--profile` runs the
poll under cProfile in the child and prints its top entries.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import corpus, feedbench  # noqa: E402

TARGET_RATIO = 0.3
TARGET_RSS_MB = 200


def child(args) -> None:
    import json

    folder = Path(args.folder)
    with tempfile.TemporaryDirectory() as tmp:
        store = feedbench.setup_store(str(Path(tmp) / "ingest.db"), args.base, folder, args.watchlists)
        rss_before = feedbench.current_rss_mb()
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
            elapsed, report = feedbench.poll(store)
            prof.disable()
            stats = pstats.Stats(prof, stream=sys.stderr)
            stats.sort_stats("tottime").print_stats(20)
            stats.sort_stats("cumtime").print_stats(25)
        else:
            with feedbench.TreeMemory() as mem:
                elapsed, report = feedbench.poll(store)
        result = {
            "tree_pss_peak": 0.0 if args.profile else mem.peak,
            "elapsed": elapsed,
            "feeds": len(report.outcomes),
            "new": len(report.new_article_ids),
            "errors": report.errors,
            "matched": sum(report.matches.values()),
            "watchlists_matching": sum(1 for v in report.matches.values() if v),
            "articles": store.count_articles(),
            "rss_before": rss_before,
            "peak_rss": feedbench.peak_rss_mb(),
            "helpers_peak_rss": sorted(feedbench.descendants_peak_mb().values(), reverse=True),
        }
        store.close()
    print(json.dumps(result))


def baseline(docs: list[dict]) -> tuple[float, int]:
    import feedparser

    entries = 0
    started = time.perf_counter()
    for d in docs:
        entries += len(feedparser.parse(d["content"]).entries)
    return time.perf_counter() - started, entries


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--watchlists", type=int, default=50)
    ap.add_argument("--seed", type=int, default=corpus.SEED)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest of each is compared")
    ap.add_argument("--profile", action="store_true", help="cProfile the poll (slower; for finding hot spots)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--base", help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return 0

    folder = feedbench.corpus_dir(args.feeds, args.seed)
    docs = feedbench.load_corpus(folder)
    sizes = sorted(len(d["content"]) for d in docs)
    print(f"corpus: {len(docs)} feeds, {sum(d['entries'] for d in docs)} entries, {sum(sizes) / 1e6:.1f} MB "
          f"(median {sizes[len(sizes) // 2] / 1024:.0f} KB, max {sizes[-1] / 1024:.0f} KB); "
          f"{args.watchlists} watchlists")

    runs, bases = [], []
    with feedbench.ServerProcess(folder) as base:
        child_args = ["--base", base, "--folder", str(folder), "--watchlists", str(args.watchlists)]
        if args.profile:
            child_args.append("--profile")
        for _ in range(args.repeat):  # alternated, so a busy moment on the machine hits both
            runs.append(feedbench.run_child(Path(__file__), child_args))
            bases.append(baseline(docs))
    ours = min(runs, key=lambda r: r["elapsed"])
    base_s, base_entries = min(bases)
    ratio = ours["elapsed"] / base_s
    print(f"baseline  feedparser.parse(bytes), defaults, sequential: {feedbench.fmt_s(base_s)}  "
          f"({base_entries} entries, {base_s / len(docs) * 1000:.1f} ms/feed; runs: "
          + ", ".join(f"{b:.2f}" for b, _ in bases) + ")")
    print(f"ours      poll_feeds: fetch+parse+store+match:          {feedbench.fmt_s(ours['elapsed'])}  "
          f"({ours['new']} new articles from {ours['feeds']} feeds, {len(ours['errors'])} errors; "
          f"{ours['matched']} matches in {ours['watchlists_matching']}/{args.watchlists} watchlists; runs: "
          + ", ".join(f"{r['elapsed']:.2f}" for r in runs) + ")")
    print(f"ratio     ours / baseline = {ratio:.3f}× (fastest of {args.repeat} each)   "
          f"(target ≤ {TARGET_RATIO}×: {'met' if ratio <= TARGET_RATIO else 'MISSED'})")
    main_peak = max(r["peak_rss"] for r in runs)
    helpers = max((r["helpers_peak_rss"] for r in runs), key=sum)
    pss = max(r["tree_pss_peak"] for r in runs)
    print(f"memory    peak RSS of the poller process {main_peak:.0f} MB ({ours['rss_before']:.0f} MB before the poll; "
          f"target ≤ {TARGET_RSS_MB} MB: {'met' if main_peak <= TARGET_RSS_MB else 'MISSED'}); with its parse "
          f"workers and forkserver (peak RSS " + " + ".join(f"{h:.0f}" for h in helpers) + " MB each, shared pages "
          f"counted in each) the whole ingest peaked at {pss:.0f} MB PSS")
    for url, err in list(ours["errors"].items())[:5]:
        print(f"  ! {url}: {err}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
