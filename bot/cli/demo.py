"""`aibrief demo`: the whole pipeline, offline, on the bundled sample feeds.

It uses a throw-away database and serves the samples on loopback, so what it shows is what
the real fetch, parse, store, match, search and digest code do — nothing is faked.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from bot.cli.output import print_hits, print_poll_report
from bot.config import Settings
from bot.feeds.samples import sample_feeds, samples_dir
from bot.localserve import StaticServer

DEMO_QUERY = "china travel"


def register(sub) -> None:
    s = sub.add_parser("demo", help="offline demo on the bundled sample feeds")
    s.add_argument("--blocks", metavar="FILE",
                   help="also write the demo digest's Block Kit messages (as `digest --format blocks` prints them)")
    s.set_defaults(func=cmd_demo)


def cmd_demo(args, settings: Settings) -> int:
    return run_demo(settings, out=sys.stdout, blocks_path=args.blocks)


def run_demo(settings: Settings, out: TextIO, blocks_path: str | None = None) -> int:
    from bot.bootstrap import import_feeds, prepare_store
    from bot.digest.service import demo_digest, demo_digest_text
    from bot.poll.poller import poll_feeds, policy_for
    from bot.search import search

    with tempfile.TemporaryDirectory(prefix="aibrief-demo-") as tmp, StaticServer(samples_dir()) as server:
        demo_settings = dataclasses.replace(settings, database=str(Path(tmp) / "demo.db"))
        store = prepare_store(demo_settings, default_feeds=False)
        feeds = [(server.base_url + f.name, f.title) for f in sample_feeds()]
        import_feeds(store, feeds)
        print(f"Polling {len(feeds)} bundled sample feeds (served on {server.base_url}) …", file=out)
        report = poll_feeds(store, demo_settings, force=True, policy=policy_for(demo_settings, ("127.0.0.1/32",)))
        print_poll_report(store, report, out=out)
        print(f"\nSearch: {DEMO_QUERY}", file=out)
        print_hits(search(store, DEMO_QUERY, limit=3), False, out=out)
        print("\nDigest preview:\n", file=out)
        print(demo_digest_text(store, demo_settings), file=out)
        if blocks_path:
            messages = [{"thread_reply": m.thread, "text": m.text, "blocks": m.blocks}
                        for m in demo_digest(store, demo_settings).messages]
            Path(blocks_path).write_text(json.dumps(messages, ensure_ascii=False, indent=2), encoding="utf-8")
            print(f"\nWrote the digest's Block Kit messages to {blocks_path}", file=out)
        store.close()
    return 0
