"""The Claude brain: one structured result per turn, through the official SDK, with a tool-gated ending.

Per turn: build the request (cached system prompt and tools, the budgeted history, the newest message
and a note on the thread's state) -> ask the model, which must call `respond` -> validate its input
with the pydantic model -> if it also called `end_conversation`, check the ending against the policy
in code: grant it, or send the refusal back as the tool result and let the model carry on. A
malformed result is sent back once with the validation error; a second one gives a safe default.

Transport failures are the SDK's business first (`max_retries`, `timeout`, `retry-after`); what is
left after its retries counts towards the circuit breaker and becomes `ModelUnavailable`, which the
engine answers with the offline brain and a notice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anthropic
from anthropic.types import (
    ContentBlockParam,
    Message,
    MessageParam,
    TextBlockParam,
    ToolParam,
    ToolResultBlockParam,
    ToolUseBlock,
)
from anthropic.types import (
    Usage as ApiUsage,
)
from pydantic import ValidationError

from bot.brains.anthropic import prompt
from bot.brains.anthropic.breaker import CircuitBreaker
from bot.brains.anthropic.history import select
from bot.brains.anthropic.schema import EndConversation, TurnResult
from bot.brains.anthropic.tools import END, RESPOND, TOOL_CHOICE, may_end, tools
from bot.brains.offline import OfflineBrain
from bot.core import policy
from bot.core.config import BrainConfig
from bot.core.domain import Assessment, Turn, Usage
from bot.core.errors import ModelUnavailable
from bot.core.ports import BrainRequest

log = logging.getLogger("threadkeeper.brain.anthropic")

MAX_CALLS = 4  # per turn: the first answer, one malformed retry, and room for refused endings
_RETRYABLE_STATUS = frozenset({408, 409, 429})
_ERRORS_SHOWN = 5


@dataclass
class _Spent:
    """Token usage summed over the calls of one turn."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0

    def add(self, usage: ApiUsage) -> None:
        self.input += usage.input_tokens
        self.output += usage.output_tokens
        self.cache_read += usage.cache_read_input_tokens or 0
        self.cache_write += usage.cache_creation_input_tokens or 0

    def usage(self) -> Usage:
        return Usage(self.input, self.output, self.cache_read, self.cache_write)


@dataclass
class _Answer:
    """What one model message amounts to."""

    result: TurnResult | None = None
    end: EndConversation | None = None
    end_called: bool = False
    problems: dict[str, str] = field(default_factory=dict)  # tool_use id -> what was wrong


class AnthropicBrain:
    name = "anthropic"

    def __init__(
        self,
        client: anthropic.AsyncAnthropic,
        config: BrainConfig,
        *,
        clock: Callable[[], float] = time.time,
        breaker: CircuitBreaker | None = None,
        system_prompt: str | None = None,
    ) -> None:
        self.client = client
        self.config = config
        self.clock = clock  # the engine's clock: the ending is checked at the engine's "now"
        self.breaker = breaker or CircuitBreaker(config.breaker_failures, config.breaker_cooldown_seconds)
        self.system_prompt = system_prompt or prompt.load_system_prompt()
        self._offline = OfflineBrain()

    async def aclose(self) -> None:
        """Close the SDK client's connections."""
        await self.client.close()

    async def respond(self, request: BrainRequest) -> Turn:
        if not self.breaker.allow():
            raise ModelUnavailable(
                f"the model is not being asked for {self.breaker.retry_in():.0f}s after repeated failures"
            )
        try:
            turn = await self._converse(request)
        except anthropic.APIStatusError as exc:
            if exc.status_code in _RETRYABLE_STATUS or exc.status_code >= 500:
                self.breaker.failed()
            else:
                self.breaker.succeeded()  # the service answered; the request itself was refused
            log.warning(
                "model_error",
                extra={
                    "conversation": request.key.tag,
                    "status": exc.status_code,
                    "error": type(exc).__name__,
                },
            )
            raise ModelUnavailable(f"the model API answered {exc.status_code}") from exc
        except anthropic.APIConnectionError as exc:  # includes APITimeoutError
            self.breaker.failed()
            log.warning(
                "model_unreachable", extra={"conversation": request.key.tag, "error": type(exc).__name__}
            )
            raise ModelUnavailable(
                "the model API did not answer in time"
                if isinstance(exc, anthropic.APITimeoutError)
                else "the model API cannot be reached"
            ) from exc
        except asyncio.CancelledError:
            self.breaker.failed()  # the turn's deadline passed while the model was still busy
            raise
        except anthropic.AnthropicError as exc:
            self.breaker.failed()
            raise ModelUnavailable(f"the model API failed: {type(exc).__name__}") from exc
        self.breaker.succeeded()
        return turn

    # --- one turn ----------------------------------------------------------------------------------

    async def _converse(self, request: BrainRequest) -> Turn:
        cfg = self.config
        model = request.config.model
        model_may_end = may_end(model, cfg.ending_models)
        # The engine puts the safety net's crisis signal over any assessment: no ending then.
        offer_end = request.end_allowed and model_may_end and request.screening.crisis is None
        now = self.clock()
        window = select(
            request.history, request.state, budget=cfg.history_tokens, step=cfg.history_step_turns
        )
        note = prompt.turn_context(request, now=now, offer_end=offer_end, model_may_end=model_may_end)
        sent = prompt.messages(window, prompt.newest_blocks(request, note, cfg.cache_ttl), cfg.cache_ttl)
        system = prompt.system_blocks(self.system_prompt, request.config.preamble, cfg.cache_ttl)
        offered = tools(offer_end=offer_end, ttl=cfg.cache_ttl)
        spent = _Spent()
        retried_malformed = False
        for _call in range(MAX_CALLS):
            message = await self._create(model, system, offered, sent)
            spent.add(message.usage)
            answer = _read(message)
            if answer.result is None:
                if retried_malformed:
                    return self._safe_default(request, spent, answer)
                retried_malformed = True
                log.info("malformed_result_retry", extra=_fields(request, answer))
                sent = [*sent, *_feedback(message, answer.problems, _ASK_AGAIN)]
                continue
            if not answer.end_called:
                return Turn(answer.result.reply, answer.result.assessment.to_domain(), spent.usage())
            refusal = self._end_refusal(request, answer, offer_end, model_may_end, now)
            if refusal is None:
                log.info("end_granted", extra={"conversation": request.key.tag, "model": model})
                seen = answer.result.assessment.to_domain(wants_end=True)
                return Turn(answer.result.reply, seen, spent.usage())
            log.info("end_refused_in_brain", extra={"conversation": request.key.tag, "reason": refusal})
            sent = [*sent, *_feedback(message, _refused(message, refusal), _REPLY_AGAIN)]
        return self._safe_default(request, spent, _Answer(problems={"": "no usable result"}))

    async def _create(
        self,
        model: str,
        system: list[TextBlockParam],
        offered: list[ToolParam],
        sent: list[MessageParam],
    ) -> Message:
        return await self.client.messages.create(
            model=model,
            max_tokens=self.config.max_tokens,
            system=system,
            tools=offered,
            tool_choice=TOOL_CHOICE,
            messages=sent,
        )

    def _end_refusal(
        self, request: BrainRequest, answer: _Answer, offered: bool, model_may_end: bool, now: float
    ) -> str | None:
        """None when the policy would end the thread on this turn; otherwise the policy's reason."""
        assert answer.result is not None
        if answer.end is None:
            return answer.problems.get(END, "end_conversation must be called with a reason")
        if not model_may_end:
            return "this model is not permitted to end conversations here"
        seen = answer.result.assessment.to_domain(wants_end=True)
        crisis = request.screening.crisis
        if crisis is not None and not seen.is_crisis:  # as the engine will see it
            seen = Assessment(crisis.category, crisis.severity, crisis.evidence, wants_end=True)
        decision = policy.decide(
            request.state, Turn(answer.result.reply, seen), request.author, request.config, now
        )
        if not offered:  # called without being offered: refused whatever the message was
            return decision.refusal or "ending is not available on this turn"
        if decision.ended:
            return None
        return decision.refusal or "the rules do not allow ending on this turn"

    def _safe_default(self, request: BrainRequest, spent: _Spent, answer: _Answer) -> Turn:
        """Continue, never end: the offline brain's judgement, marked degraded so members are told."""
        log.warning("malformed_result_fallback", extra=_fields(request, answer))
        offline = self._offline.think(request)
        seen = offline.assessment
        calm = Assessment(seen.category, seen.severity, seen.behaviour, wants_end=False)
        return Turn(offline.reply, calm, spent.usage(), degraded=True)


# --- reading the model's message -----------------------------------------------------------------

_ASK_AGAIN = "Call respond again, once, with a valid reply and assessment."
_REPLY_AGAIN = (
    "The thread stays open. Call respond again with the reply to post now (your earlier reply was "
    "not posted) and your assessment of the newest message."
)


def _read(message: Message) -> _Answer:
    answer = _Answer()
    for block in message.content:
        if not isinstance(block, ToolUseBlock):
            continue
        if block.name == RESPOND and answer.result is None:
            try:
                answer.result = TurnResult.model_validate(block.input)
            except ValidationError as exc:
                answer.problems[block.id] = _describe(exc)
        elif block.name == END and not answer.end_called:
            answer.end_called = True
            try:
                answer.end = EndConversation.model_validate(block.input)
            except ValidationError as exc:
                answer.problems[END] = "end_conversation input is invalid: " + _describe(exc)
        else:
            answer.problems[block.id] = f"{block.name} was not expected here"
    if answer.result is None:
        if answer.end_called:
            answer.problems[END] = "nothing was ended: end_conversation needs a valid respond call beside it"
        if not any(k for k in answer.problems if k != END):
            answer.problems[""] = "respond was not called"
    if message.stop_reason == "max_tokens":
        answer.problems.setdefault("", "the answer was cut off at max_tokens; keep the reply shorter")
    return answer


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:_ERRORS_SHOWN]:
        where = ".".join(str(p) for p in err["loc"]) or "input"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def _refused(message: Message, refusal: str) -> dict[str, str]:
    """Tool results for a refused ending: the refusal on the ending call, a note on the rest."""
    results: dict[str, str] = {}
    for block in message.content:
        if isinstance(block, ToolUseBlock) and block.name == END:
            results[block.id] = f"Refused: {refusal}."
    return results


def _feedback(message: Message, problems: dict[str, str], instruction: str) -> list[MessageParam]:
    """The model's message as sent, then a tool result for each of its tool calls, then what to do."""
    said: list[ContentBlockParam] = []
    answers: list[ToolResultBlockParam | TextBlockParam] = []
    for block in message.content:
        if block.type == "text" and block.text:
            said.append({"type": "text", "text": block.text})
        elif isinstance(block, ToolUseBlock):
            said.append(
                {"type": "tool_use", "id": block.id, "name": block.name, "input": _as_dict(block.input)}
            )
            problem = problems.get(block.id)
            if problem is None and block.name == END:
                problem = problems.get(END)
            text = problem or "Not posted."
            answers.append(
                {
                    "type": "tool_result",
                    "tool_use_id": block.id,
                    "content": text,
                    "is_error": problem is not None,
                }
            )
    general = problems.get("")
    answers.append({"type": "text", "text": f"{general}. {instruction}" if general else instruction})
    if not said:
        said.append({"type": "text", "text": "(no answer)"})
    return [{"role": "assistant", "content": said}, {"role": "user", "content": answers}]


def _as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {"value": value}


def _fields(request: BrainRequest, answer: _Answer) -> dict[str, object]:
    return {
        "conversation": request.key.tag,
        "problems": "; ".join(f"{k or 'message'}: {v}" for k, v in answer.problems.items())[:500],
    }
