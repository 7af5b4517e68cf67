"""Changes admins make — watchlists, feeds — as plain functions shared by the CLI and Slack.

Each change is validated before anything is written and recorded in the audit log with who
made it and what it was before and after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.config import Settings
from bot.feeds.fetch import FetchLimits
from bot.models import Feed, Watchlist
from bot.query import parse_watchlist
from bot.store import Store, now_ts

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")


class AdminError(ValueError):
    """The change cannot be made; the message says why, for the person who asked."""


def check_watch_name(name: str) -> str:
    name = name.strip().lower()
    if not NAME_RE.match(name):
        raise AdminError(
            f"bad watchlist name {name!r}: use 1-40 lower-case letters, digits, '-', '_' or '.', e.g. ai-security"
        )
    return name


CHECK_MAX = 300  # characters of a relevance check's description


def add_watchlist(store: Store, actor: str, name: str, query: str, check: str | None = None) -> Watchlist:
    """`check`: the opt-in relevance check, a description of what belongs ("articles about
    attacks on AI systems") that the model is asked about each keyword match (bot/llm/relevance.py)."""
    name = check_watch_name(name)
    query = query.strip()
    parse_watchlist(query)  # QueryError, with its pointer, before anything is written
    if check is not None:
        check = " ".join(check.split())
        if not check or len(check) > CHECK_MAX:
            raise AdminError(f"--check takes a description of 1 to {CHECK_MAX} characters, "
                             'e.g. --check "articles about attacks on AI systems"')
    if store.get_watchlist(name):
        raise AdminError(f"a watchlist named {name!r} already exists (remove it first to change it)")
    wl = store.add_watchlist(name, query)
    if check:
        store.set_watchlist_check(wl.id, check, now=now_ts())
    store.audit(actor, "watch.add", name, None, {"query": query, **({"check": check} if check else {})})
    return wl


def remove_watchlist(store: Store, actor: str, name: str) -> Watchlist:
    wl = store.get_watchlist(name.strip().lower())
    if wl is None:
        raise AdminError(f"no watchlist named {name!r} (see `watch list`)")
    store.remove_watchlist(wl.name)
    store.audit(actor, "watch.remove", wl.name, {"query": wl.query}, None)
    return wl


def normalize_feed_url(url: str) -> str:
    url = url.strip().strip("<>")
    if "|" in url:  # Slack sends links as <url|label>
        url = url.split("|", 1)[0]
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", url, re.I):
        raise AdminError(f"not a feed URL: {url!r} (give an http:// or https:// address)")
    return url


@dataclass(frozen=True)
class FeedCheck:
    """What `feeds add` shows before saving: the feed chosen, what it holds, what else was found."""

    url: str
    title: str
    entries: int
    newest: tuple[str, ...] = ()  # the three newest titles
    others: tuple[str, ...] = ()  # other usable feeds the page named
    unusable: tuple[tuple[str, str], ...] = ()  # (url, why) of named feeds that did not work
    via: str = "direct"  # direct | page | fallback (see bot.feeds.discover)
    page_url: str | None = None


def check_feed(url: str, settings: Settings, policy=None) -> FeedCheck:
    """Fetch the address once and find its feed (a site's address works too), so a typo is
    caught when it is added. Raises AdminError with the reason when there is no feed."""
    from bot.feeds.discover import DiscoveryError, discover
    from bot.poll.poller import policy_for

    url = normalize_feed_url(url)
    try:
        found = discover(url, policy=policy or policy_for(settings), limits=FetchLimits())
    except DiscoveryError as exc:
        raise AdminError(str(exc)) from None
    articles = sorted(found.chosen.parsed.articles, key=lambda a: a.published, reverse=True)
    return FeedCheck(
        url=found.chosen.url,
        title=found.chosen.parsed.title,
        entries=len(found.chosen.parsed.articles),
        newest=tuple(a.title for a in articles[:3]),
        others=tuple(f.url for f in found.others),
        unusable=tuple(found.unusable),
        via=found.via,
        page_url=found.page_url,
    )


def add_feed(
    store: Store,
    actor: str,
    url: str,
    settings: Settings,
    *,
    check: bool = True,
    policy=None,
    full_text: bool = False,
    checked: FeedCheck | None = None,
) -> Feed:
    """Follow a feed. `checked`: the result of `check_feed` already shown to the person (so
    the address is not fetched twice); else it is checked here unless `check=False`."""
    url = normalize_feed_url(url)
    if checked is None and check:
        if store.get_feed(url):
            raise AdminError(f"already following {url}")
        checked = check_feed(url, settings, policy)
    feed_url = checked.url if checked else url
    if store.get_feed(feed_url):
        raise AdminError(f"already following {feed_url}" + (f" (the feed of {url})" if feed_url != url else ""))
    title = checked.title if checked else ""
    feed = store.add_feed(feed_url, title)
    if full_text:
        store.set_full_text(feed.id, True)
    after = {"title": title}
    if full_text:
        after["full_text"] = True
    if feed_url != url:
        after["found_from"] = url
    store.audit(actor, "feed.add", feed_url, None, after)
    return feed


def set_full_text(store: Store, actor: str, url: str, enabled: bool) -> Feed:
    """Switch --full-text on or off for a followed feed (new articles only)."""
    url = normalize_feed_url(url)
    feed = store.get_feed(url)
    if feed is None:
        raise AdminError(f"not following {url} (see `feeds list`)")
    before = store.full_text_settings().get(feed.id)
    store.set_full_text(feed.id, enabled)
    store.audit(actor, "feed.full_text", url, {"full_text": bool(before and before.enabled)}, {"full_text": enabled})
    return feed


def remove_feed(store: Store, actor: str, url: str) -> Feed:
    url = normalize_feed_url(url)
    feed = store.get_feed(url)
    if feed is None:
        raise AdminError(f"not following {url} (see `feeds list`)")
    store.remove_feed(url)
    store.audit(actor, "feed.remove", url, {"title": feed.title}, None)
    return feed


# ---- tuning: excluding an article from a watchlist, muting a source in a channel -------------------
@dataclass(frozen=True)
class Exclusion:
    watchlist: str
    url: str
    title: str
    removed: int  # matches dropped now (0 when the watchlist had not matched it)


def article_url(text: str) -> str:
    """An article's address as typed or pasted (Slack wraps links as <url|label>)."""
    url = text.strip().strip("<>")
    if "|" in url:
        url = url.split("|", 1)[0]
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", url, re.I):
        raise AdminError(f"not an article URL: {url!r} (give the http:// or https:// address it was listed with)")
    return url


def exclude_article(store: Store, actor: str, name: str, url: str) -> Exclusion:
    """Drop one article from a watchlist for good: its match goes now, and matching never
    adds it back (a copy stored later under the same URL stays out too)."""
    from bot.feeds.normalize import canonical_url

    wl = store.get_watchlist(name.strip().lower())
    if wl is None:
        raise AdminError(f"no watchlist named {name!r} (see `watch list`)")
    url = article_url(url)
    found = store.articles_with_url(url)
    if not found:  # stored links are canonical (tracking parameters dropped): try that form
        canonical = canonical_url(url)
        found = store.articles_with_url(canonical) if canonical else []
        url = canonical if found else url
    if not found:
        raise AdminError(f"no stored article has the URL {url} (copy it from `watch matches {wl.name}`)")
    added, removed = store.add_exclusion(wl.id, url, actor=actor)
    if not added:
        raise AdminError(f"{url} is already excluded from {wl.name}")
    title = found[0].title
    store.audit(actor, "watch.exclude", wl.name, None, {"url": url, "title": title, "matches_removed": removed})
    return Exclusion(wl.name, url, title, removed)


@dataclass(frozen=True)
class MuteChange:
    channel: str
    source: str  # as stored: a lower-case source name or a site's host
    kind: str  # "name" or "host"
    known: int  # stored articles it covers today (0: nothing from it yet)


def _mute_target(store: Store, channel: str, source: str) -> tuple[str, str, str]:
    from bot.digest.select import mute_key
    from bot.digest.service import SubscriptionError, normalize_channel

    try:
        channel = normalize_channel(channel)
    except SubscriptionError as exc:
        raise AdminError(str(exc)) from None
    try:
        key, kind = mute_key(source)
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    return channel, key, kind


def mute_source(store: Store, actor: str, channel: str, source: str) -> MuteChange:
    """`channel`'s digests stop including articles from `source` (its name, any case, or its
    site's host, which covers the host's subdomains)."""
    channel, key, kind = _mute_target(store, channel, source)
    if not store.add_mute(channel, key, actor=actor):
        raise AdminError(f"{key!r} is already muted in {channel} (see `channels list`)")
    store.audit(actor, "channel.mute", channel, None, {"source": key})
    known = store.source_article_count(key) if kind == "name" else store.host_article_count(key)
    return MuteChange(channel, key, kind, known)


def unmute_source(store: Store, actor: str, channel: str, source: str) -> MuteChange:
    channel, key, kind = _mute_target(store, channel, source)
    if not store.remove_mute(channel, key):
        raise AdminError(f"{key!r} is not muted in {channel} (see `channels list`)")
    store.audit(actor, "channel.unmute", channel, {"source": key}, None)
    return MuteChange(channel, key, kind, 0)
