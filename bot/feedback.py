"""Readers' "Not relevant": the control every digest item carries, and what a click records.

The control's value names the article and the watchlists that put it in the digest. It comes
back from Slack in a signed request, but anyone can craft a button click with any value, so
the value is only a claim: a vote is stored only for watchlists that exist and matched that
article, which was posted in a digest to the channel the click came from (the channel is
Slack's, not the value's). Anything else is refused without a word and changes nothing.

A vote is counted once per (user, article, watchlist, channel); clicking again changes
nothing. Votes never change a watchlist by themselves: admins see them (`aibrief watch
stats`, the App Home) and decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from bot.controlvalue import dump, fit_names, load

ACTION_NOT_RELEVANT = "digest_not_relevant"
# Block Kit's limit for a select option's value (a button's is 2000): one value fits both.
MAX_VALUE = 150
MAX_WATCHLISTS = 20
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")  # bot.admin.NAME_RE


def button_value(article_id: int, watchlists: Sequence[str]) -> str:
    """The control's value: {"a": article id, "w": [watchlist names]}, at most MAX_VALUE
    characters (names that would not fit are left out; the first always fits)."""
    names = fit_names(watchlists, lambda kept: {"a": article_id, "w": kept}, MAX_VALUE)
    return dump({"a": article_id, "w": names})


def parse_value(raw: object) -> tuple[int, list[str]] | None:
    """(article id, watchlist names) from a control's value, or None when it is not one we
    could have written."""
    value = load(raw, {"a", "w"}, MAX_VALUE)
    if value is None:
        return None
    article, names = value["a"], value["w"]
    if not isinstance(article, int) or isinstance(article, bool) or article <= 0:
        return None
    if not isinstance(names, list) or not 0 < len(names) <= MAX_WATCHLISTS:
        return None
    if not all(isinstance(n, str) and _NAME.match(n) for n in names):
        return None
    return article, list(dict.fromkeys(names))


@dataclass(frozen=True)
class VoteResult:
    status: str  # "recorded", "already" (nothing changed) or "refused" (nothing changed)
    article_id: int = 0
    watchlists: tuple[str, ...] = ()
    title: str = ""


def not_relevant(store, user: str, channel: str | None, raw_value: object, *, now: int | None = None) -> VoteResult:
    """Record `user`'s "not relevant" click from `channel` on the control with `raw_value`."""
    parsed = parse_value(raw_value)
    if parsed is None or not user or not channel:
        return VoteResult("refused")
    article_id, names = parsed
    if channel == store.dm_channel(user):  # the clicker's personal digest: kept under their user ID
        channel = user
    targets = store.vote_targets(article_id, names, channel)
    if not targets:
        return VoteResult("refused", article_id)
    added = store.record_votes(user, article_id, targets, channel, now=now)
    title = (store.get_articles([article_id]).get(article_id) or {}).get("title", "")
    return VoteResult("recorded" if added else "already", article_id, tuple(targets), title)
