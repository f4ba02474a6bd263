"""Members talking to the bot in Slack, end to end through slack-bolt: what they see in the thread."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from bot.core.domain import Turn
from bot.core.ports import BrainRequest
from bot.evaluation.runner import apply_config
from bot.evaluation.scenario import Scenario, load_scenarios
from bot.platforms.slack.blocks.alerts import category_label
from bot.platforms.slack.ids import thread_key
from bot.platforms.slack.text import WORD_JOINER
from tests.slack.fake_slack import BOT_USER, TEAM, Posted
from tests.slack.harness import CHANNEL, GROUP, SlackHarness, signed_headers

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "scenarios"
SCENARIOS = sorted(SHARED.glob("*.yaml")) if SHARED.is_dir() else []
INSULTS = [
    "you are a useless stupid bot",
    "shut up, idiot, nobody asked you",
    "you worthless piece of garbage",
    "you moronic trash, I'll keep insulting you",
    "idiot. idiot. worthless garbage bot",
]
NOTIFYING = ("<!channel>", "<!here>", "<!everyone>", "<@U2>", "<!subteam^")


class ScriptedBrain:
    """A model that says exactly what the test wants, to see what Slack shows of model text."""

    name = "scripted"

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.seen: list[BrainRequest] = []

    async def respond(self, request: BrainRequest) -> Turn:
        self.seen.append(request)
        return Turn(self.replies.pop(0) if self.replies else "All right.")


def closing_messages(posts: list[Posted]) -> list[Posted]:
    return [p for p in posts if "tk_feedback_fair" in p.action_ids() or p.text.startswith(":no_entry:")]


def assert_inert(text: str) -> None:
    for token in NOTIFYING:
        assert token not in text, f"{token} would notify people: {text!r}"
    for word in ("@channel", "@here", "@everyone"):
        assert word not in text, f"{word} would notify people: {text!r}"


# --- the shared scenarios, replayed through Slack --------------------------------------------------


def _user(slack: SlackHarness, name: str) -> str:
    user_id = "U1" if name == "member" else "U" + name.upper().replace("-", "")[:10]
    if user_id not in slack.fake.users:
        slack.fake.add_user(user_id, name)
    return user_id


@pytest.mark.skipif(not SCENARIOS, reason="../shared/scenarios is not beside this checkout")
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
async def test_shared_scenario_through_slack(slack: SlackHarness, path: Path) -> None:
    (scenario,) = load_scenarios([path])
    assert isinstance(scenario, Scenario)
    await slack.with_moderators()
    await apply_config(slack.runtime, "slack", TEAM, scenario)
    root = ""
    seen_after_end = 0
    ended_at: int | None = None
    for number, turn in enumerate(scenario.turns, start=1):
        assert turn.text is not None, "shared scenarios are member messages"
        before = len(slack.thread(root)) if root else 0
        user = _user(slack, turn.user)
        if not root:
            root = await slack.mention(turn.text, user=user)
        else:
            await slack.say(turn.text, user=user, thread_ts=root)
        new = slack.thread(root)[before:]
        if ended_at is not None:
            seen_after_end += len(new)
        elif closing_messages(new):
            ended_at = number
        assert new or (ended_at is not None and ended_at < number), f"turn {number}: no answer in the thread"
    posts = slack.thread(root)
    assert posts, "the bot answered in the thread of the first message"
    assert all(p.thread_ts == root for p in posts)
    assert slack.fake.channel(CHANNEL) == [], "nothing was posted outside the thread"
    warnings = [p for p in posts if p.text.startswith(":warning:")]
    alerts = slack.moderators()
    expect = scenario.expect
    if expect.ended is not None:
        assert (ended_at is not None) == expect.ended
    if expect.warned is not None:
        assert bool(warnings) == expect.warned
    for word in expect.warning_mentions:
        assert word.lower() in warnings[0].text.lower()
    if expect.escalated is not None:
        assert bool(alerts) == expect.escalated
        if alerts:
            assert slack.group_pings() == 1
            assert "Acknowledge" in alerts[0].everything and "Claim" in alerts[0].everything
    if expect.escalation_category:
        assert category_label(expect.escalation_category) in alerts[0].everything
    if expect.confirm_asked:
        assert any("tk_confirm_end" in p.action_ids() for p in posts)
    if expect.not_ended_before_turn and ended_at is not None:
        assert ended_at >= expect.not_ended_before_turn
    assert seen_after_end == 0, "nothing is posted after the ending"


# --- conversations ---------------------------------------------------------------------------------


async def test_mention_starts_a_thread_conversation_and_replies_need_no_mention(slack: SlackHarness) -> None:
    root = await slack.mention("hi, can you help me plan a picnic?")
    assert len(slack.thread(root)) == 1
    await slack.say("it's for ten people", thread_ts=root, user="U2")
    assert len(slack.thread(root)) == 2
    # A plain message elsewhere, and a reply in someone else's thread, are not for the bot.
    other = await slack.say("lunch anyone?")
    await slack.say("me!", thread_ts=other, user="U2")
    assert slack.thread(other) == []
    # Slack's own message variants (edits, joins) are not new messages.
    edited = slack.message_event("changed", thread_ts=root) | {"subtype": "message_changed"}
    await slack.event(edited)
    await slack.settle()
    assert len(slack.thread(root)) == 2
    transcript = await slack.runtime.store.transcript(thread_key(TEAM, CHANNEL, root))
    assert transcript[0].text == "hi, can you help me plan a picnic?"  # the mention is stripped
    assert transcript[0].author == "alice" and transcript[2].author == "bob"


async def test_a_known_thread_is_not_looked_up_in_redis_again(slack: SlackHarness) -> None:
    root = await slack.mention("hi, can you help me plan a picnic?")
    store = slack.runtime.store
    lookups: list[tuple[str, str]] = []
    recall = store.recall

    async def counting(scope: str, name: str) -> str | None:
        lookups.append((scope, name))
        return await recall(scope, name)

    store.recall = counting  # type: ignore[method-assign]
    await slack.say("it's for ten people", thread_ts=root, user="U2")
    await slack.say("and a dog", thread_ts=root, user="U2")
    assert len(slack.thread(root)) == 3
    assert [scope for scope, _ in lookups if scope == "slack-conv"] == []


async def test_ai_channel_relays_every_top_level_message(slack: SlackHarness) -> None:
    assert "AI channels: C0AI" in await slack.command("aichannel add <#C0AI|ai-chat>", user="UADMIN")
    root = await slack.say("what's a good book about rivers?", channel="C0AI")
    assert len(slack.thread(root, "C0AI")) == 1
    await slack.say("something short please", channel="C0AI", thread_ts=root)
    assert len(slack.thread(root, "C0AI")) == 2
    elsewhere = await slack.say("what's a good book about rivers?")
    assert slack.thread(elsewhere) == []


async def test_warning_then_ending_then_silence_whoever_writes(slack: SlackHarness) -> None:
    root = await slack.mention("can you help me with a cover letter?")
    for text in INSULTS:
        await slack.say(text, thread_ts=root)
    posts = slack.thread(root)
    warning = next(p for p in posts if p.text.startswith(":warning:"))
    assert "alice" in warning.text and "insult" in warning.text.lower()
    (closing,) = closing_messages(posts)
    assert posts.index(warning) < posts.index(closing)
    assert "ending this conversation because of" in closing.everything
    assert "Branch from here" in closing.everything and "mention me" in closing.everything
    assert closing.action_ids() == ["tk_feedback_fair", "tk_feedback_unfair"]
    assert "lock" in slack.fake.root_reactions[(CHANNEL, root)]
    count = len(posts)
    await slack.say("hello? are you still there?", thread_ts=root)
    await slack.say("I'm someone else, can you answer me?", thread_ts=root, user="U2")
    await slack.mention("answer me!", thread_ts=root, user="U2")
    assert len(slack.thread(root)) == count, "nothing is posted in an ended thread"


async def test_retried_event_is_handled_once(slack: SlackHarness) -> None:
    event = slack.message_event(f"<@{BOT_USER}> hello there")
    assert await slack.event(event, event_id="EvSAME") == 200
    await slack.settle()
    for attempt in (1, 2):
        assert await slack.event(event, retry=attempt, event_id="EvSAME") == 200
    await slack.settle()
    assert len(slack.thread(str(event["ts"]))) == 1
    assert (await slack.runtime.store.stats("slack", TEAM))["messages"] == 1


async def test_mention_delivered_twice_is_answered_once(slack: SlackHarness) -> None:
    event = slack.message_event(f"<@{BOT_USER}> hello there")
    # Slack sends the same message as `app_mention` and `message`, here at the same moment.
    await slack.event(event | {"type": "app_mention"})
    await slack.event(event)
    await slack.settle()
    assert len(slack.thread(str(event["ts"]))) == 1
    empty = slack.message_event(f"<@{BOT_USER}>")
    await slack.event(empty | {"type": "app_mention"})
    await slack.event(empty)
    await slack.settle()
    (notice,) = slack.thread(str(empty["ts"]))
    assert "didn't get any text" in notice.text


async def test_bad_signature_and_stale_request_are_refused(slack: SlackHarness) -> None:
    body = json.dumps({"type": "event_callback", "team_id": TEAM, "event": slack.message_event("<@UBOT> hi")})
    forged = {**signed_headers(body, secret="not-the-secret"), "Content-Type": "application/json"}
    async with slack.session.post(slack.url, data=body, headers=forged) as response:
        assert response.status == 401
    stale = {**signed_headers(body, timestamp=1_000_000_000), "Content-Type": "application/json"}
    async with slack.session.post(slack.url, data=body, headers=stale) as response:
        assert response.status == 401
    await slack.settle()
    assert slack.fake.calls_to("chat.postMessage") == []


async def test_long_replies_are_split_under_slacks_limit(slack: SlackHarness) -> None:
    paragraph = "This is a long and thoughtful answer about rivers. " * 40
    slack.runtime.engine.brain = ScriptedBrain("\n\n".join([paragraph] * 6))
    root = await slack.mention("tell me everything about rivers")
    posts = slack.thread(root)
    assert len(posts) >= 4
    assert all(len(p.text) <= 3000 for p in posts)
    said = " ".join(" ".join(p.text.split()) for p in posts)
    assert said == " ".join(" ".join([paragraph] * 6).split())


async def test_mentions_in_model_and_member_text_notify_nobody(slack: SlackHarness) -> None:
    await slack.with_moderators()
    model = ScriptedBrain(
        "<!channel> <!here> <!everyone> hey <@U2> and <!subteam^S0MODS|@mods>, also @here and @everyone"
    )
    slack.runtime.engine.brain = model
    root = await slack.mention("say hi to everyone <!channel>")
    (reply,) = slack.thread(root)
    assert_inert(reply.everything)
    assert "@channel" not in reply.text and "@" + WORD_JOINER + "channel" in reply.text
    assert "@" + WORD_JOINER + "U2" in reply.text  # a user is named, never linked
    # The member's own text reaches the model as plain words...
    assert model.seen[0].text == "say hi to everyone @channel"
    # ...and, quoted to moderators in a crisis alert, still notifies nobody but the group once.
    await slack.say("<!channel> <!here> I want to kill myself tonight <@U2>", thread_ts=root)
    (alert,) = slack.moderators()
    assert alert.everything.count("<!subteam^") == 2  # the group mention, in text and blocks
    assert_inert(alert.everything.replace(f"<!subteam^{GROUP}>", ""))


async def test_confirm_and_keep_talking_buttons(slack: SlackHarness) -> None:
    root = await slack.mention("thanks for the help earlier")
    await slack.say("please end this conversation", thread_ts=root)
    prompt = copy.deepcopy(slack.thread(root)[-1])  # as a member's screen still shows it
    assert prompt.action_ids() == ["tk_confirm_end", "tk_keep_talking"]
    await slack.press(prompt, "tk_keep_talking")
    after = slack.thread(root)
    assert "Glad to keep going" in after[-1].text
    assert slack.fake.posted[(CHANNEL, prompt.ts)].action_ids() == [], "the answered prompt loses its buttons"
    assert "chose to *keep talking*" in slack.fake.posted[(CHANNEL, prompt.ts)].everything
    # A second press on the same prompt does nothing but say so.
    answer = await slack.press(prompt, "tk_confirm_end")
    assert answer is not None and "already answered" in answer["text"]
    assert not closing_messages(slack.thread(root))
    await slack.say("please end this conversation", thread_ts=root)
    prompt = slack.thread(root)[-1]
    await slack.press(prompt, "tk_confirm_end")
    (closing,) = closing_messages(slack.thread(root))
    assert "As you asked" in closing.text
    assert closing.action_ids() == [], "no feedback buttons on an ending the member asked for"


async def test_a_channel_the_bot_was_removed_from_breaks_nothing(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    root = await slack.mention("hello")
    slack.fake.outside[CHANNEL] = "not_in_channel"
    await slack.say("are you there?", thread_ts=root)
    assert len(slack.thread(root)) == 1
    assert any("slack_post_failed" in r.getMessage() for r in caplog.records)
    assert not any(r.levelname == "ERROR" for r in caplog.records if r.name.startswith("threadkeeper"))
    del slack.fake.outside[CHANNEL]
    await slack.say("and now?", thread_ts=root)
    assert len(slack.thread(root)) == 2
