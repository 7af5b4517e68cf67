"""The App Home tab: gather what it shows from the store, render, `views.publish`.

Published when a user opens the tab and again after they change something from it, so
what they see follows their own changes at once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.digest.schedule import next_fire
from bot.slack import blocks
from bot.slack.deps import Deps
from bot.tuning import watch_stats

log = logging.getLogger("aibrief.slack.home")


def schedule_rows(deps: Deps, now: datetime) -> list[blocks.ScheduleRow]:
    """Every channel's digest subscription with its next run (as the scheduler computes it);
    people's personal DM digests are not listed."""
    rows = []
    muted: dict[str, list[str]] = {}
    for m in deps.store.channel_mutes():
        muted.setdefault(m.channel, []).append(m.source)
    for sub in deps.store.list_subscriptions():
        if sub.personal:  # a person's own DM digest is theirs: `/aibrief digest me` shows it
            continue
        try:
            nxt = next_fire(sub, now) if sub.enabled else None
        except ValueError:  # a zone the tz database no longer knows
            nxt = None
        rows.append(blocks.ScheduleRow(channel=sub.channel, at=sub.at, tz=sub.tz, next_run=nxt,
                                       enabled=sub.enabled, last_error=sub.last_error,
                                       muted=tuple(muted.get(sub.channel, ()))))
    return sorted(rows, key=lambda r: (r.next_run is None, r.next_run or now, r.channel))


def home_view(deps: Deps, user: str, client, now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    store = deps.store
    is_admin = deps.admin_check.is_admin(user, client)
    # Votes and tuning figures are for the admins who tune watchlists: only they get them.
    stats = {st.name: st for st in watch_stats(store, now=int(now.timestamp()))} if is_admin else None
    return blocks.home_view(
        store.list_watchlists(),
        store.watchlist_match_counts(),
        store.list_feeds(),
        schedule_rows(deps, now),
        is_admin=is_admin,
        now=now,
        stats=stats,
        saved=(store.saved_articles(user, limit=blocks.HOME_SAVED_MAX), store.saved_count(user)),
    )


def publish_home(deps: Deps, user: str, client) -> bool:
    try:
        client.views_publish(user_id=user, view=home_view(deps, user, client))
        return True
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("views.publish for %s failed: %s", user, exc)
        return False
