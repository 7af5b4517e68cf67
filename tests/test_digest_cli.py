"""`aibrief digest` and `aibrief channels` end to end: the real CLI, a real database (SQLite,
then PostgreSQL), the Slack stand-in on loopback."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.cli import main
from bot.store import open_store
from bot.watchlists import SEEDED_KEY
from tests.support.blockkit import assert_valid_blocks
from tests.support.digest_helpers import WIRE_LEDE, article

CHANNEL = "C0CLI0001"


@pytest.fixture
def cli_env(database, tmp_path, monkeypatch, slack_api):
    """A database with a morning's news, and the environment `aibrief` reads; on SQLite,
    then on PostgreSQL (`database`, tests/conftest.py)."""
    db = database
    store = open_store(db)
    store.set_meta(SEEDED_KEY, "1")  # only our watchlists
    store.add_watchlist("ai-security", '(AI OR "artificial intelligence") (security OR espionage OR theft)')
    store.add_watchlist("ai-policy", '(AI OR "artificial intelligence") (travel OR talks OR regulation)')
    feed = store.add_feed("http://127.0.0.1/feed", "Feeds")
    now = datetime.now(timezone.utc)
    store.insert_articles(feed.id, [
        article("China tells its AI leaders to avoid US travel over security concerns, WSJ reports", "Reuters",
                url="https://www.reuters.com/world/china/ai-travel-2025-03-01/", published=now - timedelta(hours=6),
                summary=WIRE_LEDE),
        article("China tells its AI leaders to avoid US travel over security concerns: report", "Dawn",
                url="https://www.dawn.com/news/1895342", published=now - timedelta(hours=4), summary=WIRE_LEDE),
        article("Hackers steal AI model weights from chip designer", "The Record",
                url="https://therecord.media/ai-model-theft", published=now - timedelta(hours=2),
                summary="Attackers took artificial intelligence model weights in a security breach."),
        article("Weather: sunny <!channel>", "Weather Desk", url="https://weather.example/today",
                published=now - timedelta(hours=1), summary="No AI here."),
    ])
    store.close()
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("AIBRIEF_DATABASE", db)
    monkeypatch.setenv("SLACK_API_URL", slack_api.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli-test")
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    return db


def test_digest_post_delivers_a_valid_ranked_clustered_digest(cli_env, slack_api, capsys):
    assert main(["channels", "add", CHANNEL, "--at", "08:30", "--tz", "Asia/Karachi", "--top", "1"]) == 0
    assert main(["digest", "--channel", CHANNEL, "--post"]) == 0
    out = capsys.readouterr().out
    assert f"Posted the digest to {CHANNEL}: 3 article(s) in 2 message(s)" in out
    msgs = slack_api.messages(CHANNEL)
    assert len(msgs) == 2 and msgs[1]["thread_ts"] == msgs[0]["ts"]
    for m in msgs:
        assert_valid_blocks(m["blocks"])
    sections = [b["text"]["text"] for m in msgs for b in m["blocks"] if b["type"] == "section"]
    # the travel story matches both watchlists and ran in two outlets: first, once, with "also in"
    # the words its watchlists matched are bold (never the feed's own asterisks)
    assert sections[0].startswith("*1.* <https://www.reuters.com/world/china/ai-travel-2025-03-01/|China tells its *AI* "
                                  "leaders to avoid US *travel* over *security* concerns")
    assert "also in <https://www.dawn.com/news/1895342|Dawn>" in sections[0]
    assert sections[1].startswith("*2.* <https://therecord.media/ai-model-theft|Hackers steal *AI* model weights")
    assert len(sections) == 2  # the weather matched no watchlist; the top 1 in the channel, the other in the thread
    assert [b["type"] for b in msgs[0]["blocks"]].count("section") == 1
    header = msgs[0]["blocks"][0]["text"]["text"]
    assert header == "AI security brief"
    # again: nothing new, nothing posted
    assert main(["digest", "--channel", CHANNEL, "--post"]) == 0
    assert "Nothing new for C0CLI0001" in capsys.readouterr().out
    assert len(slack_api.messages(CHANNEL)) == 2


def test_digest_renders_text_and_blocks_without_posting(cli_env, slack_api, capsys):
    assert main(["channels", "add", CHANNEL, "--max-items", "1"]) == 0  # the old name of --top
    capsys.readouterr()
    assert main(["digest"]) == 0
    out = capsys.readouterr().out
    assert "1. China tells its AI leaders to avoid US travel over security concerns, WSJ reports" in out
    assert "also in Dawn (https://www.dawn.com/news/1895342)" in out
    assert main(["digest", "--channel", CHANNEL, "--format", "blocks"]) == 0
    messages = json.loads(capsys.readouterr().out)
    assert [m["thread_reply"] for m in messages] == [False, True]
    for m in messages:
        assert_valid_blocks(m["blocks"])
    assert slack_api.calls() == []  # rendering never talks to Slack
    # and rendering marks nothing as sent
    assert main(["digest", "--channel", CHANNEL, "--post"]) == 0
    assert len(slack_api.messages(CHANNEL)) == 2


def test_channels_add_list_change_remove_and_audit(cli_env, capsys):
    assert main(["channels", "add", "<#c0cli0001|news>", "--at", "9:05", "--tz", "Europe/Berlin",
                 "--watch", "ai-policy", "--template", "compact"]) == 0
    assert f"Added the digest for {CHANNEL}" in capsys.readouterr().out
    assert main(["channels", "list"]) == 0
    out = capsys.readouterr().out
    assert f"{CHANNEL:<12} on  09:05 Europe/Berlin" in out
    assert "ai-policy · template compact · top 5 stories" in out
    assert main(["channels", "add", CHANNEL, "--top", "3"]) == 0
    assert "ai-policy · template compact · top 3 stories" in capsys.readouterr().out
    assert main(["channels", "add", CHANNEL, "--at", "07:00"]) == 0  # a change keeps the rest
    assert "Updated the digest" in capsys.readouterr().out
    assert main(["channels", "list"]) == 0
    out = capsys.readouterr().out
    assert "07:00 Europe/Berlin" in out and "ai-policy · template compact · top 3 stories" in out
    assert main(["channels", "remove", CHANNEL]) == 0
    assert main(["channels", "list"]) == 0
    assert "No digest subscriptions" in capsys.readouterr().out
    assert main(["audit"]) == 0
    out = capsys.readouterr().out
    assert out.count("digest.subscribe") == 3 and out.count("digest.unsubscribe") == 1


# Argument checks answer before (or without) the store's help; one backend suffices, and
# overriding `backend` (tests/conftest.py) with one value keeps the PostgreSQL copies out.
@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(
    "argv,reason",
    [
        (["channels", "add", CHANNEL, "--at", "25:00"], "bad time '25:00'"),
        (["channels", "add", CHANNEL, "--tz", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        (["channels", "add", CHANNEL, "--watch", "nope"], "unknown watchlist 'nope'"),
        (["channels", "add", CHANNEL, "--template", "nope"], "no template digests/nope.j2"),
        (["channels", "add", CHANNEL, "--template", "../x"], "bad template name"),
        (["channels", "add", CHANNEL, "--max-items", "0"], "--max-items: must be a whole number from 1 to 50, not '0'"),
        (["channels", "add", "#general"], "bad channel '#general'"),
        (["channels", "remove", CHANNEL], f"{CHANNEL} has no digest subscription"),
        (["digest", "--channel", "general"], "bad channel 'general'"),
    ],
)
def test_bad_input_exits_2_with_one_line(cli_env, capsys, argv, reason):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("aibrief: ") and reason in err and err.count("\n") == 1


def test_a_broken_template_is_refused_when_chosen(cli_env, capsys, tmp_path):
    (tmp_path / "digests").mkdir()
    (tmp_path / "digests" / "mine.j2").write_text('{"blocks": [\n{% for i in items %}\n]}', encoding="utf-8")
    assert main(["channels", "add", CHANNEL, "--template", "mine"]) == 2
    err = capsys.readouterr().err
    assert "template does not work: digests/mine.j2 line 3: syntax error" in err


def test_post_needs_a_token_and_a_channel(cli_env, monkeypatch, capsys, slack_api):
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    assert main(["digest", "--post", "--channel", CHANNEL]) == 2
    assert "--post needs SLACK_BOT_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli-test")
    assert main(["digest", "--post"]) == 2
    assert "--post needs --channel ID (subscribed channels: none yet)" in capsys.readouterr().err
    assert slack_api.calls() == []


def test_post_to_a_channel_the_bot_is_not_in_exits_1_and_is_shown(cli_env, slack_api, capsys):
    assert main(["channels", "add", CHANNEL]) == 0
    slack_api.fail("chat.postMessage", "not_in_channel")
    assert main(["digest", "--post"]) == 1
    assert "not_in_channel: the bot is not in this channel: invite it with /invite @aibrief" in capsys.readouterr().err
    assert main(["channels", "list"]) == 0
    assert "last error" in capsys.readouterr().out
