"""The Bolt app: built once at start, after the bot token has been checked with Slack.

Every listener is split in two: a tiny ack function and the real work as a Bolt "lazy"
listener on our own thread pool. With that split, `process_before_response=True` is the
right setting in both modes: the ack goes back (HTTP response, or Socket Mode envelope
ack) the moment the ack function returns, with no executor hop and no 10 ms ack-polling
loop, and lazy work starts only after its ack function has finished, so e.g. the App Home
republished after a modal submission already shows the change the submission made.
(Bolt's default, False, starts both at once and polls for the ack every 10 ms: measured
with bench/slack_ack.py, server-side request → ack p50 0.7 ms with True, 10.8 ms with False.)

HTTP mode checks every request before Bolt sees it (bot/slack/gate.py: signature and
timestamp on the raw bytes, replays refused across replicas, 401 otherwise); Bolt's own
RequestVerification stays on behind it as a second check. In Socket Mode requests arrive
over the authenticated WebSocket and there is nothing to sign.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import Settings
from bot.slack.auth import AdminCheck
from bot.slack.client import make_client
from bot.slack.deps import Deps
from bot.slack.listeners import register
from bot.store import Store

LISTENER_THREADS = 8


class StartupError(Exception):
    """The Slack side cannot start; the message is the one line the operator sees (exit 2)."""


def verify_token(client: WebClient) -> dict:
    """`auth.test` with the bot token: who we are, or a StartupError saying why not."""
    if not client.token:
        raise StartupError("SLACK_BOT_TOKEN is not set")
    try:
        resp = client.auth_test()
    except SlackApiError as exc:
        error = (exc.response or {}).get("error") or "unknown error"
        raise StartupError(f"Slack rejected SLACK_BOT_TOKEN (auth.test: {error})") from None
    except (SlackClientError, OSError) as exc:
        raise StartupError(f"cannot reach the Slack API at {client.base_url} to check the token: {exc}") from None
    return resp.data if hasattr(resp, "data") else dict(resp)


def build_app(
    settings: Settings,
    store: Store,
    *,
    socket_mode: bool | None = None,
    admin_check: AdminCheck | None = None,
    client: WebClient | None = None,
    executor: ThreadPoolExecutor | None = None,
    process_before_response: bool = True,
) -> App:
    """The Bolt app with every listener registered; raises StartupError (token missing or
    rejected, signing secret missing in HTTP mode) before anything listens.
    (`process_before_response=False` exists only so bench/slack_ack.py can compare.)"""
    socket_mode = settings.socket_mode if socket_mode is None else socket_mode
    if not socket_mode and not settings.slack_signing_secret:
        raise StartupError(
            "SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN to use Socket Mode)"
        )
    client = client or make_client(settings)
    verify_token(client)  # a missing or rejected token: one precise line, before anything listens
    try:
        # Bolt checks the token once more (token_verification_enabled) and keeps that answer
        # to authorize every request, so the first slash command pays no extra round trip.
        app = App(
            # Bolt names loggers after the app and sets the level of the one called exactly
            # this on every request: a name of its own keeps our "aibrief" logger alone.
            name="aibrief.slack.bolt",
            client=client,
            signing_secret=settings.slack_signing_secret or "",
            process_before_response=process_before_response,
            request_verification_enabled=not socket_mode,
            token_verification_enabled=True,
            listener_executor=executor or ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="aibrief-slack"),
        )
    except (BoltError, SlackApiError, SlackClientError, OSError) as exc:
        raise StartupError(f"Slack rejected SLACK_BOT_TOKEN on the second check: {exc}") from None
    deps = Deps(store=store, settings=settings, admin_check=admin_check or AdminCheck(settings.admins))
    register(app, deps)
    return app
