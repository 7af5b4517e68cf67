"""The door of HTTP mode: every `POST /slack/events` is checked here, on its raw bytes,
before Bolt parses anything.

Why in front of Bolt: Bolt's WSGI adapter decodes and parses the body (and builds its
context from it) *before* its signature middleware runs, so an unsigned `{bad`, `[1,2]`,
`payload=%7Bbad`, a binary body or `X-Slack-Request-Timestamp: abc` raised inside Bolt: a
500 and a traceback in the log for every such request anyone on the internet sends.
Here, in order:

1. the timestamp and signature headers must be well formed, the timestamp within 5 minutes
   of now, the body UTF-8, and the signature (slack_sdk's SignatureVerifier: HMAC-SHA256 of
   `v0:timestamp:body` with the signing secret) right — else 401;
2. the signature must not have been accepted before (kept in the database until its
   timestamp leaves the 5-minute window, so every replica knows it) — else 401: a captured
   request re-sent within the window does nothing;
3. the body must parse into what Bolt expects (a JSON object, a form, or a form whose
   `payload` is a JSON object, with the fields Bolt reads of the types Slack sends) — else
   400 (only a holder of the secret can get this far);
4. an event Slack already delivered (the same `event_id`; Slack retries with
   `X-Slack-Retry-Num` when an ack was late) is answered 200 and not handled again.

Refusals are logged as one short line, at most one per LOG_EVERY seconds with a count of
those not logged, so a flood of garbage cannot flood the log.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Callable, Mapping

from slack_bolt.request import BoltRequest
from slack_sdk.signature import Clock, SignatureVerifier

log = logging.getLogger("aibrief.slack.http")

WINDOW = 300  # seconds a signed request stays valid (Slack's and slack_sdk's rule)
EVENT_MEMORY = 3600  # Slack retries an event up to 3 times within minutes; an hour is ample
PRUNE_EVERY = 60.0  # seconds between deletions of expired keys, per process
LOG_EVERY = 10.0  # at most one refusal line per this many seconds
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")


@dataclass(frozen=True)
class Verdict:
    """What to do with a request: `status` 200 with a `request` → hand it to Bolt; 200
    without one → an event already handled, answer empty; otherwise refuse with `status`."""

    status: int
    reason: str = ""
    request: BoltRequest | None = None


# Fields Slack sends as objects, lists of objects, or an object or an ID, which Bolt's
# context builders and listener matchers dereference without checking: a signed body with
# one of the wrong type would make Bolt fail with a traceback and a 500.
_OBJECTS = ("event", "view", "container", "message", "previous_message", "item", "assistant_thread",
            "function_data", "state", "bot_profile", "workflow_step")
_OBJECT_OR_ID = ("user", "team", "channel", "enterprise")
_LISTS_OF_OBJECTS = ("actions", "authorizations", "response_urls")
# Interactive payloads always carry the user as an object (events and commands send an ID).
_INTERACTIVE = ("block_actions", "block_suggestion", "view_submission", "view_closed", "shortcut",
                "message_action", "interactive_message")


def shape_problem(body: dict, where: str = "", depth: int = 0) -> str | None:
    """Why `body` is not shaped as Slack sends it (in the fields Bolt reads), or None."""
    for key in _OBJECTS:
        value = body.get(key)
        if value is not None and not isinstance(value, dict):
            return f"{where}{key} is not an object"
        if isinstance(value, dict) and depth < 3:
            problem = shape_problem(value, f"{where}{key}.", depth + 1)
            if problem:
                return problem
    for key in _OBJECT_OR_ID:
        value = body.get(key)
        if value is not None and not isinstance(value, (dict, str)):
            return f"{where}{key} is neither an object nor an ID"
    if not where and body.get("type") in _INTERACTIVE and not isinstance(body.get("user"), dict):
        return "user is not an object"
    for key in _LISTS_OF_OBJECTS:
        value = body.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
            return f"{where}{key} is not a list of objects"
    return None


class ThrottledLog:
    """One warning line per `every` seconds at most, the next one saying how many were held back."""

    def __init__(self, logger: logging.Logger, every: float = LOG_EVERY, clock: Callable[[], float] = time.monotonic):
        self.logger, self.every, self.clock = logger, every, clock
        self._last: float | None = None
        self._held = 0
        self._lock = threading.Lock()

    def warning(self, text: str) -> bool:
        with self._lock:
            now = self.clock()
            if self._last is not None and now - self._last < self.every:
                self._held += 1
                return False
            held, self._held, self._last = self._held, 0, now
        suffix = f" ({held} more in the last {self.every:g} s not logged)" if held else ""
        self.logger.warning("%s%s", text, suffix)
        return True


class _Clock(Clock):
    def __init__(self, now: Callable[[], float]):
        self._now = now

    def now(self) -> float:
        return self._now()


class RequestGate:
    """Checks one request's headers and raw body; `seen` is the store (first_sighting,
    prune_seen) shared by the replicas, or None to skip replay protection (tests only)."""

    def __init__(self, signing_secret: str, seen, *, clock: Callable[[], float] = time.time,
                 refusals: ThrottledLog | None = None):
        if not signing_secret:
            raise ValueError("a signing secret is required in HTTP mode")
        self.verifier = SignatureVerifier(signing_secret, clock=_Clock(clock))
        self.seen = seen
        self.clock = clock
        self.refusals = refusals or ThrottledLog(log)
        self._next_prune = 0.0

    def check(self, headers: Mapping[str, str], body: bytes, *, query: str = "", remote: str = "?") -> Verdict:
        """`headers` with lower-case names, as received; `body` the raw bytes."""
        verdict = self._check(headers, body, query)
        if verdict.status >= 400:
            self.refusals.warning(f"refused a request to /slack/events from {remote}: {verdict.status} {verdict.reason}")
        return verdict

    def _check(self, headers: Mapping[str, str], body: bytes, query: str) -> Verdict:
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not timestamp or not signature:
            return Verdict(401, "unsigned")
        if not _TIMESTAMP.match(timestamp) or not _SIGNATURE.match(signature):
            return Verdict(401, "malformed signature headers")
        now = self.clock()
        if abs(now - int(timestamp)) > WINDOW:
            return Verdict(401, "stale or future timestamp")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return Verdict(401, "body is not UTF-8")
        if not self.verifier.is_valid(body, timestamp, signature):
            return Verdict(401, "bad signature")
        if self.seen is not None:
            try:
                first = self.seen.first_sighting(f"sig:{signature}", expires_at=int(timestamp) + WINDOW + 1,
                                                 now=int(now))
            except Exception as exc:  # the database is down: fail closed, say so briefly
                return Verdict(503, f"cannot check for a replay ({type(exc).__name__})")
            if not first:
                return Verdict(401, "replayed signature")
        try:
            request = BoltRequest(body=text, query=query, headers=dict(headers))
        except Exception as exc:  # what Bolt's own parsing raises on a malformed body
            return Verdict(400, f"signed but malformed body ({type(exc).__name__})")
        if not isinstance(request.body, dict) or (text and not request.body):
            return Verdict(400, "signed but malformed body (not an object)")
        problem = shape_problem(request.body)
        if problem:
            return Verdict(400, f"signed but malformed body ({problem})")
        duplicate = self._seen_event(request.body, now, headers)
        if duplicate is not None:
            return duplicate
        self._prune(now)
        return Verdict(200, request=request)

    def _seen_event(self, body: dict, now: float, headers: Mapping[str, str]) -> Verdict | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not isinstance(event_id, str) or not event_id or self.seen is None:
            return None
        try:
            first = self.seen.first_sighting(f"event:{event_id}", expires_at=int(now) + EVENT_MEMORY, now=int(now))
        except Exception as exc:
            return Verdict(503, f"cannot check for a repeated event ({type(exc).__name__})")
        if first:
            return None
        log.info("event %s already handled (retry %s); answered without handling it again", event_id,
                 headers.get("x-slack-retry-num", "-"))
        return Verdict(200, "event already handled")

    def _prune(self, now: float) -> None:
        if self.seen is None or now < self._next_prune:
            return
        self._next_prune = now + PRUNE_EVERY
        try:
            self.seen.prune_seen(int(now))
        except Exception as exc:  # housekeeping: the next request tries again
            log.warning("pruning accepted Slack requests failed: %s", type(exc).__name__)
