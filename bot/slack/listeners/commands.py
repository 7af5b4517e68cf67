"""`/aibrief`: acknowledged at once, answered privately through the response_url.

The ack listener does nothing but ack, so Slack gets its answer in milliseconds whatever
the command costs; the work runs as a Bolt lazy listener. `answer()` is the whole
command handler: parse → admin check → the plain function the CLI also calls → format.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from bot import admin
from bot.admin import AdminError
from bot.digest import personal
from bot.digest import service as digests
from bot.digest.schedule import describe_days, next_fire
from bot.humanize import relative_time
from bot.mrkdwn import escape, link
from bot.ops.doctor import doctor_command
from bot.redact import redact_text
from bot.query import QueryError
from bot.search import search, watch_matches, watch_test
from bot.slack import blocks
from bot.slack.command_text import ACTIONS, Command, CommandError, parse_command
from bot.slack.blocks import personal as personal_blocks
from bot.slack.deps import Deps, actor, bot_in_channel, reply, user_tz
from bot.slack.lists import list_reply, saved_reply
from bot.slack.inflight import BUSY_MESSAGE
from bot.store import StoreError
from bot.tuning import watch_stats

log = logging.getLogger("aibrief.slack.commands")

COMMAND = "/aibrief"
SEARCHES = frozenset({"search", "watch.test", "ask"})  # commands that run a search: limited per user


@dataclass(frozen=True)
class Asker:
    """Who typed the command, where, and the Web API client to act with."""

    user: str
    channel: str
    client: object


def register(app, deps: Deps) -> None:
    def ack_command(ack):
        ack()

    def run_command(body, respond, client):
        asker = Asker(user=body.get("user_id", ""), channel=body.get("channel_id", ""), client=client)
        try:
            payload = answer(body.get("text", ""), asker, deps)
        except Exception:  # a bug must still get the user an answer, and a log line for us
            log.exception("/aibrief %r failed", body.get("text", ""))
            payload = blocks.error_text("Something went wrong on our side; the error is logged. Try again later.")
        reply(respond, client, asker.channel, asker.user, payload)

    app.command(COMMAND)(ack=ack_command, lazy=[run_command])


def answer(text: str, asker: Asker, deps: Deps) -> dict:
    """The reply (a message payload) to `/aibrief text`."""
    checked = doctor_command(text, asker.user, deps, asker.client)  # `/aibrief doctor` (admins): bot/ops/doctor.py
    if checked is not None:
        return checked
    try:
        cmd = parse_command(text)
    except CommandError as exc:
        return blocks.usage_error(exc)
    if cmd.admin_only and not deps.admin_check.is_admin(asker.user, asker.client):
        log.info("refused %s by %s", cmd.kind, asker.user)
        return blocks.refusal(ACTIONS[cmd.kind], deps.settings.admins)
    try:
        if cmd.kind not in SEARCHES:
            return HANDLERS[cmd.kind](cmd, asker, deps)
        with deps.searches.take(asker.user) as got:
            return HANDLERS[cmd.kind](cmd, asker, deps) if got else blocks.error_text(BUSY_MESSAGE)
    except QueryError as exc:
        return blocks.query_error(cmd.query, exc)
    except (AdminError, StoreError, digests.SubscriptionError) as exc:
        # e.g. "could not fetch https://user:pw@host/…": the URL is masked in Slack
        return blocks.error_text(redact_text(str(exc)))


# ---- one small function per command ------------------------------------------------------
def _help(cmd: Command, asker: Asker, deps: Deps) -> dict:
    return blocks.help_message()


def _search(cmd: Command, asker: Asker, deps: Deps) -> dict:
    result = search(deps.store, cmd.query, limit=blocks.PAGE_SIZE)
    if not result.hits:
        return blocks.no_results(cmd.query, result.suggestion, result.filters)
    return blocks.search_results(cmd.query, result.hits, result.total, result.offset,
                                 suggestion=result.suggestion,
                                 admin=deps.admin_check.is_admin(asker.user, asker.client))


def _ask(cmd: Command, asker: Asker, deps: Deps) -> dict:
    from bot.llm.ask import ask
    from bot.slack.blocks.ask import ask_reply

    return ask_reply(ask(deps.store, deps.settings, cmd.query))


def _watch_list(cmd: Command, asker: Asker, deps: Deps) -> dict:
    return list_reply(blocks.LIST_WATCH, deps, asker.user, asker.client)


def _watch_test(cmd: Command, asker: Asker, deps: Deps) -> dict:
    result = watch_test(deps.store, cmd.query, limit=3)
    return blocks.watch_test(cmd.query, result.hits, result.total)


def _watch_add(cmd: Command, asker: Asker, deps: Deps) -> dict:
    w = admin.add_watchlist(deps.store, actor(asker.user), cmd.name, cmd.query)
    n = deps.store.watchlist_match_counts().get(w.name, 0)
    return blocks.done(f"Added watchlist *{escape(w.name)}* {blocks.code(w.query)}: {n} stored article(s) match.")


def _watch_remove(cmd: Command, asker: Asker, deps: Deps) -> dict:
    w = admin.remove_watchlist(deps.store, actor(asker.user), cmd.name)
    return blocks.done(f"Removed watchlist *{escape(w.name)}* (it was {blocks.code(w.query)}).")


def _feeds_list(cmd: Command, asker: Asker, deps: Deps) -> dict:
    return list_reply(blocks.LIST_FEEDS, deps, asker.user, asker.client)


def _feeds_add(cmd: Command, asker: Asker, deps: Deps) -> dict:
    # A site's address works too: the feed is found on its page (bot/feeds/discover.py).
    checked = admin.check_feed(cmd.url, deps.settings)
    f = admin.add_feed(deps.store, actor(asker.user), cmd.url, deps.settings, checked=checked)
    title = f" ({escape(f.title)})" if f.title else ""
    text = f"Now following {blocks.feed_link(f.url, admin=True)}{title}, {checked.entries} item(s). It is polled with the others."
    if checked.page_url:
        text += f"\nFound from {blocks.feed_link(checked.page_url, admin=True)}."
    if checked.others:
        others = ", ".join(blocks.feed_link(u, admin=True) for u in checked.others[:5])
        text += f"\nThe page names other feeds too: {others} (remove this one and add another to switch)."
    return blocks.done(text)


def _feeds_remove(cmd: Command, asker: Asker, deps: Deps) -> dict:
    f = admin.remove_feed(deps.store, actor(asker.user), cmd.url)
    return blocks.done(f"Stopped following {blocks.feed_link(f.url, admin=True)}. Its stored articles stay searchable.")


def _digest_now(cmd: Command, asker: Asker, deps: Deps) -> dict:
    if not bot_in_channel(asker.client, asker.channel):
        return blocks.not_in_channel(asker.channel, "post a digest")
    result = digests.post_digest(deps.store, deps.settings, asker.client, asker.channel)
    return blocks.digest_posted(asker.channel, result.status, result.articles, result.error)


def _digest_schedule(cmd: Command, asker: Asker, deps: Deps) -> dict:
    if not bot_in_channel(asker.client, asker.channel):
        return blocks.not_in_channel(asker.channel, "post digests")
    sub = digests.subscribe(deps.store, actor(asker.user), asker.channel, at=cmd.at, tz=cmd.tz,
                            days=cmd.days, weekly=cmd.weekly, max_items=cmd.top, settings=deps.settings)
    nxt = next_fire(sub, datetime.now(timezone.utc))
    where = f"<#{escape(sub.channel)}>"
    what = (f"gets a daily digest at *{sub.at}* {escape(sub.tz)}" if not sub.days else
            f"gets a digest at *{sub.at}* {escape(sub.tz)}, {escape(describe_days(sub))}")
    what += f" with its top {sub.max_items} stories (the rest in the thread)"
    return blocks.done(f"{where} {what}; the next one {personal_blocks.when_text(nxt)} ({relative_time(nxt)}).")


# ---- a person's own digest by DM: anyone, for themselves only (asker.user, never the text) ----
def _digest_me(cmd: Command, asker: Asker, deps: Deps) -> dict:
    sub, created = personal.subscribe_me(
        deps.store, asker.user, actor=actor(asker.user), at=cmd.at, tz=cmd.tz or None, days=cmd.days,
        weekly=cmd.weekly, watchlists=cmd.watchlists, slack_tz=lambda: user_tz(asker.client, asker.user),
        settings=deps.settings,
    )
    return personal_blocks.digest_me_set(sub, created, len(deps.store.personal_watches(asker.user)))


def _digest_me_off(cmd: Command, asker: Asker, deps: Deps) -> dict:
    return personal_blocks.digest_me_off(personal.stop_me(deps.store, asker.user, actor=actor(asker.user)))


def _digest_me_show(cmd: Command, asker: Asker, deps: Deps) -> dict:
    return personal_blocks.digest_me_show(deps.store.get_subscription(asker.user),
                                          deps.store.personal_watches(asker.user),
                                          deps.store.personal_match_counts(asker.user))


def _digest_me_unwatch(cmd: Command, asker: Asker, deps: Deps) -> dict:
    removed = personal.unwatch(deps.store, asker.user, cmd.number, actor=actor(asker.user))
    return blocks.done(f"Removed {blocks.code(removed.query)} from your personal digest.")


def _digest_off(cmd: Command, asker: Asker, deps: Deps) -> dict:
    sub = digests.unsubscribe(deps.store, actor(asker.user), asker.channel)
    return blocks.done(f"No more digests in <#{escape(sub.channel)}> (it was daily at {sub.at} {escape(sub.tz)}).")


def _saved(cmd: Command, asker: Asker, deps: Deps) -> dict:
    return saved_reply(deps.store, asker.user)


def _audit(cmd: Command, asker: Asker, deps: Deps) -> dict:
    return list_reply(blocks.LIST_AUDIT, deps, asker.user, asker.client, limit=cmd.limit)


def _watch_matches(cmd: Command, asker: Asker, deps: Deps) -> dict:
    name = cmd.name.strip().lower()
    hits = watch_matches(deps.store, name, limit=blocks.MATCHES_SHOWN)
    wl = deps.store.get_watchlist(name)
    return blocks.watch_matches(name, hits, blocks.query_node(wl.query, watchlist=True) if wl else None)


def _watch_stats(cmd: Command, asker: Asker, deps: Deps) -> dict:
    return blocks.watch_stats(watch_stats(deps.store))


def _watch_exclude(cmd: Command, asker: Asker, deps: Deps) -> dict:
    ex = admin.exclude_article(deps.store, actor(asker.user), cmd.name, cmd.url)
    removed = "its match is gone" if ex.removed else "it had not matched (it never will now)"
    return blocks.done(f"Excluded {link(ex.url, ex.title or ex.url)} from *{escape(ex.watchlist)}*: {removed}, "
                       "and new polls never add it back.")


def _digest_mute(cmd: Command, asker: Asker, deps: Deps) -> dict:
    m = admin.mute_source(deps.store, actor(asker.user), asker.channel, cmd.source)
    what = f"the site {escape(m.source)} (and its subdomains)" if m.kind == "host" else f"the source “{escape(m.source)}”"
    known = f" ({m.known} stored article{'s' if m.known != 1 else ''} come from it)" if m.known else \
        " (no stored article comes from it yet; check the spelling in `/aibrief feeds list`)"
    return blocks.done(f"<#{escape(m.channel)}> digests no longer include {what}{known}.")


def _digest_unmute(cmd: Command, asker: Asker, deps: Deps) -> dict:
    m = admin.unmute_source(deps.store, actor(asker.user), asker.channel, cmd.source)
    return blocks.done(f"<#{escape(m.channel)}> digests include {escape(m.source)} again.")


HANDLERS = {
    "help": _help,
    "search": _search,
    "ask": _ask,
    "watch.list": _watch_list,
    "watch.test": _watch_test,
    "watch.add": _watch_add,
    "watch.remove": _watch_remove,
    "feeds.list": _feeds_list,
    "feeds.add": _feeds_add,
    "feeds.remove": _feeds_remove,
    "digest.now": _digest_now,
    "digest.schedule": _digest_schedule,
    "digest.off": _digest_off,
    "audit": _audit,
    "saved": _saved,
    "watch.matches": _watch_matches,
    "watch.stats": _watch_stats,
    "watch.exclude": _watch_exclude,
    "digest.mute": _digest_mute,
    "digest.unmute": _digest_unmute,
    "digest.me": _digest_me,
    "digest.me.off": _digest_me_off,
    "digest.me.show": _digest_me_show,
    "digest.me.unwatch": _digest_me_unwatch,
}
