"""The shared conversation scenarios, replayed through Discord: what members and moderators see
must meet each scenario's expectations and the rules that always hold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.actions import End, Escalate
from bot.core.domain import Actor
from bot.evaluation.runner import scenario_config
from bot.evaluation.scenario import Scenario, load_scenarios
from bot.platforms.discord.views import CONFIRM_END
from tests.discord.conftest import APP, Harness
from tests.discord.fake_discord import FakeDiscord, Posted

SHARED = Path(__file__).resolve().parents[3] / "shared" / "scenarios"


def shared() -> list[object]:
    if not SHARED.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{SHARED} is missing"), id="missing")]
    return [pytest.param(s, id=s.name) for s in load_scenarios([SHARED])]


@pytest.mark.parametrize("scenario", shared())
async def test_shared_scenario_through_discord(harness: Harness, scenario: Scenario) -> None:
    if any(step.wait_minutes for step in scenario.turns):
        pytest.skip("needs simulated time")
    fake = harness.fake
    overrides = scenario_config(APP.space, scenario)
    bot = await harness.start(moderator_channel=fake.mods, moderator_role=fake.mod_role, **overrides)
    members = {"member": fake.alice}
    others = [fake.bob, fake.ada]
    thread = ""
    ended_turn: int | None = None
    end_actor: Actor | None = None
    escalations = 0
    for number, step in enumerate(scenario.turns, start=1):
        if step.action == "reopen":
            record = await fake.slash(fake.mia, "threadkeeper reopen", thread=thread)
            await bot.replies(record)
            continue
        if step.user not in members:
            members[step.user] = others.pop(0)
        user = members[step.user]
        text = step.text or ""
        if not thread:
            thread, message = await bot.open_thread(user, text)
        else:
            if fake.thread(thread)["thread_metadata"]["locked"]:
                user = fake.mia  # members cannot post in a locked thread; a moderator still can
            message = await bot.say(thread, user, text)
        outcome = bot.outcome(message)
        for action in outcome.actions:
            if isinstance(action, End) and ended_turn is None:
                ended_turn, end_actor = number, action.actor
                await fake.wait_for(locked_check(fake, thread), what="locked")
            elif isinstance(action, Escalate):
                escalations += 1
                await fake.wait_for(alerts_check(fake, escalations), what="the alert")

    posted = fake.in_channel(thread)
    warnings = [p for p in posted if p.content.startswith("⚠️")]
    closing = next((i for i, p in enumerate(posted) if _is_closing(p)), None)
    expect = scenario.expect
    locked = fake.thread(thread)["thread_metadata"]["locked"]
    if expect.ended is not None:
        assert locked == expect.ended
    if expect.ended_by_turn is not None:
        assert ended_turn is not None and ended_turn <= expect.ended_by_turn
    if expect.not_ended_before_turn is not None:
        assert ended_turn is None or ended_turn >= expect.not_ended_before_turn
    if expect.warned is not None:
        assert bool(warnings) == expect.warned
    for word in expect.warning_mentions:
        assert any(word.lower() in w.content.lower() for w in warnings)
    if expect.escalated is not None:
        assert bool(alerts(fake)) == expect.escalated
    if expect.escalation_category is not None:
        assert expect.escalation_category in alerts(fake)[0].text
    if expect.confirm_asked is not None:
        assert any(CONFIRM_END in p.custom_ids for p in posted) == expect.confirm_asked
    if expect.replies_after_end is not None and closing is not None:
        assert len(posted) - closing - 1 == expect.replies_after_end

    # Always: a warning before any ending the bot decided; nothing after an ending; no pings
    # except the moderator role on an alert, once per episode.
    if end_actor is Actor.MODEL:
        assert warnings and closing is not None and posted.index(warnings[0]) < closing
    if ended_turn is not None:
        assert closing == len(posted) - 1
    assert [p for p in fake.posted if fake.pinged(p)] == alerts(fake)[:1]


def locked_check(fake: FakeDiscord, thread: str) -> Callable[[], bool]:
    return lambda: bool(fake.thread(thread)["thread_metadata"]["locked"])


def alerts_check(fake: FakeDiscord, count: int) -> Callable[[], bool]:
    return lambda: len(alerts(fake)) >= count


def alerts(fake: FakeDiscord) -> list[Posted]:
    return [p for p in fake.in_channel(fake.mods) if "escalation" in p.content.lower()]


def _is_closing(posted: Posted) -> bool:
    texts = APP.space.texts
    return posted.content.startswith(texts.user_closing[:40]) or "ending this conversation" in posted.content
