"""Per-space records: numbered audit cases, counters and admin overrides."""

from __future__ import annotations

from bot.core.domain import Actor, LogEntry, ThreadKey
from bot.core.ports import AuditRecord, Commit
from bot.store import RedisStore


def record(action: str, thread: str = "t1", actor: Actor = Actor.MODEL, reason: str = "") -> AuditRecord:
    return AuditRecord(action, thread, "u1", actor, reason or f"{action} in {thread}", 1_700_000_000.5)


async def test_audit_cases_are_numbered_per_space_and_listed_newest_first(store: RedisStore) -> None:
    assert await store.add_audit("discord", "g1", record("warn")) == 1
    assert await store.add_audit("discord", "g1", record("end")) == 2
    assert await store.add_audit("discord", "g2", record("warn")) == 1
    listed = await store.audit("discord", "g1")
    assert [(r.case, r.action) for r in listed] == [(2, "end"), (1, "warn")]
    assert listed[0] == AuditRecord("end", "t1", "u1", Actor.MODEL, "end in t1", 1_700_000_000.5, 2, "g1")
    assert [r.case for r in await store.audit("discord", "g1", limit=1)] == [2]
    assert await store.audit("discord", "nowhere") == []


async def test_commits_audit_in_the_same_numbering(store: RedisStore) -> None:
    key = ThreadKey("discord", "g1", "t9")
    await store.add_audit("discord", "g1", record("config_set", thread="", actor=Actor.ADMIN))
    begun = await store.begin(key, "m1", "tok")
    commit = Commit(
        key,
        "m1",
        "tok",
        0,
        begun.state.evolve(turn=1),
        (LogEntry("user", "x"),),
        audit=(record("warn", "t9"), record("escalate", "t9")),
    )
    assert await store.commit(commit)
    assert await store.add_audit("discord", "g1", record("feedback", "t9", Actor.USER)) == 4
    listed = await store.audit("discord", "g1", thread="t9")
    assert [(r.case, r.action) for r in listed] == [(4, "feedback"), (3, "escalate"), (2, "warn")]


async def test_audit_filters_by_thread_across_many_records(store: RedisStore) -> None:
    await store.add_audit("discord", "g1", record("warn", "old"))
    await store.add_audit("discord", "g1", record("end", "old"))
    for _ in range(450):
        await store.add_audit("discord", "g1", record("warn", "busy"))
    listed = await store.audit("discord", "g1", thread="old", limit=5)
    assert [(r.case, r.action) for r in listed] == [(2, "end"), (1, "warn")]
    assert len(await store.audit("discord", "g1", thread="busy", limit=300)) == 300
    assert await store.audit("discord", "g1", limit=0) == []


async def test_stats_add_up_from_commits_and_direct_updates(store: RedisStore) -> None:
    key = ThreadKey("discord", "g1", "t1")
    begun = await store.begin(key, "m1", "tok")
    commit = Commit(
        key, "m1", "tok", 0, begun.state.evolve(turn=1), stats={"messages": 1, "warnings": 1, "ends": 0}
    )
    assert await store.commit(commit)
    await store.add_stats("discord", "g1", {"messages": 2, "input_tokens": 1200, "nothing": 0})
    await store.add_stats("discord", "g1", {})
    assert await store.stats("discord", "g1") == {"messages": 3, "warnings": 1, "input_tokens": 1200}
    assert await store.stats("discord", "g2") == {}


async def test_overrides_are_stored_as_strings_audited_and_seen_by_begin(store: RedisStore) -> None:
    set_record = record("config_set", thread="", actor=Actor.ADMIN, reason="ending_enabled=false")
    await store.set_override("discord", "g1", "ending_enabled", "false", set_record)
    await store.set_override("discord", "g1", "redirects_before_warning", "5", set_record)
    assert await store.overrides("discord", "g1") == {
        "ending_enabled": "false",
        "redirects_before_warning": "5",
    }
    assert await store.overrides("discord", "g2") == {}
    begun = await store.begin(ThreadKey("discord", "g1", "t1"), "m1", "tok")
    assert begun.overrides == {"ending_enabled": "false", "redirects_before_warning": "5"}

    await store.reset_overrides("discord", "g1", record("config_reset", thread="", actor=Actor.ADMIN))
    assert await store.overrides("discord", "g1") == {}
    listed = await store.audit("discord", "g1")
    assert [(r.case, r.action, r.actor) for r in listed] == [
        (3, "config_reset", Actor.ADMIN),
        (2, "config_set", Actor.ADMIN),
        (1, "config_set", Actor.ADMIN),
    ]


async def test_remember_and_recall_adapter_references(store: RedisStore) -> None:
    assert await store.recall("discord:g1", "alert:t1:1") is None
    assert await store.remember("discord:g1", "alert:t1:1", "msg-42", 60)
    assert await store.recall("discord:g1", "alert:t1:1") == "msg-42"
    assert not await store.remember("discord:g1", "alert:t1:1", "msg-43", 60, only_if_new=True)
    assert await store.recall("discord:g1", "alert:t1:1") == "msg-42"
    assert await store.remember("discord:g1", "alert:t1:1", "msg-44", 60)
    assert await store.recall("discord:g1", "alert:t1:1") == "msg-44"
