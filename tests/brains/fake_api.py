"""A local stand-in for Anthropic's `POST /v1/messages`, driven by the unmodified `anthropic` SDK.

Each request is answered by the next scripted outcome (`push`), or by `model` when the script is
empty. Outcomes are messages with tool calls, API errors (with `retry-after` headers), or a hang.
Every request is captured with its raw body and headers. Usage is computed the way the service
does it, from an emulated prompt cache: what an earlier request marked with `cache_control` is
read back (`cache_read_input_tokens`), newly marked bytes are written (`cache_creation_...`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.brains import wire

# Error responses tell the SDK to wait this long before retrying, so tests stay fast.
FAST_RETRY = {"retry-after-ms": "5"}


@dataclass
class Outcome:
    """What the fake answers one request with."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Captured:
    body: bytes
    json: dict[str, Any]
    headers: dict[str, str]  # lower-cased names
    at: float  # time.monotonic() on arrival

    @property
    def tool_names(self) -> list[str]:
        return [t["name"] for t in self.json.get("tools", [])]

    def texts(self) -> list[str]:
        """Every text block of the messages, in order (tool results included as their content)."""
        found: list[str] = []
        for message in self.json["messages"]:
            for block in message["content"]:
                if block.get("type") == "text":
                    found.append(block["text"])
                elif block.get("type") == "tool_result":
                    content = block.get("content")
                    found.append(content if isinstance(content, str) else json.dumps(content))
        return found


Model = Callable[[dict[str, Any]], Outcome]

_ids = itertools.count(1)


def call(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"type": "tool_use", "id": f"toolu_{next(_ids):06d}", "name": name, "input": payload}


def respond(
    reply: str,
    category: str = "ok",
    severity: str | None = None,
    behaviour: str = "",
    crisis: bool | None = None,
) -> dict[str, Any]:
    """A `respond` tool call; severity and crisis follow the category unless given."""
    risk = category in ("self_harm_risk", "violence_risk")
    if severity is None:
        severity = "none" if category in ("ok", "user_requests_end", "user_confirms_end") else "medium"
    assessment = {
        "category": category,
        "severity": severity,
        "behaviour": behaviour,
        "crisis": risk if crisis is None else crisis,
    }
    return call("respond", {"reply": reply, "assessment": assessment})


def end(reason: str = "continued insults after the warning") -> dict[str, Any]:
    return call("end_conversation", {"reason": reason})


def message(*blocks: dict[str, Any], stop_reason: str = "tool_use") -> Outcome:
    return Outcome(
        body={
            "id": f"msg_{next(_ids):06d}",
            "type": "message",
            "role": "assistant",
            "model": "filled-in",
            "content": list(blocks),
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {},
        }
    )


def error(status: int, kind: str, text: str = "", headers: dict[str, str] | None = None) -> Outcome:
    return Outcome(
        status=status,
        body={"type": "error", "error": {"type": kind, "message": text or kind}},
        headers=FAST_RETRY if headers is None else headers,
    )


def overloaded() -> Outcome:
    return error(529, "overloaded_error", "Overloaded")


def server_error() -> Outcome:
    return error(500, "api_error", "Internal server error")


def rate_limited(retry_after: str) -> Outcome:
    return error(429, "rate_limit_error", "Too many requests", {"retry-after": retry_after})


def hang(seconds: float) -> Outcome:
    return Outcome(delay=seconds, body=message(respond("too late")).body)


class FakeAnthropic:
    def __init__(self, model: Model | None = None) -> None:
        self.model = model
        self.script: deque[Outcome] = deque()
        self.requests: list[Captured] = []
        self.written: set[str] = set()  # emulated prompt cache: digests of marked prefixes
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()  # ends hanging responses when the server closes

    def push(self, *outcomes: Outcome) -> None:
        self.script.extend(outcomes)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/messages", self._messages)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _messages(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw)
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.requests.append(Captured(raw, body, headers, time.monotonic()))
        if "x-api-key" not in headers and not headers.get("authorization", "").startswith("Bearer "):
            return web.json_response(
                {"type": "error", "error": {"type": "authentication_error", "message": "no key"}}, status=401
            )
        if self.script:
            outcome = self.script.popleft()
        elif self.model is not None:
            outcome = self.model(body)
        else:
            outcome = error(500, "api_error", "nothing scripted for this request")
        if outcome.delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), outcome.delay)
        if outcome.status != 200:
            return web.json_response(outcome.body, status=outcome.status, headers=outcome.headers)
        answer = dict(outcome.body)
        answer["model"] = body["model"]
        answer["usage"] = self._usage(body, answer)
        return web.json_response(answer, headers=outcome.headers)

    def _usage(self, body: dict[str, Any], answer: dict[str, Any]) -> dict[str, int]:
        seen = wire.shape(body)
        read = wire.readable(seen, self.written)
        marked = len(seen.cached_prefix)
        self.written.update(seen.prefix_hashes().values())
        return {
            "input_tokens": wire.tokens(seen.size - max(marked, read)),
            "cache_read_input_tokens": wire.tokens(read),
            "cache_creation_input_tokens": wire.tokens(max(0, marked - read)),
            "output_tokens": wire.tokens(len(json.dumps(answer["content"]))),
        }
