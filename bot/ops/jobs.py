"""The operations jobs of `aibrief run`'s scheduler, on the leader: retention once a day, and
the language backfill of articles stored before languages were detected (bot/ops/languages.py)
a slice a minute until it is done.

Installed by bot/scheduler.py `build_scheduler` with one call, so the scheduler module keeps
owning polls and digests only.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger("aibrief.scheduler")

RETENTION_FIRST_DELAY = timedelta(minutes=10)  # after start: let the first poll and catch-ups go first
RETENTION_PAUSE = 0.05  # seconds between delete batches: other writers get the lock in between
# The language backfill: at most this long a minute, pausing between batches. ~30 s of
# detection a minute goes through a million articles in about half an hour (README).
LANGUAGES_SLICE_SECONDS = 30.0
LANGUAGES_PAUSE = 0.05


def install(sched, now: datetime | None = None) -> None:
    now = now or datetime.now(timezone.utc)
    sched.add_job(lambda: retention_job(sched), IntervalTrigger(hours=24), id="retention", name="retention",
                  next_run_time=now + RETENTION_FIRST_DELAY)
    sched.add_job(lambda: languages_job(sched), IntervalTrigger(minutes=1), id="languages",
                  name="language backfill", next_run_time=now + timedelta(minutes=1))


def retention_job(sched) -> None:
    """Prune old articles; a follower leaves it to the leader. Never raises (a job must not
    stop the others)."""
    if not sched.leads():
        return
    from bot.ops.retention import prune

    try:
        prune(sched.store, sched.settings.retention_days, pause=RETENTION_PAUSE)
    except Exception:
        log.exception("retention job failed")


def languages_job(sched) -> int:
    """One slice of the language backfill (nothing once every article has its language: one
    indexed lookup). Never raises."""
    if not sched.leads():
        return 0
    from bot.ops.languages import backfill

    try:
        done = backfill(sched.store, seconds=LANGUAGES_SLICE_SECONDS, pause=LANGUAGES_PAUSE)
        if done:
            log.info("language backfill: %d articles detected", done)
        return done
    except Exception:
        log.exception("language backfill failed")
        return 0
