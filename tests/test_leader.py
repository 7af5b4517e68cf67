"""Leadership of the scheduled work: one replica leads, on PostgreSQL (an advisory lock on a
connection of its own) and on SQLite (a file lock); losing the lock stops the scheduled work,
another replica takes over, polls at once and posts the digest that fell due meanwhile."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import psycopg
import pytest

from bot.bootstrap import DEFAULT_FEEDS_KEY
from bot.config import Settings
from bot.digest.service import subscribe
from bot.leader import STALE_AFTER, Leadership, leadership_for, retry_seconds
from bot.runner import health
from bot.scheduler import build_scheduler
from bot.slack.client import make_client
from bot.store import FileLock, NoLock, open_store
from tests.support.slack_harness import wait_for

CHANNEL = "C0LEADER1"
PERIOD = 0.1  # the tests' retry period: takeovers in a tenth of a second


def rss(*titles: str) -> bytes:
    items = "".join(
        f"<item><title>{t}</title><link>https://news.example/{abs(hash(t))}</link>"
        f"<pubDate>{datetime.now(timezone.utc):%a, %d %b %Y %H:%M:%S} GMT</pubDate>"
        f"<description>{t}</description></item>" for t in titles
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{items}</channel></rss>'.encode()


# ---- the retry period ------------------------------------------------------------------------------
def test_a_follower_tries_at_least_four_times_per_poll_interval_and_at_most_every_5_s():
    assert retry_seconds(30 * 60) == 5.0
    assert retry_seconds(60) == 5.0
    assert retry_seconds(8) == 2.0
    assert retry_seconds(1) == 0.5


# ---- PostgreSQL ------------------------------------------------------------------------------------
@pytest.fixture
def pg_stores(pg_cluster, pg_template):
    url = pg_cluster.checkout(pg_template)
    stores = [open_store(url) for _ in range(3)]  # three replicas
    yield stores
    for s in stores:
        s.close()
    pg_cluster.drop_database(url)


@pytest.mark.postgres
def test_the_advisory_lock_makes_exactly_one_leader(pg_stores):
    leaders = [Leadership(s.leader_lock(), period=PERIOD) for s in pg_stores]
    try:
        for le in leaders:
            le.start()
        time.sleep(3 * PERIOD)  # every follower has retried a few times by now
        assert [le.is_leader() for le in leaders] == [True, False, False]
        assert leaders[0].elections == 1 and leaders[1].elections == leaders[2].elections == 0
        # the lock lives on a connection of its own, outside the pool
        holder = pg_stores[0]._all(
            "SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())")
        assert holder == [(leaders[0].backend_pid,)]
        app = pg_stores[0]._all("SELECT application_name FROM pg_stat_activity WHERE pid = ?",
                                (leaders[0].backend_pid,))
        assert app == [("aibrief-leader",)]
    finally:
        for le in leaders:
            le.stop()


@pytest.mark.postgres
def test_when_the_leaders_connection_dies_another_replica_takes_over(pg_stores, pg_cluster):
    a, b = Leadership(pg_stores[0].leader_lock(), period=PERIOD), Leadership(pg_stores[1].leader_lock(), period=PERIOD)
    deposed = []
    try:
        a.start(on_deposed=lambda: deposed.append(time.monotonic()))
        b.start()
        assert a.is_leader() and not b.is_leader()
        # the server ends the leader's session (a crashed process, a dropped network, an
        # operator's pg_terminate_backend): its lock is free at once
        admin = psycopg.connect(pg_cluster.url("postgres", "postgres"), autocommit=True)
        killed_at = time.monotonic()
        admin.execute("SELECT pg_terminate_backend(%s)", (a.backend_pid,))
        admin.close()
        wait_for(lambda: b.is_leader(), 5, "the follower to take over")
        took = time.monotonic() - killed_at
        wait_for(lambda: deposed, 5, "the old leader to notice")
        assert not a.is_leader()
        assert took < 3 * PERIOD + 1.0, took
        # the old leader, now a follower, does not get it back while b holds it
        time.sleep(3 * PERIOD)
        assert b.is_leader() and not a.is_leader()
        # a graceful stop hands over too
        b.stop()
        wait_for(lambda: a.is_leader(), 5, "the first replica to lead again")
        assert a.elections == 2
    finally:
        a.stop()
        b.stop()


@pytest.mark.postgres
def test_a_follower_survives_the_database_being_unreachable_for_a_while(pg_stores, pg_cluster):
    """A failed attempt (connection refused, killed) is retried; it never kills the loop."""
    a, b = Leadership(pg_stores[0].leader_lock(), period=PERIOD), Leadership(pg_stores[1].leader_lock(), period=PERIOD)
    try:
        a.start()
        b.start()
        admin = psycopg.connect(pg_cluster.url("postgres", "postgres"), autocommit=True)
        for _ in range(3):  # the follower's connection dies between attempts, repeatedly
            pid = b.backend_pid
            if pid:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            time.sleep(2 * PERIOD)
        admin.execute("SELECT pg_terminate_backend(%s)", (a.backend_pid,))
        admin.close()
        wait_for(lambda: b.is_leader(), 5, "the follower to take over")
    finally:
        a.stop()
        b.stop()


def test_a_leader_whose_check_stalls_stops_leading():
    """If the check cannot run (a hung network call), the replica stops claiming leadership
    after STALE_AFTER periods instead of believing it forever."""
    now = [100.0]
    le = Leadership(NoLock(), period=5.0, clock=lambda: now[0])
    le.step()
    assert le.is_leader()
    now[0] += STALE_AFTER * 5.0
    assert le.is_leader()
    now[0] += 0.1
    assert not le.is_leader()
    le.step()  # a successful check restores it
    assert le.is_leader()


# ---- SQLite: a file lock ------------------------------------------------------------------------------
def test_on_sqlite_a_file_lock_makes_one_leader_and_hands_over(tmp_path):
    db = str(tmp_path / "team.db")
    store = open_store(db)
    try:
        settings = Settings(database=db)
        a, b = leadership_for(store, settings), leadership_for(store, settings)
        assert isinstance(a.lock, FileLock) and a.lock.path == db + "-leader"
        a.period = b.period = PERIOD
        a.start()
        b.start()
        time.sleep(3 * PERIOD)
        assert a.is_leader() and not b.is_leader()
        a.stop()  # as when its process exits: the kernel drops the lock
        wait_for(lambda: b.is_leader(), 5, "the other process to take over")
        # someone deletes the lock file: the leader notices it no longer guards anything
        (tmp_path / "team.db-leader").unlink()
        wait_for(lambda: not b.is_leader(), 5, "the leader to notice")
        wait_for(lambda: b.is_leader(), 5, "it to lock the new file")
        b.stop()
    finally:
        store.close()


def test_an_in_memory_database_is_always_led():
    store = open_store(":memory:")
    le = leadership_for(store, Settings(database=":memory:")).start()
    assert isinstance(le.lock, NoLock) and le.is_leader()
    le.stop()
    store.close()


# ---- the scheduler follows leadership (both backends) -------------------------------------------------
class Replica:
    """One `aibrief run`'s scheduled half: its own store, client, leadership and scheduler."""

    def __init__(self, database: str, settings: Settings):
        self.store = open_store(database)
        self.leader = leadership_for(self.store, settings)
        self.leader.period = PERIOD
        self.scheduler = build_scheduler(self.store, settings, make_client(settings), leader=self.leader)

    def start(self) -> "Replica":
        self.scheduler.start()
        self.leader.start(on_elected=self.scheduler.on_elected)
        return self

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.leader.stop()
        self.store.close()


@pytest.fixture
def team(database, feed_server, slack_api):
    store = open_store(database)
    store.set_meta(DEFAULT_FEEDS_KEY, "1")
    store.add_watchlist("chips", "chip")
    feed_server.add("/wire.xml", rss("Chip export rules tighten", "New chip plant opens"))
    store.add_feed(feed_server.url("/wire.xml"), "Wire")
    store.close()
    settings = Settings(slack_bot_token="xoxb-test-token", slack_api_url=slack_api.url, database=database,
                        allow_private_networks=True, poll_minutes=60)
    replicas = []

    def start() -> Replica:
        r = Replica(database, settings).start()
        replicas.append(r)
        return r

    yield start, settings
    for r in replicas:
        r.stop()


def test_only_the_leader_polls_and_posts(team, feed_server, slack_api):
    start, settings = team
    a = start()
    b = start()
    wait_for(lambda: feed_server.requests_for("/wire.xml"), 5, "the leader's first poll")
    assert a.leader.is_leader() and not b.leader.is_leader()
    feed_server.reset()
    feed_server.add("/late.xml", rss("Chip tariffs announced"))
    a.store.add_feed(feed_server.url("/late.xml"), "Late")  # due at once
    subscribe(a.store, "test", CHANNEL, at=f"{datetime.now(timezone.utc):%H:%M}")  # due this minute
    b.scheduler.poll_job()  # a follower's jobs return without doing anything
    b.scheduler.digest_job(CHANNEL)
    b.scheduler.resume_job()
    assert feed_server.log == [] and slack_api.calls("chat.postMessage") == []
    a.scheduler.poll_job()
    assert [r.path for r in feed_server.log] == ["/late.xml"]


def test_a_new_leader_polls_at_once_and_posts_the_digest_due_during_the_handover(team, feed_server, slack_api):
    start, settings = team
    a = start()
    b = start()
    wait_for(lambda: feed_server.requests_for("/wire.xml"), 5, "the leader's first poll")
    assert a.leader.is_leader()
    # A digest falls due while the leader is going away: its cron moment passes with no
    # replica leading (b skips it), so b must catch it up when it takes over.
    subscribe(a.store, "test", CHANNEL, at=f"{datetime.now(timezone.utc):%H:%M}")
    feed_server.add("/late.xml", rss("Chip tariffs announced"))
    a.store.add_feed(feed_server.url("/late.xml"), "Late")
    a.leader.stop()  # the leader is gone (its lock released, as when its process dies)
    t0 = time.monotonic()
    wait_for(lambda: b.leader.is_leader(), 5, "the takeover")
    wait_for(lambda: feed_server.requests_for("/late.xml"), 5, "the new leader's first poll")
    polled_after = time.monotonic() - t0
    assert polled_after < 2.0, polled_after  # at once, not after a poll interval (an hour here)
    wait_for(lambda: b.store.digest_runs(CHANNEL, status="done"), 10, "the caught-up digest")
    time.sleep(0.5)
    runs = b.store.digest_runs(CHANNEL, limit=10)
    assert [r.status for r in runs] == ["done"]
    msgs = slack_api.messages(CHANNEL)
    keys = [(m["metadata"]["event_payload"]["run"], m["metadata"]["event_payload"]["seq"]) for m in msgs]
    assert len(keys) == len(set(keys)) == len(runs[0].plan)


# ---- health ------------------------------------------------------------------------------------------
def test_health_reports_the_database_and_leadership(store):
    le = Leadership(NoLock()).start()
    assert health(store, le) == {"ok": True, "database": "ok", "leader": True}
    le.stop()
    assert health(store, le) == {"ok": True, "database": "ok", "leader": False}
    assert health(store) == {"ok": True, "database": "ok", "leader": None}
    store.close()
    if store.backend == "postgresql":  # a closed pool: the database does not answer
        report = health(store, le)
        assert report["ok"] is False and report["database"].startswith("error") and report["leader"] is False


# ---- the test-only poll interval ------------------------------------------------------------------
def test_the_test_only_poll_interval_overrides_the_minutes_and_is_checked():
    from bot.config import ConfigError, load_settings

    assert load_settings({"AIBRIEF_POLL_MINUTES": "2"}, env_file=None).poll_seconds == 120
    s = load_settings({"AIBRIEF_POLL_MINUTES": "2", "AIBRIEF_TEST_POLL_SECONDS": "3"}, env_file=None)
    assert s.poll_seconds == 3 and s.poll_minutes == 2
    assert build_scheduler(open_store(":memory:"), s, None).get_job("poll").trigger.interval == timedelta(seconds=3)
    with pytest.raises(ConfigError, match="AIBRIEF_TEST_POLL_SECONDS"):
        load_settings({"AIBRIEF_TEST_POLL_SECONDS": "0"}, env_file=None)
