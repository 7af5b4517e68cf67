"""The JSON values the app writes into Slack controls (menu options, buttons), and reading
them back.

A value comes back in a click that anyone can craft, so reading one is strict: a string no
longer than the control allows, JSON, an object with exactly the keys we write; anything else
is None. Checking what the fields say (ids, names, windows) stays with each control's own
parser. Writing is compact JSON, and lists of watchlist names are cut to what the control
holds rather than failing."""

from __future__ import annotations

import json
from typing import Callable, Sequence


def dump(value: dict) -> str:
    return json.dumps(value, separators=(",", ":"))


def fit_names(names: Sequence[str], value_with: Callable[[list[str]], dict], limit: int) -> list[str]:
    """The leading `names` whose value (`value_with(names)`) stays within `limit`
    characters: the first that would not fit and all after it are left out."""
    kept: list[str] = []
    for name in names:
        if len(dump(value_with(kept + [name]))) > limit:
            break
        kept.append(name)
    return kept


def load(raw: object, keys: set[str], limit: int) -> dict | None:
    """The object a value we could have written holds (exactly `keys`), else None."""
    if not isinstance(raw, str) or len(raw) > limit:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, dict) or set(value) != keys:
        return None
    return value
