"""Digest template errors are for admins, and templates stay inside their folder.

A template error can quote a template's content (or, through a symlink or an include,
another file's): members see that the digest could not be rendered and that admins know;
admins see the error. A template file that resolves outside the templates folder — a
symlink in `digests/` pointing elsewhere, itself or through an {% include %} — is refused.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from bot.digest.render import BUILTIN_DIR, render_messages
from bot.digest.service import sample_context, subscribe
from bot.models import Article
from bot.slack import blocks
from tests.support.slack_harness import ADMIN, CHANNEL, SlackAppHarness

USER = "U0PLAINUSER"
SECRET_LINE = "TOPSECRET-do-not-show"


@pytest.fixture
def outside(tmp_path):
    """A file outside the templates folder: a perfectly valid template quoting a secret."""
    path = tmp_path / "elsewhere" / "secret.txt"
    path.parent.mkdir()
    path.write_text('{"text": "' + SECRET_LINE + '", "blocks": [{"type": "section", "text": {"type": "mrkdwn", '
                    '"text": "' + SECRET_LINE + '"}}]}')
    return path


@pytest.fixture
def digests(tmp_path):
    d = tmp_path / "digests"
    d.mkdir()
    return d


def _everything(result) -> str:
    return json.dumps([[m.text, m.blocks] for m in result.messages] + result.errors, ensure_ascii=False)


def test_a_symlink_to_a_file_outside_is_refused(digests, outside):
    (digests / "evil.j2").symlink_to(outside)
    result = render_messages("evil", sample_context(), str(digests))
    assert SECRET_LINE not in _everything(result)
    assert result.template == "daily"  # fell back to the bundled default
    assert any("evil.j2" in e and "outside the templates folder" in e for e in result.errors), result.errors


def test_an_include_through_a_symlink_is_refused(digests, outside):
    (digests / "part.j2").symlink_to(outside)
    (digests / "sneaky.j2").write_text('{% include "part.j2" %}')
    result = render_messages("sneaky", sample_context(), str(digests))
    assert SECRET_LINE not in _everything(result)
    assert result.template == "daily" and any("outside the templates folder" in e for e in result.errors)


def test_a_symlink_inside_the_folder_still_works(digests):
    shutil.copy(BUILTIN_DIR / "compact.j2", digests / "mine.j2")
    (digests / "alias.j2").symlink_to(digests / "mine.j2")
    result = render_messages("alias", sample_context(), str(digests))
    assert result.template == "alias" and not result.errors


def test_members_see_that_the_digest_failed_and_admins_see_why(store, slack_api, digests):
    """The real flow: `/aibrief digest now` with a broken template records its error on the
    subscription; the App Home then shows it to admins only."""
    shutil.copy(BUILTIN_DIR / "compact.j2", digests / "broken.j2")  # works when subscribed…
    store.add_watchlist("chips", "chip")
    store.insert_articles(None, [Article(
        feed_url="https://news.example/feed", source="Wire", url="https://news.example/chip",
        title="Chip export story", summary="chip news", published=datetime.now(timezone.utc) - timedelta(hours=1),
        dedupe_key="url:https://news.example/chip")])
    slack_api.add_user(USER)
    harness = SlackAppHarness(store, slack_api).start(digests_dir=str(digests))
    try:
        subscribe(store, "test", CHANNEL, template="broken", settings=harness.settings)
        # … and is broken by an edit later (an error that quotes the template's own text)
        broken = digests / "broken.j2"
        broken.write_text('{"blocks": [ {{ no_such_thing }} ], "note": "' + SECRET_LINE + '"}')
        os.utime(broken, (broken.stat().st_mtime + 5,) * 2)  # Jinja's auto_reload compares mtimes
        _, key = harness.command("digest now", user=ADMIN)
        assert "Posted the digest" in harness.reply(key)["text"]
        error = store.get_subscription(CHANNEL).last_error
        assert error.startswith("template:") and "no_such_thing" in error

        def home(user):
            before = len(slack_api.calls("views.publish"))
            harness.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"})
            return json.dumps(harness.calls("views.publish", before + 1)[-1].body["view"], ensure_ascii=False)

        member = home(USER)
        assert blocks.TEMPLATE_ERROR_PUBLIC in member
        assert "no_such_thing" not in member and "broken.j2" not in member and SECRET_LINE not in member
        admin = home(ADMIN)
        assert "no_such_thing" in admin and blocks.TEMPLATE_ERROR_PUBLIC not in admin
    finally:
        harness.stop()


def test_other_digest_failures_still_tell_members_what_to_do():
    row = blocks.ScheduleRow("C1", "09:00", "UTC", None, last_error="not_in_channel: invite the bot")
    view = json.dumps(blocks.home_view([], {}, [], [row], is_admin=False))
    assert "not_in_channel: invite the bot" in view
