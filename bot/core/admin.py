"""`/threadkeeper` admin and moderator commands, platform-free.

Adapters turn a slash command (Discord options, Slack text) into one of the command models below,
say who is calling and with which rights, and post the returned text back ephemerally. Who may do
what is decided here, not in the adapters.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from bot.core.config import OVERRIDABLE_KEYS, SpaceConfig, describe, validate_override
from bot.core.domain import Actor, Author, ThreadKey
from bot.core.engine import Engine, Outcome
from bot.core.errors import ConfigError, ThreadkeeperError
from bot.core.ports import AuditRecord, Store

Id = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:#<>@!&^|-]+$")]


class AdminUsageError(ThreadkeeperError):
    """The command line could not be understood; the message includes the usage."""


class Caller(BaseModel):
    """Who runs a command, in which space, with the rights the platform reported."""

    model_config = ConfigDict(frozen=True)

    platform: str
    space: str
    user_id: str
    user_name: str = ""
    is_admin: bool = False
    is_moderator: bool = False


class _Cmd(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ConfigShow(_Cmd):
    name: Literal["config show"] = "config show"


class ConfigSet(_Cmd):
    name: Literal["config set"] = "config set"
    key: str = Field(min_length=1, max_length=64)
    value: str = Field(max_length=1900)


class ConfigReset(_Cmd):
    name: Literal["config reset"] = "config reset"


class SetEnding(_Cmd):
    name: Literal["ending"] = "ending"
    enabled: bool


class SetModChannel(_Cmd):
    name: Literal["modchannel"] = "modchannel"
    channel: Id


class SetModRole(_Cmd):
    name: Literal["modrole"] = "modrole"
    role: Id


class AiChannel(_Cmd):
    name: Literal["aichannel"] = "aichannel"
    add: bool
    channel: Id


class ShowStats(_Cmd):
    name: Literal["stats"] = "stats"


class ShowAudit(_Cmd):
    name: Literal["audit"] = "audit"
    thread: Id | None = None
    limit: int = Field(15, ge=1, le=50)


class Reopen(_Cmd):
    name: Literal["reopen"] = "reopen"
    thread: Id


AdminCommand = Annotated[
    ConfigShow
    | ConfigSet
    | ConfigReset
    | SetEnding
    | SetModChannel
    | SetModRole
    | AiChannel
    | ShowStats
    | ShowAudit
    | Reopen,
    Field(discriminator="name"),
]
_COMMAND: TypeAdapter[AdminCommand] = TypeAdapter(AdminCommand)

USAGE = """Usage: /threadkeeper COMMAND
  config show | config set KEY VALUE | config reset
  ending enable | ending disable
  modchannel CHANNEL | modrole ROLE (Slack: modgroup GROUP)
  aichannel add CHANNEL | aichannel remove CHANNEL
  stats | audit [THREAD] | reopen THREAD"""

# Commands moderators may run without being admins.
MODERATOR_COMMANDS = frozenset({"reopen", "audit", "stats"})


def parse_command(text: str) -> AdminCommand:
    """Slack-style text (`config set turns_after_warning 2`) into a validated command."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise AdminUsageError(f"could not read the command ({exc}).\n{USAGE}") from None
    if not words:
        raise AdminUsageError(USAGE)
    head, rest = words[0].lower(), words[1:]
    data: dict[str, object]
    if head == "config" and rest:
        sub = rest[0].lower()
        if sub == "set" and len(rest) >= 3:
            data = {"name": "config set", "key": rest[1], "value": " ".join(rest[2:])}
        elif sub in ("show", "reset") and len(rest) == 1:
            data = {"name": f"config {sub}"}
        else:
            raise AdminUsageError(USAGE)
    elif head == "ending" and len(rest) == 1 and rest[0].lower() in ("enable", "disable"):
        data = {"name": "ending", "enabled": rest[0].lower() == "enable"}
    elif head == "modchannel" and len(rest) == 1:
        data = {"name": "modchannel", "channel": rest[0]}
    elif head in ("modrole", "modgroup") and len(rest) == 1:
        data = {"name": "modrole", "role": rest[0]}
    elif head == "aichannel" and len(rest) == 2 and rest[0].lower() in ("add", "remove"):
        data = {"name": "aichannel", "add": rest[0].lower() == "add", "channel": rest[1]}
    elif head == "stats" and not rest:
        data = {"name": "stats"}
    elif head == "audit" and len(rest) <= 1:
        data = {"name": "audit", "thread": rest[0] if rest else None}
    elif head == "reopen" and len(rest) == 1:
        data = {"name": "reopen", "thread": rest[0]}
    else:
        raise AdminUsageError(USAGE)
    try:
        return _COMMAND.validate_python(data)
    except ValidationError as exc:
        problem = "; ".join(
            f"{'.'.join(map(str, e['loc'][1:])) or 'command'}: {e['msg']}" for e in exc.errors()
        )
        raise AdminUsageError(f"{problem}\n{USAGE}") from None


STAT_LABELS = (
    ("conversations", "conversations"),
    ("messages", "messages"),
    ("redirects", "redirects"),
    ("warnings", "warnings"),
    ("endings", "endings by the bot"),
    ("user_endings", "endings at a member's request"),
    ("escalations", "escalations"),
    ("disputed_endings", "disputed endings"),
    ("degraded_turns", "turns answered by the fallback"),
    ("tokens_input", "input tokens"),
    ("tokens_output", "output tokens"),
    ("tokens_cache_read", "cache-read tokens"),
    ("tokens_cache_write", "cache-write tokens"),
)


# Called after a moderator reopened a thread, with what the engine says to post there (the
# adapter unlocks the thread on platforms that lock it, and posts the notice).
ReopenHook = Callable[[ThreadKey, Outcome], Awaitable[None]]


class AdminService:
    def __init__(
        self,
        store: Store,
        engine: Engine,
        clock: Callable[[], float] = time.time,
        on_reopen: ReopenHook | None = None,
    ) -> None:
        self.store = store
        self.engine = engine
        self.clock = clock
        self.on_reopen = on_reopen

    async def effective_config(self, platform: str, space: str) -> SpaceConfig:
        return self.engine.spaces.get(await self.store.overrides(platform, space))

    async def run(self, caller: Caller, command: AdminCommand) -> str:
        """The reply to show the caller (ephemerally); refusals and bad values are replies too."""
        if not caller.is_admin and not (caller.is_moderator and command.name in MODERATOR_COMMANDS):
            who = "moderators and admins" if command.name in MODERATOR_COMMANDS else "server admins"
            return f"Sorry, only {who} can use `/threadkeeper {command.name}`."
        try:
            return await self._run(caller, command)
        except ConfigError as exc:
            return f"Not changed: {exc}"

    async def _run(self, caller: Caller, cmd: AdminCommand) -> str:
        p, s = caller.platform, caller.space
        match cmd:
            case ConfigShow():
                cfg = await self.effective_config(p, s)
                overridden = await self.store.overrides(p, s)
                lines = [
                    f"{'*' if key in overridden else ' '} {key} = {value}"
                    for key, value in describe(cfg).items()
                ]
                return "Settings (* = changed for this server):\n" + "\n".join(lines)
            case ConfigSet(key=key, value=value):
                return await self._set(caller, key, value)
            case ConfigReset():
                await self.store.reset_overrides(p, s, self._record(caller, "config_reset", "all overrides"))
                return "All settings are back to their defaults."
            case SetEnding(enabled=enabled):
                await self._set(caller, "ending_enabled", "true" if enabled else "false")
                return "Ending conversations is now " + (
                    "enabled." if enabled else "disabled: I will never end a thread here."
                )
            case SetModChannel(channel=channel):
                await self._set(caller, "moderator_channel", channel)
                return f"Escalations will go to {channel}."
            case SetModRole(role=role):
                await self._set(caller, "moderator_role", role)
                return f"Moderators to ping on escalations: {role}."
            case AiChannel(add=add, channel=channel):
                cfg = await self.effective_config(p, s)
                channels = [c for c in cfg.ai_channels if c != channel] + ([channel] if add else [])
                await self._set(caller, "ai_channels", ", ".join(channels))
                return f"AI channels: {', '.join(channels) or '(none)'}."
            case ShowStats():
                stats = await self.store.stats(p, s)
                return "\n".join(f"{label}: {stats.get(key, 0)}" for key, label in STAT_LABELS)
            case ShowAudit(thread=thread, limit=limit):
                records = await self.store.audit(p, s, thread, limit)
                if not records:
                    return "No cases recorded" + (f" for thread {thread}." if thread else ".")
                return "\n".join(format_case(r) for r in records)
            case Reopen(thread=thread):
                moderator = Author(caller.user_id, caller.user_name or caller.user_id)
                reopened = ThreadKey(p, s, thread)
                outcome = await self.engine.reopen(reopened, moderator)
                if self.on_reopen is not None:
                    await self.on_reopen(reopened, outcome)
                return f"Thread {thread} is open again; I'll answer there."
        raise AdminUsageError(USAGE)  # pragma: no cover - the union is exhaustive

    async def _set(self, caller: Caller, key: str, value: str) -> str:
        if key not in OVERRIDABLE_KEYS:
            raise ConfigError(f"{key} is not a setting; known settings: {', '.join(OVERRIDABLE_KEYS)}")
        before = await self.effective_config(caller.platform, caller.space)
        after = validate_override(before, key, value)
        shown = describe(after)[key]
        record = self._record(caller, "config_set", f"{key} = {shown}")
        await self.store.set_override(caller.platform, caller.space, key, value, record)
        return f"{key} is now {shown} (was {describe(before)[key]})."

    def _record(self, caller: Caller, action: str, reason: str) -> AuditRecord:
        actor = Actor.ADMIN if caller.is_admin else Actor.MODERATOR
        return AuditRecord(action, "", caller.user_id, actor, reason, self.clock())


def format_case(record: AuditRecord) -> str:
    when = datetime.fromtimestamp(record.time, UTC).strftime("%Y-%m-%d %H:%M UTC")
    where = f" thread {record.thread}" if record.thread else ""
    who = f"{record.actor.value} ({record.user})"
    return f"#{record.case} {when} {record.action}{where} by {who}: {record.reason}"
