"""Test data for the digest tests: candidates (pure tests) and stored articles (store tests)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import count

from bot.models import Article, DigestCandidate

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
_ids = count(1)


def cand(
    title: str,
    source: str = "Reuters",
    url: str | None = None,
    *,
    published: datetime | None = None,
    hours: float = 0,
    watchlists: tuple[str, ...] = ("ai-security",),
    score: float = 1.0,
    summary: str = "",
    article_id: int | None = None,
) -> DigestCandidate:
    aid = article_id if article_id is not None else next(_ids)
    when = published or (T0 - timedelta(hours=hours))
    return DigestCandidate(
        article_id=aid,
        url=url or f"https://news.example/{source.lower().replace(' ', '-')}/{aid}",
        title=title,
        summary=summary,
        source=source,
        published=when,
        fetched=when,
        watchlists=tuple(watchlists),
        score=score,
    )


def article(
    title: str,
    source: str = "Reuters",
    url: str | None = None,
    *,
    published: datetime,
    summary: str = "",
    key: str | None = None,
    feed_url: str = "http://127.0.0.1/feed",
) -> Article:
    url = url or f"https://news.example/{abs(hash((title, source))) % 10**8}"
    return Article(
        feed_url=feed_url,
        source=source,
        url=url,
        title=title,
        summary=summary,
        published=published,
        dedupe_key=key or f"url:{url}",
    )


def ts(dt: datetime) -> int:
    return int(dt.timestamp())


# Realistic wire copy: Reuters' piece as Dawn republished it (seed 004).
WIRE_LEDE = (
    "Chinese authorities are instructing the country's top artificial intelligence entrepreneurs "
    "and researchers to avoid travel to the United States, the Wall Street Journal reported on "
    "Friday, citing people familiar with the matter."
)
