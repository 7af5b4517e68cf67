"""Which articles a digest covers (its window), and candidates → the stories it shows.

The window runs from the end of the channel's last digest to now (the first digest: the
last 24 hours; a channel silent for long: at most 7 days). Articles are placed in it by
when the bot first stored them, not by their published date, so an article a feed
publishes late is still news here; but an article published more than a day before the
window began (a new feed's back catalogue) is not.

The query reaches an hour back before the window start: a poll that began before the last
digest may have committed its articles after it. Articles already sent to the channel are
excluded by the store, so the overlap never repeats anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable
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

    @property
    def start_dt(self) -> datetime:
        return datetime.fromtimestamp(self.start, tz=timezone.utc)

    @property
    def end_dt(self) -> datetime:
        return datetime.fromtimestamp(self.end, tz=timezone.utc)


def window_for(last_end: int | None, now: int) -> Window:
    if last_end is None or last_end >= now:
        start = now - FIRST_WINDOW
    else:
        start = max(last_end, now - MAX_WINDOW)
    return Window(start=start, end=now, query_start=start - OVERLAP, published_floor=start - LOOKBACK)


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
