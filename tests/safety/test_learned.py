"""The shipped crisis model: it loads offline, stays small, adds what the patterns miss, defers to
the context the rules know, and can be rebuilt byte for byte from its inputs."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from bot.core.config import SafetyConfig, load_app_config
from bot.core.domain import Category, Severity
from bot.evaluation.runner import RecordingSink
from bot.runtime import build_runtime
from bot.safety import linear, train
from bot.safety.learned import CRISIS_MODEL, LearnedCrisis, default_learned_crisis
from bot.safety.net import LocalSafetyNet
from bot.safety.normalize import default_normalizer
from bot.settings import Settings

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def _bytes(name: str) -> bytes:
    return resources.files("bot.safety").joinpath("data", name).read_bytes()


def test_the_artefact_is_small_versioned_and_records_its_inputs() -> None:
    blob = _bytes(CRISIS_MODEL)
    assert len(blob) < 3_000_000
    model = linear.loads(blob)
    assert model.meta["kind"] == "crisis"
    assert model.meta["inputs"] and all(len(h) == 64 for h in model.meta["inputs"].values())
    assert model.meta["examples"] > 1000
    assert 0.0 < model.thresholds["crisis"] < 1.0


def test_a_model_file_of_another_format_or_kind_is_refused() -> None:
    data = linear.loads(_bytes(CRISIS_MODEL)).to_json()
    with pytest.raises(ValueError, match="format"):
        linear.LinearModel.from_json({**data, "format": 99})
    with pytest.raises(ValueError, match="do not match"):
        linear.LinearModel.from_json({**data, "bias": [0.0]})
    two = linear.LinearModel(("ok", "abusive"), (0.0, 0.0), {}, {"abusive": 0.5}, {})
    with pytest.raises(ValueError, match="not a crisis model"):
        LearnedCrisis(two)


def test_features_are_words_stems_and_pairs_without_punctuation() -> None:
    feats = linear.features(("i", "cannot", "continue", ",", "sorry"))
    assert feats == [
        "u i",
        "u cannot",
        "u continue",
        "u sorry",
        "p canno",
        "p conti",
        "b i cannot",
        "b cannot continue",
        "b continue sorry",
    ]


def test_probabilities_sum_to_one_and_ignore_repeated_features() -> None:
    model = default_learned_crisis().model
    text = "ya regalé mi guitarra y mis libros, no los voy a necesitar"
    feats = linear.features(default_normalizer()(text).tokens)
    once = model.probabilities(feats)
    assert abs(sum(once) - 1.0) < 1e-9
    assert once[1] > 0.5
    assert model.probabilities(feats + feats) == once


def test_one_word_is_never_enough_for_the_crisis_model() -> None:
    model = default_learned_crisis().model
    for word in ("ya", "pills", "goodbye", "adiós", "tschüss"):
        ok = model.probabilities(linear.features((word,)))[0]
        assert 1.0 - ok < default_learned_crisis().threshold, word


# Phrasings no crisis pattern covers, in five languages, caught by the model alone.
MODEL_ONLY_CRISES = [
    "i don't see myself here next month, already sorted out who gets my stuff",
    "ya regalé mi guitarra y mis libros, no los voy a necesitar",
    "dei meu violão pro meu primo, não vou precisar mais dele depois de sexta",
    "le pont près de chez moi, j'y pense tous les soirs, ce sera bientôt fini",
    "ich halte das nicht mehr aus, die tabletten liegen schon bereit",
]


@pytest.mark.parametrize("text", MODEL_ONLY_CRISES)
def test_the_crisis_model_catches_what_the_rules_miss(text: str) -> None:
    rules_only = LocalSafetyNet(learned=False).screen(text)
    both = LocalSafetyNet().screen(text)
    assert rules_only.crisis is None
    assert both.crisis is not None
    assert both.crisis.category is Category.SELF_HARM_RISK
    assert both.crisis.severity >= Severity.LOW
    assert both.crisis.evidence and both.crisis.evidence in " ".join(text.split())


@pytest.mark.parametrize(
    "text",
    [
        "in my novel the girl gives her books away and writes letters to everyone before the end",
        "two years ago I stockpiled pills and wrote letters; I'm doing a lot better now",
        "we're going to destroy them tonight, bring your best weapons to the raid",
    ],
)
def test_context_the_rules_know_overrules_the_crisis_model(text: str) -> None:
    assert LocalSafetyNet().screen(text).crisis is None


@pytest.mark.skipif(not (SHARED / "convabuse").exists(), reason="public data not beside the repo")
def test_the_crisis_model_rebuilds_byte_for_byte(capsys: pytest.CaptureFixture[str]) -> None:
    assert train.main(["--check", "--shared", str(SHARED)]) == 0
    assert "identical" in capsys.readouterr().out


def test_training_without_the_public_data_says_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert train.main(["--shared", str(tmp_path)]) == 2
    assert str(tmp_path) in capsys.readouterr().err


def _risk(text: str) -> float:
    return (
        1.0
        - default_learned_crisis().model.probabilities(linear.features(default_normalizer()(text).tokens))[0]
    )


def test_an_operator_can_move_the_threshold_or_switch_the_model_off() -> None:
    caught = "ya regalé mi guitarra y mis libros, no los voy a necesitar"
    assert LocalSafetyNet.configured(SafetyConfig()).screen(caught).crisis is not None
    assert LocalSafetyNet.configured(SafetyConfig(crisis_model=False)).screen(caught).crisis is None
    stricter = SafetyConfig(crisis_model_threshold=min(0.999, _risk(caught) + 0.001))
    assert LocalSafetyNet.configured(stricter).screen(caught).crisis is None
    # Below the shipped threshold, so only an operator who asks for more alerts gets this one.
    doubtful = "everything feels pointless lately"
    assert _risk(doubtful) < default_learned_crisis().threshold
    assert LocalSafetyNet().screen(doubtful).crisis is None
    looser = SafetyConfig(crisis_model_threshold=_risk(doubtful) - 0.001)
    assert LocalSafetyNet.configured(looser).screen(doubtful).crisis is not None


async def test_the_runtime_builds_the_net_from_the_safety_settings() -> None:
    text = "ya regalé mi guitarra y mis libros, no los voy a necesitar"
    app = load_app_config()
    settings = Settings(redis_url=None)
    for cfg, caught in ((SafetyConfig(), True), (SafetyConfig(crisis_model=False), False)):
        built = await build_runtime(
            app.model_copy(update={"safety": cfg}), settings, RecordingSink(), platform="t"
        )
        try:
            assert (built.engine.safety.screen(text).crisis is not None) is caught
        finally:
            await built.close()
