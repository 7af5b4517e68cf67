"""Plain data passed between the stages (fetch → parse → store → match → digest → Slack).

Each stage takes and returns these dataclasses, so each can be tested alone and only
the two ends touch the network. Times are timezone-aware UTC `datetime`s in Python and
integer Unix seconds in the database, which both SQLite and PostgreSQL sort and compare
the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Article:
    """One normalized feed entry: plain text only, capped, with an absolute link."""

    feed_url: str
    source: str  # the feed's human name, e.g. "Dawn"
    url: str  # absolute http(s) link, tracking parameters removed
    title: str
    summary: str
    published: datetime  # UTC; missing or far-future → fetch time
    dedupe_key: str  # "guid:…", "url:…" or "hash:…" — unique across all feeds
    guid: str | None = None
    author: str = ""


@dataclass(frozen=True)
class FetchResult:
    """What one HTTP poll of one feed produced; `error` set means nothing else is usable."""

    url: str  # the URL asked for
    status: int | None = None  # final HTTP status, None when no response
    content: bytes | None = None  # body, None on 304 or error
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    etag: str | None = None
    last_modified: str | None = None
    permanent_url: str | None = None  # set when a 301/308 chain moved the feed
    not_modified: bool = False
    error: str | None = None  # human-readable reason
    retry_after: float | None = None  # seconds, from a 429/503 Retry-After
    gone: bool = False  # 410: the feed asked to be forgotten
    elapsed: float = 0.0


@dataclass(frozen=True)
class ParsedFeed:
    """A feed document turned into articles (or the reason it could not be)."""

    title: str
    articles: list[Article]
    error: str | None = None
    bozo: str | None = None  # feedparser recovered from malformed XML; kept for logs


@dataclass(frozen=True)
class Feed:
    """A feed row, with its health as admins see it."""

    id: int
    url: str
    title: str
    etag: str | None
    last_modified: str | None
    last_success: datetime | None
    last_error: str | None
    error_count: int
    next_poll: datetime | None
    enabled: bool = True
    last_error_at: datetime | None = None


@dataclass(frozen=True)
class Watchlist:
    id: int
    name: str
    query: str


@dataclass(frozen=True)
class SearchHit:
    """One search result, best first; `score` is the blended relevance+recency (higher is better)."""

    article_id: int
    title: str
    url: str
    source: str
    published: datetime
    score: float
    snippet: str

    def as_json(self) -> dict:
        return {
            "id": self.article_id,
            "title": self.title,
            "url": self.url,
            "source": self.source,
            "published": self.published.isoformat().replace("+00:00", "Z"),
            "score": round(self.score, 6),
            "snippet": self.snippet,
        }
