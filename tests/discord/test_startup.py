"""`threadkeeper discord` refuses to start, with a reason an operator can act on, when the token
or Redis is missing, and when Discord rejects the token."""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.core.errors import ConfigError
from bot.platforms.discord import app, configure, run
from bot.platforms.discord.client import ThreadkeeperBot
from bot.settings import Settings
from tests.conftest import drop_keys
from tests.discord.fake_discord import TOKEN, FakeDiscord

ROOT = Path(__file__).resolve().parents[2]


def threadkeeper_discord(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DISCORD_TOKEN", "ANTHROPIC_API_KEY")
    }
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", "discord"],
        capture_output=True,
        text=True,
        env=environ,
        cwd=ROOT,
        timeout=60,
    )


def test_refuses_to_start_without_a_token() -> None:
    result = threadkeeper_discord({"REDIS_URL": "redis://127.0.0.1:6379"})
    assert result.returncode == 2
    assert "DISCORD_TOKEN is not set" in result.stderr and "Developer Portal" in result.stderr


def test_refuses_to_start_without_redis(unused_port: int) -> None:
    result = threadkeeper_discord({"DISCORD_TOKEN": "some-token"})
    assert result.returncode == 2
    assert "REDIS_URL is not set" in result.stderr

    result = threadkeeper_discord(
        {"DISCORD_TOKEN": "some-token", "REDIS_URL": f"redis://127.0.0.1:{unused_port}"}
    )
    assert result.returncode == 2
    assert f"127.0.0.1:{unused_port}" in result.stderr


def arguments(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default=None)
    configure(parser)
    return parser.parse_args(list(argv))


async def test_a_token_discord_rejects_is_reported_clearly(
    fake: FakeDiscord, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = f"tkt-{uuid.uuid4().hex}"  # the real entry point, on keys of this test's own
    monkeypatch.setattr(app, "build_runtime", functools.partial(app.build_runtime, prefix=prefix))
    settings = Settings(discord_token=SecretStr("not-the-token"), redis_url=redis_url)
    try:
        with pytest.raises(ConfigError, match="Discord rejected DISCORD_TOKEN"):
            await run(arguments("--no-sync", "--brain", "offline"), settings)
    finally:
        await drop_keys(redis_url, prefix)


async def test_the_entry_point_runs_the_bot_until_it_is_stopped(
    fake: FakeDiscord, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = f"tkt-{uuid.uuid4().hex}"
    monkeypatch.setattr(app, "build_runtime", functools.partial(app.build_runtime, prefix=prefix))
    started: list[ThreadkeeperBot] = []

    class Recorded(ThreadkeeperBot):
        def __init__(self, *args: Any, **options: Any) -> None:
            super().__init__(*args, guild_ready_timeout=0.05, **options)
            started.append(self)

    monkeypatch.setattr(app, "ThreadkeeperBot", Recorded)
    settings = Settings(discord_token=SecretStr(TOKEN), redis_url=redis_url)
    task = asyncio.create_task(run(arguments("--brain", "offline"), settings))
    try:
        await fake.wait_for(lambda: task.done() or (started and started[0].is_ready()), what="ready")
        assert not task.done(), task.exception()
        assert "threadkeeper" in fake.commands and "Branch from here" in fake.commands

        opening = await fake.say(fake.general, fake.alice, f"<@{fake.bot.id}> hello there")
        await fake.wait_for(lambda: fake.in_channel(opening["id"]), what="the answer in the new thread")

        await started[0].close()
        assert await asyncio.wait_for(task, 10) == 0
    finally:
        if not task.done():
            task.cancel()
        await drop_keys(redis_url, prefix)
