"""Choosing the brain: `make_brain`, and `threadkeeper eval --brain anthropic` against ANTHROPIC_BASE_URL."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.brains.anthropic import AnthropicBrain
from bot.cli import main
from bot.core.config import load_app_config
from bot.core.errors import ConfigError
from bot.runtime import make_brain
from bot.settings import Settings
from tests.brains.fake_api import FakeAnthropic
from tests.brains.fake_model import RuleFollowingModel

SCENARIO = Path(__file__).resolve().parents[3] / "shared" / "scenarios" / "persistent-harassment.yaml"


async def test_make_brain_builds_the_anthropic_brain_from_settings_and_config() -> None:
    app = load_app_config()
    settings = Settings(anthropic_api_key="sk-test", anthropic_base_url="http://127.0.0.1:9", redis_url=None)
    brain = make_brain("anthropic", settings, app)
    assert isinstance(brain, AnthropicBrain)
    try:
        assert brain.client.max_retries == app.brain.max_retries
        assert brain.client.timeout == app.brain.request_timeout_seconds
        assert str(brain.client.base_url).startswith("http://127.0.0.1:9")
        assert brain.client.api_key == "sk-test"
    finally:
        await brain.aclose()


def test_the_anthropic_brain_without_a_key_says_what_to_do() -> None:
    settings = Settings(anthropic_api_key=None, anthropic_base_url=None, redis_url=None)
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY"):
        make_brain("anthropic", settings, load_app_config())


async def test_eval_with_the_anthropic_brain_uses_anthropic_base_url(
    fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if not SCENARIO.exists():
        pytest.skip("../shared/scenarios is not beside this checkout")
    fake.model = RuleFollowingModel()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-eval")
    monkeypatch.delenv("REDIS_URL", raising=False)
    argv = ["eval", "--brain", "anthropic", "--json", str(SCENARIO)]
    status = await asyncio.to_thread(main, argv)  # the CLI runs its own event loop
    captured = capsys.readouterr()
    assert status == 0, captured.err
    result = json.loads(captured.out)
    assert result["scenarios"][0]["passed"] and result["scenarios"][0]["ended_turn"] == 5
    assert fake.requests and all(r.headers["authorization"] == "Bearer sk-eval" for r in fake.requests)
