"""The "Branch from here" message shortcut, as a member uses it from a message's menu."""

from __future__ import annotations

from bot.platforms.slack.ids import thread_key
from tests.slack.fake_slack import BOT_ID, BOT_USER, TEAM
from tests.slack.harness import CHANNEL, SlackHarness
from tests.slack.test_conversations import INSULTS, closing_messages


async def test_branch_from_an_earlier_message_of_an_ended_thread(slack: SlackHarness) -> None:
    root = await slack.mention("can you help me with a cover letter?")
    await slack.say("it's for a job at the city library", thread_ts=root)
    chosen = slack.thread(root)[1]
    for text in INSULTS:
        await slack.say(text, thread_ts=root)
    assert closing_messages(slack.thread(root))
    message = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "ts": chosen.ts, "thread_ts": root}
    answer = await slack.shortcut(message | {"text": chosen.text})
    assert "Started a new conversation from that message" in answer["text"]
    assert "I remember the 4 messages up to there" in answer["text"]
    (branch_root,) = slack.fake.channel(CHANNEL)
    assert "continues from an earlier point" in branch_root.everything
    assert "Branched by alice" in branch_root.everything and "an earlier message" in branch_root.everything
    seeded = await slack.runtime.store.transcript(thread_key(TEAM, CHANNEL, branch_root.ts))
    assert [e.role for e in seeded] == ["user", "bot", "user", "bot"]
    assert "city library" in seeded[2].text and not any("idiot" in e.text for e in seeded)
    # The branch is a conversation: replies need no mention, and it starts with a clean slate.
    await slack.say("so, about that cover letter", thread_ts=branch_root.ts)
    (reply,) = slack.thread(branch_root.ts)
    assert not reply.text.startswith(":warning:")
    count = len(slack.thread(root))
    await slack.say("and the old thread?", thread_ts=root)
    assert len(slack.thread(root)) == count, "the ended thread stays silent"
    audit = await slack.command(f"audit {CHANNEL}:{root}", user="UADMIN")
    assert "branch" in audit and f"branched into {CHANNEL}:{branch_root.ts}" in audit


async def test_branch_from_a_member_message(slack: SlackHarness) -> None:
    root = await slack.mention("let's talk about birds")
    second = await slack.say("especially owls", thread_ts=root, user="U2")
    await slack.say("and now penguins", thread_ts=root)
    message = {"type": "message", "user": "U2", "ts": second, "thread_ts": root, "text": "especially owls"}
    answer = await slack.shortcut(message)
    assert "I remember the 3 messages" in answer["text"]
    (branch_root,) = slack.fake.channel(CHANNEL)
    seeded = await slack.runtime.store.transcript(thread_key(TEAM, CHANNEL, branch_root.ts))
    assert seeded[-1].text == "especially owls" and seeded[-1].author == "bob"


async def test_branch_outside_a_conversation_is_explained(slack: SlackHarness) -> None:
    ts = await slack.say("just chatting with friends")
    answer = await slack.shortcut({"type": "message", "user": "U1", "ts": ts, "text": "just chatting"})
    assert "works on the messages of a conversation with me" in answer["text"]
    assert slack.fake.channel(CHANNEL) == []
