"""`/threadkeeper` as workspace admins, moderators and members use it, through slack-bolt."""

from __future__ import annotations

import json

from bot.core.config import SlackConfig, load_app_config
from tests.slack.conftest import MakeSlack
from tests.slack.fake_slack import TEAM
from tests.slack.harness import CHANNEL, GROUP, MODS, SlackHarness
from tests.slack.test_conversations import INSULTS, closing_messages


async def test_members_are_refused_admins_and_owners_are_not(slack: SlackHarness) -> None:
    refused = await slack.command("config set redirects_before_warning 2", user="U1")
    assert refused == "Sorry, only server admins can use `/threadkeeper config set`."
    assert await slack.runtime.store.overrides("slack", TEAM) == {}
    done = await slack.command("config set redirects_before_warning 2", user="UADMIN")
    assert done == "redirects_before_warning is now 2 (was 3)."
    assert "is now disabled" in await slack.command("ending disable", user="UOWNER")
    assert (await slack.runtime.store.overrides("slack", TEAM))["ending_enabled"] == "false"
    shown = await slack.command("config show", user="UADMIN")
    assert shown.startswith("```") and "* redirects_before_warning = 2" in shown


async def test_moderators_may_read_but_not_configure(slack: SlackHarness) -> None:
    await slack.with_moderators()
    assert "conversations: 0" in await slack.command("stats", user="UMOD")
    assert (await slack.command("modchannel <#C0OTHER|other>", user="UMOD")).startswith("Sorry")
    assert (await slack.command("stats", user="U2")).startswith("Sorry, only moderators and admins")


async def test_admins_listed_in_the_config_are_admins(make_slack: MakeSlack) -> None:
    config = load_app_config().model_copy(update={"slack": SlackConfig(admin_user_ids=("ULISTED",))})
    slack = await make_slack(config)
    slack.fake.add_user("ULISTED", "lisa")
    assert (await slack.command("ending enable", user="ULISTED")).startswith("Ending conversations is now")
    assert (await slack.command("ending enable", user="U1")).startswith("Sorry")


async def test_slack_channels_groups_and_links_become_ids(slack: SlackHarness) -> None:
    assert (
        await slack.command(f"modchannel <#{MODS}|mods>", user="UADMIN") == f"Escalations will go to {MODS}."
    )
    answer = await slack.command(f"modgroup <!subteam^{GROUP}|@mods>", user="UADMIN")
    assert answer == f"Moderators to ping on escalations: {GROUP}."
    typed = await slack.command("modchannel mods", user="UADMIN")
    assert "is not a channel" in typed and "#channel" in typed
    overrides = await slack.runtime.store.overrides("slack", TEAM)
    assert overrides["moderator_channel"] == MODS and overrides["moderator_role"] == GROUP
    usage = await slack.command("help", user="U1")
    assert "modgroup GROUP" in usage and "message link" in usage
    wrong = await slack.command("frobnicate the widgets", user="UADMIN")
    assert "Usage: /threadkeeper COMMAND" in wrong


async def test_reopen_by_message_link_and_the_audit_says_why(slack: SlackHarness) -> None:
    root = await slack.mention("can you help me with a cover letter?")
    for text in INSULTS:
        await slack.say(text, thread_ts=root)
    assert closing_messages(slack.thread(root))
    audit = await slack.command(f"audit {CHANNEL}:{root}", user="UADMIN")
    assert "warn" in audit and "end" in audit and "insults aimed at me" in audit
    link = f"<https://tk-test.slack.com/archives/{CHANNEL}/p{root.replace('.', '')}>"
    assert "is open again" in await slack.command(f"reopen {link}", user="UADMIN")
    assert "reopened this conversation" in slack.thread(root)[-1].text
    count = len(slack.thread(root))
    await slack.say("sorry about earlier, can we try again?", thread_ts=root)
    assert len(slack.thread(root)) == count + 1


async def test_member_lookups_are_cached(slack: SlackHarness) -> None:
    root = await slack.mention("hello")
    for n in range(4):
        await slack.say(f"message {n}", thread_ts=root)
    assert len([c for c in slack.fake.calls_to("users.info") if c.args.get("user") == "U1"]) <= 2


async def test_app_home_explains_the_bot_and_shows_admins_the_set_up(slack: SlackHarness) -> None:
    await slack.with_moderators()
    for user in ("UADMIN", "U1"):
        await slack.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"})
    await slack.settle()
    views = {str(c.args["user_id"]): json.dumps(c.args["view"]) for c in slack.fake.calls_to("views.publish")}
    assert "Branch from here" in views["U1"] and "For admins" not in views["U1"]
    assert f"Moderator channel: <#{MODS}>" in views["UADMIN"] and GROUP in views["UADMIN"]
    assert "<!subteam^" not in views["UADMIN"]


async def test_config_set_takes_the_rest_of_the_line_as_typed(slack: SlackHarness) -> None:
    text = "I'm glad we're still talking, <@U2|bob> & <!channel>!"
    answer = await slack.command(f"config set texts.keep_talking {text}", user="UADMIN")
    assert answer.startswith("texts.keep_talking is now")
    overrides = await slack.runtime.store.overrides("slack", TEAM)
    assert overrides["texts.keep_talking"] == "I'm glad we're still talking, @bob & @channel!"
    await slack.command(f"config set moderator_channel <#{MODS}|mods>", user="UADMIN")
    assert (await slack.runtime.store.overrides("slack", TEAM))["moderator_channel"] == MODS
    bad = await slack.command("config set redirects_before_warning 0", user="UADMIN")
    assert bad.startswith("Not changed:") and "at least 1" in bad
