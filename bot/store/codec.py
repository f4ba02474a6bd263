"""Compact encodings of what the store keeps in Redis.

Every thread's state is read and written on every message and lives for weeks, so it is stored
as a small hash with one-letter fields, omitting fields at their default. Transcript lines are
JSON arrays, outbox items JSON objects tagged with the action's type, audit records plain stream
fields. Decoding gives back the same frozen dataclasses, enums included.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, overload

from bot.core.actions import Action
from bot.core.domain import Actor, LogEntry, Status, ThreadKey, ThreadState
from bot.core.ports import AuditRecord, Routed

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
_loads = json.loads

# --- thread state --------------------------------------------------------------------------------

VERSION_FIELD = "v"

_STATUS_CODE: dict[Status, str] = {Status.ACTIVE: "a", Status.CONFIRMING_END: "c", Status.ENDED: "e"}
_CODE_STATUS: dict[str, Status] = {code: status for status, code in _STATUS_CODE.items()}


def encode_state(state: ThreadState) -> list[str]:
    """Field/value pairs of `state`'s non-default fields; the version is the store's to set."""
    out: list[str] = []
    if state.status is not Status.ACTIVE:
        out += ("s", _STATUS_CODE[state.status])
    if state.turn:
        out += ("t", str(state.turn))
    if state.redirects:
        out += ("r", str(state.redirects))
    if state.clean_streak:
        out += ("c", str(state.clean_streak))
    if state.warned_at is not None:
        out += ("w", str(state.warned_at))
    if state.warned_behaviour:
        out += ("b", state.warned_behaviour)
    if state.crisis_until is not None:
        out += ("x", repr(float(state.crisis_until)))
    if state.episode:
        out += ("e", str(state.episode))
    if state.ended_reason:
        out += ("n", state.ended_reason)
    return out


def decode_state(fields: Mapping[str, str]) -> ThreadState:
    """The ThreadState in a state hash; an empty hash is a new thread (version 0)."""
    if not fields:
        return ThreadState()
    get = fields.get
    warned_at = get("w")
    crisis_until = get("x")
    return ThreadState(
        status=_CODE_STATUS[get("s", "a")],
        turn=int(get("t", 0)),
        redirects=int(get("r", 0)),
        clean_streak=int(get("c", 0)),
        warned_at=None if warned_at is None else int(warned_at),
        warned_behaviour=get("b", ""),
        crisis_until=None if crisis_until is None else float(crisis_until),
        episode=int(get("e", 0)),
        ended_reason=get("n", ""),
        version=int(get(VERSION_FIELD, 0)),
    )


def pairs(flat: Sequence[str]) -> dict[str, str]:
    """A dict from the flat field/value list a Lua `HGETALL` returns."""
    it = iter(flat)
    return dict(zip(it, it, strict=True))


# --- transcript ----------------------------------------------------------------------------------


def encode_log(entry: LogEntry) -> str:
    """`[role, text, author, kind]` with trailing empty strings dropped."""
    if entry.kind:
        return _dumps([entry.role, entry.text, entry.author, entry.kind])
    if entry.author:
        return _dumps([entry.role, entry.text, entry.author])
    return _dumps([entry.role, entry.text])


def decode_log(raw: str) -> LogEntry:
    return LogEntry(*_loads(raw))


def decode_logs(raws: Sequence[str]) -> tuple[LogEntry, ...]:
    """A whole transcript with a single JSON parse (it is loaded on every message)."""
    if not raws:
        return ()
    return tuple(LogEntry(*fields) for fields in _loads("[" + ",".join(raws) + "]"))


class LazyTranscript(Sequence[LogEntry]):
    """A transcript decoded only when someone reads it: most turns of the offline brain never do."""

    __slots__ = ("_decoded", "_raws")

    def __init__(self, raws: Sequence[str]) -> None:
        self._raws = raws
        self._decoded: tuple[LogEntry, ...] | None = None

    def _entries(self) -> tuple[LogEntry, ...]:
        if self._decoded is None:
            self._decoded = decode_logs(self._raws)
        return self._decoded

    def __len__(self) -> int:
        return len(self._raws)

    @overload
    def __getitem__(self, index: int) -> LogEntry: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[LogEntry]: ...

    def __getitem__(self, index: int | slice) -> LogEntry | Sequence[LogEntry]:
        return self._entries()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyTranscript):
            return self._entries() == other._entries()
        if isinstance(other, tuple):
            return self._entries() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._entries())

    def __repr__(self) -> str:
        return f"LazyTranscript({self._entries()!r})"


# --- actions and the outbox ----------------------------------------------------------------------

ACTION_TAG = "@"
_ACTION_TYPES: dict[str, type[Any]] = {cls.__name__: cls for cls in typing.get_args(Action)}


def _converter(hint: Any) -> Callable[[Any], Any] | None:
    """How to turn a JSON value back into a field of type `hint` (None: as it is)."""
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    if hint is float:
        return float
    if hint is tuple or typing.get_origin(hint) is tuple:
        return tuple
    return None


def _schema(cls: type[Any]) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, _converter(hints[f.name])) for f in dataclasses.fields(cls))


_SCHEMAS: dict[str, tuple[tuple[str, Callable[[Any], Any] | None], ...]] = {
    name: _schema(cls) for name, cls in _ACTION_TYPES.items()
}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def action_to_dict(action: Action) -> dict[str, Any]:
    """`{"@": type name, field: value...}` with enums as their values."""
    cls = type(action)
    if _ACTION_TYPES.get(cls.__name__) is not cls:
        raise TypeError(f"{cls.__name__} is not an Action")
    out: dict[str, Any] = {ACTION_TAG: cls.__name__}
    for name, _ in _SCHEMAS[cls.__name__]:
        out[name] = _plain(getattr(action, name))
    return out


def action_from_dict(data: Mapping[str, Any]) -> Action:
    tag = data[ACTION_TAG]
    cls = _ACTION_TYPES.get(tag)
    if cls is None:
        raise ValueError(f"unknown action type {tag!r}")
    kwargs: dict[str, Any] = {}
    for name, convert in _SCHEMAS[tag]:
        if name in data:
            value = data[name]
            kwargs[name] = value if convert is None or value is None else convert(value)
    action: Action = cls(**kwargs)
    return action


def encode_action(action: Action) -> str:
    return _dumps(action_to_dict(action))


def decode_action(raw: str) -> Action:
    return action_from_dict(_loads(raw))


def encode_routed(item: Routed) -> str:
    key = item.key
    return _dumps(
        {
            "k": [key.platform, key.space, key.thread],
            "c": item.channel_id,
            "m": item.message_id,
            "a": action_to_dict(item.action),
        }
    )


def decode_routed(raw: str) -> Routed:
    data = _loads(raw)
    return Routed(ThreadKey(*data["k"]), data["c"], data["m"], action_from_dict(data["a"]))


# --- audit ---------------------------------------------------------------------------------------

AUDIT_FIELDS = ("action", "thread", "user", "actor", "reason", "time")


def encode_audit(record: AuditRecord) -> list[str]:
    """Values in `AUDIT_FIELDS` order; the case number is assigned by the script that appends it."""
    return [
        record.action,
        record.thread,
        record.user,
        str(record.actor),
        record.reason,
        repr(float(record.time)),
    ]


def decode_audit(fields: Mapping[str, str], space: str) -> AuditRecord:
    get = fields.get
    try:
        actor = Actor(get("actor", Actor.SYSTEM.value))
    except ValueError:
        actor = Actor.SYSTEM
    return AuditRecord(
        action=get("action", ""),
        thread=get("thread", ""),
        user=get("user", ""),
        actor=actor,
        reason=get("reason", ""),
        time=float(get("time", 0.0)),
        case=int(get("case", 0)),
        space=space,
    )
