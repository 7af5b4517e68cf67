"""APScheduler jobs of `aibrief run`: poll the feeds, post each channel's digest on time.

- `poll`: every AIBRIEF_POLL_MINUTES with jitter (so several bots never hit a feed in step),
  one at a time (`max_instances=1`, `coalesce`), the first soon after start. With
  AIBRIEF_ALERT_CHANNEL set, a feed that starts failing, recovers or is disabled gets one
  message there (bot/feeds/alerts.py).
- `digest:<channel>`: a CronTrigger at the subscription's local time in its IANA zone, on
  its days (every day, `mon-fri`, `mon,thu`, weekly), so 09:00 in New York stays 09:00
  across DST. `misfire_grace_time` (6 h; 24 h for a weekly digest) and `coalesce` let a late
  job (a suspended laptop, a busy pool) run once, not once per missed day. A person's DM
  digest (keyed by their user ID) is one more such job.
- A digest that fired while the bot was down is not known to an in-memory scheduler, so
  at start `catch_up()` adds a one-off job for every channel whose digest fired within the
  grace period and did not run; the job posts it once (the subscription's local-date slot
  makes a second run that day a no-op).
- `resume`: at start and every 10 minutes, finishes digests left half-posted.
- `resync`: every 5 minutes re-reads the subscriptions, so a change made with the CLI
  in another process reaches the running bot; changes made in-process (the Slack app)
  call `reschedule(channel)` at once through `bot.digest.service.on_subscription_change`.

Jobs are rebuilt from the store at every start; nothing about them is persisted.

Several replicas (bot/leader.py): every replica keeps the same job table (resync included),
but the poll, digest and resume jobs do their work only while this replica leads; on a
follower they return at once. When a replica becomes the leader (`on_elected`) it polls at
once, finishes half-posted digests and catches up the digests that fired while no replica
led, so a failover loses neither a poll interval nor a digest.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Settings
from bot.digest import service
from bot.digest.schedule import GRACE, grace_for, trigger_for
from bot.models import Subscription
from bot.ops import jobs as ops_jobs
from bot.ops import metrics

log = logging.getLogger("aibrief.scheduler")

DIGEST_PREFIX = "digest:"
CATCH_UP_PREFIX = "catch-up:"
CATCH_UP_DELAY = timedelta(seconds=20)  # let the Slack connection come up first
ELECTED_CATCH_UP_DELAY = timedelta(seconds=1)  # the listener is up by then (runner.py)
FIRST_POLL_DELAY = timedelta(seconds=5)
RESUME_MINUTES = 10
RESYNC_MINUTES = 5


def poll_jitter(poll_minutes: float) -> int:
    """Seconds of jitter for the poll: a tenth of the interval, at most five minutes."""
    return int(max(1, min(300, poll_minutes * 6)))


class AibriefScheduler(BackgroundScheduler):
    """A BackgroundScheduler that knows the store: `reschedule(channel)` after a change."""

    def __init__(self, store, settings: Settings, client, *, leader=None, **kwargs):
        kwargs.setdefault("timezone", timezone.utc)
        kwargs.setdefault(
            "job_defaults",
            {"coalesce": True, "max_instances": 1, "misfire_grace_time": int(GRACE.total_seconds())},
        )
        super().__init__(**kwargs)
        self.store = store
        self.settings = settings
        self.client = client
        self.leader = leader  # bot.leader.Leadership; None: this process is the only one
        self._unlisten = None
        self._known: dict[str, tuple] = {}

    # ---- digest jobs ---------------------------------------------------------------------------
    def _signature(self, sub: Subscription) -> tuple:
        return (sub.at, sub.tz, sub.enabled, sub.days, sub.weekly)

    def reschedule(self, channel: str) -> None:
        """(Re)create or remove the channel's digest job from its subscription in the store."""
        sub = self.store.get_subscription(channel)
        job_id = DIGEST_PREFIX + channel
        if sub is None or not sub.enabled or self.client is None:
            if self.get_job(job_id):
                self.remove_job(job_id)
            self._known.pop(channel, None)
            return
        try:
            trigger = trigger_for(sub)
        except ValueError as exc:  # a time zone that disappeared from tzdata
            log.error("cannot schedule digest channel=%s error=%s", channel, exc)
            return
        self.add_job(
            self.digest_job, trigger, args=[channel], id=job_id, name=f"digest {channel}", replace_existing=True,
            misfire_grace_time=int(grace_for(sub).total_seconds()),
        )
        self._known[channel] = self._signature(sub)
        log.info("digest scheduled channel=%s at=%s tz=%s days=%s weekly=%s", channel, sub.at, sub.tz,
                 sub.days or "every", sub.weekly)

    def rebuild(self) -> None:
        """Digest jobs exactly for the subscriptions in the store."""
        subs = {s.channel: s for s in self.store.list_subscriptions()}
        for job in self.get_jobs():
            if job.id.startswith(DIGEST_PREFIX) and job.id[len(DIGEST_PREFIX):] not in subs:
                self.remove_job(job.id)
                self._known.pop(job.id[len(DIGEST_PREFIX):], None)
        for channel in subs:
            self.reschedule(channel)

    def resync(self) -> None:
        """Pick up subscription changes made by another process (the CLI)."""
        subs = {s.channel: s for s in self.store.list_subscriptions()}
        for channel, sub in subs.items():
            if self._known.get(channel) != self._signature(sub):
                self.reschedule(channel)
        for channel in list(self._known):
            if channel not in subs:
                self.reschedule(channel)

    def catch_up(self, now: datetime | None = None, *, delay: timedelta = CATCH_UP_DELAY) -> list[str]:
        """One-off jobs for digests that fired while the bot was down (within the grace)."""
        if self.client is None:
            return []
        now = now or datetime.now(timezone.utc)
        channels = service.missed_digests(self.store, now)
        for channel in channels:
            self.add_job(
                self.digest_job, "date", run_date=now + delay, args=[channel],
                id=CATCH_UP_PREFIX + channel, name=f"missed digest {channel}", replace_existing=True,
            )
            log.info("missed digest will be sent channel=%s", channel)
        return channels

    # ---- leadership ------------------------------------------------------------------------------------
    def leads(self) -> bool:
        """Whether this replica runs the scheduled work now."""
        return self.leader is None or self.leader.is_leader()

    def _skip(self, job: str) -> bool:
        if self.leads():
            return False
        log.debug("%s skipped: another replica leads", job)
        return True

    def on_elected(self) -> None:
        """This replica just became the leader: poll now (a failover must not cost a poll
        interval), finish half-posted digests, and post the digests that fired while no
        replica led (their cron moment passed on a follower, which skipped it)."""
        if not self.running:
            return
        now = datetime.now(timezone.utc)
        for job_id in ("poll", "resume"):
            if self.get_job(job_id) is not None:
                self.modify_job(job_id, next_run_time=now)
        self.catch_up(now, delay=ELECTED_CATCH_UP_DELAY)

    # ---- job bodies (never raise: a failing job must not stop the others) ----------------------------
    def digest_job(self, channel: str) -> None:
        if self._skip("digest"):
            return
        try:
            result = service.run_scheduled(self.store, self.settings, self.client, channel)
            if result is not None:
                log.info("digest channel=%s status=%s articles=%s error=%s", channel, result.status,
                         result.articles, result.error)
        except Exception:
            log.exception("digest job failed channel=%s", channel)

    def poll_job(self) -> None:
        if self._skip("poll"):
            return
        try:
            from bot.poll.poller import poll_feeds

            report = poll_feeds(self.store, self.settings)
            metrics.observe_poll(report)
            log.info("poll done new=%d errors=%d", len(report.new_article_ids), len(report.errors))
            self.feed_alerts(report)
        except Exception:
            log.exception("poll job failed")

    def feed_alerts(self, report) -> int:
        """Post to AIBRIEF_ALERT_CHANNEL when a feed starts failing, recovers or is disabled
        (bot/feeds/alerts.py decides); returns how many were posted. A failed post is logged,
        not retried: the next change of state is reported anyway."""
        channel = self.settings.alert_channel
        if not channel or self.client is None:
            return 0
        from slack_sdk.errors import SlackApiError, SlackClientError

        from bot.feeds import alerts

        sent = 0
        for o in report.outcomes:
            kind = alerts.transition(o.previous_errors, o.error_count, disabled=o.disabled)
            if kind is None:
                continue
            text = alerts.alert_text(kind, o.url, o.title, o.error, o.error_count)
            try:
                self.client.chat_postMessage(channel=channel, text=text, unfurl_links=False, unfurl_media=False)
                sent += 1
                log.info("feed alert sent channel=%s feed=%s kind=%s", channel, o.url, kind)
            except (SlackApiError, SlackClientError, OSError) as exc:
                log.warning("feed alert failed channel=%s feed=%s kind=%s error=%s", channel, o.url, kind, exc)
        return sent

    def resume_job(self) -> None:
        if self.client is None or self._skip("resume"):
            return
        try:
            for r in service.resume_unfinished(self.store, self.settings, self.client):
                log.info("resumed digest channel=%s run=%s status=%s", r.channel, r.run_id, r.status)
        except Exception:
            log.exception("resume job failed")

    def resync_job(self) -> None:
        try:
            self.resync()
        except Exception:
            log.exception("resync job failed")

    def _on_change(self, channel: str) -> None:
        self.reschedule(channel)

    def start(self, *args, **kwargs) -> None:
        super().start(*args, **kwargs)
        if self._unlisten is None:
            self._unlisten = service.on_subscription_change(self._on_change)

    def shutdown(self, wait: bool = True) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        super().shutdown(wait=wait)


def build_scheduler(store, settings: Settings, client, *, now: datetime | None = None,
                    leader=None) -> AibriefScheduler:
    """The scheduler of `aibrief run`, not started: every job built from the store.

    `client` None (no SLACK_BOT_TOKEN) schedules only the feed poll. `leader` (bot.leader)
    gates the jobs when several replicas share the database; None runs them unconditionally.
    """
    now = now or datetime.now(timezone.utc)
    sched = AibriefScheduler(store, settings, client, leader=leader)
    sched.add_job(
        sched.poll_job,
        IntervalTrigger(seconds=settings.poll_seconds, jitter=poll_jitter(settings.poll_seconds / 60)),
        id="poll", name="feed poll", next_run_time=now + FIRST_POLL_DELAY,
    )
    sched.add_job(
        sched.resume_job, IntervalTrigger(minutes=RESUME_MINUTES), id="resume", name="resume digests",
        next_run_time=now + FIRST_POLL_DELAY,
    )
    sched.add_job(sched.resync_job, IntervalTrigger(minutes=RESYNC_MINUTES), id="resync", name="resync subscriptions")
    ops_jobs.install(sched, now)  # retention (bot/ops/jobs.py)
    sched.rebuild()
    sched.catch_up(now)
    return sched
