"""How long `aibrief db copy` takes to move an N-article SQLite database into PostgreSQL.

    .venv/bin/python bench/db_copy.py --articles 100000 [--target postgresql://…]

Builds a SQLite database of N synthetic articles (titles and summaries of realistic length
drawn from the bundled sample feeds' vocabulary, the default watchlists matched against
them, one feed per 500 articles), then times the real command, `python -m bot db copy
SOURCE TARGET`, as a separate process. Without --target it starts a throw-away PostgreSQL
cluster on loopback (tests/support/pgcluster.py) and removes it after.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.models import Article  # noqa: E402
from bot.store import open_store  # noqa: E402
from bot.watchlists import seed_default_watchlists  # noqa: E402


def vocabulary() -> list[str]:
    text = " ".join(p.read_text(errors="replace") for p in (ROOT / "bot" / "data" / "samples").glob("*.xml"))
    words = re.findall(r"[A-Za-z][a-z]{2,}", re.sub(r"<[^>]+>", " ", text))
    return sorted(set(words)) or ["security", "model", "policy"]


def build(path: str, n: int, seed: int = 7) -> float:
    rng = random.Random(seed)
    vocab = vocabulary()
    hot = ["AI", "security", "China", "travel", "ransomware", "model", "jailbreak", "policy", "export", "LLM"]
    store = open_store(path)
    seed_default_watchlists(store)
    start = time.monotonic()
    now = datetime.now(timezone.utc)
    feeds = [store.add_feed(f"https://feed{i}.example/rss", f"Feed {i}").id for i in range(max(1, n // 500))]
    batch: list[Article] = []
    for i in range(n):
        title = " ".join(rng.choice(hot if rng.random() < 0.15 else vocab) for _ in range(rng.randint(5, 12)))
        summary = " ".join(rng.choice(hot if rng.random() < 0.05 else vocab) for _ in range(rng.randint(30, 250)))
        url = f"https://news{i % 97}.example/story/{i}"
        batch.append(Article(feed_url="", source=f"Outlet {i % 97}", url=url, title=title[:300],
                             summary=summary[:2000], published=now - timedelta(minutes=7 * i),
                             dedupe_key="url:" + url))
        if len(batch) == 1000 or i == n - 1:
            store.insert_articles(feeds[i % len(feeds)], batch, now=int(now.timestamp()))
            batch = []
    counts = (store.count_articles(), sum(store.watchlist_match_counts().values()))
    store.close()
    print(f"built {path}: {counts[0]} articles, {counts[1]} matches in {time.monotonic() - start:.1f}s",
          file=sys.stderr)
    return time.monotonic() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--target", help="an empty PostgreSQL database's URL (default: a throw-away cluster)")
    ap.add_argument("--source", help="reuse this SQLite file instead of building one")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="aibrief-bench-") as tmp:
        source = args.source or str(Path(tmp) / "source.db")
        if not args.source:
            build(source, args.articles)
        cluster = None
        target = args.target
        if target is None:
            from tests.support.pgcluster import PgCluster

            cluster = PgCluster().start()
            target = cluster.new_database()
        try:
            cmd = [sys.executable, "-m", "bot", "db", "copy", source, target]
            started = time.monotonic()
            proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
            elapsed = time.monotonic() - started
            sys.stderr.write(proc.stderr)
            sys.stdout.write(proc.stdout)
            if proc.returncode != 0:
                return proc.returncode
            print(f"`aibrief db copy` of {args.articles} articles into PostgreSQL: {elapsed:.1f}s wall")
        finally:
            if cluster is not None:
                cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
