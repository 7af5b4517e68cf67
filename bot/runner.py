"""`aibrief run`: the scheduler (feed polls, digests) plus the Slack listener, until SIGTERM/SIGINT.

Socket Mode when SLACK_APP_TOKEN is set (no public URL needed); otherwise HTTP mode on
PORT: waitress serving Bolt's WSGI adapter at POST /slack/events and GET /healthz.
Without SLACK_BOT_TOKEN only the scheduler runs, so feeds are still polled and the CLI
has fresh articles. A missing or rejected token stops the bot before anything starts,
with one line saying why and exit status 2.

Shutdown is graceful: stop taking requests, finish those in flight, stop the scheduler
(letting a running job finish), give up the scheduler's leadership, close the store.

Several replicas may run against one database: each serves Slack, and only the one that
holds the leadership lock (bot/leader.py) runs the scheduled work.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

from bot.config import Settings

log = logging.getLogger("aibrief.run")

DEFAULT_HOST = "0.0.0.0"  # HTTP mode listens on every interface: Slack (or a proxy) must reach it


def _say(text: str) -> None:
    print(f"aibrief: {text}", file=sys.stderr, flush=True)


@contextmanager
def _signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set `stop` (only the main thread may install handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}

    def handler(signum, frame):
        log.info("received %s, shutting down", signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def health(store, leader=None) -> dict:
    """What GET /healthz reports: whether the database answers a query (`ok` and the
    status code follow it, so a load balancer keeps sending Slack's requests to followers
    too) and whether this replica leads the scheduled work (`leader`; null when this
    process runs no scheduler)."""
    try:
        store.count_feeds()
    except Exception as exc:
        report = {"ok": False, "database": f"error: {type(exc).__name__}"}
    else:
        report = {"ok": True, "database": "ok"}
    report["leader"] = leader.is_leader() if leader is not None else None
    return report


def run(settings: Settings, *, host: str = DEFAULT_HOST, stop: threading.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or `stop` is set); 0 after a clean stop, 2 when Slack
    refuses to start (the reason printed as one line)."""
    from bot.bootstrap import prepare_store
    from bot.leader import leadership_for
    from bot.scheduler import build_scheduler
    from bot.slack.client import make_client

    stop = stop or threading.Event()
    with _signals(stop):  # first: a signal during start-up also stops cleanly
        store = prepare_store(settings)
        client = make_client(settings) if settings.slack_enabled else None
        leader = leadership_for(store, settings)
        scheduler = build_scheduler(store, settings, client, leader=leader)
        stop_listener = None
        try:
            if settings.slack_enabled:
                stop_listener = _start_listener(settings, store, client, host, leader=leader)
                if stop_listener is None:
                    return 2
            else:
                extra = " (SLACK_APP_TOKEN is ignored without it)" if settings.slack_app_token else ""
                _say(
                    f"SLACK_BOT_TOKEN is not set{extra}: running only the scheduler, polling feeds every "
                    f"{settings.poll_minutes} min; Slack commands and digests are off."
                )
            scheduler.start()
            leader.start(on_elected=scheduler.on_elected)  # after the listener: catch-ups may post at once
            while not stop.wait(0.5):
                pass
            return 0
        finally:
            if stop_listener is not None:
                stop_listener()  # no new requests; those in flight finish
            if scheduler.running:
                scheduler.shutdown(wait=True)  # a running job (a poll, a digest) finishes
            leader.stop()  # another replica may take over at once
            store.close()
            log.info("stopped")


def _start_listener(settings: Settings, store, client, host: str, *, leader=None):
    """Start Socket Mode or HTTP mode; returns a function that stops it, or None after
    saying why it could not start."""
    from bot.slack.app import StartupError, build_app

    try:
        app = build_app(settings, store, client=client)
    except StartupError as exc:
        _say(str(exc))
        return None
    if settings.socket_mode:
        return _socket_mode(settings, app)
    return _http_mode(settings, app, store, host, leader=leader)


def _socket_mode(settings: Settings, app):
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError, SlackClientError

    handler = SocketModeHandler(app, settings.slack_app_token)
    try:
        handler.connect()
    except SlackApiError as exc:
        handler.close()
        error = (exc.response or {}).get("error") or "unknown error"
        _say(f"Slack rejected SLACK_APP_TOKEN (apps.connections.open: {error})")
        return None
    except (SlackClientError, OSError) as exc:
        handler.close()
        _say(f"cannot open the Socket Mode connection: {exc}")
        return None
    log.info("connected to Slack in Socket Mode")
    _say("connected to Slack in Socket Mode")
    return handler.close


def _http_mode(settings: Settings, app, store, host: str, *, leader=None):
    from bot.slack.gate import RequestGate
    from bot.slack.http import EVENTS_PATH, HttpServer, SlackWsgi

    gate = RequestGate(settings.slack_signing_secret, store)  # replays refused across replicas: the store
    try:
        server = HttpServer(SlackWsgi(app, lambda: health(store, leader), gate), host, settings.port).start()
    except OSError as exc:
        _say(f"cannot listen on {host}:{settings.port}: {exc.strerror or exc}")
        return None
    _say(f"HTTP mode: listening on {server.url}{EVENTS_PATH} (health: {server.url}/healthz)")
    return server.stop
