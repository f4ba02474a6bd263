from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.listeners.acks import acknowledged
from bot.platforms.slack.listeners.events.messages import mention_handler, message_handler


def register(app: AsyncApp, deps: SlackDeps) -> None:
    # Events are acknowledged by Bolt at once; the work runs after, as a lazy listener.
    app.event("app_mention")(ack=acknowledged, lazy=[mention_handler(deps)])
    app.event("message")(ack=acknowledged, lazy=[message_handler(deps)])
