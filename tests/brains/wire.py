"""How a Messages API request looks to the prompt cache: its blocks in cache order, and its prefixes.

The cache matches a request from the start in a fixed order (tools, then system, then messages,
block by block) and can reuse the prefix ending at any block a previous request marked with
`cache_control`. The markers themselves are not content, so they are left out here. The HTTP body
keeps JSON keys in another order (messages before system and tools), so "the bytes up to the last
breakpoint" are measured on this canonical form, which is what the cache compares.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any


def _dump(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


@dataclass(frozen=True)
class Block:
    data: bytes
    marked: bool


def blocks(request: dict[str, Any]) -> list[Block]:
    """The request's cacheable units in cache order; the first carries the model and tool choice."""
    found = [Block(_dump({"model": request["model"], "tool_choice": request.get("tool_choice")}), False)]
    for tool in request.get("tools", []):
        found.append(_block({"tool": tool}))
    system = request.get("system", [])
    if isinstance(system, str):
        system = [{"type": "text", "text": system}]
    for block in system:
        found.append(_block({"system": block}))
    for index, message in enumerate(request["messages"]):
        content = message["content"]
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        for block in content:
            found.append(_block({"message": index, "role": message["role"], "block": block}))
    return found


def _block(wrapper: dict[str, Any]) -> Block:
    inner = next(v for v in wrapper.values() if isinstance(v, dict))
    marked = "cache_control" in inner
    clean = {
        k: ({kk: vv for kk, vv in v.items() if kk != "cache_control"} if isinstance(v, dict) else v)
        for k, v in wrapper.items()
    }
    return Block(_dump(clean), marked)


@dataclass(frozen=True)
class Shape:
    """A request's canonical bytes and where its breakpoints fall."""

    data: bytes
    ends: tuple[int, ...]  # byte offset after each block
    marks: tuple[int, ...]  # indexes of marked blocks

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def cached_prefix(self) -> bytes:
        """The bytes up to and including the last block with a breakpoint."""
        return self.data[: self.ends[self.marks[-1]]] if self.marks else b""

    def prefix_hashes(self) -> dict[int, str]:
        """Digest of the prefix ending at each marked block, keyed by its length in bytes."""
        return {self.ends[i]: hashlib.sha256(self.data[: self.ends[i]]).hexdigest() for i in self.marks}


def shape(request: dict[str, Any]) -> Shape:
    data = b""
    ends: list[int] = []
    marks: list[int] = []
    for index, block in enumerate(blocks(request)):
        data += block.data
        ends.append(len(data))
        if block.marked:
            marks.append(index)
    return Shape(data, tuple(ends), tuple(marks))


def readable(current: Shape, written: set[str], lookback: int = 20) -> int:
    """Bytes of `current` the cache could serve, given prefixes written earlier (as digests).

    Like the service: from each breakpoint of the request, earlier block boundaries (up to
    `lookback` blocks back) are checked for a prefix that an earlier request wrote.
    """
    best = 0
    for mark in current.marks:
        for index in range(mark, max(-1, mark - lookback - 1), -1):
            end = current.ends[index]
            if end <= best:
                break
            if hashlib.sha256(current.data[:end]).hexdigest() in written:
                best = end
                break
    return best


def tokens(size: int) -> int:
    """The fake's token count for `size` canonical bytes."""
    return (size + 3) // 4
