"""Crash safety: SIGKILL the real CLI mid-poll and mid-digest, restart it, lose and repeat nothing.

A child runs `python -m bot fetch` (or `python -m bot digest --channel … --post`) against
the loopback feed server (or the Slack stand-in) and a SQLite file; the test kills it with
SIGKILL at a point chosen by a seeded random generator — after the k-th request reached
the server, plus a random delay — then runs the same command again to completion.

- poll: `PRAGMA integrity_check` is "ok" after the kill and after the restart, and the
  articles (by dedupe key) and watchlist matches are exactly those of a clean,
  uninterrupted run: none lost, none twice.
- digest: the stand-in answers chat.postMessage late (the message is stored at once, the
  answer waits), so kills land while Slack holds a message the bot has no ts for, or
  between two posts. After the restart every planned message is in the channel exactly
  once, in order, and the run is done. The restart does not wait out the dead process's
  lease (bot.digest.post.owner_is_gone).

No child ever talks to anything but 127.0.0.1: the database is prepared so that the
default (internet) feeds are never imported, and SLACK_API_URL points at the stand-in.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.bootstrap import DEFAULT_FEEDS_KEY
from bot.config import Settings
from bot.digest.service import subscribe
from bot.store import open_store
from tests.support.hostile_cases import rss

FEEDS = 30
ITEMS = 40
CHANNEL = "C0CRASH01"
TOKEN = "xoxb-crash-test"
ROOT = Path(__file__).resolve().parents[1]


def child_env(db: str, **extra: str) -> dict:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")}
    keep.update(
        AIBRIEF_DATABASE=db,
        AIBRIEF_ALLOW_PRIVATE_NETWORKS="true",
        AIBRIEF_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        PYTHONDONTWRITEBYTECODE="1",
    )
    keep.update(extra)
    return keep


def start(args: list[str], env: dict, cwd: Path) -> subprocess.Popen:
    # cwd: an empty directory, so no developer's .env is read. A session of its own, so the
    # processes it starts (a parse pool's forkserver and workers) can be ended with it.
    return subprocess.Popen([sys.executable, "-m", "bot", *args], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def end_group(proc: subprocess.Popen) -> None:
    """SIGKILL whatever is left of the child's process group (its helpers outlive a SIGKILL)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def finish(proc: subprocess.Popen, timeout: float = 60) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        end_group(proc)
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def kill_when(proc: subprocess.Popen, arrived, *, after: float) -> bool:
    """SIGKILL `proc` `after` seconds once arrived() is true; False if it ended first."""
    deadline = time.monotonic() + 30
    while not arrived():
        if proc.poll() is not None:
            end_group(proc)
            return False
        assert time.monotonic() < deadline, "the child made no progress"
        time.sleep(0.005)
    time.sleep(after)
    if proc.poll() is not None:
        end_group(proc)
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    end_group(proc)
    return True


def integrity(db: str) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


# ---- the poll --------------------------------------------------------------------------------------------
def serve_feeds(server) -> list[str]:
    urls = []
    for i in range(FEEDS):
        items = "".join(
            f"<item><title>AI security story {i}-{j}: model theft and jailbreak attack</title>"
            f"<link>http://news.example/{i}/{j}</link><guid>urn:crash:{i}:{j}</guid>"
            f"<description>Machine learning security breach number {j} at outlet {i}.</description>"
            f"<pubDate>Mon, 0{1 + j % 9} Jan 2024 10:00:00 GMT</pubDate></item>"
            for j in range(ITEMS)
        )
        server.add(f"/crash/{i}.xml", rss(items, title=f"Outlet {i}"))
        urls.append(server.url(f"/crash/{i}.xml"))
    return urls


def prepare_db(path: str, urls: list[str]) -> None:
    store = open_store(path)
    store.set_meta(DEFAULT_FEEDS_KEY, "1")  # never import the default feeds: they are on the internet
    for url in urls:
        store.add_feed(url)
    store.close()


def contents(db: str) -> tuple[list[str], list[tuple[str, str]]]:
    conn = sqlite3.connect(db)
    try:
        keys = [r[0] for r in conn.execute("SELECT dedupe_key FROM articles ORDER BY dedupe_key")]
        matches = conn.execute(
            "SELECT w.name, a.dedupe_key FROM matches m JOIN watchlists w ON w.id = m.watchlist_id "
            "JOIN articles a ON a.id = m.article_id ORDER BY 1, 2"
        ).fetchall()
        fts = conn.execute("SELECT COUNT(*) FROM articles_fts").fetchone()[0]
    finally:
        conn.close()
    assert fts == len(keys), "the full-text index and the articles disagree"
    return keys, matches


@pytest.fixture(scope="module")
def clean_poll(tmp_path_factory, _feed_server_session):
    """An uninterrupted poll: what every interrupted one must end up with."""
    server = _feed_server_session
    urls = serve_feeds(server)
    tmp = tmp_path_factory.mktemp("clean-poll")
    db = str(tmp / "clean.db")
    prepare_db(db, urls)
    server.log.clear()
    code, out, err = finish(start(["fetch"], child_env(db), tmp))
    ended = time.monotonic()
    assert code == 0, err
    keys, matches = contents(db)
    assert len(keys) == FEEDS * ITEMS and matches
    # how long the child still ran after its k-th request reached the server
    left = [ended - r.at for r in sorted(server.log, key=lambda r: r.at)]
    return {"urls": urls, "keys": keys, "matches": matches, "left": left}


@pytest.mark.parametrize("seed", [1, 3, 4, 5])
def test_a_poll_killed_anywhere_loses_and_duplicates_nothing(seed, clean_poll, feed_server, tmp_path):
    serve_feeds(feed_server)  # the fixture reset the routes; same feeds, same URLs
    rng = random.Random(seed)
    db = str(tmp_path / "crash.db")
    prepare_db(db, clean_poll["urls"])
    env = child_env(db)
    killed = 0
    for attempt in range(6):  # kill it twice, at different points, then let it finish
        proc = start(["fetch"], env, tmp_path)
        k = rng.randint(1, FEEDS)
        after = rng.uniform(0, 0.8 * clean_poll["left"][k - 1])  # within the clean run's remaining time
        if kill_when(proc, lambda: len(feed_server.log) >= k, after=after):
            killed += 1
            assert integrity(db) == "ok"
        else:  # this one finished first (a busy machine): it must have finished well
            assert finish(proc)[0] == 0
        feed_server.log.clear()
        if killed == 2:
            break
    code, out, err = finish(start(["fetch"], env, tmp_path))
    assert code == 0, err
    assert integrity(db) == "ok"
    keys, matches = contents(db)
    assert keys == clean_poll["keys"]
    assert matches == clean_poll["matches"]
    assert killed >= 1, "no kill landed: the poll ended before it (make the feeds larger)"


# ---- digest posting ----------------------------------------------------------------------------------------
PER_STORY = """{
  "text": "Crash digest: {{ digest.count }} stories",
  "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Crash digest* · {{ digest.count }} stories"}}],
  "thread": [
{% for item in stories %}
    {"text": "{{ item.rank }}. {{ item.title }}",
     "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "{{ item.rank }}. {{ link(item.url, item.title) }}"}}]},
{% endfor %}
  ]
}
"""
STORIES = ["Deepfake voice fraud hits bank", "LLM jailbreak found in chatbot", "AI model theft at chip firm",
           "Prompt injection in email assistant"]


def prepare_digest_db(path: str, digests: Path) -> None:
    from datetime import datetime, timedelta, timezone

    from tests.support.helpers import article

    digests.mkdir(exist_ok=True)
    (digests / "perstory.j2").write_text(PER_STORY)
    store = open_store(path)
    store.set_meta(DEFAULT_FEEDS_KEY, "1")
    store.add_watchlist("ai", "AI OR LLM OR deepfake OR chatbot OR \"prompt injection\"")
    feed = store.add_feed("http://127.0.0.1:9/feed.xml", "Outlet")
    now = datetime.now(timezone.utc)
    store.insert_articles(feed.id, [article(t, "AI security news.", source=f"Outlet {i}",
                                            published=now - timedelta(hours=i + 1))
                                    for i, t in enumerate(STORIES)])
    subscribe(store, "test", CHANNEL, template="perstory", settings=Settings(digests_dir=str(digests)))
    store.close()


def digest_runs(db: str) -> list:
    store = open_store(db)
    try:
        return store.digest_runs(CHANNEL, limit=10)
    finally:
        store.close()


# seeds picked so the kills cover: the first post in flight (stored, unanswered), a later one
# in flight, the last one in flight, and the pause between posts (bot.digest.post paces them)
@pytest.mark.parametrize("seed", [2, 4, 6, 9])
def test_a_digest_post_killed_anywhere_posts_each_message_once(seed, slack_api, tmp_path):
    rng = random.Random(seed)
    db = str(tmp_path / "digest.db")
    digests = tmp_path / "digests"
    prepare_digest_db(db, digests)
    env = child_env(db, SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=slack_api.url, AIBRIEF_DIGESTS_DIR=str(digests))
    slack_api.slow(0.3, "chat.postMessage")
    messages = len(STORIES) + 1

    proc = start(["digest", "--channel", CHANNEL, "--post"], env, tmp_path)
    k = rng.randint(1, messages)  # kill while the k-th post is in flight, or just after it
    after = rng.choice([0.05, 0.15, 0.25, 0.45, 0.8])
    killed = kill_when(proc, lambda: len(slack_api.calls("chat.postMessage")) >= k, after=after)
    assert killed, "the digest finished before the kill"
    assert integrity(db) == "ok"
    time.sleep(0.4)  # let the stand-in finish a request the child sent just before it died
    in_slack = len(slack_api.messages(CHANNEL))
    at_kill = digest_runs(db)
    unrecorded = in_slack - (len(at_kill[0].posted) if at_kill else 0)  # stored by Slack, no ts kept

    slack_api.slow(0.0, "chat.postMessage")
    code, out, err = finish(start(["digest", "--channel", CHANNEL, "--post"], env, tmp_path))
    assert code == 0, (out, err)
    assert "Posted the digest" in out
    assert integrity(db) == "ok"

    (run,) = digest_runs(db)
    assert run.status == "done" and len(run.plan) == messages
    posted = slack_api.messages(CHANNEL)
    seqs = [m["metadata"]["event_payload"]["seq"] for m in posted]
    assert sorted(seqs) == list(range(messages)), f"posted {seqs} (kill after {k} posts + {after} s)"
    assert [m["ts"] for m in sorted(posted, key=lambda m: m["metadata"]["event_payload"]["seq"])] == \
        [run.posted[i] for i in range(messages)]
    assert {m["metadata"]["event_payload"]["run"] for m in posted} == {run.key}
    assert all(m.get("thread_ts") == run.posted[0] for m in posted[1:])
    if unrecorded:  # found by its metadata, not posted again
        assert f"{unrecorded} found already in Slack" in out, out
    # the restart finished what the killed process had started, without a second digest
    assert not any("busy" in line for line in (out + err).splitlines())


def test_which_lease_owners_count_as_gone():
    from bot.digest.post import default_owner, owner_is_gone

    host = socket.gethostname()
    assert not owner_is_gone(default_owner())  # this very process (another thread may be posting)
    assert not owner_is_gone(f"other-host:{os.getpid() + 1}:abcd")  # cannot be judged from here
    assert not owner_is_gone("garbage")
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert not owner_is_gone(f"{host}:{alive.pid}:abcd")
        alive.kill()
        time.sleep(0.2)  # killed, not yet reaped: a zombie is gone too
        assert owner_is_gone(f"{host}:{alive.pid}:abcd")
    finally:
        alive.kill()
        alive.wait()
    assert owner_is_gone(f"{host}:{alive.pid}:abcd")  # reaped: no such process
