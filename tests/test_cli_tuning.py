"""`aibrief watch matches|stats|exclude` and `aibrief channels mute|unmute` end to end: the
real CLI, feeds polled from the loopback feed server, a real database (SQLite, then
PostgreSQL: the `database` fixture)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from bot.cli import main
from bot.search import watch_matches
from bot.store import open_store
from bot.watchlists import SEEDED_KEY

AI_SEC = '(AI OR "artificial intelligence") (security OR attack)'
CHANNEL = "C0CLI0002"
NOW = datetime.now(timezone.utc).replace(microsecond=0)
OLD = datetime(2025, 1, 5, 12, 0, tzinfo=timezone.utc)


def rss(title: str, items: list[tuple[str, str, str, datetime, str]]) -> bytes:
    """items: (guid, link, title, published, description)."""
    body = "".join(
        f"<item><guid isPermaLink=\"false\">{g}</guid><link>{link}</link><title>{t}</title>"
        f"<pubDate>{format_datetime(p)}</pubDate><description>{d}</description></item>"
        for g, link, t, p, d in items
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{body}'
            "</channel></rss>").encode()


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def env(database, tmp_path, monkeypatch, feed_server):
    store = open_store(database)
    store.set_meta(SEEDED_KEY, "1")  # only our watchlist
    store.add_watchlist("ai-sec", AI_SEC)
    store.close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIBRIEF_DATABASE", database)
    monkeypatch.setenv("AIBRIEF_ALLOW_PRIVATE_NETWORKS", "true")
    for key in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "AIBRIEF_ADMINS"):
        monkeypatch.delenv(key, raising=False)
    news, wire = feed_server.url("/news.xml"), feed_server.url("/wire.xml")
    feed_server.add("/news.xml", rss("Loopback News", [
        ("a1", feed_server.url("/a"), "AI attack in football final", NOW - timedelta(days=1),
         "The striker's AI-assisted attack won the football match."),
        ("c1", feed_server.url("/c"), "AI security flaw found in chatbots", OLD, "Researchers found a flaw."),
    ]), etag='"news-1"')
    feed_server.add("/wire.xml", rss("Other Wire", [
        ("b1", "https://wire.example/b", "Hackers attack AI systems", NOW - timedelta(hours=2),
         "A security attack on AI systems."),
    ]), etag='"wire-1"')
    return {"db": database, "news": news, "wire": wire, "a": feed_server.url("/a"), "c": feed_server.url("/c")}


@pytest.fixture
def fetched(env, capsys):
    for url in (env["news"], env["wire"]):
        assert run(capsys, "feeds", "add", url)[0] == 0
    code, out, err = run(capsys, "fetch")
    assert code == 0, err
    assert "3 new article(s)" in out
    return env


def test_watch_matches_newest_first_with_why(fetched, capsys):
    code, out, err = run(capsys, "watch", "matches", "ai-sec")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "1. Hackers attack AI systems"
    assert lines[1].startswith("   Other Wire · ") and lines[1].endswith(" · https://wire.example/b")
    assert lines[2] == "   matched: ai (title), security (lead), attack (title)"
    assert lines[3] == "2. AI attack in football final"
    assert lines[5] == "   matched: ai (title), attack (title)"
    assert lines[6] == "3. AI security flaw found in chatbots" and "2025-01-05" in lines[7]


def test_watch_matches_json_has_the_search_shape_and_since_limit_work(fetched, capsys):
    code, out, _ = run(capsys, "watch", "matches", "ai-sec", "--json")
    assert code == 0
    hits = json.loads(out)
    assert [h["title"] for h in hits] == ["Hackers attack AI systems", "AI attack in football final",
                                          "AI security flaw found in chatbots"]
    code, out, _ = run(capsys, "search", "hackers attack", "--json")
    [searched] = json.loads(out)
    assert set(hits[0]) == set(searched) >= {"title", "url", "source", "published", "score", "snippet", "matched",
                                             "also"}
    assert hits[0]["matched"] == [{"term": "ai", "field": "title"}, {"term": "security", "field": "lead"},
                                  {"term": "attack", "field": "title"}]
    assert hits[0]["watchlists"] == ["ai-sec"] and hits[0]["published"].endswith("Z")
    code, out, _ = run(capsys, "watch", "matches", "ai-sec", "--json", "--since", "2025-06-01")
    assert [h["title"] for h in json.loads(out)] == ["Hackers attack AI systems", "AI attack in football final"]
    code, out, _ = run(capsys, "watch", "matches", "ai-sec", "--json", "--limit", "1")
    assert [h["title"] for h in json.loads(out)] == ["Hackers attack AI systems"]
    code, out, _ = run(capsys, "watch", "matches", "ai-sec", "--since", (NOW + timedelta(days=2)).strftime("%Y-%m-%d"))
    assert code == 0 and "has not matched any stored article" in out


@pytest.mark.parametrize("backend", ["sqlite"])  # argument checks: one backend is enough
@pytest.mark.parametrize("args, reason", [
    (["watch", "matches", "ai-sec", "--since", "2025-02-30"], "--since wants a date as YYYY-MM-DD"),
    (["watch", "matches", "ai-sec", "--since", "yesterday"], "--since wants a date as YYYY-MM-DD"),
    (["watch", "matches", "ai-sec", "--limit", "0"], "--limit: must be a whole number from 1 to 100"),
    (["watch", "matches", "ai-sec", "--limit", "many"], "--limit: must be a whole number from 1 to 100"),
    (["watch", "matches", "ai-sec", "--limit", "101"], "--limit: must be a whole number from 1 to 100"),
    (["watch", "matches", "nope"], "no watchlist named 'nope'"),
    (["watch", "exclude", "nope", "https://example.com/a"], "no watchlist named 'nope'"),
    (["watch", "exclude", "ai-sec", "https://example.com/never"], "no stored article has the URL"),
    (["watch", "exclude", "ai-sec", "javascript:alert(1)"], "not an article URL"),
    (["channels", "mute", "general", "Dawn"], "bad channel 'general'"),
    (["channels", "mute", CHANNEL, " "], "give a source name"),
    (["channels", "unmute", CHANNEL, "Dawn"], "'dawn' is not muted"),
])
def test_bad_input_exits_2_with_one_line(env, capsys, args, reason):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert err.startswith("aibrief: ") and reason in err and err.count("\n") == 1 and "Traceback" not in err


def test_exclude_survives_a_repoll_that_brings_the_story_back(fetched, capsys, feed_server):
    code, out, err = run(capsys, "watch", "exclude", "ai-sec", fetched["a"])
    assert code == 0, err
    assert f"Excluded {fetched['a']} (AI attack in football final) from ai-sec: its match is removed" in out
    # the feed republishes the story under a new guid, and adds a new one
    feed_server.add("/news.xml", rss("Loopback News", [
        ("a2", fetched["a"], "AI attack in football final (updated)", NOW, "AI attack in the football final."),
        ("d1", feed_server.url("/d"), "AI attack on power grid", NOW, "A security attack."),
    ]), etag='"news-2"')
    code, out, err = run(capsys, "fetch")
    assert code == 0 and "2 new article(s)" in out, out + err
    code, out, _ = run(capsys, "watch", "matches", "ai-sec", "--json")
    titles = [h["title"] for h in json.loads(out)]
    assert "AI attack on power grid" in titles
    assert not [t for t in titles if t.startswith("AI attack in football final")]
    store = open_store(fetched["db"])
    try:
        assert len(store.articles_with_url(fetched["a"])) == 2  # stored again, and still excluded
    finally:
        store.close()
    code, out, _ = run(capsys, "audit")
    assert "watch.exclude" in out and fetched["a"] in out
    code, out, err = run(capsys, "watch", "exclude", "ai-sec", fetched["a"])
    assert code == 2 and "already excluded" in err


def test_watch_stats_shows_figures_votes_and_json(fetched, capsys):
    store = open_store(fetched["db"])
    try:
        ids = {h.title: h.article_id for h in watch_matches(store, "ai-sec", limit=10)}
        now = int(NOW.timestamp())
        store.create_digest_run(CHANNEL, window_start=now - 86400, window_end=now,
                                plan=[{"text": "t", "blocks": [], "thread": False}], article_ids=list(ids.values()))
        store.record_votes("U1", ids["AI attack in football final"], ["ai-sec"], CHANNEL)
        store.record_votes("U2", ids["AI attack in football final"], ["ai-sec"], CHANNEL)
    finally:
        store.close()
    code, out, err = run(capsys, "watch", "stats")
    assert code == 0, err
    assert "ai-sec: 2 matches in 7 days, 2 in 30 days; 2 not-relevant vote(s) on 1 article(s)" in out
    assert "    2x AI attack in football final  [Loopback News]" in out
    assert "       matched: ai (title), attack (title)" in out
    code, out, _ = run(capsys, "watch", "stats", "--json")
    [st] = json.loads(out)
    assert (st["watchlist"], st["matches_7d"], st["matches_30d"], st["votes"], st["voted_articles"]) == (
        "ai-sec", 2, 2, 2, 1)
    assert st["most_voted"][0]["votes"] == 2 and st["suggestion"] is None  # one voted article: no pattern yet


def test_channels_mute_list_unmute_and_the_digest(fetched, capsys):
    assert run(capsys, "channels", "add", CHANNEL)[0] == 0

    def digest_sources():
        code, out, err = run(capsys, "digest", "--channel", CHANNEL, "--format", "blocks")
        assert code == 0, err
        return {s for s in ("Loopback News", "Other Wire") if s in out}

    assert digest_sources() == {"Loopback News", "Other Wire"}
    code, out, err = run(capsys, "channels", "mute", CHANNEL, "loopback", "NEWS")
    assert code == 0, err
    assert "no longer include the source 'loopback news' (2 stored article(s) come from it)" in out
    assert digest_sources() == {"Other Wire"}
    code, out, _ = run(capsys, "channels", "mute", CHANNEL, "https://wire.example/b")
    assert "the site wire.example and its subdomains" in out
    assert digest_sources() == set()
    code, out, _ = run(capsys, "channels", "list")
    assert "muted: loopback news, wire.example" in out
    code, out, _ = run(capsys, "channels", "mute", "C0NOSUB01", "Dawn")
    code, out, _ = run(capsys, "channels", "list")
    assert "C0NOSUB01    (no subscription) muted: dawn" in out
    assert run(capsys, "channels", "unmute", CHANNEL, "wire.example")[0] == 0
    assert digest_sources() == {"Other Wire"}
    code, out, _ = run(capsys, "audit")
    assert out.count("channel.mute") == 3 and out.count("channel.unmute") == 1
