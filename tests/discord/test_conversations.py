"""Conversations as members see them: the thread opened from a mention, replies, long replies,
AI channels, redelivered events, and nothing the bot posts ever pinging anyone."""

from __future__ import annotations

import asyncio

from tests.discord.conftest import Harness, Running, ScriptedBrain
from tests.discord.fake_discord import PERMISSIONS


async def test_a_mention_opens_a_public_thread_from_the_message_and_answers_there(bot: Running) -> None:
    fake = bot.fake
    thread, opening = await bot.open_thread(fake.alice, "can you help me plan a trip to Lisbon?")

    created = [c for c in fake.calls if c.method == "POST" and c.path.endswith("/threads")]
    assert [c.path for c in created] == [f"/channels/{fake.general}/messages/{opening['id']}/threads"]
    assert "plan a trip to Lisbon" in fake.thread(thread)["name"]  # named after the opening words
    assert fake.thread(thread)["owner_id"] == fake.bot.id
    answers = fake.in_channel(thread)
    assert len(answers) == 1 and "offline mode" in answers[0].content
    assert fake.in_channel(fake.general) == []  # nothing posted in the channel itself

    # The typing indicator was shown in the thread before the answer.
    typing = next(i for i, c in enumerate(fake.calls) if c.path == f"/channels/{thread}/typing")
    answer = next(i for i, c in enumerate(fake.calls) if c.path == f"/channels/{thread}/messages")
    assert typing < answer

    # Later messages in the thread need no mention; other people may join in.
    await bot.say(thread, fake.bob, "what about trains from Porto?")
    assert len(fake.in_channel(thread)) == 2
    # A message in a channel that does not mention the bot is not its business.
    await bot.say(fake.general, fake.bob, "lunch anyone?", handled=False)
    await asyncio.sleep(0.2)
    assert len(fake.threads) == 1


async def test_long_replies_are_split_at_2000_characters_on_line_boundaries(harness: Harness) -> None:
    long_reply = "\n".join(
        f"Step {n:02d}: pack light, check the weather, keep a paper map." for n in range(80)
    )
    bot = await harness.start(brain=ScriptedBrain({"itinerary": long_reply}))
    thread, _ = await bot.open_thread(bot.fake.alice, "give me a detailed itinerary")

    pieces = [p.content for p in bot.fake.in_channel(thread)]
    assert len(long_reply) > 4000 and len(pieces) == 3
    assert all(len(p) <= 2000 for p in pieces)
    assert "\n".join(pieces) == long_reply  # cut only where a line ends
    assert all(p.startswith("Step ") for p in pieces)


async def test_everyone_in_member_and_model_text_pings_nobody(harness: Harness) -> None:
    fake = harness.fake
    echo = f"@everyone @here <@{fake.bob.id}> <@&{fake.mod_role}> look at this!"
    bot = await harness.start(brain=ScriptedBrain({"announce": echo}))
    thread, _ = await bot.open_thread(fake.alice, f"@everyone <@{fake.bob.id}> please announce it")
    await bot.say(thread, fake.alice, "@here announce it again <@&" + fake.mod_role + ">")

    posted = fake.in_channel(thread)
    assert len(posted) == 2 and all("@everyone" in p.content for p in posted)
    for message in posted:
        assert message.body["allowed_mentions"]["parse"] == []  # sent with mentions switched off
        assert fake.pinged(message) == set()


async def test_an_ai_channel_needs_no_mention(harness: Harness) -> None:
    fake = harness.fake
    bot = await harness.start()
    await bot.say(fake.ai, fake.alice, "hello there", handled=False)
    await asyncio.sleep(0.2)
    assert fake.threads == {}

    record = await fake.slash(fake.ada, "threadkeeper aichannel add", channel=fake.ai)
    [reply] = await bot.replies(record)
    assert fake.ai in reply and record.ephemeral

    message = await bot.say(fake.ai, fake.alice, "what's a good book about the sea?")
    assert message["id"] in fake.threads
    assert fake.thread(message["id"])["parent_id"] == fake.ai
    assert len(fake.in_channel(message["id"])) == 1


async def test_a_redelivered_message_is_answered_once(bot: Running) -> None:
    fake = bot.fake
    thread, opening = await bot.open_thread(fake.alice, "what's the capital of Portugal?")
    # The gateway delivers the same event again (a resumed session): same message id.
    waiter = asyncio.ensure_future(
        bot.bot.wait_for("threadkeeper_handled", check=lambda m, o: m == int(opening["id"]), timeout=10)
    )
    await asyncio.sleep(0)
    await fake.dispatch("MESSAGE_CREATE", opening)
    _, outcome = await asyncio.wait_for(waiter, 10)

    assert outcome.ignored == "duplicate"
    assert len(fake.in_channel(thread)) == 1
    refused = [c for c in fake.calls if c.path.endswith(f"/messages/{opening['id']}/threads")]
    assert len(refused) == 2  # the second attempt met "thread already exists" and carried on


async def test_only_the_needed_gateway_intents_and_client_wide_mention_safety(bot: Running) -> None:
    fake = bot.fake
    [identify] = fake.identified
    guilds, guild_messages, message_content = 1 << 0, 1 << 9, 1 << 15
    assert identify["intents"] == guilds | guild_messages | message_content
    allowed = bot.bot.allowed_mentions
    assert allowed is not None and allowed.to_dict() == {"parse": []}
    # The commands are registered: the admin group (Manage Server by default, servers only)
    # and the message menu.
    group = fake.commands["threadkeeper"]
    assert int(group["default_member_permissions"]) == PERMISSIONS["manage_guild"]
    assert group["contexts"] == [0]
    assert fake.commands["Branch from here"]["type"] == 3


async def test_a_thread_discord_archived_for_inactivity_carries_on(bot: Running) -> None:
    fake = bot.fake
    thread, _ = await bot.open_thread(fake.alice, "remind me what we said about Lisbon")
    # A day of silence: Discord archives the thread, and it leaves discord.py's cache.
    fake.thread(thread)["thread_metadata"]["archived"] = True
    await fake.dispatch("THREAD_UPDATE", fake.thread(thread))
    await fake.wait_for(lambda: bot.bot.get_channel(int(thread)) is None, what="the thread out of the cache")

    message = await bot.say(thread, fake.alice, "I'm back! what about the trams?")
    assert bot.outcome(message).ignored is None
    assert len(fake.in_channel(thread)) == 2


async def test_the_bot_carries_on_after_the_gateway_connection_drops(bot: Running) -> None:
    fake = bot.fake
    thread, _ = await bot.open_thread(fake.alice, "what's a good name for a cat?")
    await fake.drop_connections()
    # discord.py reconnects to the resume URL the fake gave in READY.
    await fake.wait_for(lambda: fake.resumed == 1, what="the session resumed")
    message = await bot.say(thread, fake.alice, "and for a dog?")
    assert bot.outcome(message).ignored is None
    assert len(fake.in_channel(thread)) == 2
