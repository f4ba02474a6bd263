"""Durable actions in Slack: closing messages, crisis alerts and their updates, disputed endings.

The outbox relay delivers each at least once; this sink makes sure Slack shows each once. Before
posting it claims the item in the store (`only_if_new`), and after posting it records the
message's ts there; a re-delivery finds the ts and stops. A claim left by a delivery that died
mid-way expires after `PENDING_SECONDS`, shorter than the outbox's claim idle time, so the item is
posted by the next attempt instead of being lost. Alerts that cannot be posted yet (no moderator
channel, the bot not invited) are reported to admins and raised, so the relay keeps them.
"""

from __future__ import annotations

import contextlib
import logging
import re

from slack_sdk.errors import SlackApiError

from bot.core.actions import Dispute, End, Escalate, UpdateEscalation
from bot.core.config import SpaceConfig
from bot.core.errors import DeliveryDeferred, StoreUnavailable
from bot.core.ports import Routed, Store
from bot.core.spaces import SpaceConfigs
from bot.platforms.slack import alerts
from bot.platforms.slack.alerts import AlertState
from bot.platforms.slack.blocks import alerts as alert_views
from bot.platforms.slack.blocks import thread as thread_views
from bot.platforms.slack.ids import PLATFORM, split_thread
from bot.platforms.slack.poster import Poster, is_transient
from bot.platforms.slack.problems import CHANNEL_ERRORS, Problem, Problems, error_code, moderator_channel_text
from bot.platforms.slack.tracker import Tracker

log = logging.getLogger("threadkeeper.slack")

SENT_SCOPE = "slack-sent"
PENDING_SECONDS = 30
SENT_KEEP_SECONDS = 30 * 86400
GONE_ERRORS = frozenset({"message_not_found", "cant_update_message", "channel_not_found"})


class SlackSink:
    """The `ActionSink` of the Slack adapter; usable once `attach` gave it the runtime's store."""

    def __init__(self, work: Tracker) -> None:
        self.work = work
        self._store: Store | None = None
        self._spaces: SpaceConfigs | None = None
        self._poster: Poster | None = None
        self._problems: Problems | None = None
        self.closed_reaction = ""
        # Last known settings per team: with Redis down, a crisis alert still finds its channel.
        self._known: dict[str, SpaceConfig] = {}

    def attach(
        self, store: Store, spaces: SpaceConfigs, poster: Poster, problems: Problems, closed_reaction: str
    ) -> None:
        self._store, self._spaces, self._poster, self._problems = store, spaces, poster, problems
        self.closed_reaction = closed_reaction

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("SlackSink used before attach()")
        return self._store

    @property
    def poster(self) -> Poster:
        if self._poster is None:
            raise RuntimeError("SlackSink used before attach()")
        return self._poster

    @property
    def problems(self) -> Problems:
        if self._problems is None:
            raise RuntimeError("SlackSink used before attach()")
        return self._problems

    async def space(self, team: str) -> SpaceConfig:
        if self._spaces is None:
            raise RuntimeError("SlackSink used before attach()")
        try:
            cfg = self._spaces.get(await self.store.overrides(PLATFORM, team))
        except StoreUnavailable:
            # Redis is down: the settings last seen, else the defaults file's (an operator may set
            # a moderator channel there for exactly this).
            return self._known.get(team) or self._spaces.defaults
        self._known[team] = cfg
        return cfg

    async def know(self, team: str) -> None:
        """Learn a team's settings once, so an alert can find its channel while Redis is down."""
        if team not in self._known:
            with contextlib.suppress(StoreUnavailable):
                await self.space(team)

    async def perform(self, routed: Routed) -> None:
        async with self.work.track():
            action = routed.action
            if isinstance(action, End):
                await self._end(routed, action)
            elif isinstance(action, Escalate):
                await self._escalate(routed, action)
            elif isinstance(action, UpdateEscalation):
                await self._update(routed, action)
            elif isinstance(action, Dispute):
                await self._dispute(routed, action)
            else:
                log.warning("slack_unexpected_durable_action", extra={"action": type(action).__name__})

    # --- the closing message ---------------------------------------------------------------------

    async def _end(self, routed: Routed, action: End) -> None:
        key, team = routed.key, routed.key.space
        channel, thread_ts = split_thread(key.thread)
        name = f"end:{key.tag}:{routed.message_id}"
        if await self._delivered(SENT_SCOPE, name):
            return
        try:
            ts = await self.poster.post(channel, thread_views.closing(action, key.thread), thread_ts)
        except Exception as exc:
            await self._release(SENT_SCOPE, name)
            if is_transient(exc) or not isinstance(exc, SlackApiError):
                raise
            code = error_code(exc)
            await self.problems.from_error(team, exc, "posting a closing message")
            if code == "missing_scope":
                raise DeliveryDeferred("chat:write is missing; retried once an admin adds it") from None
            # The thread is gone or the bot was removed: our record still ignores the thread.
            log.warning("slack_closing_not_posted", extra={"conversation": key.tag, "error": code})
            return
        await self._record(SENT_SCOPE, name, ts)
        log.info("slack_thread_closed", extra={"conversation": key.tag, "reason": action.reason})
        await self.poster.react(team, channel, thread_ts, self.closed_reaction)

    # --- moderator alerts ------------------------------------------------------------------------

    async def _moderator_channel(self, team: str) -> tuple[str, str]:
        """The moderator channel and user group of `team`; deferred (and reported) when unset."""
        cfg = await self.space(team)
        if not cfg.moderator_channel:
            await self.problems.report(team, Problem.MODERATOR_CHANNEL, moderator_channel_text("", ""))
            raise DeliveryDeferred("no moderator channel is set")
        group = cfg.moderator_role
        if group and not re.fullmatch(r"S[A-Z0-9]+", group):
            await self.problems.report(
                team,
                Problem.USER_GROUP,
                f"The moderator group is set to `{group}`, which is not a Slack user group, so alerts "
                "ping nobody. Fix: `/threadkeeper modgroup @your-moderators-group`.",
            )
            group = ""
        return cfg.moderator_channel, group

    async def _post_to_moderators(self, team: str, channel: str, message: thread_views.Message) -> str:
        try:
            return await self.poster.post(channel, message)
        except SlackApiError as exc:
            code = error_code(exc)
            if code in CHANNEL_ERRORS:
                await self.problems.report(
                    team, Problem.MODERATOR_CHANNEL, moderator_channel_text(channel, code)
                )
                raise DeliveryDeferred(f"cannot post in the moderator channel ({code})") from None
            await self.problems.from_error(team, exc, "posting an alert to the moderators")
            raise

    async def _escalate(self, routed: Routed, action: Escalate) -> None:
        key, team = routed.key, routed.key.space
        channel, group = await self._moderator_channel(team)
        name = alerts.alert_name(key, action.episode)
        if await self._delivered(alerts.SCOPE, name):
            return
        try:
            source_channel, source_ts = _message_place(routed)
            permalink = await self.poster.permalink(source_channel, source_ts)
            state = AlertState.first(team, key, action, permalink, group)
            ts = await self._post_to_moderators(team, channel, alert_views.alert(state, ping=True))
        except BaseException:
            await self._release(alerts.SCOPE, name)
            raise
        await self._record(
            alerts.SCOPE, name, state.evolve(channel=channel, ts=ts).dumps(), alerts.KEEP_SECONDS
        )
        await self.problems.clear(team, Problem.MODERATOR_CHANNEL)
        log.info("slack_alert_posted", extra={"conversation": key.tag, "episode": action.episode})

    async def _update(self, routed: Routed, action: UpdateEscalation) -> None:
        key, team = routed.key, routed.key.space
        state = await alerts.load(self.store, key, action.episode)
        if state is None:
            raise DeliveryDeferred("the first alert of this episode is not posted yet")
        name = f"update:{key.tag}:{routed.message_id}"
        if await self._delivered(SENT_SCOPE, name):
            return
        updated = state.with_signal(action)
        message = alert_views.alert(updated, ping=False)
        try:
            await self.poster.client.chat_update(
                channel=updated.channel, ts=updated.ts, text=message.text, blocks=message.blocks
            )
        except SlackApiError as exc:
            if error_code(exc) not in GONE_ERRORS:
                await self._release(SENT_SCOPE, name)
                await self.problems.from_error(team, exc, "updating an alert")
                raise
            # A moderator deleted the alert: post it again, still without a second ping.
            channel, _ = await self._moderator_channel(team)
            ts = await self._post_to_moderators(team, channel, message)
            updated = updated.evolve(channel=channel, ts=ts)
        except BaseException:
            await self._release(SENT_SCOPE, name)
            raise
        await alerts.save(self.store, key, updated)
        await self._record(SENT_SCOPE, name, updated.ts)

    async def _dispute(self, routed: Routed, action: Dispute) -> None:
        key, team = routed.key, routed.key.space
        channel, _ = await self._moderator_channel(team)
        name = f"dispute:{key.tag}:{action.user_id}"
        if await self._delivered(SENT_SCOPE, name):
            return
        try:
            thread_channel, thread_ts = split_thread(key.thread)
            permalink = await self.poster.permalink(thread_channel, thread_ts)
            ts = await self._post_to_moderators(
                team, channel, alert_views.dispute(action, key.thread, permalink)
            )
        except BaseException:
            await self._release(SENT_SCOPE, name)
            raise
        await self._record(SENT_SCOPE, name, ts)
        await self.problems.clear(team, Problem.MODERATOR_CHANNEL)

    # --- once-only bookkeeping -------------------------------------------------------------------

    async def _delivered(self, scope: str, name: str) -> bool:
        """Claim the item; True when an earlier delivery already posted it."""
        try:
            if await self.store.remember(scope, name, alerts.PENDING, PENDING_SECONDS, only_if_new=True):
                return False
            prior = await self.store.recall(scope, name)
        except StoreUnavailable:
            return False  # better posted twice than never
        if prior is None:
            return False  # the claim expired in between: ours to post
        if prior in (alerts.PENDING, ""):
            raise DeliveryDeferred(f"another delivery of {name} is in progress")
        return True

    async def _record(self, scope: str, name: str, value: str, keep: int = SENT_KEEP_SECONDS) -> None:
        try:
            await self.store.remember(scope, name, value or "posted", keep)
        except StoreUnavailable as exc:
            log.error("slack_delivery_not_recorded", extra={"item": name, "error": str(exc)})

    async def _release(self, scope: str, name: str) -> None:
        with contextlib.suppress(StoreUnavailable):
            await self.store.remember(scope, name, "", 1)


def _message_place(routed: Routed) -> tuple[str, str]:
    """Channel and ts of the member message an action answers (for its permalink)."""
    channel, _, rest = routed.message_id.partition(":")
    ts = rest.split(":")[0]
    if channel and ts:
        return channel, ts
    return split_thread(routed.key.thread)
