"""The `aibrief` command (also `python -m bot`).

Each subcommand parses its arguments, calls the same plain functions the Slack app calls,
and prints. Exit status: 0 success; 2 bad usage or bad input, with a one-line reason on
stderr; 1 anything else. A user's mistake never shows a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
from datetime import datetime, timezone
from typing import Callable, Sequence

from bot import __version__
from bot.config import ConfigError, Settings, load_settings
from bot.humanize import when as ago
from bot.mrkdwn import strip_invisible as shown  # feed text reaches the terminal through this

log = logging.getLogger("aibrief")
MAX_AUDIT_LIMIT = 10_000  # entries `aibrief audit --limit` prints at most


class UsageError(Exception):
    """Bad input from the person at the terminal: exit 2 with this message."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (exit 2 via UsageError) instead of usage + error;
    subcommand parsers are of this class too (argparse makes them of the parent's class)."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see {self.prog} --help)")


def bounded_int(lo: int, hi: int) -> Callable[[str], int]:
    """The argparse type of every numeric option (--limit, --max-items, …): a whole number
    from `lo` to `hi`. One definition, so each command refuses 0, -1 or a 20-digit number
    the same way, before anything runs."""

    def parse(text: str) -> int:
        value = text.strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 9 or not lo <= int(value) <= hi:
            raise argparse.ArgumentTypeError(f"must be a whole number from {lo} to {hi}, not {text!r}")
        return int(value)

    parse.__name__ = f"number {lo}..{hi}"
    return parse


# ---- small output helpers --------------------------------------------------------------
def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _store(settings: Settings, **kw):
    from bot.bootstrap import prepare_store

    return prepare_store(settings, **kw)


class Progress:
    """A one-line progress bar on a terminal; plain lines when output is piped."""

    def __init__(self, total: int, stream=None):
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def update(self, label: str) -> None:
        """One more done. Not whether it failed: the report after the bar says that, once."""
        self.done += 1
        if self.tty:
            width = 30
            filled = int(width * self.done / max(1, self.total))
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\r[{bar}] {self.done}/{self.total} {label[:40]:<40}")
            if self.done >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"{self.done}/{self.total} {label}\n")
        self.stream.flush()


# ---- commands --------------------------------------------------------------------------
def cmd_fetch(args, settings: Settings) -> int:
    from bot.poller import poll_feeds

    store = _store(settings)
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


def print_poll_report(store, report, out=None) -> None:
    out = out or sys.stdout
    ids = report.new_article_ids
    arts = store.get_articles(ids)
    print(f"{len(ids)} new article(s) from {len(report.outcomes)} feed(s)"
          f" ({report.not_modified} unchanged, {len(report.errors)} failed)", file=out)
    for aid in ids[:50]:
        a = arts.get(aid)
        if a:
            print(shown(f"  + {a['title']}  [{a['source']}]"), file=out)
    if len(ids) > 50:
        print(f"  … and {len(ids) - 50} more", file=out)
    if report.matches:
        print("Matches per watchlist:", file=out)
        for name, n in sorted(report.matches.items()):
            print(f"  {name}: {n}", file=out)
    if report.errors:
        print("Feed errors:", file=out)
        for url, err in report.errors.items():
            print(shown(f"  ! {url}: {err}"), file=out)


def print_hits(result, as_json: bool, out=None) -> None:
    out = out or sys.stdout
    if as_json:
        print(json.dumps([h.as_json() for h in result.hits], ensure_ascii=False, indent=2), file=out)
        return
    if not result.hits:
        print(shown(f"No articles match {result.query!r}."), file=out)
        return
    for n, h in enumerate(result.hits, 1 + result.offset):
        print(shown(f"{n}. {h.title}"), file=out)
        print(shown(f"   {h.source} · {h.published:%Y-%m-%d} · {h.url}"), file=out)
        if h.snippet:
            print(shown(f"   {h.snippet}"), file=out)
    print(f"({len(result.hits)} of {result.total} shown)", file=out)


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


def parse_day(text: str, option: str) -> datetime:
    """YYYY-MM-DD → that day's start, UTC; UsageError otherwise."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise UsageError(f"{option} wants a date as YYYY-MM-DD, not {text!r}") from None


def cmd_search(args, settings: Settings) -> int:
    from bot.search import search

    store = _store(settings, default_feeds=False)
    print_hits(search(store, " ".join(args.query), limit=args.limit), args.json)
    return 0


def cmd_watch(args, settings: Settings) -> int:
    from bot import admin
    from bot.search import watch_test

    store = _store(settings, default_feeds=False)
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
        print(f"{result.total} stored article(s) would match.")
        if result.hits:
            print_hits(result, False)
    elif args.action == "matches":
        from bot.search import MAX_LIMIT, watch_matches

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


def cmd_feeds(args, settings: Settings) -> int:
    from bot import admin
    from bot.bootstrap import import_feeds
    from bot.feeds.opml import read_opml_entries, write_opml

    store = _store(settings, default_feeds=args.action not in ("add", "import", "full-text"))
    if args.action == "list":
        print_feed_list(store)
    elif args.action == "add":
        if args.no_check:
            f = admin.add_feed(store, actor(), args.url, settings, check=False, full_text=args.full_text)
        else:
            checked = admin.check_feed(args.url, settings)
            if store.get_feed(checked.url):
                raise UsageError(f"already following {checked.url}")
            print_feed_check(checked)
            if not args.yes and not confirm("Add this feed?"):
                print("Not added.")
                return 0
            f = admin.add_feed(store, actor(), args.url, settings, checked=checked, full_text=args.full_text)
        print(f"Added {f.url}" + (f" ({f.title})" if f.title else "")
              + (" with full text: each new article's page is fetched once" if args.full_text else ""))
    elif args.action == "full-text":
        f = admin.set_full_text(store, actor(), args.url, args.state == "on")
        print(f"Full text {args.state} for {f.url}"
              + (": new articles' pages are fetched once each" if args.state == "on" else ": the feed's own text is kept"))
    elif args.action == "remove":
        f = admin.remove_feed(store, actor(), args.url)
        print(f"Removed {f.url}")
    elif args.action == "import":
        try:
            with open(args.file, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
        try:
            entries = read_opml_entries(data)
        except ValueError as exc:
            raise UsageError(f"{args.file} is not a usable OPML file: {exc}") from None
        feeds = list(entries.feeds)
        for site, title in entries.sites:  # outlines with a site's address only: find its feed
            try:
                checked = admin.check_feed(site, settings)
            except admin.AdminError as exc:
                print(f"  ! {site}: {exc}", file=sys.stderr)
                continue
            print(f"  {site}: found {checked.url}" + (f" ({len(checked.others)} other feed(s) on the page)"
                                                      if checked.others else ""))
            feeds.append((checked.url, title or checked.title))
        added = import_feeds(store, feeds, actor=actor())
        total = len(entries.feeds) + len(entries.sites)
        print(f"Imported {len(added)} new feed(s) of {total} in {args.file}.")
    elif args.action == "export":
        sys.stdout.write(write_opml([(f.url, f.title) for f in store.list_feeds()]))
    return 0


def confirm(question: str, *, stdin=None, out=None) -> bool:
    """Ask on a terminal. Without one (a script, CI) there is nobody to ask: go ahead, as
    `feeds add` always did, rather than hang or fail the script (`--yes` says so explicitly)."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    if not stdin.isatty():
        return True
    out.write(f"{question} [y/N] ")
    out.flush()
    try:
        answer = stdin.readline()
    except (EOFError, KeyboardInterrupt):
        return False
    return answer.strip().lower() in ("y", "yes")


def print_feed_check(checked, out=None) -> None:
    """What `feeds add` found, before saving it."""
    out = out or sys.stdout
    how = {"page": " (named by the page's <link rel=\"alternate\">)",
           "fallback": " (the page names no feed; found at a usual place)"}.get(checked.via, "")
    print(shown(f"Feed:  {checked.url}" + (f"  from {checked.page_url}{how}" if checked.page_url else "")), file=out)
    print(shown(f"Title: {checked.title or '(untitled)'}"), file=out)
    print(shown(f"Items: {checked.entries}" + (", newest:" if checked.newest else "")), file=out)
    for title in checked.newest:
        print(shown(f"  - {title}"), file=out)
    if checked.others:
        print(shown("Other feeds on the page (add one of these instead with `aibrief feeds add URL`):"), file=out)
        for url in checked.others:
            print(shown(f"  - {url}"), file=out)
    for url, why in checked.unusable:
        print(shown(f"  (not usable: {url}: {why})"), file=out)


def print_feed_list(store, out=None) -> None:
    from bot.feeds.health import FAILING, feed_health

    out = out or sys.stdout
    feeds = store.list_feeds()
    if not feeds:
        print(shown("No feeds. Add one with: aibrief feeds add URL"), file=out)
        return
    polls = store.poll_states()
    full = store.full_text_settings()
    for f in feeds:
        last = polls.get(f.id)
        state = feed_health(f, last)
        print(shown(f"{state.upper() if state == FAILING else state:<12} {f.url}"), file=out)
        detail = [f.title or "(untitled)"]
        if last is not None and last.outcome == "ok":
            detail.append(f"{last.items} item(s) in the last document")
        if last is not None and last.outcome == "unchanged":
            detail.append(f"304 Not Modified {ago(last.polled_at)}")
        detail.append(f"last success {ago(f.last_success)}")
        if f.enabled:
            detail.append(f"next poll {ago(f.next_poll) if f.next_poll else 'now'}")
        print(shown(f"{'':<12} " + " · ".join(detail)), file=out)
        if f.last_error:
            print(shown(f"{'':<12} last error ({f.error_count}x, {ago(f.last_error_at)}): {f.last_error}"), file=out)
        setting = full.get(f.id)
        if setting is not None and setting.enabled:
            line = f"full text: {setting.pages_ok} page(s) extracted, {setting.pages_failed} kept the feed's text"
            if setting.last_error:
                line += f" (last: {setting.last_error}, {ago(setting.last_error_at)})"
            print(shown(f"{'':<12} {line}"), file=out)


def cmd_audit(args, settings: Settings) -> int:
    store = _store(settings, default_feeds=False)
    entries = store.audit_entries(limit=args.limit)
    if not entries:
        print("No changes recorded yet.")
    for e in entries:
        print(shown(f"{e.at:%Y-%m-%d %H:%M}Z {e.actor:<16} {e.action:<16} {e.target}: "
                    f"{json.dumps(e.before, ensure_ascii=False)} → {json.dumps(e.after, ensure_ascii=False)}"))
    return 0


def cmd_demo(args, settings: Settings) -> int:
    from bot.demo import run_demo

    return run_demo(settings, out=sys.stdout)


# ---- parser ----------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    from bot.search import MAX_LIMIT

    p = _Parser(prog="aibrief", description="AI-security news briefings for Slack.")
    p.add_argument("--version", action="version", version=f"aibrief {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    s = sub.add_parser("run", help="the bot: Slack listener plus the scheduler")
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("fetch", help="poll every feed once")
    s.set_defaults(func=cmd_fetch)

    s = sub.add_parser("search", help="search stored articles")
    s.add_argument("query", nargs="+", help='query, e.g. china travel, "prompt injection" OR jailbreak')
    s.add_argument("--limit", type=bounded_int(1, MAX_LIMIT), default=10, metavar="N")
    s.add_argument("--json", action="store_true", help="JSON array, best first")
    s.set_defaults(func=cmd_search)

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

    s = sub.add_parser("feeds", help="the feed list")
    fsub = s.add_subparsers(dest="action", metavar="ACTION")
    fsub.required = True
    fsub.add_parser("list", help="feeds with their health")
    f = fsub.add_parser("add", help="follow a feed, or a site (its feed is found); checked once")
    f.add_argument("url")
    f.add_argument("--full-text", action="store_true",
                   help="fetch each new article's page once and index its main text (teaser feeds)")
    f.add_argument("--yes", "-y", action="store_true", help="do not ask before adding (scripts)")
    f.add_argument("--no-check", action="store_true", help="add without fetching it first")
    f = fsub.add_parser("full-text", help="switch full text on or off for a feed")
    f.add_argument("url")
    f.add_argument("state", choices=("on", "off"))
    f = fsub.add_parser("remove", help="stop following a feed")
    f.add_argument("url")
    f = fsub.add_parser("import", help="add the feeds of an OPML file")
    f.add_argument("file")
    fsub.add_parser("export", help="print the feeds as OPML")
    s.set_defaults(func=cmd_feeds)

    s = sub.add_parser("audit", help="who changed what, when")
    s.add_argument("--limit", type=bounded_int(1, MAX_AUDIT_LIMIT), default=50, metavar="N")
    s.set_defaults(func=cmd_audit)

    s = sub.add_parser("demo", help="offline demo on the bundled sample feeds")
    s.set_defaults(func=cmd_demo)

    for register in _extensions():
        register(sub)
    return p


def _extensions() -> list[Callable]:
    """Subcommands owned by other modules (digest, channels, db) register themselves here."""
    regs = []
    for mod in ("bot.cli_digest", "bot.cli_db", "bot.cli_ops"):  # cli_ops after cli_db: it adds db actions
        try:
            module = __import__(mod, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
            continue
        regs.append(module.register)
    return regs


def cmd_run(args, settings: Settings) -> int:
    from bot.runner import run

    return run(settings)


def _user_errors() -> tuple[type[BaseException], ...]:
    from bot.admin import AdminError
    from bot.query import QueryError
    from bot.store import StoreError

    return (UsageError, ConfigError, AdminError, QueryError, StoreError)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(f"aibrief: {exc}", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"aibrief: {exc}", file=sys.stderr)
        return 2
    from bot.logs import setup_logging

    setup_logging("DEBUG" if args.verbose else settings.log_level, settings.secrets())
    try:
        return args.func(args, settings) or 0
    except _user_errors() as exc:
        print(f"aibrief: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aibrief: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # last resort: one line, details in the log at debug level
        log.debug("command failed", exc_info=True)
        print(f"aibrief: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
