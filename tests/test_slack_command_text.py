"""`/aibrief` text → Command: every subcommand, Slack's transport escaping, helpful errors."""

from __future__ import annotations

import pytest

from bot.slack.command_text import CommandError, parse_command, unslack


@pytest.mark.parametrize(
    "text, kind, fields",
    [
        ("", "help", {}),
        ("   ", "help", {}),
        ("help", "help", {}),
        ("HELP", "help", {}),
        ("china travel", "search", {"query": "china travel"}),
        ('"prompt injection" OR jailbreak -crypto', "search", {"query": '"prompt injection" OR jailbreak -crypto'}),
        ("search watch out", "search", {"query": "watch out"}),
        ("watch", "watch.list", {}),
        ("watch list", "watch.list", {}),
        ("watch test  deepfake  (voice OR video)", "watch.test", {"query": "deepfake  (voice OR video)"}),
        ('watch add jail  jailbreak "system prompt"', "watch.add", {"name": "jail", "query": 'jailbreak "system prompt"'}),
        ("watch remove ai-policy", "watch.remove", {"name": "ai-policy"}),
        ("feeds", "feeds.list", {}),
        ("feeds add <https://example.com/feed.xml>", "feeds.add", {"url": "https://example.com/feed.xml"}),
        ("feeds remove <https://example.com/a?x=1&amp;y=2|example.com/a>", "feeds.remove", {"url": "https://example.com/a?x=1&y=2"}),
        ("digest now", "digest.now", {}),
        ("digest off", "digest.off", {}),
        ("digest schedule 9:05", "digest.schedule", {"at": "09:05", "tz": "UTC"}),
        ("digest schedule 23:59 Europe/Berlin", "digest.schedule", {"at": "23:59", "tz": "Europe/Berlin"}),
        ("audit", "audit", {"limit": 15}),
        ("audit 40", "audit", {"limit": 40}),
        ("watch\tlist", "watch.list", {}),
    ],
)
def test_parses(text, kind, fields):
    cmd = parse_command(text)
    assert cmd.kind == kind
    for key, value in fields.items():
        assert getattr(cmd, key) == value


def test_slack_escaping_is_undone_for_queries():
    # Slack sends what the user typed with &, <, > escaped.
    assert parse_command("AT&amp;T -&lt;script&gt;").query == "AT&T -<script>"
    assert unslack("&amp;lt;") == "&lt;"  # one level only: a typed "&lt;" stays as typed


@pytest.mark.parametrize("kind", ["watch.add", "watch.remove", "feeds.add", "feeds.remove",
                                  "digest.now", "digest.schedule", "digest.off"])
def test_changes_are_admin_only(kind):
    text = {"watch.add": "watch add a b", "watch.remove": "watch remove a", "feeds.add": "feeds add https://x.org/f",
            "feeds.remove": "feeds remove https://x.org/f", "digest.now": "digest now",
            "digest.schedule": "digest schedule 08:00", "digest.off": "digest off"}[kind]
    cmd = parse_command(text)
    assert cmd.kind == kind and cmd.changes and cmd.admin_only


@pytest.mark.parametrize("text", ["china travel", "watch list", "watch test ai", "feeds list", "help"])
def test_reads_are_for_everyone(text):
    cmd = parse_command(text)
    assert not cmd.changes and not cmd.admin_only


def test_audit_is_admin_only_but_not_a_change():
    cmd = parse_command("audit")
    assert cmd.admin_only and not cmd.changes


@pytest.mark.parametrize(
    "text, fragment, example",
    [
        ("watch add onlyname", "needs a name and a query", "/aibrief watch add"),
        ("watch remove", "exactly one watchlist name", "/aibrief watch remove"),
        ("watch test", "needs a query", "/aibrief watch test"),
        ("watch out for deepfakes", "/aibrief search watch", "/aibrief watch list"),
        ("feeds add", "exactly one feed URL", "/aibrief feeds add"),
        ("feeds add a b", "exactly one feed URL", "/aibrief feeds add"),
        ("feeds frobnicate", "not a feeds command", "/aibrief feeds list"),
        ("digest", "`digest` takes", "/aibrief digest schedule"),
        ("digest schedule", "needs a time", "/aibrief digest schedule"),
        ("digest schedule 25:00", "bad time", "/aibrief digest schedule"),
        ("digest schedule 9am", "bad time", "/aibrief digest schedule"),
        ("digest schedule 09:00 Mars/Olympus", "unknown time zone", "/aibrief digest schedule"),
        ("digest schedule 09:00 ../../etc/passwd", "unknown time zone", "/aibrief digest schedule"),
        ("digest now please", "`digest` takes", None),
        ("audit lots", "optional number", "/aibrief audit"),
        ("audit 0", "optional number", "/aibrief audit"),
        ("search", "needs a query", "/aibrief search"),
    ],
)
def test_errors_say_what_to_type(text, fragment, example):
    with pytest.raises(CommandError) as info:
        parse_command(text)
    assert fragment in info.value.message
    if example:
        assert info.value.example.startswith(example)


@pytest.mark.parametrize("text,top,tz", [
    ("digest schedule 09:00 Europe/Berlin --top 3", 3, "Europe/Berlin"),
    ("digest schedule 09:00 --top=7", 7, "UTC"),
    ("digest schedule --top 2 9:00 Asia/Karachi", 2, "Asia/Karachi"),
    ("digest schedule 09:00 --max-items 4", 4, "UTC"),  # the old name still works
    ("digest schedule 09:00", None, "UTC"),  # None: keep what the subscription has
])
def test_digest_schedule_takes_top(text, top, tz):
    cmd = parse_command(text)
    assert (cmd.kind, cmd.at, cmd.tz, cmd.top) == ("digest.schedule", "09:00", tz, top)


@pytest.mark.parametrize("text", ["digest schedule 09:00 --top", "digest schedule 09:00 --top 0",
                                  "digest schedule 09:00 --top 51", "digest schedule 09:00 --top five"])
def test_a_bad_top_is_explained(text):
    with pytest.raises(CommandError) as exc:
        parse_command(text)
    assert "`--top` takes the number of stories" in str(exc.value) and "--top 5" in exc.value.example


def test_saved_is_a_command_for_everyone():
    cmd = parse_command("saved")
    assert cmd.kind == "saved" and not cmd.admin_only and not cmd.changes
    with pytest.raises(CommandError):
        parse_command("saved extra")
