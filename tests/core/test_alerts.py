"""Who may acknowledge or claim an alert is decided in the core, the same on every platform."""

from __future__ import annotations

from bot.core.admin import Caller
from bot.core.alerts import AlertDesk
from bot.core.config import load_app_config, validate_override
from bot.store import RedisStore

MEMBER = Caller(platform="test", space="s1", user_id="U1", user_name="Mel")


async def test_with_a_moderator_role_only_moderators_and_admins_may(store: RedisStore) -> None:
    cfg = validate_override(load_app_config().space, "moderator_role", "R-mods")
    desk = AlertDesk(store, clock=lambda: 1_800_000_000.0)
    assert await desk.handle(MEMBER, cfg, "T1", "claim", "escalation (episode 1)") is None
    mod = MEMBER.model_copy(update={"is_moderator": True, "user_name": "Mo"})
    case = await desk.handle(mod, cfg, "T1", "claim", "escalation (episode 1)")
    admin = MEMBER.model_copy(update={"is_admin": True})
    assert await desk.handle(admin, cfg, "T1", "acknowledge", "disputed ending") == (case or 0) + 1
    [ack, claim] = await store.audit("test", "s1", "T1")
    assert (claim.action, claim.user, claim.actor.value) == ("claim", "U1", "moderator")
    assert claim.reason == "escalation (episode 1) claimed by Mo"
    assert ack.reason == "disputed ending acknowledged by Mel"


async def test_without_a_moderator_role_the_moderator_channel_is_the_gate(store: RedisStore) -> None:
    cfg = load_app_config().space
    assert await AlertDesk(store).handle(MEMBER, cfg, "T1", "acknowledge", "escalation (episode 1)") == 1
