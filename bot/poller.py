"""One poll of the feeds: fetch (concurrently) → parse → store + match, one transaction per feed.

The poll never stops for one bad feed: whatever goes wrong with a feed (network, HTTP status,
a document that is not a feed, a parser failure) is recorded on that feed with a readable
reason and a backed-off next poll time, and the others go on.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from ipaddress import ip_network
from typing import Callable

from bot.backoff import next_poll_delay
from bot.config import Settings
from bot.feeds.fetch import FeedRequest, FetchLimits, fetch_many
from bot.feeds.netpolicy import AddressPolicy
from bot.feeds.parse import parse_feed
from bot.models import Feed, FetchResult
from bot.store import Store, now_ts

log = logging.getLogger("aibrief.poll")


@dataclass
class FeedOutcome:
    url: str
    title: str
    new_article_ids: list[int] = field(default_factory=list)
    not_modified: bool = False
    error: str | None = None
    error_count: int = 0
    matches: dict[str, int] = field(default_factory=dict)


@dataclass
class PollReport:
    outcomes: list[FeedOutcome] = field(default_factory=list)
    matches: dict[str, int] = field(default_factory=dict)

    @property
    def new_article_ids(self) -> list[int]:
        return [i for o in self.outcomes for i in o.new_article_ids]

    @property
    def errors(self) -> dict[str, str]:
        return {o.url: o.error for o in self.outcomes if o.error}

    @property
    def not_modified(self) -> int:
        return sum(1 for o in self.outcomes if o.not_modified)


def policy_for(settings: Settings, extra_allowed: tuple = ()) -> AddressPolicy:
    return AddressPolicy(
        allow_private=settings.allow_private_networks,
        allowed_networks=tuple(ip_network(n) if isinstance(n, str) else n for n in extra_allowed),
    )


def poll_feeds(
    store: Store,
    settings: Settings,
    *,
    feeds: list[Feed] | None = None,
    force: bool = False,
    policy: AddressPolicy | None = None,
    limits: FetchLimits | None = None,
    concurrency: int = 16,
    on_fetched: Callable[[FetchResult], None] | None = None,
    on_feed_done: Callable[[FeedOutcome], None] | None = None,
    rng: random.Random | None = None,
) -> PollReport:
    """Poll the feeds that are due (all of them with `force`) once."""
    now = now_ts()
    if feeds is None:
        feeds = [f for f in store.list_feeds() if f.enabled] if force else store.feeds_due(now)
    report = PollReport()
    if not feeds:
        return report
    policy = policy or policy_for(settings)
    by_url = {f.url: f for f in feeds}
    requests = [FeedRequest(f.url, etag=f.etag, last_modified=f.last_modified) for f in feeds]
    results = fetch_many(
        requests, policy=policy, limits=limits or FetchLimits(), concurrency=concurrency, on_result=on_fetched
    )
    poll_seconds = settings.poll_minutes * 60
    fetched_at = datetime.now(timezone.utc)
    for result in results:
        feed = by_url[result.url]
        outcome = _store_result(store, feed, result, fetched_at, poll_seconds, rng)
        report.outcomes.append(outcome)
        if on_feed_done:
            on_feed_done(outcome)
    for o in report.outcomes:
        for name, n in o.matches.items():
            report.matches[name] = report.matches.get(name, 0) + n
    return report


def _store_result(
    store: Store, feed: Feed, result: FetchResult, fetched_at: datetime, poll_seconds: int, rng
) -> FeedOutcome:
    now = int(fetched_at.timestamp())
    outcome = FeedOutcome(url=feed.url, title=feed.title)
    error = result.error
    parsed = None
    if error is None and not result.not_modified:
        try:
            parsed = parse_feed(
                result.content or b"",
                result.headers,
                feed_url=result.permanent_url or feed.url,
                fetched_at=fetched_at,
                source=feed.title or None,
            )
        except Exception as exc:  # a parser bug must not stop the other feeds
            log.exception("parse crashed feed=%s", feed.url)
            error = f"could not parse the feed ({type(exc).__name__})"
        else:
            error = parsed.error
    if error is not None:
        count = feed.error_count + 1
        delay = next_poll_delay(poll_seconds, count, result.retry_after, rng)
        outcome.error = error
        outcome.error_count = store.record_poll_error(
            feed.id, error, now=now, next_poll=now + delay, disable=result.gone
        )
        log.warning("feed failed feed=%s errors=%d reason=%r", feed.url, outcome.error_count, error)
        return outcome
    delay = next_poll_delay(poll_seconds, 0, None, rng)
    articles = parsed.articles if parsed else []
    title = parsed.title if parsed else None
    stored = store.record_poll_success(
        feed.id,
        articles,
        now=now,
        next_poll=now + delay,
        # a 304 may omit the validators: keep the ones we sent
        etag=result.etag or (feed.etag if result.not_modified else None),
        last_modified=result.last_modified or (feed.last_modified if result.not_modified else None),
        title=None if feed.title else title,
        new_url=result.permanent_url,
    )
    outcome.not_modified = result.not_modified
    outcome.new_article_ids = stored.new_article_ids
    outcome.title = feed.title or (title or "")
    outcome.matches = stored.matches
    log.info(
        "feed polled feed=%s status=%s new=%d not_modified=%s",
        feed.url,
        result.status,
        len(stored.new_article_ids),
        result.not_modified,
    )
    return outcome
