"""Streets whose house number comes after the name: "Hauptstraße 5", "Berliner Straße 12",
"Via Roma 8", "Rua Augusta, 1500", "Jl. Sudirman No. 5"; and the name after a type word
("de la Paix" after "Rue").
"""

from __future__ import annotations

from edge.privacy.localities import NOT_STREET, locality_after, postcode_after
from edge.privacy.name_things import english_words
from edge.privacy.spans import Span
from edge.privacy.street_anchors import door_after
from edge.privacy.street_words import (
    LOWER_FIRST,
    MEASURES,
    NUMBER_AFTER,
    PARTICLES,
    SEPARATE_TYPES,
    STREET_FIRST,
    STREET_TYPES,
)
from edge.privacy.text import Token


def _foreign(low: str) -> bool:
    """A lowercase word that is no English word: "bintang", "ouest" (a street's name)."""
    return low.isalpha() and len(low) > 2 and low not in english_words()


def street_then_number(t: Token) -> bool:
    """"Hauptstraße", "kerkstraat": one word that is a street whose number comes after."""
    return len(t.low) > 5 and t.low.endswith(NUMBER_AFTER) and (t.cap or _foreign(t.low)) \
        and t.low not in english_words()


def street_name(toks: tuple[Token, ...], i: int) -> int | None:
    """The end of "de la Paix" / "du Faubourg Saint-Honoré" / "Roma" after a type word."""
    n, j, last = len(toks), i, None
    while j < n and j - i < 8:
        t = toks[j]
        if t.text == "-" and j > i and toks[j - 1].word and j + 1 < n \
                and toks[j + 1].start == t.end and toks[j - 1].end == t.start:
            j += 1
            continue
        if t.low in PARTICLES:
            j += 1
            continue
        if t.word and (t.cap or (j > i and toks[j - 1].text == "-")
                       or (last is None and t.low not in NOT_STREET)
                       or (last == j - 1 and not toks[last].cap and _foreign(t.low))):
            last = j
            j += 1
            continue
        break
    return last


def number_after_street(text: str, toks: tuple[Token, ...]) -> list[Span]:
    """"Hauptstraße 5", "Berliner Straße 12", "Via Roma 8", "Kalverstraat 12a"."""
    found = []
    n = len(toks)
    for i, t in enumerate(toks):
        if not (t.word and (t.cap or t.low == "ul" or t.low in LOWER_FIRST or (
                t.low in SEPARATE_TYPES and i > 0 and toks[i - 1].cap)
                            or street_then_number(t) or (
                t.low == "via" and i + 1 < n and toks[i + 1].low not in english_words()))):
            continue  # "calle de alcala 48", "via roma 22" (not "via the A1")
        first, last = i, None
        apart = t.low in SEPARATE_TYPES and i > 0 and (
            toks[i - 1].cap or toks[i - 1].text == "-") and toks[i - 1].end >= t.start - 1
        if apart or (t.low.endswith(NUMBER_AFTER) and (len(t.low) > 5 or t.low in STREET_TYPES)):
            last = i + 1 if i + 1 < n and toks[i + 1].text == "." and t.low.endswith("str") \
                else i
            while apart and first > 0 and i - first < 5 and (
                    (toks[first - 1].cap and toks[first - 1].word)
                    or (toks[first - 1].text == "-" and toks[first - 1].end == toks[first].start)):
                first -= 1  # "Berliner Straße", "Sankt Annæ Plads", "Karl-Marx-Allee"
        elif t.low in STREET_FIRST and i + 1 < n:
            at = i + 2 if toks[i + 1].text == "." else i + 1  # "ul. Marszałkowska"
            last = street_name(toks, at)
            if last is not None and last > at and _marked_number(toks, last) > last:
                last -= 1  # "Jl. Sudirman No. 5": the mark is no part of the name
            if i > 0 and toks[i - 1].low in STREET_FIRST and toks[i - 1].word:
                first = i - 1  # "avenida paseo de la reforma 222"
        if last is None or last + 1 >= n:
            continue
        comma = toks[last + 1].text == "," and last + 2 < n  # "Rua Augusta, 1500"
        end = _marked_number(toks, last + 1 + comma)
        number = toks[end]
        if number.text.isdecimal() and len(number.text) <= 4 \
                and (number.start - toks[last].end <= 1 + 2 * comma or end > last + 1 + comma):
            if end + 1 < n and toks[end + 1].word and len(toks[end + 1].text) == 1 \
                    and toks[end + 1].start == number.end:
                end += 1  # "12a"
            elif end + 2 < n and toks[end + 1].text in {"-", "/"} \
                    and toks[end + 2].text.isdecimal() and len(toks[end + 2].text) <= 3 \
                    and toks[end + 1].start == number.end == toks[end + 2].start - 1:
                end += 2  # "Keizersgracht 52-2": the floor after the house number
            if end + 1 < n and toks[end + 1].low in MEASURES:
                continue
            end = postcode_after(toks, door_after(toks, end))  # "Hauptstraße 5, 10115 Berlin"
            stop = locality_after(text, toks, end)  # "Rua Augusta, 1500, São Paulo"
            found.append(Span(toks[first].start, max(stop, toks[end].end), "address"))
    return found


# Written between a street and its number: "Jl. Sudirman No. 5", "Via Roma n. 8".
_NUMBER_MARKS = {"no", "nr", "nº", "n", "num", "número", "numero"}


def _marked_number(toks: tuple[Token, ...], k: int) -> int:
    """The index of the house number at or after token k: past "No." / "nr" when the
    number follows that mark, else k."""
    n = len(toks)
    if k + 1 < n and toks[k].low in _NUMBER_MARKS:
        j = k + 2 if toks[k + 1].text == "." and k + 2 < n else k + 1
        if toks[j].text.isdecimal() and toks[j].start - toks[k].end <= 2:
            return j
    return k
