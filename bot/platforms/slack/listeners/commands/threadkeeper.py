"""`/threadkeeper ...`: Slack's command text into the core's admin command; the answer is ephemeral.

Only translation happens here: Slack's escaped arguments (`<#C123|mods>`, `<!subteam^S1|@mods>`,
message links) become the ids the core stores. Who may run what is decided by `AdminService`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.core.admin import (
    USAGE,
    AdminCommand,
    AdminUsageError,
    AiChannel,
    ConfigSet,
    Reopen,
    SetModChannel,
    SetModRole,
    parse_command,
)
from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.ids import from_permalink
from bot.platforms.slack.text import from_slack, neutralise

log = logging.getLogger("threadkeeper.slack")

COMMAND = "/threadkeeper"
SLACK_USAGE = (
    USAGE + "\nChannels and groups: pick them as #channel and @group. THREAD: a message link from the "
    "thread (More actions > Copy link), or the id shown in alerts and in `audit`."
)
_ESCAPED = re.compile(r"<([#@!][^<>|]*)(?:\|[^<>]*)?>")
_CONFIG_SET = re.compile(r"^\s*config\s+set\s+(\S+)\s+(.+)$", re.IGNORECASE | re.DOTALL)
_LINK = re.compile(r"<?(https?://[^\s<>|]+/archives/[^\s<>|]+)(?:\|[^<>]*)?>?")


def slack_arguments(text: str) -> str:
    """Slack's escaped mentions and links in command text, as plain ids."""

    def plain(match: re.Match[str]) -> str:
        target = match.group(1)
        if target.startswith("!subteam^"):
            return target.split("^", 1)[1]
        return target[1:]

    def thread(match: re.Match[str]) -> str:
        return from_permalink(match.group(1)) or match.group(0)

    return _ESCAPED.sub(plain, _LINK.sub(thread, text)).strip()


def read_command(text: str) -> AdminCommand:
    """The admin command in Slack's command text; `AdminUsageError` with the usage if unclear.

    `config set KEY VALUE` takes the rest of the line as the value, as typed (an apostrophe in a
    text is not a quoting problem); everything else goes through the core's parser.
    """
    found = _CONFIG_SET.match(text)
    if found is None:
        return parse_command(slack_arguments(text))
    key, value = found.group(1), found.group(2).strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    value = from_slack(value) if key.startswith("texts.") or key == "preamble" else slack_arguments(value)
    try:
        return ConfigSet(key=key, value=value)
    except ValidationError as exc:
        problem = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'command'}: {e['msg']}" for e in exc.errors())
        raise AdminUsageError(f"{problem}\n{USAGE}") from None


def check_ids(command: object) -> str | None:
    """Slack ids look a certain way; a name typed instead of picked would silently never work."""
    if isinstance(command, SetModChannel | AiChannel):
        channel = command.channel
        if not re.fullmatch(r"[CG][A-Z0-9]{2,}", channel):
            return f"`{neutralise(channel)}` is not a channel: pick it as #channel so Slack sends its id."
    if isinstance(command, SetModRole) and not re.fullmatch(r"S[A-Z0-9]{2,}", command.role):
        return f"`{neutralise(command.role)}` is not a user group: pick it as @group so Slack sends its id."
    if isinstance(command, Reopen) and ":" not in command.thread:
        return "Give the thread as a message link from it, or as the id shown in alerts and in `audit`."
    return None


async def run_command(deps: SlackDeps, team: str, user: str, text: str) -> str:
    """The ephemeral answer to `/threadkeeper text` from `user`."""
    arguments = slack_arguments(text)
    if arguments.lower() in ("", "help"):
        return f"```{SLACK_USAGE}```"
    try:
        command = read_command(text)
    except AdminUsageError as exc:
        problem, _, _ = str(exc).partition("\nUsage:")
        lead = "" if problem.startswith("Usage:") else neutralise(problem) + "\n"
        return f"{lead}```{SLACK_USAGE}```"
    caller = await deps.caller(team, user)
    wrong = check_ids(command) if caller.is_admin or isinstance(command, Reopen) else None
    reply = wrong or await deps.admin.run(caller, command)
    if wrong is None and isinstance(command, Reopen):
        await deps.conversations.after_reopen(team, command.thread, user)
    shown = f"```{neutralise(reply)}```" if "\n" in reply else neutralise(reply)
    if caller.is_admin:
        problems = await deps.problems.active(team)
        if problems:
            shown = ":warning: *Needs fixing:*\n" + "\n".join(f"• {p}" for p in problems) + "\n\n" + shown
    return shown


def command_handler(deps: SlackDeps) -> Callable[..., Awaitable[None]]:
    async def handle_command(body: dict[str, Any], respond: AsyncRespond) -> None:
        team, user = str(body.get("team_id") or ""), str(body.get("user_id") or "")
        if not team or not user:
            return
        async with deps.work.track():
            try:
                answer = await run_command(deps, team, user, str(body.get("text") or ""))
            except Exception:
                log.exception("slack_command_failed", extra={"space": team})
                answer = (
                    "Sorry, something went wrong running that command; the operator can see why in the logs."
                )
            await respond(text=answer, response_type="ephemeral")

    return handle_command
