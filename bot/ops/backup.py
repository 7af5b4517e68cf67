"""`aibrief db backup PATH` and `aibrief db restore PATH` for SQLite.

Why SQLite's online backup API rather than a file copy: the bot writes while it runs (polls,
digests, Slack's replay keys), and a copy of the file taken mid-write — or without its `-wal`
file, which holds the latest commits — can be torn or old. `sqlite3.Connection.backup` copies
the pages of one consistent snapshot (one read transaction; in WAL mode writers go on
meanwhile), into a temporary file beside the target that is checked with
`PRAGMA integrity_check` and only then renamed into place, private (0600) like the database.

Restore replaces the database file with a checked backup, and refuses while a bot runs on
it: the running leader holds the lock file `<database>-leader` (bot/store/locks.py), which
restore takes itself for the duration. The replaced file and its `-wal`/`-shm` (which belong
to it: left beside the restored file they would be replayed into it) are kept, renamed
`<name>.replaced-<timestamp>`.

PostgreSQL has its own tools (`pg_dump` / `pg_restore`, see the README's "Operating it").
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from bot.store import LATEST_VERSION, backup_database_file, inspect_database_file


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is one line for the operator."""


@dataclass(frozen=True)
class BackupReport:
    path: str
    bytes: int
    articles: int
    schema_version: int
    integrity: str
    seconds: float


def _check(path: Path) -> tuple[str, int, int]:
    """(integrity_check's answer, schema version, article count) of a database file, read-only."""
    try:
        return inspect_database_file(path)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a usable SQLite database ({exc})") from None


def backup_sqlite(database: str, target: str, *, force: bool = False) -> BackupReport:
    started = time.monotonic()
    source = Path(database).expanduser()
    dest = Path(target).expanduser()
    if not source.is_file():
        raise BackupError(f"no SQLite database at {database}")
    if dest.exists() and not force:
        raise BackupError(f"{target} exists; choose a new name (or --force to replace it)")
    if dest.resolve() == source.resolve():
        raise BackupError("the backup cannot be the database itself")
    if not dest.parent.is_dir():
        raise BackupError(f"no folder {dest.parent} for the backup")
    tmp = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # private from the first byte
    os.close(fd)
    try:
        backup_database_file(source, tmp)
        integrity, version, articles = _check(tmp)
        if integrity != "ok":
            raise BackupError(f"the backup failed its integrity check: {integrity}")
        os.replace(tmp, dest)
    except sqlite3.Error as exc:
        raise BackupError(f"backup failed: {exc}") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return BackupReport(str(dest), dest.stat().st_size, articles, version, integrity, time.monotonic() - started)


def restore_sqlite(backup: str, database: str) -> tuple[BackupReport, str | None]:
    """Put `backup` in place of `database`; returns (what was restored, where the replaced file went)."""
    import fcntl

    started = time.monotonic()
    source = Path(backup).expanduser()
    dest = Path(database).expanduser()
    if not source.is_file():
        raise BackupError(f"no backup at {backup}")
    integrity, version, articles = _check(source)
    if integrity != "ok":
        raise BackupError(f"{backup} failed its integrity check ({integrity}); not restored")
    if version > LATEST_VERSION:
        raise BackupError(f"{backup} is at schema version {version}, newer than this aibrief ({LATEST_VERSION})")
    if not dest.parent.is_dir():
        raise BackupError(f"no folder {dest.parent} for the database")
    lock_path = f"{dest.resolve()}-leader"
    lock = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(lock_path)
            raise BackupError(f"a bot is running on {database} (the leader lock {lock_path} is held"
                              f"{f' by pid {pid}' if pid else ''}): stop it first") from None
        kept = None
        if dest.exists():
            kept = f"{dest}.replaced-{time.strftime('%Y%m%d-%H%M%S')}"
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{dest}{suffix}").exists():
                    os.replace(f"{dest}{suffix}", f"{kept}{suffix}")
        tmp = dest.with_name(f".{dest.name}.restoring-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with open(source, "rb") as src:
                while chunk := src.read(1 << 20):
                    os.write(fd, chunk)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, dest)
    finally:
        os.close(lock)  # releases the flock
    report = BackupReport(str(dest), dest.stat().st_size, articles, version, integrity, time.monotonic() - started)
    return report, kept


def _read_pid(path: str) -> str:
    try:
        with open(path) as fh:
            text = fh.read().strip()
        return text if text.isdigit() else ""
    except OSError:
        return ""
