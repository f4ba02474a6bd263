"""Warnings and endings as members see them: the warning, the closing message, archive-and-lock in
one call, silence afterwards, the Confirm / Keep talking buttons, feedback, branching, reopening."""

from __future__ import annotations

from bot.platforms.discord.translate import thread_key
from bot.platforms.discord.views import CONFIRM_END, FEEDBACK_FAIR, FEEDBACK_UNFAIR, KEEP_TALKING
from tests.discord.conftest import APP, HARASSMENT, Running, closing_message, ended_thread


async def test_the_warning_names_the_behaviour_and_answers_the_member_who_did_it(bot: Running) -> None:
    fake = bot.fake
    thread, _ = await bot.open_thread(fake.alice, "can you help me write a cover letter?")
    said = [await bot.say(thread, fake.bob, text) for text in HARASSMENT[:3]]

    posted = fake.in_channel(thread)
    warnings = [p for p in posted if p.content.startswith("⚠️")]
    assert len(warnings) == 1
    warning = warnings[0]
    assert warning.message["id"] == posted[-1].message["id"]  # posted for the third insult
    assert "Bob" in warning.content and "insults aimed at me" in warning.content
    assert "may end this conversation" in warning.content
    # A reply to the message that earned it, without pinging its author.
    assert str(warning.body["message_reference"]["message_id"]) == said[2]["id"]
    assert fake.pinged(warning) == set()
    assert "Alice" not in warning.content


async def test_an_ending_posts_the_closing_message_then_archives_and_locks_in_one_call(bot: Running) -> None:
    fake = bot.fake
    thread, said = await ended_thread(bot)

    closing = closing_message(fake, thread)
    assert "insults aimed at me" in closing.content  # the reason
    assert "new conversation" in closing.content and "Branch from here" in closing.content
    assert closing.custom_ids == [FEEDBACK_FAIR, FEEDBACK_UNFAIR]
    assert closing.labels == ["Fair", "Not fair"]

    [patch] = fake.patches(thread)
    assert patch.body == {"archived": True, "locked": True}
    post_closing = next(
        c for c in fake.calls if c.path == f"/channels/{thread}/messages" and "ending this" in str(c.body)
    )
    assert post_closing.at <= patch.at and fake.calls.index(post_closing) < fake.calls.index(patch)
    assert bot.outcome(said[-1]).queued  # the ending went through the outbox

    # An admin can ask why the thread was closed.
    record = await fake.slash(fake.ada, "threadkeeper audit", thread=f"<#{thread}>")
    [answer] = await bot.replies(record)
    assert "warn" in answer and "end" in answer and "insults aimed at me" in answer


async def test_nothing_is_posted_after_the_ending_even_for_a_moderator(bot: Running) -> None:
    fake = bot.fake
    thread, _ = await ended_thread(bot)
    [patch] = fake.patches(thread)
    before = len(fake.in_channel(thread))

    # Discord still delivers a moderator's message in a locked thread: our record decides.
    message = await bot.say(thread, fake.mia, "hey bot, are you still there?")
    assert bot.outcome(message).ignored == "ended"
    later = fake.calls[fake.calls.index(patch) + 1 :]
    assert [c for c in later if c.path.startswith(f"/channels/{thread}")] == []
    assert len(fake.in_channel(thread)) == before


async def test_keep_talking_and_confirm_buttons(bot: Running) -> None:
    fake = bot.fake
    thread, _ = await bot.open_thread(fake.alice, "thanks for the help earlier")
    await bot.say(thread, fake.alice, "please end this conversation")
    question = fake.in_channel(thread)[-1]
    assert "permanent" in question.content
    assert question.custom_ids == [CONFIRM_END, KEEP_TALKING]

    outcome = await bot.press(fake.alice, question.message["id"], KEEP_TALKING)
    assert outcome.ignored is None
    assert fake.messages[question.message["id"]]["components"] == []  # the buttons went away
    assert fake.in_channel(thread)[-1].content == APP.space.texts.keep_talking
    assert fake.patches(thread) == []

    await bot.say(thread, fake.alice, "please end this conversation")
    question = fake.in_channel(thread)[-1]
    await bot.press(fake.alice, question.message["id"], CONFIRM_END)
    await fake.wait_for(lambda: fake.patches(thread), what="the thread closed")
    closing = fake.in_channel(thread)[-1]
    assert closing.content == APP.space.texts.user_closing
    assert closing.custom_ids == []  # no "was this fair?" for an ending the member asked for
    assert [p.body for p in fake.patches(thread)] == [{"archived": True, "locked": True}]


async def test_not_fair_feedback_reaches_the_moderators_and_counts_in_stats(bot: Running) -> None:
    fake = bot.fake
    thread, _ = await ended_thread(bot)
    closing = closing_message(fake, thread)

    record = await fake.click(fake.alice, closing.message["id"], FEEDBACK_UNFAIR)
    [reply] = await bot.replies(record)
    assert reply == APP.space.texts.feedback_disputed and record.ephemeral

    dispute = await fake.wait_for(
        lambda: [p for p in fake.in_channel(fake.mods) if "Disputed ending" in p.text], what="the dispute"
    )
    [alert] = dispute
    assert "insults aimed at me" in alert.text  # why it ended
    assert "moronic waste of electricity" in alert.text  # the end of the transcript
    assert f"<@{fake.alice.id}>" in alert.text and fake.pinged(alert) == set()
    assert any(cid.startswith("threadkeeper:alert:ack:") for cid in alert.custom_ids)

    again = await fake.click(fake.alice, closing.message["id"], FEEDBACK_UNFAIR)
    assert (await bot.replies(again)) == [APP.space.texts.feedback_already]
    fair = await fake.click(fake.bob, closing.message["id"], FEEDBACK_FAIR)
    assert (await bot.replies(fair)) == [APP.space.texts.feedback_fair]

    stats = await fake.slash(fake.ada, "threadkeeper stats")
    [answer] = await bot.replies(stats)
    assert "disputed endings: 1" in answer and "endings by the bot: 1" in answer and "warnings: 1" in answer


async def test_branch_from_here_in_an_ended_thread(bot: Running) -> None:
    fake = bot.fake
    thread, _ = await ended_thread(bot)
    first_answer = fake.in_channel(thread)[0]

    record = await fake.context_menu(fake.alice, "Branch from here", first_answer.message["id"])
    [reply] = await bot.replies(record)
    assert record.ephemeral
    branch = next(t for t in fake.threads if t != thread)
    assert f"<#{branch}>" in reply
    assert fake.thread(branch)["parent_id"] == fake.general
    assert any(
        c.method == "PUT" and c.path == f"/channels/{branch}/thread-members/{fake.alice.id}"
        for c in fake.calls
    )
    [welcome] = fake.in_channel(branch)
    assert welcome.content.startswith(APP.space.texts.branched) and fake.pinged(welcome) == set()

    # The branch remembers the conversation up to that message, and is open.
    seeded = await bot.store.transcript(thread_key(int(fake.guild_id), int(branch)))
    assert [e.role for e in seeded] == ["user", "bot"] and "cover letter" in seeded[0].text
    message = await bot.say(branch, fake.alice, "ok, let's start over: a cover letter for a bakery job")
    assert bot.outcome(message).ignored is None
    assert len(fake.in_channel(branch)) == 2

    # The thread's opening message lives in #general: branching from it works too.
    again = await fake.context_menu(fake.bob, "Branch from here", thread)
    [reply] = await bot.replies(again)
    assert "Your new conversation" in reply and len(fake.threads) == 3

    # Outside the bot's threads there is nothing to branch from.
    elsewhere = await bot.say(fake.general, fake.bob, "just chatting", handled=False)
    refused = await fake.context_menu(fake.bob, "Branch from here", elsewhere["id"])
    [no] = await bot.replies(refused)
    assert "my conversation threads" in no and len(fake.threads) == 3


async def test_a_moderator_reopens_an_ended_thread(bot: Running) -> None:
    fake = bot.fake
    thread, _ = await ended_thread(bot)
    link = f"https://discord.com/channels/{fake.guild_id}/{thread}"

    refused = await fake.slash(fake.alice, "threadkeeper reopen", thread=link)
    [no] = await bot.replies(refused)
    assert "only moderators and admins" in no and fake.thread(thread)["thread_metadata"]["locked"]

    record = await fake.slash(fake.mia, "threadkeeper reopen", thread=link)
    [yes] = await bot.replies(record)
    assert "open again" in yes
    meta = fake.thread(thread)["thread_metadata"]
    assert not meta["archived"] and not meta["locked"]
    assert fake.patches(thread)[-1].body == {"archived": False, "locked": False}
    assert fake.in_channel(thread)[-1].content == f"*{APP.space.texts.reopened}*"

    message = await bot.say(thread, fake.alice, "sorry about earlier. can we start again?")
    assert bot.outcome(message).ignored is None
