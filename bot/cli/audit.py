"""`aibrief audit`: who changed which watchlist, feed or schedule, when, from what to what."""

from __future__ import annotations

import json

from bot.cli.common import bounded_int, open_store
from bot.cli.output import shown
from bot.config import Settings

MAX_AUDIT_LIMIT = 10_000  # entries `aibrief audit --limit` prints at most


def register(sub) -> None:
    s = sub.add_parser("audit", help="who changed what, when")
    s.add_argument("--limit", type=bounded_int(1, MAX_AUDIT_LIMIT), default=50, metavar="N")
    s.set_defaults(func=cmd_audit)


def cmd_audit(args, settings: Settings) -> int:
    store = open_store(settings, default_feeds=False)
    entries = store.audit_entries(limit=args.limit)
    if not entries:
        print("No changes recorded yet.")
    for e in entries:
        print(shown(f"{e.at:%Y-%m-%d %H:%M}Z {e.actor:<16} {e.action:<16} {e.target}: "
                    f"{json.dumps(e.before, ensure_ascii=False)} → {json.dumps(e.after, ensure_ascii=False)}"))
    return 0
