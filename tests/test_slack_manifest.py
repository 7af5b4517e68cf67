"""The setup files: slack-manifest.yml asks for exactly the scopes the code uses and has what
the app needs; .env.example documents every setting bot/config.py reads, with its default."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = (ROOT / "slack-manifest.yml").read_text(encoding="utf-8")

# Every Web API method the bot calls → the bot scopes it needs (None: no scope).
METHOD_SCOPES = {
    "auth_test": set(),
    "users_info": {"users:read"},
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "conversations_info": {"channels:read", "groups:read"},
    # a DM digest's messages are looked up in the DM, as a channel's are in the channel
    "conversations_history": {"channels:history", "groups:history", "im:history"},
    "conversations_replies": {"channels:history", "groups:history", "im:history"},
    "conversations_open": {"im:write"},  # a personal digest's DM channel
    "views_publish": set(),
    "views_open": set(),
    "views_update": set(),
    "apps_connections_open": set(),  # with the app-level token (connections:write), not a bot scope
}
CALL = re.compile(r"\b(?:client|poster)\.((?:auth|users|chat|conversations|views|apps|reactions|files)_\w+)\(")


def manifest_list(key: str) -> list[str]:
    """The items of the YAML list under `key:` (block style, `- item  # comment`)."""
    m = re.search(rf"^(\s*){re.escape(key)}:\s*\n((?:\1\s+- .*\n)+)", MANIFEST, re.M)
    assert m, f"no list {key!r} in the manifest"
    return [line.split("#")[0].strip()[2:].strip() for line in m.group(2).splitlines()]


def methods_called() -> set[str]:
    found = set()
    for path in (ROOT / "bot").rglob("*.py"):
        found |= set(CALL.findall(path.read_text(encoding="utf-8")))
    return found


def test_scopes_are_exactly_those_used():
    called = methods_called()
    unknown = called - METHOD_SCOPES.keys()
    assert not unknown, f"add the scopes of {unknown} to METHOD_SCOPES (and the manifest)"
    needed = {"commands"}.union(*(METHOD_SCOPES[m] for m in called))
    scopes = manifest_list("bot")
    assert len(scopes) == len(set(scopes)), "a scope is listed twice"
    assert set(scopes) == needed


def test_the_app_features():
    assert re.search(r"- command: /aibrief\n", MANIFEST)
    assert manifest_list("bot_events") == ["app_home_opened"]
    for line in ("home_tab_enabled: true", "socket_mode_enabled: true", "is_enabled: true"):
        assert re.search(rf"^\s*{line}", MANIFEST, re.M), line


def test_env_example_documents_every_setting_with_its_default():
    from bot.config import TEST_ONLY_SETTINGS, Settings, load_settings

    config = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    keys = set(re.findall(r'get\("([A-Z_]+)"', config)) - TEST_ONLY_SETTINGS
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^# ([A-Z_]+)=(.*)$", example, re.M))
    assert keys and keys == set(documented), keys ^ set(documented)
    # the defaults written there are the defaults the code uses
    assert load_settings(documented, env_file=None) == load_settings({}, env_file=None) == Settings()
