"""HTTP mode: `POST /slack/events` (checked by bot.slack.gate, then Bolt), `GET /healthz`,
served by waitress.

waitress is a production WSGI server (a fixed pool of worker threads behind an async
socket loop), unlike Bolt's built-in development server. `HttpServer` runs it on a
thread so the runner (and the tests) can start and stop it; `stop()` is graceful:
stop accepting, let requests in flight finish, then close what is left.

Every POST to the events path goes through the gate on its raw bytes first (signature,
timestamp, replay, shape: see gate.py) and only then to Bolt, as the BoltRequest the gate
already parsed; Bolt's own adapter serves the rest (its 404 for other paths and methods).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Callable, Iterable

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from waitress import wasyncore

from bot.slack.gate import RequestGate

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1 << 20  # 1 MiB: Slack's largest payloads (view submissions) are far smaller


class SlackWsgi:
    """The WSGI application: health check first, Slack's requests through the gate to Bolt,
    everything else to Bolt's adapter (which answers 404 for paths other than /slack/events)."""

    def __init__(self, app: App, health: Callable[[], dict], gate: RequestGate):
        self.app = app
        self.slack = SlackRequestHandler(app, path=EVENTS_PATH)
        self.health = health
        self.gate = gate

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == HEALTH_PATH:
            return self._health(environ, start_response)
        if path == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            return self._events(environ, start_response)
        return self.slack(environ, start_response)

    def _events(self, environ: dict, start_response) -> Iterable[bytes]:
        remote = environ.get("REMOTE_ADDR") or "?"
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.gate.refusals.warning(f"refused a request to /slack/events from {remote}: 400 bad Content-Length")
            return _answer(start_response, 400, {"error": "invalid request"})
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].lower().replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.lower().replace("_", "-")] = environ[key]
        verdict = self.gate.check(headers, body, query=environ.get("QUERY_STRING", ""), remote=remote)
        if verdict.request is None:
            return _answer(start_response, verdict.status, {"error": "invalid request"} if verdict.status >= 400 else None)
        try:
            response = self.app.dispatch(verdict.request)
        except Exception as exc:  # Bolt choking on a signed payload of an unexpected shape
            self.gate.refusals.warning(f"refused a signed request from {remote}: 400 Bolt could not handle it "
                                       f"({type(exc).__name__})")
            return _answer(start_response, 400, {"error": "invalid request"})
        wsgi_response = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
        start_response(wsgi_response.status, wsgi_response.get_headers())
        return wsgi_response.get_body()

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


def _answer(start_response, status: int, payload: dict | None) -> Iterable[bytes]:
    body = json.dumps(payload).encode() if payload is not None else b""
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 503: "Service Unavailable"}.get(status, "Error")
    headers = [("Content-Length", str(len(body)))]
    if payload is not None:
        headers.append(("Content-Type", "application/json"))
    start_response(f"{status} {reason}", headers)
    return [body]


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
