"""Which `aibrief run` replica runs the scheduled work (feed polls, digests, resumes).

Several replicas may share one database; exactly one of them should poll and post, the
others serve Slack requests only and stand by. Leadership is decided by the database's own
locks, never by a replica's memory or clock:

- **PostgreSQL**: a session-level `pg_try_advisory_lock(lock_key('aibrief-scheduler'))` held
  on a connection of the leader's own (not from the pool, where the session would be reused
  and reset). PostgreSQL releases the lock when that session ends: the process exited, was
  killed, or its host vanished (then the server's TCP keepalives, set short on this
  connection, end the session within about `SERVER_DEAD_PEER_S`).
- **SQLite** (one machine): an exclusive `flock` on `<database>-leader` next to the database
  file. The kernel releases it when the process dies, so two `aibrief run` on one file (an
  overlapping restart, a second copy started by mistake) behave like replicas: one leads,
  the other takes over when it goes. A lock file rather than "always the leader" so
  /healthz tells the truth and a stand-by copy does no duplicate work; correctness never
  rests on it either way (see below). `:memory:` databases, or systems without `fcntl`,
  are trivially led.

A follower retries every `retry_seconds(poll seconds)` (5 s, or a quarter of a shorter poll
interval), so a takeover comes well within one poll interval. The leader checks its hold on
the same period; if the check fails (the connection broke, the lock file was replaced) or has
not succeeded for `STALE_AFTER` periods (the check itself hangs), `is_leader()` turns false
at once and the process starts no scheduled job until it wins the lock again. A job already
running is not interrupted: correctness does not rest on leadership alone — a feed poll is
claimed in the database (`Store.claim_due_feeds`), a scheduled digest claims its local-date
slot, each digest run is posted under a lease — so two leaders for a moment still store each
article once and post each message once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Callable, Optional

log = logging.getLogger("aibrief.leader")

LOCK_NAME = "aibrief-scheduler"
RETRY_SECONDS = 5.0  # a follower's retry period (and the leader's check period), at most
MIN_RETRY_SECONDS = 0.5
STALE_AFTER = 3  # periods without a successful check after which a leader stops leading

# The leader's connection: libpq keepalives and a user timeout so that the *client* notices
# a dead network within ~15 s, and server-side keepalives so that PostgreSQL ends the
# session of a vanished leader (and frees its lock) within ~25 s instead of the OS default
# of two hours. (Both are ignored on Unix-socket connections, where death is seen at once.)
CLIENT_OPTIONS = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 15000,  # ms
    "application_name": "aibrief-leader",
}
SERVER_SETTINGS = (
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
    "SET tcp_user_timeout = 15000",
)
SERVER_DEAD_PEER_S = 10 + 5 * 3


def retry_seconds(poll_seconds: float) -> float:
    """How often a follower tries for the lock: at least four times per poll interval (so a
    takeover, plus the prompt poll that follows it, lands within one interval), and never
    more often than every half second nor less often than every RETRY_SECONDS."""
    return max(MIN_RETRY_SECONDS, min(RETRY_SECONDS, poll_seconds / 4))


Callback = Callable[[], None]


class Leadership:
    """The election loop, common to every backend; subclasses say how to take, check and
    give back the lock.

    `start(on_elected, on_deposed)` makes a first attempt in the calling thread (so the
    first replica leads as soon as `start` returns) and then keeps trying (follower) or
    checking (leader) on a daemon thread. Callbacks run on that thread and must not block
    for long; an exception in one is logged and does not change the outcome.
    """

    kind = "abstract"

    def __init__(self, *, period: float = RETRY_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.period = period
        self._clock = clock
        self._leading = False
        self._confirmed_at = 0.0
        self._elected_at: Optional[float] = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._on_elected: Optional[Callback] = None
        self._on_deposed: Optional[Callback] = None
        self.elections = 0  # how many times this replica became the leader

    # ---- what the rest of the bot asks -------------------------------------------------------
    def is_leader(self) -> bool:
        """True while this replica holds the lock and has confirmed so recently."""
        with self._lock:
            return self._leading and self._clock() - self._confirmed_at <= STALE_AFTER * self.period

    def status(self) -> dict:
        """For /healthz and logs: whether this replica leads, and since when (seconds)."""
        leading = self.is_leader()
        out: dict = {"leader": leading, "lock": self.kind}
        if leading and self._elected_at is not None:
            out["leader_for_s"] = round(self._clock() - self._elected_at, 1)
        return out

    # ---- life cycle -----------------------------------------------------------------------------
    def start(self, on_elected: Optional[Callback] = None, on_deposed: Optional[Callback] = None) -> "Leadership":
        self._on_elected, self._on_deposed = on_elected, on_deposed
        self.step()
        self._thread = threading.Thread(target=self._loop, name="aibrief-leader", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop trying and give the lock back (another replica can take over at once)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(self.period + 5)
        with self._lock:
            was_leading, self._leading = self._leading, False
        try:
            self._release()
        except Exception:  # already gone: nothing to give back
            log.debug("releasing the leader lock failed", exc_info=True)
        if was_leading:
            log.info("leadership released lock=%s", self.kind)

    def _loop(self) -> None:
        while not self._stop.wait(self.period):
            self.step()

    def step(self) -> bool:
        """One round: a follower tries to take the lock, a leader checks it still holds it.
        Returns whether this replica leads afterwards."""
        with self._lock:
            leading = self._leading
        if leading:
            try:
                held = self._check()
            except Exception as exc:
                log.warning("leader check failed lock=%s error=%s", self.kind, _one_line(exc))
                held = False
            if held:
                with self._lock:
                    self._confirmed_at = self._clock()
                return True
            self._depose()
            return False
        try:
            won = self._acquire()
        except Exception as exc:
            log.warning("cannot try for leadership lock=%s error=%s", self.kind, _one_line(exc))
            won = False
        if won:
            with self._lock:
                self._leading = True
                self._confirmed_at = self._elected_at = self._clock()
            self.elections += 1
            log.info("became the leader lock=%s", self.kind)
            self._call(self._on_elected, "on_elected")
        return won

    def _depose(self) -> None:
        with self._lock:
            self._leading = False
            self._elected_at = None
        log.warning("leadership lost lock=%s: scheduled work stops until it is won back", self.kind)
        try:
            self._release()
        except Exception:
            log.debug("cleanup after losing leadership failed", exc_info=True)
        self._call(self._on_deposed, "on_deposed")

    def _call(self, fn: Optional[Callback], name: str) -> None:
        if fn is None or self._stop.is_set():
            return
        try:
            fn()
        except Exception:
            log.exception("leadership callback %s failed", name)

    # ---- backend hooks ------------------------------------------------------------------------------
    def _acquire(self) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def _check(self) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def _release(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class SoleLeader(Leadership):
    """Always the leader: nothing else can share this database (`:memory:`), or the
    platform has no advisory file locks."""

    kind = "none"

    def _acquire(self) -> bool:
        return True

    def _check(self) -> bool:
        return True

    def _release(self) -> None:
        pass


class FileLeader(Leadership):
    """An exclusive, non-blocking `flock` on a lock file beside the SQLite database."""

    kind = "file"

    def __init__(self, path: str, **kwargs):
        super().__init__(**kwargs)
        self.path = path
        self._fd: Optional[int] = None

    def _acquire(self) -> bool:
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

    def _check(self) -> bool:
        """Still ours, unless someone deleted or replaced the lock file (a second process
        would then lock the new file and lead too)."""
        if self._fd is None:
            return False
        try:
            return os.fstat(self._fd).st_ino == os.stat(self.path).st_ino
        except FileNotFoundError:
            return False

    def _release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock


class PostgresLeader(Leadership):
    """A session-level advisory lock on a dedicated connection (see the module docstring)."""

    kind = "postgresql"

    def __init__(self, store, name: str = LOCK_NAME, **kwargs):
        from bot.store.postgres import lock_key

        super().__init__(**kwargs)
        self.store = store
        self.key = lock_key(name)
        self._conn = None  # a follower keeps its connection between attempts

    def _connection(self):
        if self._conn is None or self._conn.closed:
            conn = self.store.dedicated_connection(**CLIENT_OPTIONS)
            try:
                for statement in SERVER_SETTINGS:
                    conn.execute(statement)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    @property
    def backend_pid(self) -> Optional[int]:
        """The PostgreSQL backend process of this replica's lock connection (operators: find
        the leader in pg_stat_activity, application_name 'aibrief-leader')."""
        conn = self._conn
        return None if conn is None or conn.closed else conn.info.backend_pid

    def _acquire(self) -> bool:
        try:
            conn = self._connection()
            return bool(conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0])
        except Exception:
            self._drop()
            raise

    def _check(self) -> bool:
        # A session-level advisory lock is released only by its own session (or when the
        # session ends), so the very session that took it, still answering, still holds it.
        # Never reconnect here: a new session would answer but hold nothing.
        conn = self._conn
        if conn is None or conn.closed:
            return False
        try:
            return conn.execute("SELECT 1").fetchone() == (1,)
        except Exception:
            self._drop()
            raise

    def _release(self) -> None:
        self._drop()  # ending the session releases the lock; no unlock round trip needed

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:
                pass


def leadership_for(store, settings) -> Leadership:
    """The leadership this replica takes part in, for its store's backend."""
    period = retry_seconds(settings.poll_seconds)
    if getattr(store, "backend", "") == "postgresql":
        return PostgresLeader(store, period=period)
    path = getattr(store, "path", ":memory:")
    if path == ":memory:" or path.startswith("file:"):
        return SoleLeader(period=period)
    try:
        import fcntl  # noqa: F401  (POSIX only)
    except ImportError:
        return SoleLeader(period=period)
    return FileLeader(os.path.abspath(os.path.expanduser(path)) + "-leader", period=period)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]
