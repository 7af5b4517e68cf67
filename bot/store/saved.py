"""SQL for readers' "Save for later" lists: each reader's own saved articles.

A mixin of `Store` (see base.py) over a table of its own (`saved_items`, its migration in
schema.py). Saving twice is one entry (the primary key is reader + article); an article
someone saved is kept by retention however old it is (bot/store/upkeep.py `KEEP`); deleting
an article otherwise (never, today) would drop it from the lists by cascade.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.clock import from_ts, now_ts

# Saved articles per reader: a list, not an archive (the oldest must be unsaved first).
MAX_SAVED = 500


class SavedListFull(Exception):
    """The reader's list holds MAX_SAVED articles already."""


@dataclass(frozen=True)
class SavedArticle:
    article_id: int
    title: str
    url: str
    source: str
    published: datetime
    saved_at: datetime


class SavedQueries:
    """Mixed into Store: uses its `transaction()` and `_all()`."""

    def save_article(self, user: str, article_id: int, *, now: int | None = None) -> bool:
        """Add an article to `user`'s list; False when it was there already. Raises KeyError
        for an article that is not stored, SavedListFull when the list is full."""
        with self.transaction() as tx:
            if not tx.all("SELECT 1 FROM articles WHERE id = ?", (article_id,)):
                raise KeyError(article_id)
            if tx.all("SELECT 1 FROM saved_items WHERE user_id = ? AND article_id = ?", (user, article_id)):
                return False
            if tx.all("SELECT COUNT(*) FROM saved_items WHERE user_id = ?", (user,))[0][0] >= MAX_SAVED:
                raise SavedListFull(f"your saved list holds {MAX_SAVED} articles; unsave some first")
            return bool(tx.run(
                "INSERT INTO saved_items(user_id, article_id, saved_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id, article_id) DO NOTHING",
                (user, article_id, now or now_ts()),
            ))

    def unsave_article(self, user: str, article_id: int) -> bool:
        """Take an article off `user`'s list; False when it was not on it."""
        with self.transaction() as tx:
            return bool(tx.run("DELETE FROM saved_items WHERE user_id = ? AND article_id = ?", (user, article_id)))

    def saved_articles(self, user: str, *, limit: int = MAX_SAVED, offset: int = 0) -> list[SavedArticle]:
        """`user`'s saved articles, most recently saved first."""
        rows = self._all(
            "SELECT a.id, a.title, a.url, a.source, a.published, s.saved_at FROM saved_items s "
            "JOIN articles a ON a.id = s.article_id WHERE s.user_id = ? "
            "ORDER BY s.saved_at DESC, a.id DESC LIMIT ? OFFSET ?",
            (user, limit, offset),
        )
        return [SavedArticle(r[0], r[1], r[2], r[3], from_ts(r[4]), from_ts(r[5])) for r in rows]

    def saved_count(self, user: str) -> int:
        return int(self._all("SELECT COUNT(*) FROM saved_items WHERE user_id = ?", (user,))[0][0])
