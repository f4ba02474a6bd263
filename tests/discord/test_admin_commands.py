"""`/threadkeeper` as admins, moderators and members use it: ephemeral answers, refusals,
validation errors, and settings that change what the bot does."""

from __future__ import annotations

from tests.discord.conftest import Harness, Running


async def test_a_member_who_is_not_an_admin_cannot_change_settings(bot: Running) -> None:
    fake = bot.fake
    record = await fake.slash(
        fake.alice, "threadkeeper config set", key="redirects_before_warning", value="1"
    )
    [reply] = await bot.replies(record)
    assert "only server admins" in reply and "config set" in reply
    assert record.ephemeral
    assert "redirects_before_warning" not in await bot.store.overrides("discord", fake.guild_id)

    # A moderator may look at the audit and the stats, but not change settings either.
    mod = await fake.slash(fake.mia, "threadkeeper ending disable")
    [no] = await bot.replies(mod)
    assert "only server admins" in no
    stats = await fake.slash(fake.mia, "threadkeeper stats")
    [yes] = await bot.replies(stats)
    assert "conversations: 0" in yes


async def test_an_admin_sees_validation_errors_and_long_answers_arrive_in_pieces(bot: Running) -> None:
    fake = bot.fake
    bad = await fake.slash(fake.ada, "threadkeeper config set", key="redirects_before_warning", value="0")
    [reply] = await bot.replies(bad)
    assert reply.startswith("Not changed") and "must be at least 1" in reply and bad.ephemeral

    warning = await fake.slash(fake.ada, "threadkeeper config set", key="texts.warning", value="Stop it.")
    [reply] = await bot.replies(warning)
    assert "Not changed" in reply and "{user}" in reply

    good = await fake.slash(fake.ada, "threadkeeper config set", key="redirects_before_warning", value="2")
    [reply] = await bot.replies(good)
    assert reply == "redirects_before_warning is now 2 (was 3)."

    show = await fake.slash(fake.ada, "threadkeeper config show")
    await fake.wait_for(lambda: len(show.followups) >= 2, what="config show")
    pieces = show.replies
    assert len(pieces) >= 2 and all(len(p) <= 2000 for p in pieces) and show.ephemeral
    assert "* redirects_before_warning = 2" in "\n".join(pieces)

    reset = await fake.slash(fake.ada, "threadkeeper config reset")
    [reply] = await bot.replies(reset)
    assert "defaults" in reply
    assert await bot.store.overrides("discord", fake.guild_id) == {}


async def test_modchannel_and_modrole_chosen_by_slash_commands_route_the_alerts(harness: Harness) -> None:
    fake = harness.fake
    bot = await harness.start()
    channel = await fake.slash(fake.ada, "threadkeeper modchannel", channel=fake.mods)
    role = await fake.slash(fake.ada, "threadkeeper modrole", role=fake.mod_role)
    assert fake.mods in (await bot.replies(channel))[0]
    assert fake.mod_role in (await bot.replies(role))[0]

    await bot.open_thread(fake.alice, "I'm going to stab him tonight, I have the knife ready")
    [alert] = await fake.wait_for(lambda: fake.in_channel(fake.mods), what="the alert")
    assert "violence_risk" in alert.text and fake.pinged(alert) == {f"&{fake.mod_role}"}


async def test_with_ending_disabled_the_bot_warns_but_never_ends(bot: Running) -> None:
    fake = bot.fake
    record = await fake.slash(fake.ada, "threadkeeper ending disable")
    [reply] = await bot.replies(record)
    assert "disabled" in reply

    thread, _ = await bot.open_thread(fake.alice, "can you help me write a cover letter?")
    for text in (
        "this is garbage, you are a useless piece of trash",
        "shut up you worthless idiot, nobody asked for your opinion",
        "you stupid pathetic machine, I'll keep insulting you all day",
        "you're a moronic waste of electricity, go to hell",
        "idiot. idiot. idiot. worthless garbage bot",
    ):
        await bot.say(thread, fake.alice, text)
    assert any(p.content.startswith("⚠️") for p in fake.in_channel(thread))
    assert fake.patches(thread) == []
    assert not any("ending this conversation" in p.content for p in fake.in_channel(thread))
