"""The trained half of the crisis safety net: what the shipped linear model adds to the rules.

The rules decide first; they know context (fiction, recovery, games, processes) and quote the exact
phrase. The model catches what no pattern was written for, and only ever adds a signal, never
removes one: a missed crisis costs more than a moderator's glance. Its signal stands only where the
rules' reading of the context does not explain the words away (see `CrisisDetector.explains_away`).

Abuse has no model: one trained the same way on the ConvAbuse training split added more false flags
than catches on the validation split once it was kept off the "does not flag" classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from bot.core.domain import Category, CrisisSignal, Severity
from bot.safety.linear import LinearModel, load_shipped
from bot.safety.normalize import Normalized

CRISIS_MODEL = "crisis_model.json.gz"
_SURE = 0.85  # P(crisis) from which a model-only signal is MEDIUM rather than LOW
_QUOTE = 8  # tokens either side of the most telling word, quoted for moderators


class LearnedCrisis:
    """P(self-harm risk), P(violence risk) from the crisis model, as a `CrisisSignal`."""

    def __init__(self, model: LinearModel, threshold: float | None = None) -> None:
        """`threshold` overrides the one the model ships with (an operator's choice)."""
        if model.classes != ("ok", "self_harm_risk", "violence_risk"):
            raise ValueError(f"not a crisis model: classes {model.classes}")
        self.model = model
        self.threshold = model.thresholds["crisis"] if threshold is None else threshold

    def detect(self, norm: Normalized, feats: Sequence[str]) -> CrisisSignal | None:
        ok, self_harm, violence = self.model.probabilities(feats)
        risk = 1.0 - ok
        if risk < self.threshold:
            return None
        k, category = (1, Category.SELF_HARM_RISK) if self_harm >= violence else (2, Category.VIOLENCE_RISK)
        severity = Severity.MEDIUM if risk >= max(_SURE, self.threshold) else Severity.LOW
        return CrisisSignal(category, severity, self._evidence(norm, k))

    def _evidence(self, norm: Normalized, k: int) -> str:
        """The member's words around the token that weighs most towards the class."""
        tokens = norm.tokens
        if not tokens:
            return ""
        weights = self.model.weights
        best, best_weight = 0, float("-inf")
        for i, tok in enumerate(tokens):
            w = weights.get(f"u {tok}")
            if w is not None and w[k] - w[0] > best_weight:
                best, best_weight = i, w[k] - w[0]
        lo, hi = max(0, best - _QUOTE), min(len(tokens), best + _QUOTE + 1)
        start, end = norm.spans[lo][0], norm.spans[hi - 1][1]
        return " ".join(norm.source[start:end].split())[:200]


@cache
def default_learned_crisis() -> LearnedCrisis:
    return LearnedCrisis(load_shipped(CRISIS_MODEL))
