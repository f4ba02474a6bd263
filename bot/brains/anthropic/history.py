"""Which earlier turns the model sees, within a token budget, laid out so the prompt cache keeps working.

Two goals pull against each other. Cost should stay flat as a thread grows, so only the newest turns
that fit `history_tokens` are sent. And the cache only pays if the start of the request stays the
same from one turn to the next, so the window may not slide by one turn per message. The window
therefore starts on a grid of absolute turn numbers (multiples of `history_step_turns`): it keeps
its start while the thread grows and jumps ahead a whole step at a time when the budget (or the
store's transcript cap) forces it to. Between jumps the bytes before the newest turn do not change.

Context that must never be lost is pinned at the start when its turns fall out of the window: the
explicit warning (the model must know it was given) and the last crisis exchange (the model must
keep caring). Pins are derived from the thread state and the transcript only, so they too stay the
same between jumps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.domain import LogEntry, ThreadState

PIN_CHARS = 600  # a pinned line is context, not the whole message
_SKIPPED_KINDS = frozenset({"notice"})  # outage and truncation notices are not conversation
_LABELS = {
    "warn": "warning",
    "confirm": "asked to confirm ending",
    "care": "care reply; moderators alerted",
    "info": "notice",
    "end": "closing message",
}


@dataclass(frozen=True, slots=True)
class Line:
    """A transcript entry and the turn it belongs to."""

    turn: int
    entry: LogEntry


@dataclass(frozen=True, slots=True)
class Window:
    """The history to send: pinned context from before `start`, then every line from `start` on."""

    lines: tuple[Line, ...] = ()
    pinned: tuple[str, ...] = ()
    start: int = 1


def estimate_tokens(text: str) -> int:
    """A deliberately rough count (UTF-8 bytes / 4, plus block overhead); no tokenizer at hand."""
    return (len(text.encode("utf-8")) + 3) // 4 + 4


def render_line(entry: LogEntry) -> str:
    """How a transcript line reads to the model: members by name, the bot's rule texts labelled."""
    if entry.role == "user":
        return f"{entry.author or 'member'}: {entry.text}"
    label = _LABELS.get(entry.kind)
    return f"[{label}] {entry.text}" if label else entry.text


def number(history: Sequence[LogEntry], turn: int) -> list[Line]:
    """Attach turn numbers: the newest member line belongs to `turn` (the thread's turn count).

    Each handled message left exactly one member line, so counting member lines backwards gives
    every line's turn. Bot lines before the first member line belong to the turn before it (its
    member line was dropped by the store's cap, or the thread was branched from a bot message).
    """
    members = sum(1 for e in history if e.role == "user")
    current = turn - members
    lines: list[Line] = []
    for entry in history:
        if entry.role == "user":
            current += 1
        if entry.kind not in _SKIPPED_KINDS:
            lines.append(Line(current, entry))
    return lines


def select(history: Sequence[LogEntry], state: ThreadState, *, budget: int, step: int) -> Window:
    """The newest turns that fit `budget`, starting on the coarsest grid of turn numbers that fits."""
    lines = number(history, state.turn)
    if not lines:
        return Window(pinned=_pins([], [], state))
    first, last = lines[0].turn, lines[-1].turn
    whole_thread = first <= 1  # nothing was cut by the store: the window may start at the very top
    cost_from = _suffix_costs(lines)
    index_of = {line.turn: i for i, line in reversed(list(enumerate(lines)))}  # a turn's first line
    for grid in _steps(step):
        start = 0 if whole_thread else math.ceil(first / grid) * grid
        while start <= last:
            begin = max(start, first)
            if cost_from[begin] <= budget:  # pins only add to it: check them only when it may fit
                cut = index_of[begin]
                pinned = _pins(lines[:cut], lines[cut:], state)
                if cost_from[begin] + sum(map(estimate_tokens, pinned)) <= budget:
                    return Window(tuple(lines[cut:]), pinned, begin)
            start = start + grid if start else grid
    return _clipped(lines, state, budget)


def _steps(step: int) -> list[int]:
    """step, step/2, ..., 1: coarse first, so the start moves as rarely as the budget allows."""
    found: list[int] = []
    while step >= 1:
        found.append(step)
        step //= 2
    if found[-1] != 1:
        found.append(1)
    return found


def _suffix_costs(lines: Sequence[Line]) -> dict[int, int]:
    """Tokens of every line from a turn on, for each turn present (and past the newest: zero)."""
    costs: dict[int, int] = {}
    total = 0
    for line in reversed(lines):
        total += estimate_tokens(render_line(line.entry))
        costs[line.turn] = total
    costs[lines[-1].turn + 1] = 0
    return costs


def _pins(before: Sequence[Line], inside: Sequence[Line], state: ThreadState) -> tuple[str, ...]:
    """Context from turns that fell out of the window but must stay in view."""
    pins: list[str] = []
    if state.warned_at is not None and not any(line.entry.kind == "warn" for line in inside):
        warning = next((line for line in reversed(before) if line.entry.kind == "warn"), None)
        if warning is not None:
            pins.append(f"Turn {warning.turn}, {render_line(warning.entry)[:PIN_CHARS]}")
        else:
            named = state.warned_behaviour or "the behaviour it described"
            pins.append(f"Turn {state.warned_at}, [warning] An explicit warning was posted, naming: {named}.")
    if state.episode > 0 and not any(line.entry.kind == "care" for line in inside):
        care = next((line for line in reversed(before) if line.entry.kind == "care"), None)
        said = next(
            (line for line in before if care and line.turn == care.turn and line.entry.role == "user"), None
        )
        if care is not None:
            if said is not None:
                pins.append(f"Turn {said.turn}, {render_line(said.entry)[:PIN_CHARS]}")
            pins.append(f"Turn {care.turn}, {render_line(care.entry)[:PIN_CHARS]}")
        else:
            pins.append(
                "[care reply; moderators alerted] Earlier in this thread someone showed signs of being "
                "at risk, and the moderators were alerted."
            )
    if not pins:
        return ()
    return ("[Earlier in this thread; older turns are not shown, this context is kept]", *pins)


def _clipped(lines: Sequence[Line], state: ThreadState, budget: int) -> Window:
    """Not even the newest turn fits: send it shortened, so the model still sees what was said."""
    newest = [line for line in lines if line.turn == lines[-1].turn]
    pinned = _pins([line for line in lines if line.turn < newest[0].turn], newest, state)
    room = max(budget - sum(map(estimate_tokens, pinned)), 64 * len(newest))
    chars = max(64, room * 4 // len(newest) - 16)
    clipped = tuple(
        Line(
            line.turn,
            LogEntry(line.entry.role, _clip(line.entry.text, chars), line.entry.author, line.entry.kind),
        )
        for line in newest
    )
    return Window(clipped, pinned, newest[0].turn)


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"
