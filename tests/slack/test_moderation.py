"""What moderators see and do in Slack: crisis alerts, their buttons, disputed endings, reopening,
and what admins are told when the workspace is not set up right."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable

import pytest

from bot.core.config import SlackConfig, StoreConfig, load_app_config
from bot.core.ports import Routed
from tests.conftest import RedisServer
from tests.slack.conftest import MakeSlack
from tests.slack.fake_slack import TEAM, FakeSlack, Posted
from tests.slack.harness import CHANNEL, GROUP, MODS, SlackHarness
from tests.slack.test_conversations import INSULTS, closing_messages

CRISIS = "I've decided I'm going to kill myself tonight, nobody would notice"
LATER = "I already wrote the note"


async def ended_thread(slack: SlackHarness) -> tuple[str, Posted]:
    root = await slack.mention("can you help me with a cover letter?")
    for text in INSULTS:
        await slack.say(text, thread_ts=root)
    (closing,) = closing_messages(slack.thread(root))
    return root, copy.deepcopy(closing)


async def test_crisis_alert_pings_the_group_once_and_later_signals_update_it(slack: SlackHarness) -> None:
    await slack.with_moderators()
    root = await slack.mention("you useless bot")
    said = await slack.say(CRISIS, thread_ts=root)
    care = slack.thread(root)[-1]
    assert "crisis line" in care.text or "988" in care.text
    (alert,) = slack.moderators()
    assert f"<!subteam^{GROUP}>" in alert.text
    assert "Self-harm risk" in alert.everything and "alice" in alert.everything
    assert "kill myself tonight" in alert.everything
    link = f"https://tk-test.slack.com/archives/{CHANNEL}/p{said.replace('.', '')}"
    assert link in alert.everything, "a permalink to what the member wrote"
    assert alert.action_ids() == ["tk_alert_ack", "tk_alert_claim", "tk_open_thread"]
    await slack.say(LATER, thread_ts=root)
    assert len(slack.moderators()) == 1, "the same alert, not a new one"
    assert slack.group_pings() == 1, "the group is pinged once per episode"
    updated = slack.moderators()[0]
    assert updated.edits == 1 and "2 signals" in updated.everything and "wrote the note" in updated.everything
    assert not closing_messages(slack.thread(root)), "a crisis never ends the thread"


async def test_acknowledge_and_claim_are_audited_and_shown(slack: SlackHarness) -> None:
    await slack.with_moderators()
    slack.fake.add_user("UMOD2", "max")
    slack.fake.groups[GROUP].append("UMOD2")
    root = await slack.mention(CRISIS)
    alert = copy.deepcopy(slack.moderators()[0])
    refused = await slack.press(alert, "tk_alert_claim", user="U2")  # in the channel, not a moderator
    assert refused is not None and refused["text"] == load_app_config().space.texts.alert_not_allowed
    answer = await slack.press(alert, "tk_alert_ack", user="UMOD")
    assert answer is not None and "you acknowledged this alert" in answer["text"]
    await slack.press(alert, "tk_alert_claim", user="UMOD2")
    shown = slack.moderators()[0]
    assert "Acknowledged by mo" in shown.everything and "Claimed by max" in shown.everything
    assert slack.group_pings() == 1, "buttons never ping again"
    audit = await slack.command(f"audit {CHANNEL}:{root}", user="UADMIN")
    assert "acknowledge" in audit and "by moderator (UMOD)" in audit
    assert "claim" in audit and "by moderator (UMOD2)" in audit
    assert "escalate" in audit


async def test_not_fair_feedback_reaches_the_moderators_once(slack: SlackHarness) -> None:
    await slack.with_moderators()
    _, closing = await ended_thread(slack)
    texts = load_app_config().space.texts
    answer = await slack.press(closing, "tk_feedback_unfair")
    assert answer is not None and answer["text"] == texts.feedback_disputed
    (dispute,) = slack.moderators()
    assert "Ending disputed" in dispute.everything
    assert "insults aimed at me" in dispute.everything and "alice" in dispute.everything
    assert "idiot" in dispute.everything, "moderators see how the conversation ended"
    assert "tk_dispute_reopen" in dispute.action_ids()
    again = await slack.press(closing, "tk_feedback_unfair")
    assert again is not None and again["text"] == texts.feedback_already
    fair = await slack.press(closing, "tk_feedback_fair", user="U2")
    assert fair is not None and fair["text"] == texts.feedback_fair
    assert len(slack.moderators()) == 1
    assert slack.group_pings() == 0, "a dispute is not an emergency"
    stats = await slack.runtime.store.stats("slack", TEAM)
    assert stats["disputed_endings"] == 1 and stats["fair_endings"] == 1


async def test_reopen_from_a_dispute_by_a_moderator_only(slack: SlackHarness) -> None:
    await slack.with_moderators()
    root, closing = await ended_thread(slack)
    await slack.press(closing, "tk_feedback_unfair")
    dispute = copy.deepcopy(slack.moderators()[0])
    refused = await slack.press(dispute, "tk_dispute_reopen", user="U2")
    assert refused is not None and refused["text"].startswith("Sorry, only moderators and admins")
    count = len(slack.thread(root))
    await slack.say("hello?", thread_ts=root)
    assert len(slack.thread(root)) == count, "still ended"
    done = await slack.press(dispute, "tk_dispute_reopen", user="UMOD")
    assert done is not None and "is open again" in done["text"]
    assert "reopened this conversation" in slack.thread(root)[-1].text
    assert "Reopened by mo" in slack.moderators()[0].everything
    assert "lock" not in slack.fake.root_reactions[(CHANNEL, root)]
    await slack.say("thanks for coming back, can we start over?", thread_ts=root)
    assert len(slack.thread(root)) == count + 2, "the bot answers again"


async def test_moderator_channel_without_the_bot_is_reported_and_the_alert_waits(
    make_slack: MakeSlack,
) -> None:
    base = load_app_config()
    config = base.model_copy(
        update={
            "store": StoreConfig(outbox_claim_idle_seconds=1),
            "slack": SlackConfig(admin_user_ids=("UADMIN",)),
        }
    )
    slack = await make_slack(config)
    slack.fake.groups[GROUP] = ["UMOD"]
    root = await slack.mention(CRISIS)
    assert "crisis line" in slack.thread(root)[-1].text or "988" in slack.thread(root)[-1].text
    assert slack.moderators() == []
    (dm,) = slack.fake.direct_messages("UADMIN")
    assert "No moderator channel is set" in dm.text
    await slack.configure(moderator_channel=MODS, moderator_role=GROUP)
    slack.fake.outside[MODS] = "channel_not_found"
    await asyncio.sleep(1.1)
    await slack.settle()
    assert slack.moderators() == []
    answer = await slack.command("stats", user="UADMIN")
    assert answer.startswith(":warning: *Needs fixing:*") and "/invite @Threadkeeper" in answer
    assert f"<#{MODS}>" in answer
    refused = await slack.command("stats", user="U2")
    assert "Needs fixing" not in refused, "only admins are told"
    # The admin invites the bot: the waiting alert arrives, once, with its one ping.
    del slack.fake.outside[MODS]
    await asyncio.sleep(1.1)
    await slack.settle()
    (alert,) = slack.moderators()
    assert "kill myself" in alert.everything and slack.group_pings() == 1
    assert "Needs fixing" not in await slack.command("stats", user="UADMIN")
    await asyncio.sleep(1.1)
    await slack.settle()
    assert len(slack.moderators()) == 1


async def test_missing_scopes_are_reported_and_nothing_crashes(make_slack: MakeSlack) -> None:
    config = load_app_config().model_copy(update={"slack": SlackConfig(admin_user_ids=("UADMIN",))})
    slack = await make_slack(config)
    slack.fake.scopes -= {"users:read", "reactions:write"}
    root, _ = await ended_thread(slack)
    posts = slack.thread(root)
    assert any("U1" in p.text for p in posts if p.text.startswith(":warning:")), "named by id instead"
    assert closing_messages(posts)
    answer = await slack.command("stats", user="UADMIN")
    assert ("`users:read`" in answer and "`reactions:write`" not in answer) or "reinstall" in answer
    assert "OAuth & Permissions" in answer
    dms = slack.fake.direct_messages("UADMIN")
    assert dms and all("needs a fix" in dm.text for dm in dms)
    # Without users:read, a workspace admin not listed in the config cannot be recognised: refused.
    assert (await slack.command("stats", user="UOWNER")).startswith("Sorry")


async def test_a_crisis_reaches_the_moderators_while_redis_is_down(
    fake_slack: FakeSlack, spawn_redis: Callable[..., RedisServer]
) -> None:
    server = spawn_redis()
    slack = SlackHarness(fake_slack, server.url)
    await slack.start()
    try:
        await slack.with_moderators()
        root = await slack.mention("hello there")
        server.stop()
        await slack.say(CRISIS, thread_ts=root)
        care = slack.thread(root)[-1]
        assert "988" in care.text, "the member still gets the caring reply"
        (alert,) = slack.moderators()
        assert "kill myself" in alert.everything and slack.group_pings() == 1
        await slack.say("is anyone there?", thread_ts=root)
        assert "couldn't save this conversation" in slack.thread(root)[-1].text
    finally:
        server.start()
        await slack.close()


async def test_a_redelivered_alert_or_ending_is_shown_once(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await slack.with_moderators()
    delivered: list[Routed] = []
    perform = slack.deps.sink.perform

    async def recording(routed: Routed) -> None:
        delivered.append(routed)
        await perform(routed)

    monkeypatch.setattr(slack.deps.sink, "perform", recording)
    root = await slack.mention(CRISIS)
    await slack.say(LATER, thread_ts=root)
    other, _ = await ended_thread(slack)
    kinds = sorted(type(r.action).__name__ for r in delivered)
    assert kinds == ["End", "Escalate", "UpdateEscalation"]
    shown = list(slack.fake.accepted)
    # At least once: a relay that crashed after posting delivers the same items again.
    for routed in delivered:
        await perform(routed)
    assert slack.fake.accepted == shown, "nothing is posted or edited twice"
    assert len(slack.moderators()) == 1 and len(closing_messages(slack.thread(other))) == 1
