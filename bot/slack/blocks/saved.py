"""A reader's own things: the Save for later list (`/aibrief saved` and the App Home), the
answers to Save / Unsave, and the Share… modal of a digest item.

The list is paged like the other lists (More / Back with `list_value`), a section per saved
article so each carries its own Unsave button; feed text goes through bot.mrkdwn as
everywhere, and dates are `<!date^…>` tokens so each reader sees their own zone.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Sequence

from bot.mrkdwn import escape, link, truncate
from bot.slack.blocks.action_ids import (
    ACTION_LIST_MORE, ACTION_LIST_PREV, ACTION_SHARE_TO, ACTION_UNSAVE, BLOCK_SHARE_TO, LIST_SAVED, VIEW_SHARE,
)
from bot.slack.blocks.parts import _button, _context, _section, message, notice
from bot.slack.blocks.replies import list_value

SAVED_PAGE = 10
HOME_SAVED_MAX = 8


def local_date(dt: datetime | None, fmt: str = "{date_short_pretty}") -> str:
    """A `<!date^…>` token (the reader's own zone), with the UTC date as its fallback text."""
    if dt is None:
        return "unknown date"
    return f"<!date^{int(dt.timestamp())}^{fmt}|{dt:%d %b %Y}>"


def unsave_value(article_id: int, offset: int = 0) -> str:
    return json.dumps({"a": int(article_id), "o": int(offset)}, separators=(",", ":"))


def saved_line(item) -> str:
    title = truncate(item.title or item.url, 200)
    return (f"*{link(item.url, title)}*\n{escape(truncate(item.source, 80))} · {local_date(item.published)}"
            f" · saved {local_date(item.saved_at)}")


def saved_blocks(items: Sequence, offset: int = 0) -> list[dict]:
    return [_section(saved_line(i), _button("Unsave", ACTION_UNSAVE, unsave_value(i.article_id, offset)))
            for i in items]


def saved_list(items: Sequence, total: int, offset: int = 0) -> dict:
    """One page of the reader's saved articles, newest saved first, each with Unsave."""
    if not total:
        return notice("Nothing saved yet. Choose *Save for later* in a digest item's ⋯ menu to keep it here.")
    first, last = offset + 1, offset + len(items)
    head = f"*Saved for later* — {total} article{'s' if total != 1 else ''}"
    if total > len(items):
        head += f", {first}–{last} shown"
    blocks = [_section(head), *saved_blocks(items, offset)]
    buttons = []
    if offset > 0:
        buttons.append(_button("Back", ACTION_LIST_PREV, list_value(LIST_SAVED, offset, back=True)))
    if last < total:
        buttons.append(_button(f"More ({total - last} left)", ACTION_LIST_MORE, list_value(LIST_SAVED, last), "primary"))
    if buttons:
        blocks.append({"type": "actions", "block_id": f"{LIST_SAVED}_pages", "elements": buttons})
    blocks.append(_context("Only you can see this list. It is also in the aibrief App Home tab."))
    return message(f"Saved for later: {total}", blocks)


def home_saved(items: Sequence, total: int) -> list[dict]:
    """The App Home's "Saved for later" part: the newest few, the rest through the command."""
    out = [{"type": "divider"}, {"type": "header", "text": {"type": "plain_text", "text": f"Saved for later ({total})"}}]
    if not items:
        out.append(_context("Nothing saved yet: *Save for later* is in each digest item's ⋯ menu."))
        return out
    out += saved_blocks(items)
    if total > len(items):
        out.append(_context(f"… and {total - len(items)} more: `/aibrief saved`"))
    return out


def save_ack(status: str, title: str) -> dict:
    shown = f"“{escape(truncate(title, 120))}”" if title else "That article"
    if status == "saved":
        return notice(f":bookmark: Saved {shown} for later. Your list: `/aibrief saved` or the App Home tab.")
    if status == "already":
        return notice(f"{shown} is already on your saved list (`/aibrief saved`).")
    if status == "full":
        return notice(":warning: Your saved list is full; unsave some articles first (`/aibrief saved`).")
    return notice("That article is no longer stored, so it cannot be saved.")


def share_modal(article_id: int, title: str, from_channel: str) -> dict:
    """Share… : pick a channel; the app posts the story there, attributed to the reader."""
    meta = json.dumps({"a": int(article_id), "c": from_channel}, separators=(",", ":"))
    return {
        "type": "modal",
        "callback_id": VIEW_SHARE,
        "private_metadata": meta,
        "title": {"type": "plain_text", "text": "Share a story"},
        "submit": {"type": "plain_text", "text": "Share"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _section(f"*{escape(truncate(title, 200))}*"),
            {
                "type": "input",
                "block_id": BLOCK_SHARE_TO,
                "label": {"type": "plain_text", "text": "Post it in"},
                "element": {
                    "type": "conversations_select",
                    "action_id": ACTION_SHARE_TO,
                    "placeholder": {"type": "plain_text", "text": "Choose a channel"},
                    "filter": {"include": ["public", "private"], "exclude_bot_users": True},
                },
            },
            _context("It is posted as shared by you. The aibrief app must be in that channel."),
        ],
    }


REST_PAGE = 10


def rest_page(stories: Sequence, total: int, offset: int, value_at, shown: int = 0) -> dict:
    """A page of the stories a digest left out of its channel message ("Search the rest"),
    only for the reader who asked: each with the digest's ⋯ menu, More / Back underneath.
    `stories` are bot.digest.cluster.Story; `value_at(offset)` is the button value of a page;
    `shown` the stories of the channel message, so the ranks are the digest's own."""
    from bot.digest.items import ITEM_ACTION, SEARCH_ACTION, action_value
    from bot.feedback import button_value

    if not stories:
        return notice("Nothing more: the digest's channel message showed every story.")
    first, last = offset + 1, offset + len(stories)
    blocks = [_section(f"*The rest of the digest* — stories {shown + first}–{shown + last} of {shown + total}")]
    for n, story in enumerate(stories, shown + first):
        p = story.primary
        line = f"*{n}.* {link(p.url, truncate(' '.join(p.title.split()) or p.url, 140))}\n" \
               f"{escape(truncate(p.source, 80))} · {local_date(p.published, '{date_short_pretty} {time}')}"
        if story.also:
            line += " · also in " + ", ".join(link(a.url, truncate(a.source, 40)) for a in story.also[:3])
        options = [{"text": {"type": "plain_text", "text": "Share…"}, "value": action_value("share", p.article_id)},
                   {"text": {"type": "plain_text", "text": "Save for later"}, "value": action_value("save", p.article_id)}]
        if story.watchlists:
            options.append({"text": {"type": "plain_text", "text": "Not relevant"},
                            "value": button_value(p.article_id, story.watchlists)})
        blocks.append(_section(line, {"type": "overflow", "action_id": ITEM_ACTION, "options": options}))
    buttons = []
    if offset > 0:
        buttons.append(_button("Back", SEARCH_ACTION, value_at(max(0, offset - REST_PAGE))))
    if last < total:
        buttons.append(_button(f"More ({total - last} left)", SEARCH_ACTION, value_at(last), "primary"))
    buttons = [b for b in buttons if b.get("value")]
    if buttons:
        blocks.append({"type": "actions", "block_id": "digest_rest_pages", "elements": buttons})
    blocks.append(_context("Only you can see this."))
    return message(f"The rest of the digest: {total} stories", blocks)
