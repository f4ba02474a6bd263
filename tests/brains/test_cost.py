"""Cost: the cached prefix is stable from turn to turn, and requests stay flat as a thread grows."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest_asyncio

from bot.brains.anthropic.history import estimate_tokens
from bot.core.config import AppConfig, StoreConfig, load_app_config
from bot.store import RedisStore, connect
from tests.brains import wire
from tests.brains.conftest import configure, quick
from tests.brains.fake_api import Captured, FakeAnthropic
from tests.brains.measure import TurnCost, costs, drive, report
from tests.conftest import drop_keys

TURNS = 200


async def long_thread(redis_url: str, app: AppConfig, store_cfg: StoreConfig, turns: int) -> list[Captured]:
    store: RedisStore = await connect(redis_url, store_cfg, prefix="tkt-brain-cost")
    fake = FakeAnthropic()
    await fake.start()
    try:
        await drive(store, app, fake, turns)
    finally:
        await fake.close()
        await store.close()
        await drop_keys(redis_url, "tkt-brain-cost")
    assert len(fake.requests) == turns  # one call per turn: every turn answered first time
    return fake.requests


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def default_thread(redis_url: str) -> AsyncIterator[list[Captured]]:
    """200 turns of ordinary conversation with the default configuration (real Redis)."""
    app = quick(load_app_config())
    yield await long_thread(redis_url, app, app.store, TURNS)


def _first_history_text(request: Captured) -> str:
    return str(request.json["messages"][0]["content"][0]["text"])


def test_the_bytes_up_to_the_last_breakpoint_repeat_on_the_next_turn(default_thread: list[Captured]) -> None:
    shapes = [wire.shape(r.json) for r in default_thread]
    moves = 0
    for turn, (this, following) in enumerate(itertools.pairwise(shapes), start=1):
        assert len(this.marks) == 4 or turn == 1  # tools, system, older history, newest message
        if following.data.startswith(this.cached_prefix):
            continue
        # Only when the window moved on to its next step may the history part differ; the tools
        # and system prompt (the first breakpoints) are still the same bytes.
        moves += 1
        assert _first_history_text(default_thread[turn - 1]) != _first_history_text(default_thread[turn])
        fixed = this.ends[this.marks[1]]
        assert following.data[:fixed] == this.data[:fixed]
    app = load_app_config()
    assert moves <= TURNS // app.brain.history_step_turns + 1


def test_the_system_prompt_and_tools_are_byte_identical_on_every_turn(default_thread: list[Captured]) -> None:
    first = default_thread[0].json
    for request in default_thread[1:]:
        assert request.json["tools"] == first["tools"]
        assert request.json["system"] == first["system"]
        assert request.json["tool_choice"] == first["tool_choice"]


def test_the_request_at_turn_200_is_no_larger_than_1_2_times_turn_20(default_thread: list[Captured]) -> None:
    sizes = [len(r.body) for r in default_thread]
    assert sizes[199] <= 1.2 * sizes[19], (sizes[19], sizes[199])
    assert max(sizes[19:]) <= 1.25 * sizes[19]


def test_at_least_90_percent_of_the_bytes_are_read_from_the_cache_from_turn_3_on(
    default_thread: list[Captured],
) -> None:
    found: list[TurnCost] = costs(default_thread)[2:]
    share = sum(c.readable for c in found) / sum(c.canonical for c in found)
    assert share >= 0.90, share
    marked = sum(c.marked for c in found) / sum(c.canonical for c in found)
    assert marked >= 0.95, marked


async def test_the_token_budget_bounds_the_history_when_the_store_keeps_more(redis_url: str) -> None:
    app = configure(quick(load_app_config()), history_tokens=1500)
    roomy = app.store.model_copy(update={"transcript_max_entries": 1000})
    requests = await long_thread(redis_url, app, roomy, 120)
    sizes = [len(r.body) for r in requests]
    assert sizes[-1] <= 1.2 * sizes[19], (sizes[19], sizes[-1])
    for request in requests:
        history = [b["text"] for m in request.json["messages"] for b in m["content"]][:-2]
        assert sum(map(estimate_tokens, history)) <= 1500


def test_measure_reports_the_figures(default_thread: list[Captured]) -> None:
    text = report(costs(default_thread))
    assert "turns 3-200" in text and text.splitlines()[1].split()[0] == "1"
