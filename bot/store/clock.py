"""The store keeps every time as whole seconds since the epoch, UTC; these convert.
One module so each table's queries (base.py and the subject mixins) read times the same way."""

from __future__ import annotations

from datetime import datetime, timezone


def to_ts(dt: datetime | None) -> int | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp())


def from_ts(ts: int | float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(int(ts), tz=timezone.utc)


def now_ts() -> int:
    return int(datetime.now(timezone.utc).timestamp())
