"""How many searches one Slack user may have running at once.

Bolt answers every listener on one shared pool of threads (bot/slack/app.py), so a user who
fires off searches faster than they finish would hold all of them, and everyone else's
`/aibrief help` would wait in the queue. Each search already has a time budget
(bot.search.SEARCH_BUDGET_S); this caps how many budgets one user can spend at a time. A
search over the limit is answered at once, from memory, without touching the database.
"""

from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager
from typing import Iterator

MAX_SEARCHES_PER_USER = 2
BUSY_MESSAGE = "You already have searches running; wait for them to finish, then try again."


class SearchSlots:
    """Counts searches in flight per user; `take()` gets a slot or says there is none."""

    def __init__(self, per_user: int = MAX_SEARCHES_PER_USER) -> None:
        self.per_user = per_user
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def take(self, user: str) -> Iterator[bool]:
        """Yields True with a slot held until the block ends, or False when `user` already
        has `per_user` searches running (then nothing is held)."""
        with self._lock:
            if self._running[user] >= self.per_user:
                got = False
            else:
                self._running[user] += 1
                got = True
        try:
            yield got
        finally:
            if got:
                with self._lock:
                    self._running[user] -= 1
                    if self._running[user] <= 0:
                        del self._running[user]
