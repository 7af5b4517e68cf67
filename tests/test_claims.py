"""Correctness that does not rest on leadership: a feed poll is claimed in the database, and a
digest is posted exactly once however many processes try at the same moment.

The race tests run two stores (two connection pools, as two replicas have) on one
PostgreSQL database from two threads released together by a barrier, and one runs two
real `aibrief digest --post` processes at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.config import Settings
from bot.digest import post as post_mod
from bot.digest.service import post_digest, subscribe
from bot.poll.poller import poll_feeds
from bot.slack.client import make_client
from bot.store import now_ts, open_store
from tests.support.digest_helpers import article

CHANNEL = "C0CLAIMS1"
ROOT = Path(__file__).resolve().parent.parent


def together(*calls):
    """Run the calls on threads released at the same instant; their results, in order."""
    barrier = threading.Barrier(len(calls))

    def run(fn):
        barrier.wait()
        return fn()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result() for f in [pool.submit(run, fn) for fn in calls]]


@pytest.fixture
def second_store(store, request):
    """Another handle on the same database, as a second replica opens it."""
    other = open_store(store.url if store.backend == "postgresql" else store.path)
    yield other
    other.close()


# ---- feed poll claims ------------------------------------------------------------------------------
def test_due_feeds_are_claimed_once_until_the_lease_runs_out(store):
    now = now_ts()
    due = [store.add_feed(f"http://127.0.0.1/f{i}", f"F{i}") for i in range(3)]
    later = store.add_feed("http://127.0.0.1/later")
    off = store.add_feed("http://127.0.0.1/off")
    with store.transaction() as tx:
        tx.run("UPDATE feeds SET next_poll = ? WHERE id = ?", (now + 600, later.id))
        tx.run("UPDATE feeds SET enabled = 0 WHERE id = ?", (off.id,))
    claimed = store.claim_due_feeds(now, lease_seconds=60)
    assert [f.url for f in claimed] == [f.url for f in due]
    assert all(f.next_poll.timestamp() == now + 60 for f in claimed)
    assert store.claim_due_feeds(now, lease_seconds=60) == []  # a second poller gets nothing
    assert store.claim_due_feeds(now + 59, lease_seconds=60) == []
    assert [f.url for f in store.claim_due_feeds(now + 60, lease_seconds=60)] == [f.url for f in due]
    assert [f.url for f in store.claim_due_feeds(now + 600, lease_seconds=60)] == [
        f.url for f in due] + ["http://127.0.0.1/later"]


@pytest.mark.postgres
@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_two_replicas_claiming_at_once_split_the_feeds_without_overlap(store, second_store):
    for i in range(200):
        store.add_feed(f"http://127.0.0.1/feed/{i}")
    now = now_ts()
    for _ in range(5):
        a, b = together(lambda: store.claim_due_feeds(now, lease_seconds=60),
                        lambda: second_store.claim_due_feeds(now, lease_seconds=60))
        ids_a, ids_b = {f.id for f in a}, {f.id for f in b}
        assert not ids_a & ids_b
        assert len(ids_a | ids_b) == 200
        now += 61


def _feed_xml(items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>https://news.example/{key}</link><guid>{key}</guid>"
        f"<pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate><description>{title}</description></item>"
        for key, title in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{entries}</channel></rss>'.encode()


@pytest.mark.postgres
@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_two_leaders_polling_at_once_fetch_each_feed_once_and_store_each_article_once(
        store, second_store, feed_server):
    # Two leaders for a moment (a network partition heals, a stalled leader wakes up): both
    # run a poll at the same instant. Each feed is fetched by one of them, each article stored once.
    store.add_watchlist("chips", "chip")
    shared = [(f"shared-{i}", f"Chip export story {i}") for i in range(5)]  # in every feed
    for n in range(8):
        own = [(f"own-{n}-{i}", f"Chip plant news {n}.{i}") for i in range(3)]
        feed_server.add(f"/f{n}.xml", _feed_xml(shared + own))
        store.add_feed(feed_server.url(f"/f{n}.xml"), f"Feed {n}")
    settings = Settings(allow_private_networks=True, poll_minutes=30)
    a, b = together(lambda: poll_feeds(store, settings), lambda: poll_feeds(second_store, settings))
    fetched = sorted(r.path for r in feed_server.log)
    assert fetched == sorted(f"/f{n}.xml" for n in range(8))  # each feed once, by one of the two
    assert len(a.outcomes) + len(b.outcomes) == 8 and not a.errors and not b.errors
    assert store.count_articles() == 5 + 8 * 3
    assert len(a.new_article_ids) + len(b.new_article_ids) == 5 + 8 * 3
    assert store.watchlist_match_counts() == {"chips": 5 + 8 * 3}


# ---- digests posted exactly once ---------------------------------------------------------------------
@pytest.fixture
def digest_settings(slack_api, tmp_path):
    return Settings(slack_bot_token="xoxb-test-token", slack_api_url=slack_api.url,
                    database=str(tmp_path / "unused.db"))


def _keys(slack_api) -> list[tuple[str, int]]:
    return [(m["metadata"]["event_payload"]["run"], m["metadata"]["event_payload"]["seq"])
            for m in slack_api.messages(CHANNEL)]


@pytest.mark.postgres
@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_two_digest_posts_at_once_post_each_message_exactly_once(store, second_store, digest_settings, slack_api):
    feed = store.add_feed("http://127.0.0.1/feed", "Feed")
    store.add_watchlist("ai", "AI security")
    subscribe(store, "test", CHANNEL, max_items=2)  # a channel message and a thread reply
    clients = [make_client(digest_settings), make_client(digest_settings)]
    base = now_ts() + 1
    done = 0
    for r in range(6):
        end = base + 100 * (r + 1)
        store.insert_articles(feed.id, [
            article(f"AI security round {r} story {i}: model theft at lab {i}", f"Outlet {i}",
                    published=datetime.now(timezone.utc) - timedelta(minutes=i), summary="AI security.")
            for i in range(4)
        ], now=end - 50)
        # even rounds: the same second (the same window); odd rounds: a second apart (the
        # same articles, different windows)
        ends = (end, end) if r % 2 == 0 else (end, end + 1)
        results = together(
            lambda: post_digest(store, digest_settings, clients[0], CHANNEL, now=ends[0], sleep=lambda s: None),
            lambda: post_digest(second_store, digest_settings, clients[1], CHANNEL, now=ends[1],
                                sleep=lambda s: None),
        )
        statuses = sorted(x.status for x in results)
        assert "posted" in statuses, statuses
        keys = _keys(slack_api)
        assert len(keys) == len(set(keys)), f"round {r}: a message was posted twice ({statuses})"
        runs = store.digest_runs(CHANNEL, status="done", limit=100)
        assert len(runs) == done + 1, f"round {r}: {statuses}"
        done += 1
        assert sum(len(run.plan) for run in runs) == len(keys)
    assert store.digest_runs(CHANNEL, status="pending", limit=100) == []
    sent = store.sent_article_ids(CHANNEL)
    assert len(sent) == 6 * 4  # every article went out, in exactly one digest


def test_a_run_resumed_after_another_process_released_it_does_not_repeat_its_messages(
        store, second_store, digest_settings, slack_api):
    """Process B read the run just before A took it, posted its first message and gave it up
    (Slack failing): B must post from where A stopped, not from its stale copy."""
    feed = store.add_feed("http://127.0.0.1/feed", "Feed")
    store.add_watchlist("ai", "AI security")
    subscribe(store, "test", CHANNEL, max_items=2)
    store.insert_articles(feed.id, [
        article(f"AI security story {i}: model theft at lab {i}", f"Outlet {i}",
                published=datetime.now(timezone.utc) - timedelta(minutes=i), summary="AI security.")
        for i in range(4)
    ])
    client = make_client(digest_settings)
    first = post_digest(store, digest_settings, client, CHANNEL, sleep=lambda s: None)  # creates the run
    assert first.status == "posted"
    # a second digest, interrupted: A posts message 0, then Slack fails message 1 (before storing it)
    store.insert_articles(feed.id, [
        article(f"AI security later story {i}: model theft at lab {i}", f"Outlet {i}",
                published=datetime.now(timezone.utc), summary="AI security.") for i in range(3)
    ], now=now_ts() + 5)
    from bot.digest.service import render_digest

    rd = render_digest(store, digest_settings, CHANNEL, now_ts() + 10)
    run = store.create_digest_run(CHANNEL, window_start=rd.window.start, window_end=rd.window.end,
                                  plan=rd.plan(), article_ids=rd.selection.article_ids, template=rd.template)
    assert len(run.plan) >= 2
    stale = second_store.get_digest_run(run.id)  # what B read before A took the lease
    slack_api.fail("chat.postMessage", 500, times=post_mod.ATTEMPTS, skip=1)
    a = post_mod.post_run(store, client, run.id, sleep=lambda s: None)
    assert a.status == "pending" and len(a.ts) == 1
    real_get = second_store.get_digest_run
    reads = []

    def get_as_b_saw_it(run_id):  # B's first read happened before A posted anything
        reads.append(run_id)
        return stale if len(reads) == 1 else real_get(run_id)

    second_store.get_digest_run = get_as_b_saw_it
    b = post_mod.post_run(second_store, client, run.id, sleep=lambda s: None)
    assert b.status == "posted", b
    keys = [k for k in _keys(slack_api) if k[0] == run.key]
    assert sorted(keys) == [(run.key, i) for i in range(len(run.plan))]  # each once


@pytest.mark.postgres
def test_two_cli_digest_posts_at_once_post_once(pg_cluster, slack_api, tmp_path):
    """`aibrief digest --post` twice at the same moment, as two admins might."""
    url = pg_cluster.new_database()
    try:
        store = open_store(url)
        feed = store.add_feed("http://127.0.0.1/feed", "Feed")
        store.add_watchlist("ai", "AI security")
        subscribe(store, "test", CHANNEL, max_items=2)
        store.insert_articles(feed.id, [
            article(f"AI security story {i}: model theft at lab {i}", f"Outlet {i}",
                    published=datetime.now(timezone.utc) - timedelta(minutes=i), summary="AI security.")
            for i in range(5)
        ])
        store.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "AIBRIEF_"))}
        env.update(SLACK_BOT_TOKEN="xoxb-test-token", SLACK_API_URL=slack_api.url, AIBRIEF_DATABASE=url,
                   AIBRIEF_DIGESTS_DIR=str(ROOT / "digests"), PYTHONPATH=str(ROOT))
        cmd = [sys.executable, "-m", "bot", "digest", "--channel", CHANNEL, "--post"]
        procs = [subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        outs = [p.communicate(timeout=60) for p in procs]
        # one posts; the other finds it posted (or nothing left to post: 0), or finds it being
        # posted ("busy", 1: the admin is told nothing was sent by this command)
        posted = [o for o in outs if o[0].startswith("Posted the digest")]
        assert len(posted) == 1, outs
        other = [(p.returncode, o) for p, o in zip(procs, outs) if o not in posted]
        assert other[0][0] == 0 or (other[0][0] == 1 and "busy" in other[0][1][1]), outs
        keys = _keys(slack_api)
        assert keys and len(keys) == len(set(keys))
        store = open_store(url)
        runs = store.digest_runs(CHANNEL, limit=10)
        store.close()
        assert [r.status for r in runs] == ["done"] and len(keys) == len(runs[0].plan)
    finally:
        pg_cluster.drop_database(url)


# ---- replicas starting together --------------------------------------------------------------------
@pytest.mark.postgres
def test_replicas_starting_together_on_a_new_database_all_start(pg_cluster, monkeypatch):
    """Each seeds the default watchlists and imports the default feeds on a new database;
    doing so at the same moment must neither fail nor duplicate anything."""
    from bot.bootstrap import prepare_store
    from bot.watchlists import DEFAULT_WATCHLISTS

    monkeypatch.setattr("bot.bootstrap.read_opml", lambda data: [
        (f"http://127.0.0.1/default/{i}.xml", f"Default {i}") for i in range(20)])  # never fetched here
    url = pg_cluster.new_database()
    open_store(url).close()  # migrated (migrations under their own lock: test_postgres.py)
    try:
        settings = Settings(database=url)
        stores = together(*[lambda: prepare_store(settings) for _ in range(4)])
        try:
            assert sorted(w.name for w in stores[0].list_watchlists()) == sorted(DEFAULT_WATCHLISTS)
            assert stores[0].count_feeds() == 20
        finally:
            for s in stores:
                s.close()
    finally:
        pg_cluster.drop_database(url)
