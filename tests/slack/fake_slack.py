"""A local Slack for tests: the Web API, response URLs and a Socket Mode websocket, on 127.0.0.1.

The unmodified `AsyncWebClient` talks to it through `base_url`. It answers the methods the bot
uses the way Slack does (JSON, `ok`/`error`, `missing_scope` with `needed`, `x-oauth-scopes` on
every answer), keeps the messages it was sent so tests can read a channel as a person would, and
enforces Slack's limits (`msg_too_long`, section text length) so an adapter that forgets to split
fails here as it would in production.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from bot.platforms.slack.app import REQUIRED_SCOPES
from tests.conftest import free_port

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
TEAM = "T0TEST"
BOT_USER = "UBOT"
BOT_ID = "BBOT"

ALL_SCOPES = frozenset(REQUIRED_SCOPES)  # a workspace that granted everything the app asks for
# The scope each method needs, as Slack checks it.
NEEDS = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "reactions.add": "reactions:write",
    "reactions.remove": "reactions:write",
    "users.info": "users:read",
    "usergroups.users.list": "usergroups:read",
}


@dataclass
class Call:
    method: str
    args: dict[str, Any]


@dataclass
class Posted:
    """A message the bot posted, as members would see it (updates applied)."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None
    reactions: set[str] = field(default_factory=set)
    edits: int = 0

    @property
    def everything(self) -> str:
        """All the text a member can read in it (text and every block)."""
        return self.text + "\n" + json.dumps(self.blocks, ensure_ascii=False)

    def action_ids(self) -> list[str]:
        return [
            str(element.get("action_id"))
            for block in self.blocks
            if block.get("type") == "actions"
            for element in block.get("elements", [])
        ]

    def value_of(self, action_id: str) -> str:
        for block in self.blocks:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == action_id:
                    return str(element.get("value", ""))
        raise KeyError(action_id)


class FakeSlack:
    def __init__(self) -> None:
        self.port = free_port()
        self.calls: list[Call] = []
        self.responses: list[dict[str, Any]] = []  # bodies posted to response_url
        self.accepted: list[Call] = []  # messages posted or edited successfully, as sent
        self.posted: dict[tuple[str, str], Posted] = {}
        self.scopes: set[str] = set(ALL_SCOPES)
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, list[str]] = {}
        self.outside: dict[str, str] = {}  # channel -> error when the bot posts there
        self.failures: dict[str, list[str]] = {}  # method -> errors to answer next, in order
        self.acked_envelopes: list[str] = []
        self.root_reactions: dict[tuple[str, str], set[str]] = {}
        self.sockets: list[web.WebSocketResponse] = []
        self._ts = itertools.count(1)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.add_user("U1", "alice")
        self.add_user("U2", "bob")
        self.add_user("UADMIN", "ada", is_admin=True)
        self.add_user("UOWNER", "olga", is_owner=True)
        self.add_user("UMOD", "mo")

    # --- set-up ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def add_user(self, user_id: str, name: str, *, is_admin: bool = False, is_owner: bool = False) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM,
            "name": name,
            "real_name": name.title(),
            "profile": {"display_name": name, "real_name": name.title()},
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_bot": False,
        }

    def fail_next(self, method: str, *errors: str) -> None:
        self.failures.setdefault(method, []).extend(errors)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/respond/{hook}", self._respond)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- reading what happened -------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def thread(self, channel: str, thread_ts: str) -> list[Posted]:
        """The bot's messages in a thread, oldest first."""
        found = [p for p in self.posted.values() if p.channel == channel and p.thread_ts == thread_ts]
        return sorted(found, key=lambda p: float(p.ts))

    def channel(self, channel: str) -> list[Posted]:
        """The bot's top-level messages in a channel, oldest first."""
        found = [p for p in self.posted.values() if p.channel == channel and p.thread_ts is None]
        return sorted(found, key=lambda p: float(p.ts))

    def direct_messages(self, user: str) -> list[Posted]:
        return self.channel(user)

    async def wait_for(self, check: Callable[[], object], within: float = 5.0) -> Any:
        """Wait until `check()` is truthy; its value. Fails the test after `within` seconds."""
        deadline = time.monotonic() + within
        while True:
            value = check()
            if value:
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"timed out waiting for {check}; calls: {[c.method for c in self.calls]}"
                )
            self._changed.clear()
            try:
                async with asyncio.timeout(min(left, 0.05)):
                    await self._changed.wait()
            except TimeoutError:
                pass

    # --- Socket Mode -----------------------------------------------------------------------------

    async def push(self, envelope: dict[str, Any]) -> None:
        """Send a Socket Mode envelope to every connected client."""
        for ws in list(self.sockets):
            await ws.send_str(json.dumps(envelope))

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.sockets.append(ws)
        self._touch()
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {}}))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    data = json.loads(message.data)
                    if "envelope_id" in data:
                        self.acked_envelopes.append(str(data["envelope_id"]))
                        self._touch()
        finally:
            self.sockets.remove(ws)
        return ws

    # --- the Web API -----------------------------------------------------------------------------

    def _touch(self) -> None:
        self._changed.set()

    async def _respond(self, request: web.Request) -> web.Response:
        self.responses.append(await request.json())
        self._touch()
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.text()
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(json.loads(raw or "{}"))
        else:
            args.update(parse_qsl(raw))
        for name in ("blocks",):
            if isinstance(args.get(name), str):
                args[name] = json.loads(args[name])
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        self.calls.append(Call(method, args))
        try:
            expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
            if token != expected:
                return self._answer({"ok": False, "error": "invalid_auth"})
            queued = self.failures.get(method)
            if queued:
                return self._answer({"ok": False, "error": queued.pop(0)})
            needed = NEEDS.get(method)
            if needed and needed not in self.scopes:
                return self._answer(
                    {
                        "ok": False,
                        "error": "missing_scope",
                        "needed": needed,
                        "provided": ",".join(self.scopes),
                    }
                )
            handler = getattr(self, "_" + method.replace(".", "_"), None)
            return self._answer(handler(args) if handler else {"ok": True})
        finally:
            self._touch()

    def _answer(self, data: dict[str, Any]) -> web.Response:
        return web.json_response(data, headers={"x-oauth-scopes": ",".join(sorted(self.scopes))})

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://tk-test.slack.com/",
            "team": "Test Team",
            "user": "threadkeeper",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel in self.outside:
            return {"ok": False, "error": self.outside[channel]}
        problem = _too_long(args)
        if problem:
            return {"ok": False, "error": problem}
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        thread_ts = args.get("thread_ts") or None
        self.posted[(channel, ts)] = Posted(
            channel, ts, str(args.get("text") or ""), list(args.get("blocks") or []), thread_ts
        )
        self.accepted.append(Call("chat.postMessage", args))
        return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts, "text": args.get("text")}}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("ts")))
        if key not in self.posted:
            return {"ok": False, "error": "message_not_found"}
        problem = _too_long(args)
        if problem:
            return {"ok": False, "error": problem}
        message = self.posted[key]
        message.text = str(args.get("text") or "")
        message.blocks = list(args.get("blocks") or [])
        message.edits += 1
        self.accepted.append(Call("chat.update", args))
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def _chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel")), str(args.get("message_ts"))
        link = f"https://tk-test.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("timestamp")))
        reactions = self.root_reactions.setdefault(key, set())
        name = str(args.get("name"))
        if name in reactions:
            return {"ok": False, "error": "already_reacted"}
        reactions.add(name)
        return {"ok": True}

    def _reactions_remove(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("timestamp")))
        reactions = self.root_reactions.setdefault(key, set())
        name = str(args.get("name"))
        if name not in reactions:
            return {"ok": False, "error": "no_reaction"}
        reactions.discard(name)
        return {"ok": True}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = str(args.get("usergroup"))
        if group not in self.groups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": self.groups[group]}


def _too_long(args: dict[str, Any]) -> str | None:
    if len(str(args.get("text") or "")) > 4000:
        return "msg_too_long"
    for block in args.get("blocks") or []:
        text = (block.get("text") or {}).get("text", "") if isinstance(block, dict) else ""
        if len(text) > 3000:
            return "invalid_blocks"
    return None
