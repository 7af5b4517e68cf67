"""A digest item's ⋯ menu (Share…, Save for later, Not relevant), the "Search the rest"
button under a digest, Unsave, and the Share… modal's submission.

Menu values are JSON the app wrote (bot/digest/items.py, bot/feedback.py) but any request
can carry any value, so each is parsed defensively and checked against the store: a save
names an article that exists, a vote goes through bot/feedback.py's checks, a share posts
only what the store holds, escaped like any feed text, in a channel the bot is in.
"""

from __future__ import annotations

import json
import logging

from slack_sdk.errors import SlackApiError, SlackClientError

from bot import feedback
from bot.digest.items import ITEM_ACTION, SEARCH_ACTION, parse_action_value, parse_rest_value, rest_value
from bot.digest.select import LOOKBACK, OVERLAP, choose, drop_muted
from bot.store import from_ts
from bot.slack import blocks
from bot.slack.deps import Deps, bot_in_channel, reply
from bot.slack.home import publish_home
from bot.slack.lists import saved_reply
from bot.store import SavedListFull

log = logging.getLogger("aibrief.slack.items")

NOT_MEMBER = "aibrief is not in that channel: invite it there with /invite @aibrief, or pick another channel."


def _action(body: dict) -> dict:
    return (body.get("actions") or [{}])[0]


def _json(raw) -> dict | None:
    try:
        value = json.loads(raw or "")
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _channel(body: dict) -> str | None:
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


def save(deps: Deps, user: str, article_id: int) -> tuple[str, str]:
    """(status, title): saved | already | full | gone."""
    title = (deps.store.get_articles([article_id]).get(article_id) or {}).get("title", "")
    try:
        added = deps.store.save_article(user, article_id)
    except KeyError:
        return "gone", ""
    except SavedListFull:
        return "full", title
    return ("saved" if added else "already"), title


def rest_reply(store, channel: str | None, value: dict) -> dict:
    """The page of a digest's left-out stories that `value` (bot/digest/items.rest_value)
    names: the digest's selection made again from the store, as it was made (its window,
    watchlists, the channel's muted sources), so the ranks agree with the thread's."""
    start, end, top, offset = value["s"], value["e"], value["t"], value["o"]
    candidates = store.digest_candidates(None, value["w"], fetched_after=start - OVERLAP, fetched_until=end,
                                         published_since=start - LOOKBACK)
    if channel:
        candidates = drop_muted(candidates, [m.source for m in store.channel_mutes(channel)])
    rest = choose(candidates, start=from_ts(start), end=from_ts(end), max_items=top).rest
    offset = min(offset, max(0, len(rest) - 1))
    page = rest[offset : offset + blocks.REST_PAGE]
    return blocks.rest_page(page, len(rest), offset, lambda o: rest_value(value["w"], start, end, top, o) or "",
                            shown=top)


def register(app, deps: Deps) -> None:
    def ack_action(ack):
        ack()

    # ---- the item menu ------------------------------------------------------------------
    def item_menu(body, respond, client):
        user, channel = body.get("user", {}).get("id", ""), _channel(body)
        raw = (_action(body).get("selected_option") or {}).get("value")
        chosen = parse_action_value(raw)
        if chosen is None:  # "Not relevant": its own value and checks (bot/feedback.py)
            result = feedback.not_relevant(deps.store, user, channel, raw)
            if result.status == "refused":
                log.warning("ignoring a digest menu choice by %s in %s with value %r", user, channel, str(raw)[:200])
                return
            reply(respond, client, channel, user, blocks.vote_ack(result.status, result.title, result.watchlists),
                  replace_original=False)
            return
        action, article_id = chosen
        if not user:
            return
        if action == "save":
            status, title = save(deps, user, article_id)
            reply(respond, client, channel, user, blocks.save_ack(status, title), replace_original=False)
            if status == "saved":
                publish_home(deps, user, client)
            return
        article = deps.store.get_articles([article_id]).get(article_id)
        if article is None:
            reply(respond, client, channel, user, blocks.error_text("That article is no longer stored."),
                  replace_original=False)
            return
        try:
            client.views_open(trigger_id=body["trigger_id"],
                              view=blocks.share_modal(article_id, article["title"] or article["url"], channel or ""))
        except (SlackApiError, SlackClientError, OSError, KeyError) as exc:
            log.warning("views.open (share) failed: %s", exc)

    app.action(ITEM_ACTION)(ack=ack_action, lazy=[item_menu])

    # ---- "Search the rest" under a digest: the stories it left out, privately, page by page --
    def search_rest(body, respond, client):
        user, channel = body.get("user", {}).get("id", ""), _channel(body)
        value = parse_rest_value(_action(body).get("value"))
        if value is None:
            log.warning("ignoring a digest search button with value %r", str(_action(body).get("value"))[:200])
            return
        payload = rest_reply(deps.store, channel, value)
        # paging replaces the private page; the first click leaves the digest itself alone
        paging = bool((body.get("container") or {}).get("is_ephemeral"))
        reply(respond, client, channel, user, payload, replace_original=paging)

    app.action(SEARCH_ACTION)(ack=ack_action, lazy=[search_rest])

    # ---- Unsave (the `/aibrief saved` reply, or the App Home) -------------------------------
    def unsave(body, respond, client):
        user, channel = body.get("user", {}).get("id", ""), _channel(body)
        value = _json(_action(body).get("value"))
        if not user or not value or not isinstance(value.get("a"), int) or not isinstance(value.get("o", 0), int):
            log.warning("ignoring an unsave button with value %r", _action(body).get("value"))
            return
        deps.store.unsave_article(user, value["a"])
        if (body.get("container") or {}).get("type") == "view":
            publish_home(deps, user, client)
            return
        reply(respond, client, channel, user, saved_reply(deps.store, user, value.get("o", 0)), replace_original=True)

    app.action(blocks.ACTION_UNSAVE)(ack=ack_action, lazy=[unsave])

    # ---- the Share… modal -------------------------------------------------------------------
    def submit_share(ack, body, view, client):
        user = body.get("user", {}).get("id", "")
        meta = _json(view.get("private_metadata"))
        state = ((view.get("state") or {}).get("values") or {}).get(blocks.BLOCK_SHARE_TO) or {}
        target = (state.get(blocks.ACTION_SHARE_TO) or {}).get("selected_conversation") or ""
        article_id = meta.get("a") if meta else None
        article = deps.store.get_articles([article_id]).get(article_id) if isinstance(article_id, int) else None
        if article is None:
            ack(response_action="errors", errors={blocks.BLOCK_SHARE_TO: "That article is no longer stored."})
            return
        if not target:
            ack(response_action="errors", errors={blocks.BLOCK_SHARE_TO: "Choose a channel to share it in."})
            return
        if not bot_in_channel(client, target):
            ack(response_action="errors", errors={blocks.BLOCK_SHARE_TO: NOT_MEMBER})
            return
        try:
            client.chat_postMessage(channel=target, unfurl_links=False, unfurl_media=False,
                                    **blocks.shared_result(article, user))
        except SlackApiError as exc:
            error = (exc.response or {}).get("error")
            text = NOT_MEMBER if error in ("not_in_channel", "channel_not_found") else f"Slack refused the post ({error})."
            ack(response_action="errors", errors={blocks.BLOCK_SHARE_TO: text})
            return
        except (SlackClientError, OSError) as exc:
            log.warning("sharing in %s failed: %s", target, exc)
            ack(response_action="errors", errors={blocks.BLOCK_SHARE_TO: "Could not reach Slack; try again."})
            return
        ack()

    app.view(blocks.VIEW_SHARE)(submit_share)
