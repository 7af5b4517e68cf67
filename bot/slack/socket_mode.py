"""Socket Mode: the bot's own client, on the `websockets` package's threaded client.

Why not slack_sdk's built-in client (what Bolt's SocketModeHandler uses): when the connection
was lost without a close frame it took ~53 s to reconnect and spun a CPU core meanwhile — its
reader treats `recv() == b""` (the peer's FIN) as "no data yet" and loops at once, and only a
ping check every 5 s, after 4 unanswered intervals, notices. Here:

- a connection cut without a close frame (FIN or RST) ends the reader's blocking `recv` at
  once; a silent one (a dead network path: nothing arrives, nothing is refused) is found by
  the keepalive, a ping every PING_INTERVAL s that must be answered within PING_TIMEOUT s. The
  supervisor then opens a new connection at once (`apps.connections.open`, then the WebSocket,
  then Slack's `hello`), backing off 1, 2, 4 … 30 s only while that keeps failing. Nothing
  busy-waits: the reader blocks in `recv`, the supervisor on an Event.
- Slack's `disconnect` (`refresh_requested`, `warning`, …) opens the replacement first and
  closes the old connection once the envelopes it delivered are acknowledged.
- every envelope is acknowledged by its `envelope_id` on the connection it came on: an
  Events API envelope (whose ack carries nothing) on receipt, the others as soon as Bolt's ack
  function returns (process_before_response, see app.py), from a pool so one slow envelope
  never delays the next one's ack;
- an envelope already handled — the same `envelope_id`, or an Events API `event_id` Slack
  delivers again (`retry_attempt`) — is acknowledged and not handled twice, also when another
  replica handled it: the keys are recorded in the database (`slack_seen`, as HTTP mode's
  gate does, bot/slack/gate.py).
"""

from __future__ import annotations

import inspect
import json
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from slack_bolt import App
from slack_bolt.request import BoltRequest
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

from bot.slack.gate import EVENT_MEMORY

log = logging.getLogger("aibrief.slack.socket")

PING_INTERVAL = 3.0  # seconds between keepalive pings
PING_TIMEOUT = 3.0  # a ping unanswered this long ends the connection: a silent drop is seen within ~7 s
OPEN_TIMEOUT = 10.0  # TCP + TLS + WebSocket handshake
HELLO_TIMEOUT = 10.0  # Slack's `hello` after the handshake
CLOSE_TIMEOUT = 1.0  # a dead peer never answers our close frame: do not wait long for it
BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)  # between failed reconnects (with jitter)
RETIRE_GRACE = 5.0  # an old connection is closed when its envelopes are acked, or after this
DISPATCH_THREADS = 8


# websockets logs a failed keepalive as an ERROR with a traceback; the reader logs the lost
# connection itself, in one line, so the library's own lines are kept for real trouble only.
_ws_log = logging.getLogger("aibrief.slack.websocket")
_ws_log.setLevel(logging.CRITICAL)
_LEGACY_FLAG = "legacy" in inspect.signature(connect).parameters


class SocketModeError(Exception):
    """The Socket Mode connection cannot be opened; the message is one line for the operator."""


@dataclass(eq=False)
class _Link:
    """One WebSocket connection to Slack."""

    ws: ClientConnection
    n: int
    hello: threading.Event = field(default_factory=threading.Event)
    dead: threading.Event = field(default_factory=threading.Event)
    retiring: bool = False  # Slack asked us to move to a new connection
    inflight: int = 0
    lost_at: float | None = None


class SocketModeClient:
    """Receives Slack's envelopes for a Bolt `App` over Socket Mode; see the module docstring.

    `connect()` opens the first connection (raising slack_sdk's SlackApiError when Slack refuses
    the app token, SocketModeError when the WebSocket cannot be opened) and starts the
    supervisor; `close()` stops taking envelopes, acknowledges those in hand and closes.
    `seen` is the store (first_sighting) shared by the replicas, or None (no duplicate check
    beyond this process)."""

    def __init__(self, app: App, app_token: str, *, web_client, seen=None,
                 ping_interval: float = PING_INTERVAL, ping_timeout: float = PING_TIMEOUT,
                 clock: Callable[[], float] = time.time):
        self.app = app
        self.app_token = app_token
        self.web_client = web_client
        self.seen = seen
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.clock = clock
        self.reconnects: list[float] = []  # seconds from losing a connection to the next hello
        self.connections = 0
        self._current: _Link | None = None
        self._links: list[_Link] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._pool = ThreadPoolExecutor(DISPATCH_THREADS, thread_name_prefix="aibrief-socket-ack")
        self._supervisor: threading.Thread | None = None
        self._handled: dict[str, float] = {}  # envelope ids handled here (without a store)

    # ---- life cycle -------------------------------------------------------------------------------
    def connect(self) -> None:
        self._current = self._open()
        self._supervisor = threading.Thread(target=self._supervise, name="aibrief-socket", daemon=True)
        self._supervisor.start()

    def is_connected(self) -> bool:
        link = self._current
        return link is not None and link.hello.is_set() and not link.dead.is_set()

    def close(self) -> None:
        """Stop accepting envelopes, acknowledge the ones being handled, close the connections."""
        self._closing.set()
        self._wake.set()
        if self._supervisor is not None and self._supervisor is not threading.current_thread():
            self._supervisor.join(5)
        self._pool.shutdown(wait=True)  # acks in hand go out while the connections are still open
        with self._lock:
            links = list(self._links)
        for link in links:
            self._close_link(link)
        log.info("Socket Mode connection closed")

    # ---- connections ------------------------------------------------------------------------------
    def _open(self) -> _Link:
        """apps.connections.open, the WebSocket handshake, Slack's hello: a live link or an error."""
        url = self.web_client.apps_connections_open(app_token=self.app_token)["url"]
        options = dict(open_timeout=OPEN_TIMEOUT, ping_interval=self.ping_interval, ping_timeout=self.ping_timeout,
                       close_timeout=CLOSE_TIMEOUT, user_agent_header="aibrief (Socket Mode)", logger=_ws_log)
        if _LEGACY_FLAG:  # websockets 17+: a direct connection, not its auto-reconnecting iterator
            options["legacy"] = True
        try:
            ws = connect(url, **options)
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
            raise SocketModeError(f"cannot open the Socket Mode WebSocket: {_one_line(exc)}") from None
        with self._lock:
            self.connections += 1
            link = _Link(ws=ws, n=self.connections)
            self._links.append(link)
        threading.Thread(target=self._read, args=(link,), name=f"aibrief-socket-{link.n}", daemon=True).start()
        deadline = time.monotonic() + HELLO_TIMEOUT
        while not link.hello.wait(0.05):  # a short wait, only while a connection opens
            if link.dead.is_set() or time.monotonic() >= deadline:
                self._close_link(link)
                raise SocketModeError("Slack opened the Socket Mode connection but sent no hello")
        log.info("Socket Mode connection %d open", link.n)
        return link

    def _read(self, link: _Link) -> None:
        try:
            while True:  # blocks in recv; ConnectionClosedOK after a close frame, …Error when lost
                self._on_frame(link, link.ws.recv())
        except ConnectionClosedOK:
            pass
        except ConnectionClosed as exc:
            if not self._closing.is_set():
                log.warning("Socket Mode connection %d lost (%s)", link.n, _one_line(exc))
        except Exception:  # never let a reader die silently: the supervisor must hear of it
            log.exception("Socket Mode connection %d: reader failed", link.n)
        finally:
            link.lost_at = time.monotonic()
            link.dead.set()
            self._wake.set()

    def _supervise(self) -> None:
        failures = 0
        while not self._closing.is_set():
            self._wake.wait(self.ping_interval)
            self._wake.clear()
            if self._closing.is_set():
                return
            current = self._current
            if current is not None and not current.dead.is_set() and not current.retiring:
                continue
            if failures:
                delay = BACKOFF[min(failures - 1, len(BACKOFF) - 1)] * random.uniform(0.8, 1.2)
                if self._closing.wait(delay):
                    return
            try:
                new = self._open()
            except Exception as exc:  # Slack or the network is down: try again, later each time
                failures += 1
                log.warning("Socket Mode reconnect failed (try %d): %s", failures, _one_line(exc))
                self._wake.set()
                continue
            failures = 0
            self._current = new
            if current is not None:
                if current.lost_at is not None:
                    self.reconnects.append(time.monotonic() - current.lost_at)
                    log.info("Socket Mode reconnected in %.2f s", self.reconnects[-1])
                    _metric("reconnected")
                else:
                    _metric("refreshed")
                threading.Thread(target=self._retire, args=(current,), daemon=True).start()

    def _retire(self, link: _Link) -> None:
        until = time.monotonic() + RETIRE_GRACE
        while link.inflight and time.monotonic() < until and not link.dead.is_set():
            time.sleep(0.05)
        self._close_link(link)

    def _close_link(self, link: _Link) -> None:
        try:
            link.ws.close()
        except Exception:  # already gone
            pass
        link.dead.wait(CLOSE_TIMEOUT + 1)
        with self._lock:
            if link in self._links:
                self._links.remove(link)

    # ---- envelopes --------------------------------------------------------------------------------
    def _on_frame(self, link: _Link, text) -> None:
        try:
            message = json.loads(text)
        except (TypeError, ValueError):
            log.warning("Socket Mode connection %d: a frame that is not JSON ignored", link.n)
            return
        if not isinstance(message, dict):
            return
        kind = message.get("type")
        if kind == "hello":
            link.hello.set()
        elif kind == "disconnect":
            log.info("Slack asks for a new Socket Mode connection (reason: %s)", message.get("reason"))
            link.retiring = True
            self._wake.set()
        elif isinstance(message.get("envelope_id"), str) and not self._closing.is_set():
            with self._lock:
                link.inflight += 1
            try:
                self._pool.submit(self._dispatch, link, message)
            except RuntimeError:  # closing: Slack delivers it again (events) or the user retries
                with self._lock:
                    link.inflight -= 1

    def _dispatch(self, link: _Link, message: dict) -> None:
        envelope_id = message["envelope_id"]
        # An event's ack carries nothing, so it goes out first: looking the event up in the
        # database (which may wait for a poll's write) must not cost Slack's 3 seconds.
        acked = message.get("type") == "events_api"
        if acked:
            self._ack(link, envelope_id)
        try:
            payload = message.get("payload")
            if not isinstance(payload, dict):
                if not acked:
                    self._ack(link, envelope_id)
                return
            first = self._first_sighting(envelope_id, message)
            if first is None:  # the database cannot tell: an event is acked already, so Slack will
                first = True  # not deliver it again, and handling it twice beats losing it
            if not first:
                log.info("Socket Mode envelope %s already handled (%s); acknowledged only", envelope_id,
                         message.get("type"))
                _metric("duplicate")
                acked or self._ack(link, envelope_id)
                return
            headers = {}
            if message.get("retry_attempt"):
                headers["x-slack-retry-num"] = str(message["retry_attempt"])
                headers["x-slack-retry-reason"] = str(message.get("retry_reason") or "")
            response = self.app.dispatch(BoltRequest(mode="socket_mode", body=payload, headers=headers or None))
            _metric(str(message.get("type") or "unknown"))
            if response.status != 200:
                log.info("Socket Mode envelope %s: Bolt answered %s", envelope_id, response.status)
                acked or self._ack(link, envelope_id)
                return
            body = response.body
            if not body:
                acked or self._ack(link, envelope_id)
            elif (response.headers.get("content-type") or [""])[0].startswith("application/json"):
                acked or self._ack(link, envelope_id, json.loads(body))
            else:
                acked or self._ack(link, envelope_id, {"text": body})
        except Exception:
            log.exception("Socket Mode envelope %s failed", envelope_id)
        finally:
            with self._lock:
                link.inflight -= 1

    def _first_sighting(self, envelope_id: str, message: dict) -> bool | None:
        """True the first time this envelope (and, for an event, its event_id) is seen by any
        replica; False for a repeat; None when the database cannot say (events only)."""
        now = int(self.clock())
        payload = message.get("payload") or {}
        event_id = payload.get("event_id") if message.get("type") == "events_api" else None
        if self.seen is None:
            key = event_id or envelope_id
            with self._lock:
                for k in [k for k, t in self._handled.items() if t < now]:
                    del self._handled[k]
                if key in self._handled:
                    return False
                self._handled[key] = now + EVENT_MEMORY
            return True
        try:
            if not self.seen.first_sighting(f"envelope:{envelope_id}", expires_at=now + EVENT_MEMORY, now=now):
                return False
            if isinstance(event_id, str) and event_id:
                return self.seen.first_sighting(f"event:{event_id}", expires_at=now + EVENT_MEMORY, now=now)
            return True
        except Exception as exc:
            if event_id:
                log.warning("cannot check event %s for a repeat (%s); handling it (acked already)", event_id,
                            type(exc).__name__)
                return None
            log.warning("cannot check envelope %s for a repeat (%s); handling it", envelope_id, type(exc).__name__)
            return True

    def _ack(self, link: _Link, envelope_id: str, payload: dict | None = None) -> None:
        frame = json.dumps({"envelope_id": envelope_id, **({"payload": payload} if payload else {})})
        for target in (link, self._current):
            if target is None:
                continue
            try:
                target.ws.send(frame)
                return
            except ConnectionClosed:
                continue
        log.warning("Socket Mode envelope %s could not be acknowledged: no open connection", envelope_id)


def _metric(kind: str) -> None:
    from bot.ops import metrics

    metrics.socket_event(kind)


def _one_line(exc: BaseException) -> str:
    return (" ".join(str(exc).split()) or type(exc).__name__)[:300]
