"""The rules of leaving a thread, as a pure function: (state, turn, config) -> (actions, new state).

Read top to bottom, `decide` is the rule book:
1. An ended thread stays ended: nothing happens until a moderator reopens it.
2. A crisis signal (from the model or the local safety net) keeps the bot in the thread: a caring
   reply, one escalation per episode, no warning and no ending while the hold lasts.
3. A member who asks to end is asked to confirm it is permanent; only an explicit yes ends.
4. Harmful or abusive turns are redirected; after enough of them an explicit warning names the
   behaviour; only after that, and only if the model proposes it, may the thread end.
5. Clean turns slowly decay the count, so an old outburst does not haunt a long conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.actions import Action, AskConfirmEnd, End, Escalate, Reply, ReplyKind, UpdateEscalation, Warn
from bot.core.config import SpaceConfig
from bot.core.domain import (
    Actor,
    Assessment,
    Author,
    Category,
    Severity,
    Status,
    ThreadState,
    Turn,
)

# Counters saturate here; a thread that reaches it has long been eligible for ending.
MAX_REDIRECTS = 1000

_AT_RISK = "someone in this thread may be at risk; stay and keep helping"
_DISABLED = "ending conversations is disabled in this space"
_MEMBER_MUST_CONFIRM = "the member asked to end: only their explicit confirmation can end this thread"


@dataclass(frozen=True, slots=True)
class Decision:
    actions: tuple[Action, ...]
    state: ThreadState
    refusal: str | None = None  # why a proposed ending was refused (fed back to the model)

    @property
    def ended(self) -> bool:
        return any(isinstance(a, End) for a in self.actions)


def decide(
    state: ThreadState,
    turn: Turn,
    author: Author,
    cfg: SpaceConfig,
    now: float,
    excerpt: str = "",
) -> Decision:
    """The actions for one message and the thread's next state. Never raises, never does I/O."""
    if state.status is Status.ENDED:
        return Decision((), state)
    seen = turn.assessment
    state = state.evolve(turn=state.turn + 1)

    if seen.is_crisis:
        return _stay_and_escalate(state, turn, author, cfg, now, excerpt)
    if state.in_crisis(now):
        return _hold_during_crisis(state, turn, cfg)

    if state.status is Status.CONFIRMING_END:
        if seen.category is Category.USER_CONFIRMS_END:
            return _end_at_users_request(state, cfg, proposed=seen.wants_end)
        state = state.evolve(status=Status.ACTIVE)

    if seen.category in (Category.USER_REQUESTS_END, Category.USER_CONFIRMS_END):
        return _ask_to_confirm(state, cfg, proposed=seen.wants_end)
    if seen.is_abusive:
        return _redirect_warn_or_end(state, turn, author, cfg, now)
    return _answer_and_decay(state, turn, cfg)


def end_refusal(state: ThreadState, cfg: SpaceConfig, now: float) -> str | None:
    """Why an ending proposed on `state` (already counting this turn) must be refused, or None."""
    if not cfg.ending_enabled:
        return _DISABLED
    if state.status is not Status.ACTIVE:
        return f"the thread is {state.status.value}"
    if state.in_crisis(now):
        return _AT_RISK
    if state.warned_at is None:
        return "no explicit warning naming the behaviour has been given yet"
    if state.redirects < cfg.redirects_before_warning:
        return "not enough redirection attempts have been made yet"
    if state.turn - state.warned_at < cfg.turns_after_warning:
        return "the warning was given too recently; give the member a chance to respond to it"
    return None


def end_allowed(state: ThreadState, cfg: SpaceConfig, now: float) -> bool:
    """Whether an ending would be accepted if the coming message is another abusive turn.

    Brains offer the ending tool only when this is true. A pending confirmation does not block it:
    any message but the confirmation returns the thread to active, as `decide` does.
    """
    if state.status is Status.ENDED:
        return False
    upcoming = state.evolve(
        status=Status.ACTIVE, turn=state.turn + 1, redirects=min(state.redirects + 1, MAX_REDIRECTS)
    )
    return end_refusal(upcoming, cfg, now) is None


def reopen(state: ThreadState) -> ThreadState:
    """A moderator's reopening: active again, with a clean slate for redirects and warnings."""
    return ThreadState(
        status=Status.ACTIVE,
        turn=state.turn,
        crisis_until=state.crisis_until,
        episode=state.episode,
        version=state.version,
    )


# --- the rules ---------------------------------------------------------------------------------


def _stay_and_escalate(
    state: ThreadState, turn: Turn, author: Author, cfg: SpaceConfig, now: float, excerpt: str
) -> Decision:
    seen = turn.assessment
    # Every signal restarts the hold; a clock that stepped back never shortens it.
    until = max(now + cfg.crisis_hold_seconds, state.crisis_until or 0.0)
    hold = state.evolve(status=Status.ACTIVE, crisis_until=until)
    refusal = _AT_RISK if seen.wants_end else None
    if not state.in_crisis(now):
        hold = hold.evolve(episode=state.episode + 1)
        care = (
            cfg.texts.crisis_reply if seen.category is Category.SELF_HARM_RISK else cfg.texts.violence_reply
        )
        alert: Action = Escalate(
            category=seen.category,
            severity=seen.severity,
            urgent=seen.severity >= Severity.HIGH,
            excerpt=excerpt,
            user_id=author.id,
            user_name=author.name,
            episode=hold.episode,
        )
        return Decision((Reply(care, ReplyKind.CARE), alert), hold, refusal)
    update = UpdateEscalation(
        category=seen.category,
        severity=seen.severity,
        excerpt=excerpt,
        user_id=author.id,
        user_name=author.name,
        episode=hold.episode,
    )
    return Decision((Reply(turn.reply or cfg.texts.crisis_followup, ReplyKind.CARE), update), hold, refusal)


def _hold_during_crisis(state: ThreadState, turn: Turn, cfg: SpaceConfig) -> Decision:
    """While a crisis holds, keep talking; nothing counts towards an ending and nothing ends."""
    seen = turn.assessment
    state = state.evolve(status=Status.ACTIVE)
    refusal = _AT_RISK if seen.wants_end else None
    if seen.category in (Category.USER_REQUESTS_END, Category.USER_CONFIRMS_END):
        return Decision((Reply(cfg.texts.end_refused_in_crisis, ReplyKind.INFO),), state, refusal)
    kind = ReplyKind.REDIRECT if seen.is_abusive else ReplyKind.ANSWER
    return Decision((Reply(turn.reply or cfg.texts.crisis_followup, kind),), state, refusal)


def _ask_to_confirm(state: ThreadState, cfg: SpaceConfig, *, proposed: bool) -> Decision:
    if not cfg.ending_enabled:
        refusal = _DISABLED if proposed else None
        return Decision((Reply(cfg.texts.ending_disabled, ReplyKind.INFO),), state, refusal)
    refusal = _MEMBER_MUST_CONFIRM if proposed else None
    asked = state.evolve(status=Status.CONFIRMING_END)
    return Decision((AskConfirmEnd(cfg.texts.confirm_end),), asked, refusal)


def _end_at_users_request(state: ThreadState, cfg: SpaceConfig, *, proposed: bool) -> Decision:
    if not cfg.ending_enabled:
        refusal = _DISABLED if proposed else None
        reply = Reply(cfg.texts.ending_disabled, ReplyKind.INFO)
        return Decision((reply,), state.evolve(status=Status.ACTIVE), refusal)
    reason = "the member asked to end the conversation"
    end = End(cfg.texts.user_closing, reason, Actor.USER)
    return Decision((end,), state.evolve(status=Status.ENDED, ended_reason=reason))


def _redirect_warn_or_end(
    state: ThreadState, turn: Turn, author: Author, cfg: SpaceConfig, now: float
) -> Decision:
    seen = turn.assessment
    state = state.evolve(redirects=min(state.redirects + 1, MAX_REDIRECTS), clean_streak=0)
    behaviour = _behaviour_line(seen)

    if state.warned_at is None:
        if state.redirects >= cfg.redirects_before_warning:
            # Where ending is switched off the warning must not threaten an ending.
            template = cfg.texts.warning if cfg.ending_enabled else cfg.texts.warning_without_ending
            text = template.format(user=author.name, behaviour=behaviour)
            warned = state.evolve(warned_at=state.turn, warned_behaviour=behaviour)
            refusal = end_refusal(warned, cfg, now) if seen.wants_end else None  # too soon after it
            return Decision((Warn(text, behaviour, author.id, author.name),), warned, refusal)
        return _redirect(state, turn, refused=seen.wants_end, cfg=cfg, now=now)

    if seen.wants_end:
        refusal = end_refusal(state, cfg, now)
        if refusal is None:
            reason = state.warned_behaviour or behaviour
            end = End(cfg.texts.closing.format(reason=reason), reason, Actor.MODEL)
            return Decision((end,), state.evolve(status=Status.ENDED, ended_reason=reason))
        return Decision((Reply(turn.reply, ReplyKind.REDIRECT),), state, refusal)
    return Decision((Reply(turn.reply, ReplyKind.REDIRECT),), state)


def _redirect(state: ThreadState, turn: Turn, *, refused: bool, cfg: SpaceConfig, now: float) -> Decision:
    refusal = end_refusal(state, cfg, now) if refused else None
    return Decision((Reply(turn.reply, ReplyKind.REDIRECT),), state, refusal)


def _answer_and_decay(state: ThreadState, turn: Turn, cfg: SpaceConfig) -> Decision:
    refusal = "this message was not judged harmful or abusive" if turn.assessment.wants_end else None
    streak = state.clean_streak + 1
    if state.redirects and streak >= cfg.clean_turns_to_decay:
        redirects = state.redirects - 1
        state = state.evolve(redirects=redirects, clean_streak=0)
        if redirects == 0:
            state = state.evolve(warned_at=None, warned_behaviour="")
    else:
        state = state.evolve(clean_streak=streak if state.redirects else 0)
    return Decision((Reply(turn.reply, ReplyKind.ANSWER),), state, refusal)


_DEFAULT_BEHAVIOUR = {
    Category.HARMFUL_REQUEST: "repeatedly asking for help with something harmful",
    Category.HARASSMENT: "repeated insults and harassment",
    Category.HATE: "hateful language about people or groups",
    Category.SEXUAL_MINORS: "sexual content involving minors",
    Category.VIOLENT_EXTREMISM: "promoting violent extremism",
}


def _behaviour_line(seen: Assessment) -> str:
    """The behaviour in one line, as the warning and closing message will name it."""
    line = " ".join(seen.behaviour.split())[:200]
    return line or _DEFAULT_BEHAVIOUR.get(seen.category, "repeated abusive messages")
