"""Small builders shared by tests (real objects, no mocks)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from bot.models import Article, Feed

SEED_TRAVEL = dict(
    title="China tells its AI leaders to avoid US travel over security concerns: report",
    summary=(
        "Chinese authorities are instructing the country's top artificial intelligence entrepreneurs and "
        "researchers to avoid travel to the United States, the Wall Street Journal reported on Friday, citing "
        "people familiar with the matter. The authorities are concerned that Chinese AI experts traveling abroad "
        "could divulge confidential information about the nation's progress."
    ),
    source="Dawn",
    url="https://www.dawn.com/news/1875421/china-tells-its-ai-leaders-to-avoid-us-travel-over-security-concerns-report",
    published=datetime(2025, 3, 1, 12, 39, tzinfo=timezone.utc),
)
SEED_TALKS = dict(
    title="US and China to Hold Discussions on AI Risks and Security",
    summary=(
        "The United States and China will start high-level discussions about artificial intelligence focused on "
        "the security and risks associated with advanced AI systems. Biden administration officials lowered "
        "expectations about the discussions."
    ),
    source="GovInfoSecurity",
    url="https://www.govinfosecurity.com/us-china-to-hold-discussions-on-ai-risks-security-a-25170",
    published=datetime(2024, 5, 10, 15, 0, tzinfo=timezone.utc),
)


def article(title: str, summary: str = "", *, source: str = "Example News", url: str | None = None,
            published: datetime | None = None, days_ago: float | None = None, feed_url: str = "https://example.com/feed") -> Article:
    if published is None:
        published = datetime.now(timezone.utc) - timedelta(days=days_ago or 0)
    key = hashlib.sha256((title + summary + (url or "")).encode()).hexdigest()[:24]
    url = url or f"https://example.com/{key}"
    return Article(feed_url=feed_url, source=source, url=url, title=title, summary=summary,
                   published=published, dedupe_key="url:" + url, guid=None)


def seed(name: str) -> Article:
    d = SEED_TRAVEL if name == "travel" else SEED_TALKS
    return article(d["title"], d["summary"], source=d["source"], url=d["url"], published=d["published"])


# A fixed "now" for layouts that show relative times, and a feed last polled two hours before
# it (failing for five minutes when `error` is given).
NOW = datetime(2025, 3, 2, 12, 0, tzinfo=timezone.utc)


def feed(i: int, error: str | None = None, title: str = "Feed") -> Feed:
    return Feed(id=i, url=f"https://feeds.example/{i}.xml", title=f"{title} {i}", etag=None, last_modified=None,
                last_success=NOW - timedelta(hours=2), last_error=error, error_count=3 if error else 0,
                next_poll=None, last_error_at=NOW - timedelta(minutes=5) if error else None)
