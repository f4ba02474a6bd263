"""`/threadkeeper` commands as admins, moderators and members would type them, on the real Redis."""

from __future__ import annotations

import pytest

from bot.brains.offline import OfflineBrain
from bot.core.admin import AdminService, AdminUsageError, Caller, parse_command
from bot.core.config import load_app_config
from bot.core.domain import Inbound, Status, ThreadKey
from bot.core.engine import Engine
from bot.store import RedisStore
from tests.core.test_engine import KeywordSafetyNet

ADMIN = Caller(platform="test", space="s1", user_id="U-admin", user_name="Ada", is_admin=True)
MOD = Caller(platform="test", space="s1", user_id="U-mod", user_name="Mo", is_moderator=True)
MEMBER = Caller(platform="test", space="s1", user_id="U-member", user_name="Mel")


@pytest.fixture
def service(store: RedisStore) -> AdminService:
    engine = Engine(store, OfflineBrain(), KeywordSafetyNet(), load_app_config())
    return AdminService(store, engine)


async def run(service: AdminService, caller: Caller, text: str) -> str:
    return await service.run(caller, parse_command(text))


async def test_admin_changes_a_threshold_and_it_applies(service: AdminService, store: RedisStore) -> None:
    reply = await run(service, ADMIN, "config set redirects_before_warning 5")
    assert reply == "redirects_before_warning is now 5 (was 3)."
    cfg = await service.effective_config("test", "s1")
    assert cfg.redirects_before_warning == 5
    shown = await run(service, ADMIN, "config show")
    assert "* redirects_before_warning = 5" in shown and "  turns_after_warning = 1" in shown
    cases = await store.audit("test", "s1")
    assert cases[0].action == "config_set" and cases[0].user == "U-admin"
    assert cases[0].reason == "redirects_before_warning = 5"


async def test_bad_values_are_refused_with_the_rule(service: AdminService) -> None:
    assert await run(service, ADMIN, "config set redirects_before_warning 0") == (
        "Not changed: override: redirects_before_warning = 0: must be at least 1"
    )
    reply = await run(service, ADMIN, "config set texts.warning 'please stop'")
    assert reply.startswith("Not changed:") and "{behaviour}" in reply
    reply = await run(service, ADMIN, "config set colour blue")
    assert "colour is not a setting" in reply
    assert (await service.effective_config("test", "s1")).redirects_before_warning == 3


async def test_members_are_refused_and_moderators_limited(service: AdminService) -> None:
    assert await run(service, MEMBER, "config set ending_enabled false") == (
        "Sorry, only server admins can use `/threadkeeper config set`."
    )
    assert "only server admins" in await run(service, MOD, "ending disable")
    assert "conversations: 0" in await run(service, MOD, "stats")
    assert "only moderators and admins" in await run(service, MEMBER, "audit")
    assert (await service.effective_config("test", "s1")).ending_enabled is True


async def test_ending_switch_channels_and_reset(service: AdminService) -> None:
    assert "disabled" in await run(service, ADMIN, "ending disable")
    assert await run(service, ADMIN, "modchannel C-mods") == "Escalations will go to C-mods."
    assert "R-mods" in await run(service, ADMIN, "modgroup R-mods")
    await run(service, ADMIN, "aichannel add C-ai")
    assert await run(service, ADMIN, "aichannel add C-help") == "AI channels: C-ai, C-help."
    assert await run(service, ADMIN, "aichannel remove C-ai") == "AI channels: C-help."
    cfg = await service.effective_config("test", "s1")
    assert (cfg.ending_enabled, cfg.moderator_channel, cfg.moderator_role) == (False, "C-mods", "R-mods")
    assert await run(service, ADMIN, "config reset") == "All settings are back to their defaults."
    assert (await service.effective_config("test", "s1")).ending_enabled is True


async def test_moderator_reopens_an_ended_thread_and_audit_explains(service: AdminService) -> None:
    engine = service.engine
    for n, text in enumerate(["INSULT"] * 4, start=1):
        await engine.handle(
            Inbound(
                platform="test", space_id="s1", thread_id="T9", author_id="u", message_id=str(n), text=text
            )
        )
    why = await run(service, MOD, "audit T9")
    assert " end thread T9 by model" in why and " warn thread T9 by model" in why
    assert await run(service, MOD, "reopen T9") == "Thread T9 is open again; I'll answer there."
    begun = await service.store.begin(ThreadKey("test", "s1", "T9"), "probe", "tok")
    assert begun.state.status is Status.ACTIVE
    assert "reopen thread T9 by moderator" in await run(service, ADMIN, "audit T9")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "config",
        "config set onlykey",
        "ending maybe",
        "aichannel add",
        "reopen",
        "frobnicate",
        "audit 'a b'",
    ],
)
def test_unparseable_commands_show_usage(text: str) -> None:
    with pytest.raises(AdminUsageError) as err:
        parse_command(text)
    assert "Usage: /threadkeeper" in str(err.value)
