"""`aibrief demo`: the whole pipeline, offline, on the bundled sample feeds.

It uses a throw-away database and serves the samples on loopback, so what it shows is what
the real fetch, parse, store, match, search and digest code do — nothing is faked.
"""

from __future__ import annotations

import dataclasses
import tempfile
from importlib import resources
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.feeds.opml import read_opml
from bot.localserve import StaticServer

DEMO_QUERY = "china travel"


def samples_dir() -> Path:
    return Path(str(resources.files("bot").joinpath("data/samples")))


def run_demo(settings: Settings, out: TextIO) -> int:
    from bot.bootstrap import import_feeds, prepare_store
    from bot.cli import print_hits, print_poll_report
    from bot.poller import poll_feeds, policy_for
    from bot.search import search

    with tempfile.TemporaryDirectory(prefix="aibrief-demo-") as tmp, StaticServer(samples_dir()) as server:
        demo_settings = dataclasses.replace(settings, database=str(Path(tmp) / "demo.db"))
        store = prepare_store(demo_settings, default_feeds=False)
        feeds = read_opml((samples_dir() / "samples.opml").read_bytes(), allow_relative=True)
        import_feeds(store, [(server.base_url + url.rsplit("/", 1)[-1], title) for url, title in feeds])
        print(f"Polling {len(feeds)} bundled sample feeds (served on {server.base_url}) …", file=out)
        report = poll_feeds(store, demo_settings, force=True, policy=policy_for(demo_settings, ("127.0.0.1/32",)))
        print_poll_report(store, report, out=out)
        print(f"\nSearch: {DEMO_QUERY}", file=out)
        print_hits(search(store, DEMO_QUERY, limit=3), False, out=out)
        _print_digest(store, demo_settings, out)
        store.close()
    return 0


def _print_digest(store, settings: Settings, out: TextIO) -> None:
    """The digest a new channel would get (filled in by the digest module)."""
    try:
        from bot.digest.service import demo_digest_text
    except ModuleNotFoundError:
        return
    print("\nDigest preview:\n", file=out)
    print(demo_digest_text(store, settings), file=out)
