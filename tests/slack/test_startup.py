"""Starting `threadkeeper slack`: clear refusals when something is missing, and both transports
(Socket Mode and HTTP) serving the same app when everything is there."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import yaml
from pydantic import SecretStr

from bot.core.config import config_dir
from bot.core.errors import ConfigError
from bot.platforms.slack import tokens_from
from bot.platforms.slack.app import REQUIRED_SCOPES, Identity, Tokens, check_identity, make_client, serve
from bot.platforms.slack.listeners.commands.threadkeeper import COMMAND
from bot.platforms.slack.listeners.shortcuts.branch import BRANCH_FROM_HERE
from bot.settings import Settings
from tests.conftest import drop_keys
from tests.slack.fake_slack import APP_TOKEN, BOT_TOKEN, BOT_USER, TEAM, FakeSlack
from tests.slack.harness import CHANNEL, SECRET, signed_headers

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REDIS_URL", "ANTHROPIC"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", "slack", *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        cwd=ROOT,
        timeout=60,
    )


def test_start_up_refuses_without_tokens_or_redis(unused_port: int) -> None:
    missing = run_cli(env={})
    assert missing.returncode == 2 and "SLACK_BOT_TOKEN is not set" in missing.stderr
    socket_mode = run_cli(env={"SLACK_BOT_TOKEN": BOT_TOKEN})
    assert socket_mode.returncode == 2 and "SLACK_APP_TOKEN is not set" in socket_mode.stderr
    http = run_cli("--http", env={"SLACK_BOT_TOKEN": BOT_TOKEN})
    assert http.returncode == 2 and "SLACK_SIGNING_SECRET is not set" in http.stderr
    tokens = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN}
    no_redis = run_cli(env=tokens)
    assert no_redis.returncode == 2 and "REDIS_URL is not set" in no_redis.stderr
    down = run_cli(env={**tokens, "REDIS_URL": f"redis://127.0.0.1:{unused_port}"})
    assert down.returncode == 2 and f"127.0.0.1:{unused_port}" in down.stderr
    for out in (missing, socket_mode, http, no_redis, down):
        assert "Traceback" not in out.stderr


def test_tokens_of_the_wrong_kind_are_refused() -> None:
    def settings(**tokens: str) -> Settings:
        def secret(name: str) -> SecretStr | None:
            return SecretStr(tokens[name]) if name in tokens else None

        return Settings(
            slack_bot_token=secret("slack_bot_token"),
            slack_app_token=secret("slack_app_token"),
            slack_signing_secret=secret("slack_signing_secret"),
        )

    with pytest.raises(ConfigError, match="xoxb-"):
        tokens_from(settings(slack_bot_token="xoxp-user-token"), http=True)
    with pytest.raises(ConfigError, match="xapp-"):
        tokens_from(settings(slack_bot_token=BOT_TOKEN, slack_app_token="xoxb-oops"), http=False)
    assert tokens_from(settings(slack_bot_token=BOT_TOKEN, slack_signing_secret="s"), http=True)[2] == "s"


async def test_a_token_slack_rejects_is_a_clear_refusal(fake_slack: FakeSlack) -> None:
    with pytest.raises(ConfigError, match=r"Slack refused SLACK_BOT_TOKEN \(invalid_auth\)"):
        await check_identity(make_client("xoxb-revoked", fake_slack.api_url))
    fake_slack.scopes -= {"usergroups:read"}
    identity = await check_identity(make_client(BOT_TOKEN, fake_slack.api_url))
    assert identity == Identity(TEAM, "Test Team", BOT_USER, identity.scopes)
    assert identity.missing_scopes == ("usergroups:read",)


@dataclass
class Served:
    task: asyncio.Task[int]
    stop: asyncio.Event
    prefix: str
    line: str  # what the operator sees once it is up


async def _serve(fake: FakeSlack, redis_url: str, *, http: bool, tmp_path: Path) -> Served:
    """`serve()` as `threadkeeper slack [--http]` runs it, against the local Slack, until stopped."""
    config = tmp_path / "threadkeeper.toml"
    config.write_text((config_dir() / "default.toml").read_text().replace('"0.0.0.0"', '"127.0.0.1"'))
    lines: list[str] = []
    stop = asyncio.Event()
    prefix = f"tkt-{uuid.uuid4().hex}"
    task = asyncio.create_task(
        serve(
            Settings(redis_url=redis_url, anthropic_api_key=None),
            Tokens(BOT_TOKEN, APP_TOKEN, SECRET),
            http=http,
            config_path=config,
            brain="offline",
            port=0,
            ready=lines.append,
            stop=stop,
            api_url=fake.api_url,
            prefix=prefix,
        )
    )
    await fake.wait_for(lambda: lines or task.done())
    assert lines, task.exception() if task.done() else "not started"
    return Served(task, stop, prefix, lines[0])


async def _shut(served: Served, redis_url: str) -> None:
    served.stop.set()
    assert await asyncio.wait_for(served.task, 15) == 0
    await drop_keys(redis_url, served.prefix)


async def test_socket_mode_serves_the_same_app(fake_slack: FakeSlack, redis_url: str, tmp_path: Path) -> None:
    served = await _serve(fake_slack, redis_url, http=False, tmp_path=tmp_path)
    try:
        assert "connected to workspace Test Team (Socket Mode)" in served.line
        await fake_slack.wait_for(lambda: fake_slack.sockets)
        event = {
            "type": "app_mention",
            "channel": CHANNEL,
            "user": "U1",
            "text": f"<@{BOT_USER}> hello over the socket",
            "ts": "1650000000.000100",
        }
        for attempt, envelope_id in ((0, "env-1"), (1, "env-2")):
            await fake_slack.push(
                {
                    "envelope_id": envelope_id,
                    "type": "events_api",
                    "accepts_response_payload": False,
                    "retry_attempt": attempt,
                    "retry_reason": "timeout" if attempt else "",
                    "payload": {
                        "type": "event_callback",
                        "team_id": TEAM,
                        "api_app_id": "A0TEST",
                        "event": event,
                        "event_id": "EvSOCKET",
                        "event_time": int(time.time()),
                    },
                }
            )
        await fake_slack.wait_for(lambda: len(fake_slack.acked_envelopes) == 2)
        await fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, "1650000000.000100"))
        await asyncio.sleep(0.3)
        assert len(fake_slack.thread(CHANNEL, "1650000000.000100")) == 1, "a retried envelope is handled once"
    finally:
        await _shut(served, redis_url)


async def test_http_mode_serves_signed_requests(
    fake_slack: FakeSlack, redis_url: str, tmp_path: Path
) -> None:
    served = await _serve(fake_slack, redis_url, http=True, tmp_path=tmp_path)
    try:
        found = re.search(r"HTTP on 127\.0\.0\.1:(\d+)/slack/events", served.line)
        assert found, served.line
        url = f"http://127.0.0.1:{found.group(1)}"
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": TEAM,
                "event_id": "EvHTTP",
                "event": {
                    "type": "app_mention",
                    "channel": CHANNEL,
                    "user": "U1",
                    "text": f"<@{BOT_USER}> hello over http",
                    "ts": "1650000001.000100",
                },
            }
        )
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{url}/healthz") as health:
                assert health.status == 200
            # Slack checks a new Request URL with a signed challenge before sending anything else.
            challenge = json.dumps({"type": "url_verification", "token": "t", "challenge": "c-123"})
            signed = {**signed_headers(challenge), "Content-Type": "application/json"}
            async with session.post(f"{url}/slack/events", data=challenge, headers=signed) as verified:
                assert verified.status == 200 and "c-123" in await verified.text()
            headers = {**signed_headers(body), "Content-Type": "application/json"}
            async with session.post(f"{url}/slack/events", data=body, headers=headers) as response:
                assert response.status == 200
        await fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, "1650000001.000100"))
    finally:
        await _shut(served, redis_url)


def test_the_manifest_asks_for_what_the_bot_uses() -> None:
    manifest = yaml.safe_load((ROOT / "config" / "slack-manifest.yaml").read_text())
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(REQUIRED_SCOPES)
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_mention", "message.channels", "message.groups", "app_home_opened"} <= set(events)
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND and command["should_escape"] is True
    (shortcut,) = manifest["features"]["shortcuts"]
    assert shortcut["type"] == "message" and shortcut["callback_id"] == BRANCH_FROM_HERE
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert len(manifest["display_information"]["description"]) <= 140
