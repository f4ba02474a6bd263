"""The console as a person uses it: typing lines into `threadkeeper console`, reading what comes back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED_SCENARIOS = ROOT.parent / "shared" / "scenarios"

INSULTS = [
    "you are a useless stupid bot",
    "shut up, idiot",
    "you worthless piece of garbage",
    "you moronic trash",
]


def console(
    lines: list[str], *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "ANTHROPIC_API_KEY")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=environ,
        cwd=ROOT,
        timeout=60,
    )


def test_warning_then_ending_then_refusal_then_new_thread() -> None:
    result = console([*INSULTS, "hello again?", "/new", "hi, can you help me?", "/quit"])
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "embedded in-memory store" in out
    warning = out.index("[WARNING to member")
    ended = out.index("[CONVERSATION ENDED by the bot")
    refused = out.index("[this thread has ended")
    new = out.index("[new thread: thread-2]")
    assert warning < ended < refused < new
    assert "thread locked and archived" in out
    assert "Branch from here" in out  # the closing message says how to branch
    after_new = out[new:]
    assert "bot> " in after_new and "[this thread has ended" not in after_new


def test_crisis_shows_the_alert_as_moderators_see_it() -> None:
    result = console(["you useless bot", "whatever. I've decided I'm going to kill myself tonight"])
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "bot (caring reply)> " in out
    assert "MODERATOR CHANNEL: URGENT ESCALATION (episode 1)" in out
    assert "category: self_harm_risk" in out
    assert "[Acknowledge] [Claim]" in out
    assert "[WARNING" not in out and "ENDED" not in out


def test_asking_to_end_asks_for_confirmation_first() -> None:
    result = console(["please end this conversation", "yes", "are you there?"])
    out = result.stdout
    confirm = out.index("[CONFIRMATION NEEDED]")
    ended = out.index("[CONVERSATION ENDED by the member's request")
    assert confirm < ended
    assert "permanent" in out[confirm:ended]
    assert "[this thread has ended (the member asked to end the conversation)" in out


def test_empty_and_very_long_messages_are_answered_clearly() -> None:
    result = console(["   ", "x" * 50_000, "/stats"])
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "[notice] I didn't get any text in that message." in out
    assert "Your message was 50,000 characters long; I read the first 8,000 characters." in out
    assert "messages=1" in out


def test_unreachable_redis_falls_back_to_the_embedded_store() -> None:
    result = console(["hello", "/quit"], env={"REDIS_URL": "redis://127.0.0.1:1/0"})
    assert result.returncode == 0, result.stderr
    assert (
        "Redis at redis://127.0.0.1:1/0 is not answering; using the embedded in-memory store" in result.stdout
    )


def test_reopen_and_audit_commands() -> None:
    result = console([*INSULTS, "/reopen", "sorry about that", "/audit"])
    out = result.stdout
    assert "A moderator has reopened this conversation." in out
    reopened = out.index("A moderator has reopened")
    assert "bot> " in out[reopened:]
    assert "reopen" in out and " end " in out and " warn " in out


def test_other_members_can_speak_with_as() -> None:
    result = console(["hi all", "/as sam", *INSULTS[:3]])
    assert "[WARNING to sam" in result.stdout
    assert "sam, I have to name what's happening here" in result.stdout


def test_script_replays_a_scenario_without_a_terminal() -> None:
    path = SHARED_SCENARIOS / "persistent-harassment.yaml"
    if not path.exists():
        pytest.skip("../shared/scenarios is not beside this checkout")
    result = console([], "--script", str(path))
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "== scenario persistent-harassment" in out
    assert out.index("[WARNING") < out.index("[CONVERSATION ENDED")


def test_script_with_invalid_utf8_is_refused_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"name: bad\nturns:\n  - text: \xff\xfe\n")
    result = console([], "--script", str(bad))
    assert result.returncode == 2
    assert f"{bad}: not valid UTF-8 at byte" in result.stderr


def test_feedback_on_an_ending_reaches_the_moderators_once() -> None:
    result = console([*INSULTS, "/feedback unfair", "/feedback unfair", "/stats"])
    out = result.stdout
    assert out.count("== MODERATOR CHANNEL: disputed ending ==") == 1
    assert "says the ending was not fair" in out and "member: you moronic trash" in out
    assert "You've already given feedback on this conversation." in out
    assert "disputed_endings=1" in out
