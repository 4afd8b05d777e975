"""A semantic answer cache: a repeated general question is answered without the LLM.

"why is the sky blue", "why's the sky blue?" and "what makes the sky blue" embed to
nearly the same vector (cloud.embeddings), so the answer given to one serves the others.
What may be reused is decided per question (`classify`):
  * general questions are shared by every user;
  * personal ones (first-person pronouns and possessives: "what's my wifi password")
    are reused only for the same user, whose facts the answer may contain;
  * time-sensitive ones ("what time is it", "weather tomorrow"), ones meant to vary
    ("tell me a joke") and follow-ups that lean on the conversation ("how old is he?")
    are never cached.
Entries expire after `ttl_s`; at most `max_entries` are kept (least recently used go first).

Embeddings miss some things that change a question's meaning (numbers, opposites,
negation, word order), so a match must also agree on those (`_Shape`).

Usage (the service): `lookup(user, question)` before generating; on None generate, and
when the answer finished normally, `store(user, question, sentences, personalised=...)`,
personalised=True when the prompt carried the user's facts (the answer may quote them,
so it serves only that user). `forget_user(user)` when the user's facts change.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Protocol

import numpy as np


class Embeds(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(n, d) float32 rows of unit length."""
        ...


@dataclass(frozen=True)
class CacheSettings:
    # Cosine similarity at or above which two questions count as the same (when their
    # shapes match). Tuned on the dev pairs of tests/data/answer_cache_pairs.json
    # (`python -m cloud.answer_cache`): no different question there scores above 0.86
    # once the shape guard has run; a false hit costs far more than a miss, hence 0.88.
    similarity: float = 0.88
    ttl_s: float = 24 * 3600.0
    max_entries: int = 5000


class Scope(Enum):
    SHARED = "shared"  # one user's answer serves everyone
    PER_USER = "per-user"  # serves only the user who asked
    NEVER = "never"


@dataclass(frozen=True)
class Verdict:
    scope: Scope
    kind: str  # "general", "personal", "time-sensitive", "varies", "follow-up"
    word: str = ""  # what decided it

    @property
    def reason(self) -> str:
        return f"{self.kind} ({self.word!r})" if self.word else self.kind


def _list(words: str) -> list[str]:
    return words.split()


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_WORD = re.compile(r"[A-Za-z0-9]+(?:['.][A-Za-z0-9]+)*")
# Politeness around a question says nothing about who it is for: "can you tell me how
# vaccines work" is as general as "how do vaccines work".
_PREAMBLE = re.compile(
    r"^(?:(?:hey|um+|uh+|so|okay|ok|please|well)\W+)*"
    r"(?:(?:can|could|would|will) you (?:please )?(?:tell|show|explain to) me|"
    r"(?:please )?(?:tell|show|explain to) me|do you know)\W+", re.IGNORECASE)
_PERSONAL = _set("i me my mine myself i'm i've i'd i'll we us our ours ourselves "
                 "we're we've we'd we'll")
_FOLLOW_UP = _set("he she him her his hers they them their theirs")
_TIME_WORDS = _set(
    "time date today tonight tomorrow yesterday now currently current latest recent "
    "recently nowadays news headlines weather forecast outside score scores price prices "
    "stock stocks traffic open closed hours cost costs worth alive still election "
    "raining snowing sunny cloudy windy humid umbrella")
_TIME_PHRASES = re.compile(
    r"\b(?:(?:this|next|last) (?:week|weekend|month|year|morning|afternoon|evening|night)|"
    r"what (?:day|month|year|season) is it|is it going to|will it|these days|"
    r"what(?:'s| is) the temperature(?! of)|"
    r"(?:how long|how many \w+) until|who won|who is winning|exchange rate)\b")
_VARIES = _set("joke jokes story poem riddle random coin dice again another sing")
_VARIES_PHRASES = re.compile(r"\b(?:roll a die|fun fact|something else|pick a number)\b")
# A question that ends on a pronoun or starts "what about" means something only with the
# turns before it: "how old is it?"
_DANGLING = re.compile(r"(?:\b(?:it|that|this|those|these)\W*$|^(?:and|what about|how about)\b)")

# What a match must agree on besides the embedding (`_Shape`).

# Embeddings barely see digits or ordinals ("12 times 13" vs "12 times 14" score 0.90),
# so questions only match when they name the same numbers; "two", "2", "second" and
# "2nd" are all 2, so "world war two" still matches "the second world war".
_NUMBER_WORDS = {word: str(value) for value, word in enumerate(_list(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"))}
_NUMBER_WORDS |= {word: str(10 * value) for value, word in enumerate(
    _list("thirty forty fifty sixty seventy eighty ninety"), start=3)}
_NUMBER_WORDS |= {word: str(value) for value, word in enumerate(
    _list("first second third fourth fifth sixth seventh eighth ninth tenth"), start=1)}
_NUMBER_WORDS |= {"hundred": "100", "thousand": "1000", "million": "1e6", "billion": "1e9",
                  "trillion": "1e12", "half": "1/2", "quarter": "1/4"}
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
# Antonyms share their contexts, so embeddings put them close: "when did world war two
# end" and "... start" score 0.90, "is coffee good / bad for your health" 0.96. Words from
# different sides of one group (arithmetic has four) mean different questions. A list can
# never be complete: it holds the common opposites; un-/in-/dis- prefixes are handled apart.
_OPPOSITES: tuple[tuple[frozenset[str], ...], ...] = tuple(
    tuple(_set(side) for side in group) for group in (
        ("start starts started starting begin begins began beginning",
         "end ends ended ending finish finishes finished"),
        ("on", "off"),
        ("win wins won winning winner", "lose loses lost losing loser"),
        ("born birth", "die dies died death dead"),
        ("largest biggest most maximum max highest tallest longest greatest heaviest "
         "fastest oldest", "smallest least minimum min lowest shortest fewest lightest "
         "slowest youngest"),
        ("bigger larger more higher taller longer heavier faster older better",
         "smaller less fewer lower shorter lighter slower younger worse"),
        ("good best", "bad worst"),
        ("safe safer safest", "dangerous unsafe risky harmful"),
        ("true correct", "false wrong incorrect"),
        ("positive", "negative"),
        ("easy easier easiest", "hard harder hardest difficult"),
        ("cheap cheaper cheapest", "expensive"),
        ("new newer newest modern", "old ancient"),
        ("early earlier earliest", "late later latest"),
        ("strong stronger strongest", "weak weaker weakest"),
        ("rich richer richest", "poor poorer poorest"),
        ("wet", "dry"),
        ("full", "empty"),
        ("same similar similarities", "different difference differences"),
        ("advantages pros benefits", "disadvantages cons risks drawbacks"),
        ("love loves like likes", "hate hates dislike dislikes"),
        ("buy buying", "sell selling"),
        ("import imports", "export exports"),
        ("push", "pull"),
        ("give", "take"),
        ("arrive arrival", "leave depart departure"),
        ("freeze freezes freezing frozen", "melt melts melting boil boils boiling"),
        ("hot hotter hottest warm warmer warmest", "cold colder coldest cool cooler coolest"),
        ("summer", "winter"),
        ("sunrise", "sunset"),
        ("day daytime", "night nighttime"),
        ("up rise rises rising increase increases",
         "down fall falls drop drops decrease decreases"),
        ("above over top", "below under bottom"),
        ("left", "right"),
        ("north northern", "south southern"),
        ("east eastern", "west western"),
        ("plus add added sum", "minus subtract subtracted difference",
         "times multiply multiplied product", "divided divide"),
        ("man men male boy boys father dad king husband son brother",
         "woman women female girl girls mother mom queen wife daughter sister"),
    ))
# Two questions that differ in a single word ("what should you eat before / after
# running", "how do you inhale / exhale properly") score 0.89-0.96 whatever that word is,
# and no list of opposites is ever complete. So such a swap only matches when the two
# words are forms of one word or near-synonyms from this list: a word missing here costs a
# miss, never a wrong answer.
_SAME_MEANING = tuple(_set(group) for group in (
    "make makes made making", "cause causes caused happen happens form forms",
    "tall height high", "big size large", "biggest largest", "far distance",
    "fast speed quick", "old age", "heavy weight", "long length",
    "author write writes wrote written writer", "build builds built builder",
    "mean means meaning definition", "work works function", "explain describe",
    "people person humans human", "kids children", "world earth",
    "difference different differences differ",
))
_SUFFIXES = ("ism", "ing", "ers", "ed", "er", "or", "es", "s")
# "healthy" / "unhealthy": a word and its negation by prefix.
_NEGATING_PREFIXES = ("un", "in", "im", "il", "ir", "dis", "non")
_NEGATIONS = _set("not no never cannot")
# Mean-pooled embeddings are nearly blind to word order: "convert miles to kilometers" and
# "convert kilometers to miles" score 0.997. When a question has a word that makes order
# matter, the words both questions share must come in the same order.
_ORDER_WORDS = _set("to into from than per vs versus before after")
_FILLER = _set(
    "a an the of is are was were be been do does did how what what's why who who's when "
    "where which whom whose can could would will you your in on at by for with and or it "
    "its that this there")


def _words(question: str) -> list[str]:
    return _WORD.findall(question)


def normalise(question: str) -> str:
    """What is classified and embedded: lower case, without the politeness around it."""
    text = _PREAMBLE.sub("", question.strip()).strip().lower()
    return text.rstrip("?.! ")


def classify(question: str) -> Verdict:
    """Whose answer may serve this question, if anyone's."""
    text = normalise(question)
    original = _words(_PREAMBLE.sub("", question.strip()))
    words = [w.lower() for w in original]
    for found in (next((w for w in words if w in _TIME_WORDS), None),
                  _match(_TIME_PHRASES, text)):
        if found:
            return Verdict(Scope.NEVER, "time-sensitive", found)
    for found in (next((w for w in words if w in _VARIES), None),
                  _match(_VARIES_PHRASES, text)):
        if found:
            return Verdict(Scope.NEVER, "varies", found)
    found = next((w for w in words if w in _FOLLOW_UP), None) or _match(_DANGLING, text)
    if found:
        return Verdict(Scope.NEVER, "follow-up", found.strip())
    # "US" as written is the country, not "us".
    found = next((w.lower() for w in original if w.lower() in _PERSONAL and w != "US"), None)
    if found:
        return Verdict(Scope.PER_USER, "personal", found)
    return Verdict(Scope.SHARED, "general")


def cacheable(question: str) -> tuple[bool, str]:
    """(True, "general") when one user's answer may serve every user; else (False, why):
    a personal question is still cached for its own user, the others never."""
    verdict = classify(question)
    return verdict.scope is Scope.SHARED, verdict.reason


def _match(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return found.group(0) if found else None


@dataclass(frozen=True)
class _Shape:
    """What embeddings miss and a match must agree on: numbers, opposites, negation, and
    where it matters, word order."""

    numbers: tuple[str, ...]
    sides: frozenset[tuple[int, int]]  # (group, side) of each _OPPOSITES word present
    negated: bool
    content: tuple[str, ...]  # words that carry the meaning, in order, without "'s"
    ordered: bool  # has a word that makes the order of the others matter

    @classmethod
    def of(cls, text: str) -> _Shape:
        words = [w.lower() for w in _words(text)]
        return cls(
            numbers=tuple(sorted(n for n in map(_number, words) if n is not None)),
            sides=frozenset((g, s) for g, group in enumerate(_OPPOSITES)
                            for s, side in enumerate(group) if side.intersection(words)),
            negated=any(w in _NEGATIONS or w.endswith("n't") for w in words),
            content=tuple(w.removesuffix("'s") for w in words  # numbers: compared above
                          if w not in _FILLER and _number(w) is None),
            ordered=any(w in _ORDER_WORDS for w in words))

    def matches(self, other: _Shape) -> bool:
        if self.numbers != other.numbers or self.negated != other.negated:
            return False
        for group in {g for g, _ in self.sides} & {g for g, _ in other.sides}:
            if {s for g, s in self.sides if g == group} != \
                    {s for g, s in other.sides if g == group}:
                return False
        mine_only, theirs_only = set(self.content), set(other.content)
        mine_only, theirs_only = mine_only - theirs_only, theirs_only - mine_only
        if len(mine_only) == len(theirs_only) == 1 and \
                not _interchangeable(next(iter(mine_only)), next(iter(theirs_only))):
            return False
        if any(b == p + a or a == p + b for a in mine_only for b in theirs_only
               for p in _NEGATING_PREFIXES):
            return False
        if not (self.ordered or other.ordered):
            return True
        # The order words themselves move freely: "celsius to / into fahrenheit".
        shared = (set(self.content) & set(other.content)) - _ORDER_WORDS
        mine = list(dict.fromkeys(w for w in self.content if w in shared))
        theirs = list(dict.fromkeys(w for w in other.content if w in shared))
        return mine == theirs


def _interchangeable(a: str, b: str) -> bool:
    if _stem(a) in (b, _stem(b)) or _stem(b) == a:  # "octopus" / "octopuses"
        return True
    return any(a in group and b in group for group in _SAME_MEANING)


def _stem(word: str) -> str:
    """Crude, but both words go through it: "painter", "painted" -> "paint"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[:-len(suffix)]
    return word


def _number(word: str) -> str | None:
    if word[0].isdigit():
        ordinal = _ORDINAL.match(word)
        return ordinal.group(1) if ordinal else word
    return _NUMBER_WORDS.get(word)


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    skipped: Mapping[str, int]  # lookups not tried, by Verdict.kind (or "no user")
    stored: int
    evicted: int  # pushed out by max_entries
    expired: int  # dropped after ttl_s
    entries: int

    @property
    def lookups(self) -> int:
        return self.hits + self.misses + sum(self.skipped.values())

    @property
    def hit_rate(self) -> float:
        return self.hits / self.lookups if self.lookups else 0.0


@dataclass(frozen=True)
class _Skip:
    reason: str  # Verdict.kind, or "no user"


@dataclass(frozen=True)
class _Entry:
    owner: str | None  # None: shared; else the user it belongs to
    question: str
    shape: _Shape
    sentences: tuple[str, ...]
    expires_at: float


_MEMO = 256  # recent question vectors: store() after a missed lookup does not embed again


class AnswerCache:
    """Thread-safe; embedding runs outside the lock."""

    def __init__(self, embedder: Embeds, settings: CacheSettings = CacheSettings(),
                 clock: Callable[[], float] = time.monotonic) -> None:
        if settings.max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.settings = settings
        self._embedder = embedder
        self._clock = clock
        self._lock = threading.Lock()
        self._vectors: np.ndarray | None = None  # (max_entries, d), sized by the first vector
        self._entries: dict[int, _Entry] = {}  # slot -> entry
        self._free = list(range(settings.max_entries - 1, -1, -1))
        self._owners: dict[str | None, set[int]] = {}  # owner -> its slots
        self._recency: OrderedDict[int, None] = OrderedDict()  # least recently used first
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._hits = self._misses = self._stored = self._evicted = self._expired = 0
        self._skipped: Counter[str] = Counter()

    def lookup(self, user: str | None, question: str) -> list[str] | None:
        """The sentences of a cached answer to the same question, or None: for a general
        question anyone's unpersonalised answer or the user's own, for a personal one only
        the user's own."""
        owner = self._owner(user, question)
        if isinstance(owner, _Skip):
            with self._lock:
                self._skipped[owner.reason] += 1
            return None
        owners = (owner,) if owner is not None or user is None else (None, user)
        text = normalise(question)
        vector = self._vector(text)
        with self._lock:
            slot = self._find(owners, vector, _Shape.of(text))
            if slot is None:
                self._misses += 1
                return None
            self._hits += 1
            self._recency.move_to_end(slot)
            return list(self._entries[slot].sentences)

    def store(self, user: str | None, question: str, sentences: Sequence[str], *,
              personalised: bool = False) -> bool:
        """Keep a complete answer; False when the question may not be cached (or no text).
        personalised: the prompt carried the user's facts, so the answer is kept for that
        user only, even for a general question."""
        owner = self._owner(user, question)
        if owner is None and personalised:
            owner = user if user else _Skip("no user")
        if isinstance(owner, _Skip) or not any(s.strip() for s in sentences):
            return False
        text = normalise(question)
        vector = self._vector(text)
        shape = _Shape.of(text)
        entry = _Entry(owner, text, shape, tuple(sentences),
                       self._clock() + self.settings.ttl_s)
        with self._lock:
            # A paraphrase already cached is replaced, so paraphrases do not pile up.
            slot = self._find((owner,), vector, shape)
            if slot is None:
                slot = self._take_slot()
            else:
                self._drop(slot)
            if self._vectors is None:
                self._vectors = np.zeros((self.settings.max_entries, vector.shape[0]),
                                         dtype=np.float32)
            self._vectors[slot] = vector
            self._entries[slot] = entry
            self._owners.setdefault(owner, set()).add(slot)
            self._recency[slot] = None
            self._stored += 1
            return True

    def forget_user(self, user: str) -> int:
        """Drop the user's personal answers (call it when their facts change)."""
        with self._lock:
            slots = list(self._owners.get(user, ()))
            for slot in slots:
                self._drop(slot)
            return len(slots)

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, dict(self._skipped), self._stored,
                              self._evicted, self._expired, len(self._entries))

    @staticmethod
    def _owner(user: str | None, question: str) -> str | None | _Skip:
        """The partition a question is cached in: None (shared) or the user's own."""
        verdict = classify(question)
        if verdict.scope is Scope.NEVER:
            return _Skip(verdict.kind)
        if verdict.scope is Scope.PER_USER:
            return user if user else _Skip("no user")
        return None

    def _vector(self, text: str) -> np.ndarray:
        with self._lock:
            cached = self._memo.get(text)
            if cached is not None:
                self._memo.move_to_end(text)
                return cached
        vector = self._embedder.embed([text])[0]
        with self._lock:
            self._memo[text] = vector
            if len(self._memo) > _MEMO:
                self._memo.popitem(last=False)
        return vector

    def _find(self, owners: tuple[str | None, ...], vector: np.ndarray,
              shape: _Shape) -> int | None:
        """The live slot of `owners` most similar to `vector` above the threshold whose
        shape matches; expired ones met on the way are dropped. Caller holds the lock."""
        slots = [slot for owner in owners for slot in self._owners.get(owner, ())]
        if not slots or self._vectors is None:
            return None
        index = np.array(slots, dtype=np.intp)
        # All rows at once (no copy of the partition's rows); free slots are ignored.
        similarity = (self._vectors @ vector)[index]
        now = self._clock()
        above = np.flatnonzero(similarity >= self.settings.similarity)
        for i in above[np.argsort(-similarity[above])]:
            slot = int(index[i])
            entry = self._entries[slot]
            if entry.expires_at <= now:
                self._drop(slot)
                self._expired += 1
            elif entry.shape.matches(shape):
                return slot
        return None

    def _take_slot(self) -> int:
        if not self._free:  # full: expired entries go first, then the least recently used
            now = self._clock()
            for slot in [s for s, e in self._entries.items() if e.expires_at <= now]:
                self._drop(slot)
                self._expired += 1
        if not self._free:
            self._drop(next(iter(self._recency)))
            self._evicted += 1
        return self._free.pop()

    def _drop(self, slot: int) -> None:
        entry = self._entries.pop(slot)
        slots = self._owners[entry.owner]
        slots.discard(slot)
        if not slots:  # no empty set per user who once asked something
            del self._owners[entry.owner]
        self._recency.pop(slot, None)
        self._free.append(slot)


# Tuning and measuring: `python -m cloud.answer_cache [PAIRS.json]`.

PAIRS = Path(__file__).resolve().parent.parent / "tests" / "data" / "answer_cache_pairs.json"


@dataclass(frozen=True)
class PairResult:
    pairs: int
    same: int  # pairs whose questions are the same question
    hits: int  # of those, answered from the cache
    false_hits: int  # different questions answered from the cache

    @property
    def precision(self) -> float:
        answered = self.hits + self.false_hits
        return self.hits / answered if answered else 1.0

    @property
    def recall(self) -> float:
        return self.hits / self.same if self.same else 0.0


def load_pairs(split: str, path: Path = PAIRS) -> list[tuple[str, str, bool]]:
    rows = json.loads(path.read_text())["pairs"]
    return [(r["a"], r["b"], r["same"]) for r in rows if r["split"] == split]


def evaluate(embedder: Embeds, pairs: Sequence[tuple[str, str, bool]],
             settings: CacheSettings = CacheSettings()) -> PairResult:
    """Each pair through a fresh cache: store the answer to a, then ask b."""
    hits = false_hits = 0
    for a, b, same in pairs:
        cache = AnswerCache(embedder, settings)
        cache.store(None, a, [a])
        if cache.lookup(None, b) is not None:
            hits += same
            false_hits += not same
    return PairResult(len(pairs), sum(same for _, _, same in pairs), hits, false_hits)


def _main(argv: Sequence[str]) -> None:
    from cloud.embeddings import Embedder

    path = Path(argv[0]) if argv else PAIRS
    embedder = Embedder()
    dev = [pair for split in ("dev", "dev2", "dev3", "dev4")
           for pair in load_pairs(split, path)]
    print("dev+dev2+dev3+dev4 sweep:  threshold  precision  recall  false hits")
    for threshold in np.arange(0.80, 0.975, 0.01):
        result = evaluate(embedder, dev, CacheSettings(similarity=round(float(threshold), 2)))
        print(f"            {threshold:.2f}       {result.precision:.3f}      "
              f"{result.recall:.3f}   {result.false_hits}")
    chosen = CacheSettings().similarity
    for split in ("dev", "dev2", "dev3", "dev4", "heldout"):
        result = evaluate(embedder, load_pairs(split, path))
        print(f"{split} at {chosen}: {result.pairs} pairs ({result.same} same), precision "
              f"{result.precision:.3f}, recall {result.recall:.3f} ({result.hits}/"
              f"{result.same}), false hits {result.false_hits}")


if __name__ == "__main__":
    _main(sys.argv[1:])
