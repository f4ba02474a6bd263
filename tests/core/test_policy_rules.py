"""The rule book of `bot.core.policy`, one readable conversation per rule."""

from __future__ import annotations

import pytest

from bot.core.actions import AskConfirmEnd, End, Escalate, Reply, ReplyKind, UpdateEscalation, Warn
from bot.core.config import SpaceConfig, load_app_config, validate_override
from bot.core.domain import Actor, Assessment, Author, Category, Severity, Status, ThreadState, Turn
from bot.core.policy import Decision, decide, end_allowed, end_refusal, reopen

from .strategies import space

ADA = Author("u-ada", "Ada")
BO = Author("u-bo", "Bo")
CY = Author("u-cy", "Cy")
T0 = 1_700_000_000.0
MINUTE = 60.0

REPLY = "Let's get back to the topic."
INSULTS = "calling other members idiots"

# Refusal reasons, as the model reads them in the tool result.
DISABLED = "ending conversations is disabled in this space"
AT_RISK = "someone in this thread may be at risk; stay and keep helping"
NO_WARNING = "no explicit warning naming the behaviour has been given yet"
NOT_ENOUGH = "not enough redirection attempts have been made yet"
TOO_SOON = "the warning was given too recently; give the member a chance to respond to it"
NOT_HARMFUL = "this message was not judged harmful or abusive"


def say(
    category: Category = Category.OK,
    *,
    wants_end: bool = False,
    behaviour: str = "",
    severity: Severity = Severity.NONE,
    reply: str = REPLY,
) -> Turn:
    return Turn(reply, Assessment(category, severity, behaviour, wants_end))


def abuse(
    behaviour: str = INSULTS, *, wants_end: bool = False, category: Category = Category.HARASSMENT
) -> Turn:
    return say(category, wants_end=wants_end, behaviour=behaviour, severity=Severity.MEDIUM)


def crisis(category: Category = Category.SELF_HARM_RISK, severity: Severity = Severity.HIGH) -> Turn:
    return say(category, severity=severity, reply="I'm here with you.")


OK = say()
REQUEST_END = say(Category.USER_REQUESTS_END)
CONFIRM_END = say(Category.USER_CONFIRMS_END)


class Thread:
    """One conversation: each message goes through `decide` and the thread keeps the new state."""

    def __init__(self, cfg: SpaceConfig | None = None) -> None:
        self.cfg = cfg or space()
        self.state = ThreadState()
        self.now = T0

    def send(self, turn: Turn, author: Author = ADA, *, after: float = 30.0) -> Decision:
        self.now += after
        decision = decide(self.state, turn, author, self.cfg, self.now, excerpt=f"{author.name} wrote this")
        self.state = decision.state
        return decision

    def send_all(self, *turns: Turn, author: Author = ADA) -> list[Decision]:
        return [self.send(turn, author) for turn in turns]

    def warn(self, author: Author = ADA, behaviour: str = INSULTS) -> Decision:
        """Abuse until the warning comes; returns the warning's decision."""
        for _ in range(self.cfg.redirects_before_warning):
            decision = self.send(abuse(behaviour), author)
        assert isinstance(decision.actions[0], Warn)
        return decision

    def allowed(self) -> bool:
        return end_allowed(self.state, self.cfg, self.now + 30.0)  # as of the next message


def only(decision: Decision) -> object:
    assert len(decision.actions) == 1, decision.actions
    return decision.actions[0]


# --- redirect, then warn ------------------------------------------------------------------------


def test_abuse_is_redirected_then_the_member_who_did_it_is_warned_by_name() -> None:
    thread = Thread(space(redirects_before_warning=3))
    first = thread.send(abuse("insulting Bo"), ADA)
    second = thread.send(abuse("insulting Ada"), BO)
    assert only(first) == Reply(REPLY, ReplyKind.REDIRECT)
    assert only(second) == Reply(REPLY, ReplyKind.REDIRECT)
    assert thread.state.redirects == 2 and thread.state.warned_at is None

    warning = only(thread.send(abuse("posting slurs about Ada"), BO))

    assert isinstance(warning, Warn)
    assert warning.behaviour == "posting slurs about Ada"
    assert (warning.user_id, warning.user_name) == (BO.id, BO.name)  # who did it, not who started
    assert warning.text == thread.cfg.texts.warning.format(user="Bo", behaviour="posting slurs about Ada")
    assert "Bo" in warning.text and "posting slurs about Ada" in warning.text
    assert (thread.state.warned_at, thread.state.warned_behaviour) == (3, "posting slurs about Ada")


@pytest.mark.parametrize("redirects_before_warning", [1, 2, 5, 20])
def test_the_warning_comes_exactly_at_the_configured_count(redirects_before_warning: int) -> None:
    thread = Thread(space(redirects_before_warning=redirects_before_warning))
    decisions = thread.send_all(*[abuse()] * (redirects_before_warning + 3))
    warned = [i for i, d in enumerate(decisions, 1) if any(isinstance(a, Warn) for a in d.actions)]
    assert warned == [redirects_before_warning], "one warning, on the configured turn"


@pytest.mark.parametrize(
    ("behaviour", "category", "named"),
    [
        ("  asking for\n  malware   again ", Category.HARMFUL_REQUEST, "asking for malware again"),
        ("", Category.HARASSMENT, "repeated insults and harassment"),
        ("   \t", Category.HATE, "hateful language about people or groups"),
        ("", Category.HARMFUL_REQUEST, "repeatedly asking for help with something harmful"),
        ("x" * 500, Category.HARASSMENT, "x" * 200),
        ("{user} said {behaviour}", Category.HARASSMENT, "{user} said {behaviour}"),
    ],
)
def test_the_warning_names_the_behaviour_in_one_line(behaviour: str, category: Category, named: str) -> None:
    thread = Thread(space(redirects_before_warning=1))
    warning = only(thread.send(abuse(behaviour, category=category), CY))
    assert isinstance(warning, Warn)
    assert warning.behaviour == named
    assert named in warning.text and warning.text.startswith("Cy,")


def test_heated_debate_is_never_warned_and_never_ended() -> None:
    thread = Thread(space(redirects_before_warning=1, turns_after_warning=1))
    heated = say(Category.OK, severity=Severity.LOW, reply="Both sides have a point.")
    for n in range(60):
        author = (ADA, BO, CY)[n % 3]
        decision = thread.send(heated if n % 7 else say(wants_end=True), author, after=5.0)
        reply = only(decision)
        assert isinstance(reply, Reply) and reply.kind is ReplyKind.ANSWER
        assert decision.refusal in (None, NOT_HARMFUL)
    assert thread.state.redirects == 0 and thread.state.warned_at is None
    assert thread.state.status is Status.ACTIVE and thread.state.turn == 60


# --- ending: only after the warning, only when the model proposes it ------------------------------


def test_the_model_may_end_only_after_the_warning_and_the_turns_after_it() -> None:
    thread = Thread(space(redirects_before_warning=2, turns_after_warning=2))

    early = thread.send(abuse(wants_end=True))
    assert only(early) == Reply(REPLY, ReplyKind.REDIRECT) and early.refusal == NO_WARNING
    warned = thread.send(abuse("threatening to dox Bo", wants_end=True))
    assert isinstance(only(warned), Warn) and warned.refusal == TOO_SOON
    assert not thread.allowed()
    too_soon = thread.send(abuse(wants_end=True))
    assert not too_soon.ended and too_soon.refusal == TOO_SOON

    assert thread.allowed()
    not_proposed = thread.send(abuse())
    assert only(not_proposed) == Reply(REPLY, ReplyKind.REDIRECT) and not_proposed.refusal is None
    assert thread.state.status is Status.ACTIVE, "allowed is not the same as decided: the model proposes"

    ended = thread.send(abuse("more insults", wants_end=True))

    assert ended.ended and ended.refusal is None
    end = only(ended)
    assert end == End(
        thread.cfg.texts.closing.format(reason="threatening to dox Bo"), "threatening to dox Bo", Actor.MODEL
    ), "the closing names the behaviour the member was warned about"
    assert thread.state.status is Status.ENDED
    assert thread.state.ended_reason == "threatening to dox Bo"


def test_a_proposal_on_a_message_that_is_not_abusive_is_refused() -> None:
    thread = Thread(space(redirects_before_warning=1))
    thread.warn()
    decision = thread.send(say(wants_end=True), after=1.0)
    assert not decision.ended and decision.refusal == NOT_HARMFUL
    assert only(decision) == Reply(REPLY, ReplyKind.ANSWER)


def _state(**changes: object) -> ThreadState:
    eligible = ThreadState(turn=10, redirects=3, warned_at=5, warned_behaviour=INSULTS)
    return eligible.evolve(**changes)


@pytest.mark.parametrize(
    ("state", "cfg", "reason"),
    [
        (_state(), space(), None),
        (_state(), space(ending_enabled=False), DISABLED),
        (_state(status=Status.CONFIRMING_END), space(), "the thread is confirming_end"),
        (_state(status=Status.ENDED), space(), "the thread is ended"),
        (_state(crisis_until=T0 + 1), space(), AT_RISK),
        (_state(crisis_until=T0), space(), None),  # the hold ended this very second
        (_state(warned_at=None), space(), NO_WARNING),
        (_state(redirects=2), space(), NOT_ENOUGH),
        (_state(redirects=5), space(redirects_before_warning=6), NOT_ENOUGH),
        (_state(warned_at=10), space(), TOO_SOON),
        (_state(warned_at=8), space(turns_after_warning=3), TOO_SOON),
        (_state(warned_at=7), space(turns_after_warning=3), None),
    ],
)
def test_refusal_reasons(state: ThreadState, cfg: SpaceConfig, reason: str | None) -> None:
    assert end_refusal(state, cfg, T0) == reason


def test_end_allowed_tells_the_brain_whether_the_next_abusive_turn_may_end() -> None:
    thread = Thread(space(redirects_before_warning=2, turns_after_warning=1))
    assert not thread.allowed()
    thread.warn()
    assert thread.allowed()
    thread.send(REQUEST_END)
    assert thread.state.status is Status.CONFIRMING_END
    assert thread.allowed(), "abuse instead of a yes returns the thread to active, where it may end"
    assert thread.send(abuse(wants_end=True)).ended
    assert not thread.allowed(), "an ended thread never ends again"


# --- decay --------------------------------------------------------------------------------------


def test_clean_turns_decay_the_count_and_clear_the_warning_at_zero() -> None:
    thread = Thread(space(redirects_before_warning=3, clean_turns_to_decay=2))
    thread.warn()
    assert thread.state.redirects == 3

    thread.send_all(OK, OK)
    assert thread.state.redirects == 2 and thread.state.warned_at is not None, "one step per 2 clean turns"
    thread.send_all(OK, OK, OK, OK)
    assert thread.state.redirects == 0
    assert thread.state.warned_at is None and thread.state.warned_behaviour == "", "the slate is clean"

    decisions = thread.send_all(abuse(wants_end=True), abuse(), abuse("spamming slurs"))
    assert decisions[0].refusal == NO_WARNING, "an old warning does not count any more"
    assert isinstance(only(decisions[2]), Warn), "a fresh warning is needed"


def test_abuse_interrupts_the_clean_streak() -> None:
    thread = Thread(space(redirects_before_warning=5, clean_turns_to_decay=3))
    thread.send_all(abuse(), abuse(), OK, OK, abuse(), OK, OK)
    assert thread.state.redirects == 3, "no run of 3 clean turns yet"
    thread.send(OK)
    assert thread.state.redirects == 2


def test_after_partial_decay_the_thread_must_be_redirected_again_before_it_may_end() -> None:
    thread = Thread(space(redirects_before_warning=3, turns_after_warning=1, clean_turns_to_decay=1))
    thread.warn()
    thread.send_all(OK, OK)  # 3 -> 1, the warning still stands
    assert thread.state.redirects == 1 and thread.state.warned_at is not None

    assert thread.send(abuse(wants_end=True)).refusal == NOT_ENOUGH  # 2
    assert thread.send(abuse(wants_end=True)).ended  # 3 again: no second warning needed


# --- crisis hold --------------------------------------------------------------------------------


def test_a_crisis_signal_gets_care_and_one_escalation() -> None:
    thread = Thread()
    decision = thread.send(crisis(severity=Severity.HIGH), BO)
    care, alert = decision.actions
    assert care == Reply(thread.cfg.texts.crisis_reply, ReplyKind.CARE)
    assert alert == Escalate(
        category=Category.SELF_HARM_RISK,
        severity=Severity.HIGH,
        urgent=True,
        excerpt="Bo wrote this",
        user_id=BO.id,
        user_name=BO.name,
        episode=1,
    )
    assert thread.state.crisis_until == thread.now + 1440 * MINUTE

    later = thread.send(crisis(Category.VIOLENCE_RISK, Severity.LOW), CY)
    assert later.actions == (
        Reply("I'm here with you.", ReplyKind.CARE),
        UpdateEscalation(Category.VIOLENCE_RISK, Severity.LOW, "Cy wrote this", CY.id, CY.name, episode=1),
    ), "a later signal updates the alert: moderators are not pinged again"


def test_a_proposal_to_end_on_a_crisis_signal_is_refused() -> None:
    thread = Thread(space(redirects_before_warning=1))
    thread.warn()
    signal = say(Category.SELF_HARM_RISK, severity=Severity.HIGH, wants_end=True)
    first, again = thread.send(signal), thread.send(signal)
    assert not first.ended and first.refusal == AT_RISK
    assert not again.ended and again.refusal == AT_RISK


def test_violence_gets_its_own_caring_reply_and_low_severity_is_not_urgent() -> None:
    care, alert = Thread().send(crisis(Category.VIOLENCE_RISK, Severity.MEDIUM)).actions
    assert care == Reply(space().texts.violence_reply, ReplyKind.CARE)
    assert isinstance(alert, Escalate) and not alert.urgent


def test_no_warning_and_no_ending_during_the_hold_even_for_abuse() -> None:
    thread = Thread(space(redirects_before_warning=2, turns_after_warning=1, crisis_hold_minutes=60))
    thread.warn()
    thread.send(crisis())
    for _ in range(10):
        decision = thread.send(abuse(wants_end=True), after=MINUTE)
        assert only(decision) == Reply(REPLY, ReplyKind.REDIRECT)
        assert decision.refusal == AT_RISK
        assert not thread.allowed()
    assert thread.state.redirects == 2, "nothing counts towards an ending during the hold"

    fresh = Thread(space(redirects_before_warning=1))
    fresh.send(crisis())
    decisions = fresh.send_all(*[abuse()] * 5)
    assert not any(isinstance(a, Warn) for d in decisions for a in d.actions)


def test_a_request_to_end_during_the_hold_is_declined_kindly() -> None:
    thread = Thread()
    thread.send(crisis())
    for turn in (REQUEST_END, CONFIRM_END):
        decision = thread.send(turn)
        assert only(decision) == Reply(thread.cfg.texts.end_refused_in_crisis, ReplyKind.INFO)
        assert thread.state.status is Status.ACTIVE


def test_the_hold_lasts_crisis_hold_minutes_after_the_last_signal_then_may_end() -> None:
    thread = Thread(space(redirects_before_warning=2, turns_after_warning=1, crisis_hold_minutes=60))
    thread.warn()
    thread.send(crisis())
    thread.send(crisis(), after=30 * MINUTE)  # extends the hold to 60 minutes from here
    assert not thread.send(abuse(wants_end=True), after=59 * MINUTE).ended  # 89 minutes after the first

    ended = thread.send(abuse(wants_end=True), after=1 * MINUTE)  # exactly 60 minutes after the last

    assert ended.ended, "the hold defers an ending; it does not forgive the abuse"


def test_a_new_episode_after_the_hold_expires_escalates_again() -> None:
    thread = Thread(space(crisis_hold_minutes=10))
    first = thread.send(crisis())
    repeat = thread.send(crisis(), after=9 * MINUTE)
    again = thread.send(crisis(), after=10 * MINUTE + 1)
    assert [type(a) for a in first.actions] == [Reply, Escalate]
    assert [type(a) for a in repeat.actions] == [Reply, UpdateEscalation]
    assert [type(a) for a in again.actions] == [Reply, Escalate]
    assert again.actions[1].episode == 2  # type: ignore[union-attr]
    assert again.actions[0] == Reply(thread.cfg.texts.crisis_reply, ReplyKind.CARE)


def test_a_crisis_cancels_a_pending_confirmation() -> None:
    thread = Thread()
    thread.send(REQUEST_END)
    thread.send(crisis())
    assert thread.state.status is Status.ACTIVE
    assert not thread.send(CONFIRM_END).ended


# --- the member asks to end ---------------------------------------------------------------------


def test_a_member_who_asks_to_end_is_asked_to_confirm_and_yes_ends() -> None:
    thread = Thread()
    asked = thread.send(REQUEST_END, BO)
    assert only(asked) == AskConfirmEnd(thread.cfg.texts.confirm_end)
    assert thread.state.status is Status.CONFIRMING_END

    ended = thread.send(CONFIRM_END, BO)

    reason = "the member asked to end the conversation"
    assert only(ended) == End(thread.cfg.texts.user_closing, reason, Actor.USER)
    assert thread.state.status is Status.ENDED


@pytest.mark.parametrize("instead", [OK, abuse(), say(wants_end=True)], ids=["chat", "abuse", "proposal"])
def test_anything_but_a_yes_returns_to_active(instead: Turn) -> None:
    thread = Thread()
    thread.send(REQUEST_END)
    decision = thread.send(instead)
    assert not decision.ended and thread.state.status is Status.ACTIVE
    assert not any(isinstance(a, AskConfirmEnd) for a in decision.actions)
    assert not thread.send(CONFIRM_END).ended, "a yes to a question no longer pending asks again"
    assert thread.state.status is Status.CONFIRMING_END


def test_a_yes_nobody_asked_for_never_ends() -> None:
    thread = Thread()
    decision = thread.send(CONFIRM_END)
    assert only(decision) == AskConfirmEnd(thread.cfg.texts.confirm_end)
    assert thread.state.status is Status.CONFIRMING_END


def test_a_request_the_model_also_proposed_is_still_confirmed_first() -> None:
    thread = Thread()
    decision = thread.send(say(Category.USER_REQUESTS_END, wants_end=True))
    assert only(decision) == AskConfirmEnd(thread.cfg.texts.confirm_end)
    assert decision.refusal, "the model is told why its proposal did not end the thread"


# --- the ending switch --------------------------------------------------------------------------


def test_with_ending_disabled_a_request_gets_the_ending_disabled_text() -> None:
    cfg = validate_override(space(redirects_before_warning=1), "ending_enabled", "off")
    thread = Thread(cfg)
    for turn in (REQUEST_END, CONFIRM_END, say(Category.USER_REQUESTS_END, wants_end=True)):
        decision = thread.send(turn)
        assert only(decision) == Reply(cfg.texts.ending_disabled, ReplyKind.INFO)
        assert thread.state.status is Status.ACTIVE
    assert decision.refusal == DISABLED


def test_with_ending_disabled_the_model_never_ends() -> None:
    thread = Thread(space(ending_enabled=False, redirects_before_warning=1, turns_after_warning=1))
    thread.warn()
    for _ in range(5):
        decision = thread.send(abuse(wants_end=True))
        assert not decision.ended and decision.refusal == DISABLED
        assert not thread.allowed()


def test_switching_ending_off_while_a_member_confirms_keeps_the_thread_open() -> None:
    thread = Thread()
    thread.send(REQUEST_END)
    thread.cfg = space(ending_enabled=False)
    decision = thread.send(CONFIRM_END)
    assert only(decision) == Reply(thread.cfg.texts.ending_disabled, ReplyKind.INFO)
    assert thread.state.status is Status.ACTIVE


# --- ended is terminal; a moderator reopens -----------------------------------------------------


def _ended_thread() -> Thread:
    thread = Thread(space(redirects_before_warning=2, turns_after_warning=1))
    thread.warn()
    thread.send(crisis(), after=1.0)
    thread.send(abuse(wants_end=True), after=2 * 1440 * MINUTE)
    assert thread.state.status is Status.ENDED
    return thread


@pytest.mark.parametrize(
    "turn",
    [OK, abuse(wants_end=True), crisis(), REQUEST_END, CONFIRM_END],
    ids=lambda t: t.assessment.category.value,
)
def test_an_ended_thread_ignores_everything(turn: Turn) -> None:
    thread = _ended_thread()
    ended = thread.state
    decision = thread.send(turn)
    assert decision.actions == () and decision.state == ended


def test_a_moderator_reopen_returns_an_ended_thread_to_active_with_a_clean_slate() -> None:
    thread = _ended_thread()
    ended = thread.state

    thread.state = reopen(ended)

    assert thread.state == ThreadState(
        status=Status.ACTIVE,
        turn=ended.turn,
        crisis_until=ended.crisis_until,
        episode=ended.episode,
        version=ended.version,
    )
    assert thread.state.redirects == 0 and thread.state.warned_at is None and thread.state.ended_reason == ""
    decision = thread.send(abuse(wants_end=True))
    assert decision.refusal == NO_WARNING, "ending again needs a fresh warning"
    assert thread.state.turn == ended.turn + 1
    _care, alert = thread.send(crisis()).actions
    assert isinstance(alert, Escalate) and alert.episode == ended.episode + 1, "episodes keep counting"


def test_the_warning_does_not_threaten_an_ending_where_ending_is_off() -> None:
    cfg = validate_override(load_app_config().space, "ending_enabled", "false")
    state = ThreadState()
    actions: list[object] = []
    for _ in range(cfg.redirects_before_warning):
        decision = decide(
            state,
            Turn("no", Assessment(Category.HARASSMENT, Severity.LOW, "insults")),
            Author("u", "Uma"),
            cfg,
            1.0,
        )
        state, actions = decision.state, [*actions, *decision.actions]
    warning = next(a for a in actions if isinstance(a, Warn))
    assert "insults" in warning.text and "Uma" in warning.text
    assert "end" not in warning.text.lower().replace("back on track", "")


def test_a_clock_that_steps_back_never_shortens_a_crisis_hold() -> None:
    cfg = load_app_config().space
    signal = Turn("", Assessment(Category.SELF_HARM_RISK, Severity.HIGH, "wants to die"))
    first = decide(ThreadState(), signal, Author("u", "Uma"), cfg, 10_000.0).state
    second = decide(first, signal, Author("u", "Uma"), cfg, 5_000.0).state
    assert second.crisis_until == first.crisis_until == 10_000.0 + cfg.crisis_hold_seconds
