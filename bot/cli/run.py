"""`aibrief run`: the bot (Slack listener plus scheduler), until SIGTERM/SIGINT."""

from __future__ import annotations

from bot.config import Settings


def register(sub) -> None:
    s = sub.add_parser("run", help="the bot: Slack listener plus the scheduler")
    s.set_defaults(func=cmd_run)


def cmd_run(args, settings: Settings) -> int:
    from bot.runner import run

    return run(settings)
