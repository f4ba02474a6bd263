"""Failures: SDK retries (honouring retry-after), timeouts, malformed results, the circuit breaker."""

from __future__ import annotations

import time

import pytest

from bot.brains.anthropic import CircuitBreaker, CircuitState
from bot.core.actions import End, Escalate, Notice, Reply, ReplyKind
from bot.core.config import AppConfig
from bot.core.ports import Store
from tests.brains.conftest import Clock, MakeThread, configure, kinds, only
from tests.brains.fake_api import (
    FakeAnthropic,
    end,
    error,
    hang,
    message,
    overloaded,
    rate_limited,
    respond,
    server_error,
)

DEGRADED = ["Notice:degraded", "Reply:answer"]


def state_of(breaker: CircuitBreaker) -> CircuitState:
    """The breaker's state, read afresh (the type checker would keep an earlier narrowing)."""
    return breaker.state


def degraded(outcome_kinds: list[str]) -> bool:
    return outcome_kinds[0] == "Notice:degraded"


async def test_429_is_retried_after_the_time_the_server_asks_for(
    make_thread: MakeThread, fake: FakeAnthropic, app: AppConfig
) -> None:
    fake.push(rate_limited("0.3"), message(respond("Here you go.")))
    outcome = await make_thread(app).say("hello")
    assert kinds(outcome) == ["Reply:answer"] and only(outcome, Reply).text == "Here you go."
    first, second = fake.requests
    assert 0.3 <= second.at - first.at < 2.0, second.at - first.at
    assert second.headers["x-stainless-retry-count"] == "1"


async def test_529_then_success_is_invisible_to_members(
    make_thread: MakeThread, fake: FakeAnthropic, app: AppConfig
) -> None:
    fake.push(overloaded(), overloaded(), message(respond("Sorry for the wait!")))
    outcome = await make_thread(app).say("hello")
    assert kinds(outcome) == ["Reply:answer"]
    assert len(fake.requests) == 3


async def test_529_after_every_retry_falls_back_with_an_honest_notice(
    make_thread: MakeThread, fake: FakeAnthropic, app: AppConfig, store: Store
) -> None:
    fake.push(*(overloaded() for _ in range(3)))
    outcome = await make_thread(app).say("hello")
    assert kinds(outcome) == DEGRADED
    assert only(outcome, Notice).text == app.space.texts.brain_unavailable
    assert len(fake.requests) == app.brain.max_retries + 1
    assert (await store.stats("test", "s1"))["degraded_turns"] == 1


async def test_500_is_retried_then_falls_back(
    make_thread: MakeThread, fake: FakeAnthropic, app: AppConfig
) -> None:
    thread = make_thread(app)
    fake.push(server_error(), message(respond("Recovered.")))
    assert kinds(await thread.say("first")) == ["Reply:answer"]
    fake.push(*(server_error() for _ in range(3)))
    assert kinds(await thread.say("second")) == DEGRADED
    assert len(fake.requests) == 2 + 3


async def test_a_bad_request_is_not_retried(
    make_thread: MakeThread, fake: FakeAnthropic, app: AppConfig
) -> None:
    thread = make_thread(app)
    fake.push(error(400, "invalid_request_error", "model: not found"))
    assert kinds(await thread.say("hello")) == DEGRADED
    assert len(fake.requests) == 1
    assert thread.brain.breaker.state is CircuitState.CLOSED  # the service answered: not an outage


async def test_a_request_that_times_out_is_retried_then_falls_back(
    make_thread: MakeThread, fake: FakeAnthropic, app: AppConfig
) -> None:
    short = configure(app, request_timeout_seconds=0.2, max_retries=1)
    fake.push(hang(10), hang(10))
    started = time.perf_counter()
    outcome = await make_thread(short).say("hello")
    assert kinds(outcome) == DEGRADED
    assert len(fake.requests) == 2
    assert time.perf_counter() - started < 4.0


async def test_a_turn_never_outlives_its_deadline(
    make_thread: MakeThread, fake: FakeAnthropic, app: AppConfig
) -> None:
    slow = configure(app, request_timeout_seconds=30, max_retries=0)
    slow = slow.model_copy(update={"limits": slow.limits.model_copy(update={"turn_deadline_seconds": 0.3})})
    thread = make_thread(slow)
    fake.push(hang(5))
    started = time.perf_counter()
    outcome = await thread.say("hello")
    assert time.perf_counter() - started < 2.0
    assert kinds(outcome) == DEGRADED
    assert thread.brain.breaker._failures == 1  # a missed deadline counts as a failure


async def test_malformed_input_is_sent_back_once_and_the_fix_is_used(
    make_thread: MakeThread, fake: FakeAnthropic, app: AppConfig
) -> None:
    fake.push(
        message(respond("Hi", category="rude")),
        message(respond("Hi there!")),
    )
    outcome = await make_thread(app).say("hello")
    assert kinds(outcome) == ["Reply:answer"] and only(outcome, Reply).text == "Hi there!"
    retry = fake.requests[1].json["messages"][-1]["content"]
    problem = next(b for b in retry if b["type"] == "tool_result")
    assert problem["is_error"] and "assessment.category" in problem["content"]


async def test_a_crisis_flag_that_contradicts_the_category_is_malformed(
    make_thread: MakeThread, fake: FakeAnthropic, app: AppConfig
) -> None:
    fake.push(
        message(respond("Hi", category="ok", crisis=True)),
        message(respond("I'm here.", "self_harm_risk", "high", "feels hopeless")),
    )
    outcome = await make_thread(app).say("everything feels hopeless lately")
    assert only(outcome, Reply).kind is ReplyKind.CARE
    assert only(outcome, Escalate) is not None
    assert "crisis must be true exactly when" in fake.requests[1].texts()[-2]


async def test_malformed_twice_gives_the_safe_default_and_never_ends(
    make_thread: MakeThread, fake: FakeAnthropic, app: AppConfig, caplog: pytest.LogCaptureFixture
) -> None:
    thread = make_thread(app)
    fake.push(*(message(respond("Stop", "harassment", "medium", "insults")) for _ in range(3)))
    for _ in range(3):
        await thread.say("you are a useless idiot")
    broken = {"reply": "bye", "assessment": {"category": "harassment"}}  # severity and crisis missing
    fake.push(
        message({"type": "tool_use", "id": "toolu_x1", "name": "respond", "input": broken}, end()),
        message({"type": "text", "text": "I'd rather just chat."}, stop_reason="end_turn"),
    )
    with caplog.at_level("WARNING", logger="threadkeeper.brain.anthropic"):
        outcome = await thread.say("you stupid worthless idiot")
    assert "End" not in kinds(outcome)
    assert degraded(kinds(outcome)) and kinds(outcome)[1] == "Reply:redirect"
    assert "malformed_result_fallback" in caplog.text
    assert len(fake.requests) == 3 + 2


async def test_the_circuit_opens_after_repeated_failures_and_closes_after_the_cool_down(
    make_thread: MakeThread, fake: FakeAnthropic, app: AppConfig
) -> None:
    once = configure(app, max_retries=0)
    monotonic = Clock(0)  # the breaker's own clock; the thread's moves a minute per message
    breaker = CircuitBreaker(failures=2, cooldown=30, clock=monotonic)
    thread = make_thread(once, breaker=breaker)
    fake.push(overloaded(), overloaded())
    assert degraded(kinds(await thread.say("one")))
    assert degraded(kinds(await thread.say("two")))
    assert breaker.state is CircuitState.OPEN and len(fake.requests) == 2

    fake.push(message(respond("should not be asked")))
    started = time.perf_counter()
    fast = await thread.say("three")
    assert degraded(kinds(fast)) and time.perf_counter() - started < 1.0
    assert len(fake.requests) == 2  # open: the model was not asked

    crisis = await thread.say("I want to kill myself")  # the safety net works whatever the brain's state
    assert only(crisis, Escalate) is not None and len(fake.requests) == 2

    monotonic.advance(31)
    assert state_of(breaker) is CircuitState.HALF_OPEN
    back = await thread.say("are you back?")
    assert kinds(back) == ["Reply:answer"] and only(back, Reply).text == "should not be asked"
    assert state_of(breaker) is CircuitState.CLOSED and len(fake.requests) == 3


async def test_a_failed_trial_opens_the_circuit_again(
    make_thread: MakeThread, fake: FakeAnthropic, app: AppConfig
) -> None:
    monotonic = Clock(0)
    breaker = CircuitBreaker(failures=1, cooldown=300, clock=monotonic)
    thread = make_thread(configure(app, max_retries=0), breaker=breaker)
    fake.push(overloaded())
    await thread.say("one")
    assert breaker.state is CircuitState.OPEN
    monotonic.advance(301)
    fake.push(overloaded())
    await thread.say("two")  # the trial
    assert len(fake.requests) == 2 and breaker.state is CircuitState.OPEN
    await thread.say("three")
    assert len(fake.requests) == 2


def test_half_open_lets_one_trial_through_at_a_time() -> None:
    clock = Clock(0)
    breaker = CircuitBreaker(failures=3, cooldown=10, clock=clock)
    for _ in range(2):
        breaker.failed()
    assert breaker.allow() and breaker.state is CircuitState.CLOSED
    breaker.failed()
    assert not breaker.allow() and breaker.retry_in() == 10
    clock.advance(10)
    assert breaker.allow() and not breaker.allow()
    breaker.succeeded()
    assert breaker.state is CircuitState.CLOSED and breaker.allow()


def test_a_breaker_needs_sane_limits() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(failures=0, cooldown=1)


async def test_a_granted_ending_is_not_lost_to_a_retry(
    make_thread: MakeThread, fake: FakeAnthropic, app: AppConfig
) -> None:
    thread = make_thread(app)
    fake.push(*(message(respond("Stop", "harassment", "medium", "insults")) for _ in range(3)))
    for _ in range(3):
        await thread.say("idiot")
    fake.push(overloaded(), message(respond("Bye", "harassment", "medium", "insults"), end()))
    outcome = await thread.say("idiot again")
    assert isinstance(outcome.queued[0], End)
