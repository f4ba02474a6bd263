"""One canonical token stream per message, so that disguise does not change what the detectors see.

People who want to slip past a filter write `f.u.c.k`, `1d10t`, `ѕtupid` (Cyrillic s), `i d i o t`,
`fuuuuck` or `f*ck`; people in distress write `im gonna` and `won't`. Matching on raw text would miss
all of that, so every message is folded once into lowercase, accent-free, de-obfuscated words with
contractions spelled out. Each token keeps the span of the member's own text it came from, so that
evidence shown to moderators quotes what was written, not our rewrite of it.

Everything here is linear in the length of the message: per-chunk work is bounded, regexes have no
nested quantifiers, and a per-instance cache makes repeated words nearly free.
"""

from __future__ import annotations

import json
import re
import unicodedata
import warnings
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import accumulate
from typing import Any

_UNBOUNDED = 10_000  # a pattern reaching further than this is searched over the whole text
_INVISIBLE = "\x00"  # placeholder for zero-width and combining characters, removed inside words

_HOMOGLYPHS = {
    # Cyrillic and Greek letters that look Latin, as they are after lowercasing.
    "а": "a", "в": "b", "е": "e", "ё": "e", "г": "r", "з": "3", "и": "u", "к": "k", "м": "m",
    "н": "h", "о": "o", "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ь": "b",
    "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ӏ": "l", "ԛ": "q", "ԝ": "w", "һ": "h",
    "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "ζ": "z", "η": "n", "ι": "i", "κ": "k",
    "ν": "v", "ο": "o", "ρ": "p", "σ": "o", "ς": "s", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    "μ": "u", "ı": "i", "ℓ": "l", "ø": "o", "đ": "d", "ł": "l", "ħ": "h", "ŧ": "t", "ɡ": "g",
    # Small capitals, used as a "font".
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s",
    "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
    # Typographic quotes and dashes.
    "’": "'", "‘": "'", "ʼ": "'", "´": "'", "`": "'", "“": '"', "”": '"', "„": '"', "«": '"',
    "»": '"', "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-",
}  # fmt: skip

_EMOJI_WORDS = {
    "😂": "lol", "🤣": "lol", "😆": "lol", "😹": "lol", "💀": "lol", "😅": "lol",
    "🔫": "gun", "🔪": "knife", "💊": "pills", "🪢": "rope", "🖕": "fuck you",
    "❤": "love", "🥰": "love", "😍": "love", "😘": "love",
}  # fmt: skip

_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l"}

# Contractions and chat spellings, spelled out so patterns need one form only.
_EXPANSIONS = {
    "u": "you", "r": "are", "ur": "your", "youre": "you are",
    "im": "i am", "ive": "i have", "dont": "do not", "doesnt": "does not",
    "didnt": "did not", "cant": "can not", "cannot": "can not", "wont": "will not",
    "isnt": "is not", "arent": "are not", "wasnt": "was not", "werent": "were not",
    "shouldnt": "should not", "wouldnt": "would not", "couldnt": "could not", "havent": "have not",
    "hasnt": "has not", "aint": "am not", "thats": "that is", "whats": "what is", "theres": "there is",
    "gonna": "going to", "wanna": "want to", "gotta": "got to", "imma": "i am going to",
    "ima": "i am going to", "kys": "kill yourself", "kms": "kill myself", "stfu": "shut the fuck up",
    "gtfo": "get the fuck out", "fk": "fuck", "fck": "fuck", "fuk": "fuck", "fuq": "fuck",
    "fking": "fucking", "fkn": "fucking", "fcking": "fucking", "fuking": "fucking",
    "yuo": "you", "yu": "you", "yoiu": "you", "phuck": "fuck", "phuk": "fuck", "fuc": "fuck",
    "fucc": "fuck", "azz": "ass", "shutup": "shut up", "urself": "yourself", "yourslef": "yourself",
    "gfy": "go fuck yourself", "foad": "fuck off and die", "smd": "suck my dick", "niqqa": "nigga",
    "niqqer": "nigger", "yoyr": "your", "yor": "your", "hows": "how is", "whos": "who is",
    "pls": "please", "plz": "please", "sry": "sorry", "thx": "thanks", "ty": "thank you",
    "cuz": "because", "coz": "because", "bc": "because", "becuase": "because", "tho": "though",
    "abt": "about", "rn": "right now", "tmrw": "tomorrow", "tmr": "tomorrow", "2nite": "tonight",
    "tonite": "tonight",
    "2moro": "tomorrow", "2day": "today", "nite": "night", "ppl": "people", "sum1": "someone",
    "some1": "someone", "no1": "no one", "noone": "no one", "every1": "everyone", "any1": "anyone",
}  # fmt: skip

_SUFFIXES = {"m": "am", "re": "are", "ve": "have", "ll": "will", "d": "would"}
_IS_STEMS = frozenset({"it", "that", "what", "there", "here", "he", "she", "who", "where", "how", "this"})
_NOT_STEMS = {"won": "will", "can": "can", "ain": "am", "shan": "shall"}
_PAST_STEMS = {"od": "overdosed"}  # "i od'd": a past tense, not "would"

_SENTENCE_PUNCT = frozenset('.!?,;:"')
_CHUNK = re.compile(r"\S+")
_RUN3 = re.compile(r"([^\W\d_])\1\1+")  # letters only: "5551234" is a number, not a stretched word
_RUN2 = re.compile(r"([^\W\d_])\1+")
_SEPARATORS = re.compile(r"(?:[^\w']|_)+")
_UNIT = re.compile(r"(\d+)(st|nd|rd|th|am|pm|s|k|m|h|yo|yrs?|y|x|d|gb|mb|kb|px|hz|fps|p|min|mins|hrs?)")
_MARKUP = re.compile(r"^(?:<[@#!&:a-z][^>]*>|https?://\S*|www\.\S*)$")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
_SPACED = frozenset("abcdefghijklmnopqrstuvwxyz0134579@$")
_MAX_JOIN = 40  # longest spaced-out word we try to segment
_CACHE_LIMIT = 50_000
_MIN_RUN_ON, _MAX_RUN_ON = 5, 24  # lengths of unknown words we try to split into run-together words
# Glue that run-together abuse is made of ("youarestupid", "shutup", "diebot"); never split into
# anything else, so ordinary unknown words stay whole.
_JOIN_GLUE = """you your yourself u ur are r is am i a an so such the this that it my me up off shut go
get die hate kill eat suck stupid dumb ugly fat useless bot bots robot machine ai eliza carbonbot
really very total complete big little piece of what like such"""


def _build_char_map() -> dict[int, str]:
    """A 1:1 character fold (accents off, look-alikes to Latin) so spans stay aligned."""
    table: dict[int, str] = {}
    ranges = (range(0x00C0, 0x0250), range(0x1E00, 0x1F00))
    for cp in (cp for r in ranges for cp in r):
        decomposed = unicodedata.normalize("NFKD", chr(cp))
        base = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
        if len(base) == 1 and base != chr(cp):
            table[cp] = base
    table[ord("ß")] = "ß"  # expanded to "ss" later, inside its word
    for marks in (range(0x0300, 0x0370), range(0x1AB0, 0x1B00), range(0x1DC0, 0x1E00), range(0x20D0, 0x2100)):
        for cp in marks:
            table[cp] = _INVISIBLE
    for cp in (0x00AD, 0x034F, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0x2061, 0xFEFF):
        table[cp] = _INVISIBLE
    for cp in range(0xFE20, 0xFE30):
        table[cp] = _INVISIBLE
    for src, dst in _HOMOGLYPHS.items():
        table[ord(src)] = dst
    return table


_CHAR_MAP = _build_char_map()


@dataclass(frozen=True, slots=True)
class Normalized:
    """A message as the detectors see it: canonical tokens, each with its span in `source`.

    `source` is the message after Unicode NFKC, in its original case; `text` is the tokens joined by
    single spaces (sentence punctuation is kept as tokens so patterns can respect sentence bounds).
    """

    source: str
    tokens: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    text: str = field(init=False)
    _starts: list[int] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", " ".join(self.tokens))

    @property
    def starts(self) -> list[int]:
        """Where each token starts in `text`."""
        starts = self._starts
        if starts is None:
            starts = [0, *accumulate(len(tok) + 1 for tok in self.tokens[:-1])] if self.tokens else []
            object.__setattr__(self, "_starts", starts)
        return starts

    def token_at(self, offset: int) -> int:
        """Index of the token containing character `offset` of `text`."""
        return max(0, bisect_right(self.starts, offset) - 1)

    def quote(self, start: int, end: int, limit: int = 200) -> str:
        """The member's own words behind `text[start:end]`."""
        if not self.tokens:
            return ""
        first, last = self.token_at(start), self.token_at(max(start, end - 1))
        lo, hi = self.spans[first][0], self.spans[last][1]
        return " ".join(self.source[lo:hi].split())[:limit]


class Normalizer:
    """Folds text into `Normalized` form, resolving obfuscated words against a known vocabulary.

    `vocabulary` decides which reading of an ambiguous token wins (`fuuuck` is `fuck`, `goood` is
    `good`); `maskable` lists words that may be written with `*` for letters (`f**k`), in order of
    preference; `squeezable` lists lexicon words worth recovering from doubled letters (`idiiot`).
    """

    def __init__(
        self,
        vocabulary: Iterable[str],
        maskable: Iterable[str] = (),
        squeezable: Iterable[str] = (),
        joinable: Iterable[str] = (),
        marked: Iterable[str] = (),
    ) -> None:
        self.vocabulary = frozenset(vocabulary) | frozenset(_EXPANSIONS)
        self._marked = frozenset(marked)
        self._joinable = frozenset(joinable) | self._marked
        self._max_joinable = max((len(w) for w in self._joinable), default=1)
        self._max_word = max((len(w) for w in self.vocabulary), default=1)
        by_length: dict[int, list[str]] = {}
        for word in maskable:
            if word.isalpha():
                by_length.setdefault(len(word), []).append(word)
        self._maskable = {n: tuple(ws) for n, ws in by_length.items()}
        squeezed: dict[str, str] = {}
        for word in squeezable:
            key = _RUN2.sub(r"\1", word)
            if key != word and key not in self.vocabulary:
                squeezed.setdefault(key, word)
        self._squeezed = squeezed
        self._cache: dict[str, tuple[tuple[str, ...], str | None]] = {}

    # --- public ----------------------------------------------------------------------------------

    def __call__(self, text: str) -> Normalized:
        source = text if text.isascii() else unicodedata.normalize("NFKC", text)
        folded = source.lower()
        if len(folded) != len(source):  # a few characters lowercase to two; keep spans aligned
            folded = "".join(c.lower()[:1] for c in source)
        if not folded.isascii():
            folded = folded.translate(_CHAR_MAP)
        tokens: list[str] = []
        spans: list[tuple[int, int]] = []
        pending: list[tuple[str, str, int, int]] = []  # a run of single spaced-out letters
        cache = self._cache
        for m in _CHUNK.finditer(folded):
            chunk = m.group()
            hit = cache.get(chunk)
            words, letter = hit if hit is not None else self._chunk(chunk)
            if letter is not None:
                pending.append((letter, chunk, m.start(), m.end()))
                continue
            if pending:
                self._flush(pending, tokens, spans)
            if len(words) == 1:
                tokens.append(words[0])
                spans.append(m.span())
            elif words:
                tokens.extend(words)
                spans.extend([m.span()] * len(words))
        if pending:
            self._flush(pending, tokens, spans)
        return Normalized(source, tuple(tokens), tuple(spans))

    # --- chunks (whitespace-separated pieces) ---------------------------------------------------------

    def _chunk(self, chunk: str) -> tuple[tuple[str, ...], str | None]:
        hit = self._cache.get(chunk)
        if hit is None:
            hit = self._analyse(chunk)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[chunk] = hit
        return hit

    def _analyse(self, chunk: str) -> tuple[tuple[str, ...], str | None]:
        """Canonical tokens of one chunk, or the letter if the chunk is one spaced-out letter."""
        if _INVISIBLE in chunk:
            chunk = chunk.replace(_INVISIBLE, "")
        if "ß" in chunk:
            chunk = chunk.replace("ß", "ss")
        if chunk.isalpha() and chunk.isascii():
            if len(chunk) == 1:
                return (), chunk
            word = self._word(chunk)
            if self._joinable and _MIN_RUN_ON <= len(word) <= _MAX_RUN_ON and word not in self.vocabulary:
                pieces = self._run_on(word)
                if pieces:
                    return tuple(e for w in pieces for e in self._expand(w)), None
            return tuple(self._expand(word)), None
        if _MARKUP.match(chunk):
            return (), None
        stripped = chunk.strip(".,-_*~")
        if len(stripped) == 1 and stripped in _SPACED and (stripped in _LETTERS or len(chunk) == 1):
            return (), stripped
        return self._complex(chunk), None

    def _complex(self, chunk: str) -> tuple[str, ...]:
        """A chunk with punctuation, digits, symbols or emoji."""
        out: list[str] = []
        n = len(chunk)
        lo, hi = 0, n
        while lo < n and not _is_core(chunk, lo):
            _emit_symbol(chunk[lo], out)
            lo += 1
        tail: list[str] = []
        while hi > lo and not _is_core(chunk, hi - 1):
            _emit_symbol(chunk[hi - 1], tail)
            hi -= 1
        core = chunk[lo:hi]
        if core and lo > 0 and chunk[lo - 1] == "'" and out and out[-1] == '"' and core in _SUFFIXES:
            out[-1] = _SUFFIXES[core]  # "you 're": a contraction split from its stem
        elif core:
            out.extend(self._core(core))
        out.extend(reversed(tail))
        return tuple(_dedupe_punct(out))

    def _core(self, core: str) -> list[str]:
        if any(e in core for e in _EMOJI_WORDS):
            out: list[str] = []
            for piece in re.split("(" + "|".join(map(re.escape, _EMOJI_WORDS)) + ")", core):
                if piece in _EMOJI_WORDS:
                    out.extend(_EMOJI_WORDS[piece].split())
                elif piece:
                    out.extend(self._core(piece))
            return out
        has_letter = any(c in _LETTERS for c in core)
        unit = _UNIT.fullmatch(core)
        if unit:
            return [unit.group(1), unit.group(2)]
        if has_letter:
            core = self._deleet(core)
        if "*" in core or "#" in core:
            masked = self._unmask(core)
            if masked:
                return self._expand(masked)
            core = core.replace("*", "").replace("#", "")
        if "'" in core:
            return self._apostrophes(core)
        parts = [p for p in _SEPARATORS.split(core) if p]
        if not parts:
            return []
        if len(parts) == 1:
            return self._expand(self._word(parts[0]))
        joined = "".join(parts)
        if all(len(p) == 1 for p in parts) or self._known(joined):
            return self._expand(self._word(joined))
        out = []
        for p in parts:
            out.extend(self._expand(self._word(p)))
        return out

    def _deleet(self, core: str) -> str:
        """Digits and symbols standing for letters; `1` may be `i` or `l`, so both are tried."""
        if not any(c in _LEET for c in core):
            return core
        primary = "".join(_LEET.get(c, c) for c in core)
        if "1" in core or "|" in core or "!" in core:
            alt = "".join("l" if c in "1|!" else _LEET.get(c, c) for c in core)
            for cand in (primary, alt):
                if self._known(_SEPARATORS.sub("", cand)):
                    return cand
        return primary

    def _unmask(self, core: str) -> str | None:
        letters = core.replace("#", "*")
        if not any(c in _LETTERS for c in letters) or not re.fullmatch(r"[a-z*]+", letters):
            return None
        for cand in self._maskable.get(len(letters), ()):
            if all(m == "*" or m == c for m, c in zip(letters, cand, strict=True)):
                return cand
        return None

    def _apostrophes(self, core: str) -> list[str]:
        stem, _, suffix = core.partition("'")
        suffix = suffix.replace("'", "")
        stem = _SEPARATORS.sub("", stem)
        if suffix == "t" and stem.endswith("n"):
            base = stem[:-1]
            return [*self._expand(self._word(_NOT_STEMS.get(stem, base))), "not"]
        if suffix == "d" and stem in _PAST_STEMS:
            return [_PAST_STEMS[stem]]
        if suffix in _SUFFIXES and stem:
            return [*self._expand(self._word(stem)), _SUFFIXES[suffix]]
        if suffix == "s" and stem:
            rest = ["is"] if stem in _IS_STEMS else ["us"] if stem == "let" else []
            return [*self._expand(self._word(stem)), *rest]
        out: list[str] = []
        for p in (stem, _SEPARATORS.sub("", suffix)):
            if p:
                out.extend(self._expand(self._word(p)))
        return out

    # --- words -----------------------------------------------------------------------------------

    def _known(self, word: str) -> bool:
        if word in self.vocabulary:
            return True
        if _RUN3.search(word):
            return _RUN3.sub(r"\1\1", word) in self.vocabulary or _RUN3.sub(r"\1", word) in self.vocabulary
        return _RUN2.sub(r"\1", word) in self._squeezed

    def _word(self, word: str) -> str:
        """The vocabulary word behind a stretched or doubled spelling, else the word itself."""
        if word in self.vocabulary or len(word) < 3:
            return word
        if _RUN3.search(word):
            two = _RUN3.sub(r"\1\1", word)
            if two in self.vocabulary:
                return two
            one = _RUN3.sub(r"\1", word)
            if one in self.vocabulary:
                return one
            word = two
        squeezed = _RUN2.sub(r"\1", word)
        if squeezed in self.vocabulary and squeezed != word and word not in self.vocabulary:
            return squeezed
        return self._squeezed.get(squeezed, word)

    def _expand(self, word: str) -> list[str]:
        exp = _EXPANSIONS.get(word)
        return exp.split() if exp else [word] if word else []

    # --- spaced-out letters ---------------------------------------------------------------------

    def _flush(
        self, pending: list[tuple[str, str, int, int]], tokens: list[str], spans: list[tuple[int, int]]
    ) -> None:
        letters = sum(1 for ch, _, _, _ in pending if ch in _LETTERS)
        if len(pending) >= 3 and letters * 2 >= len(pending) and letters >= 2:
            joined = self._deleet("".join(ch for ch, _, _, _ in pending))
            span = (pending[0][2], pending[-1][3])
            for w in self._segment(joined):
                for e in self._expand(w):
                    tokens.append(e)
                    spans.append(span)
        else:
            for ch, chunk, lo, hi in pending:
                words = self._expand(ch) if chunk == ch else list(self._complex(chunk))
                for e in words:
                    tokens.append(e)
                    spans.append((lo, hi))
        pending.clear()

    def _run_on(self, word: str) -> list[str] | None:
        """`youarestupid`, `fuckyou`, `shutup`: an unknown word that splits into two to four pieces of
        a small closed set (pronouns, glue words, insults, profanity), at least one of them marked
        (abusive). Unknown words that do not split that way are left alone."""
        n = len(word)
        best: list[tuple[int, int] | None] = [None] * (n + 1)
        best[0] = (0, 0)
        for end in range(2, n + 1):
            for start in range(max(0, end - self._max_joinable), end - 1):
                prev = best[start]
                if prev is None or word[start:end] not in self._joinable:
                    continue
                cand = (prev[0] + 1, start)
                current = best[end]
                if current is None or cand[0] < current[0]:
                    best[end] = cand
        last = best[n]
        if last is None or not 2 <= last[0] <= 4:
            return None
        pieces: list[str] = []
        end = n
        while end > 0:
            step = best[end]
            assert step is not None
            pieces.append(word[step[1] : end])
            end = step[1]
        pieces.reverse()
        return pieces if any(p in self._marked for p in pieces) else None

    def _segment(self, joined: str) -> list[str]:
        """Split `ihateyou` into known words with as few pieces as possible; give up if impossible."""
        if self._known(joined) or len(joined) > _MAX_JOIN:
            return [self._word(joined)]
        n = len(joined)
        best: list[tuple[int, int] | None] = [None] * (n + 1)  # (pieces, start of last piece)
        best[0] = (0, 0)
        for end in range(1, n + 1):
            for start in range(max(0, end - self._max_word), end):
                prev = best[start]
                if prev is None or joined[start:end] not in self.vocabulary:
                    continue
                cand = (prev[0] + 1, start)
                current = best[end]
                if current is None or cand[0] < current[0]:
                    best[end] = cand
        if best[n] is None:
            return [self._word(joined)]
        pieces: list[str] = []
        end = n
        while end > 0:
            step = best[end]
            assert step is not None
            pieces.append(joined[step[1] : end])
            end = step[1]
        return pieces[::-1]


def _is_core(chunk: str, i: int) -> bool:
    """Whether position `i` belongs to the word rather than to surrounding punctuation."""
    c = chunk[i]
    if c.isalnum() or c in _EMOJI_WORDS:
        return True
    if c in "@$":  # leetspeak at the edge of a word: @ss, a$$
        return any(x.isalpha() for x in chunk)
    return False


def _emit_symbol(c: str, out: list[str]) -> None:
    if c in _SENTENCE_PUNCT:
        out.append(c)
    elif c == "'":
        out.append('"')
    elif c == "…":
        out.append(".")


def _dedupe_punct(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for t in tokens:
        if out and t in _SENTENCE_PUNCT and out[-1] == t:
            continue
        out.append(t)
    return out


def _lexicon_terms(node: object) -> Iterable[str]:
    """Every word of every term in a lexicon JSON document."""
    if isinstance(node, str):
        yield from node.split()
    elif isinstance(node, dict):
        for key, value in node.items():
            if not key.startswith("_"):
                yield from key.split()
                yield from _lexicon_terms(value)
    elif isinstance(node, list):
        for item in node:
            yield from _lexicon_terms(item)


def read_data(name: str) -> str:
    """A data file shipped inside the package."""
    return resources.files("bot.safety").joinpath("data", name).read_text(encoding="utf-8")


def read_words(name: str) -> list[str]:
    words: list[str] = []
    for line in read_data(name).splitlines():
        if not line.startswith("#"):
            words.extend(line.split())
    return words


@cache
def default_normalizer() -> Normalizer:
    """The shared normaliser: the base vocabulary plus every lexicon word the detectors know."""
    lexicon = json.loads(read_data("abuse.json"))
    terms = [t for t in _lexicon_terms(lexicon) if t.isalpha()]
    spec = json.loads(read_data("crisis.json"))
    phrases = json.dumps([spec["macros"], spec["cues"], [p["pattern"] for p in spec["patterns"]]])
    crisis = sorted(set(re.findall(r"[a-z]{2,}", phrases)))
    vocab = set(read_words("words.txt")) | set(terms) | set(crisis)
    maskable = [t for t in _lexicon_terms(lexicon.get("maskable", [])) if t.isalpha()]
    marked = [
        t
        for kind in ("insults_strong", "insults_targeted", "slurs", "profanity")
        for t in _lexicon_terms(lexicon[kind])
        if t.isalpha() and len(t) >= 3
    ]
    return Normalizer(
        vocab,
        maskable=maskable,
        squeezable=[*terms, *crisis],
        joinable=[*_JOIN_GLUE.split(), *lexicon["bot_nouns"]],
        marked=marked,
    )


def normalize(text: str) -> Normalized:
    """Normalise `text` with the shared normaliser."""
    return default_normalizer()(text)


# --- patterns over normalised text ----------------------------------------------------------------
#
# Detectors describe phrases as regexes over `Normalized.text`. Running a hundred regexes over every
# message would cost more than everything else together, so each pattern is split into its top-level
# alternatives and each alternative gets anchors: word stems such that any text it matches contains a
# token starting with one of them. The anchors come from a small parser of the regex subset the
# pattern files use, so skipping an alternative whose anchors are absent can never lose a match.

_MACRO_REF = re.compile(r"\{([A-Z_]+)\}")


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_COMMON = _word_set(
    """the and you that this was are for have with not but all his her she they him them who how what
    when then than will would could should can just going want my me am is it in on at of or an be been
    do does did so if even really still now any more much out off get got one its ill your yours"""
)


def expand_macros(pattern: str, macros: dict[str, str]) -> str:
    """Replace `{NAME}` by its macro, recursively to a fixed depth (macros may use macros)."""
    for _ in range(6):
        expanded = _MACRO_REF.sub(lambda m: macros[m.group(1)], pattern)
        if expanded == pattern:
            break
        pattern = expanded
    return pattern


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Whole-token matching: tokens in normalised text are separated by single spaces."""
    return re.compile(r"(?<![^ ])(?:" + pattern + r")(?![^ ])")


def alternatives(pattern: str) -> list[str]:
    """The top-level `|` branches of a regex."""
    out: list[str] = []
    depth, start, i, n = 0, 0, 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = _class_end(pattern, i)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


def _class_end(p: str, i: int) -> int:
    """Index just past the character class starting at `p[i] == '['`."""
    j = i + 1
    if j < len(p) and p[j] == "^":
        j += 1
    if j < len(p) and p[j] == "]":
        j += 1
    while j < len(p) and p[j] != "]":
        j += 2 if p[j] == "\\" else 1
    return j + 1


_Anchor = frozenset[str] | None


class _AnchorParser:
    """Computes, for the regex subset used by the pattern files, a set of stems every match shows.

    A stem counts only where it starts a token (after a space or at the start of the pattern); among
    the mandatory parts of a sequence the rarest usable set is kept. None means no guarantee."""

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0

    def parse(self) -> _Anchor:
        return self._alternation(True)[0]

    def _alternation(self, at_start: bool) -> tuple[_Anchor, bool]:
        """Anchors of `a|b|...`, and whether every branch ends at the start of a token."""
        result: set[str] = set()
        guaranteed, ends = True, True
        while True:
            branch, end = self._sequence(at_start)
            ends = ends and end
            if branch is None:
                guaranteed = False
            else:
                result |= branch
            if self.i < len(self.p) and self.p[self.i] == "|":
                self.i += 1
                continue
            break
        return (frozenset(result) if guaranteed else None), ends

    def _sequence(self, at_start: bool) -> tuple[_Anchor, bool]:
        best: _Anchor = None
        run = ""  # letters of the current literal word
        run_at_start = at_start  # whether that word starts a token
        p = self.p

        def finish() -> None:
            nonlocal best
            if run_at_start and len(run) >= 2:
                best = _rarer(best, frozenset({run}))

        while self.i < len(p) and p[self.i] not in "|)":
            c = p[self.i]
            if c == "(":
                look = p.startswith(("(?=", "(?!", "(?<=", "(?<!"), self.i)
                self.i += 3 if p.startswith(("(?:", "(?=", "(?!"), self.i) else 4 if look else 1
                here = not run and run_at_start
                inner, inner_end = self._alternation(here)
                self.i += 1  # the closing parenthesis
                lo, _ = self._quantifier()
                if look:
                    continue
                finish()
                run = ""
                run_at_start = (here and inner_end) if lo == 0 else inner_end
                if lo and inner is not None:
                    best = _rarer(best, inner)
                continue
            if c == "[":
                self.i = _class_end(p, self.i)
                self._quantifier()
                finish()
                run, run_at_start = "", False
                continue
            self.i += 2 if c == "\\" else 1
            lo, repeated = self._quantifier()
            once = lo == 1 and not repeated
            if ("a" <= c <= "z" or "0" <= c <= "9") and once:
                run += c
            elif c == " " and once:
                finish()
                run, run_at_start = "", True
            elif c in "^$":
                continue
            else:
                finish()
                run, run_at_start = "", False
        finish()
        return best, (not run and run_at_start)

    def _quantifier(self) -> tuple[int, bool]:
        """Consume a quantifier; return its minimum (1 when there is none) and whether it repeats."""
        p = self.p
        if self.i >= len(p) or p[self.i] not in "?*+{":
            return 1, False
        c = p[self.i]
        if c == "{":
            end = p.index("}", self.i)
            lo = int(p[self.i + 1 : end].split(",")[0] or 0)
            self.i = end + 1
            repeated = True
        else:
            lo = 0 if c in "?*" else 1
            repeated = c != "?"
            self.i += 1
        if self.i < len(p) and p[self.i] == "?":
            self.i += 1  # lazy
        return lo, repeated


def _cost(stems: frozenset[str]) -> int:
    """How often a set of stems would let a pattern run for nothing: common words and short stems
    (which many tokens start with) cost most."""
    return sum(50 if s in _COMMON else 20 if len(s) == 2 else 4 if len(s) == 3 else 1 for s in stems)


def _rarer(a: _Anchor, b: _Anchor) -> _Anchor:
    if a is None:
        return b
    if b is None:
        return a
    return a if _cost(a) <= _cost(b) else b


def anchor_stems(pattern: str) -> frozenset[str] | None:
    """Stems such that every match of `pattern` (already macro-expanded) has a token starting with
    one of them; None when the pattern guarantees none."""
    return _AnchorParser(pattern).parse()


MAX_WORD = 30  # match_reach assumes no token is longer; callers search whole texts that break this
_IN_WORD_RUN = re.compile(r"(\[[^\]\s\\^]+\])([+*])")  # "[a-z]+": a run that cannot leave its token


def match_reach(regex: re.Pattern[str]) -> int | None:
    """How far from its anchor token a match of `regex` can reach, lookaheads included: the most
    characters a match spans plus what its lookaheads read beyond it, provided no token is longer
    than `MAX_WORD`. None when unbounded, so the caller searches the whole text."""

    def bounded(m: re.Match[str]) -> str:
        return f"{m.group(1)}{{{1 if m.group(2) == '+' else 0},{MAX_WORD}}}"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import sre_constants
        import sre_parse

        tree = sre_parse.parse(_IN_WORD_RUN.sub(bounded, regex.pattern), regex.flags)
        _, widest = tree.getwidth()
        ahead = 0
        stack: list[Any] = [tree]
        while stack:
            node = stack.pop()
            if isinstance(node, sre_parse.SubPattern):
                stack.extend(node.data)
            elif isinstance(node, (list, tuple)):
                if len(node) == 2 and node[0] in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
                    direction, sub = node[1]
                    if direction == 1:
                        ahead += sub.getwidth()[1]
                stack.extend(x for x in node if isinstance(x, (list, tuple, sre_parse.SubPattern)))
    reach = widest + ahead
    return None if reach >= _UNBOUNDED else reach


class PatternIndex:
    """Finds which patterns could match a message from the stems its tokens start with."""

    def __init__(self, anchors: list[frozenset[str] | None]) -> None:
        self._always = frozenset(i for i, a in enumerate(anchors) if a is None)
        self._by_stem: dict[str, set[int]] = {}
        for i, a in enumerate(anchors):
            for stem in a or ():
                self._by_stem.setdefault(stem, set()).add(i)
        self._longest = max((len(s) for s in self._by_stem), default=0)
        self._cache: dict[str, frozenset[int]] = {}

    def candidates(self, tokens: Iterable[str]) -> list[int]:
        found = set(self._always)
        for tok in set(tokens):
            found |= self._patterns_of(tok)
        return sorted(found)

    def anchored(self, tokens: Sequence[str]) -> dict[int, list[int]]:
        """The candidate patterns, each with the indices of the tokens that let it run (empty for
        patterns that run on every message): a match must contain one of those tokens."""
        found: dict[int, list[int]] = {i: [] for i in self._always}
        for at, tok in enumerate(tokens):
            for i in self._patterns_of(tok):  # most tokens start no pattern's stem
                found.setdefault(i, []).append(at)
        return {i: found[i] for i in sorted(found)}

    def _patterns_of(self, tok: str) -> frozenset[int]:
        hit = self._cache.get(tok)
        if hit is None:
            got: set[int] = set()
            for k in range(2, min(len(tok), self._longest) + 1):
                got.update(self._by_stem.get(tok[:k], ()))
            hit = frozenset(got)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[tok] = hit
        return hit
