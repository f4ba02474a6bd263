"""Text in and out of Slack: what members wrote, for the engine; what the bot relays, made harmless.

Slack marks mentions, links and channels with `<...>` tokens and escapes `&`, `<`, `>` in what
people type. Going in, tokens become plain words (`@name`, `#channel`) so the model and the
transcript see what a member saw. Going out, nothing the member or the model wrote may notify
anyone: every mention token is turned into inert text, raw `@channel`/`@here`/`@everyone` get an
invisible word joiner after the `@`, and stray `&`, `<`, `>` are escaped.
"""

from __future__ import annotations

import html
import re

# Slack rejects longer messages (`msg_too_long`) and longer section texts (`invalid_blocks`).
MAX_CHARS = 3000

WORD_JOINER = "\u2060"
_TOKEN = re.compile(r"<([^<>\n]*)>")
_BROADCAST = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
_ENTITY_TAIL = re.compile(r"&[a-z]{0,4}$")


def strip_mention(text: str, bot_user_id: str | None) -> str:
    """`text` without the mentions of the bot (`<@UBOT>` or `<@UBOT|name>`)."""
    if not bot_user_id:
        return text
    return re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", "", text).strip()


def mentions(text: str, bot_user_id: str | None) -> bool:
    return bool(bot_user_id) and re.search(rf"<@{re.escape(str(bot_user_id))}(?:\||>)", text) is not None


def from_slack(text: str) -> str:
    """What a member sees in Slack's rendering of `text`, as plain text for the engine."""

    def plain(match: re.Match[str]) -> str:
        body = match.group(1)
        target, _, label = body.partition("|")
        if target.startswith("@"):
            return "@" + (label or target[1:])
        if target.startswith("!subteam^"):
            return label if label.startswith("@") else "@" + (label or "group")
        if target.startswith("!date^"):
            return label or ""
        if target.startswith("!"):
            return "@" + target[1:]
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if label:
            return f"{label} ({target})"
        return target

    return html.unescape(_TOKEN.sub(plain, text)).replace(WORD_JOINER, "")


def neutralise(text: str) -> str:
    """`text` made safe to post: it renders as written but cannot notify anyone."""
    out: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        out.append(_escape(text[position : match.start()]))
        out.append(_inert(match.group(1)))
        position = match.end()
    out.append(_escape(text[position:]))
    return "".join(out)


def _inert(body: str) -> str:
    """One `<...>` token, kept when it is a plain link or a channel name, else made plain text."""
    target, _, label = body.partition("|")
    if target.startswith(("http://", "https://", "mailto:")) and not _TOKEN.search(label):
        return f"<{target}|{_escape(label)}>" if label else f"<{target}>"
    if target.startswith("#C") and re.fullmatch(r"#C[A-Z0-9]+", target):
        return f"<{target}>"
    if target.startswith("@"):
        return "@" + WORD_JOINER + _escape(label or target[1:])
    if target.startswith("!subteam^"):
        name = label[1:] if label.startswith("@") else label
        return "@" + WORD_JOINER + _escape(name or "group")
    if target.startswith("!date^"):
        return _escape(label)
    if target.startswith("!"):
        return "@" + WORD_JOINER + _escape(label or target[1:].split("^")[0])
    return _escape(f"<{body}>")


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@" + WORD_JOINER, text)


def split(text: str, limit: int = MAX_CHARS) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at paragraphs, lines or words if possible.

    Works on already neutralised text: a cut never falls inside an `&amp;`-style entity or a
    `<...>` token, so every piece is still harmless on its own.
    """
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), -1)
        if cut < limit // 2:
            cut = window.rfind("\n")
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = _safe_hard_cut(window)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces or [""]


def _safe_hard_cut(window: str) -> int:
    cut = len(window)
    open_token = window.rfind("<")
    if open_token > window.rfind(">"):
        cut = open_token
    entity = _ENTITY_TAIL.search(window[:cut])
    if entity:
        cut = entity.start()
    return max(cut, 1)


def quote(text: str) -> str:
    """Neutralised `text` as a Slack block quote (each line prefixed with `>`)."""
    return "\n".join("> " + line for line in neutralise(text).splitlines())
