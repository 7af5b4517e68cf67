"""`aibrief db copy`: a whole team's database moves SQLite → PostgreSQL → SQLite with every
row, id and search result intact; a non-empty target is refused unless --force."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.cli import main
from bot.models import Subscription
from bot.query import parse
from bot.store import StoreError, open_store
from bot.store.copy import TABLES, TargetNotEmpty, copy_database, row_counts, table_names
from bot.watchlists import seed_default_watchlists
from tests.support.helpers import article, seed

pytestmark = pytest.mark.postgres

QUERIES = ["china travel", "AI", "security", "prompt injection", '"prompt injection"', "jailbr*",
           "AI -china", "ransomware OR phishing", "travel"]


def fill(store) -> None:
    """Something in every table, as a team's database after a few weeks would hold."""
    seed_default_watchlists(store)
    store.set_meta("default_feeds_imported", "1")
    a = store.add_feed("https://a.example/feed", "A")
    b = store.add_feed("https://b.example/feed", "B")
    store.record_poll_success(a.id, [seed("travel"), seed("talks")], now=1_700_000_000, next_poll=1_700_001_800,
                              etag='"etag-a"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT", title="Feed A")
    store.record_poll_error(b.id, "HTTP 503", now=1_700_000_100, next_poll=1_700_000_700)
    store.record_poll_error(b.id, "HTTP 503", now=1_700_000_700, next_poll=1_700_001_900)
    store.insert_articles(a.id, [
        article(f"Story {i}: AI security and prompt injection" if i % 3 == 0 else f"Story {i}: travel news",
                f"summary {i} jailbreak ransomware" if i % 4 == 0 else f"summary {i} phishing",
                url=f"https://a.example/{i}", days_ago=i % 40)
        for i in range(120)
    ])
    store.add_watchlist("travel", "travel -china")
    store.audit("U1", "feed.add", a.url, None, {"title": "A"})
    store.audit("U2", "watch.add", "travel", None, {"query": "travel -china"})
    store.save_subscription(Subscription(channel="C123", at="08:30", tz="Europe/Paris", watchlists=("travel",)),
                            actor="U1", now=1_700_000_000)
    ids = sorted(store.get_articles(range(1, 10)))[:3]
    run = store.create_digest_run("C123", window_start=1_699_900_000, window_end=1_700_000_000,
                                  plan=[{"text": "one"}, {"text": "two", "thread": True}], article_ids=ids,
                                  template="daily", now=1_700_000_000)
    store.record_digest_message(run.id, 0, "1700000000.000100", now=1_700_000_001)
    travel = store.get_watchlist("travel")
    with store.transaction() as tx:  # this round's briefing tables (votes, exclusions, mutes)
        tx.run("INSERT INTO feedback_votes(user_id, article_id, watchlist, channel, created_at) "
               "VALUES ('U9', ?, 'travel', 'C123', 1700000002)", (ids[0],))
        tx.run("INSERT INTO watchlist_exclusions(watchlist_id, url, created_at, created_by) "
               "VALUES (?, 'https://a.example/3', 1700000003, 'U1')", (travel.id,))
        tx.run("INSERT INTO channel_mutes(channel, source, created_at, created_by) "
               "VALUES ('C123', 'b.example', 1700000004, 'U1')")
    store.first_sighting("sig:v0=" + "a" * 64, expires_at=1_700_000_300, now=1_700_000_000)  # replay protection
    store.record_poll_state(a.id, "unchanged", status=304, items=0, now=1_700_000_000)
    store.set_full_text(a.id, True)
    store.queue_full_text(a.id, ids[:2], now=1_700_000_000)
    [page, _] = store.pending_full_text()
    store.finish_full_text(page, page.summary + " the page's text about ransomware", None, now=1_700_000_002)
    # personal digests: a DM digest on weekdays, its cached DM channel, a saved search and its matches
    store.save_subscription(Subscription(channel="U0PERSON1", at="07:00", tz="Europe/Paris", days="mon,tue,wed,thu,fri"),
                            actor="U0PERSON1", now=1_700_000_000)
    store.save_dm_channel("U0PERSON1", "D0PERSON1", now=1_700_000_000)
    store.add_personal_watch("U0PERSON1", "prompt injection", now=1_700_000_000)
    store.save_article("U0READER1", ids[0], now=1_700_000_003)  # a reader's Save for later list
    # the optional model features: an answer, the day's count, a watchlist's check and a verdict
    from bot.store import AnswerKey

    key = AnswerKey("why", str(ids[0]), "llama3", 1, ids[0])
    store.llm_claim(key, now=1_700_000_000, lease_seconds=60)
    store.llm_store_answer(key, "It matters.", now=1_700_000_001)
    store.llm_take_call("2023-11-14", 100)
    store.set_watchlist_check(travel.id, "articles about travel bans", now=1_700_000_000)
    store.record_check(travel.id, ids[1], "no", "about tourism", "llama3", now=1_700_000_002)


def snapshot(store) -> dict:
    """Everything a user or the bot could see, table by table, ids included."""
    out = {"counts": row_counts(store)}
    for t in TABLES:
        cols = [c for c in ("id", "url", "etag", "last_modified", "error_count", "last_error", "title", "name",
                            "query", "key", "value", "channel", "tz", "watchlists", "run_key", "status", "plan",
                            "seq", "ts", "article_id", "watchlist_id", "actor", "action", "target", "before",
                            "after", "published", "dedupe_key", "user_id", "channel_id", "days", "weekly",
                            "kind", "subject", "answer", "day", "calls", "question", "verdict", "reason", "language")
                if c in _columns(store, t.name)]
        out[t.name] = store._all(f"SELECT {', '.join(cols)} FROM {t.name} ORDER BY {', '.join(t.key)}")
    out["search"] = {q: [(h.article_id, h.url) for h in store.search(parse(q), limit=20, now=1_700_000_000)]
                     for q in QUERIES}
    out["totals"] = {q: store.count_matching(parse(q)) for q in QUERIES}
    out["sent"] = store.sent_article_ids("C123")
    return out


def _columns(store, table):
    from bot.store.copy import table_columns

    return table_columns(store, table)


def test_copy_covers_every_table_of_the_schema(tmp_path, pg_url):
    for s in (open_store(str(tmp_path / "s.db")), open_store(pg_url)):
        try:
            assert sorted(table_names(s)) == sorted(t.name for t in TABLES)
        finally:
            s.close()


def test_sqlite_to_postgresql_and_back_keeps_everything(tmp_path, pg_url):
    original = open_store(str(tmp_path / "team.db"))
    fill(original)
    before = snapshot(original)
    assert all(before["counts"].values()), before["counts"]  # every table has rows

    pg = open_store(pg_url)
    report = copy_database(original, pg)
    assert report.ok and {k: v[0] for k, v in report.counts.items()} == before["counts"]
    on_pg = snapshot(pg)
    back = open_store(str(tmp_path / "back.db"))
    copy_database(pg, back)
    again = snapshot(back)

    for name in [t.name for t in TABLES] + ["counts", "totals", "sent"]:
        assert on_pg[name] == before[name], name
        assert again[name] == before[name], name
    # The same articles, in the same order, for every query: on the copy (PostgreSQL ranks
    # on its own scale, so its first results are compared) and on the round trip exactly.
    assert again["search"] == before["search"]
    for q in QUERIES:
        assert on_pg["search"][q][:1] == before["search"][q][:1], q

    # ETag and health came along; new rows get fresh ids past the copied ones
    feed = pg.get_feed("https://b.example/feed")
    assert (feed.error_count, feed.last_error) == (2, "HTTP 503")
    assert pg.get_feed("https://a.example/feed").etag == '"etag-a"'
    new_feed = pg.add_feed("https://c.example/feed")
    assert new_feed.id == max(f.id for f in pg.list_feeds())
    ids = pg.insert_articles(new_feed.id, [article("Fresh AI security story", url="https://c.example/1")])
    assert ids[0] > max(r[0] for r in before["articles"])
    pg.audit("U3", "feed.add", new_feed.url, None, None)
    assert pg.audit_entries(limit=1)[0].actor == "U3"
    for s in (original, pg, back):
        s.close()


def test_match_scores_are_recomputed_on_the_targets_scale(tmp_path, pg_url):
    src = open_store(str(tmp_path / "team.db"))
    fill(src)
    pg = open_store(pg_url)
    copy_database(src, pg)
    copied = dict(((w, a), s) for w, a, s in pg._all("SELECT watchlist_id, article_id, score FROM matches"))
    # A fresh match of the same watchlist on PostgreSQL scores on the same scale as the copied ones.
    pg.add_watchlist("travel2", "travel -china")
    fresh = dict(pg._all(
        "SELECT m.article_id, m.score FROM matches m JOIN watchlists w ON w.id = m.watchlist_id WHERE w.name = 'travel2'"
    ))
    wid = pg.get_watchlist("travel").id
    assert fresh and all(abs(copied[(wid, a)] - s) < 1e-9 for a, s in fresh.items())
    src.close()
    pg.close()


def test_a_non_empty_target_is_refused_unless_forced(tmp_path, pg_url):
    src = open_store(str(tmp_path / "team.db"))
    fill(src)
    pg = open_store(pg_url)
    pg.add_feed("https://other.example/feed")
    with pytest.raises(TargetNotEmpty, match="feeds 1.*--force"):
        copy_database(src, pg)
    assert [f.url for f in pg.list_feeds()] == ["https://other.example/feed"]  # untouched
    copy_database(src, pg, force=True)
    assert pg.get_feed("https://other.example/feed") is None
    assert row_counts(pg) == row_counts(src)
    src.close()
    pg.close()


def test_an_older_source_schema_is_refused_with_advice(tmp_path, pg_url):
    from bot.store import SQLiteStore

    old = SQLiteStore(str(tmp_path / "old.db"), migrate=False)
    old.migrate(target=1)
    pg = open_store(pg_url)
    with pytest.raises(StoreError, match="schema version 1 .* `aibrief db migrate`"):
        copy_database(old, pg)
    old.close()
    pg.close()


# ---- the command ----------------------------------------------------------------------------------
def test_cli_copies_shows_progress_and_compares_counts(tmp_path, pg_url, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = open_store(str(tmp_path / "team.db"))
    fill(src)
    counts = row_counts(src)
    src.close()

    assert main(["db", "copy", str(tmp_path / "team.db"), pg_url]) == 0
    out, err = capsys.readouterr()
    assert "articles" in err and f"{counts['articles']} row(s)" in err  # progress, per table
    for table, n in counts.items():
        assert any(line.split() == [table, str(n), str(n)] for line in out.splitlines()), table
    assert "Row counts match" in out

    assert main(["db", "copy", str(tmp_path / "team.db"), pg_url]) == 2  # not empty any more
    out, err = capsys.readouterr()
    assert err.startswith("aibrief: the target already holds data") and err.count("\n") == 1
    assert main(["db", "copy", str(tmp_path / "team.db"), pg_url, "--force"]) == 0
    capsys.readouterr()
    assert main(["db", "copy", str(tmp_path / "missing.db"), pg_url]) == 2
    assert "no SQLite database at" in capsys.readouterr().err
    assert main(["db", "copy", pg_url, pg_url]) == 2
    assert "same database" in capsys.readouterr().err


def test_cli_migrate(database, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIBRIEF_DATABASE", database)
    assert main(["db", "migrate"]) == 0
    assert "from schema version 0 to" in capsys.readouterr().out
    assert main(["db", "migrate"]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_cli_copy_as_a_process(tmp_path, pg_url):
    """The installed command end to end, output piped (plain progress lines)."""
    src = open_store(str(tmp_path / "team.db"))
    fill(src)
    src.close()
    proc = subprocess.run([sys.executable, "-m", "bot", "db", "copy", str(tmp_path / "team.db"), pg_url],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Row counts match" in proc.stdout and "password" not in proc.stderr
