"""--full-text: what fetching and extracting each new article's page costs, per article.

    .venv/bin/python bench/fulltext.py [--feeds 5] [--items 20] [--repeat 3]

Teaser feeds (one line per item) and their article pages (~12 KB of realistic HTML each:
navigation, related links, a script, a footer, 8–14 paragraphs) are generated
deterministically and served over loopback by tests/support/feedserver.py in its own process.

Baseline: a poll of those feeds into a fresh SQLite store, feeds stored and matched, no page
fetched. Ours: the same feeds with full text on, polled until no page is pending (the
per-host limit of 10 pages a poll applies: every feed is on the one loopback host, so 100
articles take 10 polls; the later polls fetch no feed body, every feed answers 304). Each
run is a fresh interpreter, so peak RSS is the run's own (and includes importing
trafilatura). Printed: both times, the cost per article, the ratio, and peak RSS of each.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.feedbench import peak_rss_mb, run_child  # noqa: E402

WORDS = ("model security attack researchers agency policy data cloud vendor patch exploit report government "
         "chip export assistant prompt injection jailbreak training weights breach phishing ransomware").split()


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(12, 24))).capitalize() + "."


def _page(rng: random.Random, title: str) -> bytes:
    paragraphs = "".join(f"<p>{' '.join(_sentence(rng) for _ in range(rng.randrange(3, 6)))}</p>"
                         for _ in range(rng.randrange(8, 15)))
    nav = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(40))
    related = "".join(f'<li><a href="/story/{rng.randrange(10**6)}">{_sentence(rng)}</a></li>' for _ in range(15))
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{title}</title>"
            f"<script>window.dataLayer=[{','.join(str(i) for i in range(300))}];</script></head><body>"
            f"<header><nav><ul>{nav}</ul></nav></header><main><article><h1>{title}</h1>"
            f"<p class=byline>By Staff · 3 March 2025</p>{paragraphs}</article>"
            f"<aside><h2>Related</h2><ul>{related}</ul></aside></main>"
            f"<footer><p>© Example News · Privacy · Cookies · Terms</p></footer></body></html>").encode()


def _serve(feeds: int, items: int, conn) -> None:
    from tests.support import feedserver

    # The stand-in writes headers and body separately; with Nagle on, each page then waits
    # ~40 ms for the client's delayed ACK, which no real web server makes a client pay (and
    # which would be charged to full text here). Off in this benchmark's server process only.
    feedserver._Handler.disable_nagle_algorithm = True
    FeedServer = feedserver.FeedServer
    rng = random.Random(17)
    server = FeedServer().start()
    for f in range(feeds):
        entries = []
        for i in range(items):
            title = f"Feed {f} story {i}: {_sentence(rng)[:60]}"
            path = f"/f{f}/story/{i}"
            server.add(path, _page(rng, title), content_type="text/html; charset=utf-8")
            entries.append(f"<item><title>{title}</title><link>{server.url(path)}</link><guid>{path}</guid>"
                           f"<pubDate>0{1 + i % 9} Mar 2025 {i % 24:02d}:00:00 GMT</pubDate>"
                           f"<description>{_sentence(rng)}</description></item>")
        doc = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Teasers {f}</title>'
               f"<link>{server.url('/')}</link>{''.join(entries)}</channel></rss>").encode()
        server.add(f"/f{f}/rss.xml", doc, etag=f'"f{f}"')
    conn.send(server.base)
    conn.recv()
    server.stop()


def child(args) -> None:
    from bot.config import Settings
    from bot.poll.poller import poll_feeds, policy_for
    from bot.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "bench.db"))
        for f in range(args.feeds):
            feed = store.add_feed(f"{args.base}/f{f}/rss.xml")
            if args.mode == "fulltext":
                store.set_full_text(feed.id, True)
        store.add_watchlist("jailbreaks", "jailbreak OR \"prompt injection\"")
        settings = Settings(database=store.path)
        policy = policy_for(settings, ("127.0.0.1/32",))
        started = time.perf_counter()
        polls = 0
        while True:
            report = poll_feeds(store, settings, force=True, policy=policy)
            polls += 1
            if args.mode == "baseline" or not store.pending_full_text() or polls > 100:
                break
        elapsed = time.perf_counter() - started
        result = {
            "seconds": elapsed,
            "polls": polls,
            "articles": store.count_articles(),
            "pages": store.full_text_states(),
            "matches": sum(store.watchlist_match_counts().values()),
            "errors": len(report.errors),
            "peak_rss": peak_rss_mb(),
        }
        store.close()
    print(json.dumps(result))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=5)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--mode", choices=("baseline", "fulltext"), help=argparse.SUPPRESS)
    ap.add_argument("--base", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return 0

    ctx = multiprocessing.get_context("spawn")
    conn, remote = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(args.feeds, args.items, remote), daemon=True)
    server.start()
    base = conn.recv()
    try:
        runs: dict[str, list[dict]] = {"baseline": [], "fulltext": []}
        for _ in range(max(1, args.repeat)):
            for mode in runs:
                runs[mode].append(run_child(Path(__file__), ["--mode", mode, "--base", base,
                                                             "--feeds", str(args.feeds), "--items", str(args.items)]))
    finally:
        conn.send("stop")
        server.join(5)
    base_run = min(runs["baseline"], key=lambda r: r["seconds"])
    full_run = min(runs["fulltext"], key=lambda r: r["seconds"])
    n = full_run["articles"]
    print(f"articles: {n} in {args.feeds} feeds; pages: {full_run['pages']}; polls with full text: {full_run['polls']}")
    print(f"matches:  baseline {base_run['matches']}, with full text {full_run['matches']}")
    print(f"baseline (poll, no full text): {base_run['seconds']:.3f} s, peak RSS {base_run['peak_rss']:.0f} MB")
    print(f"with --full-text:              {full_run['seconds']:.3f} s, peak RSS {full_run['peak_rss']:.0f} MB")
    per = (full_run["seconds"] - base_run["seconds"]) / max(1, n)
    print(f"cost per article: {per * 1000:.1f} ms, "
          f"{(full_run['peak_rss'] - base_run['peak_rss']):.0f} MB more peak RSS in all")
    print(f"ratio (full text / baseline): time {full_run['seconds'] / base_run['seconds']:.1f}x, "
          f"peak RSS {full_run['peak_rss'] / base_run['peak_rss']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
