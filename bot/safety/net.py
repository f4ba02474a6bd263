"""The local safety net: the deterministic first look at every message, before any brain runs.

It has to work when the model is down, cost next to nothing per message, and never miss the signals
that oblige the bot to stay and call a human. Normalisation, crisis detection and abuse classification
are separate modules; this one puts them behind the `SafetyNet` port and a small dict API for tools.
"""

from __future__ import annotations

from functools import cache
from typing import TypedDict

from bot.core.config import SafetyConfig
from bot.core.domain import Category, Screening, Severity
from bot.safety.abuse import AbuseClassifier, default_classifier
from bot.safety.crisis import CrisisDetector, default_detector
from bot.safety.learned import LearnedCrisis, default_learned_crisis
from bot.safety.linear import features
from bot.safety.normalize import Normalizer, default_normalizer

# How sure a crisis signal of each severity is, on the same 0..1 scale as abuse scores.
_CRISIS_SCORE = {Severity.NONE: 0.0, Severity.LOW: 0.5, Severity.MEDIUM: 0.8, Severity.HIGH: 1.0}


class Assessment(TypedDict):
    """What `assess` reports: the single category that matters most, and its parts."""

    category: str
    abusive: bool
    crisis: str | None
    score: float


class LocalSafetyNet:
    """Implements `bot.core.ports.SafetyNet` with the shipped lexicons and crisis model; pure, local
    and fast.

    Rules look first; the trained crisis model (`learned`) adds crises the patterns did not catch.
    The parts can be swapped (other lexicons, a fresh normaliser, no model with `learned=False`, the
    model's threshold with `crisis_threshold`); by default all instances share one compiled set,
    built on first use."""

    @classmethod
    def configured(cls, cfg: SafetyConfig) -> LocalSafetyNet:
        """The net as the deployment's `[safety]` settings ask for it."""
        return cls(learned=cfg.crisis_model, crisis_threshold=cfg.crisis_model_threshold)

    def __init__(
        self,
        normalizer: Normalizer | None = None,
        crisis: CrisisDetector | None = None,
        abuse: AbuseClassifier | None = None,
        *,
        learned: bool = True,
        crisis_threshold: float | None = None,
    ) -> None:
        self._normalize = normalizer or default_normalizer()
        self._crisis = crisis or default_detector()
        self._abuse = abuse or default_classifier()
        shipped = default_learned_crisis() if learned else None
        if shipped is not None and crisis_threshold is not None:
            shipped = LearnedCrisis(shipped.model, crisis_threshold)
        self._learned: LearnedCrisis | None = shipped

    def screen(self, text: str) -> Screening:
        norm = self._normalize(text)
        verdict = self._abuse.classify(norm)
        crisis = self._crisis.detect(norm)
        if crisis is None and self._learned is not None:
            crisis = self._learned.detect(norm, features(norm.tokens))
            if crisis is not None and self._crisis.explains_away(norm, crisis.category):
                crisis = None
        return Screening(
            crisis=crisis,
            abuse=verdict.category,
            abuse_score=verdict.score,
            behaviour=verdict.behaviour,
        )


def to_assessment(screening: Screening) -> Assessment:
    """The dict view of a screening: a crisis outranks abuse, which outranks ok."""
    abusive = screening.abuse.is_abusive
    signal = screening.crisis
    if signal is not None:
        score = max(screening.abuse_score, _CRISIS_SCORE[signal.severity])
        kind = signal.category.value
        return Assessment(category=kind, abusive=abusive, crisis=kind, score=round(score, 3))
    category = screening.abuse.value if abusive else Category.OK.value
    return Assessment(category=category, abusive=abusive, crisis=None, score=round(screening.abuse_score, 3))


@cache
def default_net() -> LocalSafetyNet:
    return LocalSafetyNet()


def screen(text: str) -> Screening:
    """Screen `text` with the shared safety net."""
    return default_net().screen(text)


def assess(text: str) -> Assessment:
    """`{"category", "abusive", "crisis", "score"}` for `text`, for command-line tools and evaluation."""
    return to_assessment(screen(text))
