"""Request size and cacheable share per turn of a long thread, through the engine and the real SDK.

    .venv/bin/python -m tests.brains.measure [TURNS [TRANSCRIPT_MAX_ENTRIES]]

drives one thread of ordinary conversation (varied message and reply lengths, deterministic) for
TURNS turns (default 200) against the fake Messages API, with the default configuration (or a
longer stored transcript, so the token budget is what bounds the history) and the embedded store,
and prints the request bytes at turns 1, 20 and 200 and the share of each request
that the prompt cache can serve (the prefix an earlier request marked), from turn 3 on.
"""

from __future__ import annotations

import asyncio
import random
import sys
from dataclasses import dataclass
from typing import Any

from bot.brains.anthropic import AnthropicBrain, make_client
from bot.brains.offline import OfflineBrain
from bot.core.config import AppConfig, load_app_config
from bot.core.domain import Inbound
from bot.core.engine import Engine
from bot.core.ports import Store
from bot.safety import LocalSafetyNet
from bot.settings import Settings
from bot.store import embedded_store
from tests.brains import wire
from tests.brains.fake_api import Captured, FakeAnthropic, Outcome, message, respond

_TEXT = (
    "the build fails on the second step when the cache is cold and I can't see why it would "
    "depend on ordering since every job pins its own versions and the runner image is fixed"
)
_WORDS = _TEXT.split(" ")


def chatter(seed: int = 7) -> tuple[list[str], Any]:
    """Member messages of 40-300 characters and a model that replies in 150-700 characters."""
    rng = random.Random(seed)

    def sentence(low: int, high: int) -> str:
        words: list[str] = []
        target = rng.randint(low, high)
        while sum(len(w) + 1 for w in words) < target:
            words.append(rng.choice(_WORDS))
        return " ".join(words).capitalize() + "?"

    messages = [sentence(40, 300) for _ in range(1000)]

    def model(body: dict[str, Any]) -> Outcome:
        return message(respond(sentence(150, 700)))

    return messages, model


@dataclass
class TurnCost:
    turn: int
    body_bytes: int  # the HTTP request body
    canonical: int  # the same request in cache order, markers left out
    marked: int  # bytes up to the last breakpoint
    readable: int  # bytes the cache could serve from earlier requests' breakpoints

    @property
    def read_share(self) -> float:
        return self.readable / self.canonical


def costs(requests: list[Captured]) -> list[TurnCost]:
    """One entry per request (one per turn when every turn is answered on the first call)."""
    written: set[str] = set()
    found = []
    for turn, request in enumerate(requests, start=1):
        seen = wire.shape(request.json)
        readable = wire.readable(seen, written)
        written.update(seen.prefix_hashes().values())
        found.append(TurnCost(turn, len(request.body), seen.size, len(seen.cached_prefix), readable))
    return found


async def drive(store: Store, app: AppConfig, fake: FakeAnthropic, turns: int, thread: str = "m1") -> None:
    texts, model = chatter()
    fake.model = model
    settings = Settings(anthropic_api_key="measure", anthropic_base_url=fake.url, redis_url=None)
    brain = AnthropicBrain(make_client(settings, app.brain), app.brain)
    engine = Engine(store, brain, LocalSafetyNet(), app, fallback=OfflineBrain())
    try:
        for n in range(1, turns + 1):
            msg = Inbound(
                platform="measure",
                space_id="s1",
                thread_id=thread,
                author_id="ana",
                author_name="ana",
                message_id=f"{thread}-{n}",
                text=texts[n - 1],
            )
            outcome = await engine.handle(msg)
            assert not any(getattr(a, "kind", "") == "degraded" for a in outcome.inline), "turn degraded"
    finally:
        await brain.aclose()


def report(found: list[TurnCost]) -> str:
    lines = ["turn  body bytes  cache-order bytes  marked prefix  readable from cache"]
    for turn in (1, 2, 3, 20, 100, len(found)):
        if turn <= len(found):
            c = found[turn - 1]
            lines.append(
                f"{c.turn:>4}  {c.body_bytes:>10,}  {c.canonical:>17,}  {c.marked:>13,}  "
                f"{c.readable:>10,} ({c.read_share:.1%})"
            )
    later = found[2:]
    if later:
        total = sum(c.canonical for c in later)
        read = sum(c.readable for c in later)
        marked = sum(c.marked for c in later)
        worst = min(later, key=lambda c: c.read_share)
        lines.append(
            f"turns 3-{len(found)}: {marked / total:.1%} of request bytes are a cacheable prefix "
            f"(up to the last breakpoint); {read / total:.1%} readable from the cache written by earlier "
            f"turns (lowest {worst.read_share:.1%} at turn {worst.turn}, where the history window moved "
            f"on); largest body {max(c.body_bytes for c in found):,} bytes"
        )
    return "\n".join(lines)


async def main(turns: int, transcript: int | None) -> None:
    app = load_app_config()
    app = app.model_copy(update={"space": app.space.model_copy(update={"model": "claude-sonnet-4-6"})})
    if transcript is not None:  # keep more lines in the store, so the token budget binds
        app = app.model_copy(
            update={"store": app.store.model_copy(update={"transcript_max_entries": transcript})}
        )
    fake = FakeAnthropic()
    await fake.start()
    store = embedded_store(app.store)
    try:
        await drive(store, app, fake, turns)
    finally:
        await store.close()
        await fake.close()
    print(report(costs(fake.requests)))


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(args[0] if args else 200, args[1] if len(args) > 1 else None))
