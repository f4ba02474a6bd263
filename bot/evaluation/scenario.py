"""Scenario files: scripted threads with expectations (format: shared scenarios README)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.core.errors import ScenarioError

DEFAULT_USER = "member"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScriptTurn(_Strict):
    """A member's message, or (`action: reopen`) a moderator reopening the thread."""

    text: str | None = None
    user: str = Field(DEFAULT_USER, min_length=1, max_length=64)
    action: Literal["reopen"] | None = None
    wait_minutes: float = Field(0.0, ge=0, le=60 * 24 * 365)  # time passing before this turn

    @model_validator(mode="after")
    def _one_kind(self) -> ScriptTurn:
        if (self.text is None) == (self.action is None):
            raise ValueError("a turn has either `text` or `action`")
        return self


class Expect(_Strict):
    ended: bool | None = None
    ended_by_turn: int | None = Field(None, ge=1)
    not_ended_before_turn: int | None = Field(None, ge=1)
    warned: bool | None = None
    warning_mentions: tuple[str, ...] = ()
    escalated: bool | None = None
    escalation_category: Literal["self_harm_risk", "violence_risk"] | None = None
    confirm_asked: bool | None = None
    replies_after_end: int | None = Field(None, ge=0)


class Scenario(_Strict):
    name: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    description: str = ""
    config: dict[str, Any] = Field(default_factory=dict)
    turns: tuple[ScriptTurn, ...] = Field(min_length=1)
    expect: Expect = Expect()
    source: str = Field("", exclude=True)


def _read_yaml(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not valid UTF-8 at byte {exc.start}; save the file as UTF-8") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from None


def _scenarios_in(path: Path) -> list[Scenario]:
    data = _read_yaml(path)
    items = data.get("scenarios") if isinstance(data, dict) and "scenarios" in data else [data]
    if not isinstance(items, list) or not items:
        raise ScenarioError(f"{path}: expected a scenario, or a list of them under `scenarios:`")
    found = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ScenarioError(f"{path}: scenario {index + 1} is not a mapping")
        try:
            found.append(Scenario.model_validate({**item, "source": str(path)}))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'scenario'}: {e['msg']}" for e in exc.errors()
            )
            raise ScenarioError(f"{path}: scenario {index + 1}: {problems}") from None
    return found


def load_scenarios(paths: Iterable[str | Path]) -> list[Scenario]:
    """All scenarios under the given files and folders (`*.yaml`/`*.yml`, sorted); names unique."""
    files: list[Path] = []
    for entry in map(Path, paths):
        if entry.is_dir():
            files += sorted(p for p in entry.rglob("*") if p.suffix in (".yaml", ".yml"))
        elif entry.exists():
            files.append(entry)
        else:
            raise ScenarioError(f"{entry}: no such file or folder")
    scenarios = [s for f in files for s in _scenarios_in(f)]
    if not scenarios:
        raise ScenarioError("no scenario files found in " + ", ".join(map(str, paths)))
    seen: dict[str, str] = {}
    for s in scenarios:
        if s.name in seen:
            raise ScenarioError(f"scenario name {s.name!r} is used twice ({seen[s.name]} and {s.source})")
        seen[s.name] = s.source
    return scenarios
