"""The pure helpers behind what members read: splitting, names, ids from links."""

from __future__ import annotations

from bot.platforms.discord import render


def test_short_text_is_one_message_and_blank_text_none() -> None:
    assert render.split_message("hello") == ["hello"]
    assert render.split_message("   \n ") == []


def test_lines_are_kept_whole_when_they_fit() -> None:
    text = "\n".join(["a" * 900, "b" * 900, "c" * 900])
    assert render.split_message(text) == ["a" * 900 + "\n" + "b" * 900, "c" * 900]


def test_a_line_longer_than_the_limit_is_cut_at_a_space_then_mid_word() -> None:
    words = " ".join(["word"] * 600)  # 2999 characters, spaces every 5
    pieces = render.split_message(words)
    assert all(len(p) <= 2000 for p in pieces) and " ".join(pieces) == words
    assert all(not p.startswith(" ") and not p.endswith(" ") for p in pieces)
    blob = "x" * 4500
    assert render.split_message(blob) == ["x" * 2000, "x" * 2000, "x" * 500]


def test_thread_names_and_ids() -> None:
    assert render.thread_name("  plan   my trip\nplease", "Alice") == "plan my trip"
    assert render.thread_name("", "Alice") == "Conversation with Alice"
    assert len(render.thread_name("y" * 300, "Alice")) <= 100
    assert render.thread_id_from("https://discord.com/channels/1400000000000000000/1400000000000000123") == (
        "1400000000000000123"
    )
    assert render.thread_id_from("<#1400000000000000123>") == "1400000000000000123"
    assert render.thread_id_from("the one from yesterday") is None
    assert render.snowflake("<#123>") == 123 and render.snowflake("<@&45>") == 45
    assert render.snowflake("") is None and render.snowflake("general") is None


def test_decorations_come_off_for_branching() -> None:
    assert render.undecorated(render.warning("Bob, stop.")) == "Bob, stop."
    assert render.undecorated(render.notice("A notice.")) == "A notice."
    assert render.undecorated("**bold** start") == "**bold** start"
