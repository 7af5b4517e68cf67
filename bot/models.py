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
    # ISO 639-1 code or "und" (bot/language.py), detected where the feed is parsed (in the
    # poll's parse workers, beside the other CPU work); None: the store detects it.
    language: str | None = None


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
    final_url: str | None = None  # where the last redirect hop led (the base for a page's relative links)


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


def article_json(article_id: int, title: str, url: str, source: str, published: datetime) -> dict:
    """The fields every article has in `--json` output, in one shape (ISO 8601 UTC with Z)."""
    return {
        "id": article_id,
        "title": title,
        "url": url,
        "source": source,
        "published": published.isoformat().replace("+00:00", "Z"),
    }


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
    matched: tuple = ()  # bot.explain.Matched: the query's words and phrases it holds, and where
    watchlists: tuple[str, ...] = ()  # the watchlists that caught it
    also: tuple = ()  # other outlets' copies of the same story (dicts: title, url, source)
    highlights: tuple = ()  # (start, end) of the query's words in `snippet` (bot/snippet.py)
    title_highlights: tuple = ()  # the same in `title`
    summary: str = field(default="", repr=False, compare=False)  # for clustering copies; not shown
    language: str = "und"  # ISO 639-1 as detected at ingest (bot/language.py), "und": not known

    def as_json(self) -> dict:
        return {
            **article_json(self.article_id, self.title, self.url, self.source, self.published),
            "language": self.language,
            "score": round(self.score, 6),
            "snippet": self.snippet,
            "highlights": [list(s) for s in self.highlights],
            "title_highlights": [list(s) for s in self.title_highlights],
            "matched": [m.as_json() for m in self.matched],
            "watchlists": list(self.watchlists),
            "also": [dict(a) for a in self.also],
        }


# ---- digests (bot/digest, bot/store/digests.py) ---------------------------------------------
def is_user_id(value: str) -> bool:
    """A Slack user ID (U…, or W… on Enterprise Grid): a digest keyed by it goes to that person by DM."""
    return (value or "")[:1] in ("U", "W")


@dataclass(frozen=True)
class Subscription:
    """A channel's (or, keyed by a user ID, a person's DM) digest: when (local `HH:MM` in an
    IANA zone, on `days`), what, and how it looks."""

    channel: str  # a channel ID, or a user ID (U…/W…) for a personal digest sent by DM
    at: str = "09:00"
    tz: str = "UTC"
    watchlists: tuple[str, ...] | None = None  # None: every watchlist, including future ones
    template: str = "daily"  # a file digests/<template>.j2
    max_items: int = 5  # stories in the channel message (`--top N`)
    post_empty: bool = False  # an empty day posts a short "nothing new" line
    enabled: bool = True
    last_window_end: datetime | None = None  # the end of the window the last digest covered
    last_scheduled_date: str | None = None  # local date (YYYY-MM-DD) of the last scheduled digest
    last_error: str | None = None  # shown to admins (e.g. not_in_channel)
    last_error_at: datetime | None = None
    error_count: int = 0  # consecutive failed digests
    created_by: str = ""
    updated_by: str = ""
    days: str = ""  # "mon,tue,wed,thu,fri" (bot/digest/schedule.py parse_days); "" = every day
    weekly: bool = False  # once a week on `days` (one day), covering the week

    @property
    def personal(self) -> bool:
        """A person's own digest, posted to them by DM."""
        return is_user_id(self.channel)

    def settings(self) -> dict:
        """The admin-visible settings (what the audit log records before/after a change)."""
        return {
            "at": self.at,
            "tz": self.tz,
            "watchlists": list(self.watchlists) if self.watchlists is not None else None,
            "template": self.template,
            "max_items": self.max_items,
            "post_empty": self.post_empty,
            "enabled": self.enabled,
            "days": self.days,
            "weekly": self.weekly,
        }


@dataclass(frozen=True)
class DigestCandidate:
    """An article a channel's digest may include: matched by its watchlists, not sent there yet."""

    article_id: int
    url: str
    title: str
    summary: str
    source: str
    published: datetime
    fetched: datetime
    watchlists: tuple[str, ...]  # the channel's watchlists that matched it, by name
    score: float  # the best match score among them (higher is better)
    feed_id: int | None = None
    lead: str = ""  # the stored lead (bot/lead.py): clustering compares it across outlets


@dataclass(frozen=True)
class DigestRun:
    """One digest for one channel and window, with its fixed message plan and what is posted.

    The plan (a list of {"text", "blocks", "thread"} messages) is stored before the first
    post; `posted` maps message number → Slack ts once that message is known to be in Slack.
    """

    id: int
    key: str  # random, unique across databases; put in each message's metadata
    channel: str
    window_start: datetime
    window_end: datetime
    status: str  # pending | done | failed
    plan: list = field(default_factory=list)
    template: str = ""
    item_count: int = 0
    created_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    attempts: int = 0
    posted: dict = field(default_factory=dict)  # seq → ts
    attempted: frozenset = frozenset()  # seqs whose post was started (maybe without a ts)
