"""What the detectors share: accent folding that keeps offsets, word tokens, spoken numbers.

Transcripts are Whisper's: mixed case, punctuation, numbers as digits ("555 0199") or as
words ("five five five, oh one nine nine"). Every detector works on one `Tokens` of the
folded text, so a character offset in it is an offset in the original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+|\S")


def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFKD", ch)[:1]
    return base if len(base) == 1 and base.isascii() and base.isalpha() else ch


# One character for one character (é -> e, Ö -> O), so offsets survive folding.
# Latin Extended Additional (0x1E00-0x1EFF) too: Vietnamese "Thảo", "Nguyễn".
_FOLD = {cp: _fold_char(chr(cp)) for cp in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00))
         if _fold_char(chr(cp)) != chr(cp)}


def fold(text: str) -> str:
    """`text` without accents, the same length: "Tomás" -> "Tomas"."""
    return text.translate(_FOLD) if not text.isascii() else text


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str  # as written (folded)
    low: str  # lowercase

    @property
    def cap(self) -> bool:
        return self.text[:1].isupper()

    @property
    def word(self) -> bool:
        return self.text[:1].isalpha()


def tokens(text: str) -> tuple[Token, ...]:
    """The folded text's words, digit runs and single punctuation marks."""
    folded = fold(text)
    return tuple(Token(m.start(), m.end(), m.group(), m.group().lower())
                 for m in _TOKEN.finditer(folded))


def sentence_start(toks: tuple[Token, ...], i: int) -> bool:
    """Token i opens the text or a sentence (after . ! ? or a quote)."""
    return i == 0 or toks[i - 1].text in {".", "!", "?", ":", '"', "“"}


# -- spoken numbers --------------------------------------------------------------------

DIGIT_WORDS = {"zero": "0", "oh": "0", "o": "0", "nought": "0", "one": "1", "two": "2",
               "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
               "eight": "8", "nine": "9"}
TEEN_WORDS = {"ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
              "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17",
              "eighteen": "18", "nineteen": "19"}
TENS_WORDS = {"twenty": "2", "thirty": "3", "forty": "4", "fifty": "5", "sixty": "6",
              "seventy": "7", "eighty": "8", "ninety": "9"}
NUMBER_WORDS = {*DIGIT_WORDS, *TEEN_WORDS, *TENS_WORDS, "hundred", "thousand"} - {"o"}
# "my dentist", "her inhaler": whose something is.
POSSESSIVES = frozenset({"my", "our", "your", "his", "her", "their"})
REPEAT_WORDS = {"double": 2, "triple": 3}
# Between the digits of one spoken or written number.
RUN_SEPARATORS = {",", "-", ".", "(", ")", "/", "–"}


@dataclass(frozen=True)
class NumberRun:
    """Consecutive number tokens read as one string of digits ("oh seven seven double oh
    nine" -> "077009"); first/last are token indexes."""

    first: int
    last: int
    digits: str
    words: bool  # some digits were spoken as words


def _unit(toks: tuple[Token, ...], i: int) -> tuple[str, int] | None:
    """The digits token i (and what it takes with it) stands for, and the next index."""
    t = toks[i]
    if t.text.isdecimal():
        return t.text, i + 1
    low = t.low
    if low in REPEAT_WORDS and i + 1 < len(toks):
        nxt = _unit(toks, i + 1)
        if nxt is not None and len(nxt[0]) == 1:
            return nxt[0] * REPEAT_WORDS[low], nxt[1]
        return None
    if low in DIGIT_WORDS:
        digits = DIGIT_WORDS[low]
        if i + 1 < len(toks) and toks[i + 1].low == "hundred":  # "eight hundred"
            return digits + "00", i + 2
        return digits, i + 1
    if low in TEEN_WORDS:
        if i + 1 < len(toks) and toks[i + 1].low == "hundred":  # "twelve hundred"
            return TEEN_WORDS[low] + "00", i + 2
        return TEEN_WORDS[low], i + 1
    if low in TENS_WORDS:
        if i + 1 < len(toks) and toks[i + 1].low in DIGIT_WORDS and toks[i + 1].low != "oh":
            return TENS_WORDS[low] + DIGIT_WORDS[toks[i + 1].low], i + 2
        return TENS_WORDS[low] + "0", i + 1
    return None


def number_runs(toks: tuple[Token, ...]) -> list[NumberRun]:
    """Every maximal run of numbers (digits or number words) separated only by spaces and
    the marks in RUN_SEPARATORS, with a leading "+" kept out of the digits."""
    runs: list[NumberRun] = []
    i, n = 0, len(toks)
    while i < n:
        unit = _unit(toks, i)
        if unit is None:
            i += 1
            continue
        first, digits, words = i, unit[0], not toks[i].text.isdecimal()
        last, i = unit[1] - 1, unit[1]
        while i < n:
            j = i
            while j < n and toks[j].text in RUN_SEPARATORS and j - i < 2:
                j += 1
            if j >= n or toks[j].start - toks[i - 1].end > 3:
                break
            nxt = _unit(toks, j)
            if nxt is None:
                break
            digits += nxt[0]
            words = words or not toks[j].text.isdecimal()
            last, i = nxt[1] - 1, nxt[1]
        runs.append(NumberRun(first, last, digits, words))
    return runs


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# Words a sentence written in ordinary case never capitalises inside it.
_SMALL_WORDS = {"and", "to", "the", "a", "an", "of", "on", "at", "in", "for", "with", "my",
                "me", "his", "her", "by", "from", "is", "or", "our", "your", "about"}


def headline_case(toks: tuple[Token, ...]) -> bool:
    """Every word capitalised, the small ones too ("Add Honey, Rose Water And Basil To The
    List"): the capitals say nothing about which words are names."""
    words = [t for t in toks if t.word]
    small = [t for t in words[1:] if t.low in _SMALL_WORDS]
    return len(words) >= 4 and len(small) >= 2 and all(t.cap for t in small) \
        and sum(t.cap for t in words) >= 0.8 * len(words)


def lowered(text: str) -> str:
    """Lower case, one character for one ("İ" stays), so offsets hold."""
    return "".join(c if len(low := c.lower()) != 1 else low for c in text)
