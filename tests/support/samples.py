"""The bundled sample feeds (bot/data/samples) stored as a poll would store them, for tests
that search real feed text on either backend."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.feeds.parse import parse_feed
from bot.feeds.samples import SAMPLE_HOST, samples_dir

# The fetch time given to the samples (entries without a date get it).
SAMPLES_FETCHED = datetime(2025, 6, 1, tzinfo=timezone.utc)


def load_samples(store, fetched: datetime = SAMPLES_FETCHED) -> None:
    for path in sorted(samples_dir().glob("*.xml")):
        url = SAMPLE_HOST + path.name
        feed = store.add_feed(url)
        parsed = parse_feed(path.read_bytes(), {}, feed_url=url, fetched_at=fetched)
        assert parsed.articles, path.name
        store.insert_articles(feed.id, parsed.articles, now=int(fetched.timestamp()))
