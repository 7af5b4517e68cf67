"""Who is an admin: AIBRIEF_ADMINS, or users.info is_admin/is_owner — cached, failing closed."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.slack.auth import AdminCheck


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def client(slack_api):
    return WebClient(token="xoxb-test", base_url=slack_api.url)


def test_env_admins_need_no_lookup(slack_api, client):
    check = AdminCheck({"U0ENV"})
    assert check.is_admin("U0ENV", client)
    assert slack_api.calls("users.info") == []


@pytest.mark.parametrize("flags, expected", [
    ({"is_admin": True}, True),
    ({"is_owner": True}, True),
    ({"is_primary_owner": True}, True),
    ({}, False),
    ({"is_admin": True, "deleted": True}, False),
])
def test_workspace_roles(slack_api, client, flags, expected):
    slack_api.add_user("U0SOMEONE", **flags)
    assert AdminCheck(set()).is_admin("U0SOMEONE", client) is expected


def test_answers_are_cached_for_the_ttl(slack_api, client):
    clock = Clock()
    slack_api.add_user("U0BOSS", is_admin=True)
    check = AdminCheck(set(), ttl=300, clock=clock)
    assert check.is_admin("U0BOSS", client) and check.is_admin("U0BOSS", client)
    assert len(slack_api.calls("users.info")) == 1
    slack_api.add_user("U0BOSS", is_admin=False)  # demoted
    clock.now += 299
    assert check.is_admin("U0BOSS", client)  # still cached
    clock.now += 2
    assert not check.is_admin("U0BOSS", client)  # asked again after the TTL
    assert len(slack_api.calls("users.info")) == 2
    check.forget("U0BOSS")
    assert not check.is_admin("U0BOSS", client)
    assert len(slack_api.calls("users.info")) == 3


@pytest.mark.parametrize("failure", ["user_not_found", 500, "drop"])
def test_failures_mean_no_and_are_not_cached(slack_api, failure):
    client = WebClient(token="xoxb-test", base_url=slack_api.url, timeout=2, retry_handlers=[])
    slack_api.add_user("U0BOSS", is_admin=True)
    check = AdminCheck(set())
    slack_api.fail("users.info", failure)
    assert not check.is_admin("U0BOSS", client)
    assert check.is_admin("U0BOSS", client)  # the next call asks again and succeeds


def test_unknown_or_empty_user_is_not_admin(slack_api, client):
    assert not AdminCheck(set()).is_admin("U0NOBODY", client)
    assert not AdminCheck(set()).is_admin("", client)
