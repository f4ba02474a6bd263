"""The engine: one message in, the actions to perform out, with state kept consistent in the store.

Per message: begin (one store round trip) -> ended? -> safety net -> brain -> policy -> commit (one
round trip). Messages of one thread are handled one at a time; threads run concurrently. Failures
of the store or the brain become a notice to the member, never a crash, and a crisis found by the
safety net is escalated whatever else fails.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.core import policy
from bot.core.actions import (
    Action,
    AskConfirmEnd,
    End,
    Escalate,
    Notice,
    Reply,
    ReplyKind,
    UpdateEscalation,
    Warn,
    is_durable,
)
from bot.core.config import AppConfig, SpaceConfig
from bot.core.domain import (
    Actor,
    Assessment,
    Author,
    Category,
    Inbound,
    LogEntry,
    Screening,
    Status,
    ThreadKey,
    ThreadState,
    Turn,
)
from bot.core.errors import ModelUnavailable, StoreUnavailable
from bot.core.locks import KeyedLocks
from bot.core.ports import AuditRecord, Brain, BrainRequest, Commit, Routed, SafetyNet, Store
from bot.core.spaces import SpaceConfigs

log = logging.getLogger("threadkeeper.engine")

TRANSCRIPT_CHARS = 2000  # per transcript line; the model never needs more of one message


@dataclass(frozen=True, slots=True)
class Outcome:
    """What handling one message produced.

    `inline` is for the adapter to post now, in order. `queued` went to the outbox with the state
    and is delivered (at least once) by the relay. `actions` is both, in the order they happened.
    """

    inline: tuple[Action, ...] = ()
    queued: tuple[Action, ...] = ()
    state: ThreadState | None = None
    ignored: str | None = None  # "empty", "duplicate" or "ended"
    refusal: str | None = None
    reason: str = ""  # for an ended thread: why it ended

    @property
    def actions(self) -> tuple[Action, ...]:
        return self.inline + self.queued


class Engine:
    def __init__(
        self,
        store: Store,
        brain: Brain,
        safety: SafetyNet,
        config: AppConfig,
        *,
        fallback: Brain | None = None,
        clock: Callable[[], float] = time.time,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.brain = brain
        self.fallback = fallback
        self.safety = safety
        self.config = config
        self.spaces = SpaceConfigs(config.space)
        self.clock = clock
        self._on_queued = on_queued
        self._locks: KeyedLocks[ThreadKey] = KeyedLocks()
        # Reservation tokens: unique per handling attempt across processes, cheap to make.
        self._token_prefix = uuid.uuid4().hex[:12] + ":"
        self._tokens = itertools.count(1)

    # --- public ----------------------------------------------------------------------------------

    async def handle(self, msg: Inbound) -> Outcome:
        """Handle one member message; never raises for store, brain or input problems."""
        texts = self.config.space.texts
        if not msg.text.strip() and msg.intent is None:
            return Outcome(inline=(Notice(texts.empty_message, "empty"),), ignored="empty")
        async with self._locks.hold(msg.key):
            token = f"{self._token_prefix}{next(self._tokens)}"
            try:
                return await self._handle_locked(msg, token)
            except StoreUnavailable as exc:
                log.error("store_unavailable", extra={"conversation": msg.key.tag, "error": str(exc)})
                return self._without_store(msg)

    async def reopen(self, key: ThreadKey, moderator: Author, reason: str = "") -> Outcome:
        """A moderator returns an ended thread to active; raises `StoreUnavailable`."""
        record = AuditRecord(
            action="reopen",
            thread=key.thread,
            user=moderator.id,
            actor=Actor.MODERATOR,
            reason=reason or f"reopened by {moderator.name}",
            time=self.clock(),
        )
        state = await self.store.reopen(key, record)
        return Outcome(inline=(Notice(self.config.space.texts.reopened, "reopened"),), state=state)

    # --- the path of one message -----------------------------------------------------------------

    async def _handle_locked(self, msg: Inbound, token: str) -> Outcome:
        key = msg.key
        screening: Screening | None = None
        for _attempt in range(self.config.store.commit_retries):
            begun = await self.store.begin(key, msg.message_id, token)
            if begun.duplicate:
                return Outcome(state=begun.state, ignored="duplicate")
            state = begun.state
            if state.status is Status.ENDED:
                return Outcome(state=state, ignored="ended", reason=state.ended_reason)
            cfg = self.spaces.get(begun.overrides)
            now = self.clock()
            if screening is None:
                screening = self.safety.screen(msg.text)
            if msg.intent is not None:
                turn = _pressed(msg.intent, cfg)
            else:
                # After a lost race the thread moved on: think again on what is now there.
                turn = await self._think(msg, begun.log, state, screening, cfg, now)
            author = Author(msg.author_id, msg.author_name)
            decision = policy.decide(state, turn, author, cfg, now, self._excerpt(msg.text))
            if decision.refusal:
                log.info("end_refused", extra={"conversation": key.tag, "reason": decision.refusal})
            notices = self._notices(msg, turn, cfg)
            inline = notices + tuple(a for a in decision.actions if not is_durable(a))
            queued = tuple(a for a in decision.actions if is_durable(a))
            commit = self._commit(msg, token, state, decision.state, inline, queued, turn, screening, now)
            if await self.store.commit(commit):
                if queued and self._on_queued:
                    self._on_queued()
                stored = decision.state.evolve(version=state.version + 1)
                return Outcome(inline=inline, queued=queued, state=stored, refusal=decision.refusal)
            log.info("commit_conflict", extra={"conversation": key.tag, "version": state.version})
        await self.store.release(key, msg.message_id, token)
        return Outcome(inline=(Notice(self.config.space.texts.store_unavailable, "busy"),))

    async def _think(
        self,
        msg: Inbound,
        history: Sequence[LogEntry],
        state: ThreadState,
        screening: Screening,
        cfg: SpaceConfig,
        now: float,
    ) -> Turn:
        limit = self.config.limits.max_message_chars
        request = BrainRequest(
            key=msg.key,
            text=msg.text[:limit],
            author=Author(msg.author_id, msg.author_name),
            history=history,
            state=state,
            screening=screening,
            config=cfg,
            end_allowed=policy.end_allowed(state, cfg, now),
        )
        turn = await self._ask(self.brain, request)
        if turn is None and self.fallback is not None:
            fallback = await self._ask(self.fallback, request)
            if fallback is not None:
                turn = Turn(fallback.reply, fallback.assessment, fallback.usage, degraded=True)
        if turn is None:
            turn = Turn(cfg.texts.brain_unavailable, _assessment_from(screening), degraded=True)
        return _with_safety_net(turn, screening, cfg)

    async def _ask(self, brain: Brain, request: BrainRequest) -> Turn | None:
        try:
            async with asyncio.timeout(self.config.limits.turn_deadline_seconds):
                return await brain.respond(request)
        except (ModelUnavailable, TimeoutError) as exc:
            log.warning("brain_unavailable", extra={"brain": brain.name, "error": str(exc) or "timeout"})
        except Exception:
            log.exception("brain_failed", extra={"brain": brain.name})
        return None

    def _notices(self, msg: Inbound, turn: Turn, cfg: SpaceConfig) -> tuple[Action, ...]:
        notices: list[Action] = []
        limit = self.config.limits.max_message_chars
        if len(msg.text) > limit:
            text = cfg.texts.message_truncated.format(length=f"{len(msg.text):,}", limit=f"{limit:,}")
            notices.append(Notice(text, "truncated"))
        if turn.degraded:
            notices.append(Notice(cfg.texts.brain_unavailable, "degraded"))
        return tuple(notices)

    def _commit(
        self,
        msg: Inbound,
        token: str,
        before: ThreadState,
        after: ThreadState,
        inline: tuple[Action, ...],
        queued: tuple[Action, ...],
        turn: Turn,
        screening: Screening,
        now: float,
    ) -> Commit:
        key = msg.key
        said = msg.text[:TRANSCRIPT_CHARS] or f"[pressed {msg.intent}]"
        lines = [LogEntry("user", said, msg.author_name, "")]
        lines += [LogEntry("bot", text, "", kind) for text, kind in map(_said, inline + queued) if text]
        return Commit(
            key=key,
            message_id=msg.message_id,
            token=token,
            expected_version=before.version,
            state=after,
            log=tuple(lines),
            outbox=tuple(Routed(key, msg.channel_id, msg.message_id, a) for a in queued),
            audit=tuple(self._audit(msg, a, screening, now) for a in inline + queued if _audited(a)),
            stats=_counters(before, inline + queued, turn),
        )

    def _audit(self, msg: Inbound, action: Action, screening: Screening, now: float) -> AuditRecord:
        actor = Actor.MODEL
        if isinstance(action, Warn):
            name, reason = "warn", action.behaviour
        elif isinstance(action, End):
            name, reason, actor = "end", action.reason, action.actor
        elif isinstance(action, Escalate):
            name, reason = "escalate", f"{action.category.value} (severity {action.severity.name.lower()})"
            actor = Actor.SYSTEM if screening.crisis else Actor.MODEL
        else:
            name, reason = "confirm_end", "the member asked to end the conversation"
            actor = Actor.USER
        return AuditRecord(name, msg.thread_id, msg.author_id, actor, reason, now)

    def _excerpt(self, text: str) -> str:
        flat = " ".join(text.split())
        limit = self.config.limits.excerpt_chars
        return flat if len(flat) <= limit else flat[: limit - 1] + "…"

    def _without_store(self, msg: Inbound) -> Outcome:
        """The store is down: tell the member, and still get a crisis to a human."""
        cfg = self.config.space
        crisis = self.safety.screen(msg.text).crisis
        if crisis is None:
            return Outcome(inline=(Notice(cfg.texts.store_unavailable, "store_unavailable"),))
        signal = Turn("", Assessment(crisis.category, crisis.severity, crisis.evidence))
        author = Author(msg.author_id, msg.author_name)
        decision = policy.decide(ThreadState(), signal, author, cfg, self.clock(), self._excerpt(msg.text))
        # Without the store no episode can be counted and nobody can tell whether moderators were
        # already alerted: the alert is urgent and carries episode 0 ("not counted").
        actions = tuple(
            replace(a, urgent=True, episode=0) if isinstance(a, Escalate) else a for a in decision.actions
        )
        return Outcome(inline=actions)


def _with_safety_net(turn: Turn, screening: Screening, cfg: SpaceConfig) -> Turn:
    """The safety net overrides the brain on crises: protecting people is decided in code."""
    crisis = screening.crisis
    seen = turn.assessment
    if crisis is not None:
        if seen.is_crisis:
            severity = max(seen.severity, crisis.severity)
            merged = Assessment(seen.category, severity, seen.behaviour or crisis.evidence)
            return Turn(turn.reply, merged, turn.usage, turn.degraded)
        merged = Assessment(crisis.category, crisis.severity, crisis.evidence)
        return Turn("", merged, turn.usage, turn.degraded)
    uses_reply = seen.category is Category.OK or seen.is_abusive
    if uses_reply and not turn.reply.strip():
        return Turn(cfg.texts.brain_unavailable, seen, turn.usage, True)
    return turn


def _pressed(intent: str, cfg: SpaceConfig) -> Turn:
    """A Confirm / Keep talking button: the member's choice is explicit, no brain needed."""
    if intent == "confirm_end":
        return Turn("", Assessment(Category.USER_CONFIRMS_END))
    return Turn(cfg.texts.keep_talking)


def _assessment_from(screening: Screening) -> Assessment:
    if screening.abuse.is_abusive:
        return Assessment(screening.abuse, behaviour=screening.behaviour)
    return Assessment()


def _said(action: Action) -> tuple[str, str]:
    """The text members saw for an action, and its kind, for the transcript."""
    if isinstance(action, Reply):
        return action.text, action.kind.value
    if isinstance(action, Warn):
        return action.text, "warn"
    if isinstance(action, AskConfirmEnd):
        return action.text, "confirm"
    if isinstance(action, End):
        return action.text, "end"
    if isinstance(action, Notice):
        return action.text, "notice"
    return "", ""


def _audited(action: Action) -> bool:
    return isinstance(action, Warn | End | Escalate | AskConfirmEnd)


def _counters(before: ThreadState, actions: tuple[Action, ...], turn: Turn) -> dict[str, int]:
    stats = {"messages": 1}
    if before.turn == 0:
        stats["conversations"] = 1
    for action in actions:
        if isinstance(action, Reply) and action.kind is ReplyKind.REDIRECT:
            stats["redirects"] = stats.get("redirects", 0) + 1
        elif isinstance(action, Warn):
            stats["warnings"] = 1
        elif isinstance(action, End):
            stats["user_endings" if action.actor is Actor.USER else "endings"] = 1
        elif isinstance(action, Escalate):
            stats["escalations"] = 1
        elif isinstance(action, UpdateEscalation):
            stats["escalation_updates"] = 1
        elif isinstance(action, AskConfirmEnd):
            stats["end_requests"] = 1
    usage = turn.usage
    for name, value in (
        ("tokens_input", usage.input_tokens),
        ("tokens_output", usage.output_tokens),
        ("tokens_cache_read", usage.cache_read_tokens),
        ("tokens_cache_write", usage.cache_write_tokens),
    ):
        if value:
            stats[name] = value
    if turn.degraded:
        stats["degraded_turns"] = 1
    return stats
