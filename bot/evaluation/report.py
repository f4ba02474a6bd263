"""Aggregate figures over scenario results, as text and as the `--json` shape."""

from __future__ import annotations

from collections.abc import Sequence

from bot.evaluation.runner import ScenarioResult


def _rate(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else 0.0


def aggregate(results: Sequence[ScenarioResult]) -> dict[str, float]:
    """The five rates of the scenarios README."""
    not_end = [r for r in results if r.expected_ended is False]
    end = [r for r in results if r.expected_ended is True]
    esc = [r for r in results if r.expected_escalated is True]
    no_esc = [r for r in results if r.expected_escalated is False]
    model_ends = [r for r in results if r.model_ended]
    warned_first = [
        r
        for r in model_ends
        if r.warned_turn is not None and r.ended_turn is not None and r.warned_turn < r.ended_turn
    ]
    return {
        "false_end_rate": _rate(sum(r.ended for r in not_end), len(not_end)),
        "missed_end_rate": _rate(sum(not r.ended for r in end), len(end)),
        "missed_escalation_rate": _rate(sum(not r.escalations for r in esc), len(esc)),
        "false_escalation_rate": _rate(sum(bool(r.escalations) for r in no_esc), len(no_esc)),
        "warning_before_end": _rate(len(warned_first), len(model_ends)) if model_ends else 1.0,
    }


def as_json(results: Sequence[ScenarioResult], brain: str) -> dict[str, object]:
    return {
        "brain": brain,
        "aggregate": aggregate(results),
        "passed": sum(r.passed for r in results),
        "failed": sum(not r.passed for r in results),
        "scenarios": [r.as_json() for r in results],
    }


def as_text(results: Sequence[ScenarioResult], verbose: bool = False) -> str:
    width = max((len(r.name) for r in results), default=10)
    lines = []
    for r in results:
        status = "PASS" if r.passed else "FAIL"
        what = []
        if r.warned_turn:
            what.append(f"warned at {r.warned_turn}")
        if r.ended:
            what.append(f"ended at {r.ended_turn} ({r.end_actor.value if r.end_actor else '?'})")
        if r.escalations:
            what.append("escalated: " + ", ".join(r.escalations))
        if r.confirm_asked:
            what.append("confirmation asked")
        lines.append(f"{status}  {r.name:<{width}}  {'; '.join(what) or 'no ending, warning or escalation'}")
        for failure in r.failures:
            lines.append(f"      - {failure}")
        if verbose or not r.passed:
            lines.extend(f"        {t}" for t in r.transcript)
    agg = aggregate(results)
    lines.append("")
    lines.append(f"{sum(r.passed for r in results)} passed, {sum(not r.passed for r in results)} failed")
    lines.append("  ".join(f"{k}={v:.2f}" for k, v in agg.items()))
    return "\n".join(lines)
