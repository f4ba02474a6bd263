"""Wiring only: the Bolt app, its transport (Socket Mode or HTTP), the outbox relay, start and stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import ConfigError
from bot.platforms.slack.deps import SlackDeps, make_deps
from bot.platforms.slack.listeners import register_listeners
from bot.platforms.slack.problems import Problem, error_code, missing_scope_text
from bot.platforms.slack.sink import SlackSink
from bot.platforms.slack.tracker import Tracker
from bot.runtime import build_runtime, load_config
from bot.settings import Settings

log = logging.getLogger("threadkeeper.slack")

# Every bot scope the adapter uses (config/slack-manifest.yaml asks for the same list).
REQUIRED_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "groups:history",
    "chat:write",
    "commands",
    "reactions:write",
    "users:read",
    "usergroups:read",
)
STOP_GRACE_SECONDS = 10.0


def make_client(token: str, base_url: str | None = None) -> AsyncWebClient:
    """The Web API client: retries dropped connections and honours rate limits (`Retry-After`)."""
    handlers = [AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=2)]
    if base_url:
        return AsyncWebClient(token=token, base_url=base_url, retry_handlers=handlers)
    return AsyncWebClient(token=token, retry_handlers=handlers)


def build_app(deps: SlackDeps, signing_secret: str = "") -> AsyncApp:
    """The unmodified Bolt app with every listener registered; events are acked before any work."""
    app = AsyncApp(
        client=deps.client,
        signing_secret=signing_secret,
        name="threadkeeper",
        logger=logging.getLogger("threadkeeper.slack.bolt"),
    )
    register_listeners(app, deps)
    return app


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the bot token says we are, and the scopes it was granted."""

    team_id: str
    team: str
    bot_user_id: str
    scopes: frozenset[str]

    @property
    def missing_scopes(self) -> tuple[str, ...]:
        if not self.scopes:
            return ()  # Slack did not say: nothing to compare against
        return tuple(s for s in REQUIRED_SCOPES if s not in self.scopes)


async def check_identity(client: AsyncWebClient) -> Identity:
    """`auth.test` with the bot token; a `ConfigError` an operator can act on if Slack refuses it."""
    try:
        response = await client.auth_test()
    except SlackApiError as exc:
        code = error_code(exc)
        raise ConfigError(
            f"Slack refused SLACK_BOT_TOKEN ({code}): copy the Bot User OAuth Token (xoxb-...) from "
            "OAuth & Permissions of your app, and reinstall the app if it was revoked."
        ) from None
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ConfigError(f"cannot reach Slack's Web API to check the bot token ({exc!r})") from None
    granted = str((response.headers or {}).get("x-oauth-scopes", "") or "")
    return Identity(
        team_id=str(response.get("team_id") or ""),
        team=str(response.get("team") or ""),
        bot_user_id=str(response.get("user_id") or ""),
        scopes=frozenset(s.strip() for s in granted.split(",") if s.strip()),
    )


async def report_missing_scopes(deps: SlackDeps, identity: Identity) -> None:
    missing = identity.missing_scopes
    if missing and identity.team_id:
        needed = ", ".join(missing)
        await deps.problems.report(
            identity.team_id, Problem.MISSING_SCOPE, missing_scope_text(needed, "part of what the bot does")
        )


class SlackBot:
    """The running adapter: the Bolt app behind HTTP or Socket Mode, and the outbox relay."""

    def __init__(self, deps: SlackDeps, app: AsyncApp) -> None:
        self.deps = deps
        self.app = app
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._relay: asyncio.Task[None] | None = None
        self._relay_stop = asyncio.Event()

    async def start_http(self, host: str, port: int, path: str) -> int:
        """Serve the Events API, interactivity and the slash command at `path`; the bound port."""
        web_app = self.app.server(port=port, path=path, host=host).web_app
        web_app.router.add_get("/healthz", _healthz)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = port
        for address in self._runner.addresses:
            if isinstance(address, tuple) and len(address) >= 2:
                bound = int(address[1])
                break
        log.info("slack_http_listening", extra={"host": host, "port": bound, "path": path})
        return bound

    async def start_socket(self, app_token: str) -> None:
        """Connect over Socket Mode (no public URL needed)."""
        self._socket = AsyncSocketModeHandler(self.app, app_token)
        await self._socket.connect_async()  # type: ignore[no-untyped-call]
        log.info("slack_socket_mode_connected")

    def start_relay(self) -> None:
        """Deliver endings, alerts and disputes from the outbox until `stop`."""
        self._relay = asyncio.create_task(self.deps.runtime.relay.run(self._relay_stop), name="outbox-relay")

    async def stop(self) -> None:
        """Stop taking requests, let started work finish (bounded), then stop the relay."""
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.deps.work.idle(STOP_GRACE_SECONDS)
        self._relay_stop.set()
        if self._relay is not None:
            self.deps.runtime.relay.kick()
            try:
                await asyncio.wait_for(self._relay, STOP_GRACE_SECONDS)
            except TimeoutError:
                self._relay.cancel()
            self._relay = None


async def _healthz(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


def consumer_name() -> str:
    """This process's name in the outbox consumer group."""
    return f"slack-{socket.gethostname()}-{os.getpid()}"


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


@dataclass(frozen=True, slots=True)
class Tokens:
    bot: str
    app: str = ""  # Socket Mode
    signing_secret: str = ""  # HTTP


async def serve(
    settings: Settings,
    tokens: Tokens,
    *,
    http: bool,
    config_path: Path | None = None,
    brain: str | None = None,
    port: int | None = None,
    ready: Callable[[str], None] = print,
    stop: asyncio.Event | None = None,
    api_url: str | None = None,
    prefix: str = "tk",
) -> int:
    """Run the Slack bot until SIGINT/SIGTERM (or `stop`); refuses to start (ConfigError,
    StoreUnavailable) without Redis or with a token Slack rejects. `api_url` points the Web API
    client elsewhere than slack.com (a test double, a proxy)."""
    app_config = load_config(settings, config_path)
    work = Tracker()
    sink = SlackSink(work)
    chosen = brain or ("anthropic" if settings.anthropic_api_key is not None else "offline")
    runtime = await build_runtime(
        app_config,
        settings,
        sink,
        platform="slack",
        brain=chosen,
        require_redis=True,
        consumer=consumer_name(),
        prefix=prefix,
    )
    bot: SlackBot | None = None
    try:
        client = make_client(tokens.bot, api_url)
        identity = await check_identity(client)
        deps = make_deps(runtime, client, sink, work)
        await report_missing_scopes(deps, identity)
        bot = SlackBot(deps, build_app(deps, tokens.signing_secret))
        if stop is None:
            stop = asyncio.Event()
            stop_on_signals(stop)
        where = f"workspace {identity.team or identity.team_id}"
        if http:
            cfg = app_config.slack
            bound = await bot.start_http(
                cfg.http_host, cfg.http_port if port is None else port, cfg.http_path
            )
            transport = f"HTTP on {cfg.http_host}:{bound}{cfg.http_path}"
        else:
            await bot.start_socket(tokens.app)
            transport = "Socket Mode"
        bot.start_relay()
        missing = ", ".join(identity.missing_scopes)
        ready(
            f"threadkeeper slack: connected to {where} ({transport}); {runtime.store_description}; "
            f"brain {chosen}" + (f"; MISSING SCOPES: {missing}" if missing else "")
        )
        await stop.wait()
    finally:
        if bot is not None:
            await bot.stop()
        await runtime.close()
    return 0
