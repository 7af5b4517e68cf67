"""`aibrief watch …`: keyword watchlists: list, add, remove, test, matches, stats, exclude."""

from __future__ import annotations

import json
import sys

from bot.cli.common import actor, bounded_int, command_group, open_store, parse_day
from bot.cli.output import print_hits, shown
from bot.store import shown_total
from bot.config import Settings
from bot.search import MAX_LIMIT


def register(sub) -> None:
    wsub = command_group(sub, "watch", "keyword watchlists", cmd_watch)
    wsub.add_parser("list", help="watchlists with their match counts")
    w = wsub.add_parser("add", help="add a watchlist")
    w.add_argument("name")
    w.add_argument("query", nargs="+")
    w.add_argument("--check", metavar="DESCRIPTION",
                   help='(model features) ask the model whether each keyword match fits, e.g. '
                        '"articles about attacks on AI systems"; the ones it says no to are dropped')
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
        w = admin.add_watchlist(store, actor(), args.name, " ".join(args.query), check=args.check)
        print(f"Added watchlist {w.name!r}: {store.watchlist_match_counts().get(w.name, 0)} stored article(s) match.")
        if args.check:
            print_check_pass(store, settings, w.name)
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
        hits = watch_matches(store, name, limit=limit, since=since)
        print_matches(name, hits, args.json, review=check_review(store, name, hits, limit=limit, since=since))
    elif args.action == "stats":
        from bot.tuning import watch_stats

        print_stats(watch_stats(store), args.json)
    elif args.action == "exclude":
        ex = admin.exclude_article(store, actor(), args.name, args.url)
        print(f"Excluded {ex.url} ({ex.title}) from {ex.watchlist}: "
              + ("its match is removed" if ex.removed else "it had not matched; it never will")
              + "; polls never add it back.")
    return 0


def check_review(store, name: str, hits, **window):
    """The relevance check's side of `watch matches` (None for a watchlist without one)."""
    from bot.llm.relevance import review

    return review(store, name, hits, **window)


def print_check_pass(store, settings: Settings, name: str, out=None) -> None:
    """Right after `watch add --check`: check what it already matched (one bounded pass)."""
    from bot.llm.relevance import check_matches

    out = out or sys.stdout
    if not settings.llm_enabled:
        print("The model features are off (AIBRIEF_LLM_URL, AIBRIEF_LLM_MODEL): its matches count, unchecked, "
              "until they are set.", file=out)
        return
    report = check_matches(store, settings)
    print(f"Relevance check: {report.dropped.get(name, 0)} match(es) dropped, {report.kept} kept, "
          f"{report.unchecked} left unchecked (asked again at the next poll).", file=out)


def print_matches(name: str, hits, as_json: bool, out=None, review=None) -> None:
    """`watch matches`: newest first, each with why (`matched`); --json as `search --json`
    (with `"relevance": "confirmed"|"unchecked"` when the watchlist has a relevance check).
    A checked watchlist also lists the matches its check dropped, with the model's reason."""
    out = out or sys.stdout
    if as_json:
        docs = [h.as_json() for h in hits]
        if review is not None:
            for d, h in zip(docs, hits):
                d["relevance"] = "unchecked" if h.article_id in review.unchecked else "confirmed"
        print(json.dumps(docs, ensure_ascii=False, indent=2), file=out)
        return
    if not hits:
        print(f"{name} has not matched any stored article (in that window).", file=out)
    for n, h in enumerate(hits, 1):
        print(f"{n}. {h.title}", file=out)
        print(f"   {h.source} · {h.published:%Y-%m-%d} · {h.url}", file=out)
        why = ", ".join(f"{m.term} ({m.field})" for m in h.matched) or "(unknown)"
        print(f"   matched: {why}", file=out)
        if review is not None:
            print("   relevance check: " + ("not yet asked (the model was unavailable); counts until it is"
                                            if h.article_id in review.unchecked else "yes"), file=out)
    if review is None:
        return
    print(f"\nDropped by the relevance check ({shown(review.question)}): {len(review.dropped)}", file=out)
    for d in review.dropped:
        print(f"- {shown(d.title)}", file=out)
        print(f"   {shown(d.source)} · {d.published:%Y-%m-%d} · {d.url}", file=out)
        print(f"   why not: {shown(d.reason) or '(no reason given)'}", file=out)


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
