"""Configuration: the defaults file, and every way an operator or an admin can get it wrong.

Every error must name the key, the value and what is allowed, in one line an admin can act on.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from annotated_types import Ge, Gt, Le
from pydantic import BaseModel

from bot.core.config import (
    OVERRIDABLE_KEYS,
    AppConfig,
    LimitsConfig,
    SpaceConfig,
    StoreConfig,
    apply_overrides,
    config_dir,
    describe,
    load_app_config,
    validate_override,
)
from bot.core.errors import ConfigError

from .strategies import THRESHOLDS, bounds

DEFAULTS = config_dir() / "default.toml"
DEFAULT_TEXT = DEFAULTS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def base() -> SpaceConfig:
    return load_app_config().space


def write(tmp_path: Path, text: str | bytes, name: str = "threadkeeper.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def with_line(key: str, value: str, text: str = DEFAULT_TEXT) -> str:
    """The defaults file with `key = value` (the key's first line replaced)."""
    changed, count = re.subn(rf"(?m)^{re.escape(key)} = .*$", f"{key} = {value}", text, count=1)
    assert count == 1, f"{key} not found in default.toml"
    return changed


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_app_config(path)
    return str(caught.value)


def override_error(base: SpaceConfig, key: str, raw: str) -> str:
    with pytest.raises(ConfigError) as caught:
        validate_override(base, key, raw)
    return str(caught.value)


# --- the defaults file --------------------------------------------------------------------------


def test_the_defaults_file_loads_with_the_documented_defaults() -> None:
    app = load_app_config()
    assert isinstance(app, AppConfig)
    assert app == load_app_config(DEFAULTS)
    space = app.space
    assert space.ending_enabled is True
    assert (
        space.redirects_before_warning,
        space.turns_after_warning,
        space.clean_turns_to_decay,
        space.crisis_hold_minutes,
    ) == (3, 1, 5, 1440)
    assert space.crisis_hold_seconds == 1440 * 60
    assert "{user}" in space.texts.warning and "{behaviour}" in space.texts.warning
    assert "{reason}" in space.texts.closing
    assert app.store == StoreConfig() and app.limits == LimitsConfig()


def test_the_defaults_file_sets_every_setting_it_documents() -> None:
    """Every overridable key appears in default.toml, so operators can see and tune it there."""
    for key in OVERRIDABLE_KEYS:
        name = key.split(".")[-1]
        assert re.search(rf"(?m)^{name} = ", DEFAULT_TEXT), f"{key} missing from default.toml"


# --- bounds -------------------------------------------------------------------------------------


def _bounded_fields() -> list[tuple[str, str, float, float, bool]]:
    """(section, key, low, high, low is exclusive) of every numeric setting with bounds."""
    sections = {name: field.annotation for name, field in AppConfig.model_fields.items()}
    out = []
    for section, model in sections.items():
        assert isinstance(model, type) and issubclass(model, BaseModel)
        for key, field in model.model_fields.items():
            meta = field.metadata
            high = next((m.le for m in meta if isinstance(m, Le)), None)
            low = next((m.ge for m in meta if isinstance(m, Ge)), None)
            above = next((m.gt for m in meta if isinstance(m, Gt)), None)
            if high is None:
                continue
            kind = field.annotation if field.annotation in (int, float) else int
            assert kind is not None
            low = kind(low if above is None else above)
            out.append((section, key, low, kind(high), above is not None))
    return out


BOUNDED = _bounded_fields()


def test_every_threshold_has_bounds() -> None:
    assert {key for section, key, *_ in BOUNDED if section == "space"} == set(THRESHOLDS)
    assert len(BOUNDED) >= len(THRESHOLDS) + 9


@pytest.mark.parametrize("key", THRESHOLDS)
def test_threshold_overrides_outside_their_bounds_name_key_value_and_rule(
    base: SpaceConfig, key: str
) -> None:
    low, high = bounds(key)
    assert override_error(base, key, str(low - 1)) == f"override: {key} = {low - 1}: must be at least {low}"
    assert override_error(base, key, str(high + 1)) == f"override: {key} = {high + 1}: must be at most {high}"
    assert getattr(validate_override(base, key, str(low)), key) == low
    assert getattr(validate_override(base, key, str(high)), key) == high


def test_the_example_from_the_admin_guide(base: SpaceConfig) -> None:
    message = override_error(base, "redirects_before_warning", "0")
    assert message.endswith("redirects_before_warning = 0: must be at least 1")


@pytest.mark.parametrize(
    ("section", "key", "low", "high", "exclusive"), BOUNDED, ids=[f"{s}.{k}" for s, k, *_ in BOUNDED]
)
def test_file_values_outside_their_bounds_name_path_key_value_and_rule(
    tmp_path: Path, section: str, key: str, low: float, high: float, exclusive: bool
) -> None:
    below = low if exclusive else low - 1
    rule = f"more than {low}" if exclusive else f"at least {low}"
    path = write(tmp_path, with_line(key, str(below)))
    assert config_error(path) == f"{path}: {section}.{key} = {below}: must be {rule}"
    path = write(tmp_path, with_line(key, str(high + 1)))
    assert config_error(path) == f"{path}: {section}.{key} = {high + 1}: must be at most {high}"
    path = write(tmp_path, with_line(key, str(high)))
    assert getattr(getattr(load_app_config(path), section), key) == high


def test_several_bad_values_are_reported_together_one_per_line(tmp_path: Path) -> None:
    text = with_line("turns_after_warning", "0", with_line("clean_turns_to_decay", "101"))
    path = write(tmp_path, text)
    lines = config_error(path).splitlines()
    assert lines == [
        f"{path}: space.turns_after_warning = 0: must be at least 1",
        f"{path}: space.clean_turns_to_decay = 101: must be at most 100",
    ]


def test_a_value_of_the_wrong_type_names_the_expected_type(tmp_path: Path) -> None:
    path = write(tmp_path, with_line("crisis_hold_minutes", '"a day"'))
    message = config_error(path)
    assert message.startswith(f"{path}: space.crisis_hold_minutes = 'a day': must be a valid integer")


# --- files that are not configuration -----------------------------------------------------------


def test_malformed_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, DEFAULT_TEXT + "\n[space\nbroken = \n")
    message = config_error(path)
    assert message.startswith(f"{path}: not valid TOML: ")
    assert "line" in message


def test_invalid_utf8_names_the_file_and_the_byte(tmp_path: Path) -> None:
    raw = b'[space]\nmodel = "caf\xe9"\n'
    path = write(tmp_path, raw)
    assert config_error(path) == f"{path}: not valid UTF-8 at byte {raw.index(0xE9)}"


def test_a_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    message = config_error(path)
    assert message.startswith(f"{path}: cannot read the configuration file")


def test_an_unknown_key_in_the_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, with_line("ending_enabled", 'true\ncolour = "red"'))
    assert config_error(path) == f"{path}: space.colour = 'red': is not a known setting"


def test_a_missing_text_is_required(tmp_path: Path) -> None:
    text, count = re.subn(r"(?m)^reopened = .*$", "", DEFAULT_TEXT)
    assert count == 1
    path = write(tmp_path, text)
    assert config_error(path) == f"{path}: space.texts.reopened = (missing): is required"


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ('warning = "{user}, please stop."', "must contain {behaviour}"),
        ('warning = "Please stop {behaviour}."', "must contain {user}"),
        ('warning = "Stop."', "must contain {user}, {behaviour}"),
        ('closing = "Goodbye."', "must contain {reason}"),
        ('message_truncated = "Too long ({length})."', "must contain {limit}"),
    ],
)
def test_texts_without_their_placeholders_are_refused_in_the_file(
    tmp_path: Path, line: str, rule: str
) -> None:
    key, value = line.split(" = ", 1)
    path = write(tmp_path, with_line(key, value))
    assert config_error(path) == f"{path}: space.texts.{key} = {value.replace(chr(34), chr(39))}: {rule}"


def test_the_warning_override_must_name_the_behaviour(base: SpaceConfig) -> None:
    assert override_error(base, "texts.warning", "{user}, stop it.") == (
        "override: texts.warning = '{user}, stop it.': must contain {behaviour}"
    )
    message = override_error(base, "texts.warning", "{user}: {behaviour} in {channel}")
    assert message.startswith("override: texts.warning = '{user}: {behaviour} in {channel}': ")
    assert "may only use the placeholders {user}, {behaviour}" in message
    custom = validate_override(base, "texts.warning", "Hey {user}, {behaviour} stops now.")
    assert custom.texts.warning == "Hey {user}, {behaviour} stops now."
    assert custom.texts.closing == base.texts.closing


def test_an_empty_text_override_is_refused(base: SpaceConfig) -> None:
    message = override_error(base, "texts.ending_disabled", "")
    assert message.startswith("override: texts.ending_disabled = '': ")
    assert "at least 1 character" in message


# --- admin overrides ----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["off", "OFF", " no ", "false", "0", "disabled", "disable"])
def test_boolean_overrides_understand_off(base: SpaceConfig, raw: str) -> None:
    assert validate_override(base, "ending_enabled", raw).ending_enabled is False


@pytest.mark.parametrize("raw", ["on", "Yes", "true", "1", "enabled", " enable "])
def test_boolean_overrides_understand_on(base: SpaceConfig, raw: str) -> None:
    off = validate_override(base, "ending_enabled", "off")
    assert validate_override(off, "ending_enabled", raw).ending_enabled is True


def test_a_boolean_override_that_is_not_a_boolean_is_refused(base: SpaceConfig) -> None:
    message = override_error(base, "ending_enabled", "maybe")
    assert message.startswith("override: ending_enabled = 'maybe': must be a valid boolean")


def test_integer_overrides_are_parsed(base: SpaceConfig) -> None:
    assert validate_override(base, "turns_after_warning", "7").turns_after_warning == 7
    assert validate_override(base, "redirects_before_warning", " 12 ").redirects_before_warning == 12
    assert validate_override(base, "crisis_hold_minutes", "10").crisis_hold_seconds == 600.0


def test_an_integer_override_that_is_not_a_number_is_refused(base: SpaceConfig) -> None:
    message = override_error(base, "clean_turns_to_decay", "seven")
    assert message.startswith("override: clean_turns_to_decay = 'seven': must be a valid integer")


@pytest.mark.parametrize(
    ("raw", "channels"),
    [("a, b", ("a", "b")), ("a b,,c ", ("a", "b", "c")), ("C123", ("C123",)), ("", ()), (" , ", ())],
)
def test_list_overrides_are_split_on_commas_and_spaces(
    base: SpaceConfig, raw: str, channels: tuple[str, ...]
) -> None:
    assert validate_override(base, "ai_channels", raw).ai_channels == channels


def test_an_unknown_override_key_lists_the_known_ones(base: SpaceConfig) -> None:
    message = override_error(base, "colour", "red")
    assert message.startswith("colour is not a setting admins can change; known settings: ")
    assert "redirects_before_warning" in message and "texts.warning" in message
    with pytest.raises(ConfigError, match=r"^override: colour is not a known setting$"):
        apply_overrides(base, {"colour": "red"})
    with pytest.raises(ConfigError, match="not a setting admins can change"):
        validate_override(base, "texts", "anything")


def test_overrides_combine_and_leave_the_base_alone(base: SpaceConfig) -> None:
    _ = base.crisis_hold_seconds  # cached on the base: must not leak into the overridden copy
    cfg = apply_overrides(
        base,
        {"ending_enabled": "off", "redirects_before_warning": "5", "crisis_hold_minutes": "60", "model": "m"},
    )
    assert (cfg.ending_enabled, cfg.redirects_before_warning, cfg.model) == (False, 5, "m")
    assert cfg.crisis_hold_seconds == 3600.0
    assert base == load_app_config().space and base.crisis_hold_seconds == 1440 * 60
    assert apply_overrides(base, {}) is base


def test_one_bad_override_among_several_is_named(base: SpaceConfig) -> None:
    with pytest.raises(ConfigError) as caught:
        apply_overrides(base, {"model": "m", "turns_after_warning": "21"})
    assert str(caught.value) == "override: turns_after_warning = 21: must be at most 20"


def test_describe_lists_every_overridable_key_as_an_admin_would_type_it(base: SpaceConfig) -> None:
    cfg = apply_overrides(base, {"ending_enabled": "off", "ai_channels": "a, b"})
    shown = describe(cfg)
    assert list(shown) == list(OVERRIDABLE_KEYS)
    assert shown["ending_enabled"] == "false" and shown["ai_channels"] == "a, b"
    assert shown["redirects_before_warning"] == "3"
    assert shown["texts.warning"] == base.texts.warning
    assert apply_overrides(base, shown) == cfg, "what `config show` prints can be typed back in"


def test_safety_settings_are_checked(tmp_path: Path) -> None:
    text = DEFAULT_TEXT.replace("# crisis_model_threshold = 0.5", "crisis_model_threshold = 1.5")
    assert "safety.crisis_model_threshold = 1.5" in config_error(write(tmp_path, text))
    lowered = DEFAULT_TEXT.replace("# crisis_model_threshold = 0.5", "crisis_model_threshold = 0.5")
    assert load_app_config(write(tmp_path, lowered)).safety.crisis_model_threshold == 0.5
    assert load_app_config().safety.crisis_model_threshold is None
    assert "safety.crisis_model" in config_error(write(tmp_path, with_line("crisis_model", '"maybe"')))
