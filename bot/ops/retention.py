"""Retention: articles older than AIBRIEF_RETENTION_DAYS go, so the database stays the same
size under a steady feed load instead of growing for ever.

An article is pruned when both its publication date and the time it was stored are older
than the retention period, and nothing keeps it: it is not part of a digest sent in the last
RECENT_DIGEST_DAYS days nor of one still being posted, and no reader has it on their Save for
later list (bot/store/upkeep.py `KEEP`). Deletion runs in small
batches, one short transaction each, so polls and Slack commands never wait long for the
write lock; the full-text index follows each delete (FTS5 trigger / PostgreSQL's generated
column). The leader runs it once a day (bot/ops/jobs.py); `aibrief db prune [--dry-run]`
runs it on demand. Each run logs how many articles it removed.

SQLite reuses the freed pages for new articles, so the file stops growing rather than
shrinking; `aibrief db prune --vacuum` gives the space back to the disk (rewriting the file).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable

from bot.ops import metrics
from bot.ops.shutdown import stopping
from bot.store import count_prunable, delete_articles, prunable_ids

log = logging.getLogger("aibrief.retention")

DAY = 86400
RECENT_DIGEST_DAYS = 30
BATCH = 500  # articles per delete transaction


@dataclass(frozen=True)
class Cutoffs:
    older_than: int  # articles published and stored before this are old
    keep_since: int  # ... but those in a digest sent since this stay


def cutoffs(now: int, retention_days: int) -> Cutoffs:
    """The retention period's edges at `now` (unix seconds)."""
    if retention_days < 1:
        raise ValueError("retention must be at least one day")
    return Cutoffs(older_than=now - retention_days * DAY, keep_since=now - RECENT_DIGEST_DAYS * DAY)


@dataclass
class PruneReport:
    retention_days: int
    pruned: int = 0  # deleted (or, dry run, would be)
    kept: int = 0  # old enough, but kept (recent digest, or saved by a reader)
    batches: int = 0
    dry_run: bool = False
    stopped: bool = False  # the bot began stopping between two batches: the rest waits a day
    seconds: float = 0.0

    def summary(self) -> str:
        verb = "would prune" if self.dry_run else "pruned"
        text = f"{verb} {self.pruned} article(s) older than {self.retention_days} day(s)"
        if self.kept:
            text += (f"; kept {self.kept} old article(s) that are in a digest of the last {RECENT_DIGEST_DAYS} days"
                     " or on someone's saved list")
        if self.stopped:
            text += "; stopped early (the bot is stopping), the rest goes next time"
        return text


def prune(store, retention_days: int, *, now: int | None = None, dry_run: bool = False, batch: int = BATCH,
          pause: float = 0.0, should_stop: Callable[[], bool] = stopping) -> PruneReport:
    """Delete the articles retention no longer keeps (see the module docstring)."""
    started = time.monotonic()
    edges = cutoffs(int(time.time()) if now is None else int(now), retention_days)
    report = PruneReport(retention_days, dry_run=dry_run)
    prunable, report.kept = count_prunable(store, older_than=edges.older_than, keep_since=edges.keep_since)
    if dry_run:
        report.pruned = prunable
        return report
    while True:
        if should_stop():
            report.stopped = True
            break
        ids = prunable_ids(store, older_than=edges.older_than, keep_since=edges.keep_since, limit=batch)
        if not ids:
            break
        deleted = delete_articles(store, ids)
        report.pruned += deleted
        report.batches += 1
        metrics.pruned(deleted)
        if len(ids) < batch:
            break
        if pause:
            time.sleep(pause)
    report.seconds = time.monotonic() - started
    log.info("retention: %s in %d batch(es), %.2f s", report.summary(), report.batches, report.seconds)
    return report


def vacuum(store, *, now: int | None = None) -> tuple[int, int]:
    """SQLite: rewrite the file without its free pages; returns (bytes before, bytes after).
    (PostgreSQL's autovacuum does this job there; run VACUUM FULL yourself only if needed.)"""
    before = store.database_bytes()
    store.vacuum(int(time.time()) if now is None else int(now))
    return before, store.database_bytes()
