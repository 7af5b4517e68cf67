"""SQLite backend: WAL mode, one connection per thread, FTS5 with porter stemming.

Why a connection per thread: Bolt answers slash commands on worker threads while the
scheduler polls on others; in WAL mode readers never wait for the writer, so a search
stays fast during a poll. Writes take the lock up front (`BEGIN IMMEDIATE`) so two
writers queue instead of failing half-way with "database is locked".
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from bot.explain import holds
from bot.langindex import fts_text
from bot.query import to_fts5_by_language, to_fts5_candidates
from bot.store.base import (
    SCORE,
    ON_TOPIC_BOOST,
    RECENCY_DAYS,
    RECENCY_WEIGHT,
    TITLE_MATCH_BOOST,
    TITLE_WEIGHT,
    Store,
    too_slow,
)
from bot.store.locks import FileLock, NoLock, file_lock_for
from bot.store.schema import LATEST_VERSION, SQLITE_MIGRATIONS
from bot.store.searchextras import SQLiteSearchExtras, window_sql
from bot.store.where import id_chunks
from bot.store.titlefirst import TitleFirstMixin
from bot.store.topk import capped, count_limit

log = logging.getLogger("aibrief.store")

BUSY_TIMEOUT_MS = 15000
# The files beside the database: SQLite's write-ahead log and shared memory, and the
# scheduler's leader lock (bot/store/locks.py). They hold what the database holds.
COMPANION_SUFFIXES = ("-wal", "-shm", "-leader")
MMAP_BYTES = 1 << 30
# How often (in SQLite VM instructions) a budgeted search looks at the clock (well under a
# millisecond of work; the cost is not measurable: bench/broad_query.py).
PROGRESS_STEPS = 10_000
TOKENIZE = "porter unicode61 remove_diacritics 2"  # articles_fts's tokenizer (schema.py)


class _Tx:
    """The only handle code inside `transaction()` gets: run a statement, or fetch rows."""

    __slots__ = ("conn", "rowcount")

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.rowcount = 0

    def run(self, sql: str, params: Sequence = ()) -> int:
        cur = self.conn.execute(sql, params)
        self.rowcount = cur.rowcount
        return cur.rowcount

    def all(self, sql: str, params: Sequence = ()) -> list[tuple]:
        return self.conn.execute(sql, params).fetchall()

    def many(self, sql: str, seq) -> None:
        self.conn.executemany(sql, seq)


def _bm25(lead: float = 0.0) -> str:
    """BM25 over title, summary, lead. Search ranks by title and summary (the lead is a copy
    of the summary's opening); a watchlist's match score, scoped to title and lead, counts
    the lead as well (`lead=1.0`), as PostgreSQL's MATCH_WEIGHTS do."""
    return f"bm25(articles_fts, {TITLE_WEIGHT}, 1.0, {lead})"


class SQLiteStore(TitleFirstMixin, SQLiteSearchExtras, Store):
    backend = "sqlite"
    _bm25_sql = staticmethod(_bm25)  # for bot/store/searchextras.py
    _query_token = staticmethod(lambda text: _query_token(text))

    def __init__(self, path: str, *, migrate: bool = True):
        self.path = path
        if path != ":memory:":
            make_private_file(Path(path).expanduser())
        self._local = threading.local()
        self._all_conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        if migrate:
            self.migrate()

    # ---- connections -------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            # Reads straight from the OS page cache instead of copying each page through
            # read(): a search looks up thousands of rows by id (~25% faster on 1M articles).
            conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            register_functions(conn)
            self._local.conn = conn
            with self._lock:
                self._all_conns.append(conn)
        return conn

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[_Tx]:
        conn = self._conn()
        if conn.in_transaction:  # nested use joins the outer transaction
            yield _Tx(conn)
            return
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield _Tx(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def _all(self, sql: str, params: Sequence = ()) -> list[tuple]:
        return self._conn().execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            for conn in self._all_conns:
                try:
                    conn.close()
                except sqlite3.ProgrammingError:
                    pass
            self._all_conns.clear()
        self._local = threading.local()

    def leader_lock(self) -> FileLock | NoLock:
        """The scheduler's leadership lock (bot/leader.py): a file lock beside the database."""
        return file_lock_for(self.path)

    def integrity_check(self) -> str:
        return self._all("PRAGMA integrity_check")[0][0]

    # ---- size and upkeep (doctor, db prune) --------------------------------------------------
    VACUUM_KEY = "last_vacuum"  # meta: when `db prune --vacuum` last rewrote the file

    def files(self) -> list[Path]:
        """The files that hold the bot's data: the database and its companions (their modes
        matter: they hold feed credentials)."""
        path = Path(self.path).expanduser()
        return [path, *(Path(f"{path}{suffix}") for suffix in COMPANION_SUFFIXES)]

    def database_bytes(self) -> int:
        """The file's size: its pages in use and free."""
        page_size = self._all("PRAGMA page_size")[0][0]
        return int(self._all("PRAGMA page_count")[0][0]) * int(page_size)

    def free_fraction(self) -> float:
        """The share of the file that is free pages (reused by later writes; VACUUM returns them)."""
        pages = self._all("PRAGMA page_count")[0][0] or 1
        return float(self._all("PRAGMA freelist_count")[0][0]) / float(pages)

    def last_vacuum(self) -> int | None:
        """When `vacuum` last rewrote the file, unix seconds, or None."""
        value = self.get_meta(self.VACUUM_KEY)
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None

    def vacuum(self, now: int) -> None:
        """Rewrite the file without its free pages, and remember when."""
        self._all("VACUUM")
        self.set_meta(self.VACUUM_KEY, str(int(now)))

    # ---- bulk copy (aibrief db copy, bot/store/copy.py) ------------------------------------
    def table_names(self) -> list[str]:
        """Every table of the database, by name (internal ones too: copy.py filters)."""
        return [r[0] for r in self._all("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]

    def table_columns(self, table: str) -> list[str]:
        return [r[1] for r in self._all(f"PRAGMA table_info({table})")]

    def insert_rows(self, tx: _Tx, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        marks = ", ".join("?" * len(columns))
        tx.many(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def clear_tables(self, tx: _Tx, tables: Sequence[str]) -> None:
        """Empty `tables` (listed in foreign-key order: deleted from the last)."""
        for table in reversed(tables):
            tx.run(f"DELETE FROM {table}")

    @contextmanager
    def bulk_load(self, tx: _Tx, tables: Sequence[str], identities: Sequence[str], progress) -> Iterator[None]:
        """Nothing to prepare or finish: SQLite's indexes are cheap to fill row by row, and
        an INTEGER PRIMARY KEY continues after the largest id by itself."""
        yield

    # ---- migrations --------------------------------------------------------------------
    def schema_version(self) -> int:
        return self._all("PRAGMA user_version")[0][0]

    def migrate(self, target: int = LATEST_VERSION) -> int:
        """Apply the missing migrations up to `target`, each in its own transaction."""
        conn = self._conn()
        for version in range(self.schema_version() + 1, target + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                if conn.execute("PRAGMA user_version").fetchone()[0] >= version:
                    conn.execute("ROLLBACK")  # another process got there first
                    continue
                for step in SQLITE_MIGRATIONS[version - 1]:
                    if callable(step):
                        step(conn)
                    else:
                        conn.execute(step)
                conn.execute(f"PRAGMA user_version = {version}")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return self.schema_version()

    # ---- full text -----------------------------------------------------------------------
    def _verified(self, tx: _Tx, node, ids: Sequence[int]) -> set[int]:
        """The ids among `ids` that `node` matches, checked on their text (after a relaxed
        full-text query, see bot/query.py `to_fts5_candidates`)."""
        out: set[int] = set()
        for chunk, marks in id_chunks(ids):
            for aid, title, summary, lead, language in tx.all(
                f"SELECT id, title, summary, lead, language FROM articles WHERE id IN ({marks})", chunk
            ):
                if holds(node, title=title, summary=summary, lead=lead, language=language):
                    out.add(aid)
        return out

    def _count_verified(self, tx: _Tx, node, ids: Sequence[int], cap: int | None) -> int:
        """How many of `ids` `node` matches (see _verified), capped: checked a chunk at a time,
        stopping once past the cap."""
        found = 0
        for i in range(0, len(ids), 500):
            found += len(self._verified(tx, node, ids[i : i + 500]))
            if cap is not None and found > cap:
                break
        return capped(found, cap)

    def _reindex_languages(self, tx: _Tx, rows) -> None:
        """FTS5 holds what it was handed: an article not yet detected was indexed as its raw
        text (`fts_text(…, None)`), so the rows whose index text changes with their language
        are deleted with that text and indexed again; most (English, no CJK) are left alone."""
        changed = [
            (aid, code, fields) for aid, code, *fields in rows
            if any(fts_text(f or "", code) != (f or "") for f in fields)
        ]
        tx.many(
            "INSERT INTO articles_fts(articles_fts, rowid, title, summary, lead) VALUES ('delete', ?, ?, ?, ?)",
            [(aid, *fields) for aid, _, fields in changed],
        )
        tx.many(
            "INSERT INTO articles_fts(rowid, title, summary, lead) VALUES (?, ?, ?, ?)",
            [(aid, *(fts_text(f or "", code) for f in fields)) for aid, code, fields in changed],
        )

    def _match_one(self, tx: _Tx, watchlist_id: int, node, article_ids, now: int, *, table: str = "matches") -> int:
        expr, exact = to_fts5_candidates(node, self.marked_languages(tx))
        where = "articles_fts MATCH ?"
        params: list = [expr]
        if article_ids is not None:
            # New rows of one write transaction have ids above every older row, so a
            # range is exact here and lets FTS5 skip straight to them.
            where += " AND rowid BETWEEN ? AND ?"
            params += [min(article_ids), max(article_ids)]
        assert table in ("matches", "personal_matches")
        insert = f"INSERT INTO {table}(watchlist_id, article_id, score, matched_at) "
        if exact:
            return tx.run(
                insert + f"SELECT ?, rowid, -{_bm25(lead=1.0)}, ? FROM articles_fts WHERE {where} "
                "ON CONFLICT DO NOTHING",
                [watchlist_id, now, *params],
            )
        candidates = tx.all(f"SELECT rowid, -{_bm25(lead=1.0)} FROM articles_fts WHERE {where}", params)
        keep = self._verified(tx, node, [r[0] for r in candidates])
        before = tx.conn.total_changes
        tx.many(
            insert + "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [(watchlist_id, aid, score, now) for aid, score in candidates if aid in keep],
        )
        return tx.conn.total_changes - before

    def _rescore_matches(self, tx: _Tx, watchlist_id: int, node) -> int:
        """Recompute a watchlist's stored match scores on this backend's scale (after `db copy`)."""
        # Scores into a keyed temp table first: joined directly, SQLite re-runs the full-text
        # query for every match row (minutes on 100,000 articles instead of a second).
        tx.run("CREATE TEMP TABLE IF NOT EXISTS rescore (id INTEGER PRIMARY KEY, score REAL NOT NULL)")
        tx.run("DELETE FROM rescore")
        tx.run(  # a relaxed query scores a superset: only rows already matched are updated
            f"INSERT INTO rescore(id, score) SELECT rowid, -{_bm25(lead=1.0)} FROM articles_fts WHERE articles_fts MATCH ?",
            (to_fts5_candidates(node, self.marked_languages(tx))[0],),
        )
        return tx.run(
            "UPDATE matches SET score = r.score FROM rescore AS r "
            "WHERE matches.watchlist_id = ? AND matches.article_id = r.id",
            (watchlist_id,),
        )

    def _search_rows(self, node, limit: int, offset: int, now: int, window: tuple = (None, None),
                     languages: tuple[str, ...] = ()) -> list[tuple]:
        """The ranked page, reading articles rows only for the hits that can still reach it.

        Why not one SQL statement: ranking needs each hit's `published` (recency) and
        whether it is on a watchlist, and on a million articles those two lookups per hit
        cost twice the BM25 pass itself (a common word has 100,000+ hits). But a hit's
        score is at most its BM25 × title boost × the on-topic boost × the newest article's
        recency factor (no hit is newer), so the
        hits are read from FTS5 best bound first and looked up in small chunks until the
        next bound is below the page's last score: the same page as ranking every hit
        (bit for bit: same formula, same order of operations; ties by published, id).
        A date `window` and `languages` (a `language:` filter) are applied where each chunk's
        article rows are read: rows outside them are skipped like rows without an article.
        """
        want = limit + offset
        if want <= 0:
            return []
        marked = self.marked_languages()
        expr, exact = to_fts5_candidates(node, marked)
        if not exact:
            with self.transaction(write=False) as tx:
                return self._search_rows_verified(node, expr, limit, offset, now, tx, window, languages)
        # One branch per language form where that is exact (bot.query.to_fts5_by_language):
        # each row is scored over its own language's phrases only, with the same BM25.
        branches = to_fts5_by_language(node, marked) or [expr]
        if window == (None, None) and not languages:  # a broad query's first pages: bot/store/titlefirst.py
            with self.transaction(write=False) as tx:
                rows = self._title_first_rows(node, branches, marked, limit, offset, now, tx)
            if rows is not None:
                return rows
        bound = f"rel * ? * {ON_TOPIC_BOOST} * (CASE WHEN in_title THEN {TITLE_MATCH_BOOST} ELSE 1.0 END)"
        branch = (
            f"SELECT id, rel, in_title, {bound} AS ub FROM ("
            f"  SELECT rowid AS id, -{_bm25()} AS rel,"
            "   rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?) AS in_title"
            "  FROM articles_fts WHERE articles_fts MATCH ?)"
        )
        hits_sql = " UNION ALL ".join([branch] * len(branches)) + " ORDER BY ub DESC"
        with self.transaction(write=False) as tx:  # one snapshot for every statement below
            # No hit is more recent than the newest article: its recency factor bounds every
            # hit's (an index lookup; 1.0 for a store whose newest article is from today).
            newest = tx.all("SELECT max(published) FROM articles")[0][0]
            top = _recency(now, newest) if newest is not None else 1.0
            cursor = tx.conn.execute(hits_sql, [p for e in branches for p in (top, f"title : ({e})", e)])
            ranked: list[tuple] = []  # (score, published, id)
            kth = None
            chunk_size = max(32, want * 2)
            while True:
                chunk = cursor.fetchmany(chunk_size)
                if not chunk:
                    break
                if kth is not None:
                    chunk = [h for h in chunk if h[3] >= kth]
                    if not chunk:
                        break
                if chunk[-1][1] < 0:  # BM25 weights that make relevance negative break the bound
                    cursor.close()
                    return self._search_rows_one_statement(expr, limit, offset, now, tx, window, languages)
                marks = ",".join("?" * len(chunk))
                dated, dates = window_sql(window, languages)
                info = {
                    r[0]: r[1:]
                    for r in tx.all(
                        "SELECT a.id, a.published, EXISTS (SELECT 1 FROM matches m WHERE m.article_id = a.id)"
                        f" FROM articles a WHERE a.id IN ({marks}){dated}",
                        [*(h[0] for h in chunk), *dates],
                    )
                }
                chunk_size = min(chunk_size * 2, 2048)  # a long tail of near-ties: read faster
                for aid, rel, in_title, _ in chunk:
                    if aid not in info:
                        continue  # index row without its article: the join dropped it too
                    published, on_topic = info[aid]
                    score = (
                        rel
                        * _recency(now, published)
                        * (ON_TOPIC_BOOST if on_topic else 1.0)
                        * (TITLE_MATCH_BOOST if in_title else 1.0)
                    )
                    ranked.append((score, published, aid))
                ranked.sort(reverse=True)
                del ranked[want:]
                if len(ranked) == want:
                    kth = ranked[-1][0]
                    if chunk[-1][3] < kth:
                        break
            cursor.close()
            page = ranked[offset:want]
            if not page:
                return []
            marks = ",".join("?" * len(page))
            rows = {
                r[0]: r
                for r in tx.all(
                    f"SELECT id, title, url, source, published, summary FROM articles WHERE id IN ({marks})",
                    [aid for _, _, aid in page],
                )
            }
        return [rows[aid] + (score,) for score, _, aid in page if aid in rows]

    def _search_rows_one_statement(self, expr: str, limit: int, offset: int, now: int, tx,
                                   window: tuple = (None, None), languages: tuple[str, ...] = ()) -> list[tuple]:
        """Every hit scored in SQL (the reference the bounded search above must agree with)."""
        dated, dates = window_sql(window, languages)
        return tx.all(
            f"SELECT id, title, url, source, published, summary, {SCORE} AS score FROM ("
            "  SELECT a.id, a.title, a.url, a.source, a.published, a.summary,"
            f"   -{_bm25()} AS rel,"
            "   max(0.0, (? - a.published) / 86400.0) AS age,"
            "   EXISTS (SELECT 1 FROM matches m WHERE m.article_id = a.id) AS on_topic,"
            "   a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?) AS in_title"
            "  FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
            f"  WHERE articles_fts MATCH ?{dated}"
            ") ORDER BY score DESC, published DESC, id DESC LIMIT ? OFFSET ?",
            (now, f"title : ({expr})", expr, *dates, limit, offset),
        )

    def _search_rows_verified(self, node, expr: str, limit: int, offset: int, now: int, tx,
                              window: tuple = (None, None), languages: tuple[str, ...] = ()) -> list[tuple]:
        """Every candidate of a relaxed query scored, the ones `node` really matches kept: only
        for queries with a NEAR between large groups (a watchlist's), so the candidate set is
        what a watchlist's own words find."""
        rows = self._search_rows_one_statement(expr, -1, 0, now, tx, window, languages)
        keep = self._verified(tx, node, [r[0] for r in rows])
        return [r for r in rows if r[0] in keep][offset : offset + limit]

    def _count_rows(self, node, cap: int | None = None) -> int:
        marked = self.marked_languages()
        expr, exact = to_fts5_candidates(node, marked)
        if exact:  # each branch stops past the cap (LIMIT -1: no limit); disjoint, so they add up
            branches = to_fts5_by_language(node, marked) or [expr]
            part = "(SELECT COUNT(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT ?))"
            limit = count_limit(cap) or -1
            return capped(self._all("SELECT " + " + ".join([part] * len(branches)),
                                    [p for e in branches for p in (e, limit)])[0][0], cap)
        with self.transaction(write=False) as tx:
            ids = [r[0] for r in tx.all("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (expr,))]
            return self._count_verified(tx, node, ids, cap)

    # ---- bounded search ----------------------------------------------------------------------
    @contextmanager
    def _time_budget(self, seconds: float) -> Iterator[None]:
        """A progress handler on this thread's connection interrupts whatever statement runs
        once the deadline has passed (SQLite then raises "interrupted")."""
        conn = self._conn()
        deadline = time.monotonic() + seconds
        conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, PROGRESS_STEPS)
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc).lower():
                raise too_slow(seconds) from None
            raise
        finally:
            conn.set_progress_handler(None, 0)

    def _prefix_expansions(self, prefix: str, limit: int) -> int:
        """Counted in the index's own vocabulary (an fts5vocab table, created per connection
        in the temp schema: nothing to migrate), over the term range FTS5 itself expands:
        the prefix as the tokenizer turns it into a query token (porter stems it too).

        English-indexed words and each other language's marked stems (bot/langindex.py: a
        word's stem + its language's private-use marker, sorted among the English words of
        the range) are counted apart, and the largest count is returned: the limit is on how
        many words one language's expansion merges, so a few French articles in an English
        archive do not make a prefix that worked before refused. Reading `limit` words per
        language, plus one, is enough to know (one of them then holds more than `limit`)."""
        token = _query_token(prefix)
        if token is None:
            return 0
        conn = self._conn()
        if getattr(self._local, "vocab_conn", None) is not conn:
            conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.articles_fts_vocab "
                         "USING fts5vocab(main, articles_fts, row)")
            self._local.vocab_conn = conn
        languages = 1 + len(self.marked_languages())
        row = conn.execute(
            "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM (SELECT term FROM temp.articles_fts_vocab"
            "  WHERE term >= ? AND term < ? LIMIT ?)"
            f" GROUP BY CASE WHEN unicode(substr(term, -1)) BETWEEN {_MARKS[0]} AND {_MARKS[1]}"
            "  THEN substr(term, -1) ELSE '' END)",
            (token, token + "\U0010ffff", limit * languages + 1),
        ).fetchone()
        return row[0] or 0


# The code points of the private-use area, where the languages' index markers are (bot/language.py).
_MARKS = (0xE000, 0xF8FF)


def register_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions the schema's triggers call (schema.py version 10): every connection
    that writes articles needs them, so tools that open the file themselves call this too."""
    conn.create_function("aibrief_index", 2, fts_text, deterministic=True)


def _recency(now: int, published: int) -> float:
    """SCORE's recency factor for an article published at `published` (the same arithmetic)."""
    age = max(0.0, (now - published) / 86400.0)
    return 1.0 - RECENCY_WEIGHT * age / (RECENCY_DAYS + age)


def make_private_file(path: Path) -> None:
    """The database holds feed credentials (URLs with tokens) and the audit log: a folder we
    create is 0700 and a database file we create is 0600, whatever the umask; SQLite gives
    its -wal and -shm files the database file's mode. An existing file (or companion file)
    that others can read is not changed behind the owner's back: it is logged once, with
    the command that fixes it."""
    missing = []
    parent = path.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:  # another process made it meanwhile
            pass
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # an empty file is an empty database
    except FileExistsError:
        pass
    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in COMPANION_SUFFIXES)):
        try:
            mode = stat.S_IMODE(candidate.stat().st_mode)
        except OSError:
            continue
        if mode & 0o077:
            log.warning("%s can be read by other users (mode %04o); it holds the bot's data: chmod 600 %s",
                        candidate, mode, candidate)


def inspect_database_file(path: Path) -> tuple[str, int, int]:
    """(integrity_check's answer, schema version, article count or -1) of a database file,
    read-only (a backup's check). Raises sqlite3.DatabaseError for what is no database."""
    conn = sqlite3.connect(path, timeout=15)
    try:
        conn.execute("PRAGMA query_only = 1")
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        try:
            articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        except sqlite3.DatabaseError:
            articles = -1
    finally:
        conn.close()
    return integrity, version, articles


def backup_database_file(source: Path, target: Path) -> None:
    """Copy the database at `source` into the (empty) file `target` with SQLite's online
    backup: one consistent snapshot, while writers go on."""
    src = sqlite3.connect(source, timeout=15)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: every page in one step, from one snapshot
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file (the bot turns WAL on again)
    finally:
        dst.close()
        src.close()


_tokenizers = threading.local()


def _query_token(text: str) -> str | None:
    """`text` as articles_fts's tokenizer turns it into an index token, or None when it
    yields none. There is no SQL function for that, so a one-row FTS5 table with the same
    tokenizer in a private in-memory database does the tokenizing."""
    conn = getattr(_tokenizers, "conn", None)
    if conn is None:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{TOKENIZE}')")
        conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, row)")
        _tokenizers.conn = conn
    conn.execute("DELETE FROM t")
    conn.execute("INSERT INTO t(x) VALUES (?)", (text,))
    rows = conn.execute("SELECT term FROM v").fetchall()
    return rows[0][0] if len(rows) == 1 else None
