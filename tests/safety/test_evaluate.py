"""The evaluation script: reading labels, ConvAbuse majority votes, and the figures it prints."""

from __future__ import annotations

import csv
import json
import sys
import types
from pathlib import Path

import pytest

from bot.safety.crisis import detect_crisis
from bot.safety.evaluate import (
    LanguageRow,
    Row,
    convabuse_examples,
    crisis_by_kind,
    crisis_by_language,
    crisis_flags,
    evaluate,
    main,
    parse_example,
    read_jsonl,
)
from bot.safety.net import assess
from bot.safety.normalize import normalize

LEVELS = ("1", "0", "-1", "-2", "-3")


def test_labels_may_be_categories_or_abusive_flags() -> None:
    assert parse_example({"id": 1, "text": "x", "label": "harassment"}).abusive
    assert parse_example({"text": "x", "label": "self_harm_risk"}).category == "self_harm_risk"
    assert not parse_example({"text": "x", "label": "ok"}).abusive
    assert parse_example({"text": "x", "label": {"abusive": True}}).abusive
    assert parse_example({"text": "x", "abusive": True}).category is None
    with pytest.raises(ValueError):
        parse_example({"text": "x", "label": "rude"})


def write_convabuse(path: Path, rows: list[tuple[str, dict[int, str]]]) -> None:
    """A tiny file in ConvAbuse's layout: per annotator, one column per level, empty when unlabelled."""
    header = ["example_id", "conv_id", "prev_agent", "prev_user", "agent", "user", "bot"]
    header += [f"Annotator{n}_is_abuse.{lv}" for n in range(1, 9) for lv in LEVELS]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        for i, (text, votes) in enumerate(rows):
            row = {"example_id": str(i), "user": text}
            for n, level in votes.items():
                for lv in LEVELS:
                    cell = "1" if lv == level else "0"
                    row[f"Annotator{n}_is_abuse.{lv}"] = "1, 1" if cell == "1" and n == 3 else cell
            writer.writerow(row)


def test_convabuse_is_abusive_when_most_annotators_chose_a_negative_level(tmp_path: Path) -> None:
    path = tmp_path / "split.csv"
    write_convabuse(
        path,
        [
            ("you idiot", {1: "-2", 2: "-1", 5: "1"}),
            ("hello", {1: "1", 2: "1", 3: "0"}),
            ("tie", {1: "-1", 2: "1"}),
            ("ambiguous", {1: "0", 2: "-1", 3: "0"}),
            ("smile <span class='emoji-bytes' data-emoji-bytes='[240, 159, 152, 138]'></span>", {1: "1"}),
        ],
    )
    got = {e.text: e.abusive for e in convabuse_examples(path)}
    assert got == {"you idiot": True, "hello": False, "tie": False, "ambiguous": False, "smile 😊": False}


def test_rows_compute_precision_recall_and_f1() -> None:
    row = Row("x", tp=3, fp=1, fn=2)
    assert row.precision == 0.75
    assert row.recall == 0.6
    assert round(row.f1, 4) == round(2 * 0.75 * 0.6 / 1.35, 4)
    assert Row("empty", 0, 0, 0).f1 == 0.0


def test_evaluate_scores_each_category_against_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    lines = [
        {"id": "a", "text": "you are a useless stupid bot", "label": "harassment"},
        {"id": "b", "text": "I want to die", "label": "self_harm_risk"},
        {"id": "c", "text": "thanks!", "label": "ok"},
        {"id": "d", "text": "have a nice day", "label": "harassment"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    rows, errors, micros = evaluate(read_jsonl(path))
    by_name = {r.name: r for r in rows}
    assert by_name["harassment"].tp == 1 and by_name["harassment"].fn == 1
    assert by_name["self_harm_risk"].f1 == 1.0
    assert by_name["crisis"].tp == 1
    assert [e.id for e, _ in errors] == ["d"]
    assert micros > 0


def test_main_prints_figures_and_converts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "split.csv"
    write_convabuse(csv_path, [("fuck off", {1: "-2", 2: "-2"}), ("hi there", {1: "1", 2: "1"})])
    assert main([str(csv_path), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["abusive"]["f1"] == 1.0 and figures["examples"] == 2
    out = tmp_path / "split.jsonl"
    assert main([str(csv_path), "--convert", "-o", str(out)]) == 0
    assert [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()] == [
        {"id": "0", "text": "fuck off", "abusive": True},
        {"id": "1", "text": "hi there", "abusive": False},
    ]
    assert main([str(out), "--errors", "5", "--timing"]) == 0
    assert "abusive" in capsys.readouterr().out


def test_lines_with_a_language_get_crisis_figures_per_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "crisis.jsonl"
    lines = [
        {"id": "1", "lang": "en", "text": "I want to die", "label": "self_harm_risk"},
        {"id": "2", "lang": "en", "text": "how do I kill a python process", "label": "ok"},
        {"id": "3", "lang": "es", "text": "quiero morirme", "label": "self_harm_risk"},
        {"id": "4", "lang": "es", "text": "me muero de risa", "label": "ok"},
        {"id": "5", "text": "no language here", "label": "ok"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    rows = {r.lang: r for r in crisis_by_language(read_jsonl(path))}
    assert set(rows) == {"en", "es"}
    assert rows["en"].positives == 1 and rows["en"].negatives == 1
    assert rows["en"].recall == 1.0 and rows["en"].false_positive_rate == 0.0
    assert LanguageRow("xx", 0, 0, 0, 0).recall == 0.0
    assert main([str(path)]) == 0
    assert "crisis per language" in capsys.readouterr().out
    assert main([str(path), "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)["crisis_by_language"]) == {"en", "es"}


def test_the_heldout_crisis_set_covers_five_languages_with_hard_negatives() -> None:
    examples = read_jsonl(Path(__file__).parent / "data" / "crisis_heldout.jsonl")
    rows = {r.lang: r for r in crisis_by_language(examples)}
    assert set(rows) == {"en", "es", "pt", "fr", "de"}
    assert all(r.positives >= 10 and r.negatives >= 10 for r in rows.values())


def test_comparison_explains_when_alt_profanity_check_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "profanity_check", None)  # makes the import fail
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"text": "you idiot", "abusive": True}) + "\n", encoding="utf-8")
    assert main([str(path), "--compare-profanity-check"]) == 2
    assert "pip install alt-profanity-check" in capsys.readouterr().err


def test_comparison_prints_both_side_by_side(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = types.ModuleType("profanity_check")
    fake.predict = lambda texts: [int("idiot" in t) for t in texts]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "profanity_check", fake)
    path = tmp_path / "x.jsonl"
    lines = [{"text": "you idiot", "abusive": True}, {"text": "hello", "abusive": False}]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    assert main([str(path), "--compare-profanity-check"]) == 0
    out = capsys.readouterr().out
    assert "alt-profanity-check" in out and "threadkeeper" in out
    assert main([str(path), "--compare-profanity-check", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["alt-profanity-check"]["f1"] == 1.0


def test_lines_with_a_kind_get_crisis_flags_per_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "kinds.jsonl"
    lines = [
        {"text": "I want to die", "label": "self_harm_risk", "kind": "explicit"},
        {"text": "assisted dying should be legal for adults of sound mind", "label": "ok", "kind": "debate"},
        {"text": "how do I kill a python process", "label": "ok", "kind": "technical"},
        {"text": "no kind here", "label": "ok"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    assert crisis_by_kind(read_jsonl(path)) == {
        "crisis/explicit": (1, 1),
        "ok/debate": (1, 0),
        "ok/technical": (1, 0),
    }
    assert main([str(path)]) == 0
    assert "ok/debate" in capsys.readouterr().out
    assert main([str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["crisis_flags_by_kind"]["crisis/explicit"]["rate"] == 1.0


@pytest.mark.parametrize(
    ("name", "debates", "recall", "debate_flags"),
    [
        ("crisis_blind2", 200, 0.68, 0.010),
        ("crisis_blind3", 150, 0.82, 0.014),
        ("crisis_blind4", 125, 0.81, 0.008),
        ("crisis_blind5", 125, 0.83, 0.016),
        ("crisis_blind6", 200, 0.84, 0.020),
        ("crisis_blind7", 200, 0.84, 0.015),
        ("crisis_blind8", 200, 0.84, 0.010),
        ("crisis_blind9", 200, 0.81, 0.005),
    ],
)
def test_the_blind_crisis_sets_keep_their_measured_figures(
    name: str, debates: int, recall: float, debate_flags: float
) -> None:
    """Each set was measured once when it arrived, written by someone who never saw the detector or
    its training data; from then on a regression guard: recall may rise, debate flags may not."""
    examples = list(read_jsonl(Path(__file__).parent / "data" / f"{name}.jsonl"))
    flags = crisis_flags(examples)
    rows = {r.lang: r for r in crisis_by_language(examples, flags)}
    assert set(rows) == {"en", "es", "pt", "fr", "de"}
    kinds = crisis_by_kind(examples, flags)
    crises = [v for k, v in kinds.items() if k.startswith("crisis/")]
    caught = sum(k for _, k in crises) / sum(n for n, _ in crises)
    lines, flagged = kinds["ok/debate"]
    assert lines == debates
    assert caught >= recall
    assert flagged / lines <= debate_flags


def test_harmless_chat_that_borrows_crisis_words_is_rarely_flagged() -> None:
    """Half of a set of short look-alike messages (habits relapsed, launch days, haircuts, sleeping
    in) trains the model; this held-out half keeps the patterns silent and the model nearly so."""
    examples = list(read_jsonl(Path(__file__).parent / "data" / "lookalikes_heldout.jsonl"))
    assert len(examples) == 200 and {e.lang for e in examples} == {"en", "es", "pt", "fr", "de"}
    assert not any(detect_crisis(normalize(e.text)) for e in examples)
    flagged = sum(assess(e.text)["crisis"] is not None for e in examples)
    assert flagged <= 6
