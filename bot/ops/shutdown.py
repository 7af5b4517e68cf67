"""A graceful stop: stop accepting, drain the workers, and only then close the store.

Why this order: a Slack request is acknowledged at once and its real work (a search, a
reply) runs afterwards on the listener pool. Closing the store while such a worker still
reads from it crashed the interpreter (SQLite connection closed under a running statement:
exit -11, replies lost). So `aibrief run` on SIGTERM

1. sets `STOPPING` (long jobs look at it between units of work: a digest between two
   messages, retention between two batches) and stops taking Slack requests;
2. drains the listener pool (`DrainingExecutor.drain`): requests already acknowledged are
   finished and their replies sent, within the stop budget;
3. lets the scheduler finish its running job, gives up the leadership,
4. and closes the store only if nothing can still be using it.

A digest cut short in step 1 is left pending with its lease released, so the next start
(any replica) resumes it at once, posting only the messages not yet in Slack.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

log = logging.getLogger("aibrief.run")

STOP_BUDGET = 25.0  # seconds for the whole stop; SIGTERM → exit stays well under 30 s
STOPPING = threading.Event()  # set while `aibrief run` is stopping (this process only)


class Stopping(Exception):
    """Raised by long work that noticed STOPPING between two of its steps."""


def stopping() -> bool:
    return STOPPING.is_set()


class DrainingExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor that knows the work it was given, so a stop can wait for it
    with a deadline (`shutdown(wait=True)` has none)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pending: set[Future] = set()
        self._pending_lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future = super().submit(fn, *args, **kwargs)
        with self._pending_lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future) -> None:
        with self._pending_lock:
            self._pending.discard(future)

    def in_flight(self) -> int:
        with self._pending_lock:
            return len(self._pending)

    def drain(self, timeout: float) -> bool:
        """Take no new work, finish what was queued or running; True when all of it ended
        within `timeout` seconds."""
        self.shutdown(wait=False, cancel_futures=False)
        with self._pending_lock:
            pending = set(self._pending)
        if not pending:
            return True
        started = time.monotonic()
        _, not_done = wait(pending, timeout=max(0.0, timeout))
        if not_done:
            log.warning("stop: %d Slack request(s) still running after %.1f s", len(not_done), timeout)
            return False
        log.info("stop: %d Slack request(s) finished in %.2f s", len(pending), time.monotonic() - started)
        return True


class Deadline:
    """Seconds left of the stop budget, never below a floor (each step still gets a moment)."""

    def __init__(self, budget: float = STOP_BUDGET, clock=time.monotonic):
        self._clock = clock
        self._end = clock() + budget

    def left(self, floor: float = 0.5) -> float:
        return max(floor, self._end - self._clock())
