"""Hypothesis strategies for the policy: random spaces, random messages, and a simulated thread.

`scenarios()` draws a space configuration and a sequence of steps; `simulate` drives a thread
through `decide` exactly as the engine would (state in, decision out, state = decision.state),
with an occasional moderator `reopen` of an ended thread, and records every step so that each
invariant test can check its own property over the whole history.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from annotated_types import Ge, Le
from hypothesis import strategies as st

from bot.core.config import SpaceConfig, load_app_config
from bot.core.domain import (
    ABUSIVE_CATEGORIES,
    CRISIS_CATEGORIES,
    Assessment,
    Author,
    Category,
    Severity,
    Status,
    ThreadState,
    Turn,
)
from bot.core.policy import Decision, decide, reopen

START = 1_700_000_000.0

AUTHORS = (
    Author("u-ada", "Ada"),
    Author("u-bo", "Bo"),
    Author("u-cy", "Cy {user} {behaviour}"),  # braces in a name must not break the warning template
)

ABUSIVE = tuple(sorted(ABUSIVE_CATEGORIES))
CRISIS = tuple(sorted(CRISIS_CATEGORIES))
ENDING = (Category.USER_REQUESTS_END, Category.USER_CONFIRMS_END)
THRESHOLDS = (
    "redirects_before_warning",
    "turns_after_warning",
    "clean_turns_to_decay",
    "crisis_hold_minutes",
)


def bounds(name: str) -> tuple[int, int]:
    """A threshold's allowed range, read from the model so the strategies follow the config."""
    meta = SpaceConfig.model_fields[name].metadata
    low = next(m.ge for m in meta if isinstance(m, Ge))
    high = next(m.le for m in meta if isinstance(m, Le))
    return int(low), int(high)


@lru_cache(maxsize=1)
def default_space() -> SpaceConfig:
    return load_app_config().space


@lru_cache(maxsize=4096)
def space(
    ending_enabled: bool = True,
    redirects_before_warning: int = 3,
    turns_after_warning: int = 1,
    clean_turns_to_decay: int = 5,
    crisis_hold_minutes: int = 1440,
) -> SpaceConfig:
    """A validated space config: the defaults file with these thresholds."""
    data = default_space().model_dump()
    data.update(
        ending_enabled=ending_enabled,
        redirects_before_warning=redirects_before_warning,
        turns_after_warning=turns_after_warning,
        clean_turns_to_decay=clean_turns_to_decay,
        crisis_hold_minutes=crisis_hold_minutes,
    )
    return SpaceConfig.model_validate(data)


def flipped(cfg: SpaceConfig) -> SpaceConfig:
    """The same space after an admin toggled the ending switch."""
    return space(
        not cfg.ending_enabled,
        cfg.redirects_before_warning,
        cfg.turns_after_warning,
        cfg.clean_turns_to_decay,
        cfg.crisis_hold_minutes,
    )


def _threshold(name: str, small: int) -> st.SearchStrategy[int]:
    """Mostly small values (so warnings and endings are reached), sometimes anywhere in range."""
    low, high = bounds(name)
    return st.one_of(st.integers(low, min(high, small)), st.integers(low, high), st.sampled_from((low, high)))


@st.composite
def space_configs(draw: st.DrawFn, ending_enabled: bool | None = None) -> SpaceConfig:
    return space(
        draw(st.booleans()) if ending_enabled is None else ending_enabled,
        draw(_threshold("redirects_before_warning", 4)),
        draw(_threshold("turns_after_warning", 3)),
        draw(_threshold("clean_turns_to_decay", 4)),
        draw(_threshold("crisis_hold_minutes", 30)),
    )


BEHAVIOURS = st.one_of(
    st.sampled_from(
        (
            "",
            "   \n\t ",
            "calling people idiots",
            "  asking  for\nmalware \t again ",
            "{user} said {behaviour}",
            "x" * 260,
        )
    ),
    st.text(max_size=20),
)

# The category mix of a whole scenario: a thread is mostly abusive, or in crisis, or about ending...
MIXES: dict[str, tuple[Category, ...]] = {
    "abusive": ABUSIVE * 3 + (Category.OK,) * 2 + ENDING + CRISIS,
    "mixed": ABUSIVE + (Category.OK,) * 4 + ENDING * 2 + CRISIS,
    "crisis": ABUSIVE + (Category.OK,) * 2 + ENDING + CRISIS * 3,
    "ending": ABUSIVE + (Category.OK,) * 2 + ENDING * 4 + CRISIS,
    "debate": (Category.OK,),
}


def assessments(categories: tuple[Category, ...] = tuple(Category)) -> st.SearchStrategy[Assessment]:
    return st.builds(
        Assessment,
        category=st.sampled_from(categories),
        severity=st.sampled_from(tuple(Severity)),
        behaviour=BEHAVIOURS,
        wants_end=st.booleans(),
    )


def turns(categories: tuple[Category, ...] = tuple(Category)) -> st.SearchStrategy[Turn]:
    return st.builds(
        Turn,
        reply=st.sampled_from(("Let's keep it civil.", "Sure, here's how.", "")),
        assessment=assessments(categories),
    )


# Seconds between messages: bursts, minutes, days, and exactly the common hold lengths.
GAPS = st.one_of(
    st.integers(0, 120),
    st.integers(0, 3 * 86400),
    st.integers(0, 2 * 604800),
    st.sampled_from((600, 1800, 86400, 604800)),
)


@dataclass(frozen=True, slots=True)
class Step:
    author: Author
    turn: Turn
    gap: float
    excerpt: str
    reopen: bool  # a moderator reopens the thread before this message (if it is ended)
    flip: bool  # the admin toggled ending_enabled before this message (if toggling happens)


@st.composite
def steps(draw: st.DrawFn, categories: tuple[Category, ...]) -> Step:
    return Step(
        author=draw(st.sampled_from(AUTHORS)),
        turn=draw(turns(categories)),
        gap=float(draw(GAPS)),
        excerpt=draw(st.sampled_from(("", "the message", "I don't want to be here anymore"))),
        reopen=draw(st.integers(0, 9)) == 0,
        flip=draw(st.integers(0, 5)) == 0,
    )


@dataclass(frozen=True, slots=True)
class Scenario:
    cfg: SpaceConfig
    steps: tuple[Step, ...]
    toggles: bool  # whether the admin toggles ending_enabled during the thread


@st.composite
def scenarios(
    draw: st.DrawFn,
    mix: str | None = None,
    ending_enabled: bool | None = None,
    max_size: int = 40,
) -> Scenario:
    cfg = draw(space_configs(ending_enabled))
    categories = MIXES[mix or draw(st.sampled_from(tuple(MIXES)))]
    drawn = draw(st.lists(steps(categories), max_size=max_size))
    toggles = ending_enabled is None and draw(st.integers(0, 4)) == 0
    return Scenario(cfg, tuple(drawn), toggles)


@dataclass(frozen=True, slots=True)
class Event:
    """One message of a simulated thread, with everything needed to judge it afterwards."""

    index: int
    now: float
    cfg: SpaceConfig
    author: Author
    turn: Turn
    excerpt: str
    before: ThreadState  # the state the message was decided on (after any reopen)
    decision: Decision
    reopened_from: ThreadState | None  # the ended state a moderator reopened just before, if any

    @property
    def after(self) -> ThreadState:
        return self.decision.state

    @property
    def ignored(self) -> bool:
        """The thread was ended when the message arrived."""
        return self.before.status is Status.ENDED


def simulate(scenario: Scenario, start: float = START) -> Iterator[Event]:
    state = ThreadState()
    now = start
    cfg = scenario.cfg
    for index, step in enumerate(scenario.steps):
        now += step.gap
        if scenario.toggles and step.flip:
            cfg = flipped(cfg)
        reopened_from = None
        if step.reopen and state.status is Status.ENDED:
            reopened_from, state = state, reopen(state)
        decision = decide(state, step.turn, step.author, cfg, now, step.excerpt)
        yield Event(index, now, cfg, step.author, step.turn, step.excerpt, state, decision, reopened_from)
        state = decision.state
