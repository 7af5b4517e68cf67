"""`aibrief doctor` and `/aibrief doctor` against a Slack stand-in whose token lacks a scope
the manifest asks for and whose bot is not in a channel that gets digests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bootstrap import DEFAULT_FEEDS_KEY
from bot.config import Settings
from bot.digest.service import subscribe
from bot.ops.doctor import FAIL, failed, find_manifest, manifest_scopes, run_checks
from bot.slack.client import make_client
from bot.store import open_store
from tests.support.slack_harness import ADMIN, SlackAppHarness
from tests.support.slack_standin import DEFAULT_SCOPES

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = "C0NOTIN001"  # the bot was never invited here
INSIDE = "C0MEMBER01"


@pytest.fixture
def database(tmp_path) -> str:
    path = str(tmp_path / "doctor.db")
    store = open_store(path)
    store.set_meta(DEFAULT_FEEDS_KEY, "1")
    for channel in (OUTSIDE, INSIDE):
        subscribe(store, "cli:test", channel, "09:00", "Europe/Berlin")
    store.add_feed("https://wire.example/feed", "Wire")
    store.close()
    return path


def settings_for(slack_api, database) -> Settings:
    return Settings(slack_bot_token="xoxb-standin", slack_signing_secret="s3cret", slack_api_url=slack_api.url,
                    database=database, admins=frozenset({ADMIN}))


def test_the_manifest_scopes_are_read_from_slack_manifest_yml():
    assert manifest_scopes(find_manifest().read_text()) == list(DEFAULT_SCOPES)


def test_doctor_names_the_missing_scope_and_the_channel_and_says_what_to_do(slack_api, database):
    slack_api.scopes = [s for s in DEFAULT_SCOPES if s != "channels:history"]
    slack_api.not_member = {OUTSIDE}
    settings = settings_for(slack_api, database)
    findings = run_checks(settings, client=make_client(settings))
    problems = [f for f in findings if f.status == FAIL]
    assert failed(findings) and len(problems) == 2, problems
    scope, channel = problems
    assert "lacks scope(s) channels:history" in scope.text and "reinstall the app" in scope.fix
    assert channel.text == f"{OUTSIDE} (digests): the bot is not in this channel"
    assert channel.fix == f"in #{OUTSIDE.lower()}: /invite @aibrief"
    assert any(f.area == "channels" and INSIDE in f.text and f.status == "ok" for f in findings)
    assert any(f.area == "templates" and f.status == "ok" for f in findings)

    slack_api.scopes = list(DEFAULT_SCOPES)
    slack_api.not_member = set()
    assert not failed(run_checks(settings, client=make_client(settings)))


def _doctor(slack_api, database, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "AIBRIEF_"))}
    env.update(SLACK_BOT_TOKEN="xoxb-standin", SLACK_SIGNING_SECRET="s3cret", SLACK_API_URL=slack_api.url,
               AIBRIEF_DATABASE=database, AIBRIEF_ADMINS=ADMIN, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "bot", "doctor"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_the_cli_exits_1_on_problems_and_0_when_all_is_well(slack_api, database, tmp_path):
    slack_api.scopes = [s for s in DEFAULT_SCOPES if s != "users:read"]
    slack_api.not_member = {OUTSIDE}
    bad = _doctor(slack_api, database, tmp_path)
    assert bad.returncode == 1, bad.stderr
    assert "FAIL  slack     the token lacks scope(s) users:read" in bad.stdout
    assert f"FAIL  channels  {OUTSIDE} (digests): the bot is not in this channel" in bad.stdout
    assert "→ in #c0notin001: /invite @aibrief" in bad.stdout
    assert bad.stdout.rstrip().endswith("2 problem(s) to fix, 0 warning(s).")
    slack_api.scopes, slack_api.not_member = list(DEFAULT_SCOPES), set()
    good = _doctor(slack_api, database, tmp_path)
    assert good.returncode == 0 and good.stdout.rstrip().endswith("All good."), good.stdout


def test_slash_doctor_shows_admins_the_same_summary(slack_api, database):
    slack_api.not_member = {OUTSIDE}
    slack_api.add_user("U0MEMBER01")
    store = open_store(database)
    harness = SlackAppHarness(store, slack_api).start(database=database)
    try:
        resp, key = harness.command("doctor")
        assert resp.status_code == 200
        reply = harness.reply(key)
        assert reply["blocks"][0]["text"]["text"] == "aibrief doctor"
        text = str(reply["blocks"])
        assert "1 problem(s) to fix" in reply["text"] and f"{OUTSIDE} (digests): the bot is not in this channel" in text
        resp, key = harness.command("doctor", user="U0MEMBER01")
        assert "Only admins can run the doctor" in harness.reply(key)["text"]
    finally:
        harness.stop()
        store.close()


def test_a_missing_sqlite_database_is_reported_not_created(tmp_path):
    missing = tmp_path / "nowhere" / "aibrief.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "AIBRIEF_"))}
    env.update(AIBRIEF_DATABASE=str(missing), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "bot", "doctor"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert f"FAIL  database  there is no database at {missing} yet" in proc.stdout
    assert "run: aibrief fetch" in proc.stdout and "no such table" not in proc.stdout
    assert not missing.exists() and not missing.parent.exists()
