"""SQL for what a digest preview needs to explain an empty window: how many articles are
stored and when the newest was published (`aibrief digest` on a database of last month's
news says so and suggests `--since` instead of "Nothing matched").

A mixin of `Store` (see base.py), like `digests.py`.
"""

from __future__ import annotations

from datetime import datetime

from bot.store.clock import from_ts


class PreviewQueries:
    def stored_span(self) -> tuple[int, datetime | None]:
        """(articles stored, the newest one's published time)."""
        row = self._one("SELECT COUNT(*), MAX(published) FROM articles")
        return (int(row[0]), from_ts(row[1])) if row else (0, None)
