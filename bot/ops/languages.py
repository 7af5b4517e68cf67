"""Detect the language of the articles stored before languages were (schema version 10).

Why a backfill and not the migration: detecting and re-indexing a million articles takes
minutes, and a migration holds the database (and the bot's start) for as long as it runs.
The migration only adds the column; until an article is reached here it is searched exactly
as before (bot/langindex.py `fts_text(…, None)`). The scheduler's leader runs `backfill` a
slice at a time (bot/ops/jobs.py), each batch its own short transaction, with a pause in
between so polls and digests get the database; `aibrief db languages` runs it to the end.
"""

from __future__ import annotations

import time
from typing import Callable

from bot.language import detect

BATCH = 500


def detect_rows(rows) -> list[tuple[int, str, str, str, str]]:
    """(id, language, title, summary, lead) for each (id, title, summary, lead): the same
    detection as at ingest (title and lead)."""
    return [(aid, detect(title or "", lead or ""), title, summary, lead) for aid, title, summary, lead in rows]


def backfill(store, *, seconds: float | None = None, batch: int = BATCH, pause: float = 0.0,
             progress: Callable[[int], None] | None = None) -> int:
    """Detect and store languages, a batch at a time, until none is left or `seconds`
    (None: no limit) have passed; returns how many articles got their language."""
    deadline = None if seconds is None else time.monotonic() + seconds
    done = 0
    while deadline is None or time.monotonic() < deadline:
        rows = store.articles_without_language(batch)
        if not rows:
            break
        done += store.set_languages(detect_rows(rows))
        if progress is not None:
            progress(done)
        if len(rows) < batch:
            break
        if pause:
            time.sleep(pause)
    return done
