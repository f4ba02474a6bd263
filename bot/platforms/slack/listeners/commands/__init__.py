from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.listeners.acks import ack_now
from bot.platforms.slack.listeners.commands.threadkeeper import COMMAND, command_handler


def register(app: AsyncApp, deps: SlackDeps) -> None:
    app.command(COMMAND)(ack=ack_now, lazy=[command_handler(deps)])
