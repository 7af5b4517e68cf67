"""`aibrief watch …`: keyword watchlists: list, add, remove, test, matches, stats, exclude."""

from __future__ import annotations

import json
import sys

from bot.cli.common import actor, bounded_int, open_store, parse_day
from bot.cli.output import print_hits, shown
from bot.store.topk import shown_total
from bot.config import Settings
from bot.search import MAX_LIMIT


def register(sub) -> None:
    s = sub.add_parser("watch", help="keyword watchlists")
    wsub = s.add_subparsers(dest="action", metavar="ACTION")
    wsub.required = True
    wsub.add_parser("list", help="watchlists with their match counts")
    w = wsub.add_parser("add", help="add a watchlist")
    w.add_argument("name")
    w.add_argument("query", nargs="+")
    w = wsub.add_parser("remove", help="remove a watchlist")
    w.add_argument("name")
    w = wsub.add_parser("test", help="what a query would match, before saving it")
    w.add_argument("query", nargs="+")
    w.add_argument("--limit", type=bounded_int(1, MAX_LIMIT), default=5, metavar="N")
    w = wsub.add_parser("matches", help="what a watchlist caught, newest first, each with why")
    w.add_argument("name")
    w.add_argument("--json", action="store_true", help="JSON array, as search --json")
    w.add_argument("--limit", type=bounded_int(1, MAX_LIMIT), default=20, metavar="N", help="at most N articles (1-100, default 20)")
    w.add_argument("--since", metavar="YYYY-MM-DD", help="only articles published that day or later")
    w = wsub.add_parser("stats", help='matches, "not relevant" votes and a suggested refinement per watchlist')
    w.add_argument("--json", action="store_true")
    w = wsub.add_parser("exclude", help="drop one article (by URL) from a watchlist for good")
    w.add_argument("name")
    w.add_argument("url")
    s.set_defaults(func=cmd_watch)


def cmd_watch(args, settings: Settings) -> int:
    from bot import admin
    from bot.search import watch_test

    store = open_store(settings, default_feeds=False)
    if args.action == "list":
        counts = store.watchlist_match_counts()
        lists = store.list_watchlists()
        if not lists:
            print("No watchlists. Add one with: aibrief watch add NAME QUERY")
        for w in lists:
            print(shown(f"{w.name:<20} {counts.get(w.name, 0):>6} matches   {w.query}"))
    elif args.action == "add":
        w = admin.add_watchlist(store, actor(), args.name, " ".join(args.query))
        print(f"Added watchlist {w.name!r}: {store.watchlist_match_counts().get(w.name, 0)} stored article(s) match.")
    elif args.action == "remove":
        w = admin.remove_watchlist(store, actor(), args.name)
        print(f"Removed watchlist {w.name!r} ({w.query}).")
    elif args.action == "test":
        result = watch_test(store, " ".join(args.query), limit=args.limit)
        print(f"{shown_total(result.total)} stored article(s) would match.")
        if result.hits:
            print_hits(result, False)
    elif args.action == "matches":
        from bot.search import watch_matches

        limit = args.limit
        since = parse_day(args.since, "--since") if args.since else None
        name = args.name.strip().lower()
        print_matches(name, watch_matches(store, name, limit=limit, since=since), args.json)
    elif args.action == "stats":
        from bot.tuning import watch_stats

        print_stats(watch_stats(store), args.json)
    elif args.action == "exclude":
        ex = admin.exclude_article(store, actor(), args.name, args.url)
        print(f"Excluded {ex.url} ({ex.title}) from {ex.watchlist}: "
              + ("its match is removed" if ex.removed else "it had not matched; it never will")
              + "; polls never add it back.")
    return 0


def print_matches(name: str, hits, as_json: bool, out=None) -> None:
    """`watch matches`: newest first, each with why (`matched`); --json as `search --json`."""
    out = out or sys.stdout
    if as_json:
        print(json.dumps([h.as_json() for h in hits], ensure_ascii=False, indent=2), file=out)
        return
    if not hits:
        print(f"{name} has not matched any stored article (in that window).", file=out)
        return
    for n, h in enumerate(hits, 1):
        print(f"{n}. {h.title}", file=out)
        print(f"   {h.source} · {h.published:%Y-%m-%d} · {h.url}", file=out)
        why = ", ".join(f"{m.term} ({m.field})" for m in h.matched) or "(unknown)"
        print(f"   matched: {why}", file=out)


def print_stats(stats, as_json: bool, out=None) -> None:
    out = out or sys.stdout
    if as_json:
        print(json.dumps([st.as_json() for st in stats], ensure_ascii=False, indent=2), file=out)
        return
    if not stats:
        print("No watchlists. Add one with: aibrief watch add NAME QUERY", file=out)
    for st in stats:
        print(f"{st.name}: {st.matches_7d} matches in 7 days, {st.matches_30d} in 30 days; "
              f"{st.votes} not-relevant vote(s) on {st.voted_articles} article(s)", file=out)
        print(f"  query: {st.query}", file=out)
        if st.invalid:
            print("  warning: the query no longer parses; re-create the watchlist", file=out)
        for a in st.most_voted:
            why = ", ".join(f"{m.term} ({m.field})" for m in a.matched) or "?"
            print(f"  {a.votes:>3}x {a.title}  [{a.source}]  {a.url}", file=out)
            print(f"       matched: {why}", file=out)
        if st.suggestion:
            print(f"  suggestion: {st.suggestion.text}", file=out)
            if st.suggestion.query:
                print(f"  suggested query: {st.suggestion.query}", file=out)
