"""`aibrief search QUERY`: the same search as `/aibrief QUERY`."""

from __future__ import annotations

from bot.cli.common import bounded_int, open_store
from bot.cli.output import print_hits
from bot.config import Settings
from bot.search import MAX_LIMIT


def register(sub) -> None:
    s = sub.add_parser("search", help="search stored articles")
    s.add_argument("query", nargs="+", help='query, e.g. china travel, "prompt injection" OR jailbreak')
    s.add_argument("--limit", type=bounded_int(1, MAX_LIMIT), default=10, metavar="N")
    s.add_argument("--json", action="store_true", help="JSON array, best first")
    s.set_defaults(func=cmd_search)


def cmd_search(args, settings: Settings) -> int:
    from bot.search import search

    store = open_store(settings, default_feeds=False)
    print_hits(search(store, " ".join(args.query), limit=args.limit), args.json)
    return 0
