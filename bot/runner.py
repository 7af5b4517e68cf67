"""`aibrief run`: the scheduler (feed polls, digests) plus the Slack listener, until SIGTERM/SIGINT.

Socket Mode when SLACK_APP_TOKEN is set (no public URL needed); otherwise HTTP mode on
PORT: waitress serving Bolt's WSGI adapter at POST /slack/events and GET /healthz.
Without SLACK_BOT_TOKEN only the scheduler runs, so feeds are still polled and the CLI
has fresh articles. A missing or rejected token stops the bot before anything starts,
with one line saying why and exit status 2.

Shutdown is graceful (bot/ops/shutdown.py): stop taking requests, finish those in flight and
the work they started, stop the scheduler (letting a running job finish; a digest stops
after its current message and resumes at the next start), give up the scheduler's
leadership, and close the store last. Prometheus metrics: GET /metrics (bot/ops/metrics.py).

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
    from bot.ops import metrics, shutdown
    from bot.scheduler import build_scheduler
    from bot.slack.app import LISTENER_THREADS
    from bot.slack.client import make_client

    stop = stop or threading.Event()
    shutdown.STOPPING.clear()
    with _signals(stop):  # first: a signal during start-up also stops cleanly
        store = prepare_store(settings)
        client = make_client(settings) if settings.slack_enabled else None
        leader = leadership_for(store, settings)
        metrics.watch_leader(leader.is_leader)
        scheduler = build_scheduler(store, settings, client, leader=leader)
        # The listeners' real work (lazy listeners) runs here, so a stop can wait for it.
        workers = shutdown.DrainingExecutor(LISTENER_THREADS, thread_name_prefix="aibrief-slack")
        stoppers: list = []
        try:
            if settings.slack_enabled:
                stop_listener = _start_listener(settings, store, client, host, leader=leader, executor=workers)
                if stop_listener is None:
                    return 2
                stoppers.append(stop_listener)
            else:
                extra = " (SLACK_APP_TOKEN is ignored without it)" if settings.slack_app_token else ""
                _say(
                    f"SLACK_BOT_TOKEN is not set{extra}: running only the scheduler, polling feeds every "
                    f"{settings.poll_minutes} min; Slack commands and digests are off."
                )
            if settings.metrics_port and (settings.socket_mode or not settings.slack_enabled):
                stop_metrics = _metrics_server(settings, store, host, leader)
                if stop_metrics is None:
                    return 2
                stoppers.append(stop_metrics)
            scheduler.start()
            leader.start(on_elected=scheduler.on_elected)  # after the listener: catch-ups may post at once
            while not stop.wait(0.5):
                pass
            return 0
        finally:
            _stop(stoppers, workers, scheduler, leader, store)


def _stop(stoppers: list, workers, scheduler, leader, store) -> None:
    """Stop accepting, drain the workers, then close the store (bot/ops/shutdown.py)."""
    from bot.ops import shutdown

    shutdown.STOPPING.set()  # a digest being posted stops after its current message
    deadline = shutdown.Deadline()
    for stop_one in stoppers:
        try:
            stop_one()  # no new requests; the acks in flight go out
        except Exception:
            log.exception("stopping a listener failed")
    drained = workers.drain(deadline.left())  # acknowledged requests finish and reply
    if scheduler.running:
        scheduler.shutdown(wait=True)  # a running job (a poll, a digest) finishes
    leader.stop()  # another replica may take over at once
    if drained:
        store.close()
    else:  # closing it under a running listener would crash the interpreter
        log.warning("stop: the store is left open for the listener(s) still running")
    shutdown.STOPPING.clear()  # this process may start again (tests), and the CLI posts digests
    log.info("stopped")


def _start_listener(settings: Settings, store, client, host: str, *, leader=None, executor=None):
    """Start Socket Mode or HTTP mode; returns a function that stops it, or None after
    saying why it could not start."""
    from bot.slack.app import StartupError, build_app

    try:
        app = build_app(settings, store, client=client, executor=executor)
    except StartupError as exc:
        _say(str(exc))
        return None
    if settings.socket_mode:
        return _socket_mode(settings, app, client, store)
    return _http_mode(settings, app, store, host, leader=leader)


def _socket_mode(settings: Settings, app, client, store):
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.slack.socket_mode import SocketModeClient, SocketModeError

    socket = SocketModeClient(app, settings.slack_app_token, web_client=client, seen=store)
    try:
        socket.connect()
    except SlackApiError as exc:
        socket.close()
        error = (exc.response or {}).get("error") or "unknown error"
        _say(f"Slack rejected SLACK_APP_TOKEN (apps.connections.open: {error})")
        return None
    except (SocketModeError, SlackClientError, OSError) as exc:
        socket.close()
        _say(f"cannot open the Socket Mode connection: {exc}")
        return None
    log.info("connected to Slack in Socket Mode")
    _say("connected to Slack in Socket Mode")
    return socket.close


def _http_mode(settings: Settings, app, store, host: str, *, leader=None):
    from bot.ops.metrics import MetricsWsgi
    from bot.slack.gate import RequestGate
    from bot.slack.http import EVENTS_PATH, HttpServer, SlackWsgi

    gate = RequestGate(settings.slack_signing_secret, store)  # replays refused across replicas: the store
    try:
        wsgi = MetricsWsgi(SlackWsgi(app, lambda: health(store, leader), gate))  # + GET /metrics
        server = HttpServer(wsgi, host, settings.port).start()
    except OSError as exc:
        _say(f"cannot listen on {host}:{settings.port}: {exc.strerror or exc}")
        return None
    _say(f"HTTP mode: listening on {server.url}{EVENTS_PATH} (health: {server.url}/healthz, "
         f"metrics: {server.url}/metrics)")
    return server.stop


def _metrics_server(settings: Settings, store, host: str, leader):
    """GET /metrics (and /healthz) on AIBRIEF_METRICS_PORT, where no HTTP server runs otherwise."""
    from bot.ops.metrics import MetricsWsgi
    from bot.slack.http import HttpServer

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            import json

            report = health(store, leader)
            body = json.dumps(report).encode()
            start_response("200 OK" if report.get("ok") else "503 Service Unavailable",
                           [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]

    try:
        server = HttpServer(MetricsWsgi(wsgi), host, settings.metrics_port, threads=2).start()
    except OSError as exc:
        _say(f"cannot listen on {host}:{settings.metrics_port} (AIBRIEF_METRICS_PORT): {exc.strerror or exc}")
        return None
    _say(f"metrics: {server.url}/metrics")
    return server.stop
