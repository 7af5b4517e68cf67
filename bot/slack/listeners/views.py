"""Modal submissions: add or remove a watchlist from the App Home.

Validation and the change itself happen before the ack, because only the ack can carry
field errors back into the open modal ("name already taken", the query's own message).
Both are quick store operations; republishing the Home tab runs lazily afterwards.
"""

from __future__ import annotations

import logging

from bot import admin
from bot.admin import AdminError
from bot.query import QueryError
from bot.slack import blocks
from bot.slack.deps import Deps, actor
from bot.slack.home import publish_home
from bot.store import StoreError

log = logging.getLogger("aibrief.slack.views")


def _field(view: dict, block_id: str, action_id: str) -> str:
    state = (view.get("state") or {}).get("values") or {}
    element = (state.get(block_id) or {}).get(action_id) or {}
    if element.get("type") == "static_select":
        return ((element.get("selected_option") or {}).get("value")) or ""
    return element.get("value") or ""


def register(app, deps: Deps) -> None:
    def refresh_home(body, client, context):
        # Set by the ack function below when the change was made; the ack function has
        # finished before lazy listeners start (process_before_response=True, see app.py).
        if context.get("home_changed"):
            publish_home(deps, body["user"]["id"], client)

    def submit_add(ack, body, view, client, context):
        user = body["user"]["id"]
        if not deps.admin_check.is_admin(user, client):
            ack(response_action="errors", errors={blocks.BLOCK_NAME: "Only admins can add watchlists; nothing was saved."})
            return
        name = _field(view, blocks.BLOCK_NAME, blocks.ACTION_NAME)
        query = _field(view, blocks.BLOCK_QUERY, blocks.ACTION_WATCH_QUERY)
        try:
            admin.add_watchlist(deps.store, actor(user), name, query)
        except QueryError as exc:
            ack(response_action="errors", errors={blocks.BLOCK_QUERY: str(exc)[:150]})
            return
        except (AdminError, StoreError) as exc:
            ack(response_action="errors", errors={blocks.BLOCK_NAME: str(exc)[:150]})
            return
        context["home_changed"] = True
        ack()

    def submit_remove(ack, body, view, client, context):
        user = body["user"]["id"]
        if not deps.admin_check.is_admin(user, client):
            ack(response_action="errors", errors={blocks.BLOCK_REMOVE: "Only admins can remove watchlists; nothing changed."})
            return
        try:
            admin.remove_watchlist(deps.store, actor(user), _field(view, blocks.BLOCK_REMOVE, blocks.ACTION_REMOVE_SELECT))
        except (AdminError, StoreError) as exc:
            ack(response_action="errors", errors={blocks.BLOCK_REMOVE: str(exc)[:150]})
            return
        context["home_changed"] = True
        ack()

    app.view(blocks.VIEW_WATCH_ADD)(ack=submit_add, lazy=[refresh_home])
    app.view(blocks.VIEW_WATCH_REMOVE)(ack=submit_remove, lazy=[refresh_home])
