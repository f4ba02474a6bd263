"""Crisis detection: does this message suggest someone may harm themselves or others?

A missed crisis costs far more than a moderator's glance, so the detector leans towards escalating.
It is still precise enough to stay quiet on the things people say all day without being at risk:
idioms ("this homework is killing me"), technical talk ("kill the process"), games, fiction, news,
and a past the writer has recovered from.

How it decides. Phrase patterns per language (`data/crisis.json`) find statements of intent, wishes to
die, preparations, methods and threats against people. Each hit starts at the severity its pattern
declares and is then judged in context:
- imminence (a time, means at hand, a note, a goodbye, a decision) raises ideation or threat to HIGH;
- a past the writer places at a distance, or recovery, cancels a *past* statement, never a present one;
- hyperbole markers ("lol", "this meeting") lower ideation to LOW and drop weak idioms, unless the
  message also carries distress;
- fiction lowers everything by two levels; games and process management cancel threats;
- words reported from someone else ("my friend says she wants to die") become a LOW signal about a
  third party: someone may be at risk, so a moderator may want to know, but it is not the writer.
Two independent signals in one message raise the result one level: two weak ones make a MEDIUM,
two of MEDIUM or more a HIGH.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from bot.core.domain import Category, CrisisSignal, Severity
from bot.safety.normalize import (
    MAX_WORD,
    Normalized,
    PatternIndex,
    alternatives,
    anchor_stems,
    compile_pattern,
    expand_macros,
    match_reach,
    read_data,
)

_LEVELS = {"low": Severity.LOW, "medium": Severity.MEDIUM, "high": Severity.HIGH}
_SELF_KINDS = frozenset({"self", "soft", "act", "history", "third"})
_KIND_RANK = {"act": 5, "self": 4, "violence": 4, "history": 3, "soft": 2, "third": 1}
_WINDOW = 160  # characters around a hit in which imminence and time markers count
# "not" negates, but "can not stop thinking about", "no paro de pensar en" insist
_NEGATED = re.compile(
    r"(?<![^ ])(?:not|never|no|nor)(?= )(?! (?:stop|quit|paro|dejo|puedo (?:parar|dejar)) )"
)
_MENTION_REACH = 24  # characters either side of a quote in which "joke", "meme", "rule" name it
_MAX_HITS = 16  # per rule; one is enough to escalate, and these caps keep huge messages linear
_MAX_FINDINGS = 96
_CLAUSE_BREAK = re.compile(r"(?:^|(?<= ))(?:[.!?;,\"]|but|however|although|though|yet)(?= |$)")
_SENTENCE_BREAK = re.compile(r"(?:^|(?<= ))[.!?;](?= |$)")
_TECH_REACH = 16  # characters after a threat in which a technical object makes it technical
_PRONOUN_TARGET = re.compile(r"(?:him|her|them|it|everyone|everybody|them all|all of them)$")


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    kind: str
    severity: Severity
    regex: re.Pattern[str]
    unless: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Finding:
    kind: str
    severity: Severity
    start: int
    end: int
    rule: str

    @property
    def category(self) -> Category:
        return Category.SELF_HARM_RISK if self.kind in _SELF_KINDS else Category.VIOLENCE_RISK

    def inside(self, other: _Finding) -> bool:
        return other.start <= self.start and self.end <= other.end

    def overlaps(self, other: _Finding) -> bool:
        return self.start < other.end and other.start < self.end


class _Context:
    """Lazily computed facts about one message, shared by all hits in it."""

    def __init__(self, text: str, cues: Mapping[str, re.Pattern[str]]) -> None:
        self.text = text
        self._cues = cues
        self._message: dict[str, bool] = {}
        self._clauses: list[int] | None = None
        self._sentences: list[int] | None = None

    def has(self, cue: str) -> bool:
        hit = self._message.get(cue)
        if hit is None:
            hit = self._message[cue] = self._cues[cue].search(self.text) is not None
        return hit

    def near(self, cue: str, start: int, end: int) -> re.Match[str] | None:
        if not self.has(cue):
            return None
        lo, hi = max(0, start - _WINDOW), min(len(self.text), end + _WINDOW)
        return self._cues[cue].search(self.text, lo, hi)

    def within(self, cue: str, lo: int, hi: int) -> bool:
        return self.has(cue) and self._cues[cue].search(self.text, lo, hi) is not None

    def extend(self, cue: str, start: int, end: int) -> tuple[int, int]:
        """Grow a hit's span over the cues in its sentence, so evidence shows what made it urgent."""
        s_lo, s_hi = self.sentence(start, end)
        for m in self._cues[cue].finditer(self.text, s_lo, s_hi):
            start, end = min(start, m.start()), max(end, m.end())
        return start, end

    def mentioned(self, start: int, end: int) -> bool:
        """Words in quotes named as a joke, meme, phrase or rule ("kms" jokes, bromas de "me quiero
        morir"): the member talks about the words, unless they say they mean them."""
        text = self.text
        if text.count('"', 0, start) % 2 == 0 or not self.has("mention") or self.has("serious"):
            return False
        opening = text.rfind('"', 0, start)
        closing = text.find('"', end)
        if closing < 0:
            closing = end  # a quote mark glued to a word ("um"-Memes) may not survive normalising
        return self.within("mention", max(0, opening - _MENTION_REACH), opening) or self.within(
            "mention", closing + 1, min(len(text), closing + 1 + _MENTION_REACH)
        )

    def clause(self, start: int, end: int) -> tuple[int, int]:
        if self._clauses is None:
            self._clauses = [m.start() for m in _CLAUSE_BREAK.finditer(self.text)]
        return _bounds(self._clauses, start, end, len(self.text))

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        if self._sentences is None:
            self._sentences = [m.start() for m in _SENTENCE_BREAK.finditer(self.text)]
        return _bounds(self._sentences, start, end, len(self.text))


def _windows(norm: Normalized, anchors: Sequence[int], reach: int) -> list[tuple[int, int]]:
    """The stretches of text a pattern's matches can lie in: within `reach` of a token it needs.
    A long post is searched only around its few telling words, not end to end for every pattern."""
    text, tokens, starts = norm.text, norm.tokens, norm.starts
    out: list[tuple[int, int]] = []
    for a in anchors:
        lo = max(0, starts[a] - reach)
        hi = min(len(text), starts[a] + len(tokens[a]) + reach)
        space = text.find(" ", hi)  # end on a word boundary, so no pattern sees half a word
        hi = len(text) if space < 0 else space
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _matches(
    regex: re.Pattern[str], text: str, windows: Sequence[tuple[int, int]]
) -> Iterator[re.Match[str]]:
    """Matches within the windows, in order; lookbehinds still see the text before a window.
    Most candidate patterns match nowhere, so one `search` per window settles them."""
    for lo, hi in windows:
        m = regex.search(text, lo, hi)
        if m is not None:
            yield m
            yield from regex.finditer(text, m.end() if m.end() > m.start() else m.end() + 1, hi)


def _bounds(breaks: list[int], start: int, end: int, n: int) -> tuple[int, int]:
    i = bisect_left(breaks, start)
    j = bisect_left(breaks, end)
    return (breaks[i - 1] if i else 0), (breaks[j] if j < len(breaks) else n)


def _shift(level: Severity, by: int) -> Severity:
    return Severity(max(0, min(int(Severity.HIGH), int(level) + by)))


class CrisisDetector:
    """Finds crisis signals in normalised text, following a pattern specification."""

    def __init__(self, spec: Mapping[str, Any], *, windowed: bool = True) -> None:
        """`windowed=False` searches every candidate pattern over the whole text: the same findings,
        slower on long posts (kept to check that the windows lose nothing)."""
        macros: dict[str, str] = dict(spec["macros"])
        self._cues = {name: compile_pattern(expand_macros(p, macros)) for name, p in spec["cues"].items()}
        rules: list[_Rule] = []
        anchors: list[frozenset[str] | None] = []
        for r in spec["patterns"]:
            unless = tuple(r.get("unless", ()))
            for branch in alternatives(expand_macros(r["pattern"], macros)):
                rules.append(
                    _Rule(r["id"], r["kind"], _LEVELS[r["severity"]], compile_pattern(branch), unless)
                )
                anchors.append(anchor_stems(branch))
        self._rules = tuple(rules)
        self._index = PatternIndex(anchors)
        self._reach = tuple(match_reach(rule.regex) if windowed else None for rule in rules)

    def detect(self, norm: Normalized) -> CrisisSignal | None:
        text = norm.text
        ctx = _Context(text, self._cues)
        findings: list[_Finding] = []
        long_words = max(map(len, norm.tokens), default=0) > MAX_WORD
        for index, anchors in self._index.anchored(norm.tokens).items():
            if len(findings) >= _MAX_FINDINGS:
                break
            rule = self._rules[index]
            reach = self._reach[index]
            if reach is None or not anchors or long_words:
                windows = [(0, len(text))]
            else:
                windows = _windows(norm, anchors, reach)
            for n, m in enumerate(_matches(rule.regex, text, windows)):
                if n == _MAX_HITS:
                    break
                # cancelling cues are searched only once the rule has matched: most rules never do
                if n == 0 and any(ctx.has(cue) for cue in rule.unless):
                    break
                found = self._judge(rule, m, ctx)
                if found is not None:
                    findings.append(found)
        best = _resolve(findings)
        if best is None:
            return None
        return CrisisSignal(best.category, best.severity, norm.quote(best.start, best.end))

    def explains_away(self, norm: Normalized, category: Category) -> bool:
        """Whether the message's context accounts for crisis-like words that no pattern placed:
        fiction or media, a game or a process (for threats), a past the writer has left, or
        hyperbole without distress. Used to check the learned model, which sees words, not context."""
        ctx = _Context(norm.text, self._cues)
        if ctx.has("fiction") or (ctx.has("media") and not ctx.has("self_report")):
            return True
        if category is Category.VIOLENCE_RISK and (ctx.has("game") or ctx.has("tech")):
            return True
        if ctx.has("hyperbole") and not ctx.has("distress"):
            return True
        return ctx.has("distant") and not (ctx.has("present") or ctx.has("recent") or ctx.has("imminent"))

    def _judge(self, rule: _Rule, m: re.Match[str], ctx: _Context) -> _Finding | None:
        """The severity of one hit in its context, or None when the context explains it away."""
        start, end = m.start(), m.end()
        kind, level = rule.kind, rule.severity
        if kind in ("self", "soft", "violence"):
            if ctx.mentioned(start, end):
                return None
            s_lo, _ = ctx.sentence(start, end)
            if ctx.within("reported", s_lo, start) and not ctx.within("self_report", s_lo, start):
                if ctx.within("media", s_lo, end):
                    return _Finding(kind, Severity.NONE, start, end, rule.id)
                kind, level = "third", Severity.LOW
        if kind in ("self", "soft"):
            c_lo, c_hi = ctx.clause(start, end)
            if _NEGATED.search(ctx.text, max(c_lo, start - 24), start):
                return None
            if ctx.within("distant", c_lo, c_hi) and not ctx.within("present", c_lo, c_hi):
                return _Finding("history", Severity.NONE, start, end, rule.id)
        if kind == "violence":
            if ctx.has("game"):
                return None
            if ctx.has("tech"):
                # "kill them all" among processes, "matar el proceso", "tuer le processus"
                _, c_hi = ctx.clause(start, end)
                technical = ctx.within("tech", start, min(c_hi, end + _TECH_REACH))
                if technical or _PRONOUN_TARGET.search(m.group()):
                    return None
        if kind == "history":
            c_lo, c_hi = ctx.clause(start, end)
            if ctx.within("distant", c_lo, c_hi):
                level = Severity.NONE
            elif ctx.near("recent", start, end):
                level = _shift(level, 1)
            elif ctx.near("distant", start, end):
                level = Severity.NONE
        elif kind == "act" and ctx.near("distant", start, end):
            level = Severity.NONE
        if ctx.near("imminent", start, end) is not None:
            if kind in ("self", "violence") and level >= Severity.MEDIUM:
                level = Severity.HIGH
                start, end = ctx.extend("imminent", start, end)
            elif kind == "third":
                level = Severity.MEDIUM
        elif ctx.has("hyperbole") and not ctx.has("distress"):
            if kind == "soft":
                level = Severity.NONE
            elif kind in ("self", "violence", "third") and level == Severity.MEDIUM:
                level = Severity.LOW
        if ctx.has("fiction"):
            level = _shift(level, -2)
        return _Finding(kind, level, start, end, rule.id)


def _resolve(findings: list[_Finding]) -> _Finding | None:
    """The finding to report: past and reported statements claim the words they contain, overlapping
    hits count once, and two independent signals raise the strongest one level."""
    claims = [f for f in findings if f.kind in ("history", "act", "third")]
    kept = [f for f in findings if not any(f is not c and f.inside(c) and f.kind != c.kind for c in claims)]
    kept.sort(key=lambda f: (-int(f.severity), -_KIND_RANK[f.kind], f.start))
    distinct: list[_Finding] = []
    for f in kept:
        if not any(f.overlaps(d) for d in distinct):
            distinct.append(f)
    live = [f for f in distinct if f.severity > Severity.NONE]
    if not live:
        return None
    best = live[0]
    same = [f for f in live if f.category is best.category and f.kind != "third"]
    if best.kind != "third" and best.severity < Severity.HIGH:
        strong = sum(1 for f in same if f.severity >= Severity.MEDIUM)
        if strong >= 2 or (len(same) >= 2 and best.severity == Severity.LOW):
            return _Finding(best.kind, _shift(best.severity, 1), best.start, best.end, best.rule)
    return best


@cache
def default_detector() -> CrisisDetector:
    return CrisisDetector(json.loads(read_data("crisis.json")))


def detect_crisis(norm: Normalized) -> CrisisSignal | None:
    """The crisis signal in a normalised message, if any, with the shared pattern set."""
    return default_detector().detect(norm)
