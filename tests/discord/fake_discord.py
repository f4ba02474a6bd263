"""A small Discord on 127.0.0.1: the gateway websocket and the REST routes the bot uses.

The unmodified discord.py is pointed at it (`Route.BASE`, `DiscordWebSocket.DEFAULT_GATEWAY`).
It keeps one server (guild) with a few channels, members and roles, records every REST call,
and lets a test speak as members: post messages, run slash commands, click buttons, use the
message context menu. Payload shapes follow Discord's API v10 as discord.py 2.7 reads them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

Json = dict[str, Any]

# Permission bits (https://discord.com/developers/docs/topics/permissions).
PERMISSIONS = {
    "create_instant_invite": 1 << 0,
    "administrator": 1 << 3,
    "manage_channels": 1 << 4,
    "manage_guild": 1 << 5,
    "add_reactions": 1 << 6,
    "view_channel": 1 << 10,
    "send_messages": 1 << 11,
    "manage_messages": 1 << 13,
    "embed_links": 1 << 14,
    "attach_files": 1 << 15,
    "read_message_history": 1 << 16,
    "mention_everyone": 1 << 17,
    "use_application_commands": 1 << 31,
    "manage_threads": 1 << 34,
    "create_public_threads": 1 << 35,
    "send_messages_in_threads": 1 << 38,
}
MEMBER_BITS = sum(
    PERMISSIONS[p]
    for p in (
        "view_channel",
        "send_messages",
        "read_message_history",
        "add_reactions",
        "embed_links",
        "attach_files",
        "use_application_commands",
        "create_public_threads",
        "send_messages_in_threads",
    )
)
BOT_BITS = sum(
    PERMISSIONS[p]
    for p in (
        "view_channel",
        "send_messages",
        "embed_links",
        "read_message_history",
        "manage_threads",
        "create_public_threads",
        "send_messages_in_threads",
    )
)
ALL_BITS = (1 << 50) - 1
TOKEN = "fake-token"  # the only bot token this Discord accepts


def iso(ts: float | None = None) -> str:
    return datetime.fromtimestamp(ts if ts is not None else time.time(), UTC).isoformat()


def json_response(data: Any, status: int = 200) -> web.Response:
    # discord.py compares the header string exactly: no "; charset=utf-8".
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def error(status: int, code: int, message: str) -> web.Response:
    return json_response({"code": code, "message": message}, status)


@dataclass
class Call:
    """One REST request the bot made."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float


@dataclass
class Posted:
    """A message the bot posted (channel message, interaction response or follow-up)."""

    message: Json
    body: Json  # the request body as discord.py sent it (allowed_mentions included)
    via: str  # "channel", "callback", "followup"
    ephemeral: bool = False
    interaction: str | None = None

    @property
    def channel_id(self) -> str:
        return str(self.message["channel_id"])

    @property
    def content(self) -> str:
        return str(self.message.get("content") or "")

    @property
    def text(self) -> str:
        """Content plus embed texts: everything a reader sees."""
        parts = [self.content]
        for embed in self.message.get("embeds") or []:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            for fld in embed.get("fields") or []:
                parts += [fld.get("name", ""), fld.get("value", "")]
        return "\n".join(p for p in parts if p)

    @property
    def custom_ids(self) -> list[str]:
        return [
            c["custom_id"]
            for row in self.message.get("components") or []
            for c in row.get("components", [])
            if "custom_id" in c
        ]

    @property
    def labels(self) -> list[str]:
        return [
            c.get("label", "")
            for row in self.message.get("components") or []
            for c in row.get("components", [])
        ]


@dataclass
class InteractionRecord:
    id: str
    token: str
    payload: Json
    callbacks: list[Json] = field(default_factory=list)
    followups: list[Posted] = field(default_factory=list)

    @property
    def replies(self) -> list[str]:
        """Texts shown to the user who interacted, in order."""
        out = [
            cb["data"]["content"]
            for cb in self.callbacks
            if cb.get("type") == 4 and (cb.get("data") or {}).get("content")
        ]
        return out + [p.content for p in self.followups if p.content]

    @property
    def ephemeral(self) -> bool:
        flags = [(cb.get("data") or {}).get("flags", 0) for cb in self.callbacks]
        flags += [p.body.get("flags", 0) for p in self.followups]
        return bool(flags) and all(f & 64 for f in flags)


class User:
    def __init__(self, uid: str, name: str, roles: list[str], *, bot: bool = False) -> None:
        self.id = uid
        self.name = name
        self.roles = roles
        self.bot = bot

    def payload(self) -> Json:
        return {
            "id": self.id,
            "username": self.name,
            "global_name": self.name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }

    def member(self, *, with_user: bool = True) -> Json:
        data: Json = {
            "roles": self.roles,
            "joined_at": iso(1_700_000_000),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
            "premium_since": None,
        }
        if with_user:
            data["user"] = self.payload()
        return data


Route = tuple[str, re.Pattern[str], Callable[..., Awaitable[web.StreamResponse]]]


class FakeDiscord:
    def __init__(self) -> None:
        self._ids = itertools.count(1_400_000_000_000_000_000)
        self.app_id = self.new_id()
        self.guild_id = self.new_id()
        self.everyone_role = self.guild_id
        self.bot_role = self.new_id()
        self.mod_role = self.new_id()
        self.admin_role = self.new_id()
        self.bot = User(self.app_id, "threadkeeper", [self.bot_role], bot=True)
        self.alice = User(self.new_id(), "alice", [])
        self.bob = User(self.new_id(), "bob", [])
        self.mia = User(self.new_id(), "mia", [self.mod_role])  # a moderator
        self.ada = User(self.new_id(), "ada", [self.admin_role])  # a server admin
        self.users = {u.id: u for u in (self.bot, self.alice, self.bob, self.mia, self.ada)}
        self.general = self.new_id()
        self.mods = self.new_id()
        self.ai = self.new_id()
        self.lobby = self.new_id()  # the system channel
        self.channels: dict[str, Json] = {}
        for position, (cid, name) in enumerate(
            ((self.general, "general"), (self.mods, "moderators"), (self.ai, "ask-ai"), (self.lobby, "lobby"))
        ):
            self.channels[cid] = {
                "id": cid,
                "type": 0,
                "guild_id": self.guild_id,
                "name": name,
                "position": position,
                "permission_overwrites": [],
                "parent_id": None,
                "nsfw": False,
                "topic": None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
                "flags": 0,
            }
        self.threads: dict[str, Json] = {}
        self.messages: dict[str, Json] = {}
        self.revoked: set[str] = set()  # the bot's permissions an admin forgot to grant
        self.failures: dict[tuple[str, str], list[int]] = {}  # (method, path) -> statuses to answer
        self.calls: list[Call] = []
        self.posted: list[Posted] = []
        self.unknown: list[str] = []
        self.commands: dict[str, Json] = {}
        self.interactions: dict[str, InteractionRecord] = {}
        self.identified: list[Json] = []
        self.resumed = 0
        self.sockets: list[web.WebSocketResponse] = []
        self.seq = 0
        self.changed = asyncio.Condition()
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._routes: list[Route] = [
            ("GET", re.compile(r"/users/@me"), self._me),
            ("GET", re.compile(r"/oauth2/applications/@me"), self._application),
            ("GET", re.compile(r"/gateway(/bot)?"), self._gateway_url),
            (
                "PUT",
                re.compile(r"/applications/(?P<app>\d+)(/guilds/(?P<guild>\d+))?/commands"),
                self._put_commands,
            ),
            (
                "POST",
                re.compile(r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)/threads"),
                self._thread_from_message,
            ),
            ("POST", re.compile(r"/channels/(?P<cid>\d+)/threads"), self._thread_without_message),
            ("POST", re.compile(r"/channels/(?P<cid>\d+)/messages"), self._create_message),
            ("GET", re.compile(r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)"), self._get_message),
            ("PATCH", re.compile(r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)"), self._edit_message),
            ("POST", re.compile(r"/channels/(?P<cid>\d+)/typing"), self._no_content),
            ("PUT", re.compile(r"/channels/(?P<cid>\d+)/thread-members/(?P<uid>\d+|@me)"), self._no_content),
            ("GET", re.compile(r"/channels/(?P<cid>\d+)"), self._get_channel),
            ("PATCH", re.compile(r"/channels/(?P<cid>\d+)"), self._edit_channel),
            ("POST", re.compile(r"/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback"), self._callback),
            ("POST", re.compile(r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)"), self._followup),
            (
                "PATCH",
                re.compile(r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)"),
                self._edit_original,
            ),
            (
                "GET",
                re.compile(r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)"),
                self._get_original,
            ),
        ]

    # --- lifecycle -------------------------------------------------------------------------------

    def new_id(self) -> str:
        return str(next(self._ids))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- the server as Discord describes it -------------------------------------------------------

    def bot_permissions(self) -> int:
        return self._without_revoked(BOT_BITS)

    def _without_revoked(self, bits: int) -> int:
        for name in self.revoked:
            bits &= ~PERMISSIONS[name]
        return bits

    def roles(self) -> list[Json]:
        def role(rid: str, name: str, perms: int, position: int, **extra: Any) -> Json:
            return {
                "id": rid,
                "name": name,
                "permissions": str(perms),
                "position": position,
                "color": 0,
                "colors": {"primary_color": 0},
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
                **extra,
            }

        return [
            role(self.everyone_role, "@everyone", self._without_revoked(MEMBER_BITS), 0),
            role(
                self.bot_role,
                "Threadkeeper",
                self.bot_permissions(),
                1,
                managed=True,
                tags={"bot_id": self.bot.id},
            ),
            role(
                self.mod_role, "Moderators", MEMBER_BITS | PERMISSIONS["manage_threads"], 2, mentionable=True
            ),
            role(self.admin_role, "Admins", MEMBER_BITS | PERMISSIONS["manage_guild"], 3),
        ]

    def permissions_of(self, user: User) -> int:
        bits = MEMBER_BITS
        for role in self.roles():
            if role["id"] in user.roles:
                bits |= int(role["permissions"])
        return ALL_BITS if bits & PERMISSIONS["administrator"] else bits

    def guild(self) -> Json:
        return {
            "id": self.guild_id,
            "name": "Test Server",
            "icon": None,
            "owner_id": self.ada.id,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": self.roles(),
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": self.lobby,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "joined_at": iso(1_700_000_000),
            "large": False,
            "unavailable": False,
            "member_count": len(self.users),
            "voice_states": [],
            "members": [self.bot.member()],
            "channels": [{k: v for k, v in c.items() if k != "guild_id"} for c in self.channels.values()],
            "threads": [t for t in self.threads.values() if not t["thread_metadata"]["archived"]],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "premium_progress_bar_enabled": False,
        }

    def channel(self, cid: str) -> Json | None:
        return self.channels.get(cid) or self.threads.get(cid)

    def thread(self, tid: str | int) -> Json:
        return self.threads[str(tid)]

    def is_thread(self, cid: str) -> bool:
        return cid in self.threads

    def message(
        self,
        channel_id: str,
        author: User,
        content: str,
        *,
        mid: str | None = None,
        embeds: list[Json] | None = None,
        components: list[Json] | None = None,
        reference: Json | None = None,
        flags: int = 0,
    ) -> Json:
        mentioned = [self.users[u] for u in re.findall(r"<@!?(\d+)>", content) if u in self.users]
        data: Json = {
            "id": mid or self.new_id(),
            "channel_id": channel_id,
            "guild_id": self.guild_id,
            "author": author.payload(),
            "member": author.member(with_user=False),
            "content": content,
            "timestamp": iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [{**u.payload(), "member": u.member(with_user=False)} for u in mentioned],
            "mention_roles": re.findall(r"<@&(\d+)>", content),
            "attachments": [],
            "embeds": embeds or [],
            "pinned": False,
            "type": 19 if reference else 0,
            "flags": flags,
            "components": components or [],
        }
        if reference:
            data["message_reference"] = reference
        return data

    # --- gateway -------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        try:
            async for frame in ws:
                if frame.type is not WSMsgType.TEXT:
                    continue
                packet = json.loads(frame.data)
                op = packet.get("op")
                if op == 1:
                    await ws.send_json({"op": 11})
                elif op == 2:
                    self.identified.append(packet["d"])
                    await self._send(ws, "READY", self._ready())
                    await self._send(ws, "GUILD_CREATE", self.guild())
                elif op == 6:
                    self.resumed += 1
                    await self._send(ws, "RESUMED", {})
        finally:
            if ws in self.sockets:
                self.sockets.remove(ws)
        return ws

    def _ready(self) -> Json:
        return {
            "v": 10,
            "user": {**self.bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": self.guild_id, "unavailable": True}],
            "session_id": f"session-{self.new_id()}",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.app_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
        }

    async def _send(self, ws: web.WebSocketResponse, event: str, data: Json) -> None:
        self.seq += 1
        await ws.send_json({"op": 0, "t": event, "s": self.seq, "d": data})

    async def dispatch(self, event: str, data: Json) -> None:
        for ws in list(self.sockets):
            if not ws.closed:
                await self._send(ws, event, data)

    async def drop_connections(self) -> None:
        for ws in list(self.sockets):
            await ws.close()

    # --- members act ------------------------------------------------------------------------------

    async def say(self, channel_id: str | int, user: User, content: str, *, mid: str | None = None) -> Json:
        """A member posts a message (the bot gets MESSAGE_CREATE)."""
        cid = str(channel_id)
        thread = self.threads.get(cid)
        locked = thread is not None and thread["thread_metadata"]["locked"]
        if locked and not self.permissions_of(user) & PERMISSIONS["manage_threads"]:
            raise AssertionError(f"Discord does not let {user.name} post in a locked thread")
        if thread is not None and thread["thread_metadata"]["archived"]:
            # Writing in an archived thread unarchives it (a locked one stays locked).
            thread["thread_metadata"]["archived"] = False
            await self.dispatch("THREAD_UPDATE", thread)
        data = self.message(cid, user, content, mid=mid)
        self.messages[data["id"]] = data
        await self.dispatch("MESSAGE_CREATE", data)
        return data

    async def interact(
        self, kind: int, data: Json, user: User, channel_id: str, message: Json | None = None
    ) -> InteractionRecord:
        iid = self.new_id()
        token = f"token-{iid}"
        channel = dict(self.channel(channel_id) or {})
        channel["permissions"] = str(self.permissions_of(user))
        payload: Json = {
            "id": iid,
            "application_id": self.app_id,
            "type": kind,
            "data": data,
            "guild_id": self.guild_id,
            "guild": {"id": self.guild_id, "locale": "en-US", "features": []},
            "channel_id": channel_id,
            "channel": channel,
            "member": {**user.member(), "permissions": str(self.permissions_of(user))},
            "token": token,
            "version": 1,
            "app_permissions": str(self.bot_permissions()),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": self.guild_id},
            "context": 0,
            "attachment_size_limit": 10_485_760,
        }
        if message is not None:
            payload["message"] = message
        record = InteractionRecord(iid, token, payload)
        self.interactions[iid] = record
        await self.dispatch("INTERACTION_CREATE", payload)
        return record

    async def slash(
        self, user: User, path: str, channel_id: str | None = None, **values: Any
    ) -> InteractionRecord:
        """`/threadkeeper config set key:... value:...` as `slash(user, "threadkeeper config set", ...)`,
        typed from the command schema the bot registered."""
        name, *subs = path.split()
        command = self.commands[name]
        schema: Json = command
        chain: list[Json] = []
        for sub in subs:
            schema = next(o for o in schema.get("options", []) if o["name"] == sub)
            chain.append({"name": sub, "type": schema["type"], "options": []})
        resolved: Json = {}
        options = []
        for key, value in values.items():
            if value is None:
                continue
            option = next(o for o in schema.get("options", []) if o["name"] == key)
            kind = option["type"]
            if kind == 7:
                resolved.setdefault("channels", {})[str(value)] = {
                    **self.channel(str(value)),
                    "permissions": "0",
                }  # type: ignore[dict-item]
            elif kind == 8:
                resolved.setdefault("roles", {})[str(value)] = next(
                    r for r in self.roles() if r["id"] == str(value)
                )
            options.append(
                {"name": key, "type": kind, "value": value if kind in (3, 4, 5, 10) else str(value)}
            )
        if chain:
            chain[-1]["options"] = options
            for index in range(len(chain) - 1, 0, -1):
                chain[index - 1]["options"] = [chain[index]]
            options = [chain[0]]
        data = {"id": command["id"], "name": name, "type": 1, "guild_id": self.guild_id, "options": options}
        if resolved:
            data["resolved"] = resolved
        return await self.interact(2, data, user, channel_id or self.general)

    async def context_menu(self, user: User, name: str, message_id: str) -> InteractionRecord:
        command = self.commands[name]
        message = self.messages[message_id]
        data = {
            "id": command["id"],
            "name": name,
            "type": 3,
            "guild_id": self.guild_id,
            "target_id": message_id,
            "resolved": {"messages": {message_id: message}},
        }
        return await self.interact(2, data, user, message["channel_id"])

    async def click(self, user: User, message_id: str, custom_id: str) -> InteractionRecord:
        message = self.messages[message_id]
        data = {"custom_id": custom_id, "component_type": 2}
        return await self.interact(3, data, user, message["channel_id"], message)

    def fail(self, method: str, path: str, *statuses: int) -> None:
        """Answer the next requests to `method path` with these error statuses (Discord hiccups)."""
        self.failures.setdefault((method, path), []).extend(statuses)

    # --- waiting -------------------------------------------------------------------------------

    async def _changed(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def wait_for(self, check: Callable[[], Any], within: float = 5.0, what: str = "") -> Any:
        """The first truthy `check()`, re-evaluated after every REST call."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            found = check()
            if found:
                return found
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what or check}")
            async with self.changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.changed.wait(), min(remaining, 0.2))

    # --- what the bot did ------------------------------------------------------------------------

    def in_channel(self, channel_id: str | int) -> list[Posted]:
        return [
            p
            for p in self.posted
            if p.via != "followup" and not p.ephemeral and p.channel_id == str(channel_id)
        ]

    def patches(self, channel_id: str | int) -> list[Call]:
        return [c for c in self.calls if c.method == "PATCH" and c.path == f"/channels/{channel_id}"]

    def pinged(self, posted: Posted) -> set[str]:
        """Whom a posted message notified, by Discord's rules for `allowed_mentions`."""
        allowed = posted.body.get("allowed_mentions")
        content = posted.content
        parse = {"everyone", "users", "roles"} if allowed is None else set(allowed.get("parse", []))
        users = {str(u) for u in (allowed or {}).get("users", [])}
        roles = {str(r) for r in (allowed or {}).get("roles", [])}
        out: set[str] = set()
        if "everyone" in parse and re.search(r"@(everyone|here)", content):
            out.add("@everyone")
        for uid in re.findall(r"<@!?(\d+)>", content):
            if "users" in parse or uid in users:
                out.add(uid)
        for rid in re.findall(r"<@&(\d+)>", content):
            if "roles" in parse or rid in roles:
                out.add(f"&{rid}")
        return out

    # --- REST ----------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if raw and request.content_type == "application/json":
                body = json.loads(raw)
            elif raw and request.content_type.startswith("multipart/"):
                body = {"multipart": True}
        self.calls.append(Call(request.method, path, dict(request.query), body, time.monotonic()))
        try:
            injected = self.failures.get((request.method, path))
            if injected:
                return error(injected.pop(0), 0, "injected failure")
            for method, pattern, handler in self._routes:
                found = pattern.fullmatch(path)
                if found and method == request.method:
                    return await handler(request, body or {}, **found.groupdict())
            self.unknown.append(f"{request.method} {path}")
            return error(404, 0, f"fake Discord has no route {request.method} {path}")
        finally:
            await self._changed()

    async def _me(self, request: web.Request, body: Json) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bot {TOKEN}":
            return error(401, 0, "401: Unauthorized")
        return json_response({**self.bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0})

    async def _application(self, request: web.Request, body: Json) -> web.StreamResponse:
        return json_response(
            {
                "id": self.app_id,
                "name": "Threadkeeper",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.ada.payload(),
                "verify_key": "0" * 64,
                "flags": 0,
                "team": None,
            }
        )

    async def _gateway_url(self, request: web.Request, body: Json) -> web.StreamResponse:
        return json_response({"url": self.gateway_url, "shards": 1})

    async def _put_commands(
        self, request: web.Request, body: Any, app: str, guild: str | None
    ) -> web.StreamResponse:
        out = []
        for command in body:
            stored = {
                **command,
                "id": self.commands.get(command["name"], {}).get("id") or self.new_id(),
                "application_id": self.app_id,
                "version": self.new_id(),
                "type": command.get("type", 1),
                "description": command.get("description") or "",
            }
            if guild:
                stored["guild_id"] = guild
            self.commands[command["name"]] = stored
            out.append(stored)
        return json_response(out)

    def _denied(self, *needed: str) -> web.Response | None:
        if any(p in self.revoked for p in needed):
            return error(403, 50013, "Missing Permissions")
        return None

    async def _thread_from_message(
        self, request: web.Request, body: Json, cid: str, mid: str
    ) -> web.StreamResponse:
        if (denied := self._denied("create_public_threads")) is not None:
            return denied
        if mid in self.threads:
            return error(400, 160004, "A thread has already been created for this message")
        return await self._new_thread(cid, mid, body)

    async def _thread_without_message(self, request: web.Request, body: Json, cid: str) -> web.StreamResponse:
        if (denied := self._denied("create_public_threads")) is not None:
            return denied
        return await self._new_thread(cid, self.new_id(), body)

    async def _new_thread(self, cid: str, tid: str, body: Json) -> web.StreamResponse:
        now = iso()
        thread = {
            "id": tid,
            "guild_id": self.guild_id,
            "parent_id": cid,
            "owner_id": self.bot.id,
            "name": body["name"],
            "type": body.get("type") or 11,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "total_message_sent": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration") or 1440,
                "archive_timestamp": now,
                "locked": False,
                "create_timestamp": now,
            },
        }
        self.threads[tid] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return json_response(thread, 201)

    async def _create_message(self, request: web.Request, body: Json, cid: str) -> web.StreamResponse:
        channel = self.channel(cid)
        if channel is None:
            return error(404, 10003, "Unknown Channel")
        if self.is_thread(cid):
            denied = self._denied("send_messages_in_threads")
            meta = channel["thread_metadata"]
            if denied is None and meta["archived"]:
                meta["archived"] = False  # posting unarchives; the bot may post in locked threads
                await self.dispatch("THREAD_UPDATE", channel)
        else:
            denied = self._denied("send_messages")
        if denied is None and body.get("embeds"):
            denied = self._denied("embed_links")
        if denied is not None:
            return denied
        data = self.message(
            cid,
            self.bot,
            body.get("content") or "",
            embeds=body.get("embeds"),
            components=body.get("components"),
            reference=body.get("message_reference"),
            flags=body.get("flags") or 0,
        )
        data["mention_roles"] = sorted(
            r[1:] for r in self.pinged(Posted(data, body, "channel")) if r.startswith("&")
        )
        self.messages[data["id"]] = data
        self.posted.append(Posted(data, body, "channel"))
        await self.dispatch("MESSAGE_CREATE", data)
        return json_response(data)

    async def _get_message(self, request: web.Request, body: Json, cid: str, mid: str) -> web.StreamResponse:
        message = self.messages.get(mid)
        if message is None or message["channel_id"] != cid:
            return error(404, 10008, "Unknown Message")
        return json_response(message)

    async def _edit_message(self, request: web.Request, body: Json, cid: str, mid: str) -> web.StreamResponse:
        message = self.messages.get(mid)
        if message is None or message["channel_id"] != cid:
            return error(404, 10008, "Unknown Message")
        self._apply_edit(message, body)
        await self.dispatch("MESSAGE_UPDATE", message)
        return json_response(message)

    @staticmethod
    def _apply_edit(message: Json, body: Json) -> None:
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        message["edited_timestamp"] = iso()

    async def _no_content(self, request: web.Request, body: Json, **_: str) -> web.StreamResponse:
        return web.Response(status=204)

    async def _get_channel(self, request: web.Request, body: Json, cid: str) -> web.StreamResponse:
        channel = self.channel(cid)
        if channel is None:
            return error(404, 10003, "Unknown Channel")
        return json_response(channel)

    async def _edit_channel(self, request: web.Request, body: Json, cid: str) -> web.StreamResponse:
        thread = self.threads.get(cid)
        if thread is None:
            return error(404, 10003, "Unknown Channel")
        meta = thread["thread_metadata"]
        if body.get("locked") and (denied := self._denied("manage_threads")) is not None:
            return denied
        if meta["archived"] and body.get("archived", True) and ("locked" in body or "name" in body):
            return error(400, 50083, "Thread is archived")
        for key in ("archived", "locked", "auto_archive_duration"):
            if key in body:
                meta[key] = body[key]
        if "name" in body:
            thread["name"] = body["name"]
        if "archived" in body:
            meta["archive_timestamp"] = iso()
        await self.dispatch("THREAD_UPDATE", thread)
        return json_response(thread)

    # --- interactions --------------------------------------------------------------------------

    async def _callback(self, request: web.Request, body: Json, iid: str, token: str) -> web.StreamResponse:
        record = self.interactions.get(iid)
        if record is None or record.token != token:
            return error(404, 10062, "Unknown interaction")
        if record.callbacks:
            return error(400, 40060, "Interaction has already been acknowledged.")
        record.callbacks.append(body)
        kind = body["type"]
        data = body.get("data") or {}
        ephemeral = bool(data.get("flags", 0) & 64)
        answer: Json = {
            "interaction": {
                "id": iid,
                "type": record.payload["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": ephemeral,
            },
            "resource": {"type": kind},
        }
        channel_id = record.payload["channel_id"]
        if kind == 4:
            message = self.message(
                channel_id,
                self.bot,
                data.get("content") or "",
                embeds=data.get("embeds"),
                components=data.get("components"),
                flags=data.get("flags") or 0,
            )
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"]["message"] = message
            self.messages[message["id"]] = message
            self.posted.append(Posted(message, data, "callback", ephemeral, iid))
            if not ephemeral:
                await self.dispatch("MESSAGE_CREATE", message)
        elif kind == 7:
            message = self.messages[record.payload["message"]["id"]]
            self._apply_edit(message, data)
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"]["message"] = message
            await self.dispatch("MESSAGE_UPDATE", message)
        return json_response(answer)

    def _record_for(self, token: str) -> InteractionRecord | None:
        return next((r for r in self.interactions.values() if r.token == token), None)

    async def _followup(self, request: web.Request, body: Json, app: str, token: str) -> web.StreamResponse:
        record = self._record_for(token)
        if record is None:
            return error(404, 10015, "Unknown Webhook")
        ephemeral = bool(body.get("flags", 0) & 64)
        message = self.message(
            record.payload["channel_id"],
            self.bot,
            body.get("content") or "",
            embeds=body.get("embeds"),
            components=body.get("components"),
            flags=body.get("flags") or 0,
        )
        self.messages[message["id"]] = message
        posted = Posted(message, body, "followup", ephemeral, record.id)
        record.followups.append(posted)
        self.posted.append(posted)
        return json_response(message)

    async def _edit_original(
        self, request: web.Request, body: Json, app: str, token: str, mid: str
    ) -> web.StreamResponse:
        record = self._record_for(token)
        if record is None:
            return error(404, 10015, "Unknown Webhook")
        target = record.payload.get("message") if mid == "@original" else self.messages.get(mid)
        if target is None:
            target = self.message(record.payload["channel_id"], self.bot, "")
        message = self.messages.setdefault(target["id"], target)
        self._apply_edit(message, body)
        return json_response(message)

    async def _get_original(
        self, request: web.Request, body: Json, app: str, token: str, mid: str
    ) -> web.StreamResponse:
        record = self._record_for(token)
        if record is None:
            return error(404, 10015, "Unknown Webhook")
        return json_response(self.message(record.payload["channel_id"], self.bot, ""))
