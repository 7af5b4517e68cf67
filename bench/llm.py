"""What "why it matters" adds to a digest, per story, against the loopback model stand-in.

    .venv/bin/python bench/llm.py [--stories 10] [--repeat 15] [--delay 0]

One SQLite store with `--stories` matched stories (all in the channel message); three
medians of `--repeat` renders (render_digest, the whole service call), after a warm-up:
- off: the model settings unset (the baseline);
- uncached: every story asked (a fresh model name per run, so nothing is cached): the
  cache claim, the daily-cap count, the HTTP call and storing the answer;
- cached: every answer already in the database (the usual case: an article is asked once).
Printed as ms per digest, ms added per story, and the ratio to the same run's baseline.
The stand-in answers at once (or after `--delay` s), so "uncached" is the bot's own cost
plus loopback HTTP, not a model's thinking time; a real model adds its latency per call,
CONCURRENCY (4) at a time, cut off at AIBRIEF_LLM_DIGEST_SECONDS.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import load_settings  # noqa: E402
from bot.digest.service import render_digest  # noqa: E402
from bot.models import Article  # noqa: E402
from bot.store import open_store  # noqa: E402
from tests.support.llm_standin import LLMStandIn  # noqa: E402

TOPICS = ["prompt injection", "model theft", "deepfake fraud", "AI chip exports", "jailbreak", "data poisoning",
          "AI regulation", "LLM supply chain", "voice cloning", "agent security"]


def articles(n: int) -> list[Article]:
    now = datetime.now(timezone.utc)
    out = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        url = f"https://bench.example/{i}"
        out.append(Article(feed_url="https://bench.example/feed", source=f"Outlet {i % 7}", url=url,
                           title=f"AI {topic} story {i}: what changed this week",
                           summary=f"Researchers describe {topic} against AI systems, case {i}. " * 6,
                           published=now - timedelta(minutes=5 + i), dedupe_key="url:" + url))
    return out


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stories", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--delay", type=float, default=0.0, help="the stand-in's answer delay, seconds")
    args = ap.parse_args(argv)
    tmp = tempfile.TemporaryDirectory()
    path = str(Path(tmp.name) / "llm-bench.db")
    store = open_store(path)
    store.add_watchlist("bench", "AI")
    store.insert_articles(None, articles(args.stories))
    with LLMStandIn() as llm:
        if args.delay:
            llm.mode, llm.delay = "slow", args.delay
        base = {"AIBRIEF_DATABASE": path, "AIBRIEF_LLM_DAILY_CALLS": "10000000"}
        off = load_settings(base, env_file=None)

        def on(model: str):
            return load_settings({**base, "AIBRIEF_LLM_URL": llm.url, "AIBRIEF_LLM_MODEL": model}, env_file=None)

        render_digest(store, off, None)
        run = iter(range(10**9))
        cached = on("bench-cached")
        first = render_digest(store, cached, None)  # warm-up, and fills the cache for "cached"
        shown = len(first.selection.top)
        t_off = median_ms(lambda: render_digest(store, off, None), args.repeat)
        t_uncached = median_ms(lambda: render_digest(store, on(f"bench-{next(run)}"), None), args.repeat)
        t_cached = median_ms(lambda: render_digest(store, cached, None), args.repeat)
        calls = len(llm.requests)
    n = shown
    print(f"{n} stories in the channel message, median of {args.repeat} renders; stand-in delay {args.delay:g} s;"
          f" {calls} model calls in all")
    print(f"{'':10} {'ms/digest':>10} {'added ms/story':>15} {'× off':>7}")
    print(f"{'off':10} {t_off:10.1f} {0:15.2f} {1:7.2f}")
    for name, t in (("uncached", t_uncached), ("cached", t_cached)):
        print(f"{name:10} {t:10.1f} {(t - t_off) / n:15.2f} {t / t_off:7.2f}")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
