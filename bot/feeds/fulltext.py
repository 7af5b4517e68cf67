"""Full text for teaser feeds: fetch each new article's page once and extract its main text.

Many news feeds give one teaser line, so watchlists and search would see a headline alone.
A feed an admin opts in (`feeds add URL --full-text`) has each new article's page fetched
once after the poll stored it, and trafilatura's main-text extraction becomes what the
index reads; digests keep showing the feed's own teaser (see bot/store/feedstate.py).

Every page goes through the project's one fetcher (`fetch_one` on a `make_client` client),
so the address policy (checked at connect time, on every redirect hop), the deadline and the
body cap are those of a feed poll, with the body cap lowered to `MAX_PAGE_BYTES`. Politely:
pages of one host are fetched one at a time, at most `PAGES_PER_HOST` per poll; a 429/503
with a short Retry-After is waited out once, a longer one (or a second) stops that host
until the next poll, and the articles not reached stay pending for it. The whole pass has a
time budget so a poll cannot be held up by slow article sites.

What counts as a failure (the feed's text is kept, the reason recorded on the article and
the feed): the page could not be fetched, is not HTML, or yields less text than a real
article (a paywall or cookie stub).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Sequence
from urllib.parse import urlsplit

from bot.feeds.fetch import FeedRequest, FetchLimits, fetch_one, make_client
from bot.feeds.netpolicy import AddressPolicy
from bot.feeds.normalize import plain_text

log = logging.getLogger(__name__)

MiB = 1024 * 1024
PAGES_PER_HOST = 10  # per poll; the rest wait for the next poll
MAX_PAGE_BYTES = 5 * MiB  # an article page; the feed cap (15 MiB) is for dumps of many items
FULLTEXT_CHARS = 20_000  # extracted text kept for the index (~3,000 words)
MIN_TEXT_CHARS = 300  # less than this is a stub (paywall, consent wall), not an article
MAX_RETRY_WAIT = 5.0  # seconds of Retry-After worth waiting inside a poll
BUDGET_SECONDS = 120.0  # the whole pass, every host
HOSTS_AT_ONCE = 4
MAX_TREE = 100_000  # elements trafilatura may look at (the feed parser's element budget)
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Page:
    """An article waiting for its page: the store's id, the link, the feed's own text."""

    article_id: int
    url: str
    teaser: str


@dataclass(frozen=True)
class PageResult:
    page: Page
    text: str | None = None  # teaser + extracted text, capped: what the index should read
    error: str | None = None  # why the feed's text was kept
    deferred: bool = False  # not tried this poll (host limit, 429, budget): try again next poll


def extract_text(body: bytes, content_type: str, url: str) -> tuple[str | None, str | None]:
    """(main text, None) or (None, reason). Pure: bytes in, text out."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media and media not in HTML_TYPES:
        return None, f"not an HTML page ({media[:60]})"
    import trafilatura  # ~0.2 s of imports, paid only by bots that use full text

    try:
        text = trafilatura.extract(
            body,
            url=url,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
            deduplicate=False,
            config=_config(),
        )
    except Exception as exc:  # an extractor bug on one hostile page must not stop the others
        log.warning("extraction failed url=%s error=%s", url, exc)
        return None, f"extraction failed ({type(exc).__name__})"
    text = plain_text(text or "", FULLTEXT_CHARS)
    if len(text) < MIN_TEXT_CHARS:
        return None, f"too little text on the page ({len(text)} characters; a paywall or a stub?)"
    return text, None


@lru_cache(maxsize=1)
def _config():
    """trafilatura's settings with a bound on the tree it will walk (it never fetches here)."""
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_TREE))
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # a signal alarm: not usable off the main thread
    return config


def indexed_summary(teaser: str, text: str) -> str:
    """What the index reads: the feed's teaser, then the page's text (when it does not start with it)."""
    if teaser and not text.startswith(teaser[:80]):
        return f"{teaser} {text}"
    return text


def fetch_pages(
    pages: Sequence[Page],
    *,
    policy: AddressPolicy,
    limits: FetchLimits = FetchLimits(),
    per_host: int = PAGES_PER_HOST,
    budget: float = BUDGET_SECONDS,
    backend=None,
    resolver=None,
) -> list[PageResult]:
    """Fetch and extract `pages` (newest first), politely; one result per page, in order."""
    if not pages:
        return []
    return asyncio.run(_fetch_pages(list(pages), policy, limits, per_host, budget, backend, resolver))


async def _fetch_pages(pages, policy, limits, per_host, budget, backend, resolver) -> list[PageResult]:
    page_limits = replace(limits, max_body=min(limits.max_body, MAX_PAGE_BYTES))
    deadline = time.monotonic() + budget
    by_host: dict[str, list[Page]] = {}
    for page in pages:
        by_host.setdefault((urlsplit(page.url).hostname or "").lower(), []).append(page)
    results: dict[int, PageResult] = {}
    gate = asyncio.Semaphore(HOSTS_AT_ONCE)
    async with make_client(policy, page_limits, concurrency=HOSTS_AT_ONCE, backend=backend, resolver=resolver) as client:

        async def host_pass(host: str, queue: list[Page]) -> None:
            async with gate:
                await _one_host(client, host, queue, page_limits, per_host, deadline, results)

        await asyncio.gather(*(host_pass(h, q) for h, q in by_host.items()))
    return [results.get(p.article_id) or PageResult(p, deferred=True) for p in pages]


async def _one_host(client, host, queue, limits, per_host, deadline, results) -> None:
    """The pages of one host, one at a time, until the per-host limit, a refusal or the budget."""
    done = 0
    for page in queue:
        if done >= per_host or time.monotonic() >= deadline:
            return
        result = await fetch_one(client, FeedRequest(page.url), limits)
        if result.status in (429, 503):
            wait = result.retry_after
            if wait is None or wait > MAX_RETRY_WAIT or time.monotonic() + wait >= deadline:
                log.info("full text: %s answered %s (retry after %s s); its pages wait for the next poll",
                         host, result.status, wait)
                return
            await asyncio.sleep(wait)
            result = await fetch_one(client, FeedRequest(page.url), limits)
            if result.status in (429, 503):
                log.info("full text: %s still refuses (%s); its pages wait for the next poll", host, result.status)
                return
        done += 1
        if result.error:
            results[page.article_id] = PageResult(page, error=f"page not fetched: {result.error}")
            continue
        text, error = await asyncio.to_thread(
            extract_text, result.content or b"", result.headers.get("content-type", ""), page.url
        )
        if text is None:
            results[page.article_id] = PageResult(page, error=error)
        else:
            results[page.article_id] = PageResult(page, text=indexed_summary(page.teaser, text))
