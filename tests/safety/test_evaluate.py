"""The evaluation script: reading labels, ConvAbuse majority votes, and the figures it prints."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bot.safety.evaluate import Row, convabuse_examples, evaluate, main, parse_example, read_jsonl

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
