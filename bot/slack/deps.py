"""What every listener needs, handed over once at registration instead of as globals.

Also the few Slack-side helpers listeners share: who is asking (`actor`), replying
privately with a fallback when the response_url is spent, and checking that the bot is
in a channel before promising to post there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import Settings
from bot.slack.auth import AdminCheck
from bot.slack.inflight import SearchSlots
from bot.store import Store

log = logging.getLogger("aibrief.slack")


@dataclass(frozen=True)
class Deps:
    """The store, the settings and the admin check. (Digest schedule changes reach the
    scheduler through bot.digest.service's own change notifications.)"""

    store: Store
    settings: Settings
    admin_check: AdminCheck
    searches: SearchSlots = field(default_factory=SearchSlots)  # searches in flight per user


def actor(user_id: str) -> str:
    """How a Slack user appears in the audit log (the CLI writes `cli:NAME`)."""
    return f"slack:{user_id}"


def reply(respond, client, channel: str | None, user: str | None, payload: dict, **options) -> bool:
    """Send an ephemeral reply through the response_url; fall back to chat.postEphemeral.

    A response_url takes 5 replies within 30 minutes; after that (or if Slack refuses it)
    the bot can still answer privately in the channel. Returns whether anything was sent.
    """
    body = {"response_type": "ephemeral", **options, **payload}
    try:
        if respond is not None and getattr(respond, "response_url", None):
            resp = respond(**body)
            if 200 <= getattr(resp, "status_code", 0) < 300:
                return True
            log.warning("response_url answered %s; falling back to chat.postEphemeral", getattr(resp, "status_code", "?"))
    except (SlackClientError, OSError, ValueError) as exc:
        log.warning("response_url failed (%s); falling back to chat.postEphemeral", exc)
    if not (channel and user):
        return False
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=payload.get("text", ""), blocks=payload.get("blocks"))
        return True
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("chat.postEphemeral failed: %s", exc)
        return False


def user_tz(client, user: str) -> str | None:
    """The person's time zone as Slack knows it (users.info `tz`, e.g. Europe/Paris); None when
    Slack cannot say (the caller falls back to the default zone)."""
    try:
        return ((client.users_info(user=user).get("user") or {}).get("tz") or None)
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("users.info %s failed (%s); using the default time zone", user, exc)
        return None


def bot_in_channel(client, channel: str) -> bool:
    """Whether the bot can post in `channel`. Unknown (an API hiccup) counts as yes, so a
    transient error never blocks an admin; the post itself then reports a real refusal."""
    try:
        info = client.conversations_info(channel=channel).get("channel") or {}
    except SlackApiError as exc:
        error = (exc.response or {}).get("error")
        if error in ("channel_not_found", "not_in_channel"):
            return False
        log.warning("conversations.info %s failed (%s); assuming the bot is a member", channel, error)
        return True
    except (SlackClientError, OSError) as exc:
        log.warning("conversations.info %s failed (%s); assuming the bot is a member", channel, exc)
        return True
    if info.get("is_im") or info.get("is_mpim"):
        return bool(info.get("is_member", True))
    return bool(info.get("is_member"))
