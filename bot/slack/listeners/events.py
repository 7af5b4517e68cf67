"""Events: `app_home_opened` publishes the App Home tab for the user who opened it."""

from __future__ import annotations

from bot.slack.deps import Deps
from bot.slack.home import publish_home


def register(app, deps: Deps) -> None:
    def ack_event(ack):
        ack()

    def home_opened(event, client):
        # The event also fires for the Messages tab; only the Home tab is ours to draw.
        if event.get("tab", "home") == "home" and event.get("user"):
            publish_home(deps, event["user"], client)

    app.event("app_home_opened")(ack=ack_event, lazy=[home_opened])
