"""Shared pytest fixtures. Each block below belongs to one subject; add yours as a new block."""

from __future__ import annotations

import os

import pytest


# ---- the store on both backends -----------------------------------------------------------
# One throw-away PostgreSQL cluster per session (tests/support/pgcluster.py), a database per test.
# `store` is parametrized over both backends, so a test written against it runs on SQLite
# and on PostgreSQL alike. PostgreSQL tests are never skipped: a machine without the server
# programs fails them with the reason (set AIBRIEF_TESTS_WITHOUT_POSTGRES=1 to skip them on a
# developer machine that lacks PostgreSQL; CI must not).

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def pg_cluster():
    from tests.support.pgcluster import ClusterUnavailable, PgCluster

    try:
        cluster = PgCluster().start()
    except ClusterUnavailable as exc:
        if os.environ.get("AIBRIEF_TESTS_WITHOUT_POSTGRES") == "1":
            pytest.skip(f"PostgreSQL unavailable: {exc}")
        pytest.fail(f"cannot start the test PostgreSQL cluster: {exc}", pytrace=False)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster):
    """A database migrated to the latest schema, used as the template of each test's
    database: copying it is faster than migrating afresh every time."""
    from bot.store import PostgresStore

    url = pg_cluster.new_database()
    PostgresStore(url).close()
    return pg_cluster.mark_template(url)


@pytest.fixture
def pg_url(pg_cluster):
    """The URL of a new, empty (unmigrated) database, dropped after the test."""
    url = pg_cluster.new_database()
    yield url
    pg_cluster.drop_database(url)


def _open_test_store(backend: str, tmp_path, request):
    from bot.store import open_store

    if backend == "sqlite":
        return open_store(str(tmp_path / "t.db")), None
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.checkout(request.getfixturevalue("pg_template"))
    return open_store(url), url


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    """An empty store at the latest schema version, on each backend in turn."""
    from bot.store import LATEST_VERSION

    s, url = _open_test_store(request.param, tmp_path, request)
    yield s
    s.close()
    if url:
        request.getfixturevalue("pg_cluster").checkin(url, request.getfixturevalue("pg_template"), LATEST_VERSION)


@pytest.fixture(params=BACKENDS)
def backend(request):
    """The backend name alone, for tests that open stores (or run the CLI) themselves."""
    return request.param


@pytest.fixture
def database(backend, tmp_path, request):
    """An AIBRIEF_DATABASE value on each backend: a SQLite path or a fresh, unmigrated
    PostgreSQL database's URL."""
    if backend == "sqlite":
        yield str(tmp_path / "aibrief.db")
        return
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.new_database()
    yield url
    cluster.drop_database(url)


# ---- a loopback feed server ---------------------------------------------------------------
# tests/support/feedserver.py: a real HTTP server on 127.0.0.1 (ephemeral port) with a route table,
# for fetch tests. Only 127.0.0.1 is ever contacted.


@pytest.fixture(scope="session")
def _feed_server_session():
    from tests.support.feedserver import FeedServer

    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def feed_server(_feed_server_session):
    """The loopback feed server with no routes and an empty request log."""
    _feed_server_session.reset()
    yield _feed_server_session
    _feed_server_session.reset()


# ---- a loopback stand-in of the Slack Web API ------------------------------------------------
# tests/support/slack_standin.py: answers the Web API methods the bot calls on 127.0.0.1 (ephemeral
# port), records every request, and fails the next calls of a method on demand.


@pytest.fixture(scope="session")
def _slack_api_session():
    from tests.support.slack_standin import SlackStandIn

    standin = SlackStandIn().start()
    yield standin
    standin.stop()


@pytest.fixture
def slack_api(_slack_api_session):
    """The Slack stand-in, emptied: no messages, no recorded calls, no failures queued.
    Its `url` is the SLACK_API_URL to use."""
    _slack_api_session.reset()
    yield _slack_api_session
    _slack_api_session.reset()


# ---- logging: `bot.cli.main()` installs a handler on the root logger; take it off after each test
@pytest.fixture(autouse=True)
def _restore_root_logging():
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
    root.setLevel(level)


# ---- a loopback stand-in of a chat-completions API (the optional model features) -------------
# tests/support/llm_standin.py: deterministic answers on 127.0.0.1, a slow, a 500 and an
# injecting mode, and a log of every request (so a test can assert that none was made).


@pytest.fixture(scope="session")
def _llm_session():
    from tests.support.llm_standin import LLMStandIn

    standin = LLMStandIn().start()
    yield standin
    standin.stop()


@pytest.fixture
def llm(_llm_session):
    """The model stand-in, answering normally, with an empty request log. Set
    AIBRIEF_LLM_URL to its `url` (and AIBRIEF_LLM_MODEL) to turn the model features on."""
    from bot.llm.gateway import OUTAGE

    _llm_session.reset()
    OUTAGE.failing, OUTAGE.capped_day = 0, None
    yield _llm_session
    _llm_session.reset()
