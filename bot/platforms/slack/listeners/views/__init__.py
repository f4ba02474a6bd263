"""Views: the App Home tab, published when a member opens it (the builders live in `blocks`)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.listeners.acks import acknowledged
from bot.platforms.slack.listeners.views.home import home_handler


def register(app: AsyncApp, deps: SlackDeps) -> None:
    app.event("app_home_opened")(ack=acknowledged, lazy=[home_handler(deps)])
