"""What moderators see: crisis alerts with buttons and one role ping per episode, Acknowledge /
Claim recorded in the audit (also after a restart), and missing permissions reported once."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.config import StoreConfig
from bot.platforms.discord.views import CONFIRM_END
from tests.conftest import MakeStore, RedisServer
from tests.discord.conftest import APP, HARASSMENT, ErrorLog, Harness, Running
from tests.discord.fake_discord import Posted

CRISIS = "whatever. I've decided I'm going to kill myself tonight, nobody would even notice"


def alerts(bot: Running) -> list[Posted]:
    return [p for p in bot.fake.in_channel(bot.fake.mods) if "escalation" in p.content.lower()]


async def crisis_thread(bot: Running) -> tuple[str, Posted]:
    fake = bot.fake
    thread, _ = await bot.open_thread(fake.alice, "you are a useless stupid bot")
    await bot.say(thread, fake.alice, CRISIS)
    [alert] = await fake.wait_for(lambda: alerts(bot), what="the moderator alert")
    return thread, alert


async def test_a_crisis_alerts_moderators_once_and_later_signals_edit_the_alert(bot: Running) -> None:
    fake = bot.fake
    thread, alert = await crisis_thread(bot)

    # The member gets a caring reply with help resources; the bot stays, nothing is locked.
    care = fake.in_channel(thread)[-1]
    assert "988" in care.content and "Samaritans" in care.content
    assert not any(p.content.startswith("⚠️") for p in fake.in_channel(thread))

    # The alert: category, jump link, excerpt, member, buttons; the moderator role pinged.
    assert fake.pinged(alert) == {f"&{fake.mod_role}"}
    assert alert.body["allowed_mentions"] == {"parse": [], "roles": [int(fake.mod_role)]}
    assert "self_harm_risk" in alert.text
    assert f"https://discord.com/channels/{fake.guild_id}/{thread}/" in alert.text
    assert "kill myself tonight" in alert.text
    assert f"<@{fake.alice.id}>" in alert.text
    assert alert.labels == ["Acknowledge", "Claim", "Open thread"]
    assert alert.custom_ids == [
        f"threadkeeper:alert:ack:{thread}:e1",
        f"threadkeeper:alert:claim:{thread}:e1",
    ]

    # A later signal in the same episode edits the alert: no new message, no second ping.
    await bot.say(thread, fake.alice, "I already wrote the note")
    alert_id = alert.message["id"]
    edited = await fake.wait_for(
        lambda: [c for c in fake.calls if c.method == "PATCH" and c.path.endswith(f"/messages/{alert_id}")],
        what="the alert edited",
    )
    assert len(alerts(bot)) == 1
    updated = fake.messages[alert_id]["embeds"][0]
    fields = {f["name"]: f["value"] for f in updated["fields"]}
    assert fields["Signals in this episode"] == "2" and "wrote the note" in fields["Latest signal"]
    assert "content" not in edited[0].body  # the text with the role mention is not sent again
    pings = [p for p in fake.posted if fake.pinged(p)]
    assert pings == [alert]


async def test_acknowledge_and_claim_are_audited_and_work_after_a_restart(harness: Harness) -> None:
    fake = harness.fake
    first = await harness.start(moderator_channel=fake.mods, moderator_role=fake.mod_role)
    thread, alert = await crisis_thread(first)
    other, _ = await first.open_thread(fake.bob, "please end this conversation")
    question = fake.in_channel(other)[-1]
    await harness.stop(first)

    # A new process on the same store: the buttons of the old alert still answer.
    second = await harness.start(store=first.store)
    record = await fake.click(fake.mia, alert.message["id"], f"threadkeeper:alert:ack:{thread}:e1")
    await fake.wait_for(lambda: record.callbacks, what="the click answered")
    assert record.callbacks[0]["type"] == 7  # the alert itself is updated for every moderator
    fields = {f["name"]: f["value"] for f in fake.messages[alert.message["id"]]["embeds"][0]["fields"]}
    assert f"<@{fake.mia.id}>" in fields["Acknowledged by"]

    claim = await fake.click(fake.ada, alert.message["id"], f"threadkeeper:alert:claim:{thread}:e1")
    await fake.wait_for(lambda: claim.callbacks, what="the claim answered")
    stranger = await fake.click(fake.bob, alert.message["id"], f"threadkeeper:alert:claim:{thread}:e1")
    [refused] = await second.replies(stranger)
    assert "Only moderators" in refused and stranger.ephemeral

    # So do the Confirm / Keep talking buttons posted by the old process.
    await second.press(fake.bob, question.message["id"], CONFIRM_END)
    await fake.wait_for(lambda: fake.thread(other)["thread_metadata"]["locked"], what="closed after restart")

    audit = await second.store.audit("discord", fake.guild_id, thread)
    handled = [(r.action, r.user, r.actor.value) for r in audit if r.action in ("acknowledge", "claim")]
    assert handled == [("claim", fake.ada.id, "moderator"), ("acknowledge", fake.mia.id, "moderator")]
    shown = await fake.slash(fake.ada, "threadkeeper audit", thread=thread)
    [answer] = await second.replies(shown)
    assert "acknowledge" in answer and "claim" in answer and "escalation (episode 1)" in answer


async def test_missing_permission_to_open_threads_is_reported_once(harness: Harness) -> None:
    fake = harness.fake
    fake.revoked = {"create_public_threads"}
    bot = await harness.start(moderator_channel=fake.mods)
    for text in ("can you help me?", "hello? anyone?"):
        await bot.say(fake.general, fake.alice, f"<@{fake.bot.id}> {text}", handled=False)
    await fake.wait_for(lambda: len(fake.in_channel(fake.general)) == 2, what="both answers in #general")

    reports = [p for p in fake.in_channel(fake.mods) if "missing permissions" in p.content]
    assert len(reports) == 1
    assert "Create Public Threads" in reports[0].content and f"<#{fake.general}>" in reports[0].content
    assert "Send Messages" not in reports[0].content  # only what is actually missing
    told = fake.in_channel(fake.general)
    assert all("can't open a thread here" in p.content and fake.pinged(p) == set() for p in told)

    # The bot is still fine: a thread in a channel... once the permission is granted, it works.
    fake.revoked = set()
    thread, _ = await bot.open_thread(fake.alice, "and now?")
    assert fake.in_channel(thread)


async def test_missing_manage_threads_is_reported_once_and_the_thread_stays_ended(harness: Harness) -> None:
    fake = harness.fake
    fake.revoked = {"manage_threads"}
    bot = await harness.start(moderator_channel=fake.mods)

    def reports() -> list[Posted]:
        return [p for p in fake.in_channel(fake.mods) if "missing permissions" in p.content]

    for member in (fake.alice, fake.bob):
        thread, _ = await bot.open_thread(member, "can you help me write a cover letter?")
        for text in HARASSMENT:
            await bot.say(thread, member, text)
        await fake.wait_for(lambda t=thread: fake.patches(t), what="the attempt to lock")
        await fake.wait_for(reports, what="the report")
        assert "ending this conversation" in fake.in_channel(thread)[-1].content  # closing message posted
        assert not fake.thread(thread)["thread_metadata"]["locked"]

        # Members can still write in the unlocked thread; our record keeps the bot silent.
        message = await bot.say(thread, member, "ha, you can't even lock it")
        assert bot.outcome(message).ignored == "ended"
    [report] = reports()
    assert "Manage Threads" in report.content and "lock and archive" in report.content


async def test_an_alert_without_a_moderator_channel_goes_to_the_system_channel(harness: Harness) -> None:
    fake = harness.fake
    bot = await harness.start()
    thread, _ = await bot.open_thread(fake.alice, "I want to kill myself")
    [alert] = await fake.wait_for(
        lambda: [p for p in fake.in_channel(fake.lobby) if "escalation" in p.content.lower()], what="alert"
    )
    assert "/threadkeeper modchannel" in alert.content
    assert fake.pinged(alert) == set()  # no moderator role configured: nobody to ping
    assert APP.space.texts.crisis_reply in fake.in_channel(thread)[-1].content


async def test_an_ending_is_not_lost_when_discord_fails_mid_way(
    harness: Harness, make_store: MakeStore, errors: ErrorLog
) -> None:
    """The outbox delivers again after a failure; what was already done is not done twice."""
    fake = harness.fake
    store = await make_store(StoreConfig(outbox_claim_idle_seconds=1))
    bot = await harness.start(store=store, moderator_channel=fake.mods)
    thread, _ = await bot.open_thread(fake.alice, "can you help me write a cover letter?")
    fake.fail("PATCH", f"/channels/{thread}", 503)
    for text in HARASSMENT:
        await bot.say(thread, fake.alice, text)

    await fake.wait_for(lambda: fake.thread(thread)["thread_metadata"]["locked"], within=10, what="locked")
    closings = [p for p in fake.in_channel(thread) if "ending this conversation" in p.content]
    assert len(closings) == 1 and len(fake.patches(thread)) == 2
    assert [r.getMessage() for r in errors.records] == ["outbox_delivery_failed"]
    errors.expect("outbox_delivery_failed")


async def test_an_alert_is_not_lost_when_discord_fails_mid_way(
    harness: Harness, make_store: MakeStore, errors: ErrorLog
) -> None:
    fake = harness.fake
    store = await make_store(StoreConfig(outbox_claim_idle_seconds=1))
    bot = await harness.start(store=store, moderator_channel=fake.mods, moderator_role=fake.mod_role)
    fake.fail("POST", f"/channels/{fake.mods}/messages", 503)
    thread, _ = await bot.open_thread(fake.alice, "I want to kill myself")

    [alert] = await fake.wait_for(lambda: alerts(bot), within=10, what="the alert, delivered again")
    assert fake.pinged(alert) == {f"&{fake.mod_role}"} and thread in alert.text
    assert [r.getMessage() for r in errors.records] == ["outbox_delivery_failed"]
    errors.expect("outbox_delivery_failed")


async def test_a_crisis_reaches_the_moderators_while_redis_is_down(
    harness: Harness, make_store: MakeStore, spawn_redis: Callable[..., RedisServer], errors: ErrorLog
) -> None:
    fake = harness.fake
    server = spawn_redis()
    store = await make_store(url=server.url)
    bot = await harness.start(store=store, moderator_channel=fake.mods, moderator_role=fake.mod_role)
    thread, _ = await bot.open_thread(fake.alice, "can you help me with my homework?")
    server.stop()

    await bot.say(thread, fake.alice, "I want to kill myself")
    assert APP.space.texts.crisis_reply in fake.in_channel(thread)[-1].content
    [alert] = await fake.wait_for(lambda: alerts(bot), what="the alert")
    assert fake.pinged(alert) == {f"&{fake.mod_role}"} and "self_harm_risk" in alert.text
    errors.expect("store_unavailable", "outbox_store_unavailable")
