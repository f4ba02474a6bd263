"""What every Slack listener needs, built once and passed around in one small dataclass."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.admin import AdminService, Caller
from bot.core.branching import BranchService
from bot.core.config import SlackConfig, SpaceConfig
from bot.core.engine import Engine
from bot.core.ports import Store
from bot.platforms.slack.conversations import Conversations
from bot.platforms.slack.ids import PLATFORM
from bot.platforms.slack.people import People
from bot.platforms.slack.poster import Poster
from bot.platforms.slack.problems import Problems
from bot.platforms.slack.sink import SlackSink
from bot.platforms.slack.tracker import Tracker
from bot.runtime import Runtime


@dataclass
class SlackDeps:
    runtime: Runtime
    client: AsyncWebClient
    config: SlackConfig
    work: Tracker
    sink: SlackSink
    problems: Problems
    people: People
    poster: Poster
    conversations: Conversations
    admin: AdminService
    branches: BranchService

    @property
    def store(self) -> Store:
        return self.runtime.store

    @property
    def engine(self) -> Engine:
        return self.runtime.engine

    async def space(self, team: str) -> SpaceConfig:
        """The team's effective settings (defaults with its admins' overrides)."""
        return await self.sink.space(team)

    async def caller(self, team: str, user_id: str) -> Caller:
        """Who is asking, with the rights Slack reports (the core decides what they allow)."""
        person = await self.people.get(team, user_id)
        is_admin = user_id in self.config.admin_user_ids or person.is_admin
        cfg = await self.space(team)
        is_moderator = bool(cfg.moderator_role) and await self.people.in_group(
            team, cfg.moderator_role, user_id
        )
        return Caller(
            platform=PLATFORM,
            space=team,
            user_id=user_id,
            user_name=person.name,
            is_admin=is_admin,
            is_moderator=is_moderator,
        )


def make_deps(runtime: Runtime, client: AsyncWebClient, sink: SlackSink, work: Tracker) -> SlackDeps:
    """Wire the adapter around a runtime whose relay already delivers to `sink`."""
    config = runtime.app.slack
    problems = Problems(runtime.store, client, config)
    people = People(runtime.store, client, config, problems)
    poster = Poster(client, problems)
    sink.attach(runtime.store, runtime.engine.spaces, poster, problems, config.closed_reaction)
    return SlackDeps(
        runtime=runtime,
        client=client,
        config=config,
        work=work,
        sink=sink,
        problems=problems,
        people=people,
        poster=poster,
        conversations=Conversations(runtime, people, poster, sink),
        admin=AdminService(runtime.store, runtime.engine),
        branches=BranchService(runtime.store),
    )
