"""The PostgreSQL backend's own parts: placeholders, connection errors, migrations under a
lock, the schema mirroring SQLite's, advisory locks, and what the compiled tsquery finds in
a real PostgreSQL (the same oracle tests/test_query.py holds FTS5 to)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import psycopg

import pytest
from hypothesis import HealthCheck, given, settings

from bot.query import QueryError, parse, to_tsquery
from bot.store import (
    DatabaseUnavailable,
    PostgresStore,
    SchemaTooNew,
    StoreError,
    describe_url,
    lock_key,
    open_store,
    pg_sql,
)
from bot.store.schema import LATEST_VERSION, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, TS_CONFIG
from tests.support.helpers import article
from tests.support.net import free_loopback_port
from tests.support.query_oracle import ORACLE_DOCS, any_query, evaluate, g_and

pytestmark = pytest.mark.postgres


# ---- `?` placeholders ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "sql,expected",
    [
        ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = %s AND b = %s"),
        ("SELECT ? || '%'", "SELECT %s || '%%'"),
        ("SELECT '?' , ?", "SELECT '?' , %s"),
        ("SELECT 'it''s ?', ?", "SELECT 'it''s ?', %s"),
        ('SELECT "we?ird" FROM t WHERE x LIKE \'a%\' AND y = ?', 'SELECT "we?ird" FROM t WHERE x LIKE \'a%%\' AND y = %s'),
        ("SELECT 5 % 3", "SELECT 5 %% 3"),
    ],
)
def test_placeholders_become_psycopg_style(sql, expected):
    assert pg_sql(sql) == expected


def test_translated_statements_run(store_pg):
    with store_pg.transaction() as tx:
        assert tx.all("SELECT ? || '%' || '?', 7 % 4, ?", ("a", 2)) == [("a%?", 3, 2)]


@pytest.fixture
def store_pg(pg_cluster, pg_template):
    url = pg_cluster.new_database(template=pg_template)
    s = PostgresStore(url)
    yield s
    s.close()
    pg_cluster.drop_database(url)


# ---- a database that cannot be reached ---------------------------------------------------------
def test_unreachable_database_is_one_line_without_the_password():
    url = f"postgresql://bot:s3cret-pw@127.0.0.1:{free_loopback_port()}/aibrief"
    with pytest.raises(DatabaseUnavailable) as err:
        open_store(url)
    msg = str(err.value)
    assert isinstance(err.value, StoreError)
    assert "\n" not in msg and "s3cret-pw" not in msg
    assert msg.startswith("cannot reach PostgreSQL at bot@127.0.0.1:") and "refused" in msg.lower()


def test_a_missing_database_names_it(pg_cluster):
    with pytest.raises(DatabaseUnavailable, match='database "no_such_db" does not exist'):
        PostgresStore(pg_cluster.url("no_such_db"))


def test_cli_exits_2_with_one_line_when_the_database_is_unreachable(tmp_path):
    url = f"postgresql://bot:s3cret-pw@127.0.0.1:{free_loopback_port()}/aibrief"
    env = {"AIBRIEF_DATABASE": url, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "bot", "search", "ai"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("aibrief: cannot reach PostgreSQL at bot@127.0.0.1:")
    assert "s3cret-pw" not in proc.stderr + proc.stdout


def test_describe_url_never_shows_the_password():
    assert describe_url("postgresql://u:pw@db.example:6543/news") == "u@db.example:6543/news"
    assert describe_url("postgresql:///news") == "localhost:5432/news"


# ---- migrations --------------------------------------------------------------------------------
def test_both_backends_have_the_same_number_of_migrations():
    assert len(POSTGRES_MIGRATIONS) == len(SQLITE_MIGRATIONS) == LATEST_VERSION


def test_both_backends_have_the_same_tables_and_columns(pg_url, tmp_path):
    """What a migration adds on SQLite must be mirrored on PostgreSQL, column for column."""
    from bot.store.copy import table_columns, table_names

    sq = open_store(str(tmp_path / "s.db"))
    pg = open_store(pg_url)
    try:
        assert table_names(sq) == table_names(pg)
        for table in table_names(sq):
            assert table_columns(sq, table) == table_columns(pg, table), table
    finally:
        sq.close()
        pg.close()


def test_migrates_step_by_step_and_records_the_version(pg_url):
    s = PostgresStore(pg_url, migrate=False)
    try:
        assert s.schema_version() == 0
        assert s.migrate(target=1) == 1
        assert s.schema_version() == 1
        feed = s.add_feed("https://a.example/feed")  # a migration-1 table works
        assert s.migrate() == LATEST_VERSION
        assert s.get_feed("https://a.example/feed").id == feed.id
        assert s._all("SELECT count(*) FROM schema_version") == [(1,)]
    finally:
        s.close()


def test_replicas_starting_together_migrate_once(pg_url):
    """Eight stores opened at the same moment on a new database: each migration's DDL would
    fail if it ran twice, so all of them opening cleanly means it ran once."""
    barrier = threading.Barrier(8)
    results: list = []

    def start():
        barrier.wait()
        try:
            s = PostgresStore(pg_url, min_size=1, max_size=2)
            results.append(s.schema_version())
            s.close()
        except Exception as exc:  # reported below
            results.append(exc)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [LATEST_VERSION] * 8


def test_a_database_from_a_newer_aibrief_is_refused(store_pg):
    store_pg._all("UPDATE schema_version SET version = 999")
    with pytest.raises(SchemaTooNew, match="schema version 999"):
        store_pg.migrate()


def test_migrations_need_no_superuser(pg_cluster, pg_url):
    """The test role owns its database but is no superuser, as an operator's app role."""
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (False,)
    PostgresStore(pg_url).close()


# ---- transactions ------------------------------------------------------------------------------
def test_a_failed_transaction_leaves_nothing_and_nesting_joins(store_pg):
    with pytest.raises(RuntimeError):
        with store_pg.transaction() as tx:
            tx.run("INSERT INTO meta(key, value) VALUES (?, ?)", ("a", "1"))
            with store_pg.transaction() as inner:  # joins the outer one
                inner.run("INSERT INTO meta(key, value) VALUES (?, ?)", ("b", "2"))
            raise RuntimeError("boom")
    assert store_pg.get_meta("a") is None and store_pg.get_meta("b") is None
    store_pg.set_meta("a", "1")
    assert store_pg.get_meta("a") == "1"


def test_read_transactions_see_one_snapshot(store_pg):
    store_pg.set_meta("k", "before")
    with store_pg.transaction(write=False) as tx:
        assert tx.all("SELECT value FROM meta WHERE key = 'k'") == [("before",)]
        writer = threading.Thread(target=store_pg.set_meta, args=("k", "after"))
        writer.start()
        writer.join()
        assert tx.all("SELECT value FROM meta WHERE key = 'k'") == [("before",)]
    assert store_pg.get_meta("k") == "after"


def test_a_prepared_search_is_planned_for_each_query_text(store_pg):
    """psycopg prepares a statement from its fifth run; a generic plan would then serve every
    query text alike (a prefix over half the archive with a rare word's plan)."""
    from bot.search import search

    store_pg.insert_articles(None, [article(f"News about {w}", f"The {w} story.", days_ago=30)
                                    for w in ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
                                              "iota", "lambda"]])
    with store_pg.transaction(write=False) as tx:  # one connection: prepared statements are per session
        # psycopg prepares at the 5th run; PostgreSQL weighs a generic plan after 5 custom ones
        for q in ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "lam*"] * 3:
            search(store_pg, q, limit=5)
        generic, custom = tx.all("SELECT COALESCE(SUM(generic_plans), 0), COALESCE(SUM(custom_plans), 0) "
                                 "FROM pg_prepared_statements WHERE cardinality(parameter_types) > 0")[0]
    assert custom > 0 and generic == 0


# ---- advisory locks (leadership builds on these) -------------------------------------------------
def test_lock_keys_are_stable_signed_64_bit_and_distinct():
    assert lock_key("migrate") == lock_key("migrate")
    assert lock_key("migrate") != lock_key("scheduler")
    assert -(2**63) <= lock_key("scheduler") < 2**63


def test_a_session_lock_on_a_dedicated_connection_is_held_until_it_closes(store_pg):
    key = lock_key("test-leader")
    a, b = store_pg.dedicated_connection(), store_pg.dedicated_connection()
    try:
        assert a.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone() == (True,)
        assert b.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone() == (False,)
        [holder] = a.execute("SELECT pg_backend_pid()").fetchone()
        a.close()  # the holder's session ends (a replica dies): the lock is free
        # The server ends the backend a moment after the client hangs up; wait for that (not
        # for a time): the lock is released with the session, not with the socket.
        deadline = time.monotonic() + 30
        while b.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (holder,)).fetchone():
            assert time.monotonic() < deadline, "the closed session's backend never ended"
            time.sleep(0.02)
        assert b.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone() == (True,)
    finally:
        a.close()
        b.close()


# ---- the compiled tsquery in a real PostgreSQL ---------------------------------------------------
@pytest.fixture(scope="module")
def ts_db(pg_cluster, pg_template):
    url = pg_cluster.new_database(template=pg_template)
    conn = psycopg.connect(url, autocommit=True)
    conn.execute("CREATE TABLE o (id int PRIMARY KEY, body text, "
                 f"tsv tsvector GENERATED ALWAYS AS (to_tsvector('{TS_CONFIG}', aibrief_words(body))) STORED)")
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO o(id, body) VALUES (%s, %s)", [(i, " ".join(d)) for i, d in enumerate(ORACLE_DOCS)])
    yield conn
    conn.close()
    pg_cluster.drop_database(url)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=any_query)
def test_every_parsed_query_is_valid_tsquery(ts_db, text):
    try:
        node = parse(text)
    except QueryError:
        return
    # no syntax error from PostgreSQL, whatever the operators and characters
    ts_db.execute(f"SELECT count(*) FROM o WHERE tsv @@ to_tsquery('{TS_CONFIG}', %s)", (to_tsquery(node),)).fetchall()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(query=g_and())
def test_tsquery_finds_exactly_what_the_query_means(ts_db, query):
    text, meaning = query
    try:
        node = parse(text)
    except QueryError as err:
        assert "only exclude" in err.message
        return
    expected = {i for i, d in enumerate(ORACLE_DOCS) if meaning(d)}
    assert {i for i, d in enumerate(ORACLE_DOCS) if evaluate(node, d)} == expected, text
    rows = ts_db.execute(f"SELECT id FROM o WHERE tsv @@ to_tsquery('{TS_CONFIG}', %s)", (to_tsquery(node),)).fetchall()
    assert {r[0] for r in rows} == expected, (text, to_tsquery(node))


def test_punctuation_splits_words_and_nothing_else_does(store_pg):
    from bot.store.schema import _PUNCTUATION

    text = "a" + "b".join(_PUNCTUATION) + "c Ünïcode 日本語 x2y"
    out = store_pg._all("SELECT aibrief_words(?)", (text,))[0][0]
    assert out.split() == ["a", *["b"] * (len(_PUNCTUATION) - 1), "c", "Ünïcode", "日本語", "x2y"]
    lexemes = store_pg._all(f"SELECT to_tsvector('{TS_CONFIG}', aibrief_words(?))::text",
                            ("GPT-4o's example.com v1.2 Café IT",))[0][0]
    assert lexemes == "'2':7 '4o':2 'cafe':8 'com':5 'exampl':4 'gpt':1 'it':9 's':3 'v1':6"
