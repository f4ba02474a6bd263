from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.listeners.acks import ack_now
from bot.platforms.slack.listeners.shortcuts.branch import BRANCH_FROM_HERE, branch_handler


def register(app: AsyncApp, deps: SlackDeps) -> None:
    app.shortcut(BRANCH_FROM_HERE)(ack=ack_now, lazy=[branch_handler(deps)])
