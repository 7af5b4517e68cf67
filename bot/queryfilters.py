"""Search filters: the `key:value` terms of a query that narrow or order the results and
never match text (`since:2025-03-01`, `until:2025-03-31`, `newer:7d`, `sort:new`,
`language:fr`).

Kept apart from the grammar (bot/query.py) so that a filter is one entry in FILTERS: the
lexer recognises any name listed there, hands the value to its validator and reports the
validator's message at the term's position. A validator takes the text after the colon
and returns the value search uses, or raises ValueError with a sentence the user can act
on. `window()` turns the parsed filters into the published-time range the store applies.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Mapping

from bot.language import language_of, supported

SORTS = ("relevance", "new")
_AGE = re.compile(r"^(\d{1,5})([hdw])$")
_AGE_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
MAX_AGE = timedelta(days=36500)


def _date(value: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("write the date as YYYY-MM-DD, e.g. 2025-03-01")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a calendar date (YYYY-MM-DD, e.g. 2025-03-01)") from None


def _age(value: str) -> timedelta:
    m = _AGE.match(value.lower())
    if not m:
        raise ValueError("write an age as a number and h, d or w (hours, days, weeks), e.g. newer:7d")
    age = int(m.group(1)) * _AGE_UNITS[m.group(2)]
    if not timedelta(0) < age <= MAX_AGE:
        raise ValueError("the age must be more than zero and at most 100 years, e.g. newer:7d")
    return age


def _sort(value: str) -> str:
    value = value.lower()
    if value not in SORTS:
        raise ValueError("sort:new lists newest first; sort:relevance (the default) best first")
    return value


def _language(value: str) -> str:
    code = value.lower()
    known = supported()
    if code not in known:
        raise ValueError("not a language this index knows: write language:xx with one of " + ", ".join(known))
    return code


# name → validator. A new filter is one line here (and its use in bot/search.py).
FILTERS: dict[str, Callable[[str], Any]] = {
    "since": _date,  # published on or after this UTC date
    "until": _date,  # published on or before this UTC date (the whole day)
    "newer": _age,  # published within this long before now
    "sort": _sort,  # relevance (default) or new
    "language": _language,  # written in this language (bot/language.py), as detected at ingest
}
# Filters that may be given more than once; parse_search gives their values as a tuple (an
# article in any of the languages qualifies). The others may be given once.
REPEATABLE = frozenset({"language"})


def window(filters: Mapping[str, Any], now: datetime) -> tuple[int | None, int | None]:
    """The inclusive range of `published` (Unix seconds) the date filters allow; None: open."""
    lows, high = [], None
    if "since" in filters:
        lows.append(datetime.combine(filters["since"], datetime.min.time(), timezone.utc))
    if "newer" in filters:
        lows.append(now - filters["newer"])
    if "until" in filters:
        high = int(datetime.combine(filters["until"] + timedelta(days=1), datetime.min.time(), timezone.utc).timestamp()) - 1
    low = int(max(lows).timestamp()) if lows else None
    return low, high


def describe(filters: Mapping[str, Any]) -> str:
    """The filters in words, for a reply that found nothing ("since 2025-03-01, newest first")."""
    parts = []
    if "since" in filters:
        parts.append(f"since {filters['since'].isoformat()}")
    if "until" in filters:
        parts.append(f"until {filters['until'].isoformat()}")
    if "newer" in filters:
        age: timedelta = filters["newer"]
        parts.append(f"in the last {age.days} days" if age.seconds == 0 else f"in the last {int(age.total_seconds() // 3600)} hours")
    if filters.get("language"):
        parts.append("in " + " or ".join(language_of(c).name for c in filters["language"]))
    if filters.get("sort") == "new":
        parts.append("newest first")
    return ", ".join(parts)
