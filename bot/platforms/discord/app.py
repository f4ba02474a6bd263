"""`threadkeeper discord`: check the settings, connect the store, run the client until stopped."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket

import discord

from bot.core.errors import ConfigError
from bot.platforms.discord.client import CommandSync, ThreadkeeperBot
from bot.platforms.discord.delivery import DiscordSink
from bot.runtime import Runtime, build_runtime, load_config
from bot.settings import Settings

log = logging.getLogger("threadkeeper.discord")

SIGNALS = (signal.SIGTERM, signal.SIGINT)
NO_TOKEN = (
    "DISCORD_TOKEN is not set: create a bot in the Discord Developer Portal and export its token "
    "(see the README, section Discord)"
)


def token_of(settings: Settings) -> str:
    """The bot token, or a `ConfigError` saying how to get one."""
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise ConfigError(NO_TOKEN)
    return token


def consumer_name() -> str:
    """This process's name in the outbox consumer group (several processes may share the work)."""
    return f"discord-{socket.gethostname()}-{os.getpid()}"


async def serve(args: argparse.Namespace, settings: Settings) -> int:
    token = token_of(settings)
    app = load_config(settings, args.config)
    brain = args.brain or ("anthropic" if settings.anthropic_api_key is not None else "offline")
    sink = DiscordSink()
    # Discord needs a real Redis: `require_redis` turns a missing or silent one into StoreUnavailable.
    runtime = await build_runtime(
        app, settings, sink, platform="discord", brain=brain, require_redis=True, consumer=consumer_name()
    )
    sync = CommandSync(enabled=not args.no_sync, guild_id=args.sync_guild)
    bot = ThreadkeeperBot(runtime, sink, sync=sync)
    loop = asyncio.get_running_loop()
    stopping: set[asyncio.Task[None]] = set()
    for sig in SIGNALS:
        # Stop cleanly (finish deliveries, close the gateway) on Ctrl-C or `docker stop`.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, lambda: stopping.add(asyncio.ensure_future(bot.close())))
    print(f"threadkeeper discord: {runtime.store_description}; brain {brain}; connecting...", flush=True)
    try:
        await bot.start(token)
    except discord.LoginFailure:
        raise ConfigError(
            "Discord rejected DISCORD_TOKEN: copy the token again from the Developer Portal"
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise ConfigError(
            "Discord refused the Message Content intent: enable it in the Developer Portal "
            "(your application → Bot → Privileged Gateway Intents → Message Content Intent)"
        ) from None
    finally:
        for sig in SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        if not bot.is_closed():
            await bot.close()
        await _release(runtime)
    return 0


async def _release(runtime: Runtime) -> None:
    """Close the store and the brain. Unlike `Runtime.close` this does not drain the outbox: the
    client is gone, so what is left there waits in Redis for the next start."""
    await runtime.store.close()
    close_brain = getattr(runtime.engine.brain, "aclose", None)
    if close_brain is not None:
        await close_brain()
