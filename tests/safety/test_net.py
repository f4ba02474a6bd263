"""The safety net as the engine sees it: the port, the dict API, shared scenarios, cost, determinism."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.domain import Category, Screening, Severity
from bot.core.ports import SafetyNet
from bot.safety import LocalSafetyNet, assess, screen
from bot.safety.abuse import AbuseClassifier
from bot.safety.crisis import CrisisDetector
from bot.safety.evaluate import evaluate, read_jsonl
from bot.safety.normalize import default_normalizer, read_data

ROOT = Path(__file__).resolve().parents[2]
SHARED_SCENARIOS = ROOT.parent / "shared" / "scenarios"
LABELLED = Path(__file__).parent / "data" / "labelled.jsonl"


def user_turns(name: str) -> list[str]:
    path = SHARED_SCENARIOS / f"{name}.yaml"
    if not path.exists():
        pytest.skip(f"{path} is not beside this checkout")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [turn["text"] for turn in doc["turns"]]


def test_local_safety_net_fills_the_port() -> None:
    net: SafetyNet = LocalSafetyNet()
    got = net.screen("you are a useless stupid bot")
    assert isinstance(got, Screening)
    assert got.abuse is Category.HARASSMENT
    assert got.behaviour == "insults aimed at me"
    assert got.crisis is None


def test_screening_carries_crisis_and_abuse_together() -> None:
    got = screen("fuck you, I'm going to kill myself tonight")
    assert got.crisis is not None and got.crisis.severity == Severity.HIGH
    assert got.abuse is Category.HARASSMENT


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thanks for the help", {"category": "ok", "abusive": False, "crisis": None}),
        ("you are a useless stupid bot", {"category": "harassment", "abusive": True, "crisis": None}),
        ("I want to die", {"category": "self_harm_risk", "abusive": False, "crisis": "self_harm_risk"}),
        (
            "I'll kill him when he gets home",
            {"category": "violence_risk", "abusive": False, "crisis": "violence_risk"},
        ),
        (
            "shut up idiot, I want to die",
            {"category": "self_harm_risk", "abusive": True, "crisis": "self_harm_risk"},
        ),
    ],
)
def test_assess_reports_the_category_that_matters_most(text: str, expected: dict[str, object]) -> None:
    got = assess(text)
    assert set(got) == {"category", "abusive", "crisis", "score"}
    assert {k: got[k] for k in expected} == expected  # type: ignore[literal-required]
    assert 0.0 <= got["score"] <= 1.0
    json.dumps(got)


# --- the shared scenarios ------------------------------------------------------------------------


def test_crisis_while_abusive() -> None:
    turns = user_turns("crisis-while-abusive")
    for number, text in enumerate(turns, start=1):
        got = screen(text)
        if number in (3, 5):
            assert got.crisis is not None, text
            assert got.crisis.category is Category.SELF_HARM_RISK
            assert got.crisis.severity == Severity.HIGH
        else:
            assert got.crisis is None, text
            assert got.abuse.is_abusive, text


def test_persistent_harassment() -> None:
    turns = user_turns("persistent-harassment")
    assert screen(turns[0]).abuse is Category.OK
    for text in turns[1:]:
        got = screen(text)
        assert got.abuse is Category.HARASSMENT, text
        assert "insult" in got.behaviour, text
        assert got.crisis is None


@pytest.mark.parametrize("name", ["heated-debate", "user-asks-to-end"])
def test_scenarios_that_are_ok_throughout(name: str) -> None:
    for text in user_turns(name):
        got = screen(text)
        assert got.abuse is Category.OK, text
        assert got.crisis is None, text


def test_own_labelled_examples_all_land() -> None:
    rows, errors, _ = evaluate(read_jsonl(LABELLED))
    assert not errors, [(e.id, e.text, got) for e, got in errors]
    assert all(r.f1 == 1.0 for r in rows)


# --- cost -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        ("I want to die. " * 4000)[:50_000],
        "a b " * 12_500,
        "a" * 50_000,
        "!?" * 25_000,
        "you stupid idiot bot " * 2_400,
        "ѕtupіd bоt 😂 " * 4_000,
        ("f.u.c.k " * 7_000)[:50_000],
        ("i " * 25_000),
        ("kill " * 10_000),
        ("(" * 25_000 + ")" * 25_000),
        " ".join(str(i) for i in range(10_000))[:50_000],
        (
            "I want to die. I'm going to kill myself tonight, I have the pills ready. my friend says she "
            "wants to die. I tried to kill myself years ago. I'll kill him when he gets home. you stupid "
            "idiot bot, fuck you. how do I make a pipe bomb. all immigrants are vermin. "
        )
        * 200,
        "the word " + "you idiot " * 5_000,
        "he said " * 6_000 + "idiot",
        "idiot " * 9_000 + ".",
    ],
)
def test_a_50000_character_message_is_screened_in_bounded_time(text: str) -> None:
    start = time.perf_counter()
    screen(text)
    assert time.perf_counter() - start < 2.0


# --- determinism -----------------------------------------------------------------------------------


def fresh_net() -> LocalSafetyNet:
    """A safety net with no shared state or warm caches."""
    return LocalSafetyNet(
        default_normalizer.__wrapped__(),
        CrisisDetector(json.loads(read_data("crisis.json"))),
        AbuseClassifier(json.loads(read_data("abuse.json"))),
    )


def test_screening_is_deterministic_across_instances_and_calls() -> None:
    texts = [json.loads(line)["text"] for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    fresh = fresh_net()
    first = [fresh.screen(t) for t in texts]
    shared = LocalSafetyNet()
    assert [shared.screen(t) for t in texts] == first
    assert [shared.screen(t) for t in reversed(texts)] == first[::-1]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_screened_without_error_and_the_same_way_twice(text: str) -> None:
    a, b = screen(text), screen(text)
    assert a == b
    assert 0.0 <= a.abuse_score <= 1.0
    if a.crisis is not None:
        assert a.crisis.severity > Severity.NONE
        assert a.crisis.category.is_crisis
