"""A feed's health in one word, the same for `feeds list` and the App Home.

Why a separate function: "ok" alone hid the cases admins ask about — a feed added but not
polled yet, a feed whose server answered 304 (nothing new, which is healthy but says
nothing of the document), a feed failing with a reason, and one switched off (410 Gone or
by hand). The feed row plus its last poll (bot/store/feedstate.py) tell them apart.
"""

from __future__ import annotations

from bot.models import Feed

NEVER_POLLED = "never polled"
OK = "ok"
UNCHANGED = "unchanged"
FAILING = "failing"
DISABLED = "disabled"


def feed_health(feed: Feed, last_poll=None) -> str:
    """One of NEVER_POLLED, OK, UNCHANGED, FAILING, DISABLED. `last_poll`: a PollState or None."""
    if not feed.enabled:
        return DISABLED
    if feed.last_error and feed.error_count > 0:
        return FAILING
    if last_poll is not None and last_poll.outcome == "unchanged":
        return UNCHANGED
    if feed.last_success is None and last_poll is None:
        return NEVER_POLLED
    return OK
