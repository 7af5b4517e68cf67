"""How long rendering and validating a 50-item digest takes.

    .venv/bin/python bench/digest_render.py [--items 50] [--repeat 50]

Three numbers, each the median of `--repeat` runs (after one warm-up):
- render+validate: the daily.j2 template rendered for 50 stories (all 50 in the channel
  message, so it is split at Slack's 50-block limit) plus the full-list thread, every block
  checked with slack_sdk.models and split where over a limit;
- select+cluster+rank: the pure part before it (50 candidates, some to cluster);
- render_digest: the whole service call on a SQLite store (SQL selection included).
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

from bot.config import Settings  # noqa: E402
from bot.digest.context import build_context  # noqa: E402
from bot.digest.render import render_messages  # noqa: E402
from bot.digest.select import choose, window_for  # noqa: E402
from bot.digest.service import render_digest, subscribe  # noqa: E402
from bot.models import Article, DigestCandidate  # noqa: E402
from bot.store import open_store  # noqa: E402

TOPICS = ["prompt injection", "model theft", "deepfake fraud", "AI chip exports", "jailbreak", "data poisoning",
          "AI regulation", "LLM supply chain", "voice cloning", "agent security"]
SOURCES = ["Reuters", "Dawn", "AP", "The Record", "Securelog", "Policy Wire", "BBC", "Wired"]


def candidates(n: int, now: datetime) -> list[DigestCandidate]:
    out = []
    for i in range(n):
        # every 5th story is a republished copy of the one before it (to be clustered)
        base = i - 1 if i % 5 == 4 else i
        topic = TOPICS[base % len(TOPICS)]
        title = f"Story {base}: new {topic} case hits firm number {base} <b>&</b> rivals"
        if base != i:
            title += " - " + SOURCES[i % len(SOURCES)]
        out.append(DigestCandidate(
            article_id=i + 1, url=f"https://news.example/{i}", title=title,
            summary=(f"Summary of story {base} about {topic}. " * 6).strip(), source=SOURCES[i % len(SOURCES)],
            published=now - timedelta(minutes=17 * i), fetched=now - timedelta(minutes=17 * i),
            watchlists=("ai-security",) if i % 3 else ("ai-policy", "ai-security"), score=1.0 + (i % 7) / 10,
        ))
    return out


def median_ms(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=50, help="stories (after clustering) in the digest")
    ap.add_argument("--repeat", type=int, default=50)
    args = ap.parse_args()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    window = window_for(None, int(now.timestamp()))
    cands = candidates(args.items + args.items // 4, now)  # every 5th is a copy: `items` stories
    selection = choose(cands, start=window.start_dt, end=window.end_dt, max_items=args.items)
    context = build_context(selection, window=window, tz="Europe/Berlin", channel="C0BENCH01", more_search="ai")
    result = render_messages("daily", context, None)
    assert not result.errors, result.errors
    blocks = sum(len(m.blocks) for m in result.messages)
    print(f"{len(cands)} candidates → {len(selection.stories)} stories → {len(result.messages)} messages, "
          f"{blocks} blocks")
    render = median_ms(lambda: render_messages("daily", context, None), args.repeat)
    pure = median_ms(lambda: choose(cands, start=window.start_dt, end=window.end_dt, max_items=args.items),
                     args.repeat)
    print(f"render+validate (daily.j2, slack_sdk checks, splitting): {render:.1f} ms (median of {args.repeat})")
    print(f"select+cluster+rank (pure):                              {pure:.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "bench.db"))
        feed = store.add_feed("http://127.0.0.1/feed", "Feed")
        store.add_watchlist("ai-security", "story")
        store.insert_articles(feed.id, [
            Article(feed.url, c.source, c.url, c.title, c.summary, c.published, f"url:{c.url}") for c in cands
        ])
        subscribe(store, "bench", "C0BENCH01", max_items=args.items)
        settings = Settings()
        whole = median_ms(lambda: render_digest(store, settings, "C0BENCH01"), args.repeat)
        store.close()
    print(f"render_digest (SQLite selection + all of the above):    {whole:.1f} ms")


if __name__ == "__main__":
    main()
