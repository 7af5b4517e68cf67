"""The list replies — feeds, watchlists, the audit log — for the command and its More / Back
buttons alike, so page 7 is built by the same code and the same rules as page 1.

Each page is rebuilt from the store when its button is pressed (nothing is cached between
clicks), and who may see what is decided again on every page: the audit log stays for
admins, and feed addresses are masked per reader (bot.slack.blocks.feed_link).
"""

from __future__ import annotations

from bot.slack import blocks
from bot.slack.command_text import ACTIONS, DEFAULT_AUDIT, MAX_AUDIT
from bot.slack.deps import Deps

KINDS = (blocks.LIST_FEEDS, blocks.LIST_WATCH, blocks.LIST_AUDIT, blocks.LIST_SAVED)


def saved_reply(store, user: str, offset: int = 0, *, back: bool = False) -> dict:
    """One page of `user`'s own saved articles (`/aibrief saved`): everyone sees only theirs."""
    total = store.saved_count(user)
    offset = max(0, offset - blocks.SAVED_PAGE) if back else max(0, offset)
    if total and offset >= total:  # the page emptied by Unsave: show the last one left
        offset = max(0, (total - 1) // blocks.SAVED_PAGE * blocks.SAVED_PAGE)
    items = store.saved_articles(user, limit=blocks.SAVED_PAGE, offset=offset)
    return blocks.saved_list(items, total, offset)


def list_reply(kind: str, deps: Deps, user: str, client, offset: int = 0, limit: int | None = None, *,
               back: bool = False) -> dict:
    """One page of list `kind` for `user`: from item `offset` on, or (`back`) the page that
    ends just before it."""
    offset = max(0, int(offset))
    if kind == blocks.LIST_SAVED:
        return saved_reply(deps.store, user, offset, back=back)
    if kind == blocks.LIST_WATCH:
        return blocks.watch_list(deps.store.list_watchlists(), deps.store.watchlist_match_counts(), offset, back=back)
    admin = deps.admin_check.is_admin(user, client)
    if kind == blocks.LIST_FEEDS:
        return blocks.feeds_list(deps.store.list_feeds(), admin=admin, offset=offset, back=back)
    if kind == blocks.LIST_AUDIT:
        if not admin:
            return blocks.refusal(ACTIONS["audit"], deps.settings.admins)
        n = limit if isinstance(limit, int) and 1 <= limit <= MAX_AUDIT else DEFAULT_AUDIT
        return blocks.audit_list(deps.store.audit_entries(limit=n), offset, back=back, limit=n)
    raise ValueError(f"unknown list {kind!r}")
