"""The codec gives back exactly what it was given, in a few bytes."""

from __future__ import annotations

import typing

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.actions import Action, End, Escalate, Notice, Reply, ReplyKind, Warn
from bot.core.domain import Actor, Category, LogEntry, Severity, Status, ThreadKey, ThreadState
from bot.core.ports import AuditRecord, Routed
from bot.store import codec

texts = st.text(max_size=200)
ids = st.text(min_size=1, max_size=40)
counters = st.integers(min_value=0, max_value=2**53)
finite = st.floats(allow_nan=False)

states = st.builds(
    ThreadState,
    status=st.sampled_from(Status),
    turn=counters,
    redirects=counters,
    clean_streak=counters,
    warned_at=st.none() | counters,
    warned_behaviour=texts,
    crisis_until=st.none() | finite,
    episode=counters,
    ended_reason=texts,
    version=counters,
)
log_entries = st.builds(
    LogEntry, role=st.sampled_from(["user", "bot"]) | texts, text=texts, author=texts, kind=texts
)
actions = st.one_of(*(st.builds(cls) for cls in typing.get_args(Action)))
keys = st.builds(ThreadKey, platform=ids, space=ids, thread=ids)


@given(states)
def test_state_round_trips(state: ThreadState) -> None:
    fields = codec.pairs([*codec.encode_state(state), codec.VERSION_FIELD, str(state.version)])
    assert codec.decode_state(fields) == state


def test_default_state_is_empty_and_missing_state_is_new() -> None:
    assert codec.encode_state(ThreadState()) == []
    assert codec.decode_state({}) == ThreadState()


def test_state_fields_are_short() -> None:
    state = ThreadState(
        status=Status.CONFIRMING_END,
        turn=120,
        redirects=3,
        clean_streak=1,
        warned_at=117,
        warned_behaviour="insulting other members",
        crisis_until=1_767_225_600.25,
        episode=2,
        version=130,
    )
    items = codec.encode_state(state)
    assert all(len(name) == 1 for name in items[::2])
    assert sum(map(len, items)) < 80


@given(log_entries)
def test_log_entry_round_trips(entry: LogEntry) -> None:
    assert codec.decode_log(codec.encode_log(entry)) == entry


@given(st.lists(log_entries, max_size=10))
def test_a_transcript_decodes_in_one_go(entries: list[LogEntry]) -> None:
    assert codec.decode_logs([codec.encode_log(e) for e in entries]) == tuple(entries)


def test_log_entry_is_compact_json() -> None:
    assert codec.encode_log(LogEntry("user", "héllo", "ann")) == '["user","héllo","ann"]'
    assert codec.encode_log(LogEntry("bot", "hi", "", "reply")) == '["bot","hi","","reply"]'


@given(actions)
def test_every_action_round_trips_with_its_enums(action: Action) -> None:
    back = codec.decode_action(codec.encode_action(action))
    assert back == action
    assert type(back) is type(action)
    for name in ("category", "severity", "kind", "actor"):
        if hasattr(action, name) and not isinstance(action, Notice):
            assert type(getattr(back, name)) is type(getattr(action, name))


@given(keys, ids, ids, actions)
def test_routed_round_trips(key: ThreadKey, channel: str, message: str, action: Action) -> None:
    item = Routed(key, channel, message, action)
    assert codec.decode_routed(codec.encode_routed(item)) == item


def test_actions_are_tagged_by_type() -> None:
    escalate = Escalate(Category.SELF_HARM_RISK, Severity.HIGH, True, "…", "u1", "Ann", 1)
    data = codec.action_to_dict(escalate)
    assert data["@"] == "Escalate"
    assert data["category"] == "self_harm_risk"
    assert data["severity"] == 3
    assert codec.action_to_dict(Reply("hi", ReplyKind.CARE)) == {"@": "Reply", "text": "hi", "kind": "care"}
    assert codec.decode_action('{"@":"End","text":"bye","reason":"r","actor":"user"}') == End(
        "bye", "r", Actor.USER
    )


def test_unknown_actions_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown action type 'Explode'"):
        codec.decode_action('{"@":"Explode"}')
    with pytest.raises(TypeError, match="is not an Action"):
        codec.encode_action(ThreadState())  # type: ignore[arg-type]


@given(
    st.builds(
        AuditRecord,
        action=texts,
        thread=texts,
        user=texts,
        actor=st.sampled_from(Actor),
        reason=texts,
        time=finite,
    ),
    st.integers(min_value=1, max_value=10**9),
)
def test_audit_record_round_trips(record: AuditRecord, case: int) -> None:
    fields = dict(zip(codec.AUDIT_FIELDS, codec.encode_audit(record), strict=True))
    fields["case"] = str(case)
    back = codec.decode_audit(fields, "g1")
    assert back == AuditRecord(
        record.action, record.thread, record.user, record.actor, record.reason, record.time, case, "g1"
    )


def test_warn_keeps_every_field() -> None:
    warn = Warn("Ann, stop", "name-calling", "u1", "Ann")
    assert codec.decode_action(codec.encode_action(warn)) == warn
