"""`aibrief fetch`: poll every feed once, with a progress bar, then the report."""

from __future__ import annotations

import logging
import sys

from bot.cli.common import open_store
from bot.cli.output import Progress, print_poll_report
from bot.config import Settings


def register(sub) -> None:
    s = sub.add_parser("fetch", help="poll every feed once")
    s.set_defaults(func=cmd_fetch)


def cmd_fetch(args, settings: Settings) -> int:
    from bot.poll.poller import poll_feeds

    store = open_store(settings)
    feeds = [f for f in store.list_feeds() if f.enabled]
    if not feeds:
        print("No feeds to poll. Add one with: aibrief feeds add URL")
        return 0
    progress = Progress(len(feeds))
    if not args.verbose:
        # Each failure is printed once, in the summary below; the poller's per-feed
        # warnings repeat it, so they show only with -v.
        logging.getLogger("aibrief.poll").setLevel(logging.ERROR)
    report = poll_feeds(store, settings, feeds=feeds, on_fetched=lambda r: progress.update(r.url))
    print_poll_report(store, report)
    if report.outcomes and len(report.errors) == len(report.outcomes):
        print(f"aibrief: no feed could be fetched ({len(report.errors)} failed)", file=sys.stderr)
        return 1
    return 0
