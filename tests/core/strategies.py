"""Hypothesis strategies for the policy: random spaces, random messages, and a simulated thread.

`scenarios()` draws a space configuration (every threshold within its allowed range) and a thread
told in phases of random messages; `relapses()` and `switching()` tell two stories on purpose
(warned, calmer, abusive again; a member confirming while an admin flips the ending switch).
`simulate` drives the thread through `decide` exactly as the engine would (state in, decision
out, state = decision.state), with an occasional moderator `reopen` of an ended thread, and
records every message so that each invariant test can check its own property over the history.
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
    return st.integers(0, 5).flatmap(
        lambda pick: (
            st.integers(low, high)
            if pick == 4
            else st.sampled_from((low, high))
            if pick == 5
            else st.integers(low, min(high, small))
        )
    )


@st.composite
def space_configs(draw: st.DrawFn, ending_enabled: bool | None = None) -> SpaceConfig:
    return space(
        draw(st.booleans()) if ending_enabled is None else ending_enabled,
        draw(_threshold("redirects_before_warning", 6)),
        draw(_threshold("turns_after_warning", 3)),
        draw(_threshold("clean_turns_to_decay", 4)),
        draw(_threshold("crisis_hold_minutes", 30)),
    )


# Behaviours as the brain reports them: missing, blank, messy whitespace, braces, too long...
BEHAVIOUR_CHOICES = (
    "",
    "calling people idiots",
    "   \n\t ",
    "  asking  for\nmalware \t again ",
    "{user} said {behaviour} {0}",
    "x" * 260,
    "slurs\u2028about\u00a0a group",
)
BEHAVIOURS = st.one_of(st.sampled_from(BEHAVIOUR_CHOICES), st.text(max_size=20))
REPLIES = ("Let's keep it civil.", "Sure, here's how.", "")
SEVERITIES = tuple(Severity)

# The category mix of a whole scenario: a thread is mostly abusive, or in crisis, or about ending...
MIXES: dict[str, tuple[Category, ...]] = {
    "abusive": ABUSIVE * 4 + (Category.OK,) * 3 + ENDING + CRISIS[:1],
    "mixed": ABUSIVE * 2 + (Category.OK,) * 4 + ENDING * 2 + CRISIS,
    "crisis": ABUSIVE + (Category.OK,) * 2 + ENDING + CRISIS * 3,
    "ending": ABUSIVE + (Category.OK,) * 2 + ENDING * 4 + CRISIS,
    "debate": (Category.OK,),
    "leaving": ENDING * 3 + (Category.OK,),
    "raging": ABUSIVE,
    "provoking": ABUSIVE,  # abusive, but the model never proposes to end
}
QUIET = frozenset({"provoking"})

# Seconds between messages: mostly bursts, sometimes hours, days or weeks (holds expire), and
# exactly the common hold lengths (a message arriving the very second a hold ends).
GAPS = (0, 1, 2, 5, 20, 60, 60, 120, 300, 599, 600, 1800, 3600, 86399, 86400, 7 * 86400, 3_000_000)


@dataclass(frozen=True, slots=True)
class Step:
    author: Author
    turn: Turn
    gap: float
    reopen: bool  # a moderator reopens the thread before this message (if it is ended)
    flip: bool  # the admin toggled ending_enabled before this message (if toggling happens)

    @property
    def excerpt(self) -> str:
        return f"{self.author.name}: {self.turn.reply}"


def _step(categories: tuple[Category, ...], quiet: bool, raw: bytes) -> Step:
    """Decodes one step from one byte per choice: a single draw per message keeps generation fast
    (and, unlike one big packed integer, every choice stays evenly spread)."""
    category, gap, author, severity, wants_end, behaviour, reply, events = raw
    seen = Assessment(
        categories[category % len(categories)],
        SEVERITIES[severity % len(SEVERITIES)],
        BEHAVIOUR_CHOICES[behaviour % len(BEHAVIOUR_CHOICES)],
        wants_end % 2 == 1 and not quiet,
    )
    return Step(
        AUTHORS[author % len(AUTHORS)],
        Turn(REPLIES[reply % len(REPLIES)], seen),
        float(GAPS[gap % len(GAPS)]),
        reopen=events % 3 == 2,
        flip=events // 3 % 4 == 3,
    )


def steps(categories: tuple[Category, ...], quiet: bool = False) -> st.SearchStrategy[Step]:
    return st.binary(min_size=8, max_size=8).map(lambda raw: _step(categories, quiet, raw))


# Built once: building strategies inside a draw is what makes generation slow.
STEPS = {mix: steps(categories, mix in QUIET) for mix, categories in MIXES.items()}


class Scenario:
    """A space and the steps of one thread (not a dataclass: Hypothesis prints it via __repr__)."""

    __slots__ = ("cfg", "steps", "toggles")

    def __init__(self, cfg: SpaceConfig, steps: tuple[Step, ...], toggles: bool) -> None:
        self.cfg = cfg
        self.steps = steps
        self.toggles = toggles  # whether the admin toggles ending_enabled during the thread

    def __repr__(self) -> str:  # short, so a falsifying example is readable
        cfg = self.cfg
        shown = ", ".join(f"{k}={getattr(cfg, k)}" for k in ("ending_enabled", *THRESHOLDS))
        lines = [f"Scenario(cfg=space({shown}), toggles={self.toggles}, steps=["]
        for s in self.steps:
            seen = s.turn.assessment
            lines.append(
                f"  +{s.gap:g}s {s.author.id} {seen.category.value} sev={seen.severity.value}"
                f" wants_end={seen.wants_end} behaviour={seen.behaviour!r} reply={s.turn.reply!r}"
                + (" [reopen]" if s.reopen else "")
                + (" [flip]" if s.flip and self.toggles else "")
            )
        return "\n".join([*lines, "])"])


@st.composite
def scenarios(
    draw: st.DrawFn,
    phases: tuple[str, ...] | None = None,
    ending_enabled: bool | None = None,
    max_size: int = 30,
) -> Scenario:
    """A space and a thread told in phases (say abuse, then calm, then abuse again, then a crisis).

    `phases` fixes the story (names of `MIXES`); by default one to four phases are drawn.
    """
    cfg = draw(space_configs(ending_enabled))
    if phases is None:
        phases = tuple(draw(st.lists(st.sampled_from(("abusive", *MIXES)), min_size=1, max_size=4)))
    drawn: list[Step] = []
    for phase in phases:
        size = draw(st.integers(0, min(16, max_size - len(drawn))))
        drawn += draw(st.lists(STEPS[phase], min_size=size, max_size=size))
    toggles = ending_enabled is None and draw(st.integers(0, 2)) == 0
    return Scenario(cfg, tuple(drawn), toggles)


@st.composite
def relapses(draw: st.DrawFn) -> Scenario:
    """Warned, calm long enough for the count to decay below the threshold, then abusive again.

    The phases are sized from the drawn thresholds, so the thread lands on the interesting counts
    instead of reaching them by luck.
    """
    low = bounds("crisis_hold_minutes")[0]
    cfg = space(
        True,
        draw(st.integers(1, 8)),
        draw(st.integers(1, 4)),
        draw(st.integers(1, 4)),
        draw(st.sampled_from((low, 1440))),
    )
    provoked = cfg.redirects_before_warning + draw(st.integers(0, 2))
    decays = draw(st.integers(max(0, provoked - cfg.redirects_before_warning + 1), provoked))
    calm = cfg.clean_turns_to_decay * decays + draw(st.integers(0, cfg.clean_turns_to_decay - 1))
    relapse = draw(st.integers(1, 10))
    drawn = [
        *draw(st.lists(STEPS["provoking"], min_size=provoked, max_size=provoked)),
        *draw(st.lists(STEPS["debate"], min_size=calm, max_size=calm)),
        *draw(st.lists(STEPS["raging"], min_size=relapse, max_size=relapse)),
    ]
    return Scenario(cfg, tuple(drawn), toggles=False)


@st.composite
def switching(draw: st.DrawFn) -> Scenario:
    """Members ask to end and confirm while an admin switches ending on and off."""
    size = draw(st.integers(1, 12))
    drawn = draw(st.lists(STEPS["leaving"], min_size=size, max_size=size))
    return Scenario(draw(space_configs()), tuple(drawn), toggles=True)


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
