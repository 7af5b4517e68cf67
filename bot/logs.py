"""Structured logs: one line an event, `key=value` pairs, and secrets scrubbed from every line.

The scrubbing sits in a logging.Filter on the root handler, so no code path (a library's
exception text included) can put a Slack token into the logs, nor a feed URL's password or
query values (`bot.redact`: `https://***@host/path?api_key=***`).
"""

from __future__ import annotations

import logging
import re
import sys

from bot.redact import redact_text

TOKEN_RE = re.compile(r"\bx(?:ox[abposr]|app)-[A-Za-z0-9-]{6,}")


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def scrub(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, "[redacted]")
        return redact_text(TOKEN_RE.sub("[redacted]", text))

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
        record.msg = self.scrub(message).replace("\n", " | ")
        record.args = ()
        return True


def setup_logging(level: str = "INFO", secrets: list[str] | None = None, stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s level=%(levelname)s logger=%(name)s %(message)s", "%Y-%m-%dT%H:%M:%S%z")
    )
    handler.addFilter(RedactSecrets(secrets or []))
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_aibrief", False):
            root.removeHandler(h)
    handler._aibrief = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    # Chatty libraries stay at WARNING unless we debug.
    for name in ("httpx", "httpcore", "apscheduler", "slack_bolt", "slack_sdk", "waitress"):
        logging.getLogger(name).setLevel(logging.DEBUG if level.upper() == "DEBUG" else logging.WARNING)
    logging.getLogger("aibrief.poll").setLevel(logging.NOTSET if level.upper() == "DEBUG" else logging.WARNING)
    # Never at debug: slack_sdk's webhook client logs each response_url (a bearer URL that
    # posts as the app for 30 minutes) with the whole private reply sent to it.
    logging.getLogger("slack_sdk.webhook").setLevel(logging.WARNING)
