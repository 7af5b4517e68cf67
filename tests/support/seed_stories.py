"""The stories the Slack tests and the acknowledgement benchmark search: the two seed stories
(their text from the seeds folder) and weaker filler matches for `china travel`, so a search
has a second page."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.models import Article
from tests.support.slack_harness import SEEDS

DAWN_URL = "https://www.dawn.com/news/1875421/china-tells-its-ai-leaders-to-avoid-us-travel-over-security-concerns-report"


def _paragraphs(text: str, start: str, stop: str) -> str:
    body = text[text.index(start): text.index(stop)]
    return " ".join(p.strip() for p in body.split("\n") if p.strip())


def seed_articles() -> list[Article]:
    """The two seed stories, with their text from the seeds folder (slack_harness.SEEDS)."""
    dawn = (SEEDS / "004_bddd24d44d775df8.txt").read_text(encoding="utf-8")
    dawn_lines = [line.strip() for line in dawn.splitlines() if line.strip()]
    talks = (SEEDS / "000_a67b0da7d96ec031.txt").read_text(encoding="utf-8")
    return [
        Article(feed_url="https://www.dawn.com/feeds/world", source="Dawn", url=DAWN_URL,
                title=dawn_lines[1], summary=_paragraphs(dawn, "Chinese authorities are instructing", "\nWorld\n"),
                published=datetime(2025, 3, 1, 12, 39, tzinfo=timezone.utc), dedupe_key="url:" + DAWN_URL,
                author="Reuters"),
        Article(feed_url="https://www.govinfosecurity.com/rss-feeds", source="GovInfoSecurity",
                url="https://www.govinfosecurity.com/us-china-to-hold-discussions-on-ai-risks-security-a-25170",
                title=talks.splitlines()[0].strip(),
                summary=_paragraphs(talks, "The United States and China will start", "About the Author"),
                published=datetime(2024, 5, 10, 15, 0, tzinfo=timezone.utc),
                dedupe_key="url:https://www.govinfosecurity.com/us-china-to-hold-discussions-on-ai-risks-security-a-25170"),
    ]


def filler_articles(n: int = 12) -> list[Article]:
    """Weaker matches for `china travel` (both words once, in the body only), so there is a
    second page — and a feed title that tries to ping the channel."""
    base = datetime(2025, 1, 1, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        url = f"https://news.example.org/markets/{i}"
        title = f"Markets weekly {i}" if i else "<!channel> Markets weekly & <https://evil.example|login>"
        out.append(Article(
            feed_url="https://news.example.org/feed", source="Example Wire", url=url, title=title,
            summary=f"Exporters in China reported steady orders. Business travel budgets were unchanged in week {i}.",
            published=base - timedelta(days=i), dedupe_key="url:" + url))
    return out
