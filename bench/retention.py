"""A simulated year of polls on a clock we control: the database's size with and without
retention.

    .venv/bin/python bench/retention.py [--days 365] [--per-day 100] [--retention 90]

Two fresh SQLite databases get the same feed load: every simulated day one feed's poll stores
`--per-day` new articles (feed-like titles and summaries, ~1 KB each, two watchlists matching
some) through the store's poll write path (`record_poll_success`, with its matching), and a
digest of that day's matches is recorded as sent. One of them is pruned every simulated day
as the leader's job does (bot/ops/retention.py, `--retention` days); the other never. Prints
the size of both every month and the ratio at the end. tests/test_ops_retention.py runs the
same simulation at a smaller scale.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.models import Article  # noqa: E402
from bot.ops.retention import DAY, prune  # noqa: E402
from bot.store import open_store  # noqa: E402

START = int(datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp())
WORDS = ("security model attack policy china travel export cloud chip vendor breach patch agency research "
         "startup report market regulation data privacy deepfake voice election researchers warned officials "
         "said on tuesday according to people familiar with the matter new rules companies").split()


def day_articles(rng: random.Random, day: int, n: int) -> list[Article]:
    out = []
    for i in range(n):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12))).capitalize()
        summary = " ".join(rng.choice(WORDS) for _ in range(rng.randint(80, 200)))
        url = f"https://wire.example/{day}/{i}"
        published = datetime.fromtimestamp(START + day * DAY + i * 60, tz=timezone.utc)
        out.append(Article(feed_url="https://wire.example/feed", source="Wire", url=url, title=title,
                           summary=summary, published=published, dedupe_key="url:" + url))
    return out


def simulate_year(path: str, *, days: int, per_day: int, retention: int | None, every: int = 30,
                  seed: int = 1) -> list[tuple[int, int, int]]:
    """(day, bytes, articles) every `every` days and at the end."""
    rng = random.Random(seed)
    store = open_store(path)
    try:
        store.add_watchlist("china-travel", "china travel", now=START)
        store.add_watchlist("deepfakes", "deepfake OR voice", now=START)
        feed = store.add_feed("https://wire.example/feed", "Wire", now=START)
        sizes = []
        for day in range(days):
            now = START + day * DAY + 12 * 3600
            outcome = store.record_poll_success(feed.id, day_articles(rng, day, per_day), now=now,
                                                next_poll=now + 1800, etag=None, last_modified=None)
            matched = [i for i in outcome.new_article_ids[:10]]
            if matched:  # the day's digest, as sent
                run = store.create_digest_run("C0BENCH001", window_start=now - DAY, window_end=now,
                                              plan=[{"text": "digest"}], article_ids=matched, now=now)
                store.finish_digest_run(run.id, now=now)
            if retention is not None:
                prune(store, retention, now=now, should_stop=lambda: False)
            if (day + 1) % every == 0 or day == days - 1:
                sizes.append((day + 1, store.database_bytes(), store.count_articles()))
        return sizes
    finally:
        store.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--per-day", type=int, default=100)
    p.add_argument("--retention", type=int, default=90)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        kept = simulate_year(f"{tmp}/kept.db", days=args.days, per_day=args.per_day, retention=args.retention)
        grown = simulate_year(f"{tmp}/grown.db", days=args.days, per_day=args.per_day, retention=None)
    print(f"{args.per_day} articles a day for {args.days} days; retention {args.retention} days")
    print(f"{'day':>5} {'with retention':>22} {'without':>22}")
    for (day, a, na), (_, b, nb) in zip(kept, grown):
        print(f"{day:>5} {a / 2**20:>9.2f} MiB {na:>7} art. {b / 2**20:>9.2f} MiB {nb:>7} art.")
    print(f"at the end: {kept[-1][1] / grown[-1][1]:.2f}x the size without retention")
    return 0


if __name__ == "__main__":
    sys.exit(main())
