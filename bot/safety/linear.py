"""A small linear text model: word, word-pair and word-stem features, softmax over a few classes.

Hand-written patterns catch what their authors thought of; people in crisis keep finding words
nobody wrote down. A linear model over the normalised tokens generalises from examples instead, and
stays cheap enough to run on every message: a few dozen dictionary lookups, no dependencies, and a
file of a few hundred kilobytes that loads without network. `bot.safety.train` builds the files.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise
from typing import Any

FORMAT = 1
_STEM = 5  # characters kept of longer words: a crude stemmer that works across five languages
MIN_FEATURES = 8
_SKIP = frozenset(".,!?;:\"'()[]-")


def feature_scale(n: int) -> float:
    """Each present feature's value: unit length over the features, so a long post is not surer than
    a short one, but no more than a message of `MIN_FEATURES` gets, so one word is never enough."""
    return 1.0 / math.sqrt(max(n, MIN_FEATURES))


def features(tokens: Sequence[str]) -> list[str]:
    """The features of a normalised token sequence; training and inference share this function."""
    words = [t for t in tokens if t not in _SKIP]
    out = [f"u {w}" for w in words]
    out += [f"p {w[:_STEM]}" for w in words if len(w) > _STEM]
    out += [f"b {a} {b}" for a, b in pairwise(words)]
    return out


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Weights per feature and class; `probabilities` is a softmax over the classes."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]
    thresholds: Mapping[str, float]
    meta: Mapping[str, Any]

    def probabilities(self, feats: Iterable[str]) -> tuple[float, ...]:
        present = set(feats)
        hits = [w for w in map(self.weights.get, present) if w is not None]
        scores = list(self.bias)
        if hits:
            scale = feature_scale(len(present))
            columns = zip(*hits, strict=True)  # one per class: the weights of the features present
            scores = [b + scale * sum(column) for b, column in zip(scores, columns, strict=True)]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return tuple(e / total for e in exps)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "classes": list(self.classes),
            "bias": [round(b, 5) for b in self.bias],
            "thresholds": dict(self.thresholds),
            "meta": dict(self.meta),
            "weights": {f: [round(x, 5) for x in w] for f, w in sorted(self.weights.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"model file format {data.get('format')!r}, expected {FORMAT}")
        n = len(data["classes"])
        weights = {f: tuple(float(x) for x in w) for f, w in data["weights"].items()}
        if any(len(w) != n for w in weights.values()) or len(data["bias"]) != n:
            raise ValueError("model file has weights that do not match its classes")
        return cls(
            tuple(data["classes"]),
            tuple(float(b) for b in data["bias"]),
            weights,
            {k: float(v) for k, v in data["thresholds"].items()},
            dict(data["meta"]),
        )


def dumps(model: LinearModel) -> bytes:
    """Byte-for-byte reproducible: sorted keys, rounded weights, gzip without a timestamp."""
    text = json.dumps(model.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def loads(blob: bytes) -> LinearModel:
    return LinearModel.from_json(json.loads(gzip.decompress(blob).decode("utf-8")))


def load_shipped(name: str) -> LinearModel:
    """A model shipped in `bot/safety/data/`, e.g. "crisis_model.json.gz"."""
    return loads(resources.files("bot.safety").joinpath("data", name).read_bytes())
