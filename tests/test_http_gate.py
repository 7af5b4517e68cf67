"""HTTP mode's door (bot/slack/gate.py): signature and timestamp checked on the raw bytes
before Bolt parses anything, replays refused across replicas, Slack's event retries not
handled twice.

- A real `aibrief run` (a subprocess, HTTP mode, SQLite) gets unsigned, malformed, stale
  and forged requests as raw bytes over loopback: 401 each, signed garbage 400, never a 500;
  its log has no traceback and at most one refusal line per 10 seconds.
- A signed request re-sent within the 5-minute window is refused (401) and changes nothing,
  on SQLite (two apps on one database file) and on PostgreSQL (two `aibrief run` replicas).
- An event delivered again (`X-Slack-Retry-Num`, same `event_id`) is answered 200 and not
  handled again.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from bot.bootstrap import DEFAULT_FEEDS_KEY
from bot.store import open_store
from tests.support.replicas import Replica, wait_until
from tests.support.slack_harness import ADMIN, CHANNEL, SECRET, TEAM, SlackAppHarness, sign, wait_for

ROOT = Path(__file__).resolve().parent.parent
FORM = "application/x-www-form-urlencoded"
WINDOW = 300  # seconds a signature is valid (Slack's rule)
LOG_EVERY = 10  # seconds between two refusal lines at most (bot.slack.gate.LOG_EVERY)


def command_body(text: str, response_url: str, user: str = ADMIN) -> bytes:
    return urlencode({
        "team_id": TEAM, "channel_id": CHANNEL, "user_id": user, "command": "/aibrief", "text": text,
        "api_app_id": "A0AIBRIEF", "response_url": response_url, "trigger_id": "trig.1",
    }).encode()


def signed_headers(body: bytes, ts: int | None = None, secret: str = SECRET, content_type: str = FORM) -> dict:
    ts = int(time.time()) if ts is None else ts
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sign(body, ts, secret)}


def run_env(database: str, slack_api, secret: str = SECRET) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "AIBRIEF_"))}
    env.update(SLACK_BOT_TOKEN="xoxb-gate-test", SLACK_SIGNING_SECRET=secret, SLACK_API_URL=slack_api.url,
               AIBRIEF_DATABASE=database, AIBRIEF_ADMINS=ADMIN, AIBRIEF_LOG_LEVEL="INFO", PYTHONPATH=str(ROOT),
               AIBRIEF_DIGESTS_DIR=str(ROOT / "digests"))
    return env


def empty_database(url: str) -> str:
    store = open_store(url)
    store.set_meta(DEFAULT_FEEDS_KEY, "1")  # no default (internet) feeds
    store.close()
    return url


def start(replicas: list, name: str, env: dict, cwd: Path) -> Replica:
    replica = Replica(name, env, cwd)
    replicas.append(replica)
    wait_until(replica.health, 30, f"{name} to serve /healthz")
    return replica


# ---- garbage at a real `aibrief run` ------------------------------------------------------------
UNSIGNED = [
    ({"Content-Type": "application/json"}, b"{bad"),
    ({"Content-Type": "application/json"}, b"[1,2]"),
    ({"Content-Type": FORM}, b"payload=%7Bbad"),
    ({"Content-Type": "application/octet-stream"}, bytes(range(256))),
    ({"Content-Type": FORM, "X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=" + "0" * 64}, b"{bad"),
    ({"Content-Type": FORM, "X-Slack-Request-Timestamp": "1" * 40, "X-Slack-Signature": "v0=zz"}, b"a=b"),
    ({"Content-Type": FORM, "X-Slack-Request-Timestamp": "", "X-Slack-Signature": ""}, b"command=%2Faibrief"),
]


def test_garbage_gets_401_and_one_short_log_line_not_a_traceback(tmp_path, slack_api):
    replicas: list[Replica] = []
    try:
        bot = start(replicas, "gate", run_env(empty_database(str(tmp_path / "gate.db")), slack_api), tmp_path)
        url = f"http://127.0.0.1:{bot.port}/slack/events"
        started = time.monotonic()
        with httpx.Client(timeout=10) as http:
            for headers, body in UNSIGNED:
                assert http.post(url, content=body, headers=headers).status_code == 401, (headers, body[:20])
            # signed, but stale (6 minutes old), forged (another secret), or a binary body
            old = int(time.time()) - WINDOW - 60
            assert http.post(url, content=b"{bad", headers=signed_headers(b"{bad", old)).status_code == 401
            assert http.post(url, content=b"a=b", headers=signed_headers(b"a=b", secret="not-the-secret")).status_code == 401
            binary = bytes(range(128, 256))
            headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(int(time.time())),
                       "X-Slack-Signature": "v0=" + "ab" * 32}
            assert http.post(url, content=binary, headers=headers).status_code == 401
            # signed by the real secret but malformed: 400, still no traceback
            for body, ctype in [(b"{bad", "application/json"), (b"[1,2]", "application/json"),
                                (b"payload=%7Bbad", FORM), (b'{"type":"event_callback","event":"x"}', "application/json"),
                                (b'{"type":"view_submission","view":[]}', "application/json"),
                                (b'payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%22x%22%7D', FORM)]:
                resp = http.post(url, content=body, headers=signed_headers(body, content_type=ctype))
                assert resp.status_code == 400, (body, resp.status_code)
            # a flood of garbage
            for i in range(300):
                assert http.post(url, content=b"{bad%d" % i, headers={"Content-Type": "application/json"}).status_code == 401
            elapsed = time.monotonic() - started
            # and Slack's own requests still get through
            body = command_body("help", slack_api.response_url("gate-help"))
            assert http.post(url, content=body, headers=signed_headers(body)).status_code == 200
        wait_for(lambda: slack_api.responses.get("gate-help"), 10, "the help reply")
    finally:
        for r in replicas:
            r.stop()
    log = replicas[0].log_path.read_text(errors="replace")
    assert "Traceback" not in log and " 500 " not in log
    refusals = [line for line in log.splitlines() if "refused a request to /slack/events" in line
                or "refused a signed request" in line]
    assert refusals, log[-2000:]
    assert len(refusals) <= 1 + math.ceil(elapsed / LOG_EVERY), refusals  # ~320 refused, a line per 10 s at most
    assert all(len(line) < 300 for line in refusals)
    assert len(log.splitlines()) < 40, log[-3000:]


def test_refusal_lines_are_rate_limited_and_count_what_they_held_back(caplog):
    from bot.slack.gate import ThrottledLog

    now = [100.0]
    throttle = ThrottledLog(logging.getLogger("tests.gate"), every=10.0, clock=lambda: now[0])
    caplog.set_level(logging.WARNING, logger="tests.gate")
    for _ in range(50):
        throttle.warning("refused x")
        now[0] += 0.1
    now[0] += 10
    throttle.warning("refused y")
    lines = [r.getMessage() for r in caplog.records if r.name == "tests.gate"]
    assert lines == ["refused x", "refused y (49 more in the last 10 s not logged)"]


def test_shape_check_names_what_bolt_would_trip_on():
    from bot.slack.gate import shape_problem

    assert shape_problem({"type": "event_callback", "event": {"type": "app_home_opened", "user": "U1"}}) is None
    assert shape_problem({"type": "event_callback", "event": "x"}) == "event is not an object"
    assert shape_problem({"type": "block_actions", "user": {"id": "U1"}, "actions": ["x"]}) == \
        "actions is not a list of objects"
    assert shape_problem({"type": "block_actions", "user": "U1", "actions": []}) == "user is not an object"
    assert shape_problem({"event": {"message": []}}) == "event.message is not an object"
    assert shape_problem({"command": "/aibrief", "user_id": "U1"}) is None


# ---- replays and retries, SQLite --------------------------------------------------------------------
def audit_rows(store):
    return [(e.action, e.target) for e in store.audit_entries(limit=50)]


def test_a_replayed_request_is_refused_and_does_nothing(store, slack_api):
    harness = SlackAppHarness(store, slack_api).start()
    try:
        ts = int(time.time())
        resp, key = harness.command("watch add replayed ai", key="captured", timestamp=ts)
        assert resp.status_code == 200
        assert "Added watchlist" in harness.reply(key)["text"]
        _, removed = harness.command("watch remove replayed")
        assert "Removed watchlist" in harness.reply(removed)["text"]
        before = audit_rows(store)

        again, _ = harness.command("watch add replayed ai", key="captured", timestamp=ts)  # byte for byte
        assert again.status_code == 401
        _, later = harness.command("watch list")  # anything in flight has run once this replies
        harness.reply(later)
        assert store.get_watchlist("replayed") is None and audit_rows(store) == before
        assert len(slack_api.responses.get("captured", [])) == 1
    finally:
        harness.stop()


def test_replicas_on_one_sqlite_file_share_what_they_accepted(tmp_path, slack_api):
    path = str(tmp_path / "shared.db")
    first, second = open_store(path), open_store(path)
    a = SlackAppHarness(first, slack_api).start()
    b = SlackAppHarness(second, slack_api).start()
    try:
        ts = int(time.time())
        resp, key = a.command("watch add once ai", key="shared", timestamp=ts)
        assert resp.status_code == 200 and "Added watchlist" in a.reply(key)["text"]
        second.remove_watchlist("once")
        resp, _ = b.command("watch add once ai", key="shared", timestamp=ts)
        assert resp.status_code == 401
        assert second.get_watchlist("once") is None
    finally:
        a.stop()
        b.stop()
        first.close()
        second.close()


def event_body(event_id: str, event: dict) -> bytes:
    return json.dumps({"token": "legacy-unused", "team_id": TEAM, "api_app_id": "A0AIBRIEF", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()), "event": event,
                       "authorizations": [{"team_id": TEAM, "user_id": "U0AIBRIEF", "is_bot": True}]}).encode()


def test_slack_retrying_an_event_gets_200_and_no_second_run(store, slack_api):
    harness = SlackAppHarness(store, slack_api).start()
    try:
        opened = {"type": "app_home_opened", "user": ADMIN, "channel": "D0HOME", "tab": "home"}

        def deliver(event_id: str, ts: int, **extra) -> httpx.Response:
            body = event_body(event_id, opened)
            headers = {**signed_headers(body, ts, content_type="application/json"), **extra}
            return harness.http.post("/slack/events", content=body, headers=headers)

        now = int(time.time())
        assert deliver("Ev0RETRIED", now).status_code == 200
        harness.calls("views.publish", 1)
        # Slack's retry: the same event_id, signed anew (a later timestamp), with X-Slack-Retry-Num
        retry = deliver("Ev0RETRIED", now + 1, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
        assert retry.status_code == 200 and retry.content == b""
        assert deliver("Ev0ANOTHER", now + 2).status_code == 200
        harness.calls("views.publish", 2)
        time.sleep(0.2)
        assert len(slack_api.calls("views.publish")) == 2  # the retry published nothing
    finally:
        harness.stop()


def test_accepted_keys_expire_and_are_pruned(store):
    assert store.first_sighting("sig:a", expires_at=1000, now=900)
    assert not store.first_sighting("sig:a", expires_at=1300, now=950)  # live: refused
    assert store.first_sighting("sig:a", expires_at=2000, now=1001)  # expired: may be taken again
    store.first_sighting("sig:old", expires_at=10, now=5)
    assert store.prune_seen(now=1500) == 1
    assert not store.first_sighting("sig:a", expires_at=3000, now=1500)  # the live one stayed


def test_the_gate_prunes_old_rows_as_it_goes(store):
    from bot.slack.gate import RequestGate

    now = time.time()
    store.first_sighting("sig:ancient", expires_at=int(now) - 3600, now=int(now) - 4000)
    gate = RequestGate(SECRET, store)
    body = b"command=%2Faibrief&text=help&user_id=U1"
    headers = {k.lower(): v for k, v in signed_headers(body).items()}
    assert gate.check(headers, body).status == 200
    assert store.prune_seen(int(now)) == 0  # already gone
    assert gate.check(headers, body).status == 401  # and the accepted one is remembered


# ---- replays across two real replicas on PostgreSQL --------------------------------------------------
@pytest.mark.postgres
@pytest.mark.slow
def test_a_request_replayed_to_another_replica_is_refused(pg_cluster, slack_api, tmp_path):
    url = empty_database(pg_cluster.new_database())
    env = run_env(url, slack_api)
    replicas: list[Replica] = []
    observer = None
    try:
        one = start(replicas, "replica-1", env, tmp_path)
        two = start(replicas, "replica-2", env, tmp_path)
        observer = open_store(url, migrate=False)

        def post(replica, body, headers):
            return httpx.post(f"http://127.0.0.1:{replica.port}/slack/events", content=body, headers=headers,
                              timeout=10)

        captured = command_body("watch add replayed ai", slack_api.response_url("pg-captured"))
        captured_headers = signed_headers(captured)
        assert post(one, captured, captured_headers).status_code == 200
        wait_for(lambda: slack_api.responses.get("pg-captured"), 15, "the add reply")
        assert observer.get_watchlist("replayed") is not None
        remove = command_body("watch remove replayed", slack_api.response_url("pg-remove"))
        assert post(two, remove, signed_headers(remove)).status_code == 200
        wait_for(lambda: slack_api.responses.get("pg-remove"), 15, "the remove reply")
        before = audit_rows(observer)
        assert [a for a, _ in before] == ["watch.remove", "watch.add"]

        assert post(two, captured, captured_headers).status_code == 401  # the other replica knows it
        assert post(one, captured, captured_headers).status_code == 401
        later = command_body("watch list", slack_api.response_url("pg-later"))
        assert post(two, later, signed_headers(later)).status_code == 200
        wait_for(lambda: slack_api.responses.get("pg-later"), 15, "a later reply")
        assert observer.get_watchlist("replayed") is None and audit_rows(observer) == before
        assert len(slack_api.responses.get("pg-captured", [])) == 1
    finally:
        if observer is not None:
            observer.close()
        for r in replicas:
            r.stop()
    logs = [r.log_path.read_text(errors="replace") for r in replicas]
    assert all("Traceback" not in log for log in logs)
    assert "replayed signature" in logs[1] and "replayed signature" in logs[0]
