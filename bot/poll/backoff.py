"""When to poll a feed next: on time after a success, later and later after failures.

Capped exponential backoff with jitter keeps a dead feed from being hammered and keeps a
hundred feeds that failed together (a DNS outage) from all retrying in the same second.
"""

from __future__ import annotations

import random

MAX_BACKOFF_SECONDS = 24 * 3600


def next_poll_delay(
    poll_seconds: int,
    error_count: int = 0,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> int:
    """Seconds until the next poll. `error_count` counts consecutive failures (0 = success)."""
    rng = rng or random
    if error_count <= 0:
        base = poll_seconds
    else:
        base = min(MAX_BACKOFF_SECONDS, poll_seconds * 2 ** min(error_count - 1, 20))
    delay = base * rng.uniform(0.9, 1.1)
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), MAX_BACKOFF_SECONDS))
    return int(min(delay, MAX_BACKOFF_SECONDS * 1.1))
