"""Opening the store for a command: migrate, seed the defaults on a new database, import feeds.

Kept apart from the CLI so `aibrief run`, `aibrief fetch` and the tests start from the same
state the same way.
"""

from __future__ import annotations

from importlib import resources

from bot.config import Settings
from bot.feeds.opml import read_opml
from bot.store import DuplicateError, Store, open_store
from bot.watchlists import seed_default_watchlists

DEFAULT_FEEDS_KEY = "default_feeds_imported"


def default_opml() -> bytes:
    return resources.files("bot").joinpath("data/default_feeds.opml").read_bytes()


def import_feeds(store: Store, feeds: list[tuple[str, str]], actor: str | None = None) -> list[str]:
    """Add the (url, title) pairs not already followed; returns the URLs added."""
    added = []
    for url, title in feeds:
        try:
            store.add_feed(url, title or "")
        except DuplicateError:
            continue
        added.append(url)
        if actor:
            store.audit(actor, "feed.add", url, None, {"title": title, "via": "opml"})
    return added


def prepare_store(settings: Settings, *, default_feeds: bool = True) -> Store:
    """The store for this run, with the default watchlists and (once, if empty) the default feeds."""
    store = open_store(settings.database)
    seed_default_watchlists(store)
    if default_feeds and not store.get_meta(DEFAULT_FEEDS_KEY):
        if store.count_feeds() == 0:
            import_feeds(store, read_opml(default_opml()))
        store.set_meta(DEFAULT_FEEDS_KEY, "1")
    return store
