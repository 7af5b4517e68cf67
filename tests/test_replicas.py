"""Two real `aibrief run` replicas on one PostgreSQL database (issue 9's multi-process test).

Each replica is `python -m bot run` in HTTP mode on its own loopback port, with the loopback
feed server as its feeds and the Slack stand-in as its Web API. The test checks that

- exactly one replica leads (GET /healthz `leader`), and only it polls: the follower logs
  no poll, and the feed server never sees a feed fetched twice in one interval;
- SIGKILL of the leader hands the scheduled work to the other replica, which reports itself
  leader and polls again within one poll interval (both times are printed);
- a digest whose scheduled minute falls in the handover is posted exactly once (the
  stand-in's record of chat.postMessage, keyed by the run and message number each digest
  message carries in its metadata).

Timing: digests are scheduled on whole minutes, so the leader is killed just before the
next minute boundary that leaves time to watch two poll intervals first; the test takes
between ~20 and ~80 s depending on the wall clock (about 50 s on average). The poll interval
is 3 s through the test-only AIBRIEF_TEST_POLL_SECONDS (AIBRIEF_POLL_MINUTES cannot go below
1 minute); followers then retry the lock every 0.75 s (bot/leader.retry_seconds). With the
production minimum of one minute a follower retries every 5 s.
"""

from __future__ import annotations

import math
import os
import signal
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.bootstrap import DEFAULT_FEEDS_KEY
from bot.digest.service import subscribe
from bot.leader import retry_seconds
from bot.store import open_store
from tests.support.replicas import Replica, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
CHANNEL = "C0REPLICA1"
POLL_S = 3
FEEDS = ("/wire-a.xml", "/wire-b.xml")
KILL_BEFORE_S = 0.25  # before the digest's minute: the digest falls due during the handover
WATCH_BEFORE_S = 2 * POLL_S * 1.1 + 1  # poll intervals watched before the kill (plus the first poll)
START_S = 4  # a replica's start-up (imports, migrations check, auth.test), generously


def rss(name: str) -> bytes:
    now = datetime.now(timezone.utc)
    items = "".join(
        f"<item><title>Chip {kind} story {i} from {name}</title><link>https://news.example/{name}/{i}</link>"
        f"<guid>{name}-{i}</guid><pubDate>{now:%a, %d %b %Y %H:%M:%S} GMT</pubDate>"
        f"<description>Chip {kind} news.</description></item>"
        for i, kind in enumerate(("export", "plant", "tariff"))
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>{items}</channel></rss>'.encode()


def fetch_times(feed_server, path: str) -> list[float]:
    """When each fetch of `path` arrived, on time.monotonic()'s clock (the feed server's)."""
    return [r.at for r in feed_server.requests_for(path)]


def assert_one_poller_per_interval(feed_server, since: float, until: float) -> int:
    """Every feed fetched at most once per poll interval in [since, until]: a second replica
    polling in the same interval would fetch it again within a fraction of a second."""
    total = 0
    for path in FEEDS:
        times = [t for t in fetch_times(feed_server, path) if since <= t <= until]
        gaps = [b - a for a, b in zip(times, times[1:])]
        assert all(g >= POLL_S * 0.5 for g in gaps), (path, gaps)
        assert len(times) <= (until - since) / (POLL_S * 0.9) + 1, (path, times)
        total += len(times)
    return total


def test_two_replicas_one_leader_failover_and_a_digest_posted_exactly_once(
        pg_cluster, feed_server, slack_api, tmp_path, capsys):
    url = pg_cluster.new_database()
    replicas: list[Replica] = []
    replicas_observer: list = []  # the test's own store, to watch the digest runs
    try:
        # ---- one database, two feeds, a watchlist, a channel whose digest is due soon ----------
        for path in FEEDS:
            feed_server.add(path, rss(path.strip("/").split(".")[0]))
        store = open_store(url)
        store.set_meta(DEFAULT_FEEDS_KEY, "1")  # no default (internet) feeds
        store.add_watchlist("chips", "chip")
        for path in FEEDS:
            store.add_feed(feed_server.url(path), path)
        due = math.ceil((time.time() + START_S + WATCH_BEFORE_S + 1) / 60) * 60  # a minute boundary
        due_at = datetime.fromtimestamp(due, timezone.utc)
        subscribe(store, "test", CHANNEL, at=f"{due_at:%H:%M}", tz="UTC", max_items=3)
        store.close()

        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "AIBRIEF_"))}
        env.update(
            SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="replica-test-secret",
            SLACK_API_URL=slack_api.url, AIBRIEF_DATABASE=url, AIBRIEF_POLL_MINUTES="1",
            AIBRIEF_TEST_POLL_SECONDS=str(POLL_S), AIBRIEF_ALLOW_PRIVATE_NETWORKS="true",
            AIBRIEF_DIGESTS_DIR=str(ROOT / "digests"), AIBRIEF_LOG_LEVEL="INFO", PYTHONPATH=str(ROOT),
        )
        replicas = [Replica("replica-1", env, tmp_path), Replica("replica-2", env, tmp_path)]

        # ---- exactly one leads; only it polls -------------------------------------------------------
        wait_until(lambda: all(r.health() for r in replicas), START_S * 3, "both replicas to serve /healthz")
        wait_until(lambda: sum(r.leads() for r in replicas) == 1, 10, "one leader")
        leader, follower = replicas if replicas[0].leads() else replicas[::-1]
        assert leader.health() == {"ok": True, "database": "ok", "leader": True}
        assert follower.health() == {"ok": True, "database": "ok", "leader": False}
        watch_from = time.monotonic()

        time.sleep(max(0.0, due - KILL_BEFORE_S - time.time()))
        kill_mono, kill_wall = time.monotonic(), time.time()
        leader.proc.send_signal(signal.SIGKILL)
        leader.proc.wait(10)
        before = assert_one_poller_per_interval(feed_server, watch_from, kill_mono)
        assert before >= 2 * len(FEEDS), before  # at least two intervals watched
        assert leader.polls() >= 2 and follower.polls() == 0, (leader.polls(), follower.polls())
        assert sum(r.leads() for r in replicas) == 0 or follower.leads()

        # ---- the other replica takes over and polls at once ----------------------------------------
        wait_until(follower.leads, 10, "the surviving replica to lead", step=0.01)
        failover_s = time.monotonic() - kill_mono
        wait_until(lambda: follower.polls() >= 1, 10, "the new leader's first poll", step=0.01)
        poll_run_s = time.monotonic() - kill_mono
        # Feeds are fetched when due (each one's next poll is set one interval ±10% after its
        # last fetch; a poll run finds it due or leaves it to the next run), so across the
        # handover no feed waits longer than it does between two polls of one leader.
        for path in FEEDS:
            wait_until(lambda: [t for t in fetch_times(feed_server, path) if t > kill_mono], POLL_S * 4,
                       f"{path} fetched by the new leader")
        gaps = {}
        for path in FEEDS:
            times = fetch_times(feed_server, path)
            last_before = max(t for t in times if t <= kill_mono)
            first_after = min(t for t in times if t > kill_mono)
            gaps[path] = round(first_after - last_before, 2)

        # ---- the digest that fell due in the handover: posted once ---------------------------------
        observer = open_store(url, migrate=False)
        replicas_observer.append(observer)

        def done_runs():
            return observer.digest_runs(CHANNEL, limit=10)

        wait_until(lambda: [r for r in done_runs() if r.status == "done"], 20, "the digest", step=0.05)
        digest_after_s = max(c.at for c in slack_api.calls("chat.postMessage")
                             if c.body.get("channel") == CHANNEL) - kill_wall  # its last message
        time.sleep(POLL_S * 1.2)  # another interval: nothing more is posted, polling goes on
        after_until = time.monotonic()
        assert_one_poller_per_interval(feed_server, kill_mono, after_until)
        runs = done_runs()
        assert [r.status for r in runs] == ["done"], runs
        msgs = slack_api.messages(CHANNEL)
        keys = [(m["metadata"]["event_payload"]["run"], m["metadata"]["event_payload"]["seq"]) for m in msgs]
        assert len(keys) == len(set(keys)) == len(runs[0].plan) >= 1, keys
        assert all(k[0] == runs[0].key for k in keys)
        assert follower.polls() >= 1
        survivor_log = follower.log()
        assert "became the leader" in survivor_log and "Traceback" not in survivor_log
        how = ("caught up after the takeover" if "missed digest will be sent" in survivor_log
                else "fired on the new leader's schedule")

        # ---- a graceful stop ------------------------------------------------------------------------------
        assert follower.stop() == 0
        with capsys.disabled():
            print(f"\n[replicas] failover (SIGKILL -> other replica's /healthz leader=true): {failover_s:.2f} s; "
                  f"SIGKILL -> its first poll run: {poll_run_s:.2f} s; feed fetch gap across the handover: "
                  f"{gaps} s; SIGKILL -> digest posted: {digest_after_s:.2f} s (due {KILL_BEFORE_S} s after the "
                  f"kill, {how}); poll interval {POLL_S} s, lock retry {retry_seconds(POLL_S)} s")
        assert failover_s < POLL_S and poll_run_s < POLL_S, (failover_s, poll_run_s)  # within one interval
        normal_gap = 2 * POLL_S * 1.1 + 1  # a feed just missed by one run waits for the next (jitter 1 s)
        assert all(g <= normal_gap + retry_seconds(POLL_S) for g in gaps.values()), gaps
    finally:
        for r in replicas:
            r.stop(signal.SIGKILL)
        for s in replicas_observer:
            s.close()
        pg_cluster.drop_database(url)
