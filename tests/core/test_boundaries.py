"""The hexagon's walls: the core never imports a platform, model or storage library."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "bot" / "core"
FORBIDDEN = ("discord", "slack_bolt", "slack_sdk", "anthropic", "redis", "fakeredis", "aiohttp", "hiredis")
ADAPTERS = ("bot.store", "bot.brains", "bot.platforms", "bot.safety", "bot.runtime", "bot.cli")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_no_platform_model_or_redis_library() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 5
    offences = [
        f"{path.relative_to(CORE.parent.parent)} imports {name}"
        for path in files
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN or name.startswith(ADAPTERS)
    ]
    assert offences == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import redis.asyncio as r\nfrom bot.store import connect\nfrom discord import ui\n")
    assert imported_modules(sample) == {"redis.asyncio", "bot.store", "discord"}
