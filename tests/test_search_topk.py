"""Top-k search (bot/store/topk.py, bot/store/rum.py): the total is exact up to 1,000 and
"1,000+" beyond, on both backends and wherever it is shown; PostgreSQL's RUM path (opt-in) ranks its
candidates exactly as the GIN path ranks every match (the same page wherever the candidates
hold every match), and the GIN path runs where RUM is missing or switched off."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from bot.models import Article
from bot.query import parse
from bot.search import search
from bot.store.topk import COUNT_CAP, capped, candidate_pool, overlap_at, shown_total

NOW = datetime(2025, 3, 1, tzinfo=timezone.utc)
WORDS = "ai security chip export china travel model attack policy market deal court vote storm".split()


def _articles(n: int, *, start: int = 0, seed: int = 5) -> list[Article]:
    rng = random.Random(seed + start)
    out = []
    for i in range(start, start + n):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 8)))
        summary = " ".join(rng.choice(WORDS + ["filler"] * 6) for _ in range(rng.randint(3, 60)))
        if i % 50 == 0:  # exact duplicates of text and date: ties broken by id
            title, summary = "ai security twin", "ai security twin story"
            when = NOW - timedelta(days=3)
        else:
            when = NOW - timedelta(hours=rng.randint(-48, 24 * 700))  # some in the future
        out.append(Article(feed_url="https://f.example/", source="S", url=f"https://f.example/{i}",
                           title=title, summary=summary, published=when, dedupe_key=f"url:{i}"))
    return out


def _flood(n: int, word: str) -> list[Article]:
    """`n` articles that all hold `word`, and nothing else of WORDS."""
    return [Article(feed_url="https://f.example/", source="S", url=f"https://f.example/{word}/{i}",
                    title=f"{word} number {i}", summary=f"story {i} about {word}",
                    published=NOW - timedelta(hours=i), dedupe_key=f"url:{word}:{i}") for i in range(n)]


RARE = "kumquat quince medlar loquat".split()


def _rare(n: int) -> list[Article]:
    """Articles where a few rare words occur, in titles and summaries, with the common ones."""
    rng = random.Random(11)
    out = []
    for i in range(n):
        title = " ".join(rng.choice(WORDS + RARE[: 1 + i % 4]) for _ in range(rng.randint(2, 6)))
        summary = " ".join(rng.choice(WORDS + RARE + ["filler"] * 6) for _ in range(rng.randint(3, 40)))
        out.append(Article(feed_url="https://f.example/", source="S", url=f"https://f.example/rare/{i}",
                           title=title, summary=summary, published=NOW - timedelta(hours=rng.randint(0, 24 * 700)),
                           dedupe_key=f"url:rare:{i}"))
    return out


# ---- the pure rules ---------------------------------------------------------------------------
def test_counts_are_exact_up_to_the_cap_and_one_more_beyond():
    assert [capped(n) for n in (0, 7, COUNT_CAP, COUNT_CAP + 1, 250_000)] == [0, 7, 1000, 1001, 1001]
    assert capped(250_000, None) == 250_000
    assert [shown_total(n) for n in (0, 7, 1000, 1001)] == ["0", "7", "1,000", "1,000+"]


def test_a_deeper_page_gets_a_deeper_candidate_pool():
    assert candidate_pool(10) == candidate_pool(1) >= 200
    assert candidate_pool(10, 990) > candidate_pool(10) and candidate_pool(10, 990) >= 1000
    assert candidate_pool(100, 10**9) == candidate_pool(100, 10**8)  # bounded


def test_overlap_at_k():
    assert overlap_at(3, [1, 2, 3], [3, 2, 1]) == 1.0
    assert overlap_at(3, [1, 2, 9], [1, 2, 3, 4]) == pytest.approx(2 / 3)
    assert overlap_at(10, [], []) == 1.0 and overlap_at(10, [], [1]) == 0.0


# ---- the capped total, on both backends ------------------------------------------------------
@pytest.fixture
def flooded(store):
    store.insert_articles(None, _flood(COUNT_CAP + 5, "zebra") + _flood(COUNT_CAP, "yak") + _flood(7, "gnu"))
    return store


def test_the_total_stops_at_the_cap(flooded):
    assert search(flooded, "zebra").total == COUNT_CAP + 1  # 1,005 match
    assert search(flooded, "yak").total == COUNT_CAP  # exactly 1,000: still exact
    assert search(flooded, "gnu").total == 7
    assert search(flooded, "zebra OR gnu").total == COUNT_CAP + 1
    assert search(flooded, "zebra -number").total == 0
    # the page itself is not capped: the best match is there, and paging past the cap works
    assert search(flooded, "zebra", limit=5, offset=1000).hits
    # the uncapped count is still there for callers that need it (retention, db copy checks)
    assert flooded.count_matching(parse("zebra")) == COUNT_CAP + 5


def test_cli_and_slack_show_a_capped_total_as_1000_plus(flooded, capsys):
    from bot.cli.output import print_hits
    from bot.slack.blocks import replies

    result = search(flooded, "zebra", limit=3)
    print_hits(result, False)
    assert capsys.readouterr().out.rstrip().endswith("(3 of 1,000+ shown)")
    text = str(replies.search_results("zebra", result.hits, result.total, 0))
    assert "Results 1–3 of 1,000+" in text and "More (more)" in text and "998" not in text
    assert "*1,000+* stored articles" in str(replies.watch_test("zebra", result.hits, result.total))
    exact = search(flooded, "yak", limit=3)
    text = str(replies.search_results("yak", exact.hits, exact.total, 0))
    assert "of 1,000 for" in text and "More (997 left)" in text


def test_search_json_stays_an_array_of_hits(flooded, capsys):
    import json

    from bot.cli.output import print_hits

    print_hits(search(flooded, "zebra", limit=2), True)
    out = json.loads(capsys.readouterr().out)
    assert isinstance(out, list) and len(out) == 2 and all("title" in h for h in out)


# ---- PostgreSQL: RUM and the GIN fallback ---------------------------------------------------
@pytest.fixture
def rum_url(pg_cluster):
    """A new database where the superuser has created the RUM extension (as an operator
    would), so the app role's migration adds the RUM index; skipped where the server lacks
    the extension's package (Debian: postgresql-15-rum; .ci/run installs it where it can)."""
    import psycopg

    url = pg_cluster.new_database()
    admin = url.replace("//aibrief@", "//postgres@")
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS rum")
    except psycopg.Error as exc:
        pg_cluster.drop_database(url)
        pytest.skip(f"the PostgreSQL RUM extension is not installed on this server: {str(exc).splitlines()[0]}")
    yield url
    pg_cluster.drop_database(url)


@pytest.fixture
def rum_store(rum_url):
    from bot.store import open_store

    s = open_store(rum_url)
    s.use_rum = True  # opt-in (bot/store/rum.py)
    s.insert_articles(None, _articles(1500) + _rare(180))
    s.add_watchlist("sec", "security OR attack")
    s.add_watchlist("fruit", "kumquat medlar")
    s.add_watchlist("trade", '"export" chip*')
    s._all("ANALYZE articles")
    yield s
    s.close()


# Each query matches fewer articles than one candidate pool holds, so the RUM path's
# candidates are every match and its page must be the exact one.
SMALL_QUERIES = ["twin", "kumquat", "medlar loquat", '"quince medlar"', "kumquat -ai", "loquat OR twin",
                 "kumquat (medlar OR quince)", "quin*", "zork*", "nothingmatches"]
BROAD_QUERIES = ["ai", "security", "ai security", "chip OR vote", "market -deal", "sec*", "chi*"]


@pytest.mark.postgres
def test_rum_path_ranks_exactly_like_gin_where_the_candidates_hold_every_match(rum_store):
    assert rum_store.search_index() == "rum"
    now = int(NOW.timestamp())
    for q in SMALL_QUERIES:
        node = parse(q)
        n = rum_store.count_matching(node)
        assert n <= candidate_pool(10), (q, n)
        for limit, offset in [(10, 0), (3, 4), (100, 0)]:
            rum = rum_store._search_rows(node, limit, offset, now)
            gin = rum_store._ranked_rows(node, limit, offset, now)
            assert rum == gin, (q, limit, offset)


@pytest.mark.postgres
def test_rum_path_scores_like_gin_on_broad_queries(rum_store, monkeypatch):
    """Beyond one pool the page may differ (measured by bench/search.py); the scores of the
    rows it returns may not, and it is still best first."""
    import bot.store.topk

    monkeypatch.setattr(bot.store.topk, "CANDIDATES_PER_LEAF", 50)  # pools smaller than the matches
    now = int(NOW.timestamp())
    for q in BROAD_QUERIES:
        node = parse(q)
        assert rum_store.count_matching(node) > candidate_pool(10), q
        rum = rum_store._search_rows(node, 10, 0, now)
        gin = {r[0]: r for r in rum_store._ranked_rows(node, 100_000, 0, now)}
        assert len(rum) == 10, q
        assert all(gin[r[0]] == r for r in rum), q
        assert [r[6] for r in rum] == sorted((r[6] for r in rum), reverse=True), q


@pytest.mark.postgres
def test_rum_candidates_come_from_the_rum_index(rum_store):
    from bot.query import to_tsquery
    from bot.store.rum import RANKER_SQL, RUM_INDEX, TSQUERY_SQL

    rum_store._all("SET enable_seqscan = off")
    q, configs = to_tsquery(parse("security")), rum_store._configs()
    plan = "\n".join(r[0] for r in rum_store._all(
        f"EXPLAIN SELECT a.id FROM articles a WHERE a.tsv @@ {TSQUERY_SQL} ORDER BY a.tsv <=> {RANKER_SQL} LIMIT 10",
        (q, configs, q, configs)))
    assert RUM_INDEX in plan, plan


@pytest.mark.postgres
def test_switching_rum_off_falls_back_to_the_exact_gin_ranking(rum_store):
    now = int(NOW.timestamp())
    rum_store.use_rum = False
    assert rum_store.search_index() == "gin"
    for q in BROAD_QUERIES + SMALL_QUERIES:
        node = parse(q)
        assert rum_store._search_rows(node, 10, 0, now) == rum_store._ranked_rows(node, 10, 0, now), q
    rum_store.use_rum = True
    assert rum_store.search_index() == "rum"


@pytest.mark.postgres
def test_without_the_extension_the_migration_keeps_gin_and_search_works(pg_url):
    """The suite's app role may not create extensions (as on a managed database): migration 11
    leaves GIN alone, and search answers as before."""
    from bot.store import open_store
    from bot.store.rum import RUM_INDEX
    from bot.store.schema import LATEST_VERSION

    s = open_store(pg_url)
    try:
        assert s.schema_version() == LATEST_VERSION
        assert s._all("SELECT to_regclass(?)", (RUM_INDEX,))[0][0] is None
        assert s.search_index() == "gin"
        s.insert_articles(None, _articles(200))
        result = search(s, "ai security")
        assert result.hits and result.total == s.count_matching(parse("ai security"))
    finally:
        s.close()


@pytest.mark.postgres
def test_doctor_names_the_search_path(rum_store):
    from bot.ops.doctor import check_search

    [finding] = check_search(rum_store)
    assert finding.status == "ok" and "RUM" in finding.text
    rum_store.use_rum = False
    [finding] = check_search(rum_store)
    assert "GIN" in finding.text


# ---- SQLite: the bounded ranking stays exact when every article is old -------------------------
def test_sqlite_bounded_page_is_exact_when_the_newest_article_is_old(tmp_path):
    """The bound uses the newest article's recency factor (well under 1 here): the page must
    still be the one scoring every hit gives, row for row and score for score."""
    from bot.query import to_fts5
    from bot.store import open_store

    s = open_store(str(tmp_path / "old.db"))
    s.insert_articles(None, [Article(feed_url=a.feed_url, source=a.source, url=a.url, title=a.title,
                                     summary=a.summary, published=a.published - timedelta(days=650),
                                     dedupe_key=a.dedupe_key) for a in _articles(1200)])
    s.add_watchlist("sec", "security OR attack")
    now = int(NOW.timestamp())
    try:
        for q in ["ai", "security", "ai security", '"ai security"', "chip OR vote", "market -deal", "sec*", "twin"]:
            node = parse(q)
            for limit, offset in [(1, 0), (10, 0), (10, 10), (100, 0)]:
                with s.transaction(write=False) as tx:
                    expected = s._search_rows_one_statement(to_fts5(node, s.marked_languages()), limit, offset,
                                                            now, tx)
                assert s._search_rows(node, limit, offset, now) == expected, (q, limit, offset)
    finally:
        s.close()
