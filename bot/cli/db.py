"""`aibrief db migrate`, `aibrief db languages` and `aibrief db copy SOURCE TARGET [--force]`.

`migrate` brings the configured database (AIBRIEF_DATABASE) to the latest schema on purpose,
e.g. before rolling out replicas; every command also does it at start. `copy` moves a whole
database between SQLite and PostgreSQL (bot/store/copy.py does the work; this is its
terminal face: progress on stderr, the row-count comparison on stdout).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bot.cli.common import UsageError
from bot.cli.output import bar
from bot.config import ConfigError, Settings
from bot.config import is_postgres_url as _is_pg


def register(subparsers) -> None:
    p = subparsers.add_parser("db", help="database: migrate, copy between SQLite and PostgreSQL")
    sub = p.add_subparsers(dest="db_action", metavar="ACTION")
    sub.required = True
    m = sub.add_parser("migrate", help="bring AIBRIEF_DATABASE to the latest schema version")
    m.set_defaults(func=cmd_migrate)
    lg = sub.add_parser(
        "languages",
        help="detect the language of articles stored before languages were (runs to the end)",
        description="Articles stored before schema version 10 have no language yet; `aibrief run` "
        "detects them in the background a slice a minute. This does all of them now.",
    )
    lg.set_defaults(func=cmd_languages)
    c = sub.add_parser(
        "copy",
        help="copy a whole database (SQLite file or postgresql:// URL) into another",
        description="Copies feeds (with ETags and health), articles, watchlists, matches, digest "
        "subscriptions, runs, messages and sent items, the audit log and settings flags, keeping ids. "
        "The target is created and migrated if needed and must be empty unless --force.",
    )
    c.add_argument("source", help="SQLite file path or postgresql:// URL to copy from")
    c.add_argument("target", help="SQLite file path or postgresql:// URL to copy into")
    c.add_argument("--force", action="store_true", help="replace whatever the target holds")
    c.set_defaults(func=cmd_copy)


def _location(value: str) -> str:
    """Normalise a SOURCE/TARGET the way AIBRIEF_DATABASE is (sqlite:// prefix, bad schemes)."""
    from bot.config import _database

    try:
        return _database(value)
    except ConfigError as exc:
        raise ConfigError(str(exc).replace("AIBRIEF_DATABASE", repr(value))) from None


def _same(a: str, b: str) -> bool:
    if _is_pg(a) or _is_pg(b):
        return a == b
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def cmd_migrate(args, settings: Settings) -> int:
    from bot.store import open_store

    store = open_store(settings.database, migrate=False)
    try:
        before = store.schema_version()
        after = store.migrate()
    finally:
        store.close()
    if after == before:
        print(f"The database is at schema version {after}, the latest; nothing to do.")
    else:
        print(f"Migrated the database from schema version {before} to {after}.")
    return 0


def cmd_languages(args, settings: Settings) -> int:
    from bot.ops.languages import backfill
    from bot.store import open_store

    store = open_store(settings.database)
    try:
        todo = store.count_without_language()
        if not todo:
            print("Every stored article has its language; nothing to do.")
            return 0
        started = time.monotonic()
        tty = sys.stderr.isatty()

        def progress(done: int) -> None:
            if tty:
                print(f"\r{bar(min(done, todo), todo)} {done:,}/{todo:,}", end="", file=sys.stderr, flush=True)

        done = backfill(store, progress=progress)
        if tty:
            print(file=sys.stderr)
        counts = store.language_counts()
    finally:
        store.close()
    shown = ", ".join(f"{code or 'not yet'} {n:,}" for code, n in list(counts.items())[:8])
    print(f"Detected the language of {done:,} articles in {time.monotonic() - started:.1f}s ({shown}).")
    return 0


class _Progress:
    """Per-table progress on stderr: a redrawn line on a terminal, a line per table otherwise."""

    def __init__(self, header: str, stream=None) -> None:
        self.header = header  # shown once the copy has passed its checks and begins
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()

    def __call__(self, table: str, done: int, total: int) -> None:
        if self.header:
            self.stream.write(self.header + "\n")
            self.header = ""
        if self.tty:
            self.stream.write(f"\r{table:<16} {bar(done, total)} {done}/{total}")
            if done >= total:
                self.stream.write("\n")
        elif done >= total:
            self.stream.write(f"{table:<16} {done} row(s)  ({time.monotonic() - self.started:.1f}s)\n")
        self.stream.flush()


def cmd_copy(args, settings: Settings) -> int:
    from bot.store import CopyMismatch, copy_database, open_store, shown_database

    source_loc, target_loc = _location(args.source), _location(args.target)
    if _same(source_loc, target_loc):
        raise UsageError("SOURCE and TARGET are the same database")
    if not _is_pg(source_loc) and source_loc != ":memory:" and not Path(source_loc).expanduser().is_file():
        raise UsageError(f"no SQLite database at {args.source}")

    started = time.monotonic()
    source = open_store(source_loc, migrate=False)
    try:
        target = open_store(target_loc)
        try:
            progress = _Progress(f"Copying {shown_database(source_loc)} → {shown_database(target_loc)} …")
            try:
                report = copy_database(source, target, force=args.force, progress=progress)
            except CopyMismatch as exc:
                print(f"aibrief: {exc}", file=sys.stderr)
                return 1
        finally:
            target.close()
    finally:
        source.close()

    print(f"{'table':<16} {'source':>10} {'target':>10}")
    for table, (a, b) in report.counts.items():
        print(f"{table:<16} {a:>10} {b:>10}{'' if a == b else '   MISMATCH'}")
    total = sum(a for a, _ in report.counts.values())
    print(f"Row counts match: {total} row(s) copied in {time.monotonic() - started:.1f}s.")
    return 0


