"""The bot as it runs in production (discord.py, engine, outbox relay, real Redis) against a fake
Discord on 127.0.0.1. The client task is watched: if it dies, the test fails with its exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest
import yarl

from bot.brains.offline import OfflineBrain
from bot.core.config import AppConfig, load_app_config
from bot.core.domain import Actor, Turn
from bot.core.engine import Engine, Outcome
from bot.core.ports import AuditRecord, Brain, BrainRequest
from bot.core.relay import OutboxRelay
from bot.platforms.discord.client import ThreadkeeperBot
from bot.platforms.discord.delivery import DiscordSink
from bot.runtime import Runtime
from bot.safety import LocalSafetyNet
from bot.store import RedisStore
from tests.conftest import MakeStore
from tests.discord.fake_discord import TOKEN, FakeDiscord, InteractionRecord, Json, Posted, User

APP: AppConfig = load_app_config()
READY_SECONDS = 10.0
HANDLED_SECONDS = 10.0


class ScriptedBrain:
    """Answers chosen messages with a fixed reply; everything else as the offline brain does."""

    name = "scripted"

    def __init__(self, replies: dict[str, str]) -> None:
        self.replies = replies
        self.offline = OfflineBrain()

    async def respond(self, request: BrainRequest) -> Turn:
        for needle, reply in self.replies.items():
            if needle in request.text:
                return Turn(reply)
        return await self.offline.respond(request)


@dataclass
class Running:
    """One bot process: the client, its task, and helpers that speak as members."""

    bot: ThreadkeeperBot
    task: asyncio.Task[None]
    store: RedisStore
    fake: FakeDiscord
    outcomes: dict[int, Outcome] = field(default_factory=dict)

    def check(self) -> None:
        """Re-raise whatever killed the client task (discord.py would otherwise stay silent)."""
        if self.task.done():
            exc = self.task.exception()
            if exc is not None:
                raise exc
            raise AssertionError("the Discord client stopped")

    async def _until(self, waiter: asyncio.Future[Any], within: float) -> Any:
        done, _ = await asyncio.wait({waiter, self.task}, timeout=within, return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()
            self.check()
            raise AssertionError("the bot did not finish handling the message in time")
        return waiter.result()

    async def say(self, channel: str | int, user: User, text: str, *, handled: bool = True) -> Json:
        """A member posts; with `handled`, wait until the bot has handled it and posted the result."""
        mid = self.fake.new_id()
        waiter = asyncio.ensure_future(
            self.bot.wait_for(
                "threadkeeper_handled", check=lambda m, o: m == int(mid), timeout=HANDLED_SECONDS
            )
        )
        await asyncio.sleep(0)
        message = await self.fake.say(channel, user, text, mid=mid)
        if handled:
            _, outcome = await self._until(waiter, HANDLED_SECONDS + 1)
            self.outcomes[int(mid)] = outcome
        else:
            waiter.cancel()
        return message

    async def press(self, user: User, message_id: str, custom_id: str) -> Outcome:
        """Click Confirm / Keep talking and wait until the engine's answer is posted."""
        waiter = asyncio.ensure_future(self.bot.wait_for("threadkeeper_handled", timeout=HANDLED_SECONDS))
        await asyncio.sleep(0)
        await self.fake.click(user, message_id, custom_id)
        _, outcome = await self._until(waiter, HANDLED_SECONDS + 1)
        assert isinstance(outcome, Outcome)
        return outcome

    def outcome(self, message: Json) -> Outcome:
        return self.outcomes[int(message["id"])]

    async def open_thread(self, user: User, text: str) -> tuple[str, Json]:
        """Mention the bot in #general; the thread it opened (same id as the message)."""
        message = await self.say(self.fake.general, user, f"<@{self.fake.bot.id}> {text}")
        assert message["id"] in self.fake.threads, "no thread was created from the mention"
        return message["id"], message

    async def replies(self, record: InteractionRecord, count: int = 1) -> list[str]:
        """The ephemeral (or not) texts answering an interaction."""
        await self.fake.wait_for(lambda: len(record.replies) >= count, what="an interaction reply")
        self.check()
        return list(record.replies)


async def configure(store: RedisStore, guild: str, **values: str) -> None:
    """Server settings as an admin would have set them."""
    for key, value in values.items():
        record = AuditRecord("config_set", "", "test", Actor.ADMIN, f"{key} = {value}", 0.0)
        await store.set_override("discord", guild, key, value, record)


class Harness:
    def __init__(self, fake: FakeDiscord, make_store: MakeStore) -> None:
        self.fake = fake
        self.make_store = make_store
        self.running: list[Running] = []

    async def start(
        self, store: RedisStore | None = None, brain: Brain | None = None, **settings: str
    ) -> Running:
        store = store or await self.make_store()
        if settings:
            await configure(store, self.fake.guild_id, **settings)
        sink = DiscordSink()
        relay = OutboxRelay(store, sink, "discord-test", poll_seconds=0.2, platform="discord")
        engine = Engine(store, brain or OfflineBrain(), LocalSafetyNet(), APP, on_queued=relay.kick)
        runtime = Runtime(APP, store, engine, relay, "test store")
        bot = ThreadkeeperBot(runtime, sink, guild_ready_timeout=0.05)
        task = asyncio.create_task(bot.start(TOKEN), name="discord-client")
        running = Running(bot, task, store, self.fake)
        self.running.append(running)
        deadline = asyncio.get_running_loop().time() + READY_SECONDS
        while not bot.is_ready():
            running.check()
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the bot did not become ready")
            await asyncio.sleep(0.01)
        return running

    async def stop(self, running: Running) -> None:
        await running.bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(running.task, 10)
        if running in self.running:
            self.running.remove(running)
        exc = running.task.exception() if running.task.done() and not running.task.cancelled() else None
        if exc is not None:
            raise exc


class ErrorLog(logging.Handler):
    """ERROR records from discord.py and the bot: swallowed exceptions still fail the test."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.expected: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def expect(self, *events: str) -> None:
        """These errors are part of the test (a store outage, a Discord hiccup)."""
        self.expected.update(events)

    @property
    def unexpected(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()}" for r in self.records if r.getMessage() not in self.expected]


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url))
    yield server
    await server.stop()
    assert not server.unknown, f"the bot called routes the fake does not know: {server.unknown}"


@pytest.fixture
async def errors() -> AsyncIterator[ErrorLog]:
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    # Every log call of the bot runs (a bad `extra` field raises only when the record is made).
    ours = logging.getLogger("threadkeeper")
    level = ours.level
    ours.setLevel(logging.DEBUG)
    yield handler
    ours.setLevel(level)
    root.removeHandler(handler)


@pytest.fixture
async def harness(fake: FakeDiscord, make_store: MakeStore, errors: ErrorLog) -> AsyncIterator[Harness]:
    made = Harness(fake, make_store)
    yield made
    for running in list(made.running):
        await made.stop(running)
    assert not errors.unexpected, f"errors were logged: {errors.unexpected}"


@pytest.fixture
async def bot(harness: Harness) -> Running:
    """The bot with a moderator channel and role configured."""
    return await harness.start(moderator_channel=harness.fake.mods, moderator_role=harness.fake.mod_role)


HARASSMENT = (
    "this is garbage, you are a useless piece of trash",
    "shut up you worthless idiot, nobody asked for your opinion",
    "you stupid pathetic machine, I'll keep insulting you all day",  # the warning comes here
    "you're a moronic waste of electricity, go to hell",  # and the ending here
)


async def ended_thread(bot: Running, insulter: User | None = None) -> tuple[str, list[Json]]:
    """A thread the bot ended after redirections and a warning; its member messages."""
    fake = bot.fake
    thread, opening = await bot.open_thread(fake.alice, "can you help me write a cover letter?")
    said = [opening] + [await bot.say(thread, insulter or fake.alice, text) for text in HARASSMENT]
    await fake.wait_for(lambda: fake.thread(thread)["thread_metadata"]["locked"], what="the thread locked")
    return thread, said


def closing_message(fake: FakeDiscord, thread: str) -> Posted:
    return next(p for p in fake.in_channel(thread) if "ending this conversation" in p.content)
