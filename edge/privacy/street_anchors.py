"""Streets that no type word names, anchored by their number and the parts after them.

"45 Nguyen Hue, District 1, Ho Chi Minh City", "Tverskaya 15, Moscow", "221 kingsway,
vancouver", "Insurgentes Sur 1602, Col. Crédito Constructor, 03940 CDMX": a house number
beside one to three words that are no English words (a street's name in its own
language), before or after them, is an address when the comma-separated parts after it
say so (a postal code, a region, a known place: address_parts.py). The same street with
a number said as a football score ("Tottenham 3, Liverpool 1") is not one.
Also Colombia's grid, "Carrera 7 No. 45-10": the street's type and number, then the
house's number after "No." or "#".
"""

from __future__ import annotations

from edge.privacy.address_parts import parts_after
from edge.privacy.dates_of_birth import MONTHS
from edge.privacy.localities import NOT_STREET
from edge.privacy.name_lists import BRANDS_BY_FIRST, place_words
from edge.privacy.name_things import english_words
from edge.privacy.spans import Span
from edge.privacy.street_words import DIRECTIONS
from edge.privacy.text import Token

DAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
# Before a small number these make it a time: "meet at 7 Nando's, Leeds".
_TIME_CUES = {"at", "by", "until", "till", "around", "from", "before", "after"}
# Colombia's street types, written before the street's number ("Calle 72 # 10-34").
GRID_TYPES = {"calle", "carrera", "cra", "kra", "cr", "cl", "avenida", "diagonal",
              "transversal", "dg", "tv", "ak", "ac"}


def _name_word(t: Token) -> bool:
    """The first word of a street's name: no English word (lowercase or capitalised), no
    month or day, not a brand's."""
    low = t.low
    return t.word and low.isalpha() and len(low) > 2 and low not in english_words() \
        and low not in NOT_STREET and low not in BRANDS_BY_FIRST and low not in MONTHS \
        and low not in DAYS


def _house_number(t: Token) -> bool:
    return t.text.isdecimal() and len(t.text) <= 5 and t.text[0] != "0"


def typeless_streets(text: str, toks: tuple[Token, ...]) -> list[Span]:
    found = []
    n = len(toks)
    for i, t in enumerate(toks):
        if _house_number(t) and i + 1 < n and _name_word(toks[i + 1]):
            before = toks[i - 1].low if i > 0 else ""
            if before in _TIME_CUES and int(t.text) <= 24:
                continue
            end = _name_end(toks, i + 1)
            if end is not None and _confirmed(text, toks, end, toks[i].cap or toks[i + 1].cap):
                found.append(_span(text, toks, i, end))
        elif _name_word(t) and t.cap and (i == 0 or not _name_word(toks[i - 1])):
            end = _name_end(toks, i, number=True)
            if end is None or end + 1 >= n:
                continue
            number = end + 1
            if not _house_number(toks[number]) or len(toks[number].text) < 2:
                continue  # "Tottenham 3, Liverpool 1": a score
            last = door_after(toks, number)
            if _confirmed(text, toks, last, True):
                first = i - 2 if i > 1 and toks[i - 1].text == "." and toks[i - 2].cap \
                    and len(toks[i - 2].text) <= 4 and toks[i - 1].start == toks[i - 2].end \
                    else i  # "Av. Corrientes 1234", "Jr. Huallaga 320": a type's abbreviation
                found.append(_span(text, toks, first, last))
    found.extend(_grid(text, toks))
    return found


def _name_end(toks: tuple[Token, ...], k: int, number: bool = False) -> int | None:
    """The last word of one to three name words from token k (a direction after them),
    followed by a comma (or by the number, `number`)."""
    n, e = len(toks), k
    cap = toks[k].cap
    while e + 1 < n and e - k < 2 and toks[e + 1].word and toks[e + 1].cap == cap and (
            _name_word(toks[e + 1]) or (cap and toks[e + 1].low not in NOT_STREET)):
        e += 1  # "Nguyen Hue": a capitalised name's later words may be English ones
    if e + 1 < n and toks[e + 1].text in DIRECTIONS:
        e += 1
    nxt = toks[e + 1].text if e + 1 < n else ""
    if number:
        return e if nxt.isdecimal() else None
    return e if nxt == "," else None


# Before a flat's number after the house's: Polish "m." and "lok.", Russian "kv.".
DOOR_WORDS = {"m", "lok", "kv", "kw", "apt", "app", "apto", "dpto", "depto", "whg", "top"}


def door_after(toks: tuple[Token, ...], k: int) -> int:
    """The last token of a house number at token k and what numbers its door: "84/92",
    "12b", "22 A 5" (stair A, flat 5), "84/92 m. 15" (flat 15)."""
    n = len(toks)
    if k + 2 < n and toks[k + 1].text in {"/", "-"} and toks[k + 2].text.isdecimal() \
            and toks[k + 1].start == toks[k].end and toks[k + 2].start == toks[k + 1].end:
        k += 2
    if k + 1 < n and toks[k + 1].word and len(toks[k + 1].text) == 1 \
            and toks[k + 1].low not in {"a", "i"} | DOOR_WORDS or (
                k + 1 < n and toks[k + 1].text in {"A", "I"} and k + 2 < n
                and toks[k + 2].text.isdecimal()):
        k += 1
        if k + 1 < n and toks[k + 1].text.isdecimal() and len(toks[k + 1].text) <= 3:
            k += 1
    elif k + 2 < n and toks[k + 1].low in DOOR_WORDS:
        j = k + 3 if toks[k + 2].text == "." else k + 2
        if j < n and toks[j].text.isdecimal() and len(toks[j].text) <= 4:
            k = j
    return k


def _confirmed(text: str, toks: tuple[Token, ...], end: int, cap: bool) -> bool:
    """A comma after token `end`, and parts after it that say an address (a lowercase
    street's parts only with a known place among them)."""
    if end + 2 >= len(toks) or toks[end + 1].text != ",":
        return False
    last, sure = parts_after(text, toks, end)
    if last <= end or not sure:
        return False
    tail = toks[last]
    if tail.text.isdecimal() and len(tail.text) <= 2 and toks[last - 1].word:
        return False  # "Chelsea 12, Arsenal 10": a score
    return cap or any(t.low in place_words() for t in toks[end + 2:last + 1])


def _span(text: str, toks: tuple[Token, ...], first: int, last: int) -> Span:
    return Span(toks[first].start, toks[last].end, "address")


def _grid(text: str, toks: tuple[Token, ...]) -> list[Span]:
    """"Carrera 7 No. 45-10", "Calle 72 # 10-34", "cl 100 #19-54": Colombia's grid."""
    found = []
    n = len(toks)
    for i, t in enumerate(toks):
        if t.low not in GRID_TYPES or i + 2 >= n or not toks[i + 1].text.isdecimal():
            continue
        k = i + 2
        if k < n and toks[k].word and len(toks[k].text) <= 3 and toks[k].low not in {
                "no", "n"}:
            k += 1  # "Calle 26 Bis", "Carrera 7A"
        if k < n and toks[k].low in {"no", "n", "#", "nº", "n°"}:
            k += 1
            if k < n and toks[k].text in {".", "º", "°"}:
                k += 1
        else:
            continue
        if k + 2 < n and toks[k].text.isdecimal() and toks[k + 1].text == "-" \
                and toks[k + 2].text.isdecimal():
            found.append(_span(text, toks, i, k + 2))
    return found
