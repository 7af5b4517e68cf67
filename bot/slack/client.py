"""The one way the bot builds a Slack Web API client: at SLACK_API_URL, with retries.

slack_sdk's retry handlers wait out a 429's Retry-After and retry connection errors and
5xx answers, so a brief Slack hiccup never loses a digest.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings


def retry_handlers(max_retries: int = 3) -> list:
    from bot.ops.metrics import SlackCallCounter  # first: it sees every answer (metrics), retries none

    return [
        SlackCallCounter(),
        ConnectionErrorRetryHandler(max_retry_count=max_retries),
        RateLimitErrorRetryHandler(max_retry_count=max_retries),
        ServerErrorRetryHandler(max_retry_count=max_retries),
    ]


def make_client(settings: Settings, token: str | None = None, timeout: int = 15) -> WebClient:
    client = WebClient(
        token=token or settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=retry_handlers(),
    )
    return client
