"""The engine against the real Redis: ordering, concurrency, idempotency, failures, the outbox."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from bot.brains.offline import OfflineBrain
from bot.core.actions import End, Escalate, Notice, Reply, ReplyKind, Warn
from bot.core.config import AppConfig, load_app_config
from bot.core.domain import (
    Assessment,
    Author,
    Category,
    CrisisSignal,
    Inbound,
    Screening,
    Severity,
    Status,
    ThreadKey,
    Turn,
)
from bot.core.engine import Engine
from bot.core.errors import DeliveryDeferred, ModelUnavailable
from bot.core.ports import BrainRequest, Routed
from bot.core.relay import OutboxRelay
from bot.store import RedisStore


class KeywordSafetyNet:
    """Test double of the safety port: a crisis when the text contains CRISIS (anywhere)."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def screen(self, text: str) -> Screening:
        self.seen.append(len(text))
        if "CRISIS" in text:
            return Screening(crisis=CrisisSignal(Category.SELF_HARM_RISK, Severity.HIGH, "CRISIS"))
        if "INSULT" in text:
            return Screening(abuse=Category.HARASSMENT, abuse_score=0.9, behaviour="insults aimed at me")
        return Screening()


class ScriptedBrain:
    """Answers by keyword; can be slowed down or made to fail."""

    name = "scripted"

    def __init__(self, delay: Callable[[BrainRequest], float] = lambda r: 0.0) -> None:
        self.delay = delay
        self.requests: list[BrainRequest] = []
        self.active: dict[str, int] = {}
        self.max_active_per_thread = 0
        self.fail_with: BaseException | None = None

    async def respond(self, request: BrainRequest) -> Turn:
        self.requests.append(request)
        thread = request.key.thread
        self.active[thread] = self.active.get(thread, 0) + 1
        self.max_active_per_thread = max(self.max_active_per_thread, self.active[thread])
        try:
            await asyncio.sleep(self.delay(request))
            if self.fail_with is not None:
                raise self.fail_with
            if "INSULT" in request.text:
                return Turn(
                    "let's keep it civil",
                    Assessment(Category.HARASSMENT, Severity.LOW, "insults aimed at me", request.end_allowed),
                )
            return Turn(f"echo: {request.text[:40]}")
        finally:
            self.active[thread] -= 1


def msg(text: str, n: int, thread: str = "t1", author: str = "ana") -> Inbound:
    return Inbound(
        platform="test",
        space_id="s1",
        thread_id=thread,
        channel_id="c1",
        author_id=author,
        author_name=author,
        message_id=f"{thread}-{n}",
        text=text,
    )


@pytest.fixture
def app() -> AppConfig:
    return load_app_config()


def make_engine(
    store: RedisStore, app: AppConfig, brain: ScriptedBrain | None = None, **kw: object
) -> Engine:
    return Engine(store, brain or ScriptedBrain(), KeywordSafetyNet(), app, fallback=OfflineBrain(), **kw)  # type: ignore[arg-type]


async def test_a_slow_thread_does_not_delay_another(store: RedisStore, app: AppConfig) -> None:
    brain = ScriptedBrain(delay=lambda r: 2.0 if r.key.thread == "slow" else 0.0)
    engine = make_engine(store, app, brain)
    slow = asyncio.create_task(engine.handle(msg("take your time", 1, thread="slow")))
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    fast = await engine.handle(msg("quick question", 1, thread="fast"))
    elapsed = time.perf_counter() - started
    assert isinstance(fast.inline[0], Reply)
    assert elapsed < 1.0, f"thread B waited {elapsed:.2f}s behind thread A"
    assert not slow.done()
    assert (await slow).state is not None


async def test_messages_of_one_thread_are_handled_one_at_a_time(store: RedisStore, app: AppConfig) -> None:
    brain = ScriptedBrain(delay=lambda r: 0.05)
    engine = make_engine(store, app, brain)
    outcomes = await asyncio.gather(*(engine.handle(msg(f"message {n}", n)) for n in range(1, 6)))
    assert brain.max_active_per_thread == 1
    assert len(engine._locks) == 0  # no lock outlives its thread's last message
    assert sorted(o.state.turn for o in outcomes if o.state) == [1, 2, 3, 4, 5]
    assert len(await store.transcript(ThreadKey("test", "s1", "t1"))) == 10


async def test_redelivered_message_is_handled_once(store: RedisStore, app: AppConfig) -> None:
    brain = ScriptedBrain()
    engine = make_engine(store, app, brain)
    first = await engine.handle(msg("hello", 1))
    again = await engine.handle(msg("hello", 1))
    assert first.state is not None and first.state.version == 1
    assert again.ignored == "duplicate" and again.actions == ()
    assert len(brain.requests) == 1
    stats = await store.stats("test", "s1")
    assert stats["messages"] == 1


async def test_two_processes_racing_on_one_thread_apply_each_message_once(
    store: RedisStore, app: AppConfig
) -> None:
    # Two engines do not share in-process locks, like two bot processes sharing one Redis.
    first = make_engine(store, app, ScriptedBrain(delay=lambda r: 0.1))
    second = make_engine(store, app, ScriptedBrain(delay=lambda r: 0.1))
    a, b = await asyncio.gather(first.handle(msg("from A", 1)), second.handle(msg("from B", 2)))
    assert {a.state.version if a.state else 0, b.state.version if b.state else 0} == {1, 2}
    begun = await store.begin(ThreadKey("test", "s1", "t1"), "probe", "probe-token")
    assert begun.state.turn == 2 and begun.state.version == 2
    lines = [entry.text for entry in begun.log if entry.role == "user"]
    assert sorted(lines) == ["from A", "from B"]


async def test_empty_and_whitespace_messages_get_a_notice_and_touch_nothing(
    store: RedisStore, app: AppConfig
) -> None:
    brain = ScriptedBrain()
    engine = make_engine(store, app, brain)
    for text in ("", "   \n\t "):
        outcome = await engine.handle(msg(text, 1))
        assert outcome.ignored == "empty"
        assert [type(a) for a in outcome.inline] == [Notice]
    assert brain.requests == []
    assert await store.stats("test", "s1") == {}


async def test_a_50000_character_message_is_read_in_full_by_the_safety_net(
    store: RedisStore, app: AppConfig
) -> None:
    brain = ScriptedBrain()
    safety = KeywordSafetyNet()
    engine = Engine(store, brain, safety, app)
    text = "word " * 9_999 + "CRISIS"
    assert len(text) > 50_000 - 10
    outcome = await engine.handle(msg(text, 1))
    assert safety.seen == [len(text)]
    assert len(brain.requests[0].text) == app.limits.max_message_chars
    notices = [a for a in outcome.inline if isinstance(a, Notice)]
    assert notices and "8,000" in notices[0].text and f"{len(text):,}" in notices[0].text
    assert any(isinstance(a, Escalate) for a in outcome.queued)
    transcript = await store.transcript(ThreadKey("test", "s1", "t1"))
    assert len(transcript[0].text) <= 2000


async def test_brain_failure_falls_back_with_a_notice(store: RedisStore, app: AppConfig) -> None:
    brain = ScriptedBrain()
    brain.fail_with = ModelUnavailable("overloaded")
    engine = make_engine(store, app, brain)
    outcome = await engine.handle(msg("hello there", 1))
    kinds = [a.kind for a in outcome.inline if isinstance(a, Notice)]
    assert kinds == ["degraded"]
    assert any(isinstance(a, Reply) for a in outcome.inline)
    assert (await store.stats("test", "s1"))["degraded_turns"] == 1


async def test_brain_failure_still_escalates_a_crisis(store: RedisStore, app: AppConfig) -> None:
    brain = ScriptedBrain()
    brain.fail_with = RuntimeError("bug in the brain")
    engine = Engine(store, brain, KeywordSafetyNet(), app)  # no fallback at all
    outcome = await engine.handle(msg("CRISIS tonight", 1))
    assert any(isinstance(a, Reply) and a.kind is ReplyKind.CARE for a in outcome.inline)
    assert [type(a) for a in outcome.queued] == [Escalate]


async def test_a_turn_never_hangs_past_its_deadline(store: RedisStore, app: AppConfig) -> None:
    quick = app.model_copy(update={"limits": app.limits.model_copy(update={"turn_deadline_seconds": 0.2})})
    engine = make_engine(store, quick, ScriptedBrain(delay=lambda r: 30.0))
    started = time.perf_counter()
    outcome = await engine.handle(msg("hello", 1))
    assert time.perf_counter() - started < 2.0
    assert any(isinstance(a, Notice) and a.kind == "degraded" for a in outcome.inline)


async def test_store_outage_gives_a_notice_and_still_escalates_a_crisis(app: AppConfig) -> None:
    client = aioredis.Redis(host="127.0.0.1", port=1, decode_responses=True, retry=Retry(NoBackoff(), 0))
    dead = RedisStore(client, app.store, "dead")
    engine = Engine(dead, ScriptedBrain(), KeywordSafetyNet(), app)
    plain = await engine.handle(msg("hello", 1))
    assert [a.kind for a in plain.inline if isinstance(a, Notice)] == ["store_unavailable"]
    crisis = await engine.handle(msg("CRISIS", 2))
    [alert] = [a for a in crisis.inline if isinstance(a, Escalate)]
    assert alert.urgent and alert.episode == 0  # no episode can be counted without the store
    assert any(isinstance(a, Reply) and a.kind is ReplyKind.CARE for a in crisis.inline)


async def test_ended_thread_is_ignored_and_reopen_brings_it_back(store: RedisStore, app: AppConfig) -> None:
    engine = make_engine(store, app)
    outcomes = [await engine.handle(msg("INSULT you", n)) for n in range(1, 6)]
    assert isinstance(outcomes[2].inline[0], Warn)
    assert [type(a) for a in outcomes[3].queued] == [End]
    assert outcomes[4].ignored == "ended"
    key = ThreadKey("test", "s1", "t1")
    reopened = await engine.reopen(key, Author("mod", "Moderator"))
    assert reopened.state is not None and reopened.state.status is Status.ACTIVE
    after = await engine.handle(msg("sorry, can we talk?", 6))
    assert isinstance(after.inline[0], Reply) and after.inline[0].text.startswith("echo")
    actions = [r.action for r in await store.audit("test", "s1")]
    assert actions[:3] == ["reopen", "end", "warn"]


class FlakySink:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.delivered: list[Routed] = []

    async def perform(self, routed: Routed) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("platform down")
        self.delivered.append(routed)


async def test_escalation_survives_a_failed_delivery(store: RedisStore, app: AppConfig) -> None:
    fast_claim = app.model_copy(
        update={"store": app.store.model_copy(update={"outbox_claim_idle_seconds": 1})}
    )
    store.cfg = fast_claim.store
    engine = make_engine(store, fast_claim)
    await engine.handle(msg("CRISIS now", 1))
    sink = FlakySink(failures=1)
    relay = OutboxRelay(store, sink, "worker-a", platform="test")
    assert await relay.drain() == 0
    assert sink.delivered == []
    await asyncio.sleep(1.2)
    other = OutboxRelay(store, sink, "worker-b", platform="test")
    assert await other.drain() == 1
    assert isinstance(sink.delivered[0].action, Escalate)
    assert sink.delivered[0].channel_id == "c1"
    assert await other.drain() == 0


async def test_confirm_and_keep_talking_buttons(store: RedisStore, app: AppConfig) -> None:
    brain = ScriptedBrain()
    engine = Engine(store, OfflineBrain(), KeywordSafetyNet(), app)
    asked = await engine.handle(msg("please end this conversation", 1))
    assert asked.state is not None and asked.state.status is Status.CONFIRMING_END
    kept = await engine.handle(msg("", 2).model_copy(update={"intent": "keep_talking"}))
    assert kept.state is not None and kept.state.status is Status.ACTIVE
    assert kept.inline == (Reply(app.space.texts.keep_talking),)
    await engine.handle(msg("can you end this chat?", 3))
    ended = await engine.handle(msg("", 4).model_copy(update={"intent": "confirm_end"}))
    assert [type(a) for a in ended.queued] == [End]
    assert ended.state is not None and ended.state.status is Status.ENDED
    assert brain.requests == []
    transcript = await store.transcript(ThreadKey("test", "s1", "t1"))
    assert transcript[-2].text == "[pressed confirm_end]"


class DeferringSink:
    def __init__(self) -> None:
        self.attempts = 0

    async def perform(self, routed: Routed) -> None:
        self.attempts += 1
        raise DeliveryDeferred("no moderator channel is set")


async def test_a_deferred_delivery_is_a_warning_and_stays_queued(
    store: RedisStore, app: AppConfig, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(store, app)
    await engine.handle(msg("CRISIS now", 1))
    relay = OutboxRelay(store, DeferringSink(), "worker-a", platform="test")
    with caplog.at_level("WARNING", logger="threadkeeper.relay"):
        assert await relay.drain() == 0
    [record] = [r for r in caplog.records if r.name == "threadkeeper.relay"]
    assert record.levelname == "WARNING" and record.getMessage() == "outbox_delivery_deferred"
    assert record.exc_info is None
    pending = await store._client.xpending(store.outbox_key("test"), "relay")
    assert pending["pending"] == 1
