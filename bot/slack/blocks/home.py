"""The App Home tab as a view: watchlists with match counts, feed health (failing first),
digest schedules; admins also get the buttons that open the modals and the tuning figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Sequence

from bot.models import Feed, Watchlist
from bot.humanize import relative_time
from bot.mrkdwn import escape, truncate
from bot.slack.limits import MAX_VIEW_BLOCKS
from bot.slack.blocks.action_ids import ACTION_HOME_ADD, ACTION_HOME_REMOVE
from bot.slack.blocks.parts import _button, _context, _header, _section, code
from bot.slack.blocks.saved import home_saved
from bot.slack.blocks.replies import _chunked, feed_line, schedule_error, stats_lines

HOME_FEEDS_MAX = 40
HOME_WATCHLISTS_MAX = 20


@dataclass(frozen=True)
class ScheduleRow:
    """A channel's digest subscription as the App Home shows it."""

    channel: str
    at: str  # "HH:MM"
    tz: str
    next_run: datetime | None = None
    enabled: bool = True
    last_error: str | None = None  # why the last digest failed (e.g. the bot is not in the channel)
    muted: tuple[str, ...] = ()  # sources its digests skip (`channels mute`)


def home_view(
    watchlists: Sequence[Watchlist],
    counts: dict[str, int],
    feeds: Sequence[Feed],
    schedules: Sequence[ScheduleRow],
    *,
    is_admin: bool,
    now: datetime | None = None,
    stats: dict | None = None,
    saved: tuple[Sequence, int] | None = None,
) -> dict:
    """The App Home tab: watchlists with match counts, feed health, digest schedules. For
    admins, `stats` (watchlist name → bot.tuning.WatchStats) adds each watchlist's tuning
    figures; a non-admin's tab never shows votes. `saved` (the reader's newest saved articles,
    how many they saved) comes first: it is the one part of the tab that is theirs."""
    now = now or datetime.now(timezone.utc)
    blocks: list[dict] = [_header("aibrief — AI-security news briefings")]
    if is_admin:
        blocks.append({
            "type": "actions",
            "block_id": "home_admin",
            "elements": [
                _button("Add watchlist", ACTION_HOME_ADD, style="primary"),
                _button("Remove watchlist", ACTION_HOME_REMOVE),
            ],
        })
    blocks.append(_context("Search with `/aibrief QUERY` in any channel; `/aibrief help` lists every command."))
    if saved is not None:
        blocks += home_saved(*saved)

    blocks += [{"type": "divider"}, _header(f"Watchlists ({len(watchlists)})")]
    if watchlists:
        for w in watchlists[:HOME_WATCHLISTS_MAX]:
            n = counts.get(w.name, 0)
            text = f"*{escape(w.name)}* — {n} matching article{'s' if n != 1 else ''}\n{code(truncate(w.query, 500))}"
            stat = (stats or {}).get(w.name) if is_admin else None
            if stat is not None:
                text += "\n" + "\n".join(stats_lines(stat))
            blocks.append(_section(text))
        if len(watchlists) > HOME_WATCHLISTS_MAX:
            blocks.append(_context(f"… and {len(watchlists) - HOME_WATCHLISTS_MAX} more: `/aibrief watch list`"))
    else:
        blocks.append(_section("No watchlists yet."))

    failing = sum(1 for f in feeds if f.last_error)
    blocks += [{"type": "divider"}, _header(f"Feeds ({len(feeds)}, {failing} failing)")]
    # failing feeds first: they are what an admin opens this tab to see
    ordered = sorted(feeds, key=lambda f: (not f.last_error, f.title.lower() or f.url))
    shown = ordered[:HOME_FEEDS_MAX]
    if shown:
        blocks += _chunked("", [feed_line(f, now, admin=is_admin) for f in shown], max_blocks=20)
        if len(feeds) > len(shown):
            blocks.append(_context(f"… and {len(feeds) - len(shown)} more: `/aibrief feeds list`"))
    else:
        blocks.append(_section("No feeds yet."))

    blocks += [{"type": "divider"}, _header(f"Digest schedules ({len(schedules)})")]
    if schedules:
        lines = []
        for s in schedules[:30]:
            if s.enabled and s.next_run:
                state = f"next {s.next_run.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC ({relative_time(s.next_run, now)})"
            else:
                state = "paused"
            line = f"<#{escape(s.channel)}> daily at *{escape(s.at)}* {escape(s.tz)} — {state}"
            if s.muted:
                line += "\nmuted sources: " + ", ".join(escape(m) for m in s.muted[:20])
            if s.last_error:
                line += f"\n:warning: last digest failed: {escape(truncate(schedule_error(s.last_error, is_admin), 200))}"
            lines.append(line)
        blocks += _chunked("", lines, max_blocks=10)
        if len(schedules) > 30:
            blocks.append(_context(f"… and {len(schedules) - 30} more: `aibrief channels list`"))
    else:
        blocks.append(_section("No channel gets a digest yet. In a channel: `/aibrief digest schedule 09:00 Europe/Berlin`"))
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}
