"""Spoken numbers to integers ("twenty five" -> 25, "10" -> 10)."""

from __future__ import annotations

_UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_UNITS = {w: i for i, w in enumerate(_UNIT_WORDS.split())}
_TEN_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety"
_TENS = {w: 10 * i for i, w in enumerate(_TEN_WORDS.split(), 2)}
_ARTICLES = {"a": 1, "an": 1}


def parse_number(words: list[str]) -> tuple[int, int] | None:
    """Parse a number at the start of `words`; returns (value, words consumed) or None."""
    if not words:
        return None
    first = words[0]
    if first.isdecimal():  # (isdigit() also takes '❶' and '²', which int() refuses)
        return int(first), 1
    if first in _ARTICLES:
        return _ARTICLES[first], 1
    value, used = 0, 0
    if first in _TENS:
        value, used = _TENS[first], 1
        if len(words) > 1 and words[1] in _UNITS and 0 < _UNITS[words[1]] < 10:
            value, used = value + _UNITS[words[1]], 2
    elif first in _UNITS:
        value, used = _UNITS[first], 1
    else:
        return None
    if len(words) > used and words[used] == "hundred":
        value, used = value * 100, used + 1
        rest = parse_number(words[used + (words[used : used + 1] == ["and"]) :])
        if rest and rest[0] < 100:
            value += rest[0]
            used += rest[1] + (words[used : used + 1] == ["and"])
    return value, used
