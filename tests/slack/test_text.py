"""Slack text in and out: mention tokens made inert, long text split safely, links read back."""

from __future__ import annotations

import pytest

from bot.platforms.slack.ids import from_permalink
from bot.platforms.slack.listeners.commands.threadkeeper import slack_arguments
from bot.platforms.slack.text import WORD_JOINER, from_slack, mentions, neutralise, split, strip_mention

J = WORD_JOINER


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("<!channel> hi", f"@{J}channel hi"),
        ("<!here|here> and <!everyone>", f"@{J}here and @{J}everyone"),
        ("ping <@U123ABC> and <@W9|wanda>", f"ping @{J}U123ABC and @{J}wanda"),
        ("<!subteam^S0MODS|@mods> look", f"@{J}mods look"),
        ("<!subteam^S0MODS>", f"@{J}group"),
        ("raw @channel, @Here and @everyone", f"raw @{J}channel, @{J}Here and @{J}everyone"),
        ("a <b> & c", "a &lt;b&gt; &amp; c"),
        ("see <https://example.org|the docs> in <#C0GEN>", "see <https://example.org|the docs> in <#C0GEN>"),
        ("<https://x.org|<!channel>>", f"&lt;https://x.org|@{J}channel&gt;"),
        ("<!date^1392734382^{date}|Feb 18>", "Feb 18"),
    ],
)
def test_neutralise_leaves_nothing_that_notifies(raw: str, shown: str) -> None:
    assert neutralise(raw) == shown
    for token in ("<!", "<@", "@channel", "@here", "@everyone"):
        assert token not in neutralise(raw)


def test_member_text_reads_as_a_person_sees_it() -> None:
    raw = (
        "<@UBOT> hi <@U2|bob>, see <https://x.org|this> in <#C1|general> "
        f"&amp; tell <!here> 2 &lt; 3 @{J}channel"
    )
    assert strip_mention(raw, "UBOT").startswith("hi ")
    assert (
        from_slack(strip_mention(raw, "UBOT"))
        == "hi @bob, see this (https://x.org) in #general & tell @here 2 < 3 @channel"
    )
    assert mentions(raw, "UBOT") and not mentions(raw, "UOTHER") and not mentions(raw, None)


def test_split_keeps_every_piece_under_the_limit_and_harmless() -> None:
    text = neutralise(("word <!channel> & more " * 400).strip())
    pieces = split(text, 500)
    assert all(0 < len(p) <= 500 for p in pieces)
    assert " ".join(pieces).split() == text.split()
    for piece in pieces:
        assert "<!" not in piece and piece.count("&") == piece.count("&amp;")
    dense = neutralise("&" * 1200)
    pieces = split(dense, 500)
    assert all(len(p) <= 500 and p.count("&") == p.count("&amp;") for p in pieces)
    assert "".join(pieces) == dense
    assert split("short") == ["short"]


def test_links_and_escaped_arguments_become_ids() -> None:
    assert from_permalink("https://t.slack.com/archives/C0GEN/p1700000001000200") == "C0GEN:1700000001.000200"
    threaded = "<https://t.slack.com/archives/C0GEN/p1700000009000100?thread_ts=1700000001.000200&cid=C0GEN>"
    assert from_permalink(threaded) == "C0GEN:1700000001.000200"
    assert from_permalink("not a link") is None
    assert slack_arguments("modchannel <#C0MODS|mods>") == "modchannel C0MODS"
    assert slack_arguments("modgroup <!subteam^S0MODS|@mods>") == "modgroup S0MODS"
    assert slack_arguments(f"reopen {threaded}") == "reopen C0GEN:1700000001.000200"
