"""Moderator buttons: Acknowledge / Claim on a crisis alert (audited), Reopen on a disputed ending."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.core.admin import Reopen
from bot.core.alerts import DONE, AlertDesk, AlertVerb
from bot.core.domain import ThreadKey
from bot.platforms.slack import alerts
from bot.platforms.slack.blocks import alerts as alert_views
from bot.platforms.slack.blocks.thread import Message, context
from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.ids import PLATFORM
from bot.platforms.slack.listeners.payloads import Press
from bot.platforms.slack.text import neutralise

log = logging.getLogger("threadkeeper.slack")


def alert_handler(deps: SlackDeps, verb: AlertVerb) -> Callable[..., Awaitable[None]]:
    async def handle_alert_button(body: dict[str, Any], respond: AsyncRespond) -> None:
        press = Press.of(body)
        parsed = alert_views.parse_alert_value(press.value) if press else None
        if press is None or parsed is None:
            return
        thread, episode = parsed
        async with deps.work.track():
            try:
                caller = await deps.caller(press.team, press.user)
                cfg = await deps.space(press.team)
                what = f"escalation (episode {episode})"
                case = await AlertDesk(deps.store).handle(caller, cfg, thread, verb, what)
                if case is None:
                    await respond(
                        text=cfg.texts.alert_not_allowed, response_type="ephemeral", replace_original=False
                    )
                    return
                person = await deps.people.get(press.team, press.user)
                key = ThreadKey(PLATFORM, press.team, thread)
                state = await alerts.load(deps.store, key, episode)
                if state is not None:
                    field = "acknowledged_by" if verb == "acknowledge" else "claimed_by"
                    state = state.evolve(**{field: person.name})
                    await alerts.save(deps.store, key, state)
                    message = alert_views.alert(state, ping=False)
                else:  # the bookkeeping expired: keep the message, add the status line
                    status = f"{DONE[verb].capitalize()} by {neutralise(person.name)}"
                    message = Message(status, [*press.blocks, context(status)])
                await deps.poster.update(press.team, press.channel, press.message_ts, message)
                await respond(
                    text=f"Recorded: you {DONE[verb]} this alert (case #{case} in `/threadkeeper audit`).",
                    response_type="ephemeral",
                    replace_original=False,
                )
            except Exception:
                log.exception("slack_alert_button_failed", extra={"space": press.team, "verb": verb})

    return handle_alert_button


def reopen_handler(deps: SlackDeps) -> Callable[..., Awaitable[None]]:
    async def handle_reopen(body: dict[str, Any], respond: AsyncRespond) -> None:
        press = Press.of(body)
        if press is None or not press.value:
            return
        async with deps.work.track():
            try:
                caller = await deps.caller(press.team, press.user)
                reply = await deps.admin.run(caller, Reopen(thread=press.value))
                if await deps.conversations.after_reopen(press.team, press.value, press.user):
                    status = f":unlock: Reopened by {neutralise(caller.user_name)}"
                    await deps.poster.update(
                        press.team,
                        press.channel,
                        press.message_ts,
                        press.settled(status),
                    )
                await respond(text=neutralise(reply), response_type="ephemeral", replace_original=False)
            except Exception:
                log.exception("slack_reopen_failed", extra={"space": press.team})

    return handle_reopen
