"""The `aibrief` CLI end to end: real commands against a loopback feed server and a real database."""

import json
import os
import subprocess
import sys

import pytest

from bot.feeds.samples import sample_feeds
from tests.support.cli import env, run  # noqa: F401  (the CLI fixture and runner)


@pytest.fixture
def served(feed_server):
    """The bundled sample feeds, served on loopback; returns their URLs."""
    urls = []
    for s in sample_feeds():
        feed_server.add("/" + s.name, s.content, content_type=s.headers["content-type"], etag=f'"{s.name}"')
        urls.append(feed_server.url("/" + s.name))
    return urls


def add_all(capsys, urls):
    for u in urls:
        code, out, err = run(capsys, "feeds", "add", u)
        assert code == 0, err


def test_fetch_then_search_finds_the_travel_seed_first(env, served, capsys):
    add_all(capsys, served)
    code, out, err = run(capsys, "fetch")
    assert code == 0, err
    assert f"50 new article(s) from {len(served)} feed(s)" in out
    assert "ai-security:" in out and "Feed errors" not in out
    code, out, err = run(capsys, "search", "china travel", "--json", "--limit", "3")
    assert code == 0
    hits = json.loads(out)
    assert "China tells its AI leaders to avoid US travel" in hits[0]["title"]
    assert hits[0]["published"].startswith("2025-03-01") and hits[0]["source"].startswith(("Dawn", "Reuters"))
    assert set(hits[0]) >= {"title", "url", "source", "published", "score", "snippet"}
    assert hits[0]["score"] >= hits[-1]["score"]


def test_second_fetch_is_conditional_and_stores_nothing_new(env, served, capsys, feed_server):
    add_all(capsys, served)
    run(capsys, "fetch")
    code, out, _ = run(capsys, "fetch")
    assert code == 0
    assert f"0 new article(s) from {len(served)} feed(s) ({len(served)} unchanged, 0 failed)" in out
    last = feed_server.requests_for("/" + sample_feeds()[0].name)[-1]
    assert last.headers.get("If-None-Match") or last.headers.get("if-none-match")


def test_a_broken_feed_is_reported_and_the_others_ingest(env, served, capsys, feed_server):
    add_all(capsys, served[:2])
    run(capsys, "feeds", "add", "--no-check", feed_server.url("/missing.xml"))
    code, out, _ = run(capsys, "fetch")
    assert code == 0
    assert "Feed errors:" in out and "missing.xml: HTTP 404" in out
    assert "0 new article(s)" not in out
    code, out, _ = run(capsys, "feeds", "list")
    assert "FAILING" in out and "HTTP 404" in out and "ok" in out


def test_feeds_add_refuses_an_html_page(env, capsys, feed_server):
    feed_server.add("/page", b"<!doctype html><html><body>hi</body></html>", content_type="text/html")
    code, out, err = run(capsys, "feeds", "add", feed_server.url("/page"))
    assert code == 2 and "does not serve a feed" in err and "Traceback" not in err
    code, out, _ = run(capsys, "feeds", "list")
    assert feed_server.url("/page") not in out


def test_watch_add_test_list_remove_and_audit(env, database, served, capsys, monkeypatch):
    monkeypatch.setenv("AIBRIEF_DATABASE", database)  # SQLite, then PostgreSQL (tests/conftest.py)
    add_all(capsys, served)
    run(capsys, "fetch")
    code, out, _ = run(capsys, "watch", "test", '"prompt injection"')
    assert code == 0 and "would match" in out
    would = int(out.split()[0])
    assert would > 0
    code, out, _ = run(capsys, "watch", "add", "pi", '"prompt injection"')
    assert code == 0 and f"{would} stored article(s) match" in out
    code, out, _ = run(capsys, "watch", "list")
    assert "pi" in out and '"prompt injection"' in out
    code, out, _ = run(capsys, "watch", "remove", "pi")
    assert code == 0
    code, out, _ = run(capsys, "audit")
    assert "watch.remove" in out and "watch.add" in out and "feed.add" in out


@pytest.mark.parametrize(
    "args, needle",
    [
        (["search", '"open quote'], "never closed"),
        (["search", "(a OR"], "column"),
        (["search", "NOT"], "NOT"),
        (["search", "-"], "-"),
        (["watch", "test", "-only -negations"], "word"),
        (["watch", "add", "Bad Name!", "ai"], "watchlist name"),
        (["watch", "remove", "nope"], "no watchlist"),
        (["feeds", "add", "ftp://x.example/feed"], "http"),
        (["feeds", "import", "missing.opml"], "cannot read"),
        (["search", "ai", "--limit", "0"], "--limit"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(env, capsys, args, needle):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_opml_export_and_import_round_trip(env, capsys, served, tmp_path):
    add_all(capsys, served)
    code, out, _ = run(capsys, "feeds", "export")
    assert code == 0 and out.count("<outline") >= len(served)
    (tmp_path / "feeds.opml").write_text(out)
    os.environ["AIBRIEF_DATABASE"] = str(tmp_path / "other.db")
    code, out, _ = run(capsys, "feeds", "import", "feeds.opml")
    assert code == 0 and f"Imported {len(served)} new feed(s)" in out


def test_bad_setting_stops_with_exit_2_and_no_traceback(env):
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "search", "ai"],
        env={**os.environ, "AIBRIEF_POLL_MINUTES": "abc"}, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "aibrief: AIBRIEF_POLL_MINUTES='abc' is not a whole number"


def test_demo_runs_offline_and_shows_the_seed(env):
    proc = subprocess.run([sys.executable, "-m", "bot", "demo"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "50 new article(s) from 9 feed(s)" in proc.stdout
    search_part = proc.stdout.split("Search: china travel", 1)[1]
    assert search_part.splitlines()[1].startswith("1. China tells its AI leaders to avoid US travel")
    assert "Digest preview" in proc.stdout
