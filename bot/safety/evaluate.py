"""Measure the safety net on labelled data: precision, recall and F1 per category.

    python -m bot.safety.evaluate FILE.jsonl [--errors N] [--json] [--timing]
    python -m bot.safety.evaluate ConvAbuseEMNLPvalid.csv          # a ConvAbuse split, read directly
    python -m bot.safety.evaluate --convert ConvAbuseEMNLPvalid.csv -o valid.jsonl
    python -m bot.safety.evaluate ConvAbuseEMNLPvalid.csv --compare-profanity-check

With `--compare-profanity-check` the "abusive" figures of alt-profanity-check (`pip install
alt-profanity-check`; a measuring aid only, never a dependency of the bot) are printed beside ours on
the same examples. Lines that carry a "lang" field also get crisis recall and false-positive rate per
language.

A JSONL line is {"id", "text", "label"} where label is a category ("ok", "harassment", "hate",
"self_harm_risk", ...) or {"abusive": bool}; a top-level "abusive" boolean works too. Category labels
are scored one against the rest on `assess(text)["category"]`; every file also gets an "abusive"
row (any abusive category against `assess(text)["abusive"]`) and, when crisis labels occur, a
"crisis" row.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.domain import Category
from bot.safety.net import assess

_LEVELS = ("1", "0", "-1", "-2", "-3")
_EMOJI = re.compile(r"<span class='emoji-bytes' data-emoji-bytes='\[([0-9, ]+)\]'></span>")


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    text: str
    category: str | None  # None when only abusive/not is known
    abusive: bool
    lang: str | None = None
    kind: str | None = None  # e.g. "debate", "past", "fiction": hard negatives are reported per kind


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn


# --- reading ------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> Iterator[Example]:
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                yield parse_example(json.loads(line), default_id=str(n))


def parse_example(obj: dict[str, Any], default_id: str = "") -> Example:
    label = obj.get("label")
    if isinstance(label, dict):
        label = None if "abusive" in label else label.get("category")
        abusive = bool(obj["label"].get("abusive", False)) if isinstance(obj["label"], dict) else False
    if isinstance(label, str):
        category = Category(label.lower()).value
        abusive = Category(category).is_abusive
    else:
        category = None
        abusive = bool(obj.get("abusive", abusive if "label" in obj else False))
    lang, kind = obj.get("lang"), obj.get("kind")
    return Example(
        str(obj.get("id", default_id)),
        str(obj["text"]),
        category,
        abusive,
        str(lang) if lang else None,
        str(kind) if kind else None,
    )


def _decode_emoji(text: str) -> str:
    """ConvAbuse stores emoji as byte lists in HTML spans; turn them back into characters."""

    def one(m: re.Match[str]) -> str:
        try:
            return bytes(int(b) for b in m.group(1).split(",")).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return " "

    return _EMOJI.sub(one, text)


def _annotator_level(row: dict[str, str], n: int) -> int | None:
    """The level one annotator chose; repeated annotations ("1, 0") vote, the first breaks ties."""
    votes: Counter[int] = Counter()
    first: int | None = None
    for level in _LEVELS:
        cell = (row.get(f"Annotator{n}_is_abuse.{level}") or "").strip()
        if not cell:
            continue
        for k, mark in enumerate(cell.split(",")):
            if mark.strip() in ("1", "1.0"):
                votes[int(level)] += 1
                if k == 0:
                    first = int(level)
    if not votes:
        return None
    top = max(votes.values())
    leaders = [lv for lv, c in votes.items() if c == top]
    return first if first in leaders else leaders[0]


def convabuse_examples(path: Path) -> Iterator[Example]:
    """A ConvAbuse split: the user turn is the text; abusive when most annotators chose -1, -2 or -3."""
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            levels = [lv for n in range(1, 9) if (lv := _annotator_level(row, n)) is not None]
            if not levels:
                continue
            abusive = sum(1 for lv in levels if lv < 0) * 2 > len(levels)
            yield Example(row["example_id"], _decode_emoji(row["user"]), None, abusive)


def load(path: Path) -> list[Example]:
    if path.suffix == ".csv":
        return list(convabuse_examples(path))
    return list(read_jsonl(path))


# --- scoring ------------------------------------------------------------------------------------


def evaluate(examples: Iterable[Example]) -> tuple[list[Row], list[tuple[Example, dict[str, Any]]], float]:
    """Rows per category, the misclassified examples with their assessment, and mean µs per message."""
    counts: dict[str, list[int]] = {}
    errors: list[tuple[Example, dict[str, Any]]] = []
    elapsed = 0.0
    n = 0
    has_crisis = False

    def tally(name: str, gold: bool, pred: bool) -> None:
        c = counts.setdefault(name, [0, 0, 0])
        c[0] += gold and pred
        c[1] += pred and not gold
        c[2] += gold and not pred

    assess("")  # build the shared safety net before timing anything
    for ex in examples:
        t0 = time.perf_counter()
        got: dict[str, Any] = dict(assess(ex.text))
        elapsed += time.perf_counter() - t0
        n += 1
        wrong = bool(got["abusive"]) != ex.abusive
        tally("abusive", ex.abusive, bool(got["abusive"]))
        if ex.category is not None:
            pred = str(got["category"])
            for name in {ex.category, pred} - {"ok"}:
                tally(name, ex.category == name, pred == name)
            gold_crisis = Category(ex.category).is_crisis
            has_crisis = has_crisis or gold_crisis
            tally("crisis", gold_crisis, got["crisis"] is not None)
            wrong = wrong or pred != ex.category
        if wrong:
            errors.append((ex, got))
    rows = [Row(name, *c) for name, c in sorted(counts.items()) if name != "crisis" or has_crisis]
    return rows, errors, (elapsed / n * 1e6 if n else 0.0)


@dataclass(frozen=True, slots=True)
class LanguageRow:
    """Crisis detection in one language: how many crises were caught, how many others were flagged."""

    lang: str
    positives: int
    caught: int
    negatives: int
    flagged: int

    @property
    def recall(self) -> float:
        return self.caught / self.positives if self.positives else 0.0

    @property
    def false_positive_rate(self) -> float:
        return self.flagged / self.negatives if self.negatives else 0.0


def crisis_flags(examples: Iterable[Example]) -> dict[str, bool]:
    """Whether the net flags each text as a crisis: screened once, for all the crisis figures."""
    return {
        ex.text: assess(ex.text)["crisis"] is not None
        for ex in examples
        if ex.category is not None and (ex.lang is not None or ex.kind is not None)
    }


def crisis_by_language(
    examples: Iterable[Example], flags: Mapping[str, bool] | None = None
) -> list[LanguageRow]:
    """Per "lang" field: crisis recall on crisis-labelled lines, crisis flags on the others."""
    examples = list(examples)
    flagged_by_text = crisis_flags(examples) if flags is None else flags
    counts: dict[str, list[int]] = {}
    for ex in examples:
        if ex.lang is None or ex.category is None:
            continue
        c = counts.setdefault(ex.lang, [0, 0, 0, 0])
        flagged = flagged_by_text[ex.text]
        if Category(ex.category).is_crisis:
            c[0] += 1
            c[1] += flagged
        else:
            c[2] += 1
            c[3] += flagged
    return [LanguageRow(lang, *c) for lang, c in sorted(counts.items())]


def crisis_by_kind(
    examples: Iterable[Example], flags: Mapping[str, bool] | None = None
) -> dict[str, tuple[int, int]]:
    """Per "kind" of line (crisis kinds and hard-negative kinds alike): (lines, flagged as crisis).
    For a crisis kind the share flagged is recall; for any other it is the false-positive rate."""
    examples = list(examples)
    flagged_by_text = crisis_flags(examples) if flags is None else flags
    counts: dict[str, list[int]] = {}
    for ex in examples:
        if ex.kind is None or ex.category is None:
            continue
        name = f"{'crisis' if Category(ex.category).is_crisis else 'ok'}/{ex.kind}"
        c = counts.setdefault(name, [0, 0])
        c[0] += 1
        c[1] += flagged_by_text[ex.text]
    return {name: (c[0], c[1]) for name, c in sorted(counts.items())}


def format_languages(rows: list[LanguageRow]) -> str:
    lines = [f"{'lang':<6} {'crises':>6} {'recall':>7} {'others':>6} {'FP rate':>8}"]
    for r in rows:
        lines.append(
            f"{r.lang:<6} {r.positives:6d} {r.recall:7.3f} {r.negatives:6d} {r.false_positive_rate:8.3f}"
        )
    return "\n".join(lines)


def profanity_check_row(examples: list[Example]) -> tuple[Row, float]:
    """alt-profanity-check's "abusive" figures on the same examples, and its mean µs per message
    (one call per message, as the bot would make). Raises ImportError with advice if not installed."""
    try:
        from profanity_check import predict  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError as exc:
        raise ImportError(
            "alt-profanity-check is not installed; it is only a yardstick, not a dependency. "
            "Install it into this environment to compare: pip install alt-profanity-check"
        ) from exc
    predict(["warm up"])
    tp = fp = fn = 0
    elapsed = 0.0
    for ex in examples:
        t0 = time.perf_counter()
        pred = bool(predict([ex.text])[0])
        elapsed += time.perf_counter() - t0
        tp += ex.abusive and pred
        fp += pred and not ex.abusive
        fn += ex.abusive and not pred
    return Row("alt-profanity-check", tp, fp, fn), (elapsed / len(examples) * 1e6 if examples else 0.0)


def format_rows(rows: list[Row]) -> str:
    lines = [f"{'category':<20} {'P':>6} {'R':>6} {'F1':>6} {'support':>8} {'tp':>5} {'fp':>5} {'fn':>5}"]
    for r in rows:
        figures = f"{r.precision:6.3f} {r.recall:6.3f} {r.f1:6.3f}"
        lines.append(f"{r.name:<20} {figures} {r.support:8d} {r.tp:5d} {r.fp:5d} {r.fn:5d}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.safety.evaluate", description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path, help="JSONL examples, or a ConvAbuse CSV split")
    parser.add_argument(
        "--convert", action="store_true", help="write the file as JSONL instead of scoring it"
    )
    parser.add_argument("-o", "--output", type=Path, help="where --convert writes (default: stdout)")
    parser.add_argument(
        "--errors", type=int, default=0, metavar="N", help="print up to N misclassified examples"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--timing", action="store_true", help="also print mean microseconds per message")
    parser.add_argument(
        "--compare-profanity-check",
        action="store_true",
        help="also score alt-profanity-check on the same examples (must be installed separately)",
    )
    args = parser.parse_args(argv)
    examples = load(args.file)
    if args.convert:
        out = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
        for ex in examples:
            line: dict[str, str | bool] = {"id": ex.id, "text": ex.text}
            line.update({"label": ex.category} if ex.category else {"abusive": ex.abusive})
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        if args.output:
            out.close()
        return 0
    rows, errors, micros = evaluate(examples)
    flags = crisis_flags(examples)
    languages = crisis_by_language(examples, flags)
    kinds = crisis_by_kind(examples, flags)
    baseline: tuple[Row, float] | None = None
    if args.compare_profanity_check:
        try:
            baseline = profanity_check_row(examples)
        except ImportError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if args.json:
        figures: dict[str, Any] = {
            r.name: {"precision": r.precision, "recall": r.recall, "f1": r.f1, "support": r.support}
            for r in rows
        }
        figures["examples"] = len(examples)
        if args.timing:
            figures["us_per_message"] = micros
        if languages:
            figures["crisis_by_language"] = {
                r.lang: {
                    "recall": r.recall,
                    "false_positive_rate": r.false_positive_rate,
                    "positives": r.positives,
                    "negatives": r.negatives,
                }
                for r in languages
            }
        if kinds:
            figures["crisis_flags_by_kind"] = {
                name: {"lines": n, "flagged": k, "rate": k / n} for name, (n, k) in kinds.items()
            }
        if baseline is not None:
            other, other_micros = baseline
            figures["alt-profanity-check"] = {
                "precision": other.precision,
                "recall": other.recall,
                "f1": other.f1,
                "support": other.support,
                "us_per_message": other_micros,
            }
        print(json.dumps(figures, indent=2))
    else:
        print(f"{len(examples)} examples from {args.file}")
        print(format_rows(rows))
        if args.timing:
            print(f"mean {micros:.1f} µs per message")
        if languages:
            print("crisis per language")
            print(format_languages(languages))
        if kinds:
            print("flagged as crisis per kind (recall for crisis/*, false positives for ok/*)")
            for name, (n, k) in kinds.items():
                print(f"  {name:<28} {k:4d}/{n:<4d} {k / n:6.3f}")
        if baseline is not None:
            other, other_micros = baseline
            ours = next(r for r in rows if r.name == "abusive")
            print("side by side (abusive)")
            print(format_rows([Row("threadkeeper", ours.tp, ours.fp, ours.fn), other]))
            print(f"mean µs per message: threadkeeper {micros:.1f}, alt-profanity-check {other_micros:.1f}")
    for ex, got in errors[: args.errors]:
        gold = ex.category or ("abusive" if ex.abusive else "ok")
        print(f"[{ex.id}] gold={gold} got={got['category']} score={got['score']}: {ex.text[:160]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
