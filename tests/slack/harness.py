"""Drive the real Slack adapter end to end: signed HTTP requests in, the local Slack's record out.

`SlackHarness` runs `threadkeeper slack --http`'s own pieces (runtime on the test Redis, the
unmodified Bolt `AsyncApp` served over aiohttp, the outbox relay) with the Web API client pointed
at `FakeSlack`. Requests are signed with the app's signing secret exactly as Slack signs them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bot.core.config import AppConfig, load_app_config
from bot.core.domain import Actor
from bot.core.errors import StoreUnavailable
from bot.core.ports import AuditRecord
from bot.platforms.slack.app import SlackBot, build_app, make_client
from bot.platforms.slack.deps import SlackDeps, make_deps
from bot.platforms.slack.sink import SlackSink
from bot.platforms.slack.tracker import Tracker
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.conftest import drop_keys
from tests.slack.fake_slack import BOT_ID, BOT_TOKEN, BOT_USER, TEAM, FakeSlack, Posted

SECRET = "test-signing-secret"
CHANNEL = "C0GENERAL"
MODS = "C0MODS"
GROUP = "S0MODS"


def signed_headers(body: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


class SlackHarness:
    def __init__(self, fake: FakeSlack, redis_url: str, config: AppConfig | None = None) -> None:
        self.fake = fake
        self.redis_url = redis_url
        self.config = config or load_app_config()
        self.prefix = f"tkt-{uuid.uuid4().hex}"
        self._ts = itertools.count(1)
        self._events = itertools.count(1)
        self._hooks = itertools.count(1)
        self.runtime: Runtime
        self.deps: SlackDeps
        self.bot: SlackBot
        self.url = ""
        self.session: aiohttp.ClientSession

    async def start(self) -> None:
        work = Tracker()
        sink = SlackSink(work)
        settings = Settings(redis_url=self.redis_url)
        self.runtime = await build_runtime(
            self.config,
            settings,
            sink,
            platform="slack",
            require_redis=True,
            consumer="slack-test",
            prefix=self.prefix,
        )
        client = make_client(BOT_TOKEN, self.fake.api_url)
        self.deps = make_deps(self.runtime, client, sink, work)
        self.bot = SlackBot(self.deps, build_app(self.deps, SECRET))
        port = await self.bot.start_http("127.0.0.1", 0, "/slack/events")
        self.bot.start_relay()
        self.url = f"http://127.0.0.1:{port}/slack/events"
        self.session = aiohttp.ClientSession()

    async def close(self) -> None:
        await self.session.close()
        await self.bot.stop()
        await self.runtime.close()
        await drop_keys(self.redis_url, self.prefix)

    # --- set-up as admins would have it ----------------------------------------------------------

    async def configure(self, **overrides: str) -> None:
        for key, value in overrides.items():
            record = AuditRecord("config_set", "", "UADMIN", Actor.ADMIN, f"{key} = {value}", time.time())
            await self.runtime.store.set_override("slack", TEAM, key, value, record)

    async def with_moderators(self) -> None:
        self.fake.groups[GROUP] = ["UMOD"]
        await self.configure(moderator_channel=MODS, moderator_role=GROUP)

    # --- requests as Slack sends them ------------------------------------------------------------

    def next_ts(self) -> str:
        return f"{1_600_000_000 + next(self._ts)}.000200"

    async def post(self, body: str, content_type: str, **headers: str) -> aiohttp.ClientResponse:
        sent: dict[str, str] = {"Content-Type": content_type, **signed_headers(body), **headers}
        async with self.session.post(self.url, data=body.encode(), headers=sent) as response:
            await response.read()
            return response

    async def event(
        self, event: dict[str, Any], *, retry: int | None = None, event_id: str | None = None
    ) -> int:
        envelope = {
            "token": "legacy-token",
            "team_id": TEAM,
            "api_app_id": "A0TEST",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._events):06d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }
        extra = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        response = await self.post(json.dumps(envelope), "application/json", **extra)
        return response.status

    def message_event(
        self,
        text: str,
        *,
        user: str = "U1",
        channel: str = CHANNEL,
        thread_ts: str | None = None,
        ts: str = "",
    ) -> dict[str, Any]:
        ts = ts or self.next_ts()
        event: dict[str, Any] = {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel_type": "channel",
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return event

    async def mention(
        self, text: str, *, user: str = "U1", channel: str = CHANNEL, thread_ts: str | None = None
    ) -> str:
        """Mention the bot as Slack delivers it: an `app_mention` and a `message` event; the ts."""
        event = self.message_event(f"<@{BOT_USER}> {text}", user=user, channel=channel, thread_ts=thread_ts)
        await self.event({**event, "type": "app_mention"})
        await self.event(event)
        await self.settle()
        return str(event["ts"])

    async def say(
        self, text: str, *, user: str = "U1", channel: str = CHANNEL, thread_ts: str | None = None
    ) -> str:
        """A plain message (no mention); the ts."""
        event = self.message_event(text, user=user, channel=channel, thread_ts=thread_ts)
        await self.event(event)
        await self.settle()
        return str(event["ts"])

    async def command(self, text: str, *, user: str = "U1", channel: str = CHANNEL) -> str:
        """Run `/threadkeeper text` as `user`; the ephemeral answer."""
        hook = f"{self.fake.url}/respond/{next(self._hooks)}"
        body = urlencode(
            {
                "token": "legacy-token",
                "team_id": TEAM,
                "team_domain": "tk-test",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/threadkeeper",
                "text": text,
                "api_app_id": "A0TEST",
                "response_url": hook,
                "trigger_id": "1.2.3",
            }
        )
        before = len(self.fake.responses)
        response = await self.post(body, "application/x-www-form-urlencoded")
        assert response.status == 200
        await self.fake.wait_for(lambda: len(self.fake.responses) > before)
        answer = self.fake.responses[before]
        assert answer.get("response_type") == "ephemeral"
        return str(answer["text"])

    def _interactive(self, payload: dict[str, Any]) -> str:
        return urlencode({"payload": json.dumps(payload)})

    async def press(self, posted: Posted, action_id: str, *, user: str = "U1") -> dict[str, Any] | None:
        """Press a button on a message the bot posted; the ephemeral answer, if any."""
        hook = f"{self.fake.url}/respond/{next(self._hooks)}"
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "tk-test"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A0TEST",
            "token": "legacy-token",
            "container": {"type": "message", "message_ts": posted.ts, "channel_id": posted.channel},
            "trigger_id": "1.2.3",
            "channel": {"id": posted.channel, "name": "general"},
            "message": {
                "type": "message",
                "user": BOT_USER,
                "bot_id": BOT_ID,
                "ts": posted.ts,
                "text": posted.text,
                "blocks": posted.blocks,
                **({"thread_ts": posted.thread_ts} if posted.thread_ts else {}),
            },
            "response_url": hook,
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b",
                    "type": "button",
                    "value": posted.value_of(action_id),
                    "action_ts": str(time.time()),
                }
            ],
        }
        before = len(self.fake.responses)
        response = await self.post(self._interactive(payload), "application/x-www-form-urlencoded")
        assert response.status == 200
        await self.settle()
        return self.fake.responses[before] if len(self.fake.responses) > before else None

    async def shortcut(
        self, message: dict[str, Any], *, user: str = "U1", channel: str = CHANNEL
    ) -> dict[str, Any]:
        """Use "Branch from here" on `message`; the ephemeral answer."""
        hook = f"{self.fake.url}/respond/{next(self._hooks)}"
        payload = {
            "type": "message_action",
            "callback_id": "branch_from_here",
            "trigger_id": "1.2.3",
            "message_ts": message["ts"],
            "response_url": hook,
            "message": message,
            "user": {"id": user, "name": user.lower()},
            "channel": {"id": channel, "name": "general"},
            "team": {"id": TEAM, "domain": "tk-test"},
            "token": "legacy-token",
            "action_ts": str(time.time()),
        }
        before = len(self.fake.responses)
        response = await self.post(self._interactive(payload), "application/x-www-form-urlencoded")
        assert response.status == 200
        await self.fake.wait_for(lambda: len(self.fake.responses) > before)
        await self.settle()
        return self.fake.responses[before]

    async def settle(self) -> None:
        """Wait until every started piece of work is done and the outbox is delivered.

        The background relay may have read an entry it has not started delivering yet, so quiet
        must last a moment (no work, no outbox entry, no call to Slack) before it counts.
        """
        quiet = 0
        for _ in range(400):
            calls = len(self.fake.calls)
            await self.deps.work.idle(10)
            try:
                delivered = await self.runtime.relay.drain()
            except StoreUnavailable:
                delivered = 0  # a test that stopped Redis
            await asyncio.sleep(0.01)
            busy = delivered or self.deps.work.running or len(self.fake.calls) != calls
            quiet = 0 if busy else quiet + 1
            if quiet >= 3:
                return
        raise AssertionError("the bot never settled")

    # --- what people see -------------------------------------------------------------------------

    def thread(self, root_ts: str, channel: str = CHANNEL) -> list[Posted]:
        return self.fake.thread(channel, root_ts)

    def moderators(self) -> list[Posted]:
        return self.fake.channel(MODS)

    def group_pings(self) -> int:
        """Messages Slack accepted (posted, or edited in) whose text mentions the moderator group."""
        return sum(f"<!subteam^{GROUP}>" in str(call.args.get("text", "")) for call in self.fake.accepted)
