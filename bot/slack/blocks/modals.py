"""The admin's modals: add a watchlist (with a live preview of what its query matches) and
remove one."""

from __future__ import annotations

from typing import Sequence

from bot.models import SearchHit, Watchlist
from bot.mrkdwn import escape, link, truncate
from bot.slack.blocks.action_ids import (
    ACTION_NAME, ACTION_REMOVE_SELECT, ACTION_WATCH_QUERY, BLOCK_NAME, BLOCK_PREVIEW, BLOCK_QUERY, BLOCK_REMOVE,
    VIEW_WATCH_ADD, VIEW_WATCH_REMOVE,
)
from bot.slack.blocks.parts import _context, _plain, _section


def preview_text(query: str, hits: Sequence[SearchHit], total: int) -> str:
    if not query.strip():
        return "Type a query and press Enter to see what it would match."
    text = f"Would match *{total}* stored article{'s' if total != 1 else ''}"
    if hits:
        text += ", e.g.\n" + "\n".join(f"• {link(h.url, truncate(h.title, 150))} ({escape(truncate(h.source, 60))})" for h in hits[:3])
    return text + "."


def add_watchlist_modal(preview: str | None = None, private_metadata: str = "", query: str = "") -> dict:
    """The admin's add-watchlist modal. Pressing Enter in the query box refreshes the preview.
    `query` fills the query box (a search's "Watch this"), `preview` then shows what it matches."""
    view = {
        "type": "modal",
        "callback_id": VIEW_WATCH_ADD,
        "title": _plain("Add a watchlist", 24),
        "submit": _plain("Save", 24),
        "close": _plain("Cancel", 24),
        "blocks": [
            {
                "type": "input",
                "block_id": BLOCK_NAME,
                "label": _plain("Name", 2000),
                "hint": _plain("Lower-case letters, digits, - _ or . (e.g. ai-security)", 2000),
                "element": {"type": "plain_text_input", "action_id": ACTION_NAME, "max_length": 40,
                            "placeholder": _plain("llm-jailbreaks", 150)},
            },
            {
                "type": "input",
                "block_id": BLOCK_QUERY,
                "dispatch_action": True,
                "label": _plain("Query", 2000),
                "hint": _plain('Words, "phrases", OR, -exclude, prefix*, (groups). Press Enter to preview.', 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ACTION_WATCH_QUERY,
                    "max_length": 500,
                    "placeholder": _plain('jailbreak (LLM OR chatbot) -crypto', 150),
                    "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]},
                },
            },
            _section(preview or preview_text("", [], 0), block_id=BLOCK_PREVIEW),
        ],
    }
    if query:
        view["blocks"][1]["element"]["initial_value"] = query[:500]
    if private_metadata:
        view["private_metadata"] = private_metadata
    return view


def remove_watchlist_modal(watchlists: Sequence[Watchlist]) -> dict:
    if not watchlists:
        return {
            "type": "modal",
            "title": _plain("Remove a watchlist", 24),
            "close": _plain("Close", 24),
            "blocks": [_section("There are no watchlists to remove.")],
        }
    options = [
        {"text": _plain(w.name, 75), "value": w.name, "description": _plain(w.query, 75)}
        for w in watchlists[:100]
    ]
    return {
        "type": "modal",
        "callback_id": VIEW_WATCH_REMOVE,
        "title": _plain("Remove a watchlist", 24),
        "submit": _plain("Remove", 24),
        "close": _plain("Cancel", 24),
        "blocks": [
            {
                "type": "input",
                "block_id": BLOCK_REMOVE,
                "label": _plain("Watchlist", 2000),
                "element": {"type": "static_select", "action_id": ACTION_REMOVE_SELECT, "options": options,
                            "placeholder": _plain("Choose one", 150)},
            },
            _context("Its stored matches are forgotten; the change is recorded in the audit log."),
        ],
    }
