"""SIGTERM stops `aibrief run` gracefully: the Slack requests already acknowledged are
finished and answered, the store is closed only after its last user, the process exits 0
well within 30 s — eight times in a row — and a digest cut short by the stop is resumed
exactly once at the next start.

Before the fix, SIGTERM right after three slash commands were acknowledged killed the bot
with a segmentation fault in 3 of 8 tries (the store closed under a search still running on
a listener thread), and 2 of the 3 replies were lost.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from bot.bootstrap import DEFAULT_FEEDS_KEY, prepare_store
from bot.config import Settings
from bot.digest.post import EVENT_TYPE
from bot.models import Article
from bot.store import open_store
from tests.support.helpers import article
from tests.support.net import free_loopback_port
from tests.support.slack_harness import SECRET, sign, wait_for

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "U0STOPADM1"
CHANNEL = "C0STOPDIG1"
WORDS = ("security model attack policy china travel export cloud chip vendor breach patch agency "
         "research startup report market regulation data privacy deepfake voice election").split()
QUERIES = ("security OR attack OR model", "data privacy", "china travel")
TRIES = 8


def synthetic(n: int) -> list[Article]:
    """Articles that every query above matches by the thousand: each search takes a while."""
    rng = random.Random(7)
    base = datetime.now(timezone.utc) - timedelta(days=30)
    return [Article(feed_url="https://wire.example/feed", source="Wire", url=f"https://wire.example/{i}",
                    title=" ".join(rng.choice(WORDS) for _ in range(8)),
                    summary=" ".join(rng.choice(WORDS) for _ in range(60)),
                    published=base + timedelta(minutes=i), dedupe_key=f"wire:{i}") for i in range(n)]


@pytest.fixture(scope="module")
def busy_database(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("stop") / "busy.db"
    store = open_store(str(path))
    store.set_meta(DEFAULT_FEEDS_KEY, "1")  # nothing to poll: no test reaches the internet
    store.insert_articles(None, synthetic(20_000))
    store.close()
    prepare_store(Settings(database=str(path))).close()  # default watchlists seeded (and matched) once
    return path


class Bot:
    """`python -m bot run` in HTTP mode against the loopback Slack stand-in."""

    def __init__(self, slack_api, database: Path, cwd: Path, log_name: str = "bot.log"):
        self.port = free_loopback_port()
        self.log_path = cwd / log_name
        self._log = open(self.log_path, "w")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "AIBRIEF_"))}
        env.update(SLACK_BOT_TOKEN="xoxb-standin", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack_api.url,
                   AIBRIEF_DATABASE=str(database), AIBRIEF_ADMINS=ADMIN, PORT=str(self.port),
                   PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=cwd, env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        wait_for(self._up, 30, "the bot to listen")

    def _up(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"the bot exited at start ({self.proc.returncode}): {self.log()}")
        try:
            return httpx.get(self.base + "/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def command(self, text: str, response_url: str, user: str = ADMIN) -> httpx.Response:
        body = urlencode({"command": "/aibrief", "text": text, "user_id": user, "channel_id": CHANNEL,
                          "team_id": "T0STANDIN", "response_url": response_url, "trigger_id": "t"}).encode()
        ts = int(time.time())
        return httpx.post(self.base + "/slack/events", content=body, timeout=10, headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sign(body, ts)})

    def terminate(self, timeout: float = 60) -> tuple[int, float]:
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(5)
        self._log.close()
        return code, time.monotonic() - started

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")


def test_sigterm_after_three_acked_commands_answers_them_all_eight_times(slack_api, busy_database, tmp_path):
    outcomes = []
    for n in range(TRIES):
        db = tmp_path / f"try{n}.db"
        shutil.copy(busy_database, db)
        bot = Bot(slack_api, db, tmp_path, f"try{n}.log")
        keys = [f"stop{n}-{i}" for i in range(len(QUERIES))]
        # three people (one person may run only two searches at a time)
        acks = [bot.command(q, slack_api.response_url(k), user=f"U0STOPUS{i}1").status_code
                for i, (q, k) in enumerate(zip(QUERIES, keys))]
        code, took = bot.terminate()
        replies = [slack_api.responses.get(k, []) for k in keys]
        outcomes.append((code, took, [len(r) for r in replies]))
        log = bot.log()
        assert acks == [200, 200, 200], log
        assert code == 0, f"try {n}: exit {code} after SIGTERM\n{log}"
        assert "Traceback" not in log and "Fatal Python error" not in log, log
        for query, reply in zip(QUERIES, replies):
            assert len(reply) == 1, f"try {n}: {query!r} got {len(reply)} replies\n{log}"
            text = reply[0].get("text", "")
            assert "Something went wrong" not in text and ":warning:" not in text and reply[0].get("blocks"), reply[0]
        # the whole stop, replies included, well inside the 30 s a supervisor allows
        assert took < 30
    print("SIGTERM tries (exit code, seconds, replies):", outcomes)


def test_a_digest_cut_short_by_sigterm_is_resumed_exactly_once(slack_api, tmp_path):
    db = tmp_path / "digest.db"
    store = open_store(str(db))
    store.set_meta(DEFAULT_FEEDS_KEY, "1")
    store.close()
    store = prepare_store(Settings(database=str(db)))
    store.insert_articles(None, [
        article(f"AI chatbot jailbreak attack number {i} leaks user data", f"Researchers report jailbreak {i} of "
                "the AI chatbot, a prompt injection that leaks data.", source=f"Outlet {i % 7}", days_ago=0.1)
        for i in range(40)])
    store.close()

    slack_api.slow(0.8, "chat.postMessage")  # each message is stored at once, answered later
    bot = Bot(slack_api, db, tmp_path, "first.log")
    assert bot.command("digest now", slack_api.response_url("dig1")).status_code == 200
    wait_for(lambda: slack_api.calls("chat.postMessage"), 20, "the first digest message")
    code, _ = bot.terminate()
    assert code == 0, bot.log()
    slack_api.slow(0, "chat.postMessage")
    check = open_store(str(db))
    try:
        runs = check.digest_runs(CHANNEL)
        assert len(runs) == 1 and runs[0].status == "pending", (runs, bot.log())
        planned = len(runs[0].plan)
        assert 0 < len(runs[0].posted) < planned  # cut short: the rest waits for the next start
    finally:
        check.close()

    again = Bot(slack_api, db, tmp_path, "second.log")
    try:
        def done():
            s = open_store(str(db))
            try:
                return s.digest_runs(CHANNEL)[0].status == "done"
            finally:
                s.close()
        wait_for(done, 30, "the digest to be resumed")
    finally:
        code, _ = again.terminate()
    assert code == 0
    seqs = sorted(m["metadata"]["event_payload"]["seq"] for m in slack_api.messages(CHANNEL)
                  if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE)
    assert seqs == list(range(planned))  # every planned message, each exactly once
