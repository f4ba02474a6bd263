"""The shipped pattern files: every pattern compiles, anchors soundly, and no repetition can blow up."""

from __future__ import annotations

import json
import re
import time

import pytest

from bot.safety import screen
from bot.safety.normalize import alternatives, anchor_stems, compile_pattern, expand_macros, read_data

SPECS = {"crisis.json": "patterns", "abuse.json": "rules"}


def expanded_patterns() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, key in SPECS.items():
        spec = json.loads(read_data(name))
        for rule in spec[key]:
            out.append((f"{name}:{rule['id']}", expand_macros(rule["pattern"], spec["macros"])))
        for cue, pattern in spec["cues"].items():
            out.append((f"{name}:cue:{cue}", expand_macros(pattern, spec["macros"])))
    return out


def repeated_groups(pattern: str) -> list[str]:
    """Every parenthesised group that a `*`, `+` or `{m,n}` repeats, with its quantifier."""
    groups: list[str] = []
    for m in re.finditer(r"\)(?:\*|\+|\{\d*,\d*\})\??", pattern):
        depth, i = 0, m.start()
        while i >= 0:
            if pattern[i] == ")" and (i == 0 or pattern[i - 1] != "\\"):
                depth += 1
            elif pattern[i] == "(" and (i == 0 or pattern[i - 1] != "\\"):
                depth -= 1
                if depth == 0:
                    break
            i -= 1
        groups.append(pattern[i : m.end()])
    return groups


@pytest.mark.parametrize(("name", "pattern"), expanded_patterns())
def test_patterns_compile_and_macros_all_resolve(name: str, pattern: str) -> None:
    assert "{" not in re.sub(r"\{\d*,\d*\}", "", pattern), name
    compile_pattern(pattern)


@pytest.mark.parametrize(("name", "pattern"), expanded_patterns())
def test_no_repetition_backtracks_catastrophically(name: str, pattern: str) -> None:
    """Feed each repeated group a long run of each of its own phrases, then make the match fail.

    Ambiguous repetition ("and" | "and die" under a star) takes exponential time on such input; 20
    repetitions are enough to show it without hanging the suite."""
    for group in repeated_groups(pattern):
        probe = re.compile(r"(?:" + group + r")qqq")
        for piece in set(re.findall(r"[a-z]+(?: [a-z]+)*", group)):
            text = (piece + " ") * 20 + "x"
            start = time.perf_counter()
            probe.search(text)
            probe.search(" " + text)
            assert time.perf_counter() - start < 0.25, (name, group, piece)


@pytest.mark.parametrize(
    "text",
    ["die" + " and die" * 40 + " x", "write me " + "working " * 40 + "x", "you " + "stupid " * 60 + "x"],
)
def test_known_repetition_shapes_stay_linear(text: str) -> None:
    screen("warm up the shared safety net")
    start = time.perf_counter()
    screen(text)
    assert time.perf_counter() - start < 0.5


def test_every_alternative_has_anchors_or_is_few() -> None:
    """Alternatives without anchors run on every message; keep them rare so screening stays cheap."""
    unanchored = [
        (name, branch)
        for name, pattern in expanded_patterns()
        if ":cue:" not in name
        for branch in alternatives(pattern)
        if anchor_stems(branch) is None
    ]
    assert len(unanchored) <= 12, unanchored
