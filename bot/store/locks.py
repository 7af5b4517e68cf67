"""The locks the scheduler's leadership (bot/leader.py) is won with, one kind per backend.

The election loop is backend-neutral; what differs is how the lock is taken, checked and
given back, and that is the store's to say (`Store.leader_lock()`): PostgreSQL's session
advisory lock lives in postgres.py (it is SQL), SQLite's file lock and the trivial lock of a
database nothing else can share are here. Every lock has the same four members:

- `kind`: a short name for /healthz and logs;
- `acquire() -> bool`: try once, without waiting;
- `check() -> bool`: whether the lock taken is still held (never re-acquires);
- `release()`: give it back (safe to call when not held).
"""

from __future__ import annotations

import os
from typing import Optional


class NoLock:
    """Always held: nothing else can share this database (`:memory:`), or the platform has
    no advisory file locks."""

    kind = "none"

    def acquire(self) -> bool:
        return True

    def check(self) -> bool:
        return True

    def release(self) -> None:
        pass


class FileLock:
    """An exclusive, non-blocking `flock` on a lock file beside the SQLite database. The
    kernel releases it when the process dies, so a crashed leader frees it at once."""

    kind = "file"

    def __init__(self, path: str):
        self.path = path
        self._fd: Optional[int] = None

    def acquire(self) -> bool:
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)  # beside the database: private like it
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for a curious admin: who leads
        self._fd = fd
        return True

    def check(self) -> bool:
        """Still ours, unless someone deleted or replaced the lock file (a second process
        would then lock the new file and lead too)."""
        if self._fd is None:
            return False
        try:
            return os.fstat(self._fd).st_ino == os.stat(self.path).st_ino
        except FileNotFoundError:
            return False

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock


def file_lock_for(path: str):
    """The lock for a SQLite database at `path`: a file lock on `<path>-leader`, or NoLock
    when no other process can open the same database (`:memory:`, `file:` URIs) or the
    platform has no `fcntl`."""
    if path == ":memory:" or path.startswith("file:"):
        return NoLock()
    try:
        import fcntl  # noqa: F401  (POSIX only)
    except ImportError:
        return NoLock()
    return FileLock(os.path.abspath(os.path.expanduser(path)) + "-leader")
