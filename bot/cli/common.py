"""What every command shares: the one-line usage error, the parser class, the numeric
option type, who is acting, and the store a command opens."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime, timezone
from typing import Callable

from bot.config import Settings


class UsageError(Exception):
    """Bad input from the person at the terminal: exit 2 with this message."""


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (exit 2 via UsageError) instead of usage + error;
    subcommand parsers are of this class too (argparse makes them of the parent's class)."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see {self.prog} --help)")


def bounded_int(lo: int, hi: int) -> Callable[[str], int]:
    """The argparse type of every numeric option (--limit, --max-items, …): a whole number
    from `lo` to `hi`. One definition, so each command refuses 0, -1 or a 20-digit number
    the same way, before anything runs."""

    def parse(text: str) -> int:
        value = text.strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 9 or not lo <= int(value) <= hi:
            raise argparse.ArgumentTypeError(f"must be a whole number from {lo} to {hi}, not {text!r}")
        return int(value)

    parse.__name__ = f"number {lo}..{hi}"
    return parse


def command_group(subparsers, name: str, help: str, func: Callable):
    """`aibrief NAME ACTION …`: a command whose ACTION is required, run by `func`; returns the
    actions' subparsers."""
    group = subparsers.add_parser(name, help=help)
    group.set_defaults(func=func)
    actions = group.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    return actions


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def open_store(settings: Settings, **kw):
    from bot.bootstrap import prepare_store

    return prepare_store(settings, **kw)


def parse_day(text: str, option: str) -> datetime:
    """YYYY-MM-DD → that day's start, UTC; UsageError otherwise."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise UsageError(f"{option} wants a date as YYYY-MM-DD, not {text!r}") from None


def confirm(question: str, *, stdin=None, out=None) -> bool:
    """Ask on a terminal. Without one (a script, CI) there is nobody to ask: go ahead, as
    `feeds add` always did, rather than hang or fail the script (`--yes` says so explicitly)."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    if not stdin.isatty():
        return True
    out.write(f"{question} [y/N] ")
    out.flush()
    try:
        answer = stdin.readline()
    except (EOFError, KeyboardInterrupt):
        return False
    return answer.strip().lower() in ("y", "yes")
