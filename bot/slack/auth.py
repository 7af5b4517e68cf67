"""Who may change watchlists, feeds and schedules from Slack.

Admins are the user IDs in AIBRIEF_ADMINS plus the workspace's admins and owners as
`users.info` reports them. The answer is cached for a few minutes: an admin editing
several watchlists in a row costs one Web API call, and a demotion takes effect within
the TTL. When Slack cannot be asked, the answer is "no" (fail closed) and is not cached,
so the next attempt asks again.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger("aibrief.slack.auth")

CACHE_SECONDS = 300.0


class AdminCheck:
    def __init__(
        self,
        admins: frozenset[str] | set[str],
        *,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.admins = frozenset(admins)
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def is_admin(self, user_id: str, client) -> bool:
        """True for an AIBRIEF_ADMINS user or a workspace admin/owner; `client` is a WebClient."""
        if not user_id:
            return False
        if user_id in self.admins:
            return True
        now = self.clock()
        with self._lock:
            hit = self._cache.get(user_id)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("users.info failed for %s; treating as non-admin: %s", user_id, exc)
            return False
        allowed = not user.get("deleted") and bool(
            user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
        )
        with self._lock:
            self._cache[user_id] = (now, allowed)
        return allowed

    def forget(self, user_id: str | None = None) -> None:
        """Drop cached answers (one user, or all)."""
        with self._lock:
            if user_id is None:
                self._cache.clear()
            else:
                self._cache.pop(user_id, None)
