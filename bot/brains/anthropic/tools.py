"""The tools offered to the model: `respond` every turn, `end_conversation` only when allowed now."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase
from functools import cache
from typing import Literal

from anthropic.types import CacheControlEphemeralParam, ToolChoiceAnyParam, ToolParam

from bot.brains.anthropic.schema import EndConversation, TurnResult, tool_schema

RESPOND = "respond"
END = "end_conversation"

# The same every turn: a change of tool_choice would invalidate the cached history.
TOOL_CHOICE: ToolChoiceAnyParam = {"type": "any"}

_RESPOND_DESCRIPTION = (
    "Post your reply in the thread and record your assessment of the newest message. "
    "Call it exactly once every turn."
)
_END_DESCRIPTION = (
    "End this thread for good: the bot posts its closing message, locks the thread and never replies "
    "in it again. A last resort, offered only on turns where the rules allow it: use it only when "
    "the newest message continues the abuse after the explicit warning and redirecting has clearly "
    "failed, never when someone may be at risk, and never for a member's own request to end. Call "
    "it together with respond. The call is checked against the rules and may be refused."
)


def may_end(model: str, patterns: Sequence[str]) -> bool:
    """Whether `model` is on the configured list of models allowed to end conversations."""
    return any(fnmatchcase(model, pattern) for pattern in patterns)


def tools(*, offer_end: bool, ttl: Literal["5m", "1h"] = "5m") -> list[ToolParam]:
    """The tool list for one request. `respond` comes first and carries the tools' cache breakpoint,
    so its bytes are the same whether or not the ending tool follows it."""
    offered = [_respond(ttl)]
    if offer_end:
        offered.append(_end())
    return offered


@cache
def _respond_schema() -> dict[str, object]:
    return tool_schema(TurnResult)


@cache
def _end_schema() -> dict[str, object]:
    return tool_schema(EndConversation)


def _respond(ttl: Literal["5m", "1h"]) -> ToolParam:
    return {
        "name": RESPOND,
        "description": _RESPOND_DESCRIPTION,
        "input_schema": _respond_schema(),
        "cache_control": cache_marker(ttl),
    }


def _end() -> ToolParam:
    return {"name": END, "description": _END_DESCRIPTION, "input_schema": _end_schema()}


def cache_marker(ttl: Literal["5m", "1h"]) -> CacheControlEphemeralParam:
    """A cache breakpoint; the default lifetime is left implicit to keep requests small."""
    return {"type": "ephemeral"} if ttl == "5m" else {"type": "ephemeral", "ttl": "1h"}
