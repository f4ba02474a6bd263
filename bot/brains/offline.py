"""The offline brain: deterministic, no network, no key.

It is what the console uses without `ANTHROPIC_API_KEY`, what tests use, and the fallback when the
model is unavailable. It cannot answer questions in depth, and says so honestly; what it does well
is judge each message (from the local safety net and end-intent rules) so the policy can act.
"""

from __future__ import annotations

from bot.brains.intents import end_intent
from bot.core.domain import Assessment, Category, Severity, Status, Turn
from bot.core.ports import BrainRequest

_REDIRECTS: dict[Category, tuple[str, ...]] = {
    Category.HARASSMENT: (
        "I'd like to keep this conversation respectful. If something I said wasn't helpful, "
        "tell me what you need and I'll try again.",
        "I'm not going to trade insults, but I do want to help. What are you trying to get done?",
        "Let's reset: tell me what you're after and I'll do my best with it.",
    ),
    Category.HATE: (
        "I won't take part in hateful language about people. I'm glad to help with something else.",
        "I'm not going to continue with that. If there's something else on your mind, I'm here.",
    ),
    Category.HARMFUL_REQUEST: (
        "I can't help with that, because it could seriously hurt people. "
        "If there's something else you're working on, I'm glad to help.",
        "That's still something I won't help with. Is there another way I can be useful?",
    ),
    Category.SEXUAL_MINORS: (
        "I won't engage with anything that sexualises minors. Let's talk about something else.",
    ),
    Category.VIOLENT_EXTREMISM: (
        "I won't help promote violence against people. I'm happy to talk about something else.",
    ),
}

_SEVERITY = {
    Category.SEXUAL_MINORS: Severity.HIGH,
    Category.VIOLENT_EXTREMISM: Severity.HIGH,
    Category.HATE: Severity.MEDIUM,
    Category.HARMFUL_REQUEST: Severity.MEDIUM,
    Category.HARASSMENT: Severity.LOW,
}

_ANSWERS = (
    "I hear you. I'm running in offline mode, without a language model, so I can't answer in "
    "depth, but I'm reading along and happy to keep talking.",
    "Thanks for explaining. In offline mode I can't look into that properly; an operator can "
    "connect me to Claude for full answers.",
    "Got it. I can keep the conversation going, but detailed help needs the full model, which "
    "isn't connected right now.",
)


class OfflineBrain:
    name = "offline"

    async def respond(self, request: BrainRequest) -> Turn:
        return self.think(request)

    def think(self, request: BrainRequest) -> Turn:
        """Synchronous core, so the fallback path never waits on anything."""
        screening = request.screening
        if screening.crisis is not None:
            crisis = screening.crisis
            return Turn("", Assessment(crisis.category, crisis.severity, crisis.evidence))
        confirming = request.state.status is Status.CONFIRMING_END
        intent = end_intent(request.text, confirming)
        if intent is not None:
            return Turn("", Assessment(intent))
        category = screening.abuse
        if category.is_abusive:
            options = _REDIRECTS[category]
            reply = options[request.state.redirects % len(options)]
            seen = Assessment(
                category,
                _SEVERITY[category],
                screening.behaviour,
                # Past the warning, a further abusive turn is where a model would choose to leave.
                wants_end=request.end_allowed,
            )
            return Turn(reply, seen)
        return Turn(_answer(request.text, request.state.turn))


def _answer(text: str, turn: int) -> str:
    low = text.lower()
    if any(w in low for w in ("thank", "thanks", "thx", "cheers")):
        return "You're welcome! I'm here if you need anything else."
    if turn == 0 and any(low.startswith(w) for w in ("hi", "hello", "hey", "good morning")):
        return (
            "Hello! I'm Threadkeeper, running in offline mode: without a language model I can't "
            "give detailed answers, but I'm here and reading along."
        )
    return _ANSWERS[turn % len(_ANSWERS)]
