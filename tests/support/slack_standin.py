"""A loopback stand-in of the Slack Web API, for tests: real HTTP on 127.0.0.1, in a thread.

Point a client at it with `SLACK_API_URL=standin.url` (or `WebClient(base_url=standin.url)`)
and it answers the methods the bot uses like Slack does, records every request it got,
and can be told to fail the next calls of a method.

    with SlackStandIn() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.url)
        slack.fail("chat.postMessage", 429)           # next call: 429, Retry-After: 1
        slack.fail("chat.postMessage", 500, after=True)  # next call: stored, then HTTP 500
        slack.fail("chat.postMessage", "not_in_channel", times=2)
        slack.slow(0.2, "chat.postMessage")  # stored at once, answered 0.2 s later
        ...
        slack.calls("chat.postMessage")   # [Call(method, body, headers, status, …), …]
        slack.messages("C0123ABCD")         # what the channel now holds

Answers: auth.test, users.info, chat.postMessage (incrementing ts; keeps text, blocks,
thread_ts and metadata), chat.postEphemeral, chat.update, conversations.history and
conversations.replies (with metadata only when include_all_metadata is set, as Slack),
conversations.info (the bot is a member unless the channel is in `not_member`),
conversations.open (a person's DM channel, `D` + their ID without its first letter, the same
every time, `already_open` after the first; errors as Slack's: `missing_scope` without
im:write, `user_not_found` for an unknown user, `user_disabled` for a deactivated one (added
with `deleted=True`), `cannot_dm_bot`, `users_list_not_supplied`; chat.postMessage to a `D…`
channel never opened answers `channel_not_found`), views.publish,
views.open, and `POST /response/<id>` (a response_url). `auth.test` carries the granted bot
scopes in its `x-oauth-scopes` header (`scopes`, by default everything slack-manifest.yml asks
for). With a Socket Mode stand-in attached (tests/support/ws_standin.py: `SlackStandIn(socket_mode=…)`
or `attach_socket`), `apps.connections.open` with an `xapp-` token answers its `ws://` URL;
without one it answers `not_authed`.
Any other method answers {"ok": false, "error": "unknown_method"}; `on(method, fn)` adds one.
A request without a `Bearer xoxb-…` token gets `not_authed`.

Failure kinds: an int status (429 → `Retry-After`; 500/503 …), an error string
(`{"ok": false, "error": …}` with 200, as Slack does), or "drop" (the connection is closed
without an answer). `after=True` performs the call first, then fails: Slack's worst case,
where the client cannot know its message was stored.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

from tests.support.net import LoopbackHTTPService

BOT_USER = "U0AIBRIEF"
BOT_ID = "B0AIBRIEF"
TEAM_ID = "T0STANDIN"
JSON_FIELDS = ("blocks", "attachments", "metadata", "view")


@dataclass
class Call:
    """One request the stand-in received."""

    method: str  # API method ("chat.postMessage") or "response/<id>"
    path: str
    http_method: str
    headers: dict  # lower-cased names
    body: dict  # form or JSON body merged with query parameters; JSON fields decoded
    raw: bytes
    status: int = 200  # what was answered
    answer: Any = None
    at: float = field(default_factory=time.time)


@dataclass
class _Failure:
    kind: Any
    retry_after: int = 1
    after: bool = False


# What slack-manifest.yml asks for: granted by default (tests/test_ops_doctor.py takes one away).
DEFAULT_SCOPES = ("commands", "chat:write", "users:read", "channels:read", "groups:read", "channels:history",
                  "groups:history", "im:write", "im:history")


class SlackStandIn(LoopbackHTTPService):
    def __init__(self, *, retry_after: int = 1, socket_mode=None):
        self.retry_after = retry_after
        self.socket = socket_mode  # a started tests.support.ws_standin.SocketModeStandIn, or None
        self.scopes: list[str] = list(DEFAULT_SCOPES)
        self.not_member: set[str] = set()
        self.dms: dict[str, str] = {}  # user ID → the DM channel conversations.open gave
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._channels: dict[str, list[dict]] = {}
        self._handlers: dict[str, Callable[[dict, "SlackStandIn"], dict]] = {}
        self.ephemeral: list[dict] = []
        self.views: list[dict] = []
        self.responses: dict[str, list[dict]] = {}
        self.users: dict[str, dict] = self._default_users()
        self._delays: dict[str | None, float] = {}  # method (None: every method) → seconds, see slow()
        self._ts_base = int(time.time())
        self._ts_n = 0
        self._ts_lock = threading.Lock()

    # ---- life cycle --------------------------------------------------------------------------
    def start(self) -> "SlackStandIn":
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                standin._handle(self)

            do_GET = do_POST

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # bursts of replies from many threads: no dropped SYNs (1 s retries)

        server = Server(("127.0.0.1", 0), Handler)
        server.handle_error = lambda request, address: None  # "drop" breaks connections on purpose
        return self._serve(server, "slack-standin")

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The Web API base URL (SLACK_API_URL)."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str = "1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{key}"

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._failures.clear()
            self._channels.clear()
            self._handlers.clear()
            self.ephemeral.clear()
            self.views.clear()
            self.responses.clear()
            self.users = self._default_users()
            self._delays.clear()
            self.scopes = list(DEFAULT_SCOPES)
            self.not_member = set()
            self.dms = {}

    @staticmethod
    def _default_users() -> dict[str, dict]:
        return {BOT_USER: {"id": BOT_USER, "name": "aibrief", "is_bot": True, "is_admin": False, "is_owner": False}}

    # ---- programming it ------------------------------------------------------------------------
    def slow(self, seconds: float, method: str | None = None) -> None:
        """Answer `method` (every method when None) `seconds` late: the request is carried out
        at once (a message is stored), then the answer waits — the window in which a client
        killed mid-call cannot know its message is in Slack. 0 removes the delay."""
        with self._lock:
            if seconds > 0:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def fail(self, method: str, kind: Any, *, times: int = 1, retry_after: int | None = None,
             after: bool = False, skip: int = 0) -> None:
        """Make the next `times` calls of `method` (after `skip` good ones) fail with `kind`
        (see the module docstring). Calls queue up: two fail() calls fail two calls."""
        with self._lock:
            q = self._failures.setdefault(method, deque())
            for _ in range(skip):
                q.append(_Failure(None))
            for _ in range(times):
                q.append(_Failure(kind, self.retry_after if retry_after is None else retry_after, after))

    def on(self, method: str, handler: Callable[[dict, "SlackStandIn"], dict]) -> None:
        """Answer `method` with handler(body, standin) → the JSON answer."""
        self._handlers[method] = handler

    def attach_socket(self, socket_mode) -> None:
        """Answer apps.connections.open with this Socket Mode stand-in's URLs (None: detach)."""
        self.socket = socket_mode

    def add_user(self, user_id: str, *, is_admin: bool = False, is_owner: bool = False, **extra) -> None:
        self.users[user_id] = {"id": user_id, "name": user_id.lower(), "is_admin": is_admin,
                               "is_owner": is_owner, "is_bot": False, **extra}

    # ---- reading what happened ---------------------------------------------------------------------
    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def messages(self, channel: str | None = None) -> list[dict]:
        """Messages posted (thread replies included), oldest first."""
        with self._lock:
            if channel is not None:
                return [dict(m) for m in self._channels.get(channel, [])]
            return [dict(m) for msgs in self._channels.values() for m in msgs]

    def add_message(self, channel: str, **message) -> dict:
        """Put a message into a channel as if someone had posted it."""
        with self._lock:
            msg = {"type": "message", "ts": self._next_ts(), **message}
            self._channels.setdefault(channel, []).append(msg)
            return msg

    # ---- HTTP ---------------------------------------------------------------------------------------
    def _next_ts(self) -> str:
        """Like Slack's: the posting time in seconds, with a counter after the dot so that
        each ts is unique and increasing (a stand-in living for the whole suite must not hand
        out times from its start: `oldest=` look-ups would miss its messages)."""
        with self._ts_lock:
            self._ts_n += 1
            return f"{max(int(time.time()), self._ts_base)}.{self._ts_n:06d}"

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(req.path)
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in req.headers.items()}
        body: dict = dict(parse_qsl(parts.query, keep_blank_values=True))
        ctype = headers.get("content-type", "")
        if raw:
            if "json" in ctype:
                try:
                    body.update(json.loads(raw.decode("utf-8")))
                except ValueError:
                    pass
            else:
                body.update(dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True)))
        for key in JSON_FIELDS:
            if isinstance(body.get(key), str):
                try:
                    body[key] = json.loads(body[key])
                except ValueError:
                    pass
        path = parts.path
        if path.startswith("/api/"):
            method = path[len("/api/"):]
        elif path.startswith("/response/"):
            method = "response/" + path[len("/response/"):]
        else:
            method = path.lstrip("/")
        call = Call(method, path, req.command, headers, body, raw)
        with self._lock:
            self._calls.append(call)
            failure = None
            q = self._failures.get(method)
            if q:
                failure = q.popleft()
                if failure.kind is None:  # a call let through by `skip`
                    failure = None
        if failure is not None and not failure.after:
            self._fail(req, call, failure)
            return
        status, answer = 200, self._answer(method, body, headers)
        extra = {"x-oauth-scopes": ",".join(self.scopes)} if method == "auth.test" and answer.get("ok") else None
        with self._lock:
            delay = self._delays.get(method, self._delays.get(None, 0.0))
        if delay:
            time.sleep(delay)
        if failure is not None:
            self._fail(req, call, failure)
            return
        self._send(req, call, status, answer, extra)

    def _fail(self, req: BaseHTTPRequestHandler, call: Call, failure: _Failure) -> None:
        kind = failure.kind
        if kind == "drop":
            call.status = 0
            req.close_connection = True
            try:
                req.connection.shutdown(2)
            except OSError:
                pass
            return
        if isinstance(kind, int):
            extra = {"Retry-After": str(failure.retry_after)} if kind == 429 else {}
            error = "ratelimited" if kind == 429 else "internal_error"
            self._send(req, call, kind, {"ok": False, "error": error}, extra)
            return
        self._send(req, call, 200, {"ok": False, "error": str(kind)})

    def _send(self, req: BaseHTTPRequestHandler, call: Call, status: int, answer: Any,
              headers: dict | None = None) -> None:
        call.status, call.answer = status, answer
        data = json.dumps(answer).encode("utf-8")
        req.send_response(status)
        req.send_header("Content-Type", "application/json; charset=utf-8")
        req.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            req.send_header(k, v)
        req.end_headers()
        req.wfile.write(data)

    # ---- the methods ----------------------------------------------------------------------------------
    def _answer(self, method: str, body: dict, headers: dict) -> dict:
        if method.startswith("response/"):
            with self._lock:
                self.responses.setdefault(method.split("/", 1)[1], []).append(body)
            return {"ok": True}
        auth = headers.get("authorization", "")
        if method == "apps.connections.open":
            return self._connections_open(auth)
        if not auth.startswith("Bearer xox"):
            return {"ok": False, "error": "not_authed"}
        if method in self._handlers:
            return self._handlers[method](body, self)
        fn = getattr(self, "_m_" + method.replace(".", "_"), None)
        if fn is None:
            return {"ok": False, "error": "unknown_method"}
        with self._lock:
            return fn(body)

    def _connections_open(self, auth: str) -> dict:
        if self.socket is None or not auth.startswith("Bearer xapp-"):
            return {"ok": False, "error": "not_authed" if self.socket is None else "invalid_auth"}
        return {"ok": True, "url": self.socket.issue_url()}

    def _m_auth_test(self, body: dict) -> dict:
        return {"ok": True, "url": "https://standin.slack.com/", "team": "Stand-in", "user": "aibrief",
                "team_id": TEAM_ID, "user_id": BOT_USER, "bot_id": BOT_ID}

    def _m_users_info(self, body: dict) -> dict:
        user = self.users.get(body.get("user", ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": dict(user)}

    def _post(self, body: dict, **extra) -> dict | str:
        channel = body.get("channel")
        if not channel:
            return "channel_not_found"
        if not body.get("text") and not body.get("blocks"):
            return "no_text"
        msg = {"type": "message", "ts": self._next_ts(), "user": BOT_USER, "bot_id": BOT_ID,
               "text": body.get("text", ""), **extra}
        for key in ("blocks", "metadata", "thread_ts", "unfurl_links", "unfurl_media"):
            if body.get(key) is not None:
                msg[key] = body[key]
        return msg

    def _m_chat_postMessage(self, body: dict) -> dict:
        msg = self._post(body)
        if isinstance(msg, str):
            return {"ok": False, "error": msg}
        channel = body["channel"]
        if channel.startswith("D") and channel not in self.dms.values():
            return {"ok": False, "error": "channel_not_found"}
        thread_ts = msg.get("thread_ts")
        msgs = self._channels.setdefault(channel, [])
        if thread_ts and not any(m["ts"] == thread_ts for m in msgs):
            return {"ok": False, "error": "thread_not_found"}
        msgs.append(msg)
        out = {k: v for k, v in msg.items() if k not in ("unfurl_links", "unfurl_media")}
        return {"ok": True, "channel": channel, "ts": msg["ts"], "message": out}

    def _m_chat_postEphemeral(self, body: dict) -> dict:
        msg = self._post(body, ephemeral_user=body.get("user"))
        if isinstance(msg, str):
            return {"ok": False, "error": msg}
        msg["channel"] = body["channel"]
        self.ephemeral.append(msg)
        return {"ok": True, "message_ts": msg["ts"]}

    def _m_chat_update(self, body: dict) -> dict:
        for m in self._channels.get(body.get("channel", ""), []):
            if m["ts"] == body.get("ts"):
                for key in ("text", "blocks", "metadata"):
                    if key in body:
                        m[key] = body[key]
                return {"ok": True, "channel": body["channel"], "ts": m["ts"], "text": m.get("text", "")}
        return {"ok": False, "error": "message_not_found"}

    @staticmethod
    def _shown(m: dict, with_metadata: bool) -> dict:
        out = {k: v for k, v in m.items() if k not in ("unfurl_links", "unfurl_media")}
        if not with_metadata:
            out.pop("metadata", None)
        return out

    @staticmethod
    def _flag(value) -> bool:
        return str(value).lower() in ("1", "true")

    def _page(self, items: list[dict], body: dict, key: str = "messages") -> dict:
        limit = int(body.get("limit") or 100)
        start = int(body.get("cursor") or 0)
        page = items[start : start + limit]
        more = start + limit < len(items)
        return {"ok": True, key: page, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _m_conversations_history(self, body: dict) -> dict:
        channel = body.get("channel", "")
        oldest = float(body.get("oldest") or 0)
        latest = float(body.get("latest") or 1e12)
        meta = self._flag(body.get("include_all_metadata"))
        parents = [m for m in self._channels.get(channel, [])
                   if (not m.get("thread_ts") or m.get("thread_ts") == m["ts"]) and oldest < float(m["ts"]) < latest]
        parents.sort(key=lambda m: float(m["ts"]), reverse=True)  # newest first, as Slack
        return self._page([self._shown(m, meta) for m in parents], body)

    def _m_conversations_replies(self, body: dict) -> dict:
        channel, ts = body.get("channel", ""), body.get("ts", "")
        msgs = self._channels.get(channel, [])
        parent = [m for m in msgs if m["ts"] == ts]
        if not parent:
            return {"ok": False, "error": "thread_not_found"}
        meta = self._flag(body.get("include_all_metadata"))
        thread = parent + sorted((m for m in msgs if m.get("thread_ts") == ts and m["ts"] != ts),
                                 key=lambda m: float(m["ts"]))
        return self._page([self._shown(m, meta) for m in thread], body)

    def _m_conversations_open(self, body: dict) -> dict:
        if "im:write" not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": "im:write,mpim:write,channels:manage,groups:write",
                    "provided": ",".join(self.scopes)}
        users = [u.strip() for u in str(body.get("users") or "").split(",") if u.strip()]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(users) > 1:
            return {"ok": False, "error": "method_not_supported_for_channel_type"}  # group DMs: not used
        user = self.users.get(users[0])
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        if user.get("deleted"):
            return {"ok": False, "error": "user_disabled"}
        if user.get("is_bot"):
            return {"ok": False, "error": "cannot_dm_bot"}
        channel = self.dms.get(users[0])
        if channel is not None:
            return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel}}
        channel = self.dms[users[0]] = "D" + users[0][1:]
        return {"ok": True, "channel": {"id": channel}}

    def _m_conversations_info(self, body: dict) -> dict:
        channel = body.get("channel", "")
        if channel in self.dms.values():
            return {"ok": True, "channel": {"id": channel, "is_im": True, "is_member": True,
                                            "user": next(u for u, c in self.dms.items() if c == channel)}}
        return {"ok": True, "channel": {"id": channel, "name": channel.lower(), "is_member": channel not in self.not_member}}

    def _view(self, body: dict) -> dict:
        view = body.get("view") or {}
        record = {"id": f"V{len(self.views) + 1:08d}", **body}
        self.views.append(record)
        return {"ok": True, "view": {"id": record["id"], **(view if isinstance(view, dict) else {})}}

    def _m_views_publish(self, body: dict) -> dict:
        if not body.get("user_id"):
            return {"ok": False, "error": "invalid_arguments"}
        return self._view(body)

    def _m_views_open(self, body: dict) -> dict:
        if not body.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        return self._view(body)
