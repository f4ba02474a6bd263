"""The six invariants of DESIGN §3, each as its own property over random simulated threads.

Every test drives a thread through `decide` (see `strategies.simulate`) over random message
sequences (categories, severities, wants_end, behaviours, several authors, gaps from zero to
weeks so crisis holds start and expire, occasional moderator reopens and admin toggles of the
ending switch) and random spaces (every threshold anywhere in its allowed range). Where it can,
a test keeps its own account of the thread (warnings seen, crisis holds, confirmation asked)
instead of trusting the policy's state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from bot.core.actions import AskConfirmEnd, End, Escalate, Reply, ReplyKind, UpdateEscalation, Warn
from bot.core.domain import Actor, Assessment, Category, Severity, Status, ThreadState, Turn
from bot.core.policy import decide, end_allowed, end_refusal

from .strategies import ABUSIVE, BEHAVIOURS, Event, Scenario, relapses, scenarios, simulate, switching

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Random stories, plus two told on purpose: threads that are warned, calm down and relapse (where
# the count matters), and members confirming an ending while an admin flips the switch.
THREADS = st.one_of(scenarios(), scenarios(), relapses(), switching())


def of(event: Event, kind: type) -> list:
    return [a for a in event.decision.actions if isinstance(a, kind)]


def ends_by(event: Event, actor: Actor) -> list[End]:
    return [a for a in of(event, End) if a.actor is actor]


# --- 1. no model ending without an explicit, earlier warning ------------------------------------


@PROPERTY
@given(THREADS)
def test_1_model_ends_only_after_an_explicit_earlier_warning(scenario: Scenario) -> None:
    warnings: list[tuple[int, Warn]] = []  # (message number, warning) since the last reopen
    handled = 0
    for event in simulate(scenario):
        if event.reopened_from is not None:
            warnings.clear()
        if event.ignored:
            continue
        handled += 1
        cfg = event.cfg
        for warn in of(event, Warn):
            assert warn.behaviour.strip(), "a warning must name the behaviour"
            assert warn.behaviour in warn.text
            assert (warn.user_id, warn.user_name) == (event.author.id, event.author.name)
            assert event.after.redirects >= cfg.redirects_before_warning
            warnings.append((handled, warn))
        for end in ends_by(event, Actor.MODEL):
            assert warnings, "the model ended a thread that was never warned"
            warned_at, warn = warnings[-1]
            assert handled - warned_at >= cfg.turns_after_warning, "ended too soon after the warning"
            assert event.after.redirects >= cfg.redirects_before_warning
            assert end.reason == warn.behaviour, "the closing must name the behaviour that was warned about"
            assert end.reason in end.text


# --- 2. crises: never end, always care, escalate once per episode --------------------------------


@PROPERTY
@given(THREADS)
def test_2_no_end_in_a_crisis_and_one_escalation_per_episode(scenario: Scenario) -> None:
    hold_until: float | None = None  # our own account of the crisis hold
    episode = 0
    for event in simulate(scenario):
        if event.ignored:  # an ended thread ignores everything (invariant 4); it is never ended in a crisis
            continue
        seen = event.turn.assessment
        active = hold_until is not None and event.now < hold_until
        assert event.before.in_crisis(event.now) == active
        escalations, updates = of(event, Escalate), of(event, UpdateEscalation)
        if active or seen.is_crisis:
            assert not event.decision.ended, "ended while someone may be at risk"
            assert not of(event, Warn), "warned while someone may be at risk"
        if not seen.is_crisis:
            assert not escalations and not updates
            continue
        assert any(isinstance(a, Reply) and a.kind is ReplyKind.CARE for a in event.decision.actions)
        if active:
            assert not escalations, "a second escalation in the same episode"
            assert len(updates) == 1 and updates[0].episode == episode
            alert = updates[0]
        else:
            assert len(escalations) == 1 and not updates, "a new episode escalates exactly once"
            alert = escalations[0]
            assert alert.episode > episode
            assert alert.urgent == (seen.severity >= Severity.HIGH)
            episode = alert.episode
        assert (alert.category, alert.severity) == (seen.category, seen.severity)
        assert (alert.user_id, alert.user_name, alert.excerpt) == (
            event.author.id,
            event.author.name,
            event.excerpt,
        )
        hold_until = event.now + event.cfg.crisis_hold_minutes * 60  # every signal restarts the hold
        assert event.after.crisis_until == hold_until


# --- 3. a member's request to end is confirmed first ---------------------------------------------


@PROPERTY
@given(THREADS)
def test_3_a_members_request_to_end_needs_an_explicit_confirmation(scenario: Scenario) -> None:
    asked = False  # the previous handled message was answered with AskConfirmEnd
    for event in simulate(scenario):
        if event.reopened_from is not None:
            asked = False
        if event.ignored:
            continue
        cfg, category = event.cfg, event.turn.assessment.category
        assert (event.before.status is Status.CONFIRMING_END) == asked
        user_ends = ends_by(event, Actor.USER)
        if category is Category.USER_CONFIRMS_END and not asked:
            assert not event.decision.ended, "a confirmation nobody asked for ended the thread"
        if user_ends:
            assert asked and category is Category.USER_CONFIRMS_END, "only an explicit yes ends"
            assert cfg.ending_enabled
            assert event.decision.actions == (End(cfg.texts.user_closing, user_ends[0].reason, Actor.USER),)
            assert event.after.status is Status.ENDED

        in_crisis = event.turn.assessment.is_crisis or event.before.in_crisis(event.now)
        if in_crisis or category not in (Category.USER_REQUESTS_END, Category.USER_CONFIRMS_END):
            assert not of(event, AskConfirmEnd)
            if not event.decision.ended:
                assert event.after.status is Status.ACTIVE, "anything but a yes returns to active"
        elif category is Category.USER_CONFIRMS_END and asked and cfg.ending_enabled:
            assert user_ends
        elif cfg.ending_enabled:
            assert event.decision.actions == (AskConfirmEnd(cfg.texts.confirm_end),)
            assert event.after.status is Status.CONFIRMING_END
        else:
            assert event.decision.actions == (Reply(cfg.texts.ending_disabled, ReplyKind.INFO),)
            assert event.after.status is Status.ACTIVE
        if in_crisis and category in (Category.USER_REQUESTS_END, Category.USER_CONFIRMS_END):
            assert Reply(cfg.texts.end_refused_in_crisis, ReplyKind.INFO) in event.decision.actions
        asked = bool(of(event, AskConfirmEnd))


# --- 4. ended is terminal until a moderator reopens ----------------------------------------------


@PROPERTY
@given(THREADS)
def test_4_ended_is_terminal_until_a_moderator_reopens(scenario: Scenario) -> None:
    for event in simulate(scenario):
        if event.reopened_from is not None:
            assert event.reopened_from.status is Status.ENDED
            assert event.before == ThreadState(
                turn=event.reopened_from.turn,
                crisis_until=event.reopened_from.crisis_until,
                episode=event.reopened_from.episode,
                version=event.reopened_from.version,
            ), "a reopened thread is active with a clean slate"
        if event.ignored:
            assert event.decision.actions == ()
            assert event.decision.state == event.before
            continue
        assert (event.after.status is Status.ENDED) == event.decision.ended, "ended exactly by an End"
        if event.decision.ended:
            assert len(event.decision.actions) == 1, "an ending says nothing but its closing message"
            assert event.after.ended_reason


# --- 5. counters move by at most one; the switch really switches ending off ----------------------


@PROPERTY
@given(THREADS)
def test_5_counters_move_by_at_most_one_and_disabled_means_no_end(scenario: Scenario) -> None:
    for event in simulate(scenario):
        before, after = event.before, event.after
        if not event.cfg.ending_enabled:
            assert not event.decision.ended, "ending is disabled in this space"
        if event.ignored:
            assert after.turn == before.turn
            continue
        assert after.turn == before.turn + 1
        assert abs(after.redirects - before.redirects) <= 1
        assert after.redirects >= 0
        assert after.episode - before.episode in (0, 1)
        assert after.clean_streak in (0, before.clean_streak, before.clean_streak + 1)


# --- 6. the model only proposes ------------------------------------------------------------------


@PROPERTY
@given(THREADS, st.sampled_from(ABUSIVE), BEHAVIOURS)
def test_6_the_model_only_proposes(scenario: Scenario, probe_category: Category, behaviour: str) -> None:
    probe = Turn("Let's stop here.", Assessment(probe_category, Severity.HIGH, behaviour, wants_end=True))
    for event in simulate(scenario):
        # What the brain is told (end_allowed) is what decide would do with an abusive proposal.
        allowed = end_allowed(event.before, event.cfg, event.now)
        probed = decide(event.before, probe, event.author, event.cfg, event.now)
        assert allowed == probed.ended
        if event.ignored:
            continue
        assert allowed == (probed.refusal is None)
        seen, decision = event.turn.assessment, event.decision
        if seen.is_abusive and seen.wants_end:
            assert decision.ended == allowed
        if ends_by(event, Actor.MODEL):
            assert seen.wants_end, "the model never proposed this ending"
            assert decision.refusal is None
            assert end_refusal(event.after.evolve(status=Status.ACTIVE), event.cfg, event.now) is None
        if seen.wants_end and not decision.ended:
            assert decision.refusal, "a refused proposal must say why, for the model"
        if not seen.wants_end:
            assert decision.refusal is None, "a refusal for something the model did not propose"


# --- the strategies reach every situation the invariants talk about ------------------------------


def _any(hit: Callable[[Event], bool]) -> Callable[[list[Event]], bool]:
    return lambda events: any(hit(e) for e in events)


def _warned_after_reopen(events: list[Event]) -> bool:
    reopened = [e.index for e in events if e.reopened_from is not None]
    return bool(reopened) and any(of(e, Warn) and e.index > reopened[0] for e in events)


SITUATIONS: dict[str, Callable[[list[Event]], bool]] = {
    "model ending after a warning several turns before": _any(
        lambda e: bool(ends_by(e, Actor.MODEL)) and e.cfg.turns_after_warning > 1
    ),
    "member's confirmed ending": _any(lambda e: bool(ends_by(e, Actor.USER))),
    "message to an ended thread": _any(lambda e: e.ignored),
    "warning again after a moderator reopened": _warned_after_reopen,
    "second signal in an episode": _any(lambda e: bool(of(e, UpdateEscalation))),
    "second episode": _any(lambda e: bool(of(e, Escalate)) and e.after.episode >= 2),
    "warning cleared by decay": _any(
        lambda e: e.before.warned_at is not None and e.after.warned_at is None and not e.ignored
    ),
    "partial decay after a warning": _any(
        lambda e: e.before.redirects > e.after.redirects > 0 and e.before.warned_at is not None
    ),
    "proposal during a crisis hold": _any(
        lambda e: (
            e.turn.assessment.wants_end and e.before.in_crisis(e.now) and not e.turn.assessment.is_crisis
        )
    ),
    "proposal with too few redirects after a partial decay": _any(
        lambda e: bool(e.decision.refusal and "not enough" in e.decision.refusal)
    ),
    "proposal too soon after the warning": _any(
        lambda e: bool(e.decision.refusal and "too recently" in e.decision.refusal)
    ),
    "confirmation abandoned": _any(
        lambda e: e.before.status is Status.CONFIRMING_END and e.after.status is Status.ACTIVE
    ),
    "confirmation after the switch was turned off": _any(
        lambda e: (
            e.before.status is Status.CONFIRMING_END
            and not e.cfg.ending_enabled
            and e.turn.assessment.category is Category.USER_CONFIRMS_END
        )
    ),
    "proposal with ending disabled": _any(
        lambda e: not e.ignored and not e.cfg.ending_enabled and e.turn.assessment.wants_end
    ),
}


def test_the_simulated_threads_reach_every_situation() -> None:
    """Guards the strategies: a property over threads that never get there would prove nothing."""
    seen: Counter[str] = Counter()

    @seed(20240601)
    @settings(max_examples=300, deadline=None, database=None, phases=[Phase.generate])
    @given(THREADS)
    def run(scenario: Scenario) -> None:
        events = list(simulate(scenario))
        seen.update(name for name, reached in SITUATIONS.items() if reached(events))

    run()
    rare = {name: seen[name] for name in SITUATIONS if seen[name] < 3}
    assert not rare, f"situations the simulation (almost) never reaches: {rare}"
