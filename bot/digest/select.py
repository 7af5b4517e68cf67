"""Which articles a digest covers (its window), and candidates → the stories it shows.

The window runs from the end of the channel's last digest to now (the first digest: the
last 24 hours; a channel silent for long: at most 7 days). Articles are placed in it by
when the bot first stored them, not by their published date, so an article a feed
publishes late is still news here; but an article published more than a day before the
window began (a new feed's back catalogue) is not.

A schedule that skips days covers its gap instead: a first digest covers the gap the schedule
leaves before it (a weekly one the week, a mon-fri one on a Monday the weekend), and the
longest window is that gap when it is longer than 7 days' worth (a weekly digest across the
DST change is 7 days and an hour).

A preview window (`aibrief digest --since … --until …`) is the other kind: explicit local
dates, articles placed by their published date (a new database stored last month's news
today), so an admin can try a template or a watchlist on past news (`explicit_window`).

The query reaches an hour back before the window start: a poll that began before the last
digest may have committed its articles after it. Articles already sent to the channel are
excluded by the store, so the overlap never repeats anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable
from zoneinfo import ZoneInfo
from urllib.parse import urlsplit

from bot.digest.cluster import Story, cluster
from bot.digest.rank import diversify, rank
from bot.models import DigestCandidate

FIRST_WINDOW = 24 * 3600
MAX_WINDOW = 7 * 24 * 3600
OVERLAP = 3600
LOOKBACK = 24 * 3600
# Stories listed in the thread's full list; the rest are counted ("and K more").
FULL_LIST_MAX = 60


@dataclass(frozen=True)
class Window:
    start: int  # what the digest says it covers: (start, end]
    end: int
    query_start: int  # start minus the overlap
    published_floor: int | None  # older articles are not news
    published_until: int | None = None  # a preview window: published before this (exclusive)
    fetched_until: int | None = None  # a preview window: stored up to now, whatever its dates

    @property
    def preview(self) -> bool:
        return self.published_until is not None

    @property
    def start_dt(self) -> datetime:
        return datetime.fromtimestamp(self.start, tz=timezone.utc)

    @property
    def end_dt(self) -> datetime:
        return datetime.fromtimestamp(self.end, tz=timezone.utc)


def window_for(last_end: int | None, now: int, *, first: int = FIRST_WINDOW, longest: int = MAX_WINDOW) -> Window:
    """The window of a digest at `now`; `first`/`longest` are the schedule's (its gap)."""
    if last_end is None or last_end >= now:
        start = now - first
    else:
        start = max(last_end, now - max(longest, MAX_WINDOW))
    return Window(start=start, end=now, query_start=start - OVERLAP, published_floor=start - LOOKBACK)


# ---- preview windows -----------------------------------------------------------------------
PREVIEW_MAX_DAYS = 366
FUTURE_SLACK = timedelta(days=1)  # "today" somewhere on Earth is tomorrow in UTC


class WindowError(ValueError):
    """A preview window that cannot be: the message says why, in one line."""


def _day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise WindowError(f"bad {flag} {text!r}: use a date as YYYY-MM-DD, e.g. 2025-03-01") from None


def explicit_window(since: str, until: str | None, tz: str, now: int) -> Window:
    """`--since YYYY-MM-DD [--until YYYY-MM-DD]` as a window: from local midnight of `since`
    to the end of local `until` (inclusive; default: now), in zone `tz`. Articles are placed
    by published date. WindowError for a date that is malformed, in the future, or before
    `since`, or a window over PREVIEW_MAX_DAYS."""
    zone = ZoneInfo(tz)
    now_dt = datetime.fromtimestamp(now, tz=timezone.utc)
    today = now_dt.astimezone(zone).date()
    first = _day(since, "--since")
    if first > today:
        raise WindowError(f"--since {first} is in the future (today is {today} in {tz})")
    last = _day(until, "--until") if until else None
    if last is not None:
        if last < first:
            raise WindowError(f"--until {last} is before --since {first}")
        if last > today + FUTURE_SLACK:
            raise WindowError(f"--until {last} is in the future (today is {today} in {tz})")
    start = int(datetime.combine(first, time(0), tzinfo=zone).timestamp())
    end = now if last is None else min(now, int(datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).timestamp()))
    if (end - start) > PREVIEW_MAX_DAYS * 86400:
        raise WindowError(f"a preview covers at most {PREVIEW_MAX_DAYS} days; give a later --since or an --until")
    return Window(start=start, end=end, query_start=0, published_floor=start, published_until=end, fetched_until=now)


def suggest_since(newest: datetime) -> str:
    """A --since that covers the newest stored articles: the first of the newest's month, or a
    week before it when that month has barely begun."""
    first = newest.date().replace(day=1)
    return min(first, newest.date() - timedelta(days=7)).isoformat()


@dataclass(frozen=True)
class Selection:
    """The stories of one digest: `top` in the channel message, `rest` counted or listed."""

    top: list[Story]
    rest: list[Story]
    article_ids: list[int]  # every candidate covered (they all count as sent)

    @property
    def stories(self) -> list[Story]:
        return self.top + self.rest

    @property
    def empty(self) -> bool:
        return not self.top and not self.rest


def choose(candidates: list[DigestCandidate], *, start: datetime, end: datetime, max_items: int) -> Selection:
    """cluster ▸ rank ▸ diversify ▸ top N."""
    stories = diversify(rank(cluster(candidates), start=start, end=end), max_items)
    return Selection(
        top=stories[:max_items],
        rest=stories[max_items:],
        article_ids=[c.article_id for c in candidates],
    )


# ---- sources a channel muted -------------------------------------------------------------
# `aibrief channels mute CHANNEL SOURCE`: SOURCE is either a site's host (anything with a dot
# and no space, or a URL, whose host is taken): it covers that host and its subdomains, so
# `dawn.com` mutes www.dawn.com and images.dawn.com; or a source name as the feed names
# itself ("Dawn"), compared case-insensitively. Muted articles are simply not candidates
# for that channel: the same story from another outlet still arrives.
_HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}[a-z0-9_])?)+$")
MUTE_MAX = 200


def _host(url: str) -> str:
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def mute_key(text: str) -> tuple[str, str]:
    """(key, "host" or "name") as a mute is stored; ValueError for something unusable."""
    value = " ".join((text or "").split()).strip("<>")
    if "|" in value and value.lower().startswith(("http://", "https://")):  # Slack's <url|label>
        value = value.split("|", 1)[0]
    if not value:
        raise ValueError("give a source name (e.g. Dawn) or a site (e.g. dawn.com)")
    if len(value) > MUTE_MAX:
        raise ValueError(f"a source is at most {MUTE_MAX} characters")
    if value.lower().startswith(("http://", "https://")):
        host = _host(value)
        if not host:
            raise ValueError(f"no site in {value!r}")
        return host, "host"
    lowered = value.lower()
    if " " not in lowered and "." in lowered:
        host = lowered[4:] if lowered.startswith("www.") else lowered
        if _HOST.match(host.rstrip(".")):
            return host.rstrip("."), "host"
    return value.casefold(), "name"


def is_muted(keys: Iterable[str], source: str, url: str) -> bool:
    keys = set(keys)
    if not keys:
        return False
    if " ".join((source or "").split()).casefold() in keys:
        return True
    host = _host(url)
    while "." in host:  # the host, then its parents, never a bare top-level domain
        if host in keys:
            return True
        host = host.partition(".")[2]
    return False


def drop_muted(candidates: list[DigestCandidate], keys: Iterable[str]) -> list[DigestCandidate]:
    keys = set(keys)
    return [c for c in candidates if not is_muted(keys, c.source, c.url)] if keys else candidates
