"""Every listener the app has, registered in one place, grouped by kind.

commands: `/aibrief`; events: `app_home_opened`; actions: buttons (search paging and
sharing, App Home admin buttons, the modal's live preview); views: modal submissions.
"""

from __future__ import annotations

from bot.slack.deps import Deps
from bot.slack.listeners import actions, commands, events, views


def register(app, deps: Deps) -> None:
    commands.register(app, deps)
    events.register(app, deps)
    actions.register(app, deps)
    views.register(app, deps)
