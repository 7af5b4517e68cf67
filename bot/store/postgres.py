"""PostgreSQL backend: a psycopg 3 connection pool, migrations under an advisory lock, and
full-text search on a generated, GIN-indexed tsvector.

Why this shape: several `aibrief run` replicas share one database, so everything that must
happen once is decided by PostgreSQL's own locks, never by a replica's memory: migrations
run under an advisory lock (here), the scheduler's leadership is a session-level advisory
lock (`AdvisoryLock`, here), and due feeds are claimed with row locks that skip rows another
replica is claiming (`SKIP_LOCKED`, Store.claim_due_feeds). The shared SQL (base.py and
the subject mixins) is written once with `?` placeholders; `pg_sql` turns it into psycopg's
`%s` style here, so both backends run the same statements.

Connections come from a pool and are in autocommit mode: a statement outside
`transaction()` is its own transaction (one round trip), and `transaction()` pins one
connection to the calling thread for a BEGIN … COMMIT, so nested use joins it, as on SQLite.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import time
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterable, Iterator, Sequence

import psycopg
from psycopg import conninfo as _conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.query import to_tsquery
from bot.store import rankpool
from bot.store.base import (
    SCORE,
    TITLE_WEIGHT,
    Store,
    StoreError,
    too_slow,
)
from bot.store.rum import RumSearchMixin
from bot.store.schema import LATEST_VERSION, POSTGRES_MIGRATIONS, TS_CONFIG
from bot.store.pgrank import other_languages, query_leaves, relevance, tsquery_params
from bot.store.searchextras import PostgresSearchExtras, window_sql
from bot.store.titlefirst import PostgresTitleFirstMixin
from bot.store.topk import capped, count_limit

CONNECT_TIMEOUT_S = 10
POOL_MIN = 1
POOL_MAX = 10
POOL_TIMEOUT_S = 30.0  # how long a caller waits for a free connection before failing


class DatabaseUnavailable(StoreError):
    """The database cannot be reached or refused us; the message is one line, without secrets."""


class SchemaTooNew(StoreError):
    """The database was migrated by a newer aibrief than this one."""


# ---- advisory locks ----------------------------------------------------------------------
def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for `name` (e.g. "migrate", "scheduler").

    Namespaced with "aibrief:" so another application's advisory locks on a shared server
    are very unlikely to collide with ours.
    """
    digest = hashlib.sha256(f"aibrief:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


MIGRATE_LOCK = lock_key("migrate")
LEADER_LOCK = "aibrief-scheduler"  # the scheduler's leadership (bot/leader.py)

# The leader's connection: libpq keepalives and a user timeout so that the *client* notices
# a dead network within ~15 s, and server-side keepalives so that PostgreSQL ends the
# session of a vanished leader (and frees its lock) within ~25 s instead of the OS default
# of two hours. (Both are ignored on Unix-socket connections, where death is seen at once.)
LEADER_CLIENT_OPTIONS = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 15000,  # ms
    "application_name": "aibrief-leader",
}
LEADER_SERVER_SETTINGS = (
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
    "SET tcp_user_timeout = 15000",
)
SERVER_DEAD_PEER_S = 10 + 5 * 3


class AdvisoryLock:
    """A session-level `pg_try_advisory_lock` held on a connection of its own, not from the
    pool (where the session would be reused and reset). PostgreSQL releases it when that
    session ends: the process exited, was killed, or its host vanished (then the server's
    TCP keepalives, set short on this connection, end the session within about
    SERVER_DEAD_PEER_S). The lock interface is bot/store/locks.py's."""

    kind = "postgresql"

    def __init__(self, store: "PostgresStore", name: str = LEADER_LOCK):
        self.store = store
        self.key = lock_key(name)
        self._conn = None  # a follower keeps its connection between attempts

    def _connection(self):
        if self._conn is None or self._conn.closed:
            conn = self.store.dedicated_connection(**LEADER_CLIENT_OPTIONS)
            try:
                for statement in LEADER_SERVER_SETTINGS:
                    conn.execute(statement)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    @property
    def backend_pid(self) -> int | None:
        """The PostgreSQL backend process of this lock's connection (operators: find the
        leader in pg_stat_activity, application_name 'aibrief-leader')."""
        conn = self._conn
        return None if conn is None or conn.closed else conn.info.backend_pid

    def acquire(self) -> bool:
        try:
            conn = self._connection()
            return bool(conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0])
        except Exception:
            self._drop()
            raise

    def check(self) -> bool:
        # A session-level advisory lock is released only by its own session (or when the
        # session ends), so the very session that took it, still answering, still holds it.
        # Never reconnect here: a new session would answer but hold nothing.
        conn = self._conn
        if conn is None or conn.closed:
            return False
        try:
            return conn.execute("SELECT 1").fetchone() == (1,)
        except Exception:
            self._drop()
            raise

    def release(self) -> None:
        self._drop()  # ending the session releases the lock; no unlock round trip needed

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:
                pass


# ---- `?` → `%s` -----------------------------------------------------------------------------
_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|\?|%""")


@lru_cache(maxsize=1024)
def pg_sql(sql: str) -> str:
    """`?` placeholders become `%s` and a literal `%` becomes `%%` (psycopg reads `%` as the
    start of a placeholder everywhere, even inside string literals); a `?` inside a quoted
    literal or identifier stays as it is."""

    def repl(m: re.Match) -> str:
        tok = m.group(0)
        if tok == "?":
            return "%s"
        if tok == "%":
            return "%%"
        return tok.replace("%", "%%")  # a quoted literal or identifier

    return _TOKEN.sub(repl, sql)


class _Tx:
    """The same handle SQLite's transaction gives: run, all, many, rowcount."""

    __slots__ = ("conn", "cur", "rowcount")

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.cur = conn.cursor()
        self.rowcount = 0

    def run(self, sql: str, params: Sequence = ()) -> int:
        self.cur.execute(pg_sql(sql), tuple(params))
        self.rowcount = self.cur.rowcount
        return self.rowcount

    def all(self, sql: str, params: Sequence = ()) -> list[tuple]:
        self.cur.execute(pg_sql(sql), tuple(params))
        self.rowcount = self.cur.rowcount
        return self.cur.fetchall() if self.cur.description else []

    def many(self, sql: str, seq: Iterable[Sequence]) -> None:
        self.cur.executemany(pg_sql(sql), [tuple(p) for p in seq])
        self.rowcount = self.cur.rowcount


# ---- errors ----------------------------------------------------------------------------------
def describe_url(url: str) -> str:
    """`user@host:port/dbname`, never the password — for messages and logs."""
    try:
        parts = _conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return "the PostgreSQL URL"
    host = parts.get("host") or "localhost"
    port = parts.get("port") or "5432"
    user = parts.get("user")
    return f"{user + '@' if user else ''}{host}:{port}/{parts.get('dbname') or ''}"


def _reason(exc: BaseException) -> str:
    """The useful part of a libpq error, on one line ("Connection refused",
    "password authentication failed for user …", "database … does not exist")."""
    text = " ".join(str(exc).split("\n")[0].split())
    if "failed: " in text:
        text = text.rsplit("failed: ", 1)[1]
    for prefix in ("FATAL: ", "ERROR: ", "connection failed: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text.strip() or type(exc).__name__


def _configure(conn: psycopg.Connection) -> None:
    """Session settings for every pooled connection.

    jit off: the ranking query over many matches looks expensive enough to the planner that
    it JIT-compiles it, every time (~20 ms measured), which one search never earns back.

    plan_cache_mode force_custom_plan: psycopg prepares a statement after its fifth run, and
    PostgreSQL then plans a prepared search once for any query text. A tsquery parameter's
    selectivity is unknown to that generic plan, so a prefix matching 430,000 of 1,000,000
    articles ran with the plan of a rare word (no parallel workers): `Chi*` 6.4 s in the
    benchmark's order against 3.6 s planned for its own text (bench/search.py, 1M).
    """
    conn.execute("SET jit = off")
    conn.execute("SET plan_cache_mode = force_custom_plan")


class PostgresStore(PostgresTitleFirstMixin, RumSearchMixin, PostgresSearchExtras, Store):
    backend = "postgresql"
    ts_config = TS_CONFIG
    # Claims (Store.claim_due_feeds) lock their rows and skip rows another replica is
    # claiming at this moment, instead of queueing behind it.
    SKIP_LOCKED = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str, *, migrate: bool = True, min_size: int = POOL_MIN, max_size: int = POOL_MAX):
        self.url = url
        self.where = describe_url(url)
        self._local = threading.local()
        # Fail fast, with one line, if the database cannot be reached: the pool itself
        # would keep retrying in the background and only time out later.
        self.dedicated_connection().close()
        self._pool = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
            configure=_configure,
            timeout=POOL_TIMEOUT_S,
            check=ConnectionPool.check_connection,  # a restarted server leaves dead ones behind
            name="aibrief",
            open=False,
        )
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT_S + 5)
        except PoolTimeout as exc:
            self._pool.close()
            raise DatabaseUnavailable(f"cannot open connections to PostgreSQL at {self.where}: {exc}") from None
        if migrate:
            try:
                self.migrate()
            except BaseException:
                self.close()
                raise

    # ---- connections -------------------------------------------------------------------
    def leader_lock(self) -> AdvisoryLock:
        """The scheduler's leadership lock (bot/leader.py): a session advisory lock."""
        return AdvisoryLock(self)

    def dedicated_connection(self, **options) -> psycopg.Connection:
        """A new autocommit connection outside the pool, for what must live on a session of
        its own (a session advisory lock such as the scheduler's leadership). `options` are
        extra libpq parameters (keepalives, application_name, …)."""
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, **options)
        except psycopg.Error as exc:
            raise DatabaseUnavailable(f"cannot reach PostgreSQL at {self.where}: {_reason(exc)}") from None

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        try:
            conn = self._pool.getconn()
        except PoolTimeout:
            raise DatabaseUnavailable(
                f"no connection to PostgreSQL at {self.where} within {POOL_TIMEOUT_S:.0f}s"
            ) from None
        try:
            yield conn
        finally:
            self._pool.putconn(conn)  # rolls back anything left open; drops a broken one

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[_Tx]:
        """One transaction on one connection. `write=False` is a read-only snapshot
        (REPEATABLE READ): several reads in it see the same state, as on SQLite's WAL."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:  # nested use joins the outer transaction
            yield _Tx(conn)
            return
        with self._connection() as conn:
            self._local.conn = conn
            try:
                with conn.transaction():
                    if not write:
                        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    yield _Tx(conn)
            finally:
                self._local.conn = None

    def _all(self, sql: str, params: Sequence = ()) -> list[tuple]:
        if getattr(self._local, "conn", None) is not None:
            deadline = getattr(self._local, "deadline", None)
            if deadline is not None:  # inside _time_budget: this statement gets what is left
                left_ms = max(1, int((deadline - time.monotonic()) * 1000))
                self._local.conn.execute(f"SET LOCAL statement_timeout = {left_ms}")
            return _Tx(self._local.conn).all(sql, params)
        with self._connection() as conn:  # autocommit: one statement, one round trip
            cur = conn.execute(pg_sql(sql), tuple(params))
            return cur.fetchall() if cur.description else []

    def close(self) -> None:
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.close()

    def ping(self) -> bool:
        """Whether the database answers now (for health checks)."""
        try:
            return self._all("SELECT 1") == [(1,)]
        except (psycopg.Error, StoreError):
            return False

    # ---- migrations --------------------------------------------------------------------
    def schema_version(self) -> int:
        with self.transaction(write=False) as tx:
            if tx.all("SELECT to_regclass('schema_version')")[0][0] is None:
                return 0  # a new, empty database
            row = tx.all("SELECT version FROM schema_version")
        return int(row[0][0]) if row else 0

    def migrate(self, target: int = LATEST_VERSION) -> int:
        """Apply the missing migrations up to `target`, each in its own transaction, each
        under a transaction-scoped advisory lock: replicas starting together queue on the
        lock, and the later ones find the work done."""
        if target > len(POSTGRES_MIGRATIONS):
            raise StoreError(f"no schema version {target}: the latest is {len(POSTGRES_MIGRATIONS)}")
        with self._connection() as conn:
            while True:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
                    conn.execute(
                        "CREATE TABLE IF NOT EXISTS schema_version ("
                        " one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one), version INTEGER NOT NULL)"
                    )
                    row = conn.execute("SELECT version FROM schema_version").fetchone()
                    current = row[0] if row else 0
                    if current > len(POSTGRES_MIGRATIONS):
                        raise SchemaTooNew(
                            f"the database at {self.where} is at schema version {current}, newer than "
                            f"this aibrief knows ({len(POSTGRES_MIGRATIONS)}): upgrade aibrief"
                        )
                    if current >= target:
                        return current
                    for step in POSTGRES_MIGRATIONS[current]:
                        if callable(step):
                            step(conn)
                        else:
                            conn.execute(step)
                    conn.execute(
                        "INSERT INTO schema_version(one, version) VALUES (true, %s) "
                        "ON CONFLICT (one) DO UPDATE SET version = excluded.version",
                        (current + 1,),
                    )

    # ---- full text -----------------------------------------------------------------------
    def _configs(self, tx=None) -> list[str]:
        """The text search configurations the archive's articles are indexed with: a query is
        compiled with each (`aibrief_tsquery`, schema.py version 10)."""
        from bot.language import language_of

        return list(dict.fromkeys([TS_CONFIG, *(language_of(c).pg_config for c in self.marked_languages(tx))]))

    def _match_one(self, tx: _Tx, watchlist_id: int, node, article_ids, now: int, *, table: str = "matches") -> int:
        """One statement per configuration the archive uses, each over its own articles
        (`_config_branches`): ORed in every configuration, the default watchlists (tens of
        thousands of tsquery nodes each) pass PostgreSQL's tsquery size limit once the archive
        holds many languages (the 1M benchmark's 15 configurations) ("tsquery is too large": nothing matched at all)."""
        assert table in ("matches", "personal_matches")
        leaves = query_leaves(node)
        added = 0
        for source, params in _config_branches(node, leaves, self._configs(tx)):
            sql = (f"INSERT INTO {table}(watchlist_id, article_id, score, matched_at) "
                   f"SELECT ?, a.id, {relevance(len(leaves), MATCH_WEIGHTS)}, ? FROM {source}")
            params = [watchlist_id, *[1.0] * len(leaves), now, *params]
            if article_ids is not None:
                # Exactly these ids: with concurrent writers, ids of one transaction need not
                # form a contiguous range as they do under SQLite's single writer.
                sql += " AND a.id = ANY(?)"
                params.append(list(article_ids))
            added += tx.run(sql + " ON CONFLICT DO NOTHING", params)
        return added

    def _rescore_matches(self, tx: _Tx, watchlist_id: int, node) -> int:
        leaves = query_leaves(node)
        return sum(tx.run(
            f"UPDATE matches m SET score = {relevance(len(leaves), MATCH_WEIGHTS)} "
            f"FROM {source} AND m.watchlist_id = ? AND m.article_id = a.id",
            (*[1.0] * len(leaves), *params, watchlist_id),
        ) for source, params in _config_branches(node, leaves, self._configs(tx)))

    def _search_rows(self, node, limit: int, offset: int, now: int, window: tuple = (None, None),
                     languages: tuple[str, ...] = ()) -> list[tuple]:
        if window == (None, None) and not languages:  # a broad query's first pages: bot/store/titlefirst.py
            rows = self._title_first_rows(node, limit, offset, now)
            if rows is not None:
                return rows
        if self.search_index() == "rum":  # top-k from the RUM index's candidates: bot/store/rum.py
            return self._rum_search_rows(node, limit, offset, now, window, languages)
        return self._ranked_rows(node, limit, offset, now, window, languages)

    def _ranked_rows(self, node, limit: int, offset: int, now: int, window: tuple = (None, None),
                     languages: tuple[str, ...] = (), where: Sequence[str] = (),
                     params: Sequence = ()) -> list[tuple]:
        """Every match scored, within `window` and `languages` (`where`: extra conditions on
        `a`, with their `params`)."""
        leaves = query_leaves(node)
        configs = self._configs()
        leaf_params = tsquery_params(leaves, configs)
        # A lone word's IDF is a constant factor that cannot change the order: not counted.
        idfs = self._idfs(leaf_params) if len(leaves) > 1 else [1.0]
        dated, dates = window_sql(window, languages)  # date window and language: filter
        dated += "".join(f" AND ({w})" for w in where)
        return self._ranked(node, leaves, configs, idfs, limit, offset, now, dated, [*dates, *params])

    def _ranked(self, node, leaves, configs: list[str], idfs: list[float], limit: int,
                offset: int, now: int, dated: str, dates: Sequence) -> list[tuple]:
        """The ranked page: one branch per configuration the archive uses (English's alone for
        an English archive), each over its own articles (English's: those in no other
        configuration's language; another's: those with its tag), its words compiled with
        that configuration only.

        Why not `aibrief_tsquery`'s OR of every configuration: many languages stem an
        English word to the same lexeme, so the ORed query repeats a common lexeme once per
        language and every candidate row is checked and ranked against all the copies. Split,
        each row is matched and ranked as in an archive of its language alone, and another
        language's branch starts from its rare tag lexeme. IDFs stay the archive's.

        Why two stages: the on-topic flag is a lookup in `matches` per row, a correlated
        subquery that keeps the planner from scanning in parallel workers and costs half the
        statement on a common word. So every match is ranked without it first (its score
        with on_topic false, `s0`), the best `pool` of those get the flag and their real
        score, and the page is exact whenever no match left out could reach it: the flag at
        most multiplies a score by ON_TOPIC_BOOST, so a left-out match scores at most that ×
        the pool's lowest s0 (bot/store/rankpool.py). Otherwise the pool grows, up to every match.
        Measured on 1,000,000 articles: `Chi*` 1.5 s against 3.3 s in one stage."""
        branches, params = [], []
        for source, branch_params in _config_branches(node, leaves, configs, dated):
            branches.append(
                "(SELECT a.id, a.title, a.url, a.source, a.published, a.summary,"
                f"  {relevance(len(leaves))} AS rel,"
                "  GREATEST(0.0, (?::float8 - a.published) / 86400.0) AS age,"
                f"  ts_filter(a.tsv, '{{a}}') @@ q AS in_title FROM {source})"
            )
            params += [*idfs, now, *branch_params, *dates]
        sql = (
            "SELECT id, title, url, source, published, summary, score, floor, pooled FROM ("
            f" SELECT c.*, {SCORE} AS score, min(c.s0) OVER () AS floor, count(*) OVER () AS pooled FROM ("
            "  SELECT b.*, EXISTS (SELECT 1 FROM matches m WHERE m.article_id = b.id) AS on_topic FROM ("
            f"   SELECT u.*, {SCORE.replace('on_topic', 'false')} AS s0 FROM ("
            + " UNION ALL ".join(branches)
            + ")  u ORDER BY s0 DESC, published DESC, id DESC LIMIT ?) b) c"
            ") s ORDER BY score DESC, published DESC, id DESC LIMIT ? OFFSET ?"
        )
        pool = rankpool.first_pool(limit, offset)
        while pool is not None:
            rows = self._all(sql, (*params, pool, limit, offset))
            if rankpool.pool_is_enough(rows, pool, limit):
                return [r[:7] for r in rows]
            pool = rankpool.next_pool(pool)
        return [r[:7] for r in self._all(sql, (*params, None, limit, offset))]  # LIMIT NULL: every match

    def _idfs(self, leaf_tsqueries: Sequence) -> list[float]:
        """BM25's IDF of each word or phrase, as FTS5 computes it (see the ranking notes below).

        Up to EXACT_COUNTS_BELOW articles the document counts are exact (a few ms). Beyond,
        counting every article that holds a common word costs as much as the search itself,
        so the planner's estimates (from ANALYZE's statistics of the tsvector column) stand
        in: an IDF only needs the order of magnitude. `leaf_tsqueries`: (query text,
        configurations) pairs, flattened, as `tsquery_params` gives them.
        """
        texts = leaf_tsqueries[0::2]
        total = self._all("SELECT reltuples::bigint FROM pg_class WHERE oid = 'articles'::regclass")[0][0]
        if total is None or total < EXACT_COUNTS_BELOW:  # -1: never analyzed
            counts = self._all(
                "SELECT (SELECT count(*) FROM articles), "
                + ", ".join(f"(SELECT count(*) FROM articles WHERE tsv @@ {TSQUERY_WORD})" for _ in texts),
                tuple(leaf_tsqueries),
            )[0]
            total, counts = counts[0], counts[1:]
        else:
            counts = [self._estimated_matches(q) for q in texts]
        return [bm25_idf(total, n) for n in counts]

    def _estimated_matches(self, tsquery_text: str, column: str = "tsv", configs: Sequence[str] = ()) -> int:
        """The planner's estimate of the articles whose `column` matches the query, compiled
        in English or, with `configs`, in each of them (`aibrief_tsquery`'s ORed forms)."""
        # The query text is a literal here (not a parameter) so that the planner estimates
        # with its value; to_tsquery's input is quoted by bot.query and escaped again here.
        literal = "'" + tsquery_text.replace("'", "''") + "'"
        if configs:
            forms = "ARRAY[" + ", ".join("'" + c.replace("'", "''") + "'" for c in configs) + "]::text[]"
            query = f"aibrief_tsquery({literal}, {forms}, false)"
        else:
            query = f"to_tsquery('{TS_CONFIG}', {literal})"
        plan = self._all(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM articles a WHERE a.{column} @@ {query}")[0][0]
        return int(plan[0]["Plan"]["Plan Rows"])

    def _count_rows(self, node, cap: int | None = None) -> int:
        """Within one search's time budget each query is counted once: the title-first
        pools ask first (with a higher cap, bot/store/titlefirst.py), the reported total
        after, and a count to a higher cap answers a lower one (a prefix's matches on a
        million articles take 100 ms to gather)."""
        memo = getattr(self._local, "counts", None)
        if memo is not None and node in memo:
            n, counted_to = memo[node]
            if counted_to is None or (cap is not None and cap <= counted_to) or n <= counted_to:
                return capped(n, cap)
        n = self._count_rows_now(node, cap)
        if memo is not None:
            memo[node] = (n, cap)
        return n

    def _more_than(self, node, n: int) -> None:
        """What a search found out on its way (more than `n` matches), for `_count_rows`
        to answer from within the same search."""
        memo = getattr(self._local, "counts", None)
        if memo is not None and node not in memo:
            memo[node] = (n + 1, n)

    def _count_rows_now(self, node, cap: int | None) -> int:
        configs = self._configs()
        # per configuration, over its own articles (see _ranked): disjoint, so they add up;
        # each part stops at the cap (LIMIT NULL: no limit), so their sum is past it exactly
        # when the total is
        prefixed = any(getattr(leaf, "prefix", False) for leaf in query_leaves(node))
        parts = [f"(SELECT COUNT(*) FROM (SELECT 1 FROM articles a, (SELECT to_tsquery(?::regconfig, ?)"
                 f"{' && ' + own if own else ''} AS q) AS qt WHERE {_matching(i, prefixed, own, configs)} LIMIT ?) x)"
                 for i, own in enumerate(_own_articles(configs))]
        params = [p for c in configs for p in (c, to_tsquery(node), count_limit(cap))]
        return capped(int(self._all("SELECT " + " + ".join(parts), params)[0][0]), cap)

    # ---- bounded search ----------------------------------------------------------------------
    @contextmanager
    def _time_budget(self, seconds: float) -> Iterator[None]:
        """One read-only transaction; before each statement in it `_all` sets
        `SET LOCAL statement_timeout` to the time left, so the server cancels whatever runs
        past the deadline (and the setting ends with the transaction). Its `work_mem` is
        SEARCH_WORK_MEM: at the server's default (4 MB) the bitmap of a common word's matches on
        a million articles turns lossy, and every row of a lossy page is checked again."""
        with self.transaction(write=False):
            self._all("SELECT set_config('work_mem', ?, true)", (SEARCH_WORK_MEM,))
            self._local.deadline = time.monotonic() + seconds
            self._local.counts = {}  # _count_rows: once per query within this search
            try:
                yield
            except psycopg.errors.QueryCanceled:
                raise too_slow(seconds) from None
            finally:
                self._local.deadline = None
                self._local.counts = None

    def _prefix_expansions(self, prefix: str, limit: int) -> int:
        """A lower bound, cheap: the lexemes starting with the (stemmed) prefix among those
        ANALYZE keeps for articles.tsv (`pg_stats.most_common_elems`, 1,000 at the default
        statistics target). Counting every lexeme needs ts_stat, a scan of every article;
        the common lexemes are the ones whose long posting lists make a prefix expensive
        here, and the statement timeout bounds the rest."""
        return int(self._all(
            "SELECT COUNT(*) FROM (SELECT 1 FROM pg_stats s, unnest(s.most_common_elems::text::text[]) AS e"
            " WHERE s.schemaname = current_schema() AND s.tablename = 'articles' AND s.attname = 'tsv'"
            f" AND starts_with(e, (tsvector_to_array(to_tsvector('{TS_CONFIG}', ?)))[1]) LIMIT ?) x",
            (prefix, limit),
        )[0][0])

    # ---- size and upkeep (doctor, db prune) --------------------------------------------------
    def files(self) -> list:
        """No files of ours: the server keeps the data."""
        return []

    def database_bytes(self) -> int:
        return int(self._all("SELECT pg_database_size(current_database())")[0][0])

    def free_fraction(self) -> None:
        """Not measured: autovacuum reuses dead space on its own."""
        return None

    def last_vacuum(self) -> int | None:
        """When `articles` was last vacuumed (by hand or by autovacuum), unix seconds, or None."""
        row = self._all(
            "SELECT EXTRACT(EPOCH FROM GREATEST(last_vacuum, last_autovacuum))::bigint "
            "FROM pg_stat_user_tables WHERE relname = 'articles'"
        )
        return int(row[0][0]) if row and row[0][0] is not None else None

    # ---- bulk copy (aibrief db copy, bot/store/copy.py) ------------------------------------
    def table_names(self) -> list[str]:
        """Every base table of the current schema, by name."""
        return [r[0] for r in self._all(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        )]

    def _update_languages(self, tx: _Tx, pairs) -> None:
        """One statement for the batch: the row-level tsv trigger and the statement-level
        vocabulary trigger (version 9) then run once per batch, not once per article."""
        if pairs:
            tx.run(
                "UPDATE articles a SET language = u.language"
                " FROM unnest(?::bigint[], ?::text[]) AS u(id, language) WHERE a.id = u.id",
                ([aid for aid, _ in pairs], [code for _, code in pairs]),
            )

    def table_columns(self, table: str) -> list[str]:
        """The stored columns; derived ones (articles.tsv, which a trigger computes from the
        row since version 10, a generated column before, and title_tsv, version 11) are
        rebuilt, not copied."""
        return [r[0] for r in self._all(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? AND is_generated = 'NEVER' AND NOT (table_name = 'articles' AND column_name IN ('tsv', 'title_tsv'))"
            " ORDER BY ordinal_position",
            (table,),
        )]

    def insert_rows(self, tx: _Tx, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        self.copy_rows(tx, table, columns, rows)

    def clear_tables(self, tx: _Tx, tables: Sequence[str]) -> None:
        tx.run(f"TRUNCATE {', '.join(tables)}")

    @contextmanager
    def bulk_load(self, tx: _Tx, tables: Sequence[str], identities: Sequence[str], progress) -> Iterator[None]:
        """Secondary indexes off while the rows go in, built once after; then fresh planner
        statistics, and the identity sequences moved past the copied ids."""
        deferred = self.drop_secondary_indexes(tx, tables)
        yield
        progress("(indexes)", 0, len(deferred))
        self.restore_indexes(tx, deferred)
        progress("(indexes)", len(deferred), len(deferred))
        tx.run("ANALYZE")  # statistics for the planner (and search's IDF estimates) now
        for table in identities:
            self.reset_identity(tx, table)

    def copy_rows(self, tx: _Tx, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        """Append rows with COPY (far faster than INSERTs); returns how many."""
        n = 0
        cols = ", ".join(columns)
        with tx.cur.copy(f"COPY {table} ({cols}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
                n += 1
        return n

    def drop_secondary_indexes(self, tx: _Tx, tables: Sequence[str]) -> list[str]:
        """Drop the tables' indexes that back no constraint (the GIN index above all) and
        return their definitions: building an index once after a bulk load is several
        times faster than updating it row by row. Only inside a transaction that
        `restore_indexes` finishes, so no one ever sees the tables without them."""
        rows = tx.all(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(?) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = "
            "  (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)",
            (list(tables),),
        )
        for name, _ in rows:
            tx.run(f'DROP INDEX "{name}"')
        return [definition for _, definition in rows]

    def restore_indexes(self, tx: _Tx, definitions: Sequence[str]) -> None:
        tx.run("SET LOCAL maintenance_work_mem = '256MB'")
        for definition in definitions:
            tx.run(definition)

    def reset_identity(self, tx: _Tx, table: str, column: str = "id") -> None:
        """Point an identity column's sequence past the largest id (after rows were copied
        in with their ids), so the next insert does not collide."""
        tx.run(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
            f"COALESCE((SELECT max({column}) FROM {table}), 0) + 1, false)"
        )


# ---- the ranking, in SQL ---------------------------------------------------------------------
# SQLite ranks with FTS5's BM25: for each word or phrase of the query, its IDF times a
# saturating function of how often it occurs (title hits TITLE_WEIGHT times a summary hit),
# damped for long documents; summed over the query's words and phrases. PostgreSQL has no
# BM25, so the same shape is built from its parts:
#   Σ over the query's words and phrases  idf(word) × sqrt(ts_rank(weights, tsv, word, 1))
# ts_rank's weights are listed {D, C, B, A}: titles are A, summaries B, leads C (schema.py; search
# leaves C out, as SQLite's lead column weighs 0 there), so a title
# hit counts TITLE_WEIGHT times a summary hit; normalisation 1 divides by 1 + log(length);
# the square root saturates repeated hits as BM25's k1 does; idf is BM25's own formula,
# log((N - n + 0.5) / (n + 0.5)), clamped just above zero for words in most documents as
# FTS5 clamps it. On the bundled sample feeds this puts the same article first as SQLite
# for every test query (tests/test_fulltext.py); plain ts_rank did so for 25 of 28. Match
# scores (matches.score) use the same sum with every idf = 1: computing IDFs on each poll
# is not worth it for a number that only orders one watchlist's new matches.
TSQUERY = f"to_tsquery('{TS_CONFIG}', ?)"  # English only: the raw baseline of bench/search.py
# A query in every configuration the archive uses (schema.py version 10): parameters are the
# query text and the list of configurations (PostgresStore._configs).
TSQUERY_IN = "aibrief_tsquery(?, ?::text[], true)"
# The same for the per-word queries that rank and count (no language tags: see schema.py).
TSQUERY_WORD = "aibrief_tsquery(?, ?::text[], false)"
# A watchlist's match score also counts its lead (weight C), as SQLite's _bm25(lead=1.0).
MATCH_WEIGHTS = f"'{{0.0, {1.0 / TITLE_WEIGHT}, {1.0 / TITLE_WEIGHT}, 1.0}}'"
IDF_FLOOR = 1e-6
EXACT_COUNTS_BELOW = 50_000
SEARCH_WORK_MEM = "64MB"  # for a search's statements (PostgresStore._time_budget)


def _config_branches(node, leaves, configs: list[str], dated: str = "") -> list[tuple[str, list]]:
    """Per configuration the archive uses (English's first), the FROM … WHERE that finds its
    own articles matching `node` (`q`: the query compiled with that configuration alone, its
    language's tag included; q0 … qn-1: each of `leaves` compiled so, to rank), with its
    parameters; `dated`: more conditions on `a` (their parameters follow). Matched, ranked
    and scored one configuration at a time, each row as in an archive of its language alone
    (see PostgresStore._ranked)."""
    prefixed = any(getattr(leaf, "prefix", False) for leaf in leaves)
    out = []
    for i, (config, own) in enumerate(zip(configs, _own_articles(configs))):
        leaf_sql = "".join(f", to_tsquery(?::regconfig, ?) AS q{j}" for j in range(len(leaves)))
        out.append((
            f"articles a, (SELECT to_tsquery(?::regconfig, ?){' && ' + own if own else ''} AS q) AS qt{leaf_sql}"
            f" WHERE {_matching(i, prefixed, own, configs)}{dated}",
            [config, to_tsquery(node), *(p for leaf in leaves for p in (config, to_tsquery(leaf)))],
        ))
    return out


def _own_articles(configs: list[str]) -> list[str]:
    """Per configuration (English's first), the tsquery that holds for its articles only: the
    other configurations' language tags absent (English), or its own tag present (schema.py
    version 10, `aibrief_tag`). The names are our own (bot/language.py), never user text."""
    tags = [f"quote_literal('{c}')::tsquery" for c in configs[1:]]
    return ["", *tags]


def _english_rows(configs: list[str]) -> str:
    """English's branch: the rows not indexed with another of `configs`, by their language
    column (set with the tag in one update: the same rows), a compare per row instead of a
    negated tag lexeme per configuration; "" for an archive of English alone."""
    others = other_languages(configs)
    if not others:
        return ""
    return " AND (a.language IS NULL OR a.language NOT IN (" + ", ".join(f"'{c}'" for c in others) + "))"


def _matching(branch: int, prefixed: bool, own: str, configs: list[str]) -> str:
    """The WHERE of one configuration's branch (`q`: its query, its own articles included).
    A prefix is expanded by the GIN index into every matching lexeme's rows before anything
    else, once per branch: another language's branch with a prefix therefore starts from its
    articles (the tag, a short list) and checks the query on each (ts_filter keeps the
    expression off the index) instead of expanding the prefix over the whole archive again."""
    if branch == 0:
        return "a.tsv @@ q" + _english_rows(configs)
    if not prefixed:
        return "a.tsv @@ q"
    return f"a.tsv @@ {own} AND ts_filter(a.tsv, '{{a,b,c,d}}') @@ q"


def bm25_idf(total: int, n: int) -> float:
    """FTS5's IDF: log((N - n + 0.5) / (n + 0.5)), or just above zero for a word in more
    than half of the articles (it then barely counts, as on SQLite)."""
    value = math.log((max(total - n, 0) + 0.5) / (n + 0.5))
    return value if value > 0 else IDF_FLOOR


def leaf_queries(n: int) -> str:
    """FROM-clause items q0 … qn-1: each leaf's tsquery, built once per statement (not per row)."""
    return "".join(f", {TSQUERY_WORD} AS q{i}" for i in range(n))


