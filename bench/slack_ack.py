"""Server-side time from a signed `/aibrief QUERY` request to its ack, in HTTP mode.

    .venv/bin/python bench/slack_ack.py [--requests 200] [--articles 2000] [--mode both]

Starts the real app (bot.slack.app.build_app behind waitress, as `aibrief run` does in
HTTP mode) on a loopback port against the loopback Slack stand-in, with a SQLite store of
the two seed stories plus N synthetic articles. Sends N correctly signed slash commands,
one after another, and reports p50/p99/max of the time measured *inside the server*: from
the WSGI call to the complete response (signature check, parsing, dispatch, ack). Also
the client-observed round trip, and how long the private reply took to reach the
response_url.

- `awaited`: each request waits for its reply first — the ack path alone.
- `burst`: the next request goes out as soon as the ack is back, so the searches of
  earlier commands run on the listener threads while later ones are acknowledged.

`--compare` also runs Bolt's default `process_before_response=False` for comparison.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.models import Article  # noqa: E402
from bot.store import open_store  # noqa: E402
from tests.support.seed_stories import seed_articles  # noqa: E402
from tests.support.slack_harness import SlackAppHarness  # noqa: E402
from tests.support.slack_standin import SlackStandIn  # noqa: E402

WORDS = ("security model attack policy china travel export cloud chip vendor breach patch agency "
         "research startup report market regulation data privacy deepfake voice election").split()
QUERIES = ["china travel", '"prompt injection" OR jailbreak', "deepfake -election", "secur* (cloud OR chip)"]


def synthetic(n: int) -> list[Article]:
    rnd = random.Random(7)
    base = datetime(2025, 3, 1, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        title = " ".join(rnd.choice(WORDS) for _ in range(8)).capitalize()
        summary = " ".join(rnd.choice(WORDS) for _ in range(60)) + "."
        url = f"https://bench.example/{i}"
        out.append(Article(feed_url="https://bench.example/feed", source=f"Source {i % 17}", url=url, title=title,
                           summary=summary, published=base - timedelta(hours=i), dedupe_key="url:" + url))
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))]


def measure(store, slack, requests: int, mode: str, process_before_response: bool) -> dict:
    slack.reset()
    harness = SlackAppHarness(store, slack).start(process_before_response=process_before_response)
    try:
        for i in range(10):  # warm-up: imports, first connections, caches
            _, key = harness.command(QUERIES[i % len(QUERIES)], user="U0BENCH")
            harness.reply(key)
        harness.wsgi.timings.clear()
        slack.reset()
        client_rt, sent = [], {}
        for i in range(requests):
            wall, t0 = time.time(), time.perf_counter()
            resp, key = harness.command(QUERIES[i % len(QUERIES)], user="U0BENCH")
            client_rt.append(time.perf_counter() - t0)
            assert resp.status_code == 200, resp.status_code
            sent[key] = wall
            if mode == "awaited":
                harness.reply(key)
        for key in sent:
            harness.reply(key)
        # when the stand-in received each private reply (its own clock, the same machine)
        got = {c.method.split("/", 1)[1]: c.at for c in slack.calls() if c.method.startswith("response/")}
        reply_lat = [got[key] - wall for key, wall in sent.items()]
        server = [t for path, t in harness.wsgi.timings if path == "/slack/events"]
        assert len(server) == requests
        return {"server": server, "client": client_rt, "reply": reply_lat}
    finally:
        harness.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--mode", choices=["awaited", "burst", "both"], default="both")
    ap.add_argument("--compare", action="store_true", help="also Bolt's process_before_response=False")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, SlackStandIn() as slack:
        store = open_store(str(Path(tmp) / "bench.db"))
        store.insert_articles(None, seed_articles() + synthetic(args.articles))
        print(f"{store.count_articles()} articles; {args.requests} signed /aibrief requests per run")
        modes = ["awaited", "burst"] if args.mode == "both" else [args.mode]
        settings = [True, False] if args.compare else [True]
        for pbr in settings:
            for mode in modes:
                r = measure(store, slack, args.requests, mode, pbr)
                ms = lambda v: f"p50 {statistics.median(v) * 1000:6.2f} ms  p99 {pct(v, 99) * 1000:6.2f} ms  max {max(v) * 1000:6.2f} ms"  # noqa: E731
                print(f"\nprocess_before_response={pbr}, {mode}:")
                print(f"  server-side request → ack   {ms(r['server'])}")
                print(f"  client round trip           {ms(r['client'])}")
                print(f"  request → reply received    {ms(r['reply'])}")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
