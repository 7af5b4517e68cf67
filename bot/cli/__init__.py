"""The `aibrief` command (also `python -m bot`): one module per command group.

Each subcommand parses its arguments, calls the same plain functions the Slack app calls,
and prints. Exit status: 0 success; 2 bad usage or bad input, with a one-line reason on
stderr; 1 anything else. A user's mistake never shows a traceback.
"""

from bot.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
