"""`aibrief doctor`, and `aibrief db backup PATH | restore PATH | prune [--dry-run] [--vacuum]`.

The terminal face of bot/ops/: doctor.py's findings printed with an exit status (0 all good,
1 something to fix), backup.py's online backup and guarded restore, retention.py's pruning
on demand. The `db` actions join the `db` command that bot/cli/db.py registers.
"""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import UsageError
from bot.config import Settings


def register(subparsers) -> None:
    d = subparsers.add_parser("doctor", help="check settings, database, Slack token and scopes, channels, feeds, templates",
                              description="Exit status 0: all good (warnings allowed); 1: something needs fixing.")
    d.set_defaults(func=cmd_doctor)

    db = _actions(subparsers.choices["db"])
    b = db.add_parser("backup", help="a consistent copy of the SQLite database, while the bot runs",
                      description="SQLite's online backup API, checked with PRAGMA integrity_check. "
                      "For PostgreSQL use pg_dump (see the README).")
    b.add_argument("path", help="the backup file to write")
    b.add_argument("--force", action="store_true", help="replace an existing file at PATH")
    b.set_defaults(func=cmd_backup)
    r = db.add_parser("restore", help="put a backup in place of the SQLite database (the bot must be stopped)")
    r.add_argument("path", help="a file written by aibrief db backup")
    r.set_defaults(func=cmd_restore)
    p = db.add_parser("prune", help="delete articles older than AIBRIEF_RETENTION_DAYS now")
    p.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    p.add_argument("--vacuum", action="store_true", help="SQLite: then give the freed space back to the disk")
    p.set_defaults(func=cmd_prune)


def _actions(parser: argparse.ArgumentParser):
    """The sub-command table of an existing command (argparse keeps it as an action)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError(f"{parser.prog} has no sub-commands")


def cmd_doctor(args, settings: Settings) -> int:
    from bot.ops.doctor import as_text, failed, run_checks
    from bot.slack.client import make_client

    client = make_client(settings, timeout=10) if settings.slack_enabled else None
    findings = run_checks(settings, client=client)
    print(as_text(findings))
    return 1 if failed(findings) else 0


def _sqlite_only(settings: Settings, what: str) -> None:
    if settings.database_is_postgres:
        raise UsageError(f"db {what} is for SQLite; for PostgreSQL use pg_dump / pg_restore "
                         "(README, \"Operating it\")")


def cmd_backup(args, settings: Settings) -> int:
    from bot.ops.backup import BackupError, backup_sqlite

    _sqlite_only(settings, "backup")
    try:
        report = backup_sqlite(settings.database, args.path, force=args.force)
    except BackupError as exc:
        raise UsageError(str(exc)) from None
    print(f"Backed up {settings.database} to {report.path}: {report.bytes / (1 << 20):.1f} MiB, "
          f"{report.articles} article(s), schema version {report.schema_version}, "
          f"integrity {report.integrity}, in {report.seconds:.1f}s.")
    return 0


def cmd_restore(args, settings: Settings) -> int:
    from bot.ops.backup import BackupError, restore_sqlite

    _sqlite_only(settings, "restore")
    try:
        report, kept = restore_sqlite(args.path, settings.database)
    except BackupError as exc:
        raise UsageError(str(exc)) from None
    print(f"Restored {args.path} as {settings.database}: {report.articles} article(s), "
          f"schema version {report.schema_version}.")
    if kept:
        print(f"The database it replaced is kept as {kept}.")
    return 0


def cmd_prune(args, settings: Settings) -> int:
    from bot.ops.retention import prune, vacuum
    from bot.store import open_store

    store = open_store(settings.database)
    try:
        before = store.database_bytes()
        report = prune(store, settings.retention_days, dry_run=args.dry_run, should_stop=lambda: False)
        print(report.summary()[0].upper() + report.summary()[1:] + ".")
        if args.vacuum and not args.dry_run:
            if settings.database_is_postgres:
                print("PostgreSQL: autovacuum reclaims the space; nothing else to do.", file=sys.stderr)
            else:
                was, now = vacuum(store)
                print(f"Vacuumed: {was / (1 << 20):.1f} MiB → {now / (1 << 20):.1f} MiB.")
        elif not args.dry_run:
            print(f"Database size {before / (1 << 20):.1f} MiB (freed pages are reused by new articles).")
    finally:
        store.close()
    return 0
