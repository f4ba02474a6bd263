"""Every Slack listener, registered on the Bolt app. Listeners translate; the core decides."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.listeners import actions, commands, events, shortcuts, views


def register_listeners(app: AsyncApp, deps: SlackDeps) -> None:
    events.register(app, deps)
    actions.register(app, deps)
    commands.register(app, deps)
    shortcuts.register(app, deps)
    views.register(app, deps)
