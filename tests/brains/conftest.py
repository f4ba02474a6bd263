"""Fixtures: the fake Messages API, the anthropic brain pointed at it, and the real engine around it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.brains.anthropic import AnthropicBrain, CircuitBreaker, make_client
from bot.brains.offline import OfflineBrain
from bot.core.actions import Action
from bot.core.config import AppConfig, load_app_config
from bot.core.domain import Inbound
from bot.core.engine import Engine, Outcome
from bot.core.ports import Store
from bot.safety import LocalSafetyNet
from bot.settings import Settings
from tests.brains.fake_api import FakeAnthropic

START = 1_800_000_000.0


class Clock:
    """Wall-clock stand-in shared by the engine, the brain and the breaker."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def configure(app: AppConfig, **brain: Any) -> AppConfig:
    """`app` with `[brain]` settings replaced (validated like the TOML file)."""
    merged = app.brain.model_copy(update=brain)
    return app.model_copy(update={"brain": type(app.brain).model_validate(merged.model_dump())})


MODEL = "claude-sonnet-4-6"  # a current model on the default ending list


def quick(app: AppConfig) -> AppConfig:
    """Short timeouts for tests, and a model the SDK does not warn about."""
    app = app.model_copy(update={"space": app.space.model_copy(update={"model": MODEL})})
    return configure(app, request_timeout_seconds=2.0, max_retries=2)


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    server = FakeAnthropic()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def app() -> AppConfig:
    return quick(load_app_config())


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_brain(
    fake: FakeAnthropic, app: AppConfig, clock: Clock, breaker: CircuitBreaker | None = None
) -> AnthropicBrain:
    settings = Settings(anthropic_api_key="test-key", anthropic_base_url=fake.url, redis_url=None)
    client = make_client(settings, app.brain)
    return AnthropicBrain(client, app.brain, clock=clock, breaker=breaker)


@dataclass
class Thread:
    """One conversation through the real engine: say something, get what the members would see."""

    engine: Engine
    brain: AnthropicBrain
    clock: Clock
    thread: str = "t1"
    space: str = "s1"
    count: int = 0
    seen: list[Outcome] = field(default_factory=list)

    async def say(self, text: str, author: str = "ana") -> Outcome:
        self.count += 1
        self.clock.advance(60)
        outcome = await self.engine.handle(
            Inbound(
                platform="test",
                space_id=self.space,
                thread_id=self.thread,
                channel_id="c1",
                author_id=author,
                author_name=author,
                message_id=f"{self.thread}-{self.count}",
                text=text,
            )
        )
        self.seen.append(outcome)
        return outcome


MakeThread = Callable[..., Thread]


@pytest.fixture
async def make_thread(
    store: Store, fake: FakeAnthropic, clock: Clock
) -> AsyncIterator[Callable[..., Thread]]:
    brains: list[AnthropicBrain] = []

    def make(
        app: AppConfig, breaker: CircuitBreaker | None = None, thread: str = "t1", space: str = "s1"
    ) -> Thread:
        brain = make_brain(fake, app, clock, breaker)
        brains.append(brain)
        engine = Engine(store, brain, LocalSafetyNet(), app, fallback=OfflineBrain(), clock=clock)
        return Thread(engine, brain, clock, thread, space)

    yield make
    for brain in brains:
        await brain.aclose()


def kinds(outcome: Outcome) -> list[str]:
    """The actions members and moderators see, by type name (replies with their kind)."""
    names = []
    for action in outcome.actions:
        kind = getattr(action, "kind", None)
        names.append(f"{type(action).__name__}:{kind}" if kind else type(action).__name__)
    return names


def only(outcome: Outcome, kind: type[Action]) -> Any:
    found = [a for a in outcome.actions if isinstance(a, kind)]
    assert len(found) == 1, f"expected one {kind.__name__}, got {kinds(outcome)}"
    return found[0]
