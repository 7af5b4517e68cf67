"""When a channel's digest is due: its local time in its IANA zone, DST included (pure).

The trigger is APScheduler's own CronTrigger, so what `next_fire`/`previous_fire` say is
exactly when the scheduler fires. On the spring-forward day a time that does not exist
locally (02:30 in New York) fires an hour later in local terms; on the fall-back day a
time that occurs twice fires twice, and the second is skipped because the digest is keyed
by its local date (`slot`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from bot.models import Subscription

# A digest missed while the bot was down is still sent when it comes back within this time;
# older ones are skipped (the next digest covers their articles).
GRACE = timedelta(hours=6)

_AT = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_at(text: str) -> tuple[int, int]:
    """'09:00' / '9:00' → (9, 0); raises ValueError with a readable reason."""
    m = _AT.match((text or "").strip())
    if not m:
        raise ValueError(f"bad time {text!r}: use 24-hour HH:MM, e.g. 09:00 or 17:30")
    return int(m.group(1)), int(m.group(2))


def normalize_at(text: str) -> str:
    h, m = parse_at(text)
    return f"{h:02d}:{m:02d}"


def check_tz(name: str) -> ZoneInfo:
    """The IANA zone named (e.g. Europe/Berlin, America/New_York, UTC); ValueError otherwise."""
    name = (name or "").strip()
    try:
        if not name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin, "
                         "America/New_York or UTC") from None


def trigger_for(sub: Subscription) -> CronTrigger:
    hour, minute = parse_at(sub.at)
    return CronTrigger(hour=hour, minute=minute, second=0, timezone=check_tz(sub.tz))


def next_fire(sub: Subscription, after: datetime) -> datetime:
    """The first time strictly after `after` at which the digest fires (aware, in its zone)."""
    # Arithmetic in UTC: a local time with fold=1 (the repeated hour) loses its fold when a
    # timedelta is added, which would step backwards.
    return trigger_for(sub).get_next_fire_time(None, utc(after) + timedelta(microseconds=1))


def next_fires(sub: Subscription, after: datetime, count: int) -> list[datetime]:
    out: list[datetime] = []
    trigger = trigger_for(sub)
    t = utc(after)
    for _ in range(count):
        t = trigger.get_next_fire_time(None, utc(t) + timedelta(microseconds=1))
        out.append(t)
    return out


def previous_fire(sub: Subscription, now: datetime) -> datetime | None:
    """The last time (UTC) at or before `now` at which the digest fired (looking back two days)."""
    trigger = trigger_for(sub)
    now = utc(now)
    t = trigger.get_next_fire_time(None, now - timedelta(days=2))
    last = None
    # compared in UTC: Python never finds a repeated-hour local time (fold=1) equal to a
    # time in another zone
    while t is not None and utc(t) <= now:
        last = utc(t)
        t = trigger.get_next_fire_time(None, utc(t) + timedelta(seconds=1))
    return last


def slot_of(sub: Subscription, fire: datetime) -> str:
    """The local date a scheduled digest belongs to: one scheduled digest a local day."""
    return fire.astimezone(check_tz(sub.tz)).date().isoformat()


def due_slot(sub: Subscription, now: datetime, grace: timedelta = GRACE) -> str | None:
    """The slot a scheduled run at `now` should post for, or None: nothing fired within the
    grace period, or that day's digest already ran."""
    fire = previous_fire(sub, now)
    if fire is None or now - fire > grace:
        return None
    slot = slot_of(sub, fire)
    if sub.last_scheduled_date == slot:
        return None
    return slot


def utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc)
