"""The parser of every subcommand, and main(): the exit status and the one-line errors."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence

from bot import __version__
from bot.cli import ask, audit, db, demo, digest, feeds, fetch, ops, run, search, watch
from bot.cli.common import Parser, UsageError
from bot.config import ConfigError, load_settings

log = logging.getLogger("aibrief")


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="aibrief", description="AI-security news briefings for Slack.")
    p.add_argument("--version", action="version", version=f"aibrief {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    run.register(sub)
    fetch.register(sub)
    search.register(sub)
    ask.register(sub)
    watch.register(sub)
    feeds.register(sub)
    audit.register(sub)
    demo.register(sub)
    digest.register(sub)
    db.register(sub)
    ops.register(sub)  # after db: it adds db actions
    return p


def _user_errors() -> tuple[type[BaseException], ...]:
    from bot.admin import AdminError
    from bot.query import QueryError
    from bot.store import StoreError

    return (UsageError, ConfigError, AdminError, QueryError, StoreError)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(f"aibrief: {exc}", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"aibrief: {exc}", file=sys.stderr)
        return 2
    from bot.logs import setup_logging

    setup_logging("DEBUG" if args.verbose else settings.log_level, settings.secrets())
    try:
        return args.func(args, settings) or 0
    except _user_errors() as exc:
        print(f"aibrief: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aibrief: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # last resort: one line, details in the log at debug level
        log.debug("command failed", exc_info=True)
        print(f"aibrief: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
