"""Conversations in threads: open a thread from a message, hand each message to the engine, and
post what it says, in order. Nothing here decides anything: the engine does."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import discord

from bot.core.actions import Action, AskConfirmEnd, End, Notice, Reply, Warn, is_durable
from bot.core.domain import Inbound
from bot.core.engine import Outcome
from bot.core.errors import StoreUnavailable
from bot.core.feedback import FeedbackService
from bot.core.locks import KeyedLocks
from bot.core.ports import Routed
from bot.platforms.discord import permissions, render, translate
from bot.platforms.discord.views import ConfirmEndView

if TYPE_CHECKING:
    from bot.platforms.discord.client import ThreadkeeperBot

    Interaction = discord.Interaction[ThreadkeeperBot]

log = logging.getLogger("threadkeeper.discord.conversation")

THREAD_EXISTS = 160004  # "A thread has already been created for this message"
TYPING_EVERY = 8.0  # seconds; Discord shows the indicator for about ten
ENDED_MEMORY = 10_000


class Conversations:
    def __init__(self, bot: ThreadkeeperBot) -> None:
        self.bot = bot
        # Replies of one thread are posted in the order its messages came in.
        self._locks: KeyedLocks[int] = KeyedLocks()
        # Threads this process saw ended: no typing indicator there (the engine still decides).
        self._ended: OrderedDict[int, None] = OrderedDict()

    def ended(self, thread_id: int, ended: bool = True) -> None:
        """Note that a thread ended (or was reopened), for the typing indicator only."""
        if ended:
            self._ended[thread_id] = None
            self._ended.move_to_end(thread_id)
            while len(self._ended) > ENDED_MEMORY:
                self._ended.popitem(last=False)
        else:
            self._ended.pop(thread_id, None)

    # --- a member writes -------------------------------------------------------------------------

    async def open(self, channel: discord.TextChannel, message: discord.Message) -> None:
        """A mention (or a message in an AI channel): a public thread from the message, answered there."""
        me = self.bot.user
        assert me is not None  # only called once connected
        text = translate.message_text(message, me.id)
        try:
            thread = await message.create_thread(
                name=render.thread_name(text, message.author.display_name),
                auto_archive_duration=self.bot.config.auto_archive_minutes,
            )
        except discord.Forbidden:
            await self._cannot_open(channel, message)
            return
        except discord.HTTPException as exc:
            if exc.code != THREAD_EXISTS:
                raise
            # A redelivered event: the thread exists already and has the message's id.
            found = await self.bot.fetch_channel(message.id)
            if not isinstance(found, discord.Thread):
                return
            thread = found
        await self.handle(thread, message)

    async def handle(self, thread: discord.Thread, message: discord.Message) -> None:
        """One member message in one of our threads: the engine, then what it says to post."""
        me = self.bot.user
        assert me is not None
        msg = translate.inbound(message, thread, me)
        async with self._locks.hold(thread.id):
            quiet = thread.locked or thread.id in self._ended
            async with self._typing(thread, show=not quiet):
                outcome = await self.bot.runtime.engine.handle(msg)
            if outcome.ignored == "ended" or any(isinstance(a, End) for a in outcome.actions):
                self.ended(thread.id)
            reply_to = message if message.channel.id == thread.id else None
            await self.post(thread, msg, outcome, reply_to)
        log.info(
            "message_handled",
            extra={
                "platform": "discord",
                "space": msg.space_id,
                "thread_id": msg.thread_id,
                "ignored": outcome.ignored,
                "actions": [type(a).__name__ for a in outcome.actions],
            },
        )
        self.bot.dispatch("threadkeeper_handled", message.id, outcome)

    async def press(self, interaction: Interaction, intent: translate.Intent) -> None:
        """Confirm / Keep talking: the buttons go away, and the choice goes to the engine."""
        thread = interaction.channel
        if not isinstance(thread, discord.Thread):
            await interaction.response.send_message(
                "This button only works in a conversation thread.", ephemeral=True
            )
            return
        await interaction.response.edit_message(view=None)
        msg = translate.pressed(interaction, thread, intent)
        async with self._locks.hold(thread.id):
            outcome = await self.bot.runtime.engine.handle(msg)
            if any(isinstance(a, End) for a in outcome.actions):
                self.ended(thread.id)
            await self.post(thread, msg, outcome, None)
        self.bot.dispatch("threadkeeper_handled", interaction.id, outcome)

    async def feedback(self, interaction: Interaction, *, fair: bool) -> None:
        """The Fair / Not fair buttons under a closing message; a dispute reaches the moderators."""
        channel_id = interaction.channel_id
        guild_id = interaction.guild_id
        if channel_id is None or guild_id is None:
            return
        parent = getattr(interaction.channel, "parent_id", None) or channel_id
        try:
            texts = (await self.bot.configs.get(guild_id)).texts
            service = FeedbackService(self.bot.runtime.store, texts)
            key = translate.thread_key(guild_id, channel_id)
            reply = await service.give(key, translate.author_of(interaction.user), fair, str(parent))
        except StoreUnavailable:
            reply = self.bot.runtime.app.space.texts.store_unavailable
        await interaction.response.send_message(reply, ephemeral=True)
        self.bot.runtime.relay.kick()

    # --- what the engine says ----------------------------------------------------------------------

    async def post(
        self, thread: discord.Thread, msg: Inbound, outcome: Outcome, reply_to: discord.Message | None
    ) -> None:
        """Post `outcome.inline` in order. Durable actions there (only when the store is down) go
        straight to the sink; the rest of them arrive through the outbox."""
        for action in outcome.inline:
            if is_durable(action):
                try:
                    await self.bot.sink.perform(Routed(msg.key, msg.channel_id, msg.message_id, action))
                except Exception:
                    log.exception(
                        "inline_delivery_failed", extra={"platform": "discord", "thread_id": msg.thread_id}
                    )
                continue
            try:
                await self._post(thread, action, reply_to)
            except discord.Forbidden:
                await self.bot.reporter.missing(
                    thread.guild.id,
                    thread.parent_id,
                    permissions.ANSWER_IN_THREAD,
                    "answer in conversation threads",
                )
                return

    async def _post(self, thread: discord.Thread, action: Action, reply_to: discord.Message | None) -> None:
        if isinstance(action, Reply):
            for piece in render.split_message(action.text):
                await thread.send(piece)
        elif isinstance(action, Warn):
            # A reply to the message that earned it, so it is clear whom it addresses.
            reference = reply_to.to_reference(fail_if_not_exists=False) if reply_to is not None else None
            pieces = render.split_message(render.warning(action.text))
            for index, piece in enumerate(pieces):
                if index == 0 and reference is not None:
                    await thread.send(piece, reference=reference)
                else:
                    await thread.send(piece)
        elif isinstance(action, AskConfirmEnd):
            pieces = render.split_message(action.text)
            for piece in pieces[:-1]:
                await thread.send(piece)
            view = ConfirmEndView()
            await thread.send(pieces[-1] if pieces else "?", view=view)
            view.stop()  # the persistent registration answers its buttons: keep no copy per message
        elif isinstance(action, Notice):
            for piece in render.split_message(render.notice(action.text)):
                await thread.send(piece)

    @asynccontextmanager
    async def _typing(self, thread: discord.Thread, *, show: bool) -> AsyncIterator[None]:
        """The typing indicator while the brain works; a refusal to show it changes nothing."""
        if not show:
            yield
            return

        async def keep_typing() -> None:
            while True:
                await asyncio.sleep(TYPING_EVERY)
                with contextlib.suppress(discord.HTTPException):
                    await thread.typing()

        with contextlib.suppress(discord.HTTPException):
            await thread.typing()
        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            task.cancel()

    async def _cannot_open(self, channel: discord.TextChannel, message: discord.Message) -> None:
        await self.bot.reporter.missing(
            channel.guild.id, channel.id, permissions.OPEN_THREAD, "open conversation threads there"
        )
        with contextlib.suppress(discord.HTTPException):
            await message.reply(
                "I can't open a thread here: I'm missing a permission in this channel. "
                "I've let the server's admins know.",
                mention_author=False,
            )
