"""Retention (bot/ops/retention.py): old articles go, in batches, with their index entries,
matches and digest items; recent digests' articles stay; the database stops growing."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bench.retention import simulate_year
from bot.ops.retention import DAY, cutoffs, prune
from bot.query import parse
from bot.store import open_store
from tests.support.helpers import article

ROOT = Path(__file__).resolve().parent.parent
NOW = int(datetime(2026, 6, 1, 12, tzinfo=timezone.utc).timestamp())


def at(days_ago: float) -> datetime:
    return datetime.fromtimestamp(NOW - days_ago * DAY, tz=timezone.utc)


def put(store, title: str, days_ago: float, *, stored_days_ago: float | None = None) -> int:
    a = article(title, f"{title}, reported by the wire.", published=at(days_ago))
    return store.insert_articles(None, [a], now=int(NOW - (days_ago if stored_days_ago is None else stored_days_ago) * DAY))[0]


def hits(store, word: str) -> int:
    return store.count_matching(parse(word))


def test_cutoffs_follow_the_setting():
    edges = cutoffs(NOW, 365)
    assert edges.older_than == NOW - 365 * DAY and edges.keep_since == NOW - 30 * DAY
    with pytest.raises(ValueError):
        cutoffs(NOW, 0)


def test_old_articles_are_pruned_with_their_index_entries_and_recent_digests_are_kept(store, caplog):
    store.add_watchlist("zebras", "zebra", now=NOW - 500 * DAY)
    old = [put(store, f"Zebra crossing story {i} quagmire", 400 + i) for i in range(7)]
    in_digest = put(store, "Zebra digest story quagmire", 400)
    late_copy = put(store, "Zebra old entry stored late quagmire", 400, stored_days_ago=10)
    fresh = put(store, "Zebra fresh story", 5)
    run = store.create_digest_run("C0RETAIN01", window_start=NOW - 11 * DAY, window_end=NOW - 10 * DAY,
                                  plan=[{"text": "d"}], article_ids=[in_digest], now=NOW - 10 * DAY)
    store.finish_digest_run(run.id, now=NOW - 10 * DAY)
    assert hits(store, "quagmire") == 9

    dry = prune(store, 365, now=NOW, dry_run=True)
    assert (dry.pruned, dry.kept) == (7, 1)
    assert store.count_articles() == 10  # a dry run deletes nothing

    with caplog.at_level(logging.INFO, logger="aibrief.retention"):
        report = prune(store, 365, now=NOW, batch=3)
    assert (report.pruned, report.kept, report.batches) == (7, 1, 3)
    assert "retention: pruned 7 article(s) older than 365 day(s)" in caplog.text
    assert set(store.get_articles(old + [in_digest, late_copy, fresh])) == {in_digest, late_copy, fresh}
    # the full-text index follows (SQLite: the FTS5 trigger; PostgreSQL: the row's generated tsvector)
    assert hits(store, "quagmire") == 2 and hits(store, "crossing") == 0
    assert store.watchlist_match_counts()["zebras"] == 3  # matches went with their articles
    assert prune(store, 365, now=NOW).pruned == 0

    # 30 days after that digest, its article may go too
    assert prune(store, 365, now=NOW + 21 * DAY).pruned == 1
    assert hits(store, "digest") == 0


def test_a_stopping_bot_prunes_no_further_batch(store):
    for i in range(5):
        put(store, f"Old story {i}", 400)
    calls = iter([False, True])
    report = prune(store, 365, now=NOW, batch=2, should_stop=lambda: next(calls))
    assert report.stopped and report.pruned == 2 and store.count_articles() == 3


def test_a_simulated_year_keeps_the_database_flat_with_retention(tmp_path):
    """One poll a day of 30 articles for a year, retention 30 days: the size levels off once
    the oldest articles go and FTS5 has merged the segments holding their deleted entries (a
    few thousand articles in; measured flat from about day 150); without retention it grows
    with the articles."""
    kept = {day: size for day, size, _ in simulate_year(str(tmp_path / "kept.db"), days=365, per_day=30,
                                                        retention=30, every=15)}
    grown = {day: size for day, size, _ in simulate_year(str(tmp_path / "grown.db"), days=365, per_day=30,
                                                         retention=None, every=15)}
    print(f"day 240 / 365: with retention {kept[240] / 2**20:.2f} / {kept[365] / 2**20:.2f} MiB, "
          f"without {grown[240] / 2**20:.2f} / {grown[365] / 2**20:.2f} MiB")
    assert kept[365] / kept[240] < 1.05  # flat over the last four months
    assert grown[365] / grown[240] > 1.4  # 1.5x the articles, about 1.5x the size
    assert kept[365] / grown[365] < 0.3


def test_db_prune_from_the_command_line(tmp_path):
    db = tmp_path / "cli.db"
    store = open_store(str(db))
    store.insert_articles(None, [article("Ancient story", published=datetime(2000, 1, 1, tzinfo=timezone.utc))],
                          now=946728000)
    store.insert_articles(None, [article("Recent story", days_ago=1)])
    store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "AIBRIEF_"))}
    env.update(AIBRIEF_DATABASE=str(db), AIBRIEF_RETENTION_DAYS="30", PYTHONPATH=str(ROOT))

    def aibrief(*args):
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=60)

    dry = aibrief("db", "prune", "--dry-run")
    assert dry.returncode == 0 and "Would prune 1 article(s) older than 30 day(s)." in dry.stdout
    done = aibrief("db", "prune", "--vacuum")
    assert done.returncode == 0 and "Pruned 1 article(s)" in done.stdout and "Vacuumed:" in done.stdout
    check = open_store(str(db))
    try:
        assert check.count_articles() == 1 and check.get_meta("last_vacuum")
    finally:
        check.close()
    bad = subprocess.run([sys.executable, "-m", "bot", "db", "prune"], cwd=tmp_path, capture_output=True, text=True,
                         env={**env, "AIBRIEF_RETENTION_DAYS": "0"}, timeout=60)
    assert bad.returncode == 2 and bad.stderr.strip() == "aibrief: AIBRIEF_RETENTION_DAYS=0 is out of range (1..36500)"


def test_an_article_someone_saved_is_kept_however_old_until_they_unsave_it(store):
    saved = put(store, "Saved forever story", 900)
    put(store, "Forgotten old story", 900)
    assert store.save_article("U0READER1", saved, now=NOW - 800 * DAY)
    assert not store.save_article("U0READER1", saved)  # saving twice is one entry
    report = prune(store, 365, now=NOW)
    assert (report.pruned, report.kept) == (1, 1) and "on someone's saved list" in report.summary()
    assert hits(store, "saved") == 1 and hits(store, "forgotten") == 0
    assert [s.title for s in store.saved_articles("U0READER1")] == ["Saved forever story"]
    assert store.unsave_article("U0READER1", saved)
    assert prune(store, 365, now=NOW).pruned == 1
    assert store.saved_articles("U0READER1") == [] and hits(store, "saved") == 0
