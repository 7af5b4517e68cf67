"""The real Slack app in HTTP mode on a free loopback port, and a Slack-like client for it.

`SlackAppHarness` starts what `aibrief run` starts in HTTP mode (bot.slack.app.build_app
behind waitress via bot.slack.http) against the loopback Slack stand-in, and sends it
requests signed the way Slack signs them (HMAC-SHA256 of `v0:timestamp:body` with the
signing secret). Payload builders follow the shapes Slack documents for slash commands,
block_actions, view_submission and event_callback.

`timings` records, for every request, the server-side time from the WSGI call to the
complete response (the ack), measured inside the server process.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

from bot.config import Settings
from bot.runner import health
from bot.slack.app import build_app
from bot.slack.gate import RequestGate
from bot.slack.http import HttpServer, SlackWsgi

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0STANDIN"
CHANNEL = "C0GENERAL1"
ADMIN = "U0ENVADMIN"  # in AIBRIEF_ADMINS
SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"  # the two real articles the bot must find


class TimedWsgi:
    """WSGI middleware: server-side seconds from request to complete response, per request."""

    def __init__(self, app):
        self.app = app
        self.timings: list[tuple[str, float]] = []

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        body = b"".join(self.app(environ, start_response))
        self.timings.append((environ.get("PATH_INFO", ""), time.perf_counter() - started))
        return [body]


def sign(body: bytes, timestamp: int | str, secret: str = SECRET) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class SlackAppHarness:
    store: object
    slack: object  # tests.support.slack_standin.SlackStandIn
    settings: Settings = None
    server: HttpServer = None
    wsgi: TimedWsgi = None
    http: httpx.Client = None
    _n: int = field(default=0)

    def start(self, *, process_before_response: bool = True, **settings_overrides) -> "SlackAppHarness":
        values = dict(
            slack_bot_token="xoxb-standin-token",
            slack_signing_secret=SECRET,
            slack_api_url=self.slack.url,
            database=getattr(self.store, "path", ":memory:"),
            admins=frozenset({ADMIN}),
        )
        values.update(settings_overrides)
        self.settings = Settings(**values)
        app = build_app(self.settings, self.store, process_before_response=process_before_response)
        gate = RequestGate(self.settings.slack_signing_secret, self.store)
        self.wsgi = TimedWsgi(SlackWsgi(app, lambda: health(self.store), gate))
        self.server = HttpServer(self.wsgi, "127.0.0.1", 0, threads=4).start()
        self.http = httpx.Client(base_url=self.server.url, timeout=10)
        return self

    def stop(self) -> None:
        if self.http is not None:
            self.http.close()
        if self.server is not None:
            self.server.stop()

    # ---- sending ---------------------------------------------------------------------------
    def post(self, body: bytes, content_type: str, *, timestamp: int | None = None, secret: str = SECRET,
             signed: bool = True, signature: str | None = None) -> httpx.Response:
        ts = int(time.time()) if timestamp is None else timestamp
        headers = {"Content-Type": content_type}
        if signed:
            headers["X-Slack-Request-Timestamp"] = str(ts)
            headers["X-Slack-Signature"] = signature or sign(body, ts, secret)
        return self.http.post("/slack/events", content=body, headers=headers)

    def response_key(self) -> str:
        self._n += 1
        return f"r{self._n}"

    def command(self, text: str, *, user: str = ADMIN, channel: str = CHANNEL, key: str | None = None,
                **kw) -> tuple[httpx.Response, str]:
        """Send `/aibrief text`; returns (the HTTP response = the ack, the response_url key)."""
        key = key or self.response_key()
        form = {
            "token": "legacy-unused", "team_id": TEAM, "team_domain": "standin", "channel_id": channel,
            "channel_name": "general", "user_id": user, "user_name": user.lower(), "command": "/aibrief",
            "text": text, "api_app_id": "A0AIBRIEF", "is_enterprise_install": "false",
            "response_url": self.slack.response_url(key), "trigger_id": f"trig.{key}",
        }
        return self.post(urlencode(form).encode(), "application/x-www-form-urlencoded", **kw), key

    def interact(self, payload: dict, **kw) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded", **kw)

    def click(self, action: dict, *, user: str = ADMIN, channel: str = CHANNEL, key: str | None = None,
              view: dict | None = None, ephemeral: bool = True) -> tuple[httpx.Response, str]:
        """A block_actions payload for a button (or input) in a message (an ephemeral one
        unless `ephemeral=False`: a message posted in the channel), or in a view if `view`."""
        key = key or self.response_key()
        payload = {
            "type": "block_actions", "team": {"id": TEAM, "domain": "standin"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A0AIBRIEF", "token": "legacy-unused", "trigger_id": f"trig.{key}",
            "actions": [{"action_ts": str(time.time()), "type": action.get("type", "button"), **action}],
        }
        if view is None:
            payload.update({
                "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": channel,
                              "is_ephemeral": ephemeral},
                "channel": {"id": channel, "name": "general"},
                "response_url": self.slack.response_url(key),
            })
        else:
            payload.update({"container": {"type": "view", "view_id": view["id"]}, "view": view})
        return self.interact(payload), key

    def submit(self, view: dict, values: dict, *, user: str = ADMIN) -> httpx.Response:
        """A view_submission for `view` with state `values` {block_id: {action_id: element_state}}."""
        submitted = {**view, "state": {"values": values}, "hash": view.get("hash", "h1"), "team_id": TEAM}
        payload = {
            "type": "view_submission", "team": {"id": TEAM, "domain": "standin"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A0AIBRIEF", "token": "legacy-unused", "trigger_id": "trig.submit",
            "view": submitted,
        }
        return self.interact(payload)

    def event(self, event: dict, **kw) -> httpx.Response:
        body = json.dumps({
            "token": "legacy-unused", "team_id": TEAM, "api_app_id": "A0AIBRIEF", "type": "event_callback",
            "event_id": f"Ev{time.time_ns()}", "event_time": int(time.time()), "event": event,
            "authorizations": [{"team_id": TEAM, "user_id": "U0AIBRIEF", "is_bot": True}],
        }).encode()
        return self.post(body, "application/json", **kw)

    # ---- waiting for what the app sent -----------------------------------------------------------
    def replies(self, key: str, count: int = 1, timeout: float = 10.0) -> list[dict]:
        """The bodies posted to response_url `key`, once there are `count` of them."""
        return wait_for(lambda: self.slack.responses.get(key) if len(self.slack.responses.get(key, [])) >= count
                        else None, timeout, f"{count} response(s) to {key}")

    def reply(self, key: str) -> dict:
        return self.replies(key)[0]

    def calls(self, method: str, count: int = 1, timeout: float = 10.0) -> list:
        return wait_for(lambda: (c := self.slack.calls(method)) and len(c) >= count and c, timeout,
                        f"{count} call(s) of {method}")


def wait_for(probe, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
