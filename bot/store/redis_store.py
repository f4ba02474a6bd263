"""The Redis store: thread state, transcript, de-duplication, outbox, audit, stats and overrides.

Begin and commit are one script call each: Lua scripts loaded once and called by SHA (reloaded
transparently when the server forgot them, e.g. after a restart). Calls made by concurrent turns in
the same event-loop turn travel together in one pipeline (`autopipeline`). Every redis-py error leaves
this module as `StoreUnavailable` with a message naming the server and the operation.

Key layout (P = platform, S = space, T = thread; the braces are Redis Cluster hash tags):

    {prefix}:{P:S:T}:state         hash: ThreadState (see codec), field `v` = version
    {prefix}:{P:S:T}:log           list: recent transcript, capped
    {prefix}:{P:S:T}:seen:<msgid>  string: a handler's token while in flight, then "done:<token>"
    {prefix}:{P:S:T}:ended         string: why the thread ended; outlives the state
    {prefix}:cfg:{P:S}             hash: admin overrides
    {prefix}:audit:{P:S}           stream: audit records; `...:seq` numbers the cases
    {prefix}:stats:{P:S}           hash: counters
    {prefix}:outbox:<P>            stream + consumer group: a platform's durable actions
    {prefix}:{P:S:T}:feedback:<u>  string: a member's feedback on the ending (once each)
    {prefix}:ref:{scope}:<name>    string: adapter bookkeeping (alert ids, "reported once" flags)
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis
import redis.exceptions as rx

from bot.core import policy
from bot.core.config import StoreConfig
from bot.core.domain import LogEntry, Status, ThreadKey, ThreadState
from bot.core.errors import StoreUnavailable
from bot.core.ports import AuditRecord, Begun, Commit, OutboxEntry, Routed
from bot.store import codec
from bot.store.autopipeline import AutoPipeline

if TYPE_CHECKING:
    from bot.core.ports import Store

logger = logging.getLogger(__name__)

OUTBOX_GROUP = "relay"
_DAY = 86_400
_ACK_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class _Script:
    name: str
    source: str
    sha: str


def _load_script(name: str) -> _Script:
    folder = resources.files("bot.store").joinpath("scripts")
    lib = folder.joinpath("_lib.lua").read_text(encoding="utf-8")
    source = lib + "\n" + folder.joinpath(f"{name}.lua").read_text(encoding="utf-8")
    return _Script(name, source, hashlib.sha1(source.encode("utf-8")).hexdigest())


_SCRIPT_NAMES = (
    "begin",
    "commit",
    "release",
    "reopen",
    "config",
    "audit",
    "outbox_read",
    "outbox_ack",
    "feedback",
    "seed",
)
SCRIPTS: dict[str, _Script] = {name: _load_script(name) for name in _SCRIPT_NAMES}


def committed_state(commit: Commit) -> ThreadState:
    """The state as stored once `commit` succeeded: its `state` at version `expected_version + 1`."""
    return commit.state.evolve(version=commit.expected_version + 1)


def describe_client(client: aioredis.Redis) -> str:
    """`redis://host:port/db` (or the socket path) of a client, without credentials."""
    kw = client.connection_pool.connection_kwargs
    if kw.get("path"):
        return f"unix://{kw['path']}"
    scheme = "rediss" if kw.get("ssl") or "ssl_context" in kw else "redis"
    db = kw.get("db", 0)
    suffix = f"/{db}" if db else ""
    return f"{scheme}://{kw.get('host', 'localhost')}:{kw.get('port', 6379)}{suffix}"


def failure_reason(exc: BaseException) -> str:
    """The most specific cause of a connection failure, e.g. "Connection refused"."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimeoutError | rx.TimeoutError):
            return "timed out"
        if isinstance(seen, socket.gaierror) and seen.strerror:
            return seen.strerror
        if isinstance(seen, OSError):
            if seen.errno and seen.errno > 0:
                return os.strerror(seen.errno)
            if seen.strerror:
                return seen.strerror
        seen = seen.__cause__ or seen.__context__
    text = str(exc).strip().rstrip(".")
    return text.rsplit(". ", 1)[-1] if ". " in text else text or type(exc).__name__


def unavailable(where: str, op: str, exc: rx.RedisError) -> StoreUnavailable:
    """An operator-facing StoreUnavailable for a redis-py error during `op`."""
    if isinstance(exc, rx.ConnectionError | rx.TimeoutError):
        return StoreUnavailable(
            f"Redis at {where} is not answering ({failure_reason(exc)}); start it or set REDIS_URL"
        )
    if isinstance(exc, rx.ResponseError):
        return StoreUnavailable(f"Redis at {where} refused to {op}: {exc}")
    return StoreUnavailable(f"Redis at {where} failed to {op}: {exc}")


def _stream_fields(flat: Sequence[str] | Mapping[str, str]) -> Mapping[str, str]:
    return flat if isinstance(flat, Mapping) else codec.pairs(flat)


class RedisStore:
    """`bot.core.ports.Store` on Redis.

    `client` must be a `redis.asyncio.Redis` with `decode_responses=True`. Keys start with
    `prefix` so several bots (or tests) can share one server.
    """

    def __init__(
        self,
        client: aioredis.Redis,
        cfg: StoreConfig,
        prefix: str = "tk",
        *,
        where: str | None = None,
    ) -> None:
        self._client = client
        # Concurrent turns share pipelines; see `autopipeline`.
        self._cmd: Callable[..., Awaitable[Any]] = AutoPipeline(client)
        self.prefix = prefix
        self.where = where or describe_client(client)
        self._groups_ready: set[str] = set()
        self.cfg = cfg

    @property
    def cfg(self) -> StoreConfig:
        return self._cfg

    @cfg.setter
    def cfg(self, cfg: StoreConfig) -> None:
        """Replace the settings; TTLs in Redis units are derived once here, not per call."""
        self._cfg = cfg
        self._inflight_ms = cfg.inflight_ttl_seconds * 1000
        self._dedupe_s = cfg.dedupe_ttl_hours * 3600
        self._thread_s = cfg.thread_ttl_days * _DAY
        self._ended_s = cfg.ended_ttl_days * _DAY

    # --- keys --------------------------------------------------------------------------------

    def thread_key(self, key: ThreadKey, part: str) -> str:
        """`{prefix}:{P:S:T}:part`, e.g. part "state", "log", "ended" or "seen:<message id>"."""
        return f"{self.prefix}:{{{key.tag}}}:{part}"

    def space_key(self, kind: str, platform: str, space: str) -> str:
        """`{prefix}:kind:{P:S}`, kind "cfg", "audit" or "stats"."""
        return f"{self.prefix}:{kind}:{{{platform}:{space}}}"

    def outbox_key(self, platform: str) -> str:
        """Each platform has its own outbox: a Discord process never holds a Slack action."""
        return f"{self.prefix}:outbox:{platform}"

    # --- plumbing ----------------------------------------------------------------------------

    @contextmanager
    def _failures(self, op: str) -> Iterator[None]:
        try:
            yield
        except rx.RedisError as exc:
            logger.debug("redis error during %s", op, exc_info=True)
            raise unavailable(self.where, op, exc) from None

    async def load_scripts(self) -> None:
        """SCRIPT LOAD every script (one round trip); later calls go by SHA only."""
        with self._failures("load the store's scripts"):
            await self._load_all()

    async def _load_all(self) -> None:
        pipe = self._client.pipeline(transaction=False)
        for script in SCRIPTS.values():
            pipe.execute_command("SCRIPT", "LOAD", script.source)
        shas = await pipe.execute()
        for script, sha in zip(SCRIPTS.values(), shas, strict=True):
            if sha != script.sha:
                raise StoreUnavailable(
                    f"Redis at {self.where} hashed script {script.name} as {sha}, expected {script.sha}"
                )

    async def _eval_raw(self, name: str, keys: Sequence[str], args: Sequence[str | int]) -> Any:
        """EVALSHA, loading the scripts again if the server forgot them; redis errors propagate."""
        script = SCRIPTS[name]
        try:
            return await self._cmd("EVALSHA", script.sha, len(keys), *keys, *args)
        except rx.NoScriptError:
            logger.info("Redis at %s lost the store's scripts (restarted?); loading them again", self.where)
            await self._load_all()
            return await self._cmd("EVALSHA", script.sha, len(keys), *keys, *args)

    async def _eval(self, name: str, keys: Sequence[str], args: Sequence[str | int], op: str) -> Any:
        try:
            return await self._eval_raw(name, keys, args)
        except rx.RedisError as exc:
            logger.debug("redis error during %s", op, exc_info=True)
            raise unavailable(self.where, op, exc) from None

    def _audit_keys(self, platform: str, space: str) -> tuple[str, str]:
        stream = self.space_key("audit", platform, space)
        return stream, stream + ":seq"

    # --- one message -------------------------------------------------------------------------

    async def begin(self, key: ThreadKey, message_id: str, token: str) -> Begun:
        """Reserve `message_id` for `token` and load the thread, in one round trip.

        Not a duplicate when the message is unseen (it is then reserved for `token` for
        `inflight_ttl_seconds`) or already reserved by the same `token` (a retry after a lost
        version race; the reservation is renewed). A duplicate when it was committed ("done") or
        is reserved by another live token. An ended thread comes back with status ENDED and
        `ended_reason` from its marker, and nothing is reserved.
        """
        base = f"{self.prefix}:{{{key.tag}}}:"
        reply = await self._eval(
            "begin",
            (
                base + "state",
                base + "log",
                f"{base}seen:{message_id}",
                base + "ended",
                self.space_key("cfg", key.platform, key.space),
            ),
            (token, self._inflight_ms),
            "begin a turn",
        )
        duplicate, ended, reason, state_fields, log, overrides = reply
        state = codec.decode_state(codec.pairs(state_fields))
        if ended:
            state = state.evolve(status=Status.ENDED, ended_reason=reason)
        return Begun(
            duplicate=bool(duplicate),
            state=state,
            overrides=codec.pairs(overrides),
            log=codec.LazyTranscript(log),
        )

    async def commit(self, commit: Commit) -> bool:
        """Apply `commit` atomically in one round trip; True when applied.

        Refused (False, nothing changed) when the stored version (0 for a missing state) is not
        `commit.expected_version`, when the message was already applied, or when the thread has
        an ended marker. On success the stored state is `commit.state` at version
        `expected_version + 1` (`committed_state(commit)`); `commit.state.version` is ignored.
        """
        c = commit
        state_items = codec.encode_state(c.state)
        log_items = [codec.encode_log(e) for e in c.log]
        outbox_items: list[str] = []
        for item in c.outbox:
            outbox_items += (type(item.action).__name__, codec.encode_routed(item))
        audit_items: list[str] = []
        for record in c.audit:
            audit_items += codec.encode_audit(record)
        stats_items: list[str | int] = []
        for name, delta in c.stats.items():
            if delta:
                stats_items += (name, delta)
        ending = c.state.status is Status.ENDED
        key = c.key
        base = f"{self.prefix}:{{{key.tag}}}:"
        audit_stream, audit_seq = self._audit_keys(key.platform, key.space)
        cfg = self.cfg
        result = await self._eval(
            "commit",
            (
                base + "state",
                base + "log",
                f"{base}seen:{c.message_id}",
                base + "ended",
                self.outbox_key(key.platform),
                audit_stream,
                audit_seq,
                self.space_key("stats", key.platform, key.space),
            ),
            (
                c.expected_version,
                self._dedupe_s,
                self._thread_s,
                self._ended_s if ending else 0,
                c.state.ended_reason,
                cfg.transcript_max_entries,
                cfg.outbox_max_entries,
                cfg.audit_max_entries,
                c.token,
                len(state_items),
                len(log_items),
                len(c.outbox),
                len(c.audit),
                len(stats_items),
                *state_items,
                *log_items,
                *outbox_items,
                *audit_items,
                *stats_items,
            ),
            "commit a turn",
        )
        if result == 1:
            return True
        logger.debug(
            "commit of %s in %s refused: %s",
            c.message_id,
            key.tag,
            {0: "version moved", -1: "already applied", -2: "thread ended"}.get(result, result),
        )
        return False

    async def release(self, key: ThreadKey, message_id: str, token: str) -> None:
        """Drop `token`'s reservation of `message_id` so a resend is handled; others' are kept."""
        await self._eval(
            "release", (self.thread_key(key, f"seen:{message_id}"),), (token,), "release a message"
        )

    async def reopen(self, key: ThreadKey, record: AuditRecord) -> ThreadState:
        """Active again with a clean slate (`policy.reopen`), ended marker removed, audited."""
        audit_stream, audit_seq = self._audit_keys(key.platform, key.space)
        for _ in range(self.cfg.commit_retries):
            with self._failures("read a thread"):
                pipe = self._client.pipeline(transaction=False)
                pipe.execute_command("HGETALL", self.thread_key(key, "state"))
                pipe.execute_command("GET", self.thread_key(key, "ended"))
                fields, reason = await pipe.execute()
            state = codec.decode_state(fields)
            if reason is not None:
                state = state.evolve(status=Status.ENDED, ended_reason=reason)
            fresh = policy.reopen(state)
            items = codec.encode_state(fresh)
            case = await self._eval(
                "reopen",
                (self.thread_key(key, "state"), self.thread_key(key, "ended"), audit_stream, audit_seq),
                (
                    state.version,
                    self._thread_s,
                    self.cfg.audit_max_entries,
                    len(items),
                    *items,
                    *codec.encode_audit(record),
                ),
                "reopen a thread",
            )
            if case:
                return fresh.evolve(version=state.version + 1)
        raise StoreUnavailable(f"thread {key.tag} kept changing while it was being reopened; try again")

    async def seed_transcript(self, key: ThreadKey, entries: Sequence[LogEntry]) -> bool:
        """Give a new thread (a branch) its starting transcript; False if it already has history."""
        seeded = await self._eval(
            "seed",
            (self.thread_key(key, "state"), self.thread_key(key, "log")),
            (self._thread_s, *(codec.encode_log(e) for e in entries[-self.cfg.transcript_max_entries :])),
            "seed a branched thread",
        )
        return bool(seeded)

    async def record_feedback(
        self,
        key: ThreadKey,
        user_id: str,
        record: AuditRecord,
        counter: str,
        dispute: Routed | None = None,
    ) -> bool:
        """Count one member's feedback on an ending (once per member and thread), audited; a
        dispute is queued for moderators in the same step. False if already given."""
        audit_stream, audit_seq = self._audit_keys(key.platform, key.space)
        case = await self._eval(
            "feedback",
            (
                self.thread_key(key, f"feedback:{user_id}"),
                audit_stream,
                audit_seq,
                self.space_key("stats", key.platform, key.space),
                self.outbox_key(key.platform),
            ),
            (
                self._ended_s,
                self.cfg.audit_max_entries,
                counter,
                self.cfg.outbox_max_entries,
                type(dispute.action).__name__ if dispute else "",
                codec.encode_routed(dispute) if dispute else "",
                *codec.encode_audit(record),
            ),
            "record feedback",
        )
        return bool(case)

    async def remember(
        self, scope: str, name: str, value: str, ttl_seconds: int, *, only_if_new: bool = False
    ) -> bool:
        """Adapter bookkeeping under `{prefix}:ref:{scope}:{name}`, expiring after `ttl_seconds`."""
        with self._failures("remember a reference"):
            args: tuple[str, ...] = ("NX",) if only_if_new else ()
            done = await self._cmd("SET", self._ref(scope, name), value, "EX", max(1, ttl_seconds), *args)
        return bool(done)

    async def recall(self, scope: str, name: str) -> str | None:
        with self._failures("recall a reference"):
            value = await self._cmd("GET", self._ref(scope, name))
        return None if value is None else str(value)

    def _ref(self, scope: str, name: str) -> str:
        return f"{self.prefix}:ref:{{{scope}}}:{name}"

    async def transcript(self, key: ThreadKey) -> tuple[LogEntry, ...]:
        with self._failures("read a transcript"):
            raw = await self._cmd("LRANGE", self.thread_key(key, "log"), 0, -1)
        return codec.decode_logs(raw)

    # --- per space ---------------------------------------------------------------------------

    async def overrides(self, platform: str, space: str) -> dict[str, str]:
        with self._failures("read the configuration"):
            raw = await self._cmd("HGETALL", self.space_key("cfg", platform, space))
        return dict(raw)

    async def set_override(
        self, platform: str, space: str, key: str, value: str, record: AuditRecord
    ) -> None:
        """Store one override (validated by the caller) and its audit record atomically."""
        await self._config(platform, space, ("set", key, value), record)

    async def reset_overrides(self, platform: str, space: str, record: AuditRecord) -> None:
        """Drop every override of the space, audited atomically."""
        await self._config(platform, space, ("reset", "", ""), record)

    async def _config(
        self, platform: str, space: str, change: tuple[str, str, str], record: AuditRecord
    ) -> None:
        mode, key, value = change
        audit_stream, audit_seq = self._audit_keys(platform, space)
        await self._eval(
            "config",
            (self.space_key("cfg", platform, space), audit_stream, audit_seq),
            (mode, self.cfg.audit_max_entries, key, value, *codec.encode_audit(record)),
            "change the configuration",
        )

    async def add_audit(self, platform: str, space: str, record: AuditRecord) -> int:
        """Append `record`; returns its case number (1, 2, ... per space)."""
        audit_stream, audit_seq = self._audit_keys(platform, space)
        case = await self._eval(
            "audit",
            (audit_stream, audit_seq),
            (self.cfg.audit_max_entries, *codec.encode_audit(record)),
            "write the audit log",
        )
        return int(case)

    async def audit(
        self, platform: str, space: str, thread: str | None = None, limit: int = 20
    ) -> list[AuditRecord]:
        """The newest `limit` records, newest first; only `thread`'s when given."""
        if limit <= 0:
            return []
        stream = self.space_key("audit", platform, space)
        batch = limit if thread is None else max(limit * 4, 200)
        out: list[AuditRecord] = []
        end = "+"
        with self._failures("read the audit log"):
            while len(out) < limit:
                entries = await self._cmd("XREVRANGE", stream, end, "-", "COUNT", batch)
                for _, raw in entries:
                    fields = _stream_fields(raw)
                    if thread is None or fields.get("thread") == thread:
                        out.append(codec.decode_audit(fields, space))
                        if len(out) == limit:
                            break
                if len(entries) < batch:
                    break
                end = "(" + entries[-1][0]
        return out

    async def stats(self, platform: str, space: str) -> dict[str, int]:
        with self._failures("read the stats"):
            raw = await self._cmd("HGETALL", self.space_key("stats", platform, space))
        return {name: int(value) for name, value in raw.items()}

    async def add_stats(self, platform: str, space: str, counters: Mapping[str, int]) -> None:
        items = [(name, delta) for name, delta in counters.items() if delta]
        if not items:
            return
        stats_key = self.space_key("stats", platform, space)
        with self._failures("update the stats"):
            pipe = self._client.pipeline(transaction=True)
            for name, delta in items:
                pipe.execute_command("HINCRBY", stats_key, name, delta)
            await pipe.execute()

    # --- outbox ------------------------------------------------------------------------------

    async def _ensure_group(self, stream: str) -> None:
        """Create the relay's consumer group at the stream's start, so nothing committed is skipped."""
        try:
            await self._cmd("XGROUP", "CREATE", stream, OUTBOX_GROUP, "0", "MKSTREAM")
        except rx.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._groups_ready.add(stream)

    async def read_outbox(self, platform: str, consumer: str, count: int = 50) -> list[OutboxEntry]:
        """`platform`'s entries idle longer than `outbox_claim_idle_seconds` in a crashed
        consumer's hands, then new ones; each stays pending until `ack_outbox` (at least once)."""
        if count <= 0:
            return []
        stream = self.outbox_key(platform)
        args = (OUTBOX_GROUP, consumer, self.cfg.outbox_claim_idle_seconds * 1000, count)
        with self._failures("read the outbox"):
            if stream not in self._groups_ready:
                await self._ensure_group(stream)
            try:
                raw = await self._eval_raw("outbox_read", (stream,), args)
            except rx.ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                logger.info("outbox consumer group missing on %s; creating it again", self.where)
                await self._ensure_group(stream)
                raw = await self._eval_raw("outbox_read", (stream,), args)
        out: list[OutboxEntry] = []
        for entry_id, deliveries, flat in raw:
            fields = codec.pairs(flat)
            try:
                item = codec.decode_routed(fields["r"])
            except (KeyError, ValueError, TypeError):
                logger.error("outbox entry %s cannot be decoded and is dropped: %r", entry_id, fields)
                await self.ack_outbox(platform, [entry_id])
                continue
            out.append(OutboxEntry(entry_id, item, int(deliveries)))
        return out

    async def ack_outbox(self, platform: str, ids: Sequence[str]) -> None:
        """Acknowledge and delete delivered entries of `platform`'s outbox."""
        stream = self.outbox_key(platform)
        for start in range(0, len(ids), _ACK_CHUNK):
            chunk = ids[start : start + _ACK_CHUNK]
            await self._eval("outbox_ack", (stream,), (OUTBOX_GROUP, *chunk), "acknowledge outbox entries")

    async def close(self) -> None:
        with self._failures("close the connection"):
            await self._client.aclose()


if TYPE_CHECKING:

    def _implements_the_port(store: RedisStore) -> Store:
        return store


def _client_from_url(url: str) -> aioredis.Redis:
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff

    return aioredis.Redis.from_url(
        url,
        decode_responses=True,
        encoding_errors="surrogatepass",  # member text may hold lone surrogates; store it as given
        socket_connect_timeout=2.0,
        socket_timeout=5.0,
        health_check_interval=30,
        # Retry briefly on a dropped connection, then report the outage (within about a second).
        # Turns are safe to resend: a commit that already went through is refused, never applied
        # twice. A resent audit or stats update may count twice, which beats losing it.
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=2),
    )


async def connect(url: str, cfg: StoreConfig, prefix: str = "tk") -> RedisStore:
    """A RedisStore on the server at `url`, checked with PING and with its scripts loaded.

    Raises StoreUnavailable naming the server and what to do when it is unreachable.
    """
    try:
        client = _client_from_url(url)
    except ValueError as exc:
        raise StoreUnavailable(f"REDIS_URL {url!r} is not a Redis URL: {exc}") from None
    store = RedisStore(client, cfg, prefix, where=describe_client(client))
    try:
        with store._failures("answer PING"):
            await client.ping()
        await store.load_scripts()
    except StoreUnavailable:
        await client.aclose()
        raise
    return store
