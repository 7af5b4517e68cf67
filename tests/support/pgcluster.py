"""A throw-away PostgreSQL cluster for the test suite: initdb into a temp dir, start on a free
loopback port, hand out fresh databases, remove everything after.

Why a real server: the PostgreSQL backend's behaviour (tsvector parsing, stemming, GIN,
advisory locks, COPY, identity sequences) is the thing under test, so nothing may stand in
for it. The cluster is tuned for speed, not durability (fsync off, no full-page writes):
its data is discarded at the end of the session anyway.

PostgreSQL refuses to run as root; when the suite runs as root (CI containers) the server
programs run as the `postgres` system user, on a directory that user owns.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from tests.support.net import free_loopback_port

# The role the tests connect as: not a superuser, but the owner of its databases, as an
# operator's application role would be. Migrations must work with just that.
APP_ROLE = "aibrief"
SUPERUSER = "postgres"


class ClusterUnavailable(RuntimeError):
    """The PostgreSQL server programs are missing or the cluster would not start."""


def find_bindir() -> Path:
    """Where initdb and pg_ctl live: `pg_config --bindir`, else Debian's versioned dirs."""
    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            candidates.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in candidates:
        if c and (Path(c) / "initdb").is_file() and (Path(c) / "pg_ctl").is_file():
            return Path(c)
    raise ClusterUnavailable(
        "PostgreSQL server programs (initdb, pg_ctl) not found: install Debian's `postgresql` "
        "package (.ci/run does this when run as root)"
    )


class PgCluster:
    """One running cluster. `new_database()` gives a URL of an empty database owned by APP_ROLE."""

    def __init__(self, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        self.as_root = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="aibrief-pg-"))
        self.datadir = self.root / "data"
        self.logfile = self.root / "server.log"
        self.port = 0
        self._started = False
        self._admin = None  # psycopg connection as the superuser
        self._free: dict[str, list[str]] = {}  # template → emptied databases ready for reuse
        self._reset_plans: dict[str, tuple[frozenset, str]] = {}
        if self.as_root:
            pw = pwd.getpwnam("postgres")  # Debian's package creates this user
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        os.chmod(self.root, 0o700)

    # ---- running the server programs ----------------------------------------------------
    def _cmd(self, program: str, *args: str) -> list[str]:
        cmd = [str(self.bindir / program), *args]
        if self.as_root:
            runuser = shutil.which("runuser")
            if runuser:
                return [runuser, "-u", "postgres", "--", *cmd]
            return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(_shquote(c) for c in cmd)]
        return cmd

    def _run(self, program: str, *args: str, timeout: float = 120) -> None:
        proc = subprocess.run(self._cmd(program, *args), capture_output=True, text=True, timeout=timeout,
                              cwd=self.root)
        if proc.returncode != 0:
            log = self.logfile.read_text(errors="replace")[-2000:] if self.logfile.exists() else ""
            raise ClusterUnavailable(
                f"{program} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}\n{log}"
            )

    def start(self) -> "PgCluster":
        self._run(
            "initdb", "-D", str(self.datadir), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
            "--locale=C.UTF-8", "--no-sync", "--no-instructions",
        )
        # The port is picked free just before starting; another process could take it in
        # between, so try a few times.
        for attempt in range(5):
            self.port = free_loopback_port()
            try:
                self._run(
                    "pg_ctl", "-D", str(self.datadir), "-l", str(self.logfile), "-w", "-t", "60", "start",
                    "-o", " ".join([
                        f"-p {self.port}",
                        "-c listen_addresses=127.0.0.1",
                        f"-c unix_socket_directories={self.root}",
                        "-c fsync=off",
                        "-c synchronous_commit=off",
                        "-c full_page_writes=off",
                        "-c max_connections=200",
                        "-c shared_buffers=64MB",
                    ]),
                )
                break
            except ClusterUnavailable:
                if attempt == 4:
                    raise
        self._started = True
        atexit.register(self.stop)
        self._admin_conn().execute(f"CREATE ROLE {APP_ROLE} LOGIN")
        return self

    def stop(self) -> None:
        if self._admin is not None:
            try:
                self._admin.close()
            except Exception:
                pass
            self._admin = None
        if self._started:
            self._started = False
            try:
                self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop", timeout=60)
            except (ClusterUnavailable, subprocess.SubprocessError):
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    # ---- databases ------------------------------------------------------------------------
    def url(self, dbname: str, user: str = APP_ROLE) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def _admin_conn(self):
        import psycopg

        if self._admin is None:
            self._admin = psycopg.connect(self.url("postgres", SUPERUSER), autocommit=True)
        return self._admin

    def new_database(self, template: str | None = None) -> str:
        """Create an empty database owned by the app role (or a copy of `template`); its URL."""
        name = "t_" + uuid.uuid4().hex[:12]
        tpl = f" TEMPLATE {template}" if template else ""
        self._admin_conn().execute(f"CREATE DATABASE {name} OWNER {APP_ROLE}{tpl} STRATEGY file_copy")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[-1]
        for _ in range(50):
            try:
                self._admin_conn().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                return
            except Exception:  # a closing pool may still be disconnecting
                time.sleep(0.05)

    # ---- reusing migrated databases ----------------------------------------------------------
    # Creating a database costs ~0.2 s (PostgreSQL copies the template and checkpoints);
    # emptying a used one costs a few ms. So test databases that a test left at the latest
    # schema are emptied and handed out again.
    def checkout(self, template: str) -> str:
        """A migrated, empty database (a copy of `template`, or one a finished test returned)."""
        free = self._free.setdefault(template, [])
        return free.pop() if free else self.new_database(template=template)

    def checkin(self, url: str, template: str, expected_version: int) -> None:
        """Empty the database and keep it for the next test; drop it if the test changed
        its schema (then it is no longer what `template` promises)."""
        import psycopg

        try:
            with psycopg.connect(url, autocommit=True) as conn:
                plan = self._reset_plans.get(template)
                if plan is None:
                    plan = self._reset_plans[template] = _reset_plan(conn)
                tables, sql = plan
                if _table_set(conn) != tables or _version(conn) != expected_version:
                    raise _Dirty()
                conn.execute(sql)
        except Exception:
            self.drop_database(url)
            return
        self._free.setdefault(template, []).append(url)

    def mark_template(self, url: str) -> str:
        """Make the database at `url` a template (no one may be connected); its name."""
        name = url.rsplit("/", 1)[-1]
        self._admin_conn().execute(f"ALTER DATABASE {name} WITH IS_TEMPLATE true")
        return name


class _Dirty(Exception):
    pass


def _table_set(conn) -> frozenset:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()
    return frozenset(r[0] for r in rows)


def _version(conn) -> int | None:
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return row[0] if row else None


def _reset_plan(conn) -> tuple[frozenset, str]:
    """One statement batch that empties every table (children before the tables they
    reference) except schema_version, and restarts every identity sequence."""
    tables = _table_set(conn)
    refs: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in conn.execute(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
        "WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"
    ):
        if child != parent:
            refs.setdefault(parent, set()).add(child)
    order: list[str] = []
    seen: set[str] = set()

    def visit(t: str) -> None:  # every table that references t goes first
        if t in seen:
            return
        seen.add(t)
        for child in sorted(refs.get(t, ())):
            visit(child)
        order.append(t)

    for t in sorted(tables):
        visit(t)
    stmts = [f'DELETE FROM "{t}"' for t in order if t != "schema_version"]
    for table, column in conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'"
    ):
        stmts.append(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), 1, false)")
    return tables, "; ".join(stmts)


def _shquote(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"
