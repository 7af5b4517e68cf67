"""One poll of the feeds: fetch (concurrently) → parse (in parallel) → store + match, one transaction per batch.

The poll never stops for one bad feed: whatever goes wrong with a feed (network, HTTP status,
a document that is not a feed, a parser failure) is recorded on that feed with a readable
reason and a backed-off next poll time, and the others go on.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from ipaddress import ip_network
from typing import Callable

from bot.poll.backoff import next_poll_delay
from bot.config import Settings
from bot.feeds.fetch import FeedRequest, FetchLimits, fetch_one, make_client
from bot.feeds.fulltext import Page, fetch_pages
from bot.feeds.netpolicy import AddressPolicy
from bot.feeds.parse import parse_feed
from bot.models import Feed, FetchResult, ParsedFeed
from bot.poll.parsepool import ParseRunner, default_workers
from bot.store import Store, now_ts

log = logging.getLogger("aibrief.poll")

MAX_BATCH_FEEDS = 50  # feeds stored (and matched) per transaction at most


@dataclass
class FeedOutcome:
    """How one feed's poll went, for the poll's report, alerts and metrics: fetched and
    stored, unchanged (304), or failed and why. A second type beside the store's
    `StoredPoll` (what one successful poll wrote: new ids and matches) because most of
    this never reaches the store as one record (a 304, an error, the feed disabled) and the
    store has no business knowing about fetches."""

    url: str
    title: str
    new_article_ids: list[int] = field(default_factory=list)
    not_modified: bool = False
    error: str | None = None
    error_count: int = 0  # consecutive failures after this poll (0: it succeeded)
    matches: dict[str, int] = field(default_factory=dict)
    previous_errors: int = 0  # consecutive failures before this poll (for alerts: bot/feeds/alerts.py)
    disabled: bool = False  # this poll disabled the feed (410 Gone)


@dataclass
class PollReport:
    outcomes: list[FeedOutcome] = field(default_factory=list)
    matches: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)  # keyword matches a relevance check said no to

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
    parse_workers: int | None = None,
) -> PollReport:
    """Poll the feeds that are due (all of them with `force`) once.

    `parse_workers`: processes that parse while the fetch goes on (None: by the number of
    feeds and cores, see `bot.poll.parsepool`; 0: parse in this process)."""
    now = now_ts()
    poll_seconds = settings.poll_seconds
    if feeds is None:
        # The due feeds are claimed, not just read: a second replica polling at the same
        # moment gets none of them (bot/leader.py: correctness does not rest on leadership).
        feeds = ([f for f in store.list_feeds() if f.enabled] if force
                 else store.claim_due_feeds(now, lease_seconds=poll_seconds))
    report = PollReport()
    if not feeds:
        return report
    policy = policy or policy_for(settings)
    full_text = store.full_text_feed_ids()
    by_url = {f.url: f for f in feeds}
    requests = [FeedRequest(f.url, etag=f.etag, last_modified=f.last_modified) for f in feeds]
    order = {f.url: i for i, f in enumerate(feeds)}
    runner = ParseRunner(default_workers(len(feeds)) if parse_workers is None else parse_workers)
    arrived: queue.Queue = queue.Queue()

    # Pipeline: the fetch runs in a thread; each document goes to the parser as soon as it
    # arrives (worker processes on a multi-core machine); this thread stores whatever has
    # arrived so far as one batch — one transaction and one matching pass per batch.
    def fetched(result: FetchResult) -> None:
        job = None
        fetched_at = datetime.now(timezone.utc)
        if result.error is None and not result.not_modified:
            feed = by_url[result.url]
            job = runner.submit(
                content=result.content or b"",
                headers=result.headers,
                feed_url=result.permanent_url or feed.url,
                fetched_at=fetched_at,
                source=feed.title or None,
            )
        arrived.put((result, fetched_at, job))
        if on_fetched:
            try:
                on_fetched(result)
            except Exception:  # a progress bar must not lose the poll
                log.exception("on_fetched callback failed")

    def fetch_all() -> None:
        try:
            asyncio.run(
                _fetch_each(requests, policy=policy, limits=limits or FetchLimits(), concurrency=concurrency,
                            on_result=fetched)
            )
        except BaseException as exc:  # fetching never raises for a feed: a bug, re-raised below
            arrived.put(exc)
        arrived.put(None)

    fetcher = threading.Thread(target=fetch_all, name="poll-fetch", daemon=True)
    fetcher.start()
    outcomes: list[FeedOutcome] = []
    done = False
    while not done:
        batch = [arrived.get()]
        while len(batch) < MAX_BATCH_FEEDS and batch[-1] is not None:
            try:
                batch.append(arrived.get_nowait())
            except queue.Empty:
                break
        done = batch[-1] is None
        for item in batch:
            if isinstance(item, BaseException):
                raise item
        stored = _store_batch(store, by_url, [item for item in batch if item is not None], poll_seconds, rng,
                              full_text=full_text)
        outcomes.extend(stored)
        if on_feed_done:
            for outcome in stored:
                on_feed_done(outcome)
    fetcher.join()
    if full_text:
        try:
            _fill_full_texts(store, policy, limits or FetchLimits(), outcomes, {f.id: f for f in feeds})
        except Exception:  # the feeds are stored; a full-text bug must not lose the poll's report
            log.exception("full-text pass failed")
    report.outcomes = sorted(outcomes, key=lambda o: order.get(o.url, len(order)))
    for o in report.outcomes:
        for name, n in o.matches.items():
            report.matches[name] = report.matches.get(name, 0) + n
    if settings.llm_enabled or report.new_article_ids:  # watchlists with a relevance check: the model's yes/no (bot/llm/relevance.py)
        from bot.llm.relevance import check_matches

        report.dropped = check_matches(store, settings).dropped
        for name, n in report.dropped.items():
            report.matches[name] = max(0, report.matches.get(name, 0) - n)
    return report


async def _fetch_each(
    requests: list[FeedRequest],
    *,
    policy: AddressPolicy,
    limits: FetchLimits,
    concurrency: int,
    on_result: Callable[[FetchResult], None],
) -> None:
    """`fetch_many` without collecting the results: each one is handed to `on_result` and
    dropped here, so a big poll holds only the documents not yet parsed and stored, not
    every body at once (200 news feeds are ~50 MB)."""
    semaphore = asyncio.Semaphore(max(1, concurrency))
    async with make_client(policy, limits, concurrency=concurrency) as client:

        async def one(req: FeedRequest) -> None:
            async with semaphore:
                result = await fetch_one(client, req, limits)
            on_result(result)

        await asyncio.gather(*(one(r) for r in requests))


def _store_batch(
    store: Store, by_url: dict[str, Feed], items: list, poll_seconds: int, rng, *, full_text: set[int] = frozenset()
) -> list[FeedOutcome]:
    """Store several fetched feeds in one transaction and match their new articles in one pass.

    All-or-nothing like a single feed's poll: after a crash the batch's feeds are simply
    polled again. Matching once per batch instead of once per feed is what makes a big
    poll cheap: a full-text query costs about the same for 1 new article as for 1,000.
    """
    if not items:
        return []
    # Parsed before the write lock is taken, so no other writer waits on a parse.
    ready = [(result, fetched_at, _parsed_or_error(job, by_url[result.url])) for result, fetched_at, job in items]
    outcomes: list[FeedOutcome] = []
    with store.transaction():
        for result, fetched_at, parsed in ready:
            feed = by_url[result.url]
            outcomes.append(
                _store_result(store, feed, result, fetched_at, poll_seconds, rng, parsed=parsed, match=False,
                              full_text=feed.id in full_text)
            )
        ids_by_feed = {by_url[o.url].id: o.new_article_ids for o in outcomes if o.new_article_ids}
        if ids_by_feed:
            matches = store.match_new_articles(ids_by_feed, now_ts())
            for o in outcomes:
                o.matches = matches.get(by_url[o.url].id, {})
    return outcomes


def _parsed_or_error(job, feed: Feed):
    """The job's ParsedFeed, or the exception its parse raised (a parser bug, reported on that feed)."""
    if job is None:
        return None
    try:
        return job.result()
    except Exception as exc:  # a parser bug must not stop the other feeds
        log.error("parse crashed feed=%s", feed.url, exc_info=exc)
        return exc


def _store_result(
    store: Store,
    feed: Feed,
    result: FetchResult,
    fetched_at: datetime,
    poll_seconds: int,
    rng,
    *,
    parsed: ParsedFeed | Exception | None = None,
    match: bool = True,
    full_text: bool = False,
) -> FeedOutcome:
    """Record one feed's poll. `parsed`: the document already parsed (or the exception its
    parse raised), None to parse it here. `match=False` leaves matching to the caller."""
    now = int(fetched_at.timestamp())
    outcome = FeedOutcome(url=feed.url, title=feed.title, previous_errors=feed.error_count)
    error = result.error
    if isinstance(parsed, Exception):
        error = f"could not parse the feed ({type(parsed).__name__})"
        parsed = None
    elif parsed is not None:
        error = error or parsed.error
    elif error is None and not result.not_modified:
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
        outcome.disabled = result.gone
        outcome.error_count = store.record_poll_error(
            feed.id, error, now=now, next_poll=now + delay, disable=result.gone
        )
        store.record_poll_state(feed.id, "failed", status=result.status, items=0, now=now)
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
        match=match,
    )
    store.record_poll_state(feed.id, "unchanged" if result.not_modified else "ok", status=result.status,
                            items=len(articles), now=now)
    if full_text and stored.new_article_ids:
        store.queue_full_text(feed.id, stored.new_article_ids, now=now)
    if result.permanent_url and result.permanent_url != feed.url:
        log.warning("feed moved feed=%s new_url=%s", feed.url, result.permanent_url)
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


def _fill_full_texts(store: Store, policy: AddressPolicy, limits: FetchLimits, outcomes: list[FeedOutcome],
                     feeds_by_id: dict[int, Feed]) -> None:
    """After the feeds are stored: fetch the pages of full-text feeds' new articles (and of
    earlier ones a previous poll did not reach), store the extracted text, and match the
    articles whose indexed text changed once more, so watchlists see the body too."""
    pending = store.pending_full_text()
    if not pending:
        return
    feed_of = {p.article_id: p.feed_id for p in pending}
    results = fetch_pages([Page(p.article_id, p.url, p.summary) for p in pending], policy=policy, limits=limits)
    now = now_ts()
    improved: dict[int, list[int]] = {}
    by_id = {p.article_id: p for p in pending}
    for r in results:
        if r.deferred:
            continue
        store.finish_full_text(by_id[r.page.article_id], r.text, r.error, now=now)
        if r.text:
            improved.setdefault(feed_of[r.page.article_id], []).append(r.page.article_id)
    log.info("full text: %d page(s) extracted, %d kept the feed's text, %d wait for the next poll",
             sum(1 for r in results if r.text), sum(1 for r in results if r.error), sum(1 for r in results if r.deferred))
    by_url = {o.url: o for o in outcomes}
    for feed_id, ids in improved.items():
        for run in _consecutive(sorted(ids)):  # matching scans an id range: keep it exact
            with store.transaction():
                found = store.match_new_articles({feed_id: run}, now).get(feed_id, {})
            feed = feeds_by_id.get(feed_id)
            outcome = by_url.get(feed.url) if feed else None
            if outcome is not None:
                for name, n in found.items():
                    outcome.matches[name] = outcome.matches.get(name, 0) + n


def _consecutive(ids: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i in ids:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs
