"""HTTP mode: Bolt's WSGI adapter at `POST /slack/events`, `GET /healthz`, served by waitress.

waitress is a production WSGI server (a fixed pool of worker threads behind an async
socket loop), unlike Bolt's built-in development server. `HttpServer` runs it on a
thread so the runner (and the tests) can start and stop it; `stop()` is graceful:
stop accepting, let requests in flight finish, then close what is left.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Callable, Iterable

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1 << 20  # 1 MiB: Slack's largest payloads (view submissions) are far smaller


class SlackWsgi:
    """The WSGI application: health check first, everything else to Bolt's adapter
    (which answers 404 for paths other than /slack/events)."""

    def __init__(self, app: App, health: Callable[[], dict]):
        self.slack = SlackRequestHandler(app, path=EVENTS_PATH)
        self.health = health

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            return self._health(environ, start_response)
        return self.slack(environ, start_response)

    def _health(self, environ: dict, start_response) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Length", "0")])
            return [b""]
        try:
            report = self.health()
        except Exception as exc:  # a health check must answer, never raise
            report = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        body = json.dumps(report).encode()
        status = "200 OK" if report.get("ok") else "503 Service Unavailable"
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                                ("Cache-Control", "no-store")])
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]


class HttpServer:
    """waitress on its own thread. `port=0` picks a free port (see `.port`)."""

    def __init__(self, wsgi, host: str, port: int, *, threads: int = 8):
        self._map: dict = {}
        self.server = waitress.create_server(
            wsgi,
            map=self._map,
            host=host,
            port=port,
            threads=threads,
            ident="aibrief",
            max_request_body_size=MAX_BODY,
            channel_timeout=60,
            clear_untrusted_proxy_headers=True,
        )
        self.thread = threading.Thread(target=self.server.run, name="aibrief-http", daemon=True)

    @property
    def host(self) -> str:
        return self.server.effective_host

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    @property
    def url(self) -> str:
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    def start(self) -> "HttpServer":
        self.thread.start()
        return self

    def stop(self, grace: float = 5.0) -> None:
        """Stop accepting, finish requests in flight (up to `grace` seconds), close the rest."""
        if not self.thread.is_alive():
            return
        stopped = threading.Event()

        def stop_accepting() -> None:
            wasyncore.dispatcher.close(self.server)  # the listening socket only
            stopped.set()

        self.server.trigger.pull_trigger(stop_accepting)
        stopped.wait(2)
        self.server.task_dispatcher.shutdown(cancel_pending=True, timeout=grace)
        deadline = time.monotonic() + 1.0  # let finished responses drain from their buffers
        while time.monotonic() < deadline and any(
            getattr(ch, "total_outbufs_len", 0) for ch in list(self.server.active_channels.values())
        ):
            time.sleep(0.01)
        self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self._map))
        self.thread.join(grace)

    def __enter__(self) -> "HttpServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
