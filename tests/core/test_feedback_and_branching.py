"""Feedback on endings and branching from an earlier message, on the real Redis."""

from __future__ import annotations

from bot.brains.offline import OfflineBrain
from bot.core.actions import Dispute
from bot.core.branching import BranchPoint, BranchService
from bot.core.config import load_app_config
from bot.core.domain import Author, Inbound, ThreadKey
from bot.core.engine import Engine
from bot.core.feedback import FeedbackService
from bot.store import RedisStore
from tests.core.test_engine import KeywordSafetyNet

KEY = ThreadKey("test", "s1", "t1")
MEMBER = Author("u1", "Uma")


async def chat(store: RedisStore, texts: list[str], thread: str = "t1") -> Engine:
    engine = Engine(store, OfflineBrain(), KeywordSafetyNet(), load_app_config())
    for n, text in enumerate(texts, start=1):
        await engine.handle(
            Inbound(
                platform="test",
                space_id="s1",
                thread_id=thread,
                author_id="u1",
                author_name="Uma",
                message_id=f"{thread}-{n}",
                text=text,
            )
        )
    return engine


async def test_not_fair_goes_to_moderators_once_with_the_transcript(store: RedisStore) -> None:
    await chat(store, ["hello there", "INSULT", "INSULT", "INSULT", "INSULT"])
    texts = load_app_config().space.texts
    feedback = FeedbackService(store, texts)
    assert await feedback.give(KEY, MEMBER, fair=False, channel_id="c1") == texts.feedback_disputed
    assert await feedback.give(KEY, MEMBER, fair=False) == texts.feedback_already
    assert await feedback.give(KEY, Author("u2", "Vic"), fair=True) == texts.feedback_fair
    stats = await store.stats("test", "s1")
    assert stats["disputed_endings"] == 1 and stats["fair_endings"] == 1
    entries = await store.read_outbox("test", "mods")
    disputes = [e.item.action for e in entries if isinstance(e.item.action, Dispute)]
    assert len(disputes) == 1
    assert disputes[0].reason == "insults aimed at me"
    assert "Uma: INSULT" in disputes[0].excerpt and "bot:" in disputes[0].excerpt
    cases = await store.audit("test", "s1", "t1")
    assert [c.reason for c in cases[:2]] == ["fair", "not fair"]


async def test_feedback_on_a_thread_that_did_not_end_is_refused(store: RedisStore) -> None:
    await chat(store, ["hello there"])
    texts = load_app_config().space.texts
    assert await FeedbackService(store, texts).give(KEY, MEMBER, fair=False) == texts.feedback_not_ended
    assert await store.stats("test", "s1") == {"messages": 1, "conversations": 1}


async def test_branch_from_an_earlier_message_of_an_ended_thread(store: RedisStore) -> None:
    engine = await chat(
        store, ["can you help with my CV?", "thanks!", "INSULT", "INSULT", "INSULT", "INSULT"]
    )
    branch = BranchService(store)
    target = ThreadKey("test", "s1", "t2")
    seeded = await branch.branch(KEY, target, BranchPoint("thanks!", from_bot=False, author="Uma"), MEMBER)
    assert [e.text for e in seeded if e.role == "user"] == ["can you help with my CV?", "thanks!"]
    assert len(seeded) == 3  # up to and including the chosen message
    assert await store.transcript(target) == seeded
    # The branch talks: a clean slate, the ended source thread stays ended.
    outcome = await engine.handle(
        Inbound(
            platform="test", space_id="s1", thread_id="t2", author_id="u1", message_id="b1", text="hi again"
        )
    )
    assert outcome.state is not None and outcome.state.redirects == 0 and not outcome.ignored
    again = await engine.handle(
        Inbound(
            platform="test", space_id="s1", thread_id="t1", author_id="u1", message_id="late", text="hello?"
        )
    )
    assert again.ignored == "ended"
    assert (await store.audit("test", "s1", "t1", limit=1))[0].action == "branch"


async def test_branch_from_a_message_no_longer_in_the_transcript(store: RedisStore) -> None:
    await chat(store, ["first"])
    target = ThreadKey("test", "s1", "t3")
    point = BranchPoint("a message from long ago", from_bot=True)
    seeded = await BranchService(store).branch(KEY, target, point, MEMBER)
    assert [(e.role, e.text) for e in seeded] == [("bot", "a message from long ago")]
    assert not await store.seed_transcript(target, seeded)  # an existing thread is never overwritten
