"""The local safety net: the deterministic first look at every message, before any brain runs.

It has to work when the model is down, cost next to nothing per message, and never miss the signals
that oblige the bot to stay and call a human. Normalisation, crisis detection and abuse classification
are separate modules; this one puts them behind the `SafetyNet` port and a small dict API for tools.
"""

from __future__ import annotations

from typing import TypedDict

from bot.core.domain import Category, CrisisSignal, Screening
from bot.safety.abuse import AbuseClassifier, default_classifier
from bot.safety.crisis import CrisisDetector, default_detector
from bot.safety.normalize import Normalizer, default_normalizer


class Assessment(TypedDict):
    """What `assess` reports: the single category that matters most, and its parts."""

    category: str
    abusive: bool
    crisis: str | None
    score: float


class LocalSafetyNet:
    """Implements `bot.core.ports.SafetyNet` with the shipped lexicons; pure, local and fast."""

    def __init__(
        self,
        normalizer: Normalizer | None = None,
        crisis: CrisisDetector | None = None,
        abuse: AbuseClassifier | None = None,
    ) -> None:
        self._normalize = normalizer or default_normalizer()
        self._crisis = crisis or default_detector()
        self._abuse = abuse or default_classifier()

    def screen(self, text: str) -> Screening:
        norm = self._normalize(text)
        signal: CrisisSignal | None = self._crisis.detect(norm)
        verdict = self._abuse.classify(norm)
        return Screening(
            crisis=signal,
            abuse=verdict.category,
            abuse_score=verdict.score,
            behaviour=verdict.behaviour,
        )


def to_assessment(screening: Screening) -> Assessment:
    """The dict view of a screening: a crisis outranks abuse, which outranks ok."""
    crisis = screening.crisis.category.value if screening.crisis else None
    abusive = screening.abuse.is_abusive
    if crisis is not None:
        category = crisis
        score = max(screening.abuse_score, _CRISIS_SCORE[int(screening.crisis.severity)])  # type: ignore[union-attr]
    else:
        category = screening.abuse.value if abusive else Category.OK.value
        score = screening.abuse_score
    return Assessment(category=category, abusive=abusive, crisis=crisis, score=round(score, 3))


_CRISIS_SCORE = {0: 0.0, 1: 0.5, 2: 0.8, 3: 1.0}

_DEFAULT: LocalSafetyNet | None = None


def default_net() -> LocalSafetyNet:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = LocalSafetyNet()
    return _DEFAULT


def screen(text: str) -> Screening:
    """Screen `text` with the shared safety net."""
    return default_net().screen(text)


def assess(text: str) -> Assessment:
    """`{"category", "abusive", "crisis", "score"}` for `text`, for command-line tools and evaluation."""
    return to_assessment(screen(text))
