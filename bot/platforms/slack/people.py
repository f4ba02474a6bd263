"""Who someone is in Slack: display name, workspace admin or owner, member of the moderator group.

`users.info` and `usergroups.users.list` answers are kept in the store for
`[slack] users_cache_seconds`, so a busy thread costs one cached read per message, not one API call.
These are facts for the core; what an admin or a moderator may do is decided in `AdminService`.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.config import SlackConfig
from bot.core.errors import StoreUnavailable
from bot.core.ports import Store
from bot.platforms.slack.problems import Problem, Problems, error_code

log = logging.getLogger("threadkeeper.slack")

NAME_CHARS = 80


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    is_admin: bool = False  # workspace admin or owner, as Slack reports it


class People:
    def __init__(self, store: Store, client: AsyncWebClient, config: SlackConfig, problems: Problems) -> None:
        self.store = store
        self.client = client
        self.config = config
        self.problems = problems

    async def get(self, team: str, user_id: str) -> Person:
        """The person, from the cache or `users.info`; their id as name if Slack cannot say."""
        cached = await self._recall("slack-user", f"{team}:{user_id}")
        if cached is not None:
            try:
                data = json.loads(cached)
                return Person(user_id, str(data["n"]), bool(data["a"]))
            except (ValueError, KeyError, TypeError):
                pass
        try:
            response = await self.client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning("slack_users_info_failed", extra={"user": user_id, "error": error_code(exc)})
            await self.problems.from_error(team, exc, "looking up members' names and admin rights")
            return Person(user_id, user_id)
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = str(
            profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user_id
        )[:NAME_CHARS]
        admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        await self._remember("slack-user", f"{team}:{user_id}", json.dumps({"n": name, "a": admin}))
        return Person(user_id, name, admin)

    async def is_admin(self, team: str, user_id: str) -> bool:
        if user_id in self.config.admin_user_ids:
            return True
        return (await self.get(team, user_id)).is_admin

    async def in_group(self, team: str, group: str, user_id: str) -> bool:
        """Whether `user_id` belongs to the user group `group` (the configured moderators)."""
        if not group.startswith("S"):
            return False
        cached = await self._recall("slack-group", f"{team}:{group}")
        members: list[str] | None = None
        if cached is not None:
            try:
                members = [str(m) for m in json.loads(cached)]
            except (ValueError, TypeError):
                members = None
        if members is None:
            try:
                response = await self.client.usergroups_users_list(usergroup=group)
            except SlackApiError as exc:
                code = error_code(exc)
                log.warning("slack_usergroup_failed", extra={"group": group, "error": code})
                if code == "missing_scope":
                    await self.problems.from_error(team, exc, "checking who is in the moderator group")
                else:
                    await self.problems.report(
                        team,
                        Problem.USER_GROUP,
                        f"I can't read the moderator group `{group}` (Slack says `{code}`). Fix: pick "
                        "an existing user group with `/threadkeeper modgroup @group`.",
                    )
                return False
            members = [str(m) for m in response.get("users") or []]
            await self._remember("slack-group", f"{team}:{group}", json.dumps(members))
        return user_id in members

    async def _recall(self, scope: str, name: str) -> str | None:
        if self.config.users_cache_seconds <= 0:
            return None
        try:
            return await self.store.recall(scope, name)
        except StoreUnavailable:
            return None

    async def _remember(self, scope: str, name: str, value: str) -> None:
        if self.config.users_cache_seconds <= 0:
            return
        with contextlib.suppress(StoreUnavailable):
            await self.store.remember(scope, name, value, self.config.users_cache_seconds)
