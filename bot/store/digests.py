"""SQL for digest subscriptions, digest runs and the articles sent to each channel.

A mixin of `Store` (see base.py), kept in its own file because it is its own subject.
Portable SQL with `?` placeholders; backend hooks stay in the backend classes.

Exactly-once rests on three rules kept here:
- a run is written with its whole message plan, and the articles it covers are reserved for
  its channel (digest_items), in one transaction *before* anything is posted;
- a message is marked attempted before its API call and gets its Slack ts right after, so a
  resumed run knows which messages are certainly posted, certainly not, or need a look-up;
- a run is posted only by the process holding its lease, so two processes never post it at once.
"""

from __future__ import annotations

import json
import secrets
from typing import Callable, Iterable, Sequence

from bot.models import DigestCandidate, DigestRun, Subscription
from bot.store.feedstate import DISPLAY_JOIN, DISPLAY_SUMMARY
from bot.store.clock import from_ts, now_ts
from bot.store.where import and_where, where

# How many channel failures in a row (not_in_channel, channel_not_found, …) switch a
# subscription off; each is one attempt a day, so a deleted channel stops costing calls.
MAX_CHANNEL_FAILURES = 3
# Candidate articles considered for one digest, newest first: bounds clustering work.
MAX_CANDIDATES = 1000


class RunConflict(Exception):
    """Another digest for this channel took the same window or some of the same articles."""


class SlotTaken(Exception):
    """The scheduled digest for this channel and local date already ran (or is running)."""


SUB_COLUMNS = (
    "channel, at_time, tz, watchlists, template, max_items, post_empty, enabled, last_window_end, "
    "last_scheduled_date, last_error, last_error_at, error_count, created_by, updated_by, days, weekly"
)


def _sub(row: Sequence) -> Subscription:
    wl = json.loads(row[3]) if row[3] is not None else None
    return Subscription(
        channel=row[0],
        at=row[1],
        tz=row[2],
        watchlists=tuple(wl) if wl is not None else None,
        template=row[4],
        max_items=row[5],
        post_empty=bool(row[6]),
        enabled=bool(row[7]),
        last_window_end=from_ts(row[8]),
        last_scheduled_date=row[9],
        last_error=row[10],
        last_error_at=from_ts(row[11]),
        error_count=row[12],
        created_by=row[13],
        updated_by=row[14],
        days=row[15] or "",
        weekly=bool(row[16]),
    )


RUN_COLUMNS = (
    "id, run_key, channel, window_start, window_end, status, plan, template, item_count, "
    "created_at, finished_at, error, attempts"
)


# Candidates a digest's recipient (a channel, or a person's DM by their user ID) has not been sent.
NOT_SENT = "NOT EXISTS (SELECT 1 FROM digest_items d WHERE d.channel = ? AND d.article_id = a.id)"


def published_between(since: int | None, until: int | None) -> tuple[tuple[str, int | None], ...]:
    """A digest window's optional bounds on the published date (`until` exclusive), for `and_where`."""
    return ("a.published >= ?", since), ("a.published < ?", until)


def candidates(rows: Sequence[tuple], limit: int, label: Callable[[str], str] = str) -> list[DigestCandidate]:
    """Rows of (id, url, title, summary, source, published, fetched, feed_id, matched by,
    score[, lead]), one per match and newest article first, as at most `limit` candidates,
    each with everything that matched it (`label`led) and its best score. Rows without a lead
    column give candidates without one."""
    by_id: dict[int, list] = {}
    for r in rows:
        entry = by_id.get(r[0])
        if entry is None:
            if len(by_id) >= limit:
                continue
            by_id[r[0]] = entry = [r, [], float("-inf")]
        entry[1].append(label(r[8]))
        entry[2] = max(entry[2], float(r[9]))
    return [
        DigestCandidate(
            article_id=r[0], url=r[1], title=r[2], summary=r[3], source=r[4], published=from_ts(r[5]),
            fetched=from_ts(r[6]), feed_id=r[7], watchlists=tuple(sorted(set(names))), score=score,
            lead=(r[10] if len(r) > 10 else None) or "",
        )
        for r, names, score in by_id.values()
    ]


class DigestQueries:
    """Subscriptions, candidate selection, digest runs and sent items (mixed into Store)."""

    # ---- subscriptions ---------------------------------------------------------------------
    def get_subscription(self, channel: str) -> Subscription | None:
        rows = self._all(f"SELECT {SUB_COLUMNS} FROM subscriptions WHERE channel = ?", (channel,))
        return _sub(rows[0]) if rows else None

    def list_subscriptions(self, *, enabled_only: bool = False) -> list[Subscription]:
        sql = f"SELECT {SUB_COLUMNS} FROM subscriptions"
        if enabled_only:
            sql += " WHERE enabled = 1"
        return [_sub(r) for r in self._all(sql + " ORDER BY channel")]

    def save_subscription(
        self, sub: Subscription, *, actor: str = "", now: int | None = None
    ) -> tuple[Subscription | None, Subscription]:
        """Add or update a channel's subscription; returns (before, after) for the audit log.

        An update keeps the channel's history (last window, scheduled date) and clears its
        error state: an admin changing the subscription is the signal to try again.
        """
        now = now or now_ts()
        wl = json.dumps(list(sub.watchlists)) if sub.watchlists is not None else None
        with self.transaction() as tx:
            rows = tx.all(f"SELECT {SUB_COLUMNS} FROM subscriptions WHERE channel = ?", (sub.channel,))
            before = _sub(rows[0]) if rows else None
            if before is None:
                tx.run(
                    "INSERT INTO subscriptions(channel, at_time, tz, watchlists, template, max_items, "
                    "post_empty, enabled, created_at, created_by, updated_at, updated_by, days, weekly) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (sub.channel, sub.at, sub.tz, wl, sub.template, sub.max_items, int(sub.post_empty),
                     int(sub.enabled), now, actor, now, actor, sub.days, int(sub.weekly)),
                )
            else:
                tx.run(
                    "UPDATE subscriptions SET at_time = ?, tz = ?, watchlists = ?, template = ?, "
                    "max_items = ?, post_empty = ?, enabled = ?, last_error = NULL, last_error_at = NULL, "
                    "error_count = 0, updated_at = ?, updated_by = ?, days = ?, weekly = ? WHERE channel = ?",
                    (sub.at, sub.tz, wl, sub.template, sub.max_items, int(sub.post_empty), int(sub.enabled),
                     now, actor, sub.days, int(sub.weekly), sub.channel),
                )
            after = _sub(tx.all(f"SELECT {SUB_COLUMNS} FROM subscriptions WHERE channel = ?", (sub.channel,))[0])
        return before, after

    def remove_subscription(self, channel: str) -> Subscription | None:
        """Delete a channel's subscription; its runs and sent items stay (history, no re-sends)."""
        with self.transaction() as tx:
            rows = tx.all(f"SELECT {SUB_COLUMNS} FROM subscriptions WHERE channel = ?", (channel,))
            if not rows:
                return None
            tx.run("DELETE FROM subscriptions WHERE channel = ?", (channel,))
        return _sub(rows[0])

    def record_subscription_error(self, channel: str, error: str, *, now: int | None = None,
                                  disable_after: int = MAX_CHANNEL_FAILURES) -> Subscription | None:
        """Record why a channel's digest failed; after `disable_after` failures in a row the
        subscription is switched off (an admin re-enables it by changing it)."""
        now = now or now_ts()
        with self.transaction() as tx:
            tx.run(
                "UPDATE subscriptions SET last_error = ?, last_error_at = ?, error_count = error_count + 1, "
                "enabled = CASE WHEN error_count + 1 >= ? THEN 0 ELSE enabled END WHERE channel = ?",
                (error[:500], now, disable_after, channel),
            )
            rows = tx.all(f"SELECT {SUB_COLUMNS} FROM subscriptions WHERE channel = ?", (channel,))
        return _sub(rows[0]) if rows else None

    def note_subscription_problem(self, channel: str, text: str, *, now: int | None = None) -> None:
        """Show admins a problem that did not stop the digest (a broken template it fell back from)."""
        with self.transaction() as tx:
            tx.run(
                "UPDATE subscriptions SET last_error = ?, last_error_at = ? WHERE channel = ?",
                (text[:500], now or now_ts(), channel),
            )

    # ---- selection ----------------------------------------------------------------------------
    def digest_window_end(self, channel: str) -> int | None:
        """The end of the last window this channel's digest covered (subscribed or not)."""
        row = self._all(
            "SELECT MAX(window_end) FROM digest_runs WHERE channel = ? AND status = 'done'", (channel,)
        )
        last_run = row[0][0] if row else None
        sub = self._all("SELECT last_window_end FROM subscriptions WHERE channel = ?", (channel,))
        last_sub = sub[0][0] if sub else None
        values = [v for v in (last_run, last_sub) if v is not None]
        return max(values) if values else None

    def digest_candidates(
        self,
        channel: str | None,
        watchlists: Iterable[str] | None,
        *,
        fetched_after: int,
        fetched_until: int,
        published_since: int | None = None,
        published_until: int | None = None,
        limit: int = MAX_CANDIDATES,
    ) -> list[DigestCandidate]:
        """Articles stored in (fetched_after, fetched_until] that the given watchlists (None:
        all) matched and that `channel` has not been sent, with the names of the watchlists
        that matched each and its best match score; newest first, at most `limit`.
        `published_until` (exclusive) bounds a preview window placed by published date."""
        params: list = [fetched_after, fetched_until]
        sql = (
            # The feed's own teaser when the stored summary carries a fetched page (bot/store/feedstate.py).
            f"SELECT a.id, a.url, a.title, {DISPLAY_SUMMARY}, a.source, a.published, a.fetched, a.feed_id, "
            "w.name, m.score, a.lead FROM matches m "
            "JOIN articles a ON a.id = m.article_id "
            f"{DISPLAY_JOIN} "
            "JOIN watchlists w ON w.id = m.watchlist_id "
            "WHERE a.fetched > ? AND a.fetched <= ?"
        )
        sql = and_where(sql, params, *published_between(published_since, published_until))
        if watchlists is not None:
            names = list(watchlists)
            if not names:
                return []
            sql += f" AND w.name IN ({','.join('?' * len(names))})"
            params += names
        sql = and_where(sql, params, (NOT_SENT, channel))
        sql += " ORDER BY a.published DESC, a.id DESC"
        return candidates(self._all(sql, params), limit)

    def sent_article_ids(self, channel: str) -> set[int]:
        return {r[0] for r in self._all("SELECT article_id FROM digest_items WHERE channel = ?", (channel,))}

    # ---- runs -----------------------------------------------------------------------------------
    def create_digest_run(
        self,
        channel: str,
        *,
        window_start: int,
        window_end: int,
        plan: list[dict],
        article_ids: Sequence[int],
        template: str = "",
        slot: str | None = None,
        now: int | None = None,
    ) -> DigestRun:
        """Write a run, its planned messages and its reserved articles in one transaction.

        Raises RunConflict when another run has this window or any of these articles (the
        caller selects again), SlotTaken when `slot` (the scheduled local date) already ran.
        """
        now = now or now_ts()
        key = secrets.token_hex(8)
        with self.transaction() as tx:
            if slot is not None:
                self._claim_slot(tx, channel, slot)
            if tx.all("SELECT 1 FROM digest_runs WHERE channel = ? AND window_end = ?", (channel, window_end)):
                raise RunConflict(f"a digest for {channel} ending at {window_end} already exists")
            # ON CONFLICT: a run for this window that another process is writing right now
            # (invisible to the SELECT above until it commits) is a RunConflict too, not a
            # unique-key error (PostgreSQL lets two writers reach this line at once).
            rows = tx.all(
                "INSERT INTO digest_runs(run_key, channel, window_start, window_end, status, template, plan, "
                "item_count, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?) "
                "ON CONFLICT (channel, window_end) DO NOTHING RETURNING id",
                (key, channel, window_start, window_end, template, json.dumps(plan, ensure_ascii=False),
                 len(article_ids), now),
            )
            if not rows:
                raise RunConflict(f"a digest for {channel} ending at {window_end} already exists")
            run_id = rows[0][0]
            for seq, message in enumerate(plan):
                tx.run(
                    "INSERT INTO digest_messages(run_id, seq, thread) VALUES (?, ?, ?)",
                    (run_id, seq, 1 if message.get("thread") else 0),
                )
            for aid in article_ids:
                if not tx.run(
                    "INSERT INTO digest_items(channel, article_id, run_id) VALUES (?, ?, ?) "
                    "ON CONFLICT (channel, article_id) DO NOTHING",
                    (channel, aid, run_id),
                ):
                    raise RunConflict(f"article {aid} is already in another digest for {channel}")
            return self._run(tx, run_id)

    def record_empty_digest(self, channel: str, *, window_end: int, slot: str | None = None) -> None:
        """A digest with nothing to post still covers its window (and uses its scheduled slot)."""
        with self.transaction() as tx:
            if slot is not None:
                self._claim_slot(tx, channel, slot)
            tx.run(
                "UPDATE subscriptions SET last_window_end = CASE WHEN last_window_end IS NULL "
                "OR last_window_end < ? THEN ? ELSE last_window_end END WHERE channel = ?",
                (window_end, window_end, channel),
            )

    def _claim_slot(self, tx, channel: str, slot: str) -> None:
        n = tx.run(
            "UPDATE subscriptions SET last_scheduled_date = ? WHERE channel = ? "
            "AND (last_scheduled_date IS NULL OR last_scheduled_date <> ?)",
            (slot, channel, slot),
        )
        if not n:
            raise SlotTaken(f"the scheduled digest for {channel} on {slot} already ran")

    def _run(self, tx, run_id: int) -> DigestRun | None:
        rows = tx.all(f"SELECT {RUN_COLUMNS} FROM digest_runs WHERE id = ?", (run_id,))
        if not rows:
            return None
        r = rows[0]
        posted: dict[int, str] = {}
        attempted: set[int] = set()
        for seq, ts, attempted_at in tx.all(
            "SELECT seq, ts, attempted_at FROM digest_messages WHERE run_id = ? ORDER BY seq", (run_id,)
        ):
            if ts is not None:
                posted[seq] = ts
            if attempted_at is not None:
                attempted.add(seq)
        return DigestRun(
            id=r[0],
            key=r[1],
            channel=r[2],
            window_start=from_ts(r[3]),
            window_end=from_ts(r[4]),
            status=r[5],
            plan=json.loads(r[6]),
            template=r[7],
            item_count=r[8],
            created_at=from_ts(r[9]),
            finished_at=from_ts(r[10]),
            error=r[11],
            attempts=r[12],
            posted=posted,
            attempted=frozenset(attempted),
        )

    def get_digest_run(self, run_id: int) -> DigestRun | None:
        with self.transaction() as tx:
            return self._run(tx, run_id)

    def digest_runs(self, channel: str | None = None, *, status: str | None = None,
                    limit: int = 50) -> list[DigestRun]:
        clause, params = where(("channel = ?", channel), ("status = ?", status))
        ids = [r[0] for r in self._all(f"SELECT id FROM digest_runs{clause} ORDER BY id DESC LIMIT ?", [*params, limit])]
        with self.transaction() as tx:
            return [self._run(tx, i) for i in ids]

    def unfinished_digest_runs(self, channel: str | None = None) -> list[DigestRun]:
        """Runs recorded but not finished (a crash or Slack outage mid-digest), oldest first."""
        return sorted(self.digest_runs(channel, status="pending", limit=1000), key=lambda r: r.id)

    def claim_digest_run(self, run_id: int, owner: str, *, lease_seconds: int, now: int | None = None) -> bool:
        """Take (or renew) the right to post this run; False while another owner holds it."""
        now = now or now_ts()
        with self.transaction() as tx:
            n = tx.run(
                "UPDATE digest_runs SET lease_owner = ?, lease_until = ? WHERE id = ? AND status = 'pending' "
                "AND (lease_owner IS NULL OR lease_owner = ? OR lease_until IS NULL OR lease_until < ?)",
                (owner, now + lease_seconds, run_id, owner, now),
            )
        return bool(n)

    def digest_run_lease_owner(self, run_id: int) -> str | None:
        """Who holds the run's lease (None when nobody does or it has expired)."""
        rows = self._all(
            "SELECT lease_owner FROM digest_runs WHERE id = ? AND lease_until >= ?", (run_id, now_ts())
        )
        return rows[0][0] if rows else None

    def take_over_digest_run(self, run_id: int, stale_owner: str, owner: str, *, lease_seconds: int,
                             now: int | None = None) -> bool:
        """Take the lease from `stale_owner` (a process known to be gone), only if it still holds it."""
        now = now or now_ts()
        with self.transaction() as tx:
            n = tx.run(
                "UPDATE digest_runs SET lease_owner = ?, lease_until = ? WHERE id = ? AND status = 'pending' "
                "AND lease_owner = ?",
                (owner, now + lease_seconds, run_id, stale_owner),
            )
        return bool(n)

    def release_digest_run(self, run_id: int, owner: str) -> None:
        with self.transaction() as tx:
            tx.run(
                "UPDATE digest_runs SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
                (run_id, owner),
            )

    def mark_digest_message_attempt(self, run_id: int, seq: int, *, now: int | None = None) -> None:
        with self.transaction() as tx:
            tx.run(
                "UPDATE digest_messages SET attempted_at = ? WHERE run_id = ? AND seq = ?",
                (now or now_ts(), run_id, seq),
            )

    def record_digest_message(self, run_id: int, seq: int, ts: str, *, now: int | None = None) -> None:
        with self.transaction() as tx:
            tx.run(
                "UPDATE digest_messages SET ts = ?, posted_at = ?, attempted_at = COALESCE(attempted_at, ?) "
                "WHERE run_id = ? AND seq = ?",
                (ts, now or now_ts(), now or now_ts(), run_id, seq),
            )

    def note_digest_run_error(self, run_id: int, error: str) -> None:
        """A transient failure: the run stays pending (resumed later) with its last error."""
        with self.transaction() as tx:
            tx.run(
                "UPDATE digest_runs SET error = ?, attempts = attempts + 1 WHERE id = ?", (error[:500], run_id)
            )

    def finish_digest_run(self, run_id: int, *, now: int | None = None) -> None:
        """All messages posted: the channel's window moves on and its error state clears."""
        now = now or now_ts()
        with self.transaction() as tx:
            rows = tx.all("SELECT channel, window_end FROM digest_runs WHERE id = ?", (run_id,))
            if not rows:
                return
            channel, window_end = rows[0]
            tx.run(
                "UPDATE digest_runs SET status = 'done', finished_at = ?, error = NULL, lease_owner = NULL, "
                "lease_until = NULL WHERE id = ?",
                (now, run_id),
            )
            tx.run(
                "UPDATE subscriptions SET last_window_end = CASE WHEN last_window_end IS NULL "
                "OR last_window_end < ? THEN ? ELSE last_window_end END, last_error = NULL, "
                "last_error_at = NULL, error_count = 0 WHERE channel = ?",
                (window_end, window_end, channel),
            )

    def fail_digest_run(self, run_id: int, error: str, *, now: int | None = None) -> None:
        """Give a run up. If none of it reached Slack its articles are released, so the
        channel's next digest includes them; otherwise they count as sent."""
        now = now or now_ts()
        with self.transaction() as tx:
            posted = tx.all(
                "SELECT COUNT(*) FROM digest_messages WHERE run_id = ? AND ts IS NOT NULL", (run_id,)
            )[0][0]
            tx.run(
                "UPDATE digest_runs SET status = 'failed', finished_at = ?, error = ?, lease_owner = NULL, "
                "lease_until = NULL WHERE id = ?",
                (now, error[:500], run_id),
            )
            if not posted:
                tx.run("DELETE FROM digest_items WHERE run_id = ?", (run_id,))
