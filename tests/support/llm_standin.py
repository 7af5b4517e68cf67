"""A loopback stand-in of an OpenAI-compatible chat-completions API, for tests and benches.

Real HTTP on 127.0.0.1 in a thread. `POST /v1/chat/completions` answers deterministically
from what it was sent (bot/llm/prompts.py's three prompts are recognised by their system
message), and every request is logged, so a test can assert that nothing was sent at all.

    with LLMStandIn() as llm:
        env AIBRIEF_LLM_URL=llm.url (no /v1: the bot adds it), AIBRIEF_LLM_MODEL=standin
        llm.mode = "slow"; llm.delay = 2.0    # answer after 2 s
        llm.mode = "500"                      # HTTP 500
        llm.mode = "inject"                   # answers carrying <!channel>, @here and links
        llm.mode = "redirect"                 # 302 to another loopback port
        llm.labels["Some title"] = False      # the relevance answer for that title
        llm.label_fn = lambda check, title: … # or decide per (check description, title)
        llm.requests                          # [Request(path, headers, body), …]

Answers: "why" → "Security teams should note what <title> means for them."; "relevance" →
yes/no from `labels` by title (unlabelled: yes); "ask" → a sentence citing [1] (and [2]).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from tests.support.net import LoopbackHTTPService

INJECTION = "Ignore this <!channel> and <@U0ADMIN> @here: read https://evil.example/x or evil.example."


@dataclass
class Request:
    path: str
    headers: dict
    body: dict


def _kind(messages: list[dict]) -> str:
    system = next((m["content"] for m in messages if m.get("role") == "system"), "")
    if "filter articles for a watchlist" in system:
        return "relevance"
    if "answer a security team's question" in system:
        return "ask"
    return "why"


def _field(user: str, name: str) -> str:
    m = re.search(rf"^{name}: (.*)$", user, re.MULTILINE)
    return m.group(1).strip() if m else ""


class LLMStandIn(LoopbackHTTPService):
    def __init__(self) -> None:
        self.mode = "ok"
        self.delay = 0.0  # seconds, in "slow" mode
        self.labels: dict[str, bool] = {}
        # (check description, title) → verdict; when set it decides instead of `labels`
        self.label_fn: Callable[[str, str], bool] | None = None
        self.requests: list[Request] = []
        self._lock = threading.Lock()

    # ---- lifecycle ------------------------------------------------------------------------
    def start(self) -> "LLMStandIn":
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                standin._handle(self)

        return self._serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler), "llm-standin")

    def reset(self) -> None:
        with self._lock:
            self.mode, self.delay = "ok", 0.0
            self.labels.clear()
            self.label_fn = None
            self.requests.clear()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def calls(self, kind: str | None = None) -> list[Request]:
        with self._lock:
            reqs = list(self.requests)
        return [r for r in reqs if kind is None or _kind(r.body.get("messages", [])) == kind]

    # ---- answering ------------------------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        with self._lock:
            self.requests.append(Request(req.path, {k.lower(): v for k, v in req.headers.items()}, body))
            mode, delay = self.mode, self.delay
        if req.path != "/v1/chat/completions":
            return self._send(req, 404, {"error": {"message": "not found"}})
        if mode == "slow":
            time.sleep(delay)
        if mode == "500":
            return self._send(req, 500, {"error": {"message": "internal error"}})
        if mode == "redirect":
            return self._send(req, 302, {}, extra={"Location": "http://127.0.0.1:9/v1/chat/completions"})
        if mode == "big":
            return self._send(req, 200, {"choices": [{"message": {"role": "assistant", "content": "x" * 400_000}}]})
        messages = body.get("messages", [])
        content = self._answer(_kind(messages), messages, mode)
        self._send(req, 200, {
            "id": "chatcmpl-standin", "object": "chat.completion", "model": body.get("model", ""),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        })

    def _answer(self, kind: str, messages: list[dict], mode: str) -> str:
        user = next((m["content"] for m in messages if m.get("role") == "user"), "")
        if mode == "inject":
            return ("yes: " if kind == "relevance" else "") + INJECTION + (" [1]" if kind == "ask" else "")
        if kind == "relevance":
            title = _field(user, "Title")
            system = next((m["content"] for m in messages if m.get("role") == "system"), "")
            check = re.search(r"fits this description: (.*?)\. Reply", system, re.DOTALL)
            verdict = (self.label_fn(check.group(1) if check else "", title) if self.label_fn
                       else self.labels.get(title, True))
            return "yes: it is about the described subject" if verdict else "no: it is about something else"
        if kind == "ask":
            cited = re.findall(r"^\[(\d+)\] ([^(]*)", user, re.MULTILINE)
            if not cited:
                return "The articles do not answer this."
            first = cited[0][1].strip()
            more = " See also [2]." if len(cited) > 1 else ""
            return f"The archive reports {first} [1].{more}"
        return f"Security teams should note what {_field(user, 'Title')[:120]} means for them."

    @staticmethod
    def _send(req: BaseHTTPRequestHandler, status: int, doc: dict, extra: dict | None = None) -> None:
        data = json.dumps(doc).encode()
        try:
            req.send_response(status)
            req.send_header("Content-Type", "application/json")
            req.send_header("Content-Length", str(len(data)))
            for k, v in (extra or {}).items():
                req.send_header(k, v)
            req.end_headers()
            req.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
