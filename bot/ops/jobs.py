"""The operations jobs of `aibrief run`'s scheduler: retention once a day, on the leader.

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


def install(sched, now: datetime | None = None) -> None:
    now = now or datetime.now(timezone.utc)
    sched.add_job(lambda: retention_job(sched), IntervalTrigger(hours=24), id="retention", name="retention",
                  next_run_time=now + RETENTION_FIRST_DELAY)


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
