"""`aibrief run`: HTTP mode served until stopped, scheduler-only without a token, exit 2 with
one line when Slack refuses a token, and a graceful stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx
import pytest

from bot.bootstrap import DEFAULT_FEEDS_KEY
from bot.config import Settings
from bot.runner import run
from bot.store import open_store
from tests.support.net import free_loopback_port as free_port
from tests.support.slack_harness import SECRET, sign, wait_for

@pytest.fixture
def database(tmp_path) -> str:
    """A database with no feeds that will never import the default ones: nothing to poll,
    so no test here can reach the internet."""
    path = str(tmp_path / "run.db")
    store = open_store(path)
    store.set_meta(DEFAULT_FEEDS_KEY, "1")
    store.close()
    return path


def settings_for(slack_api, database, **kw) -> Settings:
    values = dict(slack_bot_token="xoxb-standin", slack_signing_secret=SECRET, slack_api_url=slack_api.url,
                  database=database, port=free_port())
    values.update(kw)
    return Settings(**values)


def run_in_thread(settings):
    stop = threading.Event()
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("code", run(settings, host="127.0.0.1", stop=stop)))
    thread.start()
    return stop, thread, result


def test_http_mode_serves_commands_and_health_until_stopped(slack_api, database, capsys):
    settings = settings_for(slack_api, database)
    stop, thread, result = run_in_thread(settings)
    base = f"http://127.0.0.1:{settings.port}"
    try:
        health = wait_for(lambda: _get(base + "/healthz"), 10, "the HTTP server")
        assert health.status_code == 200 and health.json()["database"] == "ok"
        # the only replica on this SQLite file leads (once the scheduler has started)
        wait_for(lambda: _get(base + "/healthz").json()["leader"] is True, 10, "leadership")
        body = (f"command=%2Faibrief&text=help&user_id=U0X&channel_id=C0GENERAL1&team_id=T0STANDIN"
                f"&response_url={slack_api.response_url('run')}").encode()
        ts = int(time.time())
        resp = httpx.post(base + "/slack/events", content=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sign(body, ts)})
        assert resp.status_code == 200
        wait_for(lambda: slack_api.responses.get("run"), 10, "the help reply")
    finally:
        stop.set()
        thread.join(15)
    assert not thread.is_alive() and result["code"] == 0
    assert f"HTTP mode: listening on http://127.0.0.1:{settings.port}/slack/events" in capsys.readouterr().err
    with pytest.raises(httpx.ConnectError):
        httpx.get(base + "/healthz", timeout=2)


def _get(url):
    try:
        return httpx.get(url, timeout=2)
    except httpx.TransportError:
        return None


def test_without_a_bot_token_only_the_scheduler_runs(slack_api, database, capsys):
    settings = settings_for(slack_api, database, slack_bot_token=None)
    stop, thread, result = run_in_thread(settings)
    time.sleep(0.3)
    stop.set()
    thread.join(10)
    assert result["code"] == 0
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN is not set: running only the scheduler, polling feeds every 30 min" in err
    assert _get(f"http://127.0.0.1:{settings.port}/healthz") is None
    assert slack_api.calls() == []


@pytest.mark.parametrize("prepare, overrides, message", [
    (lambda s: s.fail("auth.test", "invalid_auth"), {}, "Slack rejected SLACK_BOT_TOKEN (auth.test: invalid_auth)"),
    (lambda s: s.fail("auth.test", "token_revoked"), {}, "Slack rejected SLACK_BOT_TOKEN (auth.test: token_revoked)"),
    (lambda s: None, {"slack_signing_secret": None},
     "SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN to use Socket Mode)"),
    (lambda s: None, {"slack_app_token": "xapp-1-A0-rejected"},
     "Slack rejected SLACK_APP_TOKEN (apps.connections.open: not_authed)"),
])
def test_a_refused_start_is_one_line_and_exit_2(slack_api, database, capsys, prepare, overrides, message):
    prepare(slack_api)
    settings = settings_for(slack_api, database, **overrides)
    assert run(settings, host="127.0.0.1", stop=threading.Event()) == 2
    said = [line for line in capsys.readouterr().err.splitlines() if line.startswith("aibrief:")]
    assert said == [f"aibrief: {message}"]  # (log lines, if another test left logging on, aside)
    assert _get(f"http://127.0.0.1:{settings.port}/healthz") is None


def test_sigterm_stops_the_bot_gracefully(slack_api, database, capsys):
    """run() in the main thread, as `aibrief run` runs it; SIGTERM once it serves."""
    settings = settings_for(slack_api, database)
    base = f"http://127.0.0.1:{settings.port}"
    seen = {}

    def terminate_when_up():
        seen["health"] = wait_for(lambda: _get(base + "/healthz"), 20, "the bot to listen").status_code
        os.kill(os.getpid(), signal.SIGTERM)

    previous = signal.getsignal(signal.SIGTERM)
    killer = threading.Thread(target=terminate_when_up, daemon=True)
    killer.start()
    assert run(settings, host="127.0.0.1") == 0
    killer.join(5)
    assert seen["health"] == 200
    assert signal.getsignal(signal.SIGTERM) == previous  # handlers restored
    assert _get(base + "/healthz") is None
    assert "Traceback" not in capsys.readouterr().err


@pytest.fixture
def restore_logging():
    """The CLI installs its log handler on the root logger; put things back afterwards."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_the_cli_exits_2_with_one_line_when_the_token_is_rejected(slack_api, database, tmp_path, monkeypatch, capsys,
                                                                   restore_logging):
    from bot.cli import main

    slack_api.fail("auth.test", "invalid_auth")
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    for key in [k for k in os.environ if k.startswith(("SLACK_", "AIBRIEF_"))]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-standin")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack_api.url)
    monkeypatch.setenv("AIBRIEF_DATABASE", database)
    monkeypatch.setenv("PORT", str(free_port()))
    assert main(["run"]) == 2
    said = [line for line in capsys.readouterr().err.splitlines() if line.startswith("aibrief:")]
    assert said == ["aibrief: Slack rejected SLACK_BOT_TOKEN (auth.test: invalid_auth)"]
