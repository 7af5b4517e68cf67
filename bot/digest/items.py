"""What a digest item carries besides its text: the per-item menu's values, the group it is
shown under, and the value of the "Search the rest" button.

Why a menu: a digest item has three actions (Share…, Save for later, Not relevant), and a
message of five items with three buttons each is a wall of buttons; an overflow menu per
item is one small "⋯" and keeps every item one block (a message holds at most 50). The
menu's values are JSON the app writes; a click is a claim, checked again by the listener
(bot/slack/listeners/items.py) against the store. "Not relevant" keeps the value
bot/feedback.py writes, so one parser checks it whether it came from a button or a menu.

Grouping: a digest covering several watchlists shows its top stories under the watchlist
they belong to, so a reader skips a whole subject at a glance. A story caught by several
goes under the one most of the top stories share (then the first by name); groups come in
the order of their best story, and stories keep their rank order inside a group.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Sequence

from bot.digest.cluster import Story

ITEM_ACTION = "digest_item"  # the overflow menu on each digest item
SEARCH_ACTION = "digest_search"  # the "Search the rest" button under the channel message
ACTIONS = ("share", "save")
MAX_VALUE = 150  # a Block Kit option's value
MAX_BUTTON_VALUE = 2000


def action_value(action: str, article_id: int) -> str:
    """{"do": "share"|"save", "a": article id}: an option value of the item menu."""
    return json.dumps({"do": action, "a": int(article_id)}, separators=(",", ":"))


def parse_action_value(raw: object) -> tuple[str, int] | None:
    """(action, article id) from a menu value we could have written, else None (a "Not
    relevant" value, which bot/feedback.py parses, is None here too)."""
    if not isinstance(raw, str) or len(raw) > MAX_VALUE:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, dict) or set(value) != {"do", "a"}:
        return None
    action, article = value["do"], value["a"]
    if action not in ACTIONS or not isinstance(article, int) or isinstance(article, bool) or article <= 0:
        return None
    return action, article


def search_value(query: str | None) -> str | None:
    """The "Search the rest" button's value ({"q": query, "o": 0}, as search paging writes
    it), or None when there is no query or it would not fit a button."""
    if not query:
        return None
    # `<`, `>` and `&` as JSON escapes: the value is never shown, but a digest carries no
    # Slack markup a helper did not make (bot/digest/render.py scans every string for it)
    value = json.dumps({"q": query, "o": 0}, ensure_ascii=False)
    value = value.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return value if len(value) <= MAX_BUTTON_VALUE else None


def group_top(top: Sequence[Story]) -> tuple[list[Story], dict[int, str]]:
    """The top stories in display order and each one's group (index → watchlist name)."""
    shared = Counter(w for s in top for w in s.watchlists)
    names = [min(s.watchlists, key=lambda w: (-shared[w], w)) if s.watchlists else "" for s in top]
    first = {}
    for i, name in enumerate(names):
        first.setdefault(name, i)
    order = sorted(range(len(top)), key=lambda i: (first[names[i]], i))
    return [top[i] for i in order], {n: names[i] for n, i in enumerate(order)}
