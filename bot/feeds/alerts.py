"""When a feed's health is worth a message in AIBRIEF_ALERT_CHANNEL, and what it says.

Pure functions: the scheduler's poll job (bot/scheduler.py) asks `transition` for each
feed it polled and posts `alert_text` when it answers. An alert marks a change of state,
never a poll: a feed is reported once when it *starts* failing — when its consecutive
failures reach `FAILING_AFTER`, so one timeout overnight stays quiet — once when it
recovers after that, and once when a 410 Gone disables it. A feed that keeps failing
stays silent between those (its health shows in `aibrief feeds list` and the App Home).
"""

from __future__ import annotations

from bot import mrkdwn
from bot.redact import link_target, masked_url, redact_text

FAILING_AFTER = 3

FAILING = "failing"
RECOVERED = "recovered"
DISABLED = "disabled"


def transition(previous_errors: int, errors: int, *, disabled: bool = False,
               threshold: int = FAILING_AFTER) -> str | None:
    """The alert a poll calls for, from the feed's consecutive failures before and after it.

    None (no message), FAILING (this poll made it `threshold` failures in a row),
    RECOVERED (it succeeded after an alerted failure streak) or DISABLED (410 Gone).
    """
    if disabled:
        return DISABLED
    if errors == 0:
        return RECOVERED if previous_errors >= threshold else None
    if previous_errors < threshold <= errors:
        return FAILING
    return None


def alert_text(kind: str, url: str, title: str = "", error: str | None = None, errors: int = 0) -> str:
    """The alert as mrkdwn; every feed-supplied string escaped (a title cannot ping anyone)."""
    name = mrkdwn.escape(mrkdwn.truncate(title, 100)) if title else "(untitled)"
    # the alert channel is for operators, but a channel all the same: credentials masked
    where = mrkdwn.link(link_target(url), mrkdwn.truncate(masked_url(url), 200))
    reason = mrkdwn.escape(mrkdwn.truncate(redact_text(error or "unknown error"), 300))
    if kind == FAILING:
        return (f":red_circle: Feed *{name}* ({where}) is failing: {reason}\n"
                f"{errors} polls in a row have failed; it is retried less and less often. "
                "`/aibrief feeds list` shows its health.")
    if kind == RECOVERED:
        return f":large_green_circle: Feed *{name}* ({where}) works again."
    if kind == DISABLED:
        return (f":white_circle: Feed *{name}* ({where}) was disabled: {reason}. "
                "It is no longer polled; an admin can remove it or add it again.")
    raise ValueError(f"unknown alert kind {kind!r}")
