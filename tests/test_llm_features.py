"""The model features end to end against the loopback stand-in: "why it matters" in both
digest templates (asked once, dropped when it injects, left out when the model is slow,
failing or capped, one log line per outage), the relevance check, `ask` from the CLI and
Slack, and — with the settings unset — not one request to the model."""

from __future__ import annotations

import json
import logging
import time

import pytest

from bot.config import load_settings
from bot.digest.service import render_digest, subscribe
from bot.llm import relevance
from bot.ops import metrics
from bot.slack.listeners.commands import Asker, answer
from tests.support.cli import env, run  # noqa: F401
from tests.support.helpers import article

CHANNEL = "C0LLMTEST1"


def settings_for(store_or_path, llm=None, **extra):
    env = {"AIBRIEF_DATABASE": store_or_path}
    if llm is not None:
        env.update({"AIBRIEF_LLM_URL": llm.url, "AIBRIEF_LLM_MODEL": "standin"})
    env.update({k: str(v) for k, v in extra.items()})
    return load_settings(env, env_file=None)


@pytest.fixture
def db(tmp_path):
    from bot.store import open_store

    path = str(tmp_path / "llm.db")
    store = open_store(path)
    store.add_watchlist("ai", "AI")
    store.insert_articles(None, [article(f"AI worm number {i} spreads", f"An AI agent worm, case {i}.", days_ago=0.01)
                                 for i in range(4)])
    return store, path


def _lines(rd) -> list[str]:
    return [line for line in rd.as_text().splitlines() if "Machine-written" in line]


def _count(counter, label) -> float:
    return counter.labels(label)._value.get()


# ---- why it matters ---------------------------------------------------------------------------------
@pytest.mark.parametrize("template", ["daily", "compact"])
def test_each_story_gets_one_machine_written_line_asked_once(db, llm, template):
    store, path = db
    settings = settings_for(path, llm)
    subscribe(store, "test", CHANNEL, template=template, settings=settings)
    lines = _lines(render_digest(store, settings, CHANNEL))
    assert len(lines) == 4 and all("Security teams should note what AI worm number" in x for x in lines)
    assert len(llm.calls("why")) == 4
    again = render_digest(store, settings, CHANNEL)
    assert _lines(again) == lines and len(llm.calls("why")) == 4  # cached: not asked again


def test_the_cache_is_shared_by_replicas(db, llm):
    from bot.store import open_store

    store, path = db
    render_digest(store, settings_for(path, llm), None)
    other = open_store(path)  # a second replica on the same database
    assert len(_lines(render_digest(other, settings_for(path, llm), None))) == 4
    assert len(llm.calls("why")) == 4


def test_an_injecting_answer_is_dropped_and_never_reaches_slack(db, llm):
    store, path = db
    llm.mode = "inject"
    rd = render_digest(store, settings_for(path, llm), None)
    blocks = json.dumps([m.blocks for m in rd.messages])
    assert _lines(rd) == [] and "evil.example" not in blocks and "<!channel>" not in blocks
    assert len(llm.calls("why")) == 4


def test_a_slow_model_does_not_hold_the_digest(db, llm):
    store, path = db
    llm.mode, llm.delay = "slow", 6.0
    started = time.perf_counter()
    rd = render_digest(store, settings_for(path, llm, AIBRIEF_LLM_DIGEST_SECONDS=1), None)
    elapsed = time.perf_counter() - started
    assert rd.stories == 4 and _lines(rd) == []
    assert elapsed / llm.delay < 0.5  # the budget, not the model, decided when it went out
    llm.mode = "ok"  # the cut-off calls gave their claims back: the next digest asks again
    assert len(_lines(render_digest(store, settings_for(path, llm), None))) == 4


def test_a_failing_model_costs_nothing_but_the_lines_and_logs_once(db, llm, caplog):
    store, path = db
    llm.mode = "500"
    before = _count(metrics.llm_failures, "http")
    caplog.set_level(logging.WARNING, logger="aibrief.llm")
    for _ in range(3):
        rd = render_digest(store, settings_for(path, llm), None)
        assert rd.stories == 4 and _lines(rd) == []
    assert _count(metrics.llm_failures, "http") - before == 12
    outage = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(outage) == 1
    llm.mode = "ok"
    assert len(_lines(render_digest(store, settings_for(path, llm), None))) == 4
    assert any("answers again" in r.getMessage() for r in caplog.records)


def test_the_daily_cap_stops_calls(db, llm):
    store, path = db
    before = _count(metrics.llm_failures, "over_cap")
    rd = render_digest(store, settings_for(path, llm, AIBRIEF_LLM_DAILY_CALLS=2), None)
    assert len(_lines(rd)) == 2 and len(llm.calls()) == 2
    assert _count(metrics.llm_failures, "over_cap") - before == 2


def test_another_replicas_claim_is_not_asked_twice(db, llm):
    from bot.store.clock import now_ts
    from bot.store import AnswerKey

    store, path = db
    ids = sorted(store.get_articles(range(1, 100)))
    store.llm_claim(AnswerKey("why", str(ids[0]), "standin", 1, ids[0]), now=now_ts(), lease_seconds=600)
    rd = render_digest(store, settings_for(path, llm), None)
    assert len(_lines(rd)) == 3 and len(llm.calls("why")) == 3


# ---- relevance check ---------------------------------------------------------------------------------
def test_watch_add_check_drops_what_the_model_says_no_to(env, llm, capsys, monkeypatch):
    from bot.store import open_store

    monkeypatch.setenv("AIBRIEF_LLM_URL", llm.url)
    monkeypatch.setenv("AIBRIEF_LLM_MODEL", "standin")
    store = open_store(str(env / "db.sqlite"))
    store.insert_articles(None, [article("Hackers attack an AI chatbot", "prompt injection", days_ago=1),
                                 article("AI stocks attack record highs", "markets", days_ago=2)])
    llm.labels["AI stocks attack record highs"] = False
    code, out, err = run(capsys, "watch", "add", "aisec", "AI", "attack", "--check", "articles about attacks on AI systems")
    assert code == 0, err
    assert "1 match(es) dropped, 1 kept" in out
    code, out, err = run(capsys, "watch", "matches", "aisec")
    matched, dropped = out.split("Dropped by the relevance check")
    assert "Hackers attack an AI chatbot" in matched and "AI stocks" not in matched
    assert "AI stocks attack record highs" in dropped and "why not: it is about something else" in dropped
    assert store.watchlist_match_counts()["aisec"] == 1
    # asked once per article and question: a new pass asks nothing
    asked = len(llm.calls("relevance"))
    relevance.check_matches(store, load_settings(env_file=None))
    assert len(llm.calls("relevance")) == asked == 2


def test_when_the_model_is_down_matches_count_unchecked_and_are_checked_later(tmp_path, llm):
    from bot import admin
    from bot.store import open_store

    path = str(tmp_path / "r.db")
    store = open_store(path)
    store.insert_articles(None, [article("AI stocks attack record highs", "markets", days_ago=1)])
    llm.labels["AI stocks attack record highs"] = False
    llm.mode = "500"
    admin.add_watchlist(store, "test", "aisec", "AI attack", check="articles about attacks on AI systems")
    report = relevance.check_matches(store, settings_for(path, llm))
    assert report.unchecked == 1 and store.watchlist_match_counts()["aisec"] == 1
    wl = store.get_watchlist("aisec")
    hits = __import__("bot.search", fromlist=["watch_matches"]).watch_matches(store, "aisec")
    assert relevance.review(store, "aisec", hits).unchecked == {hits[0].article_id}
    llm.mode = "ok"
    report = relevance.check_matches(store, settings_for(path, llm))
    assert report.dropped == {"aisec": 1} and store.watchlist_match_counts()["aisec"] == 0
    assert [d.reason for d in store.dropped_by_check(wl.id)] == ["it is about something else"]


def test_a_poll_runs_the_check(tmp_path, llm, feed_server):
    from bot import admin
    from bot.poll.poller import poll_feeds
    from bot.store import open_store
    from tests.support.feed_docs import rss

    path = str(tmp_path / "p.db")
    store = open_store(path)
    feed_server.add("/f.xml", rss("AI attack news", 3), content_type="application/rss+xml")
    store.add_feed(feed_server.url("/f.xml"))
    admin.add_watchlist(store, "test", "aisec", "AI OR attack OR news", check="anything")
    settings = settings_for(path, llm, AIBRIEF_ALLOW_PRIVATE_NETWORKS="true")
    report = poll_feeds(store, settings, force=True, parse_workers=0)
    assert report.new_article_ids and len(llm.calls("relevance")) == len(report.new_article_ids)


# ---- ask ---------------------------------------------------------------------------------
def _ask_db(env):
    from bot.store import open_store

    store = open_store(str(env / "db.sqlite"))
    store.insert_articles(None, [
        article("Prompt injection hits coding assistants", "Attackers hid instructions in repositories.",
                url="https://news.example/pi", days_ago=1),
        article("Deepfake voice fraud costs a bank", "A cloned voice ordered a transfer.",
                url="https://news.example/df", days_ago=2),
    ])
    return store


def test_ask_answers_with_citations_and_the_hits_links(env, llm, capsys, monkeypatch):
    _ask_db(env)
    monkeypatch.setenv("AIBRIEF_LLM_URL", llm.url)
    monkeypatch.setenv("AIBRIEF_LLM_MODEL", "standin")
    code, out, err = run(capsys, "ask", "what", "happened", "with", "prompt", "injection?")
    assert code == 0, err
    assert "Answer (machine-written" in out and "[1]" in out
    assert "https://news.example/pi" in out
    sent = llm.calls("ask")[0].body["messages"][1]["content"]
    assert "Prompt injection hits coding assistants" in sent and "https://news.example" not in sent


def test_ask_never_shows_a_link_or_mention_the_model_wrote(env, llm, capsys, monkeypatch):
    _ask_db(env)
    monkeypatch.setenv("AIBRIEF_LLM_URL", llm.url)
    monkeypatch.setenv("AIBRIEF_LLM_MODEL", "standin")
    llm.mode = "inject"
    code, out, err = run(capsys, "ask", "deepfake", "fraud")
    assert code == 0 and "evil.example" not in out and "<!channel>" not in out and "@here" not in out
    assert "https://news.example/df" in out


def test_ask_with_nothing_found_does_not_call_the_model(env, llm, capsys, monkeypatch):
    _ask_db(env)
    monkeypatch.setenv("AIBRIEF_LLM_URL", llm.url)
    monkeypatch.setenv("AIBRIEF_LLM_MODEL", "standin")
    code, out, err = run(capsys, "ask", "quantum", "gardening?")
    assert code == 0 and out.strip() == "I found nothing on that." and llm.requests == []


@pytest.mark.parametrize("mode", ["off", "500"])
def test_ask_without_a_model_still_shows_the_hits(env, llm, capsys, monkeypatch, mode):
    _ask_db(env)
    if mode != "off":
        monkeypatch.setenv("AIBRIEF_LLM_URL", llm.url)
        monkeypatch.setenv("AIBRIEF_LLM_MODEL", "standin")
        llm.mode = mode
    code, out, err = run(capsys, "ask", "deepfake", "fraud")
    assert code == 1 and out.startswith("The model is unavailable") and "https://news.example/df" in out


def test_slash_ask(env, llm, monkeypatch):
    from bot.slack.auth import AdminCheck
    from bot.slack.deps import Deps

    store = _ask_db(env)
    settings = settings_for(str(env / "db.sqlite"), llm)
    deps = Deps(store=store, settings=settings, admin_check=AdminCheck(settings.admins))
    reply = answer("ask what happened with prompt injection?", Asker("U0123ABCD", CHANNEL, None), deps)
    text = json.dumps(reply["blocks"])
    assert "Machine-written" in text and "<https://news.example/pi|" in text and "[1]" in text
    llm.mode = "inject"
    reply = answer("ask deepfake fraud", Asker("U0123ABCD", CHANNEL, None), deps)
    text = json.dumps(reply["blocks"])
    assert "evil.example" not in text and "<!channel>" not in text and "<@U0ADMIN>" not in text
    assert "nothing on that" in json.dumps(answer("ask quantum gardening", Asker("U0123ABCD", CHANNEL, None), deps))


# ---- off: not one request -----------------------------------------------------------------------
def _fresh_rss(n: int = 3) -> bytes:
    from email.utils import format_datetime
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    items = "".join(
        f"<item><title>Hackers attack AI chatbots, wave {i}</title><link>https://news.example/wave/{i}</link>"
        f"<description>Attackers used prompt injection against AI assistants.</description>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=10 + i))}</pubDate></item>" for i in range(n))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{items}</channel></rss>'.encode()


@pytest.mark.parametrize("on", [False, True], ids=["unset", "set"])
def test_with_the_settings_unset_nothing_is_sent(env, llm, capsys, feed_server, monkeypatch, on):
    """fetch + watch add --check + digest + search + ask: with the settings unset the
    stand-in's log stays empty; with them set the same run does ask (the control)."""
    if on:
        monkeypatch.setenv("AIBRIEF_LLM_URL", llm.url)
        monkeypatch.setenv("AIBRIEF_LLM_MODEL", "standin")
    feed_server.add("/wire.xml", _fresh_rss(), content_type="application/rss+xml")
    assert run(capsys, "feeds", "add", feed_server.url("/wire.xml"))[0] == 0
    assert run(capsys, "watch", "add", "checked", "chatbots", "--check", "AI attacks")[0] == 0
    code, out, err = run(capsys, "fetch")
    assert code == 0 and "3 new article(s)" in out, out + err
    code, out, err = run(capsys, "digest")
    assert code == 0 and "Hackers attack AI chatbots" in out
    assert ("Machine-written" in out) is on
    assert run(capsys, "search", "chatbots")[0] == 0
    code, out, err = run(capsys, "ask", "who", "attacked", "chatbots?")
    assert code == (0 if on else 1) and "https://news.example/wave/" in out
    if on:
        assert {"why", "relevance", "ask"} <= {k for k in ("why", "relevance", "ask") if llm.calls(k)}
    else:
        assert llm.requests == []


def test_slash_watch_add_points_a_check_at_the_cli():
    from bot.slack.command_text import CommandError, parse_command

    with pytest.raises(CommandError, match="command line"):
        parse_command('watch add aisec AI attack --check "attacks on AI"')
    assert parse_command("ask what is new?").kind == "ask"
    with pytest.raises(CommandError):
        parse_command("ask")
