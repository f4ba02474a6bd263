"""Shared fixtures: a real Redis for the store tests, and throwaway servers for fault tests.

The store is never tested against a mock: tests use the server at REDIS_URL (default
redis://127.0.0.1:6379) when it answers, else a private `redis-server` started for the session.
Each test gets its own key prefix and its keys are deleted afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis
from redis.backoff import NoBackoff
from redis.retry import Retry

from bot.core.config import StoreConfig
from bot.core.errors import StoreUnavailable
from bot.store import RedisStore, connect

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"
NO_REDIS_SERVER = (
    "redis-server not found: install it (apt-get install redis-server) or set REDIS_URL to a running Redis"
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def answers(url: str) -> bool:
    """Whether a Redis at `url` answers PING (LOADING or refusing counts as no)."""
    client = redis.Redis.from_url(
        url, socket_connect_timeout=0.5, socket_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


class RedisServer:
    """A private redis-server on 127.0.0.1 and a free port, stopped and started again by pid.

    `persistent` turns on the append-only file with fsync on every write, so whatever was
    committed before `stop()` is there after `start()`.
    """

    def __init__(self, directory: Path, *, persistent: bool = False) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.exit(NO_REDIS_SERVER, returncode=3)
        self.binary = binary
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.persistent = persistent
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def argv(self) -> list[str]:
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        )
        return [
            self.binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.directory),
            "--save",
            "",
            *persistence,
            "--logfile",
            str(self.directory / "redis.log"),
        ]

    def start(self, timeout: float = 10.0) -> None:
        """Start the server and wait until it answers PING (after loading its data)."""
        if self.process is not None and self.process.poll() is None:
            return
        self.process = subprocess.Popen(
            self.argv(), cwd=self.directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}: {self._log_tail()}")
            if answers(self.url):
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(
            f"redis-server on port {self.port} did not answer within {timeout}s: {self._log_tail()}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM by pid (Redis flushes its append-only file and exits), SIGKILL if it hangs."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def _log_tail(self) -> str:
        try:
            return (self.directory / "redis.log").read_text(errors="replace")[-800:]
        except OSError:
            return "(no log)"


@pytest.fixture
def unused_port() -> int:
    """A port on 127.0.0.1 where no server listens."""
    return free_port()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """REDIS_URL (default redis://127.0.0.1:6379) if it answers, else a session-private server."""
    url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    if answers(url):
        yield url
        return
    if shutil.which("redis-server") is None:
        pytest.exit(NO_REDIS_SERVER, returncode=3)
    server = RedisServer(tmp_path_factory.mktemp("redis-session"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


async def drop_keys(url: str, prefix: str) -> None:
    client = aioredis.Redis.from_url(url, decode_responses=True)
    try:
        batch = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        for start in range(0, len(batch), 500):
            await client.delete(*batch[start : start + 500])
    finally:
        await client.aclose()


MakeStore = Callable[..., Awaitable[RedisStore]]


@pytest.fixture
async def make_store(redis_url: str) -> AsyncIterator[MakeStore]:
    """`await make_store(cfg=None, url=None)`: a connected RedisStore with a prefix of its own."""
    made: list[tuple[RedisStore, str]] = []

    async def make(cfg: StoreConfig | None = None, url: str | None = None) -> RedisStore:
        target = url or redis_url
        store = await connect(target, cfg or StoreConfig(), prefix=f"tkt-{uuid.uuid4().hex}")
        made.append((store, target))
        return store

    yield make
    for store, target in made:
        with contextlib.suppress(StoreUnavailable):
            await store.close()
        if answers(target):
            await drop_keys(target, store.prefix)


@pytest.fixture
async def store(make_store: MakeStore) -> RedisStore:
    """A RedisStore on the test server with default settings and a unique key prefix."""
    return await make_store()


@pytest.fixture
def spawn_redis(tmp_path: Path) -> Iterator[Callable[..., RedisServer]]:
    """`spawn_redis(persistent=False)`: a started private server, stopped when the test ends."""
    servers: list[RedisServer] = []

    def spawn(*, persistent: bool = False) -> RedisServer:
        server = RedisServer(tmp_path / f"redis-{len(servers)}", persistent=persistent)
        servers.append(server)
        server.start()
        return server

    yield spawn
    for server in servers:
        server.stop()


@pytest.fixture
def restartable_redis(spawn_redis: Callable[..., RedisServer]) -> RedisServer:
    """A private server with an fsync-always append-only file: data survives stop()/start()."""
    return spawn_redis(persistent=True)
