"""Configuration models: the defaults file and every admin override pass through the same models.

A bad value fails with a `ConfigError` that names the key, the value and what is allowed, so an
admin typing `/threadkeeper config set` and an operator editing TOML get the same message.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.core.errors import ConfigError

_BOT_DIR = Path(__file__).resolve().parents[1]


def config_dir() -> Path:
    """`config/` of the source tree, or its copy inside an installed wheel (`bot/_config`)."""
    for candidate in (_BOT_DIR.parent / "config", _BOT_DIR / "_config"):
        if (candidate / "default.toml").is_file():
            return candidate
    raise ConfigError(f"default.toml not found next to {_BOT_DIR}: the installation is incomplete")


Text = Annotated[str, Field(min_length=1, max_length=1900)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def _needs(template: str, *fields: str) -> str:
    missing = [f for f in fields if "{" + f + "}" not in template]
    if missing:
        raise ValueError("must contain " + ", ".join("{" + f + "}" for f in missing))
    try:
        template.format(**{f: "x" for f in fields})
    except (KeyError, IndexError, ValueError) as exc:
        allowed = ", ".join("{" + f + "}" for f in fields)
        raise ValueError(f"may only use the placeholders {allowed} (problem: {exc})") from None
    return template


class Texts(_Strict):
    """Every sentence the bot says on its own behalf (not model replies)."""

    warning: Text
    warning_without_ending: Text
    closing: Text
    user_closing: Text
    confirm_end: Text
    crisis_reply: Text
    violence_reply: Text
    crisis_followup: Text
    ending_disabled: Text
    end_refused_in_crisis: Text
    store_unavailable: Text
    brain_unavailable: Text
    message_truncated: Text
    empty_message: Text
    thread_ended: Text
    reopened: Text
    keep_talking: Text
    alert_not_allowed: Text
    branched: Text
    feedback_fair: Text
    feedback_disputed: Text
    feedback_already: Text
    feedback_not_ended: Text

    @field_validator("warning", "warning_without_ending")
    @classmethod
    def _warning_names_behaviour(cls, v: str) -> str:
        return _needs(v, "user", "behaviour")

    @field_validator("closing")
    @classmethod
    def _closing_gives_reason(cls, v: str) -> str:
        return _needs(v, "reason")

    @field_validator("message_truncated")
    @classmethod
    def _truncation_says_sizes(cls, v: str) -> str:
        return _needs(v, "length", "limit")


class SpaceConfig(_Strict):
    """Settings of one server/workspace: defaults from TOML, overridden per space by admins."""

    ending_enabled: bool = True
    redirects_before_warning: int = Field(3, ge=1, le=20)
    turns_after_warning: int = Field(1, ge=1, le=20)
    clean_turns_to_decay: int = Field(5, ge=1, le=100)
    crisis_hold_minutes: int = Field(1440, ge=10, le=10080)
    moderator_channel: str = Field("", max_length=128)
    moderator_role: str = Field("", max_length=128)
    ai_channels: tuple[str, ...] = ()
    model: str = Field("claude-sonnet-4-6", min_length=1, max_length=100)
    preamble: str = Field("", max_length=2000)
    texts: Texts

    @property
    def crisis_hold_seconds(self) -> float:
        return self.crisis_hold_minutes * 60.0


class StoreConfig(_Strict):
    thread_ttl_days: int = Field(30, ge=1, le=3650)
    ended_ttl_days: int = Field(365, ge=1, le=3650)
    transcript_max_entries: int = Field(40, ge=2, le=1000)
    dedupe_ttl_hours: int = Field(72, ge=1, le=720)
    inflight_ttl_seconds: int = Field(120, ge=5, le=3600)
    audit_max_entries: int = Field(10000, ge=100, le=10_000_000)
    outbox_max_entries: int = Field(100_000, ge=100, le=10_000_000)
    outbox_claim_idle_seconds: int = Field(60, ge=1, le=86400)
    commit_retries: int = Field(3, ge=1, le=20)


class LimitsConfig(_Strict):
    max_message_chars: int = Field(8000, ge=100, le=100_000)
    turn_deadline_seconds: float = Field(60.0, gt=0, le=600)
    excerpt_chars: int = Field(300, ge=20, le=2000)


class SafetyConfig(_Strict):
    """The local safety net's trained crisis model, for the whole deployment."""

    # Rules alone when false: fewer moderator alerts, many more missed crises (see the README).
    crisis_model: bool = True
    # None keeps the threshold the model ships with; lower catches more and pages more often.
    crisis_model_threshold: float | None = Field(None, gt=0.0, lt=1.0)


ModelPattern = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:@/*-]+$")]


class BrainConfig(_Strict):
    """The Anthropic brain: which models may end threads, request limits, history, failure handling."""

    # Models (exact names, or a prefix ending in `*`) that may be offered the ending tool.
    ending_models: tuple[ModelPattern, ...] = Field(
        ("claude-opus-4*", "claude-opus-5*", "claude-sonnet-4-5*", "claude-sonnet-4-6*", "claude-sonnet-5*"),
        max_length=50,
    )
    max_tokens: int = Field(1024, ge=64, le=8192)
    request_timeout_seconds: float = Field(20.0, gt=0, le=600)
    max_retries: int = Field(2, ge=0, le=10)
    history_tokens: int = Field(4000, ge=200, le=100_000)
    history_step_turns: int = Field(12, ge=1, le=100)
    breaker_failures: int = Field(3, ge=1, le=100)
    breaker_cooldown_seconds: float = Field(60.0, ge=1, le=3600)
    cache_ttl: Literal["5m", "1h"] = "5m"


SlackUserId = Annotated[str, Field(pattern=r"^[UW][A-Z0-9]{2,30}$")]


class SlackConfig(_Strict):
    """The Slack adapter: where `--http` listens, extra admins, the closed-thread mark, lookup caching."""

    http_host: str = Field("0.0.0.0", min_length=1, max_length=255)
    http_port: int = Field(3000, ge=1, le=65535)
    http_path: str = Field("/slack/events", pattern=r"^/[A-Za-z0-9/_.-]*$", max_length=200)
    # Slack user ids allowed to run every `/threadkeeper` command, besides workspace admins/owners.
    admin_user_ids: tuple[SlackUserId, ...] = Field((), max_length=100)
    # Emoji name added to the root message of an ended thread ("" = none).
    closed_reaction: str = Field("lock", pattern=r"^[a-z0-9_+'-]*$", max_length=100)
    # How long a users.info answer (display name, admin flag) and a user-group lookup are reused.
    users_cache_seconds: int = Field(600, ge=0, le=86400)


class DiscordConfig(_Strict):
    """The Discord adapter: thread lifetime, and how long it keeps its own bookkeeping."""

    # Minutes of inactivity before Discord hides a conversation thread (values Discord accepts).
    auto_archive_minutes: Literal[60, 1440, 4320, 10080] = 1440
    # How long a moderator alert stays editable by later signals of the same episode.
    alert_memory_days: int = Field(30, ge=1, le=365)
    # A missing permission is reported to admins once per this many days (per channel).
    permission_report_days: int = Field(7, ge=1, le=365)
    # How long a server's settings are reused to decide whether a channel is an AI channel.
    config_cache_seconds: float = Field(10.0, ge=0, le=600)


class AppConfig(_Strict):
    """The whole defaults file."""

    space: SpaceConfig
    store: StoreConfig = StoreConfig()
    limits: LimitsConfig = LimitsConfig()
    safety: SafetyConfig = SafetyConfig()
    brain: BrainConfig = BrainConfig()
    discord: DiscordConfig = DiscordConfig()
    slack: SlackConfig = SlackConfig()


def _describe_allowed(err: Mapping[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    kind = err["type"]
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = next(iter(ctx.values()), "?")
        word = {
            "greater_than_equal": "at least",
            "less_than_equal": "at most",
            "greater_than": "more than",
            "less_than": "less than",
        }[kind]
        return f"must be {word} {bound}"
    if kind == "extra_forbidden":
        return "is not a known setting"
    if kind == "missing":
        return "is required"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return str(err["msg"]).rstrip(".").replace("Input should be", "must be")


def format_validation_error(exc: ValidationError, source: str, prefix: str = "") -> ConfigError:
    """One readable line per bad key: `source: key = value: what is allowed`."""
    lines = []
    for err in exc.errors():
        key = ".".join(p for p in (prefix, *map(str, err["loc"])) if p)
        value = err.get("input")
        shown = "(missing)" if err["type"] == "missing" else repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        lines.append(f"{source}: {key} = {shown}: {_describe_allowed(err)}")
    return ConfigError("\n".join(lines))


def load_app_config(path: Path | None = None) -> AppConfig:
    """Load the defaults file (the packaged one when `path` is None) or raise `ConfigError`."""
    path = path or config_dir() / "default.toml"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration file ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid UTF-8 at byte {exc.start}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return AppConfig.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc, str(path)) from None


# --- per-space overrides -------------------------------------------------------------------------

OVERRIDABLE_KEYS: tuple[str, ...] = tuple(
    [k for k in SpaceConfig.model_fields if k != "texts"] + [f"texts.{k}" for k in Texts.model_fields]
)


def _parse_scalar(key: str, raw: str) -> Any:
    """Admins type strings; turn them into the field's type the way they would expect."""
    name = key.split(".")[-1]
    if key == "ai_channels":
        return tuple(p for p in (s.strip() for s in raw.replace(",", " ").split()) if p)
    annotation = SpaceConfig.model_fields[name].annotation if "." not in key else str
    if annotation is bool:
        low = raw.strip().lower()
        if low in ("true", "on", "yes", "1", "enabled", "enable"):
            return True
        if low in ("false", "off", "no", "0", "disabled", "disable"):
            return False
        return raw
    if annotation is int:
        try:
            return int(raw.strip())
        except ValueError:
            return raw
    return raw


def apply_overrides(base: SpaceConfig, overrides: Mapping[str, str]) -> SpaceConfig:
    """The space's effective config: `base` with admin overrides (stored as strings) on top."""
    if not overrides:
        return base
    data = base.model_dump()
    for key, raw in overrides.items():
        if key not in OVERRIDABLE_KEYS:
            raise ConfigError(f"override: {key} is not a known setting")
        value = _parse_scalar(key, raw)
        if key.startswith("texts."):
            data["texts"][key[6:]] = value
        else:
            data[key] = value
    try:
        return SpaceConfig.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc, "override") from None


def validate_override(base: SpaceConfig, key: str, raw: str) -> SpaceConfig:
    """Check one admin `config set key value`; the error names the key, the value and the rule."""
    if key not in OVERRIDABLE_KEYS:
        raise ConfigError(
            f"{key} is not a setting admins can change; known settings: " + ", ".join(OVERRIDABLE_KEYS)
        )
    return apply_overrides(base, {key: raw})


def describe(cfg: SpaceConfig) -> dict[str, str]:
    """Flat `key -> value` listing for `config show`."""
    out: dict[str, str] = {}
    for key in OVERRIDABLE_KEYS:
        if key.startswith("texts."):
            out[key] = getattr(cfg.texts, key[6:])
        else:
            value = getattr(cfg, key)
            out[key] = (
                ", ".join(value)
                if isinstance(value, tuple)
                else str(value).lower()
                if isinstance(value, bool)
                else str(value)
            )
    return out
