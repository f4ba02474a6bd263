"""The shared scenarios through the anthropic brain, and through the offline fallback when it is down.

The runtime is built the way `threadkeeper eval` builds it (`build_runtime` with the evaluation's
clock and recording sink), with the anthropic brain pointed at the fake Messages API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.brains.anthropic import AnthropicBrain
from bot.core.config import load_app_config
from bot.evaluation.runner import RecordingSink, ScenarioResult, SimClock, run_scenario
from bot.evaluation.scenario import load_scenarios
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.brains.conftest import quick
from tests.brains.fake_api import FakeAnthropic, overloaded
from tests.brains.fake_model import RuleFollowingModel

SHARED = Path(__file__).resolve().parents[3] / "shared" / "scenarios"
NAMES = ("crisis-while-abusive", "heated-debate", "persistent-harassment", "user-asks-to-end")


@pytest.fixture
def shared() -> list[Path]:
    paths = [SHARED / f"{name}.yaml" for name in NAMES]
    if not all(p.exists() for p in paths):
        pytest.skip("../shared/scenarios is not beside this checkout")
    return paths


@pytest.fixture
async def runtime(fake: FakeAnthropic) -> AsyncIterator[tuple[Runtime, RecordingSink, SimClock]]:
    app = quick(load_app_config())
    sink, clock = RecordingSink(), SimClock()
    settings = Settings(redis_url=None, anthropic_api_key="test-key", anthropic_base_url=fake.url)
    built = await build_runtime(
        app, settings, sink, platform="eval", brain="anthropic", consumer="eval", clock=clock
    )
    assert isinstance(built.engine.brain, AnthropicBrain)
    try:
        yield built, sink, clock
    finally:
        await built.close()


async def replay(runtime: tuple[Runtime, RecordingSink, SimClock], paths: list[Path]) -> list[ScenarioResult]:
    built, sink, clock = runtime
    return [await run_scenario(built, sink, clock, s) for s in load_scenarios(paths)]


async def test_shared_scenarios_pass_through_the_anthropic_brain(
    fake: FakeAnthropic, runtime: tuple[Runtime, RecordingSink, SimClock], shared: list[Path]
) -> None:
    model = RuleFollowingModel()
    fake.model = model
    results = await replay(runtime, shared)
    for result in results:
        assert result.passed, (result.name, result.failures, "\n".join(result.transcript))
        assert not any("degraded" in line for line in result.transcript)
    by_name = {r.name: r for r in results}
    assert by_name["persistent-harassment"].model_ended
    assert by_name["persistent-harassment"].ended_turn == 5
    assert by_name["user-asks-to-end"].confirm_asked
    assert model.ended == 1  # it proposed exactly one ending: the one granted
    assert model.calls == sum(len(load_scenarios([p])[0].turns) for p in shared) - 3  # no call after the end


async def test_shared_scenarios_pass_through_the_offline_fallback_when_the_api_is_overloaded(
    fake: FakeAnthropic, runtime: tuple[Runtime, RecordingSink, SimClock], shared: list[Path]
) -> None:
    fake.model = lambda body: overloaded()
    results = await replay(runtime, shared)
    for result in results:
        assert result.passed, (result.name, result.failures, "\n".join(result.transcript))
    built = runtime[0]
    brain = built.engine.brain
    assert isinstance(brain, AnthropicBrain)
    # After `breaker_failures` failed turns the circuit opened: later turns did not even ask.
    failures = built.app.brain.breaker_failures
    assert len(fake.requests) == failures * (built.app.brain.max_retries + 1)
    notices = [line for r in results for line in r.transcript if "[Notice]" in line]
    assert notices and all(built.app.space.texts.brain_unavailable[:40] in line for line in notices)
