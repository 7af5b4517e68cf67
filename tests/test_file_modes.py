"""The SQLite database holds feed credentials and the audit log: what the bot creates is
private to its user (folders 0700, files 0600) whatever the umask, and an existing file
others can read is reported at start with the command that fixes it."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from bot.store import FileLock, open_store


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)  # the common default, which makes new files 0644
    yield
    os.umask(old)


def test_new_folders_and_files_are_private(tmp_path, umask_022):
    db = tmp_path / "data" / "team" / "aibrief.db"
    before = mode(tmp_path)
    store = open_store(str(db))
    store.add_feed("https://feeds.example/rss?token=secret")  # a write: the -wal and -shm files exist now
    assert mode(tmp_path / "data") == 0o700 and mode(tmp_path / "data" / "team") == 0o700
    for suffix in ("", "-wal", "-shm"):
        assert mode(f"{db}{suffix}") == 0o600, suffix
    lock = FileLock(f"{db}-leader")
    assert lock.acquire()
    assert mode(f"{db}-leader") == 0o600
    lock.release()
    store.close()
    assert mode(tmp_path) == before  # a folder that already existed is left as it was


def test_an_existing_file_others_can_read_is_reported_at_start(tmp_path, umask_022, caplog):
    db = tmp_path / "aibrief.db"
    open_store(str(db)).close()
    os.chmod(db, 0o644)
    (tmp_path / "aibrief.db-leader").write_text("1\n")
    os.chmod(tmp_path / "aibrief.db-leader", 0o640)
    with caplog.at_level(logging.WARNING, logger="aibrief.store"):
        open_store(str(db)).close()
    lines = [r.getMessage() for r in caplog.records if r.name == "aibrief.store"]
    assert lines == [
        f"{db} can be read by other users (mode 0644); it holds the bot's data: chmod 600 {db}",
        f"{db}-leader can be read by other users (mode 0640); it holds the bot's data: chmod 600 {db}-leader",
    ]
    assert mode(db) == 0o644  # reported, not changed behind the owner's back
    caplog.clear()
    os.chmod(db, 0o600)
    os.chmod(tmp_path / "aibrief.db-leader", 0o600)
    with caplog.at_level(logging.WARNING, logger="aibrief.store"):
        open_store(str(db)).close()
    assert not [r for r in caplog.records if r.name == "aibrief.store"]
