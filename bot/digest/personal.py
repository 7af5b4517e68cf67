"""A person's own digest, sent to them by DM: subscribe, stop, what it holds, and their saved
searches ("Notify me" on a search reply).

Plain functions over the store, like bot/digest/service.py, which they build on: a personal
digest is a subscription keyed by the person's user ID (service.subscribe validates it, the
scheduler runs it, post.py opens the DM). Who may change one is decided by the caller, and
only ever the caller's own: the Slack listeners pass the user who typed or clicked, never an
ID from the text. No admin rights are needed for that.

Saved searches live apart from the team's watchlists (bot/store/personal.py): matched at
ingest by the same code, read only for their owner's DM digest, absent from `watch list`
and the watchlist statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from bot.config import Settings
from bot.digest import service
from bot.digest.schedule import check_tz
from bot.digest.service import SubscriptionError
from bot.models import Subscription
from bot.query import QueryError, without_filters
from bot.store import MAX_PERSONAL_WATCHES, PersonalWatch, TooManySearches

DEFAULT_AT = "09:00"
DEFAULT_TZ = "UTC"


def choose_tz(given: str | None, existing: Subscription | None, slack_tz: Callable[[], str | None] | None) -> str:
    """The zone of a personal digest: the one typed; else the one it already has; else the
    person's Slack time zone (users.info `tz`); else UTC. An unknown Slack zone is skipped."""
    if given:
        return given
    if existing is not None:
        return existing.tz
    tz = slack_tz() if slack_tz is not None else None
    if tz:
        try:
            check_tz(tz)
            return tz
        except ValueError:
            pass
    return DEFAULT_TZ


def subscribe_me(store, user: str, *, actor: str, at: str | None = None, tz: str | None = None,
                 days: str | None = None, weekly: str | None = None, watchlists=None,
                 slack_tz: Callable[[], str | None] | None = None,
                 settings: Settings | None = None) -> tuple[Subscription, bool]:
    """Start or change `user`'s DM digest; (subscription, created). Unmentioned settings keep
    their value (a new one: 09:00, every watchlist, every day)."""
    user = service.normalize_channel(user)
    if not service.is_personal(user):
        raise SubscriptionError(f"{user} is not a person's user ID")
    existing = store.get_subscription(user)
    sub = service.subscribe(
        store, actor, user, at=at or (existing.at if existing else DEFAULT_AT),
        tz=choose_tz(tz, existing, slack_tz), watchlists=watchlists, days=days, weekly=weekly,
        max_items=existing.max_items if existing else Subscription(channel="").max_items,
        post_empty=existing.post_empty if existing else False, settings=settings,
    )
    return sub, existing is None


def stop_me(store, user: str, *, actor: str) -> Subscription:
    if store.get_subscription(user) is None:
        raise SubscriptionError("you have no personal digest (start one with `/aibrief digest me 08:00`)")
    return service.unsubscribe(store, actor, user)


@dataclass(frozen=True)
class Notified:
    """What "Notify me" did: the saved search, whether it was new, the DM digest it feeds
    (created with defaults when the person had none), and what it matches already."""

    watch: PersonalWatch
    new_watch: bool
    sub: Subscription
    new_sub: bool
    matches: int


def notify_me(store, user: str, query: str, *, actor: str, slack_tz: Callable[[], str | None] | None = None,
              settings: Settings | None = None) -> Notified:
    """Add `query` to `user`'s DM digest. A person without a DM digest gets one with the
    defaults (09:00 in their Slack zone, every day) holding only their saved searches, so a
    click on a search does not also subscribe them to every team watchlist. Raises QueryError
    for a query the watchlist parser refuses, SubscriptionError past MAX_PERSONAL_WATCHES."""
    query = " ".join((query or "").split())
    try:  # a search's filters (since:, sort:new …) mean nothing for new articles: drop them
        query = without_filters(query) if query else query
    except QueryError:
        pass  # the watchlist parser below names the problem
    if not query:
        raise SubscriptionError("there is no search to save (filters alone match no new article)")
    try:
        watch, new_watch = store.add_personal_watch(user, query, limit=MAX_PERSONAL_WATCHES)
    except TooManySearches as exc:
        raise SubscriptionError(str(exc)) from None
    sub = store.get_subscription(user)
    new_sub = sub is None
    if sub is None:
        sub, _ = subscribe_me(store, user, actor=actor, watchlists=(), slack_tz=slack_tz, settings=settings)
    elif not sub.enabled:  # switched off after failures: a new request is the signal to try again
        sub, _ = subscribe_me(store, user, actor=actor, settings=settings)
    if new_watch:
        store.audit(actor, "digest.notify", user, None, {"query": query})
    return Notified(watch, new_watch, sub, new_sub, store.personal_match_counts(user).get(watch.id, 0))


def unwatch(store, user: str, number: int, *, actor: str) -> PersonalWatch:
    """Remove `user`'s saved search number `number` (1-based, as `digest me` lists them)."""
    watches = store.personal_watches(user)
    if not 1 <= number <= len(watches):
        have = f"1 to {len(watches)}" if watches else "none saved"
        raise SubscriptionError(f"you have no saved search {number} ({have}; see `/aibrief digest me`)")
    removed = store.remove_personal_watch(user, watches[number - 1].id)
    if removed is None:
        raise SubscriptionError("that saved search is already gone")
    store.audit(actor, "digest.unwatch", user, {"query": removed.query}, None)
    return removed
