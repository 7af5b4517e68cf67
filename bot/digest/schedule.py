"""When a channel's digest is due: its local time in its IANA zone, on its days, DST included (pure).

A subscription runs every day (`days` empty), on chosen days (`days` "mon,tue,wed,thu,fri",
parsed from `mon-fri`, `mon,thu`, `weekdays` …), or weekly (`weekly` with one day): a weekly
digest covers the week since the last one and waits longer for a missed run (LONG_GRACE),
since skipping it costs a whole week.

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
LONG_GRACE = timedelta(hours=24)  # a weekly digest: the next one is a week away
# previous_fire looks this far back: more than a week, so a weekly schedule's last run is found.
LOOKBACK = timedelta(days=8)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {**{d: d for d in DAYS}, "monday": "mon", "tuesday": "tue", "tues": "tue", "wednesday": "wed",
              "thursday": "thu", "thur": "thu", "thurs": "thu", "friday": "fri", "saturday": "sat",
              "sunday": "sun"}
_DAY_WORDS = {"weekdays": "mon-fri", "weekends": "sat-sun", "weekend": "sat-sun"}
_EVERY_DAY = {"daily", "everyday", "every-day", "all", "mon-sun", "*"}
DAYS_HELP = "use mon … sun, a range such as mon-fri, a list such as mon,thu, weekdays or daily"

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


def _day(word: str, whole: str) -> str:
    day = _DAY_NAMES.get(word)
    if day is None:
        raise ValueError(f"bad day {word!r} in {whole!r}: {DAYS_HELP}")
    return day


def parse_days(text: str) -> str:
    """'mon-fri' / 'mon,thu' / 'weekdays' / 'daily' → the days in week order as CronTrigger
    takes them ("mon,tue,wed,thu,fri"), "" for every day; ValueError naming the bad part."""
    whole = (text or "").strip()
    value = _DAY_WORDS.get(whole.lower(), whole.lower())
    if value in _EVERY_DAY:
        return ""
    chosen: set[str] = set()
    for part in value.split(","):
        part = part.strip()
        if not part:
            raise ValueError(f"bad days {whole!r}: {DAYS_HELP}")
        if "-" in part:
            first, _, last = part.partition("-")
            a, b = DAYS.index(_day(first.strip(), whole)), DAYS.index(_day(last.strip(), whole))
            # a range may wrap around the week end: fri-mon is fri, sat, sun, mon
            chosen.update(DAYS[(a + i) % 7] for i in range((b - a) % 7 + 1))
        else:
            chosen.add(_day(part, whole))
    return "" if len(chosen) == 7 else ",".join(d for d in DAYS if d in chosen)


def parse_weekly(text: str) -> str:
    """'fri' / 'Friday' → "fri": the one day a weekly digest goes out."""
    whole = (text or "").strip()
    if not whole:
        raise ValueError(f"a weekly digest needs its day: {DAYS_HELP.split(', a range')[0]}")
    return _day(whole.lower(), whole)


def is_day_spec(word: str) -> bool:
    """Whether a word of a Slack command is meant as days (mon-fri, mon,thu, weekdays, daily):
    each of its parts names a day, or it is one of the day words. A word with one good part
    and one bad one (mon,tuz) counts, so the user gets told what is wrong with it."""
    w = (word or "").strip().lower()
    if w in _DAY_WORDS or w in _EVERY_DAY - {"all", "*"}:
        return True
    parts = [p.strip() for chunk in w.split(",") for p in chunk.split("-")]
    return any(p in _DAY_NAMES for p in parts) and ("," in w or "-" in w or w in _DAY_NAMES)


def describe_days(sub: Subscription) -> str:
    """How a person reads the schedule's days: "daily", "weekdays", "Mon, Thu", "weekly on Fri"."""
    if sub.weekly and sub.days:
        return f"weekly on {sub.days.capitalize()}"
    if not sub.days:
        return "daily"
    if sub.days == "mon,tue,wed,thu,fri":
        return "weekdays"
    return ", ".join(d.capitalize() for d in sub.days.split(","))


def grace_for(sub: Subscription) -> timedelta:
    return LONG_GRACE if sub.weekly else GRACE


def trigger_for(sub: Subscription) -> CronTrigger:
    hour, minute = parse_at(sub.at)
    days = getattr(sub, "days", "") or None
    return CronTrigger(day_of_week=days, hour=hour, minute=minute, second=0, timezone=check_tz(sub.tz))


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
    """The last time (UTC) at or before `now` at which the digest fired (looking back LOOKBACK)."""
    trigger = trigger_for(sub)
    now = utc(now)
    t = trigger.get_next_fire_time(None, now - LOOKBACK)
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


def period(sub: Subscription, now: datetime) -> timedelta:
    """How long the schedule's latest gap is at `now`: from the run before the latest one to
    the latest (or the next two, before the first run). A day for a daily digest, three days
    on a Monday of a mon-fri one, a week (± the DST hour) for a weekly one; a first digest
    covers this, so a weekly digest's first issue covers the week, not a day."""
    trigger = trigger_for(sub)
    last = previous_fire(sub, now)
    if last is not None:
        before = previous_fire(sub, last - timedelta(seconds=1))
        if before is not None:
            return last - before
    first = next_fire(sub, now)
    return utc(trigger.get_next_fire_time(None, utc(first) + timedelta(seconds=1))) - utc(first)


def due_slot(sub: Subscription, now: datetime, grace: timedelta | None = None) -> str | None:
    """The slot a scheduled run at `now` should post for, or None: nothing fired within the
    grace period (the subscription's own, `grace_for`), or that day's digest already ran."""
    grace = grace_for(sub) if grace is None else grace
    fire = previous_fire(sub, now)
    if fire is None or now - fire > grace:
        return None
    slot = slot_of(sub, fire)
    if sub.last_scheduled_date == slot:
        return None
    return slot


def utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc)
