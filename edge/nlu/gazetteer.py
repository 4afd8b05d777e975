"""Inventory-aware span tagging: find devices, areas, lists, contacts, places and numbers.

The classifier never sees the names themselves: each matched span becomes a placeholder
word (``xname``, ``xarea``, ...), so a new device or contact in the inventory is
understood without retraining. Matching tolerates plurals and one-letter speech
recognition slips ("porch lite" was mended by the normaliser; "kitchn" is mended here),
but never bends a word the model knows as a command word ("open" is not "oven").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from contract.inventory import Inventory
from edge.nlu.text import words_of
from edge.stages.numbers import parse_number

PLACEHOLDERS = {"device": "xname", "area": "xarea", "list": "xlist",
                "contact": "xcontact", "place": "xplace"}
# A device's placeholder says its kind, so "set the xcover to 40" and "set the xlight to 40"
# can mean different intents; other domains read as plain "xname".
DEVICE_PLACEHOLDERS = {"light": "xlight", "switch": "xswitch", "fan": "xfan",
                       "cover": "xcover", "media_player": "xmedia", "climate": "xclimate",
                       "lock": "xlock", "vacuum": "xvacuum", "lawn_mower": "xmower"}
NUMBER = "xnum"
_PRIORITY = tuple(PLACEHOLDERS)  # when a name is several things, the placeholder of the first
_MIN_FUZZY = 4  # shorter words are matched exactly only


@dataclass(frozen=True)
class Span:
    start: int  # word index in the normalised words
    end: int  # exclusive
    kind: str  # "device", "area", "list", "contact", "place" or "number"
    value: str | int  # the inventory's spelling, or the number
    also: tuple[tuple[str, str], ...] = ()  # other (kind, name) readings of the same words
    placeholder: str = ""  # what the classifier reads instead of the words


@dataclass(frozen=True)
class Tagged:
    words: list[str]  # normalised words
    features: str  # what the classifier reads: words with spans replaced by placeholders
    spans: list[Span]

    def first(self, *kinds: str) -> Span | None:
        for span in self.spans:
            if span.kind in kinds or any(k in kinds for k, _ in span.also):
                return span
        return None

    def value_of(self, kind: str) -> str | None:
        for span in self.spans:
            for k, name in ((span.kind, span.value), *span.also):
                if k == kind:
                    return str(name)
        return None


def fold(word: str) -> str:
    """Plural-insensitive form of a normalised word."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-3] + "y" if word.endswith("ies") and len(word) > 4 else word[:-1]
    return word


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _within_one(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if la < lb else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


class Gazetteer:
    def __init__(self, inventory: Inventory, protected: Iterable[str] = ()) -> None:
        named = [(d.name, "device", DEVICE_PLACEHOLDERS.get(d.domain, "xname"))
                 for d in inventory.devices]
        named += [(a, "area", "xarea") for a in inventory.areas]
        named += [(n, "list", "xlist") for n in inventory.lists]
        named += [(c, "contact", "xcontact") for c in inventory.contacts]
        named += [(p, "place", "xplace") for p in inventory.places]
        self._entries: dict[tuple[str, ...], list[tuple[str, str, str]]] = {}
        for name, kind, placeholder in named:
            key = tuple(fold(w) for w in words_of(name))
            if key:
                self._entries.setdefault(key, []).append((kind, name, placeholder))
                if kind == "list" and len(key) > 1 and key[-1] == "list":
                    self._entries.setdefault(key[:-1], []).append((kind, name, placeholder))
        for readings in self._entries.values():
            readings.sort(key=lambda r: _PRIORITY.index(r[0]))
        self._max_len = max((len(k) for k in self._entries), default=0)
        self._vocab = {w for key in self._entries for w in key}
        self._protected = frozenset(protected) | frozenset(fold(w) for w in protected)
        self._by_delete: dict[str, set[str]] = {}
        for word in self._vocab:
            if len(word) >= _MIN_FUZZY:
                for variant in _deletes(word) | {word}:
                    self._by_delete.setdefault(variant, set()).add(word)

    def _canon(self, word: str) -> tuple[str, bool]:
        """(folded word, whether it was corrected to an inventory word)."""
        folded = fold(word)
        if folded in self._vocab or folded in self._protected or len(folded) < _MIN_FUZZY:
            return folded, False
        candidates: set[str] = set()
        for variant in _deletes(folded) | {folded}:
            candidates |= self._by_delete.get(variant, set())
        close = [c for c in candidates if _within_one(folded, c)]
        return (close[0], True) if len(close) == 1 else (folded, False)

    def tag(self, text: str) -> Tagged:
        words = words_of(text)
        canon = [self._canon(w) for w in words]
        spans: list[Span] = []
        out: list[str] = []
        i, n = 0, len(words)
        while i < n:
            span = self._match_at(canon, i)
            if span is None:
                parsed = None if words[i] in ("a", "an") else parse_number(words[i:])
                if parsed is not None:
                    spans.append(Span(i, i + parsed[1], "number", parsed[0]))
                    out.append(NUMBER)
                    i += parsed[1]
                else:
                    out.append(words[i])
                    i += 1
                continue
            spans.append(span)
            out.append(span.placeholder)
            i = span.end
        return Tagged(words, " ".join(out), spans)

    def _match_at(self, canon: list[tuple[str, bool]], i: int) -> Span | None:
        for length in range(min(self._max_len, len(canon) - i), 0, -1):
            part = canon[i : i + length]
            readings = self._entries.get(tuple(w for w, _ in part))
            if readings is None:
                continue
            fuzzy = sum(corrected for _, corrected in part)
            if fuzzy and (fuzzy > 1 or (length == 1 and len(part[0][0]) < 5)):
                continue
            kind, name, placeholder = readings[0]
            also = tuple((k, n) for k, n, _ in readings[1:])
            return Span(i, i + length, kind, name, also, placeholder)
        return None
