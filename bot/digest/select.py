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

from dataclasses import dataclass
from datetime import datetime, timezone

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
