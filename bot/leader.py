"""Which `aibrief run` replica runs the scheduled work (feed polls, digests, resumes).

Several replicas may share one database; exactly one of them should poll and post, the
others serve Slack requests only and stand by. Leadership is decided by the database's own
locks, never by a replica's memory or clock. The store says which lock
(`Store.leader_lock()`, bot/store/locks.py); this module runs the election over it:

- **PostgreSQL**: a session-level advisory lock held on a connection of the leader's own (not
  from the pool, where the session would be reused and reset). PostgreSQL releases the lock
  when that session ends: the process exited, was killed, or its host vanished (then the
  server's TCP keepalives, set short on that connection, end the session within about half
  a minute).
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
import threading
import time
from typing import Callable, Optional

log = logging.getLogger("aibrief.leader")

RETRY_SECONDS = 5.0  # a follower's retry period (and the leader's check period), at most
MIN_RETRY_SECONDS = 0.5
STALE_AFTER = 3  # periods without a successful check after which a leader stops leading


def retry_seconds(poll_seconds: float) -> float:
    """How often a follower tries for the lock: at least four times per poll interval (so a
    takeover, plus the prompt poll that follows it, lands within one interval), and never
    more often than every half second nor less often than every RETRY_SECONDS."""
    return max(MIN_RETRY_SECONDS, min(RETRY_SECONDS, poll_seconds / 4))


Callback = Callable[[], None]


class Leadership:
    """The election loop, common to every backend, over a lock the store gives
    (`lock`: acquire, check, release, kind; see bot/store/locks.py).

    `start(on_elected, on_deposed)` makes a first attempt in the calling thread (so the
    first replica leads as soon as `start` returns) and then keeps trying (follower) or
    checking (leader) on a daemon thread. Callbacks run on that thread and must not block
    for long; an exception in one is logged and does not change the outcome.
    """

    def __init__(self, lock, *, period: float = RETRY_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.lock = lock
        self.kind = lock.kind
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
    @property
    def backend_pid(self) -> Optional[int]:
        """PostgreSQL: the backend process holding (or trying for) the lock, else None."""
        return getattr(self.lock, "backend_pid", None)

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
            self.lock.release()
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
            if self._ask(self.lock.check, "leader check failed"):
                with self._lock:
                    self._confirmed_at = self._clock()
                return True
            self._depose()
            return False
        won = self._ask(self.lock.acquire, "cannot try for leadership")
        if won:
            with self._lock:
                self._leading = True
                self._confirmed_at = self._elected_at = self._clock()
            self.elections += 1
            log.info("became the leader lock=%s", self.kind)
            self._call(self._on_elected, "on_elected")
        return won

    def _ask(self, question: Callable[[], bool], failure: str) -> bool:
        """The lock's answer (acquire or check); an exception counts as "no" and is logged,
        so a broken connection never ends the loop."""
        try:
            return question()
        except Exception as exc:
            log.warning("%s lock=%s error=%s", failure, self.kind, _one_line(exc))
            return False

    def _depose(self) -> None:
        with self._lock:
            self._leading = False
            self._elected_at = None
        log.warning("leadership lost lock=%s: scheduled work stops until it is won back", self.kind)
        try:
            self.lock.release()
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


def leadership_for(store, settings) -> Leadership:
    """The leadership this replica takes part in, over its store's lock."""
    return Leadership(store.leader_lock(), period=retry_seconds(settings.poll_seconds))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]
