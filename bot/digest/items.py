"""What a digest item carries besides its text: the per-item menu's values, the group it is
shown under, and the value of the "Search the rest" button.

Why a menu: a digest item has three actions (Share…, Save for later, Not relevant), and a
message of five items with three buttons each is a wall of buttons; an overflow menu per
item is one small "⋯" and keeps every item one block (a message holds at most 50). The
menu's values are JSON the app writes; a click is a claim, checked again by the listener
(bot/slack/listeners/items.py) against the store. "Not relevant" keeps the value
bot/feedback.py writes, so one parser checks it whether it came from a button or a menu.

"Search the rest" lists, privately and page by page, the stories the digest left out of its
channel message, ranked as the digest ranked them (bot/slack/listeners/items.py).

Grouping: a digest covering several watchlists shows its top stories under the watchlist
they belong to, so a reader skips a whole subject at a glance. A story caught by several
goes under the one most of the top stories share (then the first by name); groups come in
the order of their best story, and stories keep their rank order inside a group.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from bot.controlvalue import dump, fit_names, load
from bot.digest.cluster import Story

ITEM_ACTION = "digest_item"  # the overflow menu on each digest item
SEARCH_ACTION = "digest_search"  # the "Search the rest" button under the channel message
ACTIONS = ("share", "save")
MAX_VALUE = 150  # a Block Kit option's value
MAX_BUTTON_VALUE = 2000


def action_value(action: str, article_id: int) -> str:
    """{"do": "share"|"save", "a": article id}: an option value of the item menu."""
    return dump({"do": action, "a": int(article_id)})


def parse_action_value(raw: object) -> tuple[str, int] | None:
    """(action, article id) from a menu value we could have written, else None (a "Not
    relevant" value, which bot/feedback.py parses, is None here too)."""
    value = load(raw, {"do", "a"}, MAX_VALUE)
    if value is None:
        return None
    action, article = value["do"], value["a"]
    if action not in ACTIONS or not isinstance(article, int) or isinstance(article, bool) or article <= 0:
        return None
    return action, article


def rest_value(watchlists: Sequence[str], start: int, end: int, top: int, offset: int = 0) -> str | None:
    """The "Search the rest" button's value: the digest's watchlists, its window (start, end,
    unix seconds) and how many stories its channel message showed, so a click lists the same
    stories the digest had left for the thread (and those beyond its full list), page by page.
    Not the query itself: watchlist queries run to thousands of characters, and a button's
    value holds 2000. Watchlist names that would not fit are left out."""
    names = fit_names(watchlists, lambda kept: {"w": kept, "s": start, "e": end, "t": top, "o": offset},
                      MAX_BUTTON_VALUE)
    if not names:
        return None
    return dump({"w": names, "s": int(start), "e": int(end), "t": int(top), "o": int(offset)})


def parse_rest_value(raw: object) -> dict | None:
    """The fields of a `rest_value` we could have written, else None."""
    value = load(raw, {"w", "s", "e", "t", "o"}, MAX_BUTTON_VALUE)
    if value is None:
        return None
    names = value["w"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and 0 < len(n) <= 64 for n in names):
        return None
    numbers = [value[k] for k in ("s", "e", "t", "o")]
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers) or value["s"] > value["e"]:
        return None
    if value["e"] - value["s"] > 32 * 86400 or value["t"] > 50:
        return None
    return value


def group_top(top: Sequence[Story]) -> tuple[list[Story], dict[int, str]]:
    """The top stories in display order and each one's group (index → watchlist name)."""
    shared = Counter(w for s in top for w in s.watchlists)
    names = [min(s.watchlists, key=lambda w: (-shared[w], w)) if s.watchlists else "" for s in top]
    first = {}
    for i, name in enumerate(names):
        first.setdefault(name, i)
    order = sorted(range(len(top)), key=lambda i: (first[names[i]], i))
    return [top[i] for i in order], {n: names[i] for n, i in enumerate(order)}
