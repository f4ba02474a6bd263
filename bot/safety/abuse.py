"""Abuse classification: is this message harassment, hate, a harmful request, sexual content involving
minors or violent extremism, and what exactly is the behaviour?

The line it draws follows the bot's rules, not a swear-word filter. Swearing is fine ("that's fucking
awesome"); insults are abuse only when they land on someone: "you are a useless stupid bot" is
harassment, "this bug is stupid" is not, "I'm such an idiot" is not. Words the member reports,
quotes, discusses or writes into fiction are not theirs ("my coworker called me a stupid bitch, how
do I respond?", "why is that word a slur?"). Harmful requests and content sexualising minors are
judged on what is asked for, and fiction does not excuse them.

How it decides. A lexicon (`data/abuse.json`) marks insults, slurs, hostile phrases and sexual terms
as whole normalised words; each hit is then placed: who it targets (the reader, a third party, the
writer, nobody) and whether it is reported, discussed or fictional. Regex rules in the same file catch
constructions a word list cannot: threats, propositions, attacks on groups, requests for weapons,
poison or malware, praise of terrorism, sexual content involving minors. Each surviving signal has a
weight; per category the weights combine as independent evidence (1 - prod(1 - w)), and the most
severe category over the threshold wins.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from bot.core.domain import Category
from bot.safety.normalize import (
    Normalized,
    PatternIndex,
    alternatives,
    anchor_stems,
    compile_pattern,
    expand_macros,
    read_data,
)

THRESHOLD = 0.5
_MAX_HITS = 256  # lexicon hits looked at per message; evidence saturates long before


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_LEXICONS = (
    "insults_strong",
    "insults_targeted",
    "slurs",
    "sexual_terms",
    "hostile_phrases",
    "sexual_phrases",
)
_SEVERITY_ORDER = (
    Category.SEXUAL_MINORS,
    Category.VIOLENT_EXTREMISM,
    Category.HATE,
    Category.HARMFUL_REQUEST,
    Category.HARASSMENT,
)
_SENTENCE_END = frozenset({".", "!", "?", ";"})
_CLAUSE_END = _SENTENCE_END | {",", ":", '"', "but"}
_RIGHT_STOP = _SENTENCE_END | {":", '"'}
_YOU = frozenset({"you", "your", "yourself", "yourselves", "thou", "thee", "yall", "ye"})
_SELF = frozenset({"i", "myself"})
_OBJECT = _words("this that it these those which what dog dogs cat cats horse puppy animal pet mare hen cow")
_NEGATION = frozenset({"not", "never", "nor", "non"})
_COPULA = frozenset({"are", "is", "am", "was", "were"})
_EXCLAMATIONS = frozenset({"shit", "crap", "hell", "damn"})
_MOTHER = frozenset(
    {"mom", "mama", "mother", "momma", "mum", "mommy", "mummy", "family", "creator", "programmer"}
)
_THIRD = _words(
    """he she they him her them his their hers theirs people everyone everybody someone somebody guy guys
    girl girls man men woman women boss friend friends coworker coworkers colleague teacher brother sister
    mom dad mother father stepfather stepmother stepdad stepmom wife husband boyfriend girlfriend ex cousin
    neighbor neighbour roommate kid kids son daughter uncle aunt manager classmate classmates person dude
    president politician politicians user users player players"""
)
_FILLER = _words(
    """a an the so such really very fucking fuckin freaking frigging total totally complete completely
    absolute absolutely utter utterly pure just little big piece of bunch one most being are r is be am
    was were look looks looking sound sounds seem seems act acting like kind sort truly too pretty damn
    bloody goddamn sad still always literally ever biggest greatest real right whole entire as hell
    stinking smelly fat old lazy dumb stupid ugly worthless useless pathetic silly such an dirty filthy
    fake cheap lousy miserable tiny huge retarded moronic brainless and or ass sorry excuse feel feels felt
    feeling hairy smelly stinky kinda kind sorta quite rather somewhat slightly bit honestly probably
    definitely seriously clearly obviously officially ngl tbh def prolly lowkey highkey"""
)
_OUTBURST = _words(
    """you the what oh no off fucking fuck fucked fuckin this that it a so up hell shit damn yourself
    all everything everyone again man dude bro ugh god jesus christ holy well and me"""
)
_FUCK = frozenset({"fuck", "fucking", "fucked", "fuckin", "fucks", "motherfucking"})
_SHORT_GLUE = frozenset({"how", "what", "such", "so", "u", "ur", "yeah", "yes", "oh", "well", "ok", "okay"})
_INTENSIFIERS = frozenset({"fucking", "fuckin", "freaking", "goddamn", "bloody", "damn"})
_DESIRE = re.compile(
    r"(?<![^ ])(?:you|your|i want|i need|i like|i love|i would|let me|let us|can i|do you|are you|would you|"
    r"will you|give me|show me|send me|wanna|with me|i wish|me to|can we|let us|we should)(?![^ ])"
)


@dataclass(frozen=True, slots=True)
class AbuseVerdict:
    """The category a message falls into, how confident the classifier is, and the behaviour in words."""

    category: Category
    score: float
    behaviour: str

    @property
    def abusive(self) -> bool:
        return self.category.is_abusive


OK_VERDICT = AbuseVerdict(Category.OK, 0.0, "")


@dataclass(frozen=True, slots=True)
class _Signal:
    category: Category
    weight: float
    behaviour: str


@dataclass(frozen=True, slots=True)
class _Hit:
    kind: str
    term: str
    weight: float
    start: int  # token index
    end: int  # token index, exclusive


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    category: Category
    weight: float
    behaviour: str
    regex: re.Pattern[str]
    unless: tuple[str, ...]


def _noisy_or(weights: Iterable[float]) -> float:
    miss = 1.0
    for w in weights:
        miss *= 1.0 - w
    return 1.0 - miss


class _Message:
    """Token-level facts about one message, computed once and on demand (all linear in its length)."""

    def __init__(self, norm: Normalized, cues: Mapping[str, re.Pattern[str]]) -> None:
        self.norm = norm
        self.tokens = norm.tokens
        self.text = norm.text
        self._cues = cues
        self._seen: dict[str, bool] = {}
        self._in_sentence: dict[tuple[str, int], bool] = {}
        self._bounds: list[tuple[int, int]] | None = None
        self._sentence_of: list[int] = []
        self._reported: list[bool] | None = None
        self._quoted: list[bool] | None = None
        self._words: list[str] | None = None

    @property
    def words(self) -> list[str]:
        """The tokens that are words, not punctuation."""
        if self._words is None:
            self._words = [t for t in self.tokens if t not in _CLAUSE_END]
        return self._words

    def has(self, cue: str) -> bool:
        hit = self._seen.get(cue)
        if hit is None:
            hit = self._seen[cue] = self._cues[cue].search(self.text) is not None
        return hit

    def sentence(self, i: int) -> tuple[int, int]:
        """Token range of the sentence holding token `i`."""
        if self._bounds is None:
            self._bounds = []
            start = 0
            for k, t in enumerate(self.tokens):
                self._sentence_of.append(len(self._bounds))
                if t in _SENTENCE_END:
                    self._bounds.append((start, k))
                    start = k + 1
            self._bounds.append((start, len(self.tokens)))
        return self._bounds[self._sentence_of[i]] if self._sentence_of else (0, 0)

    def span_text(self, lo: int, hi: int) -> str:
        return " ".join(self.tokens[lo:hi])

    def in_sentence(self, cue: str, i: int) -> bool:
        if not self.has(cue):
            return False
        lo, hi = self.sentence(i)
        key = (cue, lo)
        hit = self._in_sentence.get(key)
        if hit is None:
            hit = self._in_sentence[key] = self._cues[cue].search(self.span_text(lo, hi)) is not None
        return hit

    def reported(self, i: int) -> bool:
        """Whether token `i` is inside words the member reports someone else saying."""
        if self._reported is None:
            self._reported = [False] * len(self.tokens)
            if self.has("report"):
                covered = 0
                for m in self._cues["report"].finditer(self.text):
                    start = max(covered, self.norm.token_at(m.start()))
                    _, hi = self.sentence(start) if start < len(self.tokens) else (0, 0)
                    for k in range(start, hi):
                        self._reported[k] = True
                    covered = max(covered, hi)
        return self._reported[i]

    def quoted(self, i: int) -> bool:
        if self._quoted is None:
            inside, marks = False, []
            for t in self.tokens:
                if t == '"':
                    inside = not inside
                marks.append(inside)
            self._quoted = marks
        return self._quoted[i]


class AbuseClassifier:
    """Classifies normalised messages following a lexicon and rule specification."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._words: dict[str, list[tuple[str, float]]] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], str, float]]] = {}
        for kind in _LEXICONS:
            for term, weight in spec[kind].items():
                self._add(term, kind, float(weight))
        for term in spec["profanity"]:
            self._add(term, "profanity", 0.0)
        for entries in self._phrases.values():
            entries.sort(key=lambda e: -len(e[0]))
        self._lexicon = {
            w: (tuple(self._words.get(w, ())), tuple(self._phrases.get(w, ())))
            for w in self._words.keys() | self._phrases.keys()
        }
        self._bots = frozenset(spec["bot_nouns"])
        self._positive = frozenset(spec["positive"])
        self._slur_exclusions = re.compile(
            r"(?<![^ ])(?:" + "|".join(map(re.escape, spec["slur_exclusions"])) + r")(?![^ ])"
        )
        macros: dict[str, str] = dict(spec["macros"])
        self._cues = {name: compile_pattern(expand_macros(p, macros)) for name, p in spec["cues"].items()}
        self._message_cues = frozenset(spec.get("message_cues", ()))
        rules: list[_Rule] = []
        anchors: list[frozenset[str] | None] = []
        for r in spec["rules"]:
            category, weight, unless = Category(r["category"]), float(r["weight"]), tuple(r.get("unless", ()))
            for branch in alternatives(expand_macros(r["pattern"], macros)):
                rules.append(
                    _Rule(r["id"], category, weight, r["behaviour"], compile_pattern(branch), unless)
                )
                anchors.append(anchor_stems(branch))
        self._rules = tuple(rules)
        self._index = PatternIndex(anchors)

    def _add(self, term: str, kind: str, weight: float) -> None:
        words = tuple(term.split())
        if len(words) == 1:
            self._words.setdefault(words[0], []).append((kind, weight))
        else:
            self._phrases.setdefault(words[0], []).append((words, kind, weight))

    # --- public ----------------------------------------------------------------------------------

    def classify(self, norm: Normalized) -> AbuseVerdict:
        if not norm.tokens:
            return OK_VERDICT
        msg = _Message(norm, self._cues)
        signals = list(self._lexical(msg))
        signals.extend(self._ruled(msg))
        if not signals:
            return OK_VERDICT
        return _decide(signals)

    # --- lexicon ---------------------------------------------------------------------------------

    def _scan(self, tokens: tuple[str, ...]) -> list[_Hit]:
        hits: list[_Hit] = []
        n = len(tokens)
        lexicon = self._lexicon
        for i, tok in enumerate(tokens):
            entry = lexicon.get(tok)
            if entry is None:
                continue
            if len(hits) >= _MAX_HITS:
                break
            singles, phrases = entry
            for kind, weight in singles:
                hits.append(_Hit(kind, tok, weight, i, i + 1))
            for words, kind, weight in phrases:
                k = len(words)
                if i + k <= n and tokens[i : i + k] == words:
                    hits.append(_Hit(kind, " ".join(words), weight, i, i + k))
                    break
        return hits

    def _lexical(self, msg: _Message) -> Iterable[_Signal]:
        hits = self._scan(msg.tokens)
        if not hits:
            return
        fiction = msg.has("fiction")
        short = self._short_insult(msg)
        phrases: list[float] = []
        terms: list[float] = []
        for hit in hits:
            if hit.kind == "profanity":
                continue
            if self._excused(msg, hit, fiction):
                continue
            if hit.kind == "slurs":
                if not self._slur_exclusions.search(msg.span_text(max(0, hit.start - 2), hit.end + 2)):
                    yield _Signal(Category.HATE, hit.weight, "hateful slurs")
            elif hit.kind == "hostile_phrases":
                yield _Signal(Category.HARASSMENT, hit.weight, _hostile_behaviour(hit.term))
            elif hit.kind in ("insults_strong", "insults_targeted"):
                signal = self._insult(msg, hit, short)
                if signal is not None:
                    yield signal
            elif hit.kind == "sexual_phrases":
                if not _exclaimed(msg, hit):
                    phrases.append(hit.weight)
            elif hit.kind == "sexual_terms":
                terms.append(hit.weight)
        if phrases or terms:
            yield from self._sexual(msg, phrases, terms)
        if self._outburst(msg):
            yield _Signal(Category.HARASSMENT, 0.55, "swearing at me")

    def _excused(self, msg: _Message, hit: _Hit, fiction: bool) -> bool:
        """Words that are reported, discussed, quoted for help, or part of fiction are not the member's."""
        if fiction and hit.kind != "sexual_terms":
            return True
        if msg.reported(hit.start):
            return True
        if msg.in_sentence("meta", hit.start):
            return True
        return msg.quoted(hit.start) and (msg.has("help") or msg.has("meta"))

    def _insult(self, msg: _Message, hit: _Hit, short: bool) -> _Signal | None:
        if hit.start > 0 and msg.tokens[hit.start - 1] == "holy":
            return None  # "holy shit you remembered my name" is amazement, not an insult
        strong = hit.kind == "insults_strong"
        target = self._target(msg.tokens, hit.start, hit.end, strong)
        if target == "none" and short and hit.term not in _EXCLAMATIONS:
            target = "you"
        weight = hit.weight
        if hit.start > 0 and msg.tokens[hit.start - 1] in _INTENSIFIERS:
            weight = min(1.0, weight + 0.15)
        if msg.tokens[:2] in (("are", "you"), ("is", "it")) and not strong:
            weight *= 0.8  # a question about the bot is less of an attack than a statement
        if msg.has("banter"):
            weight *= 0.6  # "you idiot, love you man" is teasing, though still worth a mild note
        elif msg.has("laughter"):
            weight *= 0.85
        if target == "you" or (target == "none" and strong):
            return _Signal(Category.HARASSMENT, weight, "insults aimed at me")
        if target == "third" and not msg.has("help"):
            return _Signal(
                Category.HARASSMENT, weight * (0.5 if strong else 0.35), "insults aimed at other people"
            )
        return None

    def _target(self, tokens: tuple[str, ...], start: int, end: int, strong: bool) -> str:
        """Who an insult lands on: 'you' (the bot or reader), 'self', 'third', 'object', 'negated' or
        'none'. "your stupid answer" criticises an answer; "your a bitch" misspells "you're"."""
        for k in range(start - 1, max(-1, start - 7), -1):
            t = tokens[k]
            if t in _NEGATION or (t == "no" and k > 0 and tokens[k - 1] in _COPULA):
                return "negated"
            if t in _CLAUSE_END:
                break
            if t in _YOU or t in self._bots:
                followed = (
                    end < len(tokens) and tokens[end] not in _CLAUSE_END and tokens[end] not in self._bots
                )
                if t == "your" and followed and not strong:
                    return "object"
                return "you"
            if t in _MOTHER and k > 0 and tokens[k - 1] == "your":
                return "you"
            if t in _SELF:
                return "self"
            if t in _THIRD:
                return "third"
            if t in _OBJECT:
                # "this stupid bot" lands on the bot; "this stupid bug" does not
                return "you" if end < len(tokens) and tokens[end] in self._bots else "object"
            if t not in _FILLER and t not in self._words:
                break
        for k in range(end, min(len(tokens), end + 4)):
            t = tokens[k]
            if t in _RIGHT_STOP:
                break
            if t in _YOU or t in self._bots:
                return "you"
            if t == "i" and k + 1 < len(tokens) and tokens[k + 1] in ("am", "was"):
                return "self"
            if t not in _FILLER and t not in self._words and t != ",":
                break
        return "none"

    def _short_insult(self, msg: _Message) -> bool:
        """A reply made only of insults ("pig", "pretty shitty") is aimed at whoever it answers."""
        words = msg.words
        if not words or len(words) > 4:
            return False
        insults = [w for w in words if any(k.startswith("insults") for k, _ in self._words.get(w, ()))]
        return bool(insults) and all(
            w in _FILLER or w in self._bots or w in _YOU or w in self._words or w in _SHORT_GLUE
            for w in words
        )

    def _outburst(self, msg: _Message) -> bool:
        """A bare expletive thrown at the bot ("fuck", "what the fuck"), not swearing inside a sentence."""
        words = msg.words
        if not words or len(words) > 4 or not any(w in _FUCK for w in words):
            return False
        if any(w in self._positive for w in words):
            return False
        return all(w in _OUTBURST or w in self._bots for w in words)

    def _sexual(self, msg: _Message, phrases: list[float], terms: list[float]) -> Iterable[_Signal]:
        """Phrases are aimed by construction; loose sexual words count when aimed or asked for."""
        score = _noisy_or(sorted(terms, reverse=True)[:3]) if terms else 0.0
        if score and _DESIRE.search(msg.text):
            score = min(1.0, score + 0.35)
        elif score and len(msg.words) <= 3:
            score = min(1.0, score + 0.15)
        score = _noisy_or([score, *phrases])
        if msg.has("education"):
            score *= 0.4
        yield _Signal(Category.HARASSMENT, score, "sexual remarks aimed at me")

    # --- rules -----------------------------------------------------------------------------------

    def _ruled(self, msg: _Message) -> Iterable[_Signal]:
        fired: set[str] = set()
        for index in self._index.candidates(msg.tokens):
            rule = self._rules[index]
            if rule.id in fired:
                continue
            m = rule.regex.search(msg.text)
            if m is None:
                continue
            if rule.category in (Category.HARASSMENT, Category.HATE) and msg.has("fiction"):
                continue
            if any(self._cancelled(msg, cue, m) for cue in rule.unless):
                continue
            if rule.category in (Category.HARASSMENT, Category.HATE):
                at = msg.norm.token_at(m.start())
                if msg.reported(at) or msg.in_sentence("meta", at):
                    continue
            fired.add(rule.id)
            yield _Signal(rule.category, rule.weight, rule.behaviour)

    def _cancelled(self, msg: _Message, cue: str, m: re.Match[str]) -> bool:
        if cue in self._message_cues:
            return msg.has(cue)
        return msg.in_sentence(cue, msg.norm.token_at(m.start()))


def _exclaimed(msg: _Message, hit: _Hit) -> bool:
    """A phrase that opens its sentence and is cut off by a comma is an exclamation: "fuck me,
    that's a lot of snow" says nothing about the reader."""
    lo, _ = msg.sentence(hit.start)
    return hit.start == lo and hit.end < len(msg.tokens) - 1 and msg.tokens[hit.end] == ","


def _hostile_behaviour(term: str) -> str:
    if term.startswith(("piece of", "waste of", "son of", "full of", "low life")):
        return "insults aimed at me"
    if "kill yourself" in term:
        return "telling me to kill myself"
    if term.startswith(("die", "go die", "drop dead", "rot", "burn")):
        return "wishing me harm"
    return "hostile language aimed at me"


def _decide(signals: list[_Signal]) -> AbuseVerdict:
    by_category: dict[Category, list[_Signal]] = {}
    for s in signals:
        if s.weight > 0:
            by_category.setdefault(s.category, []).append(s)
    scores = {c: _noisy_or(s.weight for s in group) for c, group in by_category.items()}
    for category in _SEVERITY_ORDER:
        score = scores.get(category, 0.0)
        if score >= THRESHOLD:
            strongest = max(by_category[category], key=lambda s: s.weight)
            if category is Category.SEXUAL_MINORS:
                score = 1.0
            return AbuseVerdict(category, round(score, 3), strongest.behaviour)
    return AbuseVerdict(Category.OK, round(max(scores.values(), default=0.0), 3), "")


@cache
def default_classifier() -> AbuseClassifier:
    return AbuseClassifier(json.loads(read_data("abuse.json")))


def classify_abuse(norm: Normalized) -> AbuseVerdict:
    """The abuse verdict for a normalised message, with the shared lexicon and rules."""
    return default_classifier().classify(norm)
