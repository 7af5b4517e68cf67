"""Re-poll: the second poll of 200 unchanged feeds (every one a 304) against the first poll.

    .venv/bin/python bench/repoll.py [--feeds 200] [--watchlists 50] [--repeat 3]

The same corpus, server and child process as bench/ingest.py: the server sends ETag and
Last-Modified, the poller stores them and sends them back (If-None-Match /
If-Modified-Since), so the second poll fetches no bodies and parses nothing. Both polls
run in one process, as in the running bot, which polls every N minutes. The first poll
is the baseline; `--repeat` re-polls that many times and takes the fastest.

Target: second poll ≤ 0.05× the first.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import corpus, feedbench  # noqa: E402

TARGET_RATIO = 0.05


def child(args) -> None:
    folder = Path(args.folder)
    with tempfile.TemporaryDirectory() as tmp:
        store = feedbench.setup_store(str(Path(tmp) / "repoll.db"), args.base, folder, args.watchlists)
        first, report1 = feedbench.poll(store)
        again = []
        for _ in range(args.repeat):
            seconds, report2 = feedbench.poll(store)
            again.append(seconds)
            assert report2.not_modified == len(report2.outcomes), "a re-poll fetched a body"
            assert not report2.new_article_ids
        result = {
            "first": first,
            "first_new": len(report1.new_article_ids),
            "first_errors": len(report1.errors),
            "again": again,
            "not_modified": report2.not_modified,
            "feeds": len(report2.outcomes),
            "peak_rss": feedbench.peak_rss_mb(),
        }
        store.close()
    print(json.dumps(result))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--watchlists", type=int, default=50)
    ap.add_argument("--seed", type=int, default=corpus.SEED)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--base", help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return 0
    folder = feedbench.corpus_dir(args.feeds, args.seed)
    with feedbench.ServerProcess(folder) as base:
        r = feedbench.run_child(Path(__file__), ["--base", base, "--folder", str(folder),
                                                 "--watchlists", str(args.watchlists), "--repeat", str(args.repeat)])
    second = min(r["again"])
    ratio = second / r["first"]
    print(f"{args.feeds} feeds, {args.watchlists} watchlists")
    print(f"baseline  first poll (200 bodies fetched, parsed, stored, matched): {feedbench.fmt_s(r['first'])}  "
          f"({r['first_new']} new articles, {r['first_errors']} errors)")
    print(f"ours      second poll, unchanged feeds ({r['not_modified']}/{r['feeds']} answered 304):"
          f"{feedbench.fmt_s(second)}  (fastest of {len(r['again'])}: "
          + ", ".join(f"{x:.3f}" for x in r["again"]) + ")")
    print(f"ratio     second / first = {ratio:.4f}×   (target ≤ {TARGET_RATIO}×: {'met' if ratio <= TARGET_RATIO else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
