"""Every listener the app has, registered in one place, grouped by kind.

commands: `/aibrief`; events: `app_home_opened`; actions: buttons (search paging and
sharing, App Home admin buttons, the modal's live preview); views: modal submissions;
items: a digest item's menu (Share…, Save for later, Not relevant), Unsave and the Share… modal.
"""

from __future__ import annotations

from bot.slack.deps import Deps
from bot.slack.listeners import actions, commands, events, items, views


def register(app, deps: Deps) -> None:
    commands.register(app, deps)
    events.register(app, deps)
    actions.register(app, deps)
    views.register(app, deps)
    items.register(app, deps)
