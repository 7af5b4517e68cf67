"""Buttons and other block actions: search paging, Share and Notify me, list paging, digests'
"Not relevant", App Home admin buttons, and the add-watchlist modal's live preview.

Each is acknowledged at once; the work runs as a lazy listener. Button values are
JSON the app itself wrote into the message, and are still parsed defensively: a
malformed one is logged and ignored.
"""

from __future__ import annotations

import json
import logging

from slack_sdk.errors import SlackApiError, SlackClientError

from bot import feedback
from bot.digest import personal
from bot.digest.service import SubscriptionError
from bot.mrkdwn import escape
from bot.query import QueryError, filters_as_typed, without_filters
from bot.search import search, watch_test
from bot.slack import blocks
from bot.slack.blocks import personal as personal_blocks
from bot.slack.deps import Deps, actor, reply, user_tz
from bot.slack.lists import KINDS, list_reply
from bot.slack.inflight import BUSY_MESSAGE
from bot.store import QueryTooBroad, StoreError

log = logging.getLogger("aibrief.slack.actions")


def _value(body: dict) -> dict | None:
    try:
        value = json.loads(body["actions"][0].get("value") or "")
        return value if isinstance(value, dict) else None
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _channel(body: dict) -> str | None:
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


def register(app, deps: Deps) -> None:
    def ack_action(ack):
        ack()

    # ---- search results: More / Back / Share ----------------------------------------------
    def turn_page(body, respond, client):
        value = _value(body)
        user, channel = body.get("user", {}).get("id"), _channel(body)
        if not value or not isinstance(value.get("q"), str) or not isinstance(value.get("o"), int):
            log.warning("ignoring a page button with value %r", body.get("actions", [{}])[0].get("value"))
            return
        try:
            with deps.searches.take(user or "") as got:
                if not got:
                    reply(respond, client, channel, user, blocks.error_text(BUSY_MESSAGE))
                    return
                result = search(deps.store, value["q"], limit=blocks.PAGE_SIZE, offset=max(0, value["o"]))
        except QueryError as exc:
            reply(respond, client, channel, user, blocks.query_error(value["q"], exc))
            return
        except QueryTooBroad as exc:
            reply(respond, client, channel, user, blocks.error_text(str(exc)))
            return
        payload = (blocks.search_results(value["q"], result.hits, result.total, result.offset,
                                         suggestion=result.suggestion,
                                         admin=deps.admin_check.is_admin(user or "", client))
                   if result.hits else blocks.no_results(value["q"], result.suggestion, result.filters))
        reply(respond, client, channel, user, payload, replace_original=True)

    def share(body, respond, client):
        value = _value(body)
        user, channel = body.get("user", {}).get("id", ""), _channel(body)
        if not value or not isinstance(value.get("id"), int) or not channel:
            log.warning("ignoring a share button without an article or channel")
            return
        article = deps.store.get_articles([value["id"]]).get(value["id"])
        if article is None:
            reply(respond, client, channel, user, blocks.error_text("That article is no longer stored."))
            return
        payload = blocks.shared_result(article, user)
        try:
            client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False, **payload)
        except SlackApiError as exc:
            error = (exc.response or {}).get("error")
            if error in ("not_in_channel", "channel_not_found"):
                reply(respond, client, channel, user, blocks.not_in_channel(channel, "share results"))
            else:
                log.warning("sharing in %s failed: %s", channel, error)
                reply(respond, client, channel, user, blocks.error_text(f"Slack refused the post ({error})."))
        except (SlackClientError, OSError) as exc:
            log.warning("sharing in %s failed: %s", channel, exc)
            reply(respond, client, channel, user, blocks.error_text("Could not reach Slack to share it; try again."))

    # ---- digests: "Not relevant" (a button, or compact.j2's menu) ---------------------------
    def not_relevant(body, respond, client):
        user, channel = body.get("user", {}).get("id", ""), _channel(body)
        action = (body.get("actions") or [{}])[0]
        raw = action.get("value")
        if raw is None:
            raw = (action.get("selected_option") or {}).get("value")
        result = feedback.not_relevant(deps.store, user, channel, raw)
        if result.status == "refused":  # forged or stale: nothing stored, nothing said
            log.warning("ignoring a not-relevant click by %s in %s with value %r", user, channel, str(raw)[:200])
            return
        reply(respond, client, channel, user, blocks.vote_ack(result.status, result.title, result.watchlists),
              replace_original=False)

    app.action(feedback.ACTION_NOT_RELEVANT)(ack=ack_action, lazy=[not_relevant])

    # ---- search results: "Notify me" (the clicking user's own DM digest, never anyone else's) --
    def notify_me(body, respond, client):
        value = _value(body)
        user, channel = body.get("user", {}).get("id", ""), _channel(body)
        if not user or not value or not isinstance(value.get("q"), str):
            log.warning("ignoring a notify button with value %r", str(body.get("actions", [{}])[0].get("value"))[:200])
            return
        try:
            n = personal.notify_me(deps.store, user, value["q"], actor=actor(user),
                                   slack_tz=lambda: user_tz(client, user), settings=deps.settings)
        except QueryError as exc:
            reply(respond, client, channel, user, blocks.query_error(value["q"], exc), replace_original=False)
            return
        except (SubscriptionError, StoreError) as exc:
            reply(respond, client, channel, user, blocks.error_text(str(exc)), replace_original=False)
            return
        reply(respond, client, channel, user, personal_blocks.notified(n), replace_original=False)

    app.action(personal_blocks.ACTION_NOTIFY)(ack=ack_action, lazy=[notify_me])

    app.action(blocks.ACTION_MORE)(ack=ack_action, lazy=[turn_page])
    app.action(blocks.ACTION_PREV)(ack=ack_action, lazy=[turn_page])
    app.action(blocks.ACTION_SUGGEST)(ack=ack_action, lazy=[turn_page])  # "Did you mean": the page of the correction

    # ---- "Watch this" (admins): the add-watchlist modal, filled from the search ------------
    def watch_this(body, respond, client):
        value = _value(body)
        user, channel = body.get("user", {}).get("id", ""), _channel(body)
        if not value or not isinstance(value.get("q"), str):
            log.warning("ignoring a watch-this button with value %r", body.get("actions", [{}])[0].get("value"))
            return
        if not deps.admin_check.is_admin(user, client):  # the button is only shown to admins: a forged click
            log.warning("refused a watch-this click by %s", user)
            reply(respond, client, channel, user, blocks.refusal("change watchlists", deps.settings.admins),
                  replace_original=False)
            return
        try:
            query = without_filters(value["q"])
            with deps.searches.take(user) as got:
                result = watch_test(deps.store, query, limit=3) if got else None
            text = (blocks.preview_text(query, result.hits, result.total) if result is not None
                    else f":warning: {escape(BUSY_MESSAGE)}")
            dropped = filters_as_typed(value["q"])
            if dropped:  # say so, rather than let `language:fr` vanish from what is watched
                text += (f"\nLeft out: {escape(' '.join(dropped))} (a watchlist looks at every new article, "
                         "whatever its date or language).")
        except (QueryError, QueryTooBroad) as exc:
            query = value["q"]
            text = f":warning: {escape(str(exc))}"
        try:
            client.views_open(trigger_id=body["trigger_id"], view=blocks.add_watchlist_modal(text, query=query))
        except (SlackApiError, SlackClientError, OSError, KeyError) as exc:
            log.warning("views.open failed: %s", exc)

    app.action(blocks.ACTION_WATCH_THIS)(ack=ack_action, lazy=[watch_this])

    # ---- list replies (feeds, watchlists, audit): More / Back, through the response_url too --
    def turn_list_page(body, respond, client):
        value = _value(body)
        user, channel = body.get("user", {}).get("id", ""), _channel(body)
        if (not value or value.get("l") not in KINDS or not isinstance(value.get("o"), int)
                or not isinstance(value.get("n", 0), int)):
            log.warning("ignoring a list page button with value %r", body.get("actions", [{}])[0].get("value"))
            return
        payload = list_reply(value["l"], deps, user, client, value["o"], value.get("n"), back=bool(value.get("b")))
        reply(respond, client, channel, user, payload, replace_original=True)

    app.action(blocks.ACTION_LIST_MORE)(ack=ack_action, lazy=[turn_list_page])
    app.action(blocks.ACTION_LIST_PREV)(ack=ack_action, lazy=[turn_list_page])
    app.action(blocks.ACTION_SHARE)(ack=ack_action, lazy=[share])

    # ---- App Home admin buttons -----------------------------------------------------------
    def open_modal(body, client, make_view):
        user = body.get("user", {}).get("id", "")
        if deps.admin_check.is_admin(user, client):
            view = make_view()
        else:
            view = {
                "type": "modal",
                "title": {"type": "plain_text", "text": "Admins only"},
                "close": {"type": "plain_text", "text": "Close"},
                "blocks": blocks.refusal("change watchlists", deps.settings.admins)["blocks"],
            }
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except (SlackApiError, SlackClientError, OSError, KeyError) as exc:
            log.warning("views.open failed: %s", exc)

    def open_add(body, client):
        open_modal(body, client, blocks.add_watchlist_modal)

    def open_remove(body, client):
        open_modal(body, client, lambda: blocks.remove_watchlist_modal(deps.store.list_watchlists()))

    app.action(blocks.ACTION_HOME_ADD)(ack=ack_action, lazy=[open_add])
    app.action(blocks.ACTION_HOME_REMOVE)(ack=ack_action, lazy=[open_remove])

    # ---- the add-watchlist modal's live preview ----------------------------------------------
    def preview(body, client):
        view = body.get("view") or {}
        query = (body.get("actions") or [{}])[0].get("value") or ""
        try:
            with deps.searches.take(body.get("user", {}).get("id", "")) as got:
                result = watch_test(deps.store, query, limit=3) if got else None
            text = (blocks.preview_text(query, result.hits, result.total) if result is not None
                    else f":warning: {escape(BUSY_MESSAGE)}")
        except (QueryError, QueryTooBroad) as exc:
            text = f":warning: {escape(str(exc))}"
        try:
            client.views_update(view_id=view["id"], hash=view.get("hash"),
                                view=blocks.add_watchlist_modal(text, view.get("private_metadata", "")))
        except SlackApiError as exc:  # hash_conflict: the user typed again; that preview wins
            log.info("views.update skipped: %s", (exc.response or {}).get("error"))
        except (SlackClientError, OSError, KeyError) as exc:
            log.warning("views.update failed: %s", exc)

    app.action(blocks.ACTION_WATCH_QUERY)(ack=ack_action, lazy=[preview])
