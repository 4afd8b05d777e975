"""An address's edges that its parts leave out: a numbered road's number after its type,
the house number before a street named first, the unit word before a number that starts
it."""

from __future__ import annotations

from edge.privacy.street_words import PART_UNITS
from edge.privacy.text import Token

# Roads numbered rather than named: "4418 Concession Road 7", "120 County Road 12".
_NUMBERED_ROADS = {"road", "rd", "route", "highway", "hwy", "line", "sideroad", "concession"}


def numbered_road(toks: tuple[Token, ...], last: int) -> int:
    """The end moved over the number of a numbered road: "4418 Concession Road 7" (when
    the number ends the address: the sentence, a comma or a full stop follows)."""
    k = last + 1
    if toks[last].low in _NUMBERED_ROADS and k < len(toks) and toks[k].text.isdecimal() \
            and len(toks[k].text) <= 3 and toks[k].start == toks[last].end + 1 \
            and (k + 1 == len(toks) or toks[k + 1].text in {",", ".", "!", ";"}):
        return k
    return last


def house_before(toks: tuple[Token, ...], first: int) -> int:
    """The start moved back over a house number before a street named first ("74 Sukhumvit
    Soi 11") and over the unit word before a number that starts it ("Level 12, 1 Martin
    Place")."""
    if first < 1 or toks[first - 1].end + 1 != toks[first].start:
        return first
    prev = toks[first - 1]
    if toks[first].text.isdecimal() and prev.low in PART_UNITS | {"floor", "level"}:
        return first - 1
    if toks[first].cap and toks[first].word and prev.text.isdecimal() \
            and len(prev.text) <= 4 and (first < 2 or not (
                toks[first - 2].text.isdecimal() or toks[first - 2].text in {",", "-"})):
        return first - 1
    return first
