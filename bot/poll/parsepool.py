"""Where a poll parses feeds: in worker processes while the fetch goes on, or in-line.

Why processes: parsing and normalizing is pure-Python CPU work (feedparser, the HTML → text
pass), so threads cannot run two parses at once, and a big poll has hundreds of documents.
Handing each fetched document to a small process pool as soon as it arrives lets the
parse run on the other core(s) while this process keeps fetching and storing.

Workers come from a `forkserver` (never a bare fork: the bot has scheduler and Slack
threads, and forking a threaded process can deadlock the child). The pool is created on
first use, kept for later polls (starting it costs a few hundred ms of imports), and
rebuilt if a worker dies. Small polls parse in-line: sending a few documents to another
process costs more than it saves.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.feeds.parse import parse_feed
from bot.models import ParsedFeed

log = logging.getLogger(__name__)

MIN_FEEDS_FOR_POOL = 20  # below this, in-line parsing is as fast as shipping the bytes out
MAX_WORKERS = 4

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def default_workers(feeds: int) -> int:
    """How many parse processes a poll of `feeds` feeds should use (0: parse in-line)."""
    cpus = os.cpu_count() or 1
    if cpus < 2 or feeds < MIN_FEEDS_FOR_POOL:
        return 0
    return min(cpus, MAX_WORKERS)


def _die_with_parent(bot_pid: int) -> None:
    """Runs in each worker: when the bot process is gone (even by SIGKILL), end this worker
    and the forkserver that forked it, so a killed bot leaves no parse processes behind."""

    def watch() -> None:
        import signal
        import time

        while True:
            time.sleep(1.0)
            try:
                os.kill(bot_pid, 0)
            except ProcessLookupError:
                break
            except PermissionError:  # the pid was reused by another user's process
                break
        forkserver = os.getppid()
        if forkserver not in (1, bot_pid):
            try:
                os.kill(forkserver, signal.SIGKILL)
            except OSError:
                pass
        os._exit(0)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def _get_pool(workers: int) -> ProcessPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != workers:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["bot.feeds.parse"])
            _pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_die_with_parent, initargs=(os.getpid(),))
            _pool_size = workers
        return _pool


def _drop_pool(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is broken:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None


@atexit.register
def shutdown() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None


class ParseJob:
    """One document's parse; `result()` gives the ParsedFeed (or raises what parse_feed raised)."""

    def __init__(self, kwargs: dict, future: Future | None, pool: ProcessPoolExecutor | None):
        self._kwargs = kwargs
        self._future = future
        self._pool = pool

    def result(self) -> ParsedFeed:
        if self._future is not None:
            try:
                return self._future.result()
            except BrokenProcessPool:
                # A worker died (killed, out of memory): this process parses it instead.
                log.warning("parse worker died; parsing in-line feed=%s", self._kwargs.get("feed_url"))
                if self._pool is not None:
                    _drop_pool(self._pool)
        return parse_feed(**self._kwargs)


class ParseRunner:
    """Submit documents as they are fetched; `workers=0` defers each parse to `result()`."""

    def __init__(self, workers: int):
        self.workers = workers
        self._pool = _get_pool(workers) if workers > 0 else None

    def submit(self, **kwargs) -> ParseJob:
        """`kwargs` are parse_feed's; safe to call from any thread."""
        if self._pool is None:
            return ParseJob(kwargs, None, None)
        try:
            return ParseJob(kwargs, self._pool.submit(parse_feed, **kwargs), self._pool)
        except (BrokenProcessPool, RuntimeError):  # broken, or shut down under us
            _drop_pool(self._pool)
            self._pool = None
            return ParseJob(kwargs, None, None)

