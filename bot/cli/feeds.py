"""`aibrief feeds …`: the feed list with each feed's health; add (a site's address
too), full-text, remove, OPML import and export."""

from __future__ import annotations

import sys

from bot.cli.common import UsageError, actor, command_group, confirm, open_store
from bot.cli.output import shown
from bot.config import Settings
from bot.humanize import relative_time


def register(sub) -> None:
    fsub = command_group(sub, "feeds", "the feed list", cmd_feeds)
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


def cmd_feeds(args, settings: Settings) -> int:
    from bot import admin
    from bot.bootstrap import import_feeds
    from bot.feeds.opml import read_opml_entries, write_opml

    store = open_store(settings, default_feeds=args.action not in ("add", "import", "full-text"))
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
            detail.append(f"304 Not Modified {relative_time(last.polled_at)}")
        detail.append(f"last success {relative_time(f.last_success)}")
        if f.enabled:
            detail.append(f"next poll {relative_time(f.next_poll) if f.next_poll else 'now'}")
        print(shown(f"{'':<12} " + " · ".join(detail)), file=out)
        if f.last_error:
            print(shown(f"{'':<12} last error ({f.error_count}x, {relative_time(f.last_error_at)}): {f.last_error}"), file=out)
        setting = full.get(f.id)
        if setting is not None and setting.enabled:
            line = f"full text: {setting.pages_ok} page(s) extracted, {setting.pages_failed} kept the feed's text"
            if setting.last_error:
                line += f" (last: {setting.last_error}, {relative_time(setting.last_error_at)})"
            print(shown(f"{'':<12} {line}"), file=out)
