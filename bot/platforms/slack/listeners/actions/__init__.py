from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.platforms.slack.blocks import alerts, thread
from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.listeners.acks import ack_now
from bot.platforms.slack.listeners.actions.confirm import choice_handler
from bot.platforms.slack.listeners.actions.feedback import feedback_handler
from bot.platforms.slack.listeners.actions.moderation import alert_handler, reopen_handler


def register(app: AsyncApp, deps: SlackDeps) -> None:
    app.action(thread.CONFIRM_END)(ack=ack_now, lazy=[choice_handler(deps, "confirm_end")])
    app.action(thread.KEEP_TALKING)(ack=ack_now, lazy=[choice_handler(deps, "keep_talking")])
    app.action(thread.FEEDBACK_FAIR)(ack=ack_now, lazy=[feedback_handler(deps, fair=True)])
    app.action(thread.FEEDBACK_UNFAIR)(ack=ack_now, lazy=[feedback_handler(deps, fair=False)])
    app.action(alerts.ACKNOWLEDGE)(ack=ack_now, lazy=[alert_handler(deps, "acknowledge")])
    app.action(alerts.CLAIM)(ack=ack_now, lazy=[alert_handler(deps, "claim")])
    app.action(alerts.REOPEN)(ack=ack_now, lazy=[reopen_handler(deps)])
    # A link button still sends an action; Slack only needs it acknowledged.
    app.action(alerts.OPEN_THREAD)(ack_now)
