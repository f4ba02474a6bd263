"""Fixtures: a local Slack, and the Slack adapter running against it on the test Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bot.core.config import AppConfig
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import SlackHarness

MakeSlack = Callable[..., Awaitable[SlackHarness]]


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def make_slack(fake_slack: FakeSlack, redis_url: str) -> AsyncIterator[MakeSlack]:
    """`await make_slack(config=None)`: the adapter on the local Slack, with its own key prefix."""
    started: list[SlackHarness] = []

    async def make(config: AppConfig | None = None) -> SlackHarness:
        harness = SlackHarness(fake_slack, redis_url, config)
        await harness.start()
        started.append(harness)
        return harness

    yield make
    for harness in started:
        await harness.close()


@pytest.fixture
async def slack(make_slack: MakeSlack) -> SlackHarness:
    return await make_slack()
