"""What the model hands back each turn, as pydantic models: their JSON schema is the tool's schema.

The same models validate the tool input, so a result that parses is one the policy can trust to
have a category, a severity, a one-line behaviour and a crisis flag that agrees with the category.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.core.domain import Assessment, Category, Severity

SeverityName = Literal["none", "low", "medium", "high"]

MAX_REPLY_CHARS = 4000
MAX_BEHAVIOUR_CHARS = 200


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AssessmentInput(_Input):
    """The model's judgement of the newest message."""

    category: Category = Field(
        description="What the newest message is. Abuse: harmful_request, harassment, hate, "
        "sexual_minors, violent_extremism. Someone may be at risk: self_harm_risk, violence_risk. "
        "The member asks to end: user_requests_end; confirms a pending end: user_confirms_end. "
        "Anything else, and whenever in doubt: ok."
    )
    severity: SeverityName = Field(description="none for ok; otherwise low, medium or high.")
    behaviour: str = Field(
        "",
        max_length=MAX_BEHAVIOUR_CHARS,
        description="For abuse, a short factual noun phrase naming what the member did (the "
        "warning quotes it verbatim), e.g. 'repeated insults aimed at me'; for a risk, what was "
        "said; otherwise empty.",
    )
    crisis: bool = Field(
        description="True exactly when someone may harm themselves or others "
        "(category self_harm_risk or violence_risk)."
    )

    @field_validator("behaviour")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return " ".join(value.split())

    @model_validator(mode="after")
    def _crisis_matches_category(self) -> AssessmentInput:
        if self.crisis != self.category.is_crisis:
            raise ValueError(
                "crisis must be true exactly when category is self_harm_risk or violence_risk "
                f"(got category={self.category.value}, crisis={str(self.crisis).lower()})"
            )
        return self

    def to_domain(self, *, wants_end: bool = False) -> Assessment:
        severity = Severity[self.severity.upper()]
        if severity is Severity.NONE and (self.category.is_abusive or self.category.is_crisis):
            severity = Severity.LOW  # a harmful message or a risk is never "nothing"
        return Assessment(self.category, severity, self.behaviour, wants_end)


class TurnResult(_Input):
    """One turn's structured result: the reply to post and the assessment of the newest message."""

    reply: str = Field(
        max_length=MAX_REPLY_CHARS,
        description="The message to post in the thread, written for the members. May be empty only "
        "for user_requests_end, user_confirms_end and the risk categories, where the bot's own "
        "text is posted instead.",
    )
    assessment: AssessmentInput

    @model_validator(mode="after")
    def _reply_where_posted(self) -> TurnResult:
        category = self.assessment.category
        if not self.reply.strip() and (category is Category.OK or category.is_abusive):
            raise ValueError(f"reply must not be empty for category {category.value}")
        return self


class EndConversation(_Input):
    """A proposal to end the thread, checked in code against the rules before it takes effect."""

    reason: str = Field(
        min_length=1,
        max_length=MAX_BEHAVIOUR_CHARS,
        description="Why ending is necessary now, in one line (the behaviour that continued "
        "after the warning).",
    )


def tool_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema, self-contained (no `$ref`) and without titles, for a tool input."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    inlined: dict[str, Any] = _inline(schema, defs)
    return inlined


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target = defs[node["$ref"].rsplit("/", 1)[-1]]
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return _inline(merged, defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "title"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node
