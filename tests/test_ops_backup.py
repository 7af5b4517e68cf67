"""`aibrief db backup` / `db restore` (bot/ops/backup.py): consistent backups while a poll
writes, checked with integrity_check; a restore refused while a bot leads on the database."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.leader import Leadership
from bot.ops.backup import BackupError, backup_sqlite, restore_sqlite
from bot.store import FileLock, open_store
from tests.support.helpers import article

ROOT = Path(__file__).resolve().parent.parent
BATCH = 10


def test_backups_taken_while_a_poll_writes_are_consistent_snapshots(tmp_path):
    db = tmp_path / "live.db"
    store = open_store(str(db))
    feed = store.add_feed("https://wire.example/feed", "Wire")
    stop = threading.Event()
    written = []

    def poll_writes():  # the poll's own write path: one transaction per feed document
        n = 0
        while not stop.is_set():
            batch = [article(f"Story {n + i} about chips and export rules", "Body text " * 40,
                             url=f"https://wire.example/{n + i}") for i in range(BATCH)]
            now = int(time.time())
            store.record_poll_success(feed.id, batch, now=now, next_poll=now + 60, etag=None, last_modified=None)
            n += BATCH
            written.append(n)

    writer = threading.Thread(target=poll_writes)
    writer.start()
    try:
        reports = []
        for i in range(6):
            while len(written) < (i + 1) * 5:
                time.sleep(0.01)
            reports.append(backup_sqlite(str(db), str(tmp_path / f"backup-{i}.db")))
    finally:
        stop.set()
        writer.join(10)
        store.close()
    counts = [r.articles for r in reports]
    assert all(r.integrity == "ok" for r in reports)
    # each backup is one committed state: whole poll transactions only, and later ones hold more
    assert all(c % BATCH == 0 and c > 0 for c in counts) and counts == sorted(counts), counts
    for r in reports:
        assert stat.S_IMODE(os.stat(r.path).st_mode) == 0o600
        copy = open_store(r.path, migrate=False)
        try:
            assert copy.count_articles() == r.articles and copy.integrity_check() == "ok"
        finally:
            copy.close()
    with pytest.raises(BackupError, match="exists"):
        backup_sqlite(str(db), reports[0].path)


def test_restore_is_refused_while_a_bot_leads_on_the_database(tmp_path):
    db = tmp_path / "bot.db"
    store = open_store(str(db))
    store.insert_articles(None, [article(f"Kept story {i}") for i in range(3)])
    backup = backup_sqlite(str(db), str(tmp_path / "kept.db"))
    store.insert_articles(None, [article("Written after the backup")])
    leader = Leadership(FileLock(f"{db}-leader")).start()  # what a running `aibrief run` holds
    try:
        assert leader.is_leader()
        with pytest.raises(BackupError, match=r"a bot is running on .* stop it first"):
            restore_sqlite(backup.path, str(db))
    finally:
        leader.stop()
        store.close()
    assert open_store(str(db)).count_articles() == 4  # untouched

    report, kept = restore_sqlite(backup.path, str(db))
    assert report.articles == 3 and kept and Path(kept).is_file()
    restored = open_store(str(db))
    try:
        assert restored.count_articles() == 3 and restored.integrity_check() == "ok"
    finally:
        restored.close()
    assert open_store(kept, migrate=False).count_articles() == 4  # the replaced database is kept
    (tmp_path / "broken.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError):
        restore_sqlite(str(tmp_path / "broken.db"), str(db))


def test_the_cli_backs_up_and_points_postgres_users_to_pg_dump(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "AIBRIEF_"))}
    env.update(AIBRIEF_DATABASE=str(tmp_path / "cli.db"), PYTHONPATH=str(ROOT))
    run = lambda *a, **kw: subprocess.run([sys.executable, "-m", "bot", *a], cwd=tmp_path, capture_output=True,
                                          text=True, timeout=60, env={**env, **kw})
    open_store(str(tmp_path / "cli.db")).close()
    ok = run("db", "backup", str(tmp_path / "out.db"))
    assert ok.returncode == 0 and "integrity ok" in ok.stdout, ok.stderr
    again = run("db", "backup", str(tmp_path / "out.db"))
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "exists" in again.stderr
    pg = run("db", "backup", str(tmp_path / "x.db"), AIBRIEF_DATABASE="postgresql://aibrief@127.0.0.1:9/none")
    assert pg.returncode == 2 and "pg_dump" in pg.stderr and "Traceback" not in pg.stderr
