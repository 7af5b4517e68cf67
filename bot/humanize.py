"""Relative times for people ("3h ago", "in 5h"), shared by the CLI and Slack replies."""

from __future__ import annotations

from datetime import datetime, timezone


def relative_time(dt: datetime | None, now: datetime | None = None) -> str:
    """"3h ago" / "in 5h" / "never" — for feed health and next runs."""
    if dt is None:
        return "never"
    now = now or datetime.now(timezone.utc)
    secs = int((now - dt).total_seconds())
    ahead, secs = secs < 0, abs(secs)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= size:
            text = f"{secs // size}{unit}"
            break
    else:
        text = f"{secs}s"
    return f"in {text}" if ahead else f"{text} ago"
