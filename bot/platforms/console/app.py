"""A terminal chat with the bot in one thread: the whole engine, with every action shown as it happens.

Type messages; commands start with a slash (`/help`). `--script` replays a scenario file instead.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from bot.core.actions import Dispute, End, Escalate, UpdateEscalation
from bot.core.domain import Author, Inbound, ThreadKey
from bot.core.errors import StoreUnavailable
from bot.core.feedback import FeedbackService
from bot.core.ports import Routed
from bot.evaluation.scenario import Scenario
from bot.platforms.console.render import Painter, render_action, render_alert, render_dispute
from bot.runtime import Runtime

PLATFORM = "console"
SPACE = "local"

HELP = """Commands:
  /new            start a fresh thread
  /as NAME        speak as another member of the thread (default: you)
  /reopen         reopen an ended thread, as a moderator would
  /feedback fair|unfair   say whether the ending of this thread was fair
  /audit          show the numbered cases of this space (warnings, endings, escalations)
  /stats          show this space's counters
  /help           this list
  /quit           leave (Ctrl-D works too)"""


class ConsoleSink:
    """Performs durable actions: the closing message in the thread, alerts in the moderator channel."""

    def __init__(self, out: Callable[[str], None], paint: Painter) -> None:
        self.out = out
        self.paint = paint

    async def perform(self, routed: Routed) -> None:
        action = routed.action
        if isinstance(action, Escalate | UpdateEscalation):
            self.out(render_alert(action, routed.key, self.paint))
        elif isinstance(action, End):
            self.out(render_action(action, self.paint))
        elif isinstance(action, Dispute):
            self.out(render_dispute(action, routed.key, self.paint))


class ConsoleChat:
    def __init__(self, runtime: Runtime, out: TextIO, paint: Painter) -> None:
        self.runtime = runtime
        self.out = out
        self.paint = paint
        self.user = "member"
        self.thread_number = 1
        self.message_number = 0

    @property
    def key(self) -> ThreadKey:
        return ThreadKey(PLATFORM, SPACE, f"thread-{self.thread_number}")

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    async def send(self, text: str, user: str | None = None) -> None:
        """Send one member message through the engine and show what happened."""
        self.message_number += 1
        author = user or self.user
        msg = Inbound(
            platform=PLATFORM,
            space_id=SPACE,
            thread_id=self.key.thread,
            channel_id="console",
            author_id=author,
            author_name=author,
            message_id=f"{self.key.thread}-{self.message_number}",
            text=text,
        )
        outcome = await self.runtime.engine.handle(msg)
        if outcome.ignored == "ended":
            reason = outcome.reason or "it was ended"
            self.say(self.paint("end", f"[this thread has ended ({reason}); your message was not delivered]"))
            self.say(self.paint("notice", self.runtime.app.space.texts.thread_ended + " Type /new."))
            return
        for action in outcome.inline:
            rendered = render_action(action, self.paint)
            if rendered:
                self.say(rendered)
        await self.runtime.relay.drain()

    async def command(self, line: str) -> bool:
        """Run a slash command; False means quit."""
        name, _, arg = line[1:].partition(" ")
        store = self.runtime.store
        if name in ("quit", "exit", "q"):
            return False
        if name == "help":
            self.say(HELP)
        elif name == "new":
            self.thread_number += 1
            self.say(self.paint("notice", f"[new thread: {self.key.thread}]"))
        elif name == "as":
            if not arg.strip():
                self.say("usage: /as NAME")
            else:
                self.user = arg.strip()[:64]
                self.say(self.paint("notice", f"[now speaking as {self.user}]"))
        elif name == "reopen":
            outcome = await self.runtime.engine.reopen(self.key, Author("console-mod", "moderator"))
            for action in outcome.inline:
                self.say(render_action(action, self.paint))
        elif name == "feedback":
            if arg.strip() not in ("fair", "unfair"):
                self.say("usage: /feedback fair|unfair")
            else:
                feedback = FeedbackService(store, self.runtime.app.space.texts)
                member = Author(self.user, self.user)
                self.say(
                    await feedback.give(self.key, member, fair=arg.strip() == "fair", channel_id="console")
                )
                await self.runtime.relay.drain()
        elif name == "audit":
            for rec in await store.audit(PLATFORM, SPACE):
                self.say(
                    f"#{rec.case:<4} {rec.action:<12} {rec.thread:<10} by {rec.actor.value:<9} {rec.reason}"
                )
        elif name == "stats":
            stats = await store.stats(PLATFORM, SPACE)
            self.say(", ".join(f"{k}={v}" for k, v in sorted(stats.items())) or "(no activity yet)")
        else:
            self.say(f"unknown command /{name}; type /help")
        return True

    async def interact(self, lines: TextIO, prompt: bool) -> None:
        self.say(f"Threadkeeper console - {self.runtime.store_description}. Type /help for commands.")
        loop = asyncio.get_running_loop()
        while True:
            if prompt:
                print(f"{self.user}> ", end="", file=self.out, flush=True)
            line = await loop.run_in_executor(None, lines.readline)
            if not line:
                return
            line = line.rstrip("\n")
            try:
                if line.startswith("/"):
                    if not await self.command(line.strip()):
                        return
                    continue
                await self.send(line)
            except StoreUnavailable as exc:
                self.say(self.paint("end", f"[store unavailable: {exc}]"))

    async def replay(self, scenario: Scenario) -> None:
        self.say(f"== scenario {scenario.name}: {scenario.description}".rstrip(": "))
        for step in scenario.turns:
            if step.action == "reopen":
                await self.command("/reopen")
                continue
            text = step.text or ""
            self.say(f"{step.user}> {text}")
            await self.send(text, user=step.user)


def is_tty(stream: TextIO) -> bool:
    return hasattr(stream, "isatty") and stream.isatty()


def default_painter() -> Painter:
    return Painter(colour=is_tty(sys.stdout))
