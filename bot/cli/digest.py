"""`aibrief digest` and `aibrief channels`: digests from the terminal.

`digest` renders a channel's digest (text for a terminal, or the Block Kit JSON) and with
`--post` sends it, through the same plain functions the scheduler and the Slack app use;
`--since/--until` render any window instead (a preview: nothing recorded unless `--post`).
`channels` adds, changes, lists and removes digest subscriptions (the CLI twin of
`/aibrief digest schedule|off`).
"""

from __future__ import annotations

import argparse

import sys
from datetime import datetime, timezone

from bot.cli.common import UsageError, actor, bounded_int, command_group, open_store
from bot.cli.output import shown
from bot.config import Settings
from bot.humanize import relative_time


def _store(settings: Settings):
    return open_store(settings, default_feeds=False)


def _usage(exc: Exception) -> UsageError:
    return UsageError(str(exc))


def _preview_window(store, channel: str | None, args):
    """The --since/--until window, in the channel's zone (UTC without a subscription)."""
    from bot.digest.select import WindowError, explicit_window

    if args.until and not args.since:
        raise UsageError("--until needs --since (the first day of the window)")
    if not args.since:
        return None
    sub = store.get_subscription(channel) if channel else None
    try:
        return explicit_window(args.since, args.until, sub.tz if sub else "UTC",
                               int(datetime.now(timezone.utc).timestamp()))
    except WindowError as exc:
        raise _usage(exc) from None


def _nothing_recent(store, window) -> str | None:
    """When the window is empty because everything stored is older (a fresh database of last
    month's news): how many articles there are, the newest date, and a --since to try."""
    from bot.digest.select import suggest_since

    count, newest = store.stored_span()
    if not count or newest is None or newest.timestamp() >= window.start:
        return None
    return (f"{count} article{'s are' if count != 1 else ' is'} stored, the newest from {newest:%Y-%m-%d}; "
            f"try --since {suggest_since(newest)}")


def cmd_digest(args, settings: Settings) -> int:
    from bot.digest.service import SubscriptionError, normalize_channel, post_digest, render_digest

    if args.post and not settings.slack_bot_token:
        raise UsageError("--post needs SLACK_BOT_TOKEN (the bot token, xoxb-…) in the environment or .env")
    store = _store(settings)
    try:
        channel = normalize_channel(args.channel) if args.channel else None
    except SubscriptionError as exc:
        raise _usage(exc) from None
    if channel is None:
        subs = store.list_subscriptions()
        if len(subs) == 1:
            channel = subs[0].channel
        elif args.post:
            listed = ", ".join(s.channel for s in subs) or "none yet"
            raise UsageError(f"--post needs --channel ID (subscribed channels: {listed})")
    window = _preview_window(store, channel, args)
    if args.post:
        from bot.slack.client import make_client

        result = post_digest(store, settings, make_client(settings), channel, window=window)
        if result.status == "posted":
            found = f", {result.found} found already in Slack" if result.found else ""
            print(f"Posted the digest to {channel}: {result.articles} article(s) in {len(result.ts)} message(s)"
                  f" (ts {result.ts[0] if result.ts else '-'}{found}).")
            return 0
        if result.status == "empty":
            print(f"Nothing new for {channel} since its last digest; nothing posted.")
            return 0
        if result.status == "skipped":
            print(f"Nothing posted to {channel}: {result.error}.")
            return 0
        print(f"aibrief: digest for {channel} {result.status}: {result.error}", file=sys.stderr)
        return 1
    rd = render_digest(store, settings, channel, window=window)
    for err in rd.errors:
        print(f"aibrief: warning: {err}", file=sys.stderr)
    hint = _nothing_recent(store, rd.window) if rd.empty and window is None else None
    if hint:
        print(hint)
        return 0
    if args.format == "blocks":
        print(rd.as_blocks_json())
    else:
        if window is not None:
            until = datetime.fromtimestamp(window.end, tz=timezone.utc)
            span = f"published {rd.window.start_dt:%Y-%m-%d %H:%M} – {until:%Y-%m-%d %H:%M} UTC, nothing recorded"
            where = f"for {channel}, {span}" if channel else f"preview (every watchlist), {span}"
        else:
            where = f"for {channel}" if channel else "preview (every watchlist, last 24 hours)"
        print(f"# Digest {where}: {rd.stories} stories, template {rd.template}\n", file=sys.stderr)
        print(shown(rd.as_text()))
    return 0


def _describe(sub, now: datetime) -> list[str]:
    from bot.digest.schedule import describe_days, next_fire

    try:
        nxt = next_fire(sub, now)
        when = f"next {nxt:%a %d %b %H:%M %Z} ({nxt.astimezone(timezone.utc):%H:%M} UTC)"
    except ValueError as exc:
        when = f"cannot schedule: {exc}"
    state = "on" if sub.enabled else "OFF"
    watch = ", ".join(sub.watchlists) if sub.watchlists is not None else "all watchlists"
    lines = [
        f"{sub.channel:<12} {state:<3} {sub.at} {sub.tz:<20} {describe_days(sub):<16} {when}"
        + (" · by DM" if sub.personal else ""),
        f"{'':<12}     {watch} · template {sub.template} · top {sub.max_items} stories"
        + (" · posts empty days" if sub.post_empty else ""),
        f"{'':<12}     last digest: {relative_time(sub.last_window_end, now)}",
    ]
    if sub.last_error:
        lines.append(f"{'':<12}     last error ({relative_time(sub.last_error_at, now)}): {sub.last_error}")
    return lines


def cmd_channels(args, settings: Settings) -> int:
    from bot.digest.service import SubscriptionError, normalize_channel, subscribe, unsubscribe
    from bot.models import Subscription

    store = _store(settings)
    now = datetime.now(timezone.utc)
    try:
        if args.action == "list":
            subs = store.list_subscriptions()
            if not subs:
                print("No digest subscriptions. Add one with: "
                      "aibrief channels add C0123ABCD --at 09:00 --tz Europe/Berlin")
            known = {w.name for w in store.list_watchlists()}
            muted: dict[str, list[str]] = {}
            for m in store.channel_mutes():
                muted.setdefault(m.channel, []).append(m.source)
            for sub in subs:
                for line in _describe(sub, now):
                    print(line)
                missing = [w for w in (sub.watchlists or ()) if w not in known]
                if missing:
                    print(f"{'':<12}     warning: watchlist(s) no longer exist: {', '.join(missing)}")
                if sub.channel in muted:
                    print(f"{'':<12}     muted: {', '.join(muted.pop(sub.channel))}")
            for channel, sources in sorted(muted.items()):  # mutes of channels without a subscription
                print(f"{channel:<12} (no subscription) muted: {', '.join(sources)}")
        elif args.action == "add":
            existing = store.get_subscription(normalize_channel(args.channel))
            # a change keeps what it does not mention
            keep = existing or Subscription(channel="")
            sub = subscribe(
                store,
                actor(),
                args.channel,
                at=args.at or keep.at,
                tz=args.tz or keep.tz,
                watchlists=args.watch,
                template=args.template,
                max_items=args.max_items,
                post_empty=args.post_empty if args.post_empty is not None else keep.post_empty,
                days=args.days,
                weekly=args.weekly,
                settings=settings,
            )
            print(("Updated" if existing else "Added") + f" the digest for {sub.channel}:")
            for line in _describe(sub, now):
                print(line)
        elif args.action == "remove":
            sub = unsubscribe(store, actor(), args.channel)
            print(f"Removed the digest for {sub.channel} (was {sub.at} {sub.tz}).")
        elif args.action == "mute":
            from bot.admin import mute_source

            m = mute_source(store, actor(), args.channel, " ".join(args.source))
            what = f"the site {m.source} and its subdomains" if m.kind == "host" else f"the source {m.source!r}"
            print(f"{m.channel}'s digests no longer include {what} "
                  + (f"({m.known} stored article(s) come from it)." if m.known
                     else "(no stored article comes from it yet: check the spelling in `aibrief feeds list`)."))
        elif args.action == "unmute":
            from bot.admin import unmute_source

            m = unmute_source(store, actor(), args.channel, " ".join(args.source))
            print(f"{m.channel}'s digests include {m.source} again.")
    except SubscriptionError as exc:
        raise _usage(exc) from None
    return 0


def register(subparsers) -> None:
    from bot.digest.service import MAX_ITEMS_LIMIT

    s = subparsers.add_parser("digest", help="render (and with --post send) a channel's digest")
    s.add_argument("--channel", metavar="ID", help="the channel (default: the only subscribed one, else a preview)")
    s.add_argument("--format", choices=("text", "blocks"), default="text",
                   help="text for a terminal (default) or the Block Kit JSON")
    s.add_argument("--post", action="store_true", help="send it to Slack (needs SLACK_BOT_TOKEN)")
    s.add_argument("--since", metavar="YYYY-MM-DD",
                   help="render this window instead (from that local day; articles by published date)")
    s.add_argument("--until", metavar="YYYY-MM-DD", help="the window's last day, inclusive (default: now)")
    s.set_defaults(func=cmd_digest)

    csub = command_group(subparsers, "channels", "digest subscriptions", cmd_channels)
    csub.add_parser("list", help="subscribed channels, next digest times, last errors")
    a = csub.add_parser("add", help="subscribe a channel (or change its subscription)")
    a.add_argument("channel", metavar="CHANNEL",
                   help="channel ID, e.g. C0123ABCD; or a user ID (U0123ABCD) for that person's digest by DM")
    a.add_argument("--at", metavar="HH:MM", help="local time of the digest (default 09:00)")
    a.add_argument("--tz", metavar="Area/City", help="IANA time zone (default UTC)")
    when = a.add_mutually_exclusive_group()
    when.add_argument("--days", metavar="DAYS",
                      help="only on these days: mon-fri, mon,thu, weekdays, or daily (default: every day)")
    when.add_argument("--weekly", metavar="DAY", help="once a week on DAY (e.g. fri), covering the week")
    a.add_argument("--watch", metavar="NAME", nargs="+", action="extend",
                   help="only these watchlists (default: all)")
    a.add_argument("--template", metavar="NAME", help="a template in digests/ (default daily)")
    a.add_argument("--top", dest="max_items", type=bounded_int(1, MAX_ITEMS_LIMIT), metavar="N",
                   help="stories in the channel message, the rest in its thread (default 5)")
    a.add_argument("--max-items", dest="max_items", type=bounded_int(1, MAX_ITEMS_LIMIT), help=argparse.SUPPRESS)
    a.add_argument("--post-empty", action="store_true", default=None, help='post "nothing new" on empty days')
    a.add_argument("--no-post-empty", dest="post_empty", action="store_false", help="post nothing on empty days")
    r = csub.add_parser("remove", help="stop a channel's digest")
    r.add_argument("channel", metavar="CHANNEL")
    m = csub.add_parser("mute", help="a channel's digests stop including one source")
    m.add_argument("channel", metavar="CHANNEL")
    m.add_argument("source", metavar="SOURCE", nargs="+",
                   help="a source name as feeds give it (any case, e.g. Dawn) or a site (dawn.com: subdomains too)")
    m = csub.add_parser("unmute", help="undo `channels mute`")
    m.add_argument("channel", metavar="CHANNEL")
    m.add_argument("source", metavar="SOURCE", nargs="+")
