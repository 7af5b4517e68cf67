"""Replies about a person's own DM digest: what `/aibrief digest me …` set, what the digest
holds with the saved searches numbered (for `digest me unwatch N`), and what "Notify me"
on a search reply did. Times are `<!date^…>`, so each reader sees their own zone."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Sequence

from bot.digest.schedule import describe_days, next_fire
from bot.models import Subscription
from bot.mrkdwn import escape
from bot.slack.blocks.action_ids import ACTION_NOTIFY  # noqa: F401  (the listener's id)
from bot.slack.blocks.parts import _button, _context, _section, code, message, notice

NOTIFY_VALUE_MAX = 2000  # Slack's limit on a button's value


def notify_button(query: str) -> dict | None:
    """"Notify me" under search results: the query goes into the clicker's DM digest."""
    # ASCII-escaped: the query arrives back intact, and no invisible control (bidi, zero-width)
    # a user typed travels raw in the payload
    value = json.dumps({"q": query})
    return _button("Notify me", ACTION_NOTIFY, value) if len(value) <= NOTIFY_VALUE_MAX else None


def when_text(ts: datetime) -> str:
    """A time each reader sees in their own zone, with a UTC fallback."""
    epoch = int(ts.timestamp())
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{ts.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC>"


def _schedule(sub: Subscription) -> str:
    text = f"*{sub.at}* {escape(sub.tz)}, {escape(describe_days(sub))}"
    try:
        text += f"; the next one {when_text(next_fire(sub, datetime.now(timezone.utc)))}"
    except ValueError:
        pass
    return text


def _covers(sub: Subscription, searches: int) -> str:
    if sub.watchlists is None:
        team = "every team watchlist"
    elif not sub.watchlists:
        team = "no team watchlist"
    else:
        team = "the watchlists " + ", ".join(code(w) for w in sub.watchlists)
    return f"{team} and {searches} saved search{'es' if searches != 1 else ''} of yours"


def digest_me_set(sub: Subscription, created: bool, searches: int) -> dict:
    verb = "Your personal digest comes" if created else "Changed: your personal digest now comes"
    return notice(f":white_check_mark: {verb} by DM at {_schedule(sub)}.\nIt covers {_covers(sub, searches)}. "
                  "`/aibrief digest me off` stops it.")


def digest_me_off(sub: Subscription) -> dict:
    return notice(f":white_check_mark: No more personal digests (it was {sub.at} {escape(sub.tz)}, "
                  f"{escape(describe_days(sub))}). Your saved searches are kept for when you start it again.")


def digest_me_show(sub: Subscription | None, watches: Sequence, counts: dict[int, int]) -> dict:
    blocks = []
    if sub is None:
        head = ("You have no personal digest. Start one by DM with `/aibrief digest me 08:00` "
                "(optionally a zone, days such as `mon-fri` or `weekly fri`, and watchlist names).")
    else:
        state = "" if sub.enabled else f"\n:warning: It is switched off after errors ({escape(sub.last_error or '')}); " \
                                         "set it again to retry."
        head = f"Your personal digest comes by DM at {_schedule(sub)}.\nIt covers {_covers(sub, len(watches))}.{state}"
    blocks.append(_section(head))
    if watches:
        lines = [f"{i}. {code(w.query)} · {counts.get(w.id, 0)} stored match(es)" for i, w in enumerate(watches, 1)]
        blocks.append(_section("*Your saved searches*\n" + "\n".join(lines)))
        blocks.append(_context("Remove one with `/aibrief digest me unwatch N`. "
                               "Add one with *Notify me* under a search's results."))
    return message("Your personal digest", blocks)


def notified(n) -> dict:
    """What "Notify me" did (bot.digest.personal.Notified)."""
    saved = (f"Saved {code(n.watch.query)} for your personal digest" if n.new_watch
             else f"{code(n.watch.query)} is already in your personal digest")
    text = f":bell: {saved}: new articles matching it come to you by DM ({n.matches} stored article(s) match now)."
    if n.new_sub:
        text += (f"\nYou had no personal digest, so I started one: {_schedule(n.sub)}, with your saved searches only. "
                 "Change it with `/aibrief digest me HH:MM [Area/City] [mon-fri] [all]`.")
    text += "\n`/aibrief digest me` lists your saved searches."
    return notice(text)
