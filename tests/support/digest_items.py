"""A posted digest's per-item ⋯ menus, as a reader finds and uses them."""

from __future__ import annotations

import json

from bot.digest.items import ITEM_ACTION


def item_menus(message: dict) -> list[dict]:
    """Each story's overflow menu in a message, with its block's id."""
    out = []
    for b in message.get("blocks") or []:
        el = b.get("accessory") or {}
        if el.get("type") == "overflow" and el.get("action_id") == ITEM_ACTION:
            out.append({**el, "block_id": b.get("block_id", "b"), "text": b["text"]["text"]})
    return out


def option(menu: dict, label: str) -> dict:
    [found] = [o for o in menu["options"] if o["text"]["text"] == label]
    return found


def article_of(menu: dict) -> int:
    """The article a menu acts on (its Save option names it)."""
    return json.loads(option(menu, "Save for later")["value"])["a"]


def choose(app, menu: dict, label: str, **kw):
    """A reader picks `label` in `menu` (a block_actions payload for an overflow)."""
    return app.click({"type": "overflow", "action_id": ITEM_ACTION, "block_id": menu["block_id"],
                      "selected_option": option(menu, label)}, **kw)
