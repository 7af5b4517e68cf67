"""The Socket Mode side of the Slack stand-in: a loopback WebSocket endpoint that behaves like
Slack's `wss://wss-primary.slack.com/link/…`, for tests.

`SlackStandIn(socket_mode=SocketModeStandIn())` (or `standin.attach_socket(...)`) makes
`apps.connections.open` hand out a fresh `ws://127.0.0.1:PORT/link/?ticket=N` URL per call,
as Slack does; the bot then connects here. Each connection gets `hello` first. The test then
drives it:

    sock.send_envelope("slash_commands", payload)          # → envelope_id
    sock.expect_ack(envelope_id, within=3.0)               # the ack, or AssertionError
    sock.request_refresh()                                 # {"type": "disconnect", "reason": "refresh_requested"}
    sock.drop()                                            # close the TCP connection, no close frame
    sock.drop(silent=True)                                 # stop reading: pings go unanswered
    sock.wait_connections(n)                               # until n connections said hello

Every frame the bot sends is recorded (`acks`, `frames`), with the connection it came on and
when, and every connection with its open/close times, so a test can assert "acked within 3 s",
"reconnected within 10 s" and "handled once". The server runs on its own asyncio loop in a
daemon thread (the `websockets` package); only 127.0.0.1 is ever bound.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

APP_ID = "A0AIBRIEF"
APP_TOKEN = "xapp-1-A0AIBRIEF-1-standin"  # the app-level token the tests give the bot (the stand-in takes any)


@dataclass
class Link:
    """One WebSocket connection the bot opened."""

    n: int
    ticket: str
    opened_at: float
    ws: Any = None
    closed_at: float | None = None
    close_code: int | None = None
    received_close_frame: bool = False  # the bot (not us) ended it with a close frame

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass
class Ack:
    envelope_id: str
    at: float
    link: int
    payload: Any = None


@dataclass
class Envelope:
    envelope_id: str
    type: str
    payload: dict
    sent_at: float
    link: int


class SocketModeStandIn:
    def __init__(self, *, hello_delay: float = 0.0):
        self.hello_delay = hello_delay
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server = None
        self._port = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._tickets = itertools.count(1)
        self._envelopes = itertools.count(1)
        self.links: list[Link] = []
        self.acks: list[Ack] = []
        self.envelopes: list[Envelope] = []
        self.frames: list[tuple[int, float, str]] = []  # (link, at, text) of every frame received
        self.issued: list[tuple[float, str]] = []  # (at, url) of every apps.connections.open answered
        self.refuse_connections = False  # answer the WebSocket upgrade with 503 (Slack down)

    # ---- life cycle ----------------------------------------------------------------------------
    def start(self) -> "SocketModeStandIn":
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)

            async def main() -> None:
                # No pings from our side: a "silent" drop must be seen by the bot's own keepalive.
                self._server = await serve(self._serve, "127.0.0.1", 0, ping_interval=None,
                                           process_request=self._process_request)
                self._port = self._server.sockets[0].getsockname()[1]
                ready.set()
                await self._server.serve_forever()

            try:
                loop.run_until_complete(main())
            except asyncio.CancelledError:
                pass
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="ws-standin", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the Socket Mode stand-in did not start")
        return self

    def stop(self) -> None:
        if self._loop is None or self._server is None:
            return
        loop, server = self._loop, self._server

        async def shutdown() -> None:
            server.close()
            for link in list(self.links):
                if link.ws is not None and link.open:
                    link.ws.transport.abort()
            await server.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(5)
        except Exception:
            pass
        if not loop.is_closed():
            try:
                loop.call_soon_threadsafe(lambda: [t.cancel() for t in asyncio.all_tasks(loop)])
            except RuntimeError:  # closed meanwhile
                pass
        if self._thread is not None:
            self._thread.join(5)
        self._loop = self._server = None

    def __enter__(self) -> "SocketModeStandIn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def reset(self) -> None:
        for link in list(self.links):
            if link.open and link.ws is not None:
                self._call(lambda ws=link.ws: ws.transport.abort())
        with self._lock:
            self.links.clear()
            self.acks.clear()
            self.envelopes.clear()
            self.frames.clear()
            self.issued.clear()
            self.refuse_connections = False

    # ---- what apps.connections.open answers ----------------------------------------------------
    def issue_url(self) -> str:
        url = f"ws://127.0.0.1:{self._port}/link/?ticket=t{next(self._tickets)}&app_id={APP_ID}"
        with self._lock:
            self.issued.append((time.monotonic(), url))
        return url

    # ---- the server side -------------------------------------------------------------------------
    def _process_request(self, connection, request):
        if self.refuse_connections:
            return connection.respond(503, "Slack is having trouble\n")
        return None

    async def _serve(self, ws) -> None:
        ticket = parse_qs(urlsplit(ws.request.path).query).get("ticket", ["?"])[0]
        with self._changed:
            link = Link(n=len(self.links), ticket=ticket, opened_at=time.monotonic(), ws=ws)
            self.links.append(link)
            self._changed.notify_all()
        try:
            if self.hello_delay:
                await asyncio.sleep(self.hello_delay)
            await ws.send(json.dumps({
                "type": "hello", "num_connections": sum(1 for x in self.links if x.open),
                "debug_info": {"host": "applink-standin", "build_number": 1, "approximate_connection_time": 18060},
                "connection_info": {"app_id": APP_ID},
            }))
            async for text in ws:
                self._received(link, text)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                link.closed_at = time.monotonic()
                link.close_code = ws.close_code
                link.received_close_frame = ws.protocol.close_rcvd is not None
                self._changed.notify_all()

    def _received(self, link: Link, text) -> None:
        now = time.monotonic()
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        with self._changed:
            self.frames.append((link.n, now, text))
            try:
                message = json.loads(text)
            except ValueError:
                message = None
            if isinstance(message, dict) and isinstance(message.get("envelope_id"), str):
                self.acks.append(Ack(message["envelope_id"], now, link.n, message.get("payload")))
            self._changed.notify_all()

    def _call(self, fn, timeout: float = 5.0):
        """Run `fn` (sync, or returning an awaitable) on the server's loop and return its result."""
        assert self._loop is not None, "not started"

        async def wrapper():
            value = fn()
            if asyncio.iscoroutine(value):
                value = await value
            return value

        return asyncio.run_coroutine_threadsafe(wrapper(), self._loop).result(timeout)

    # ---- driving it from a test ------------------------------------------------------------------
    def current(self) -> Link | None:
        """The newest open connection: where Slack would deliver the next envelope."""
        with self._lock:
            live = [link for link in self.links if link.open]
        return live[-1] if live else None

    def wait_connections(self, count: int, timeout: float = 15.0) -> Link:
        """Until `count` connections have been opened in all (the newest still open); returns it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                if len(self.links) >= count and self.links[count - 1].open:
                    return self.links[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for Socket Mode connection #{count} "
                                         f"({len(self.links)} opened)")
                self._changed.wait(left)

    def send(self, message: dict, link: Link | None = None) -> Link:
        link = link or self.current()
        assert link is not None and link.ws is not None, "the bot has no open Socket Mode connection"
        self._call(lambda: link.ws.send(json.dumps(message)))
        return link

    def send_envelope(self, kind: str, payload: dict, *, envelope_id: str | None = None,
                      retry_attempt: int | None = None, retry_reason: str | None = None,
                      link: Link | None = None) -> str:
        """Deliver one envelope (`slash_commands`, `interactive` or `events_api`) as Slack does."""
        envelope_id = envelope_id or f"env-{next(self._envelopes):04d}-{time.time_ns() % 10**9}"
        message: dict = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                         "accepts_response_payload": kind != "events_api"}
        if kind == "events_api":
            message["retry_attempt"] = retry_attempt or 0
            message["retry_reason"] = retry_reason or ""
        # The time is taken before sending: the bot may ack (an event is acked first thing)
        # before this thread is scheduled again, and an ack must never look older than its envelope.
        sent_at = time.monotonic()
        sent_on = self.send(message, link)
        with self._lock:
            self.envelopes.append(Envelope(envelope_id, kind, payload, sent_at, sent_on.n))
        return envelope_id

    def acks_for(self, envelope_id: str) -> list[Ack]:
        with self._lock:
            return [a for a in self.acks if a.envelope_id == envelope_id]

    def expect_ack(self, envelope_id: str, within: float = 3.0) -> Ack:
        """The bot's ack of `envelope_id`, which must come within `within` seconds of sending it."""
        with self._lock:
            sent = [e for e in self.envelopes if e.envelope_id == envelope_id]
        assert sent, f"envelope {envelope_id} was never sent"
        deadline = sent[-1].sent_at + within
        with self._changed:
            while True:
                got = [a for a in self.acks if a.envelope_id == envelope_id and a.at >= sent[-1].sent_at]
                if got:
                    return got[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"envelope {envelope_id} was not acknowledged within {within}s")
                self._changed.wait(left)

    def request_refresh(self, *, close_after: float = 5.0) -> Link:
        """Slack's "please reconnect": a `disconnect` (refresh_requested) on the current link,
        which is then closed properly `close_after` seconds later (or when the bot closes it)."""
        link = self.send({"type": "disconnect", "reason": "refresh_requested",
                          "debug_info": {"host": "applink-standin"}})

        async def close_later(ws=link.ws) -> None:
            await asyncio.sleep(close_after)
            await ws.close(1000, "refresh")

        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(close_later(), self._loop)
        return link

    def drop(self, *, silent: bool = False, link: Link | None = None) -> Link:
        """Lose the current connection without a close frame: the TCP connection is cut
        (`silent=False`), or the stand-in just stops reading and answering, as a dead network
        path or a frozen load balancer does (`silent=True`; only the bot's keepalive can tell)."""
        link = link or self.current()
        assert link is not None and link.ws is not None, "nothing to drop"
        if silent:
            self._call(lambda: link.ws.transport.pause_reading())
        else:
            self._call(lambda: link.ws.transport.abort())
        return link

    def wait_closed(self, link: Link, timeout: float = 15.0) -> float:
        deadline = time.monotonic() + timeout
        with self._changed:
            while link.open:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"connection #{link.n} still open after {timeout}s")
                self._changed.wait(left)
        return link.closed_at

    # ---- payloads, shaped as Slack sends them over Socket Mode ----------------------------------
    @staticmethod
    def slash_command(text: str, *, user: str, channel: str, response_url: str, team: str = "T0STANDIN") -> dict:
        return {
            "token": "legacy-unused", "team_id": team, "team_domain": "standin", "channel_id": channel,
            "channel_name": "general", "user_id": user, "user_name": user.lower(), "command": "/aibrief",
            "text": text, "api_app_id": APP_ID, "is_enterprise_install": "false",
            "response_url": response_url, "trigger_id": f"trig.{time.time_ns()}",
        }

    @staticmethod
    def block_action(action: dict, *, user: str, team: str = "T0STANDIN", view: dict | None = None,
                     channel: str | None = None, response_url: str | None = None) -> dict:
        payload = {
            "type": "block_actions", "team": {"id": team, "domain": "standin"},
            "user": {"id": user, "username": user.lower(), "team_id": team}, "api_app_id": APP_ID,
            "token": "legacy-unused", "trigger_id": f"trig.{time.time_ns()}",
            "actions": [{"action_ts": str(time.time()), "type": action.get("type", "button"), **action}],
        }
        if view is not None:
            payload.update({"container": {"type": "view", "view_id": view.get("id", "V0")}, "view": view})
        else:
            payload.update({"container": {"type": "message", "message_ts": "1700000000.000100",
                                          "channel_id": channel, "is_ephemeral": True},
                            "channel": {"id": channel, "name": "general"}, "response_url": response_url})
        return payload

    @staticmethod
    def view_submission(view: dict, values: dict, *, user: str, team: str = "T0STANDIN") -> dict:
        return {
            "type": "view_submission", "team": {"id": team, "domain": "standin"},
            "user": {"id": user, "username": user.lower(), "team_id": team}, "api_app_id": APP_ID,
            "token": "legacy-unused", "trigger_id": f"trig.{time.time_ns()}",
            "view": {**view, "state": {"values": values}, "hash": view.get("hash", "h1"), "team_id": team},
        }

    @staticmethod
    def event(event: dict, *, event_id: str | None = None, team: str = "T0STANDIN", bot_user: str = "U0AIBRIEF") -> dict:
        return {
            "token": "legacy-unused", "team_id": team, "api_app_id": APP_ID, "type": "event_callback",
            "event_id": event_id or f"Ev{time.time_ns()}", "event_time": int(time.time()), "event": event,
            "authorizations": [{"team_id": team, "user_id": bot_user, "is_bot": True}],
        }

