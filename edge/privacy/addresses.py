"""Street addresses, postcodes, ZIP codes and PO boxes.

A house number (digits, "221B", or words: "fourteen") then a street name and type ("Baker
Street", "harbour drive", "West 42nd Street") or a type first ("Rue de Rivoli", "avenue des
Champs-Élysées"); a street then its number, as in Germany and much of Europe
("Hauptstraße 5", "Via Roma 8"); a flat or unit with it ("Flat 3, 22 Acacia Avenue");
UK and Canadian postcodes; ZIP codes after "zip" or a state ("MA 02139"); PO boxes.
A number is a house number only when a street follows it: "a 10 minute drive" is none.
"""

from __future__ import annotations

import re

from edge.privacy.address_blocks import chome_addresses
from edge.privacy.address_parts import unit_addresses, widen
from edge.privacy.compass_streets import compass_streets
from edge.privacy.localities import (
    NOT_STREET,
    POSTCODE,
    US_STATES,
    ZIP_CUES,
    locality_after,
    postcode_after,
    spoken_postcode,
    upper,
)
from edge.privacy.name_things import english_words
from edge.privacy.spans import Span
from edge.privacy.street_anchors import typeless_streets
from edge.privacy.street_numbers import number_after_street, street_name, street_then_number
from edge.privacy.street_words import (
    CAPITAL_STREET_TYPES,
    COMPOUND_ENDINGS,
    DIRECTIONS,
    LOWER_FIRST,
    STREET_FIRST,
    STREET_TYPES,
    UNITS,
)
from edge.privacy.text import NUMBER_WORDS, NumberRun, Token, number_runs

_PO_BOX = re.compile(r"\b(?:P\.? ?O\.?|Post Office) ?Box \d+", re.IGNORECASE)
# Right before a five-digit number these make it a ZIP code: "a pharmacy near 90210".
_NEAR = {"near", "around", "nearby"}
# "the weather in 94110": a five-digit number ending a sentence after "in" is a ZIP code,
# unless these said what it numbers ("my order ends in 12345").
_NOT_ZIP = {"order", "number", "ends", "ending", "flight", "ref", "reference", "ticket",
            "booking", "account", "code", "pin", "tracking", "parcel", "room", "seat"}
# "restaurants that deliver to 94110": five digits that a delivery goes to.
_SHIPPED = {"deliver", "delivers", "delivering", "delivery", "deliveries", "ship", "ships",
            "shipping", "post", "mail", "send"}
# Before a house number these say an address follows: then a street type that is an
# everyday word counts lowercase too ("number 5 station approach"); after "at" or "to"
# (the number might be a time: "meet at 5 central park") only before a town's comma.
_ADDRESS_CUES = {"number", "no", "address", "is"}
_WEAK_CUES = {"at", "to"}


def find_addresses(text: str, toks: tuple[Token, ...]) -> list[Span]:
    found = [Span(m.start(), m.end(), "address") for m in POSTCODE.finditer(text)]
    cue = next((t for t in toks if t.low.removesuffix("'s") in ZIP_CUES or t.low == "post"),
               None)
    if cue is not None:  # "my postcode is sw1a 2aa": after the word, any case
        found.extend(Span(cue.end + m.start(), cue.end + m.end(), "address")
                     for m in POSTCODE.finditer(upper(text[cue.end:])))
    if "box" in text.lower():
        found.extend(Span(m.start(), m.end(), "address") for m in _PO_BOX.finditer(text))
    found.extend(spoken_postcode(toks))
    for run in _joined(number_runs(toks), toks):
        if len(run.digits) > 5 and not _hyphen_house(text, toks, run):
            if len(run.digits) == 9 and not run.words and _zip_cue(toks, run.first):
                found.append(Span(toks[run.first].start, toks[run.last].end, "address"))
            tail = _after_comma(toks, run)
            if tail is None:
                continue
            run = tail  # "(415) 555-0133, 12 Elm Street": a phone number, then a house's
        last = run.last
        if last + 1 < len(toks) and len(toks[last + 1].text) == 1 and toks[last + 1].word \
                and toks[last + 1].start == toks[last].end:  # 221B
            last += 1
        elif last + 2 < len(toks) and len(toks[last + 1].text) == 1 and toks[last + 1].word \
                and toks[last + 1].low not in {"a", "i"} and toks[last + 2].text == ",":
            last += 1  # "thirty two b, willow gardens"
        if last + 1 < len(toks) and toks[last + 1].low in {"bis", "ter"}:
            last += 1  # "2 bis rue Victor Hugo"
        nxt = last + 1
        before = toks[run.first - 1].low if run.first > 0 else ""
        if nxt < len(toks) and toks[nxt].text == "," and nxt + 1 < len(toks) and (
                toks[nxt + 1].cap or _lower_street(toks, nxt + 1, before)):
            nxt += 1  # "12, rue de la Paix", "number 12, Acacia Avenue", "number nine, the
            # crescent"
        if nxt < len(toks) and toks[nxt].low in {"st", "nd", "rd", "th"} \
                and toks[nxt].start == toks[last].end:
            if run.first == run.last:
                continue  # "near 5th Avenue": a street without a house number
            nxt = last  # "350 5th Avenue": the run's last number is the street's
        end = _street(toks, nxt, {",", ".", "!", "?", ""} if before in _ADDRESS_CUES
                      else {","} if before in _WEAK_CUES else set())
        if end is None and _block_number(text, toks, run) and nxt < len(toks) \
                and toks[nxt].word and (toks[nxt].cap or locality_after(text, toks, nxt) > 0):
            end = nxt  # "5-2-1 Ginza": a Japanese block address, the district after it
            while end + 2 < len(toks) and toks[end + 1].text == "-" and toks[end + 2].word \
                    and toks[end + 1].start == toks[end].end:
                end += 2  # "3-5-2 Nishi-Shinjuku"
        if end is not None and before in _WEAK_CUES and toks[nxt].low == "the" \
                and not toks[end].cap and locality_after(text, toks, end) < 0:
            end = None  # "meet at 5 the park, bring a ball": a time, then a place
        if end is None:
            end = _street_by_code(text, toks, nxt)
        if end is not None:
            first = _unit_before(toks, run.first)
            if first == run.first and before in {"number", "no"}:
                first -= 1  # "number nine, the crescent": the number's cue goes with it
            end = postcode_after(toks, _unit_after(toks, end))
            stop = locality_after(text, toks, end)
            found.append(Span(toks[first].start, max(stop, toks[end].end), "address"))
        if len(run.digits) == 5 and (_zip_cue(toks, run.first, spoken=run.words) or (
                not run.words and run.first > 0 and toks[run.first - 1].low in _NEAR)
                or _zip_in(toks, run)):
            found.append(Span(toks[run.first].start, toks[run.last].end, "address"))
    found.extend(number_after_street(text, toks))
    found.extend(unit_addresses(text, toks))
    found.extend(typeless_streets(text, toks))
    found.extend(compass_streets(toks))  # "1100 South Congress"
    if "hom" in text or "丁目" in text:
        found.extend(chome_addresses(text))  # "3 Chome-2-17 Ginza"
    return widen(text, toks, found)


def _street_by_code(text: str, toks: tuple[Token, ...], i: int) -> int | None:
    """"100 bishopsgate, london EC2N 4AG": a street with no type word ends at a comma when
    a town and a postal code follow; the code says it is an address."""
    for k in (i, i + 1):
        if k + 1 >= len(toks) or not all(t.word and t.low not in NOT_STREET
                                         and t.low not in NUMBER_WORDS for t in toks[i:k + 1]):
            return None
        if toks[k + 1].text == ",":
            stop = locality_after(text, toks, k)
            tail = upper(text[toks[k + 1].end:stop]) if stop > 0 else ""
            return k if POSTCODE.search(tail) or _FIVE.search(tail) else None
    return None


_FIVE = re.compile(r"\b\d{5}\b")


def _joined(runs: list[NumberRun], toks: tuple[Token, ...]) -> list[NumberRun]:
    """"two hundred and twelve": spoken runs joined over the "and" after a hundred."""
    out: list[NumberRun] = []
    for run in runs:
        if out and run.first == out[-1].last + 2 and toks[run.first - 1].low == "and" \
                and toks[out[-1].last].low in {"hundred", "thousand"}:
            prev = out.pop()
            run = NumberRun(prev.first, run.last, prev.digits + run.digits, True)
        elif run.first >= 2 and toks[run.first - 1].low == "and" and len(run.digits) <= 2 \
                and toks[run.first - 2].low == "hundred":  # "(a) hundred and twelve"
            first = run.first - 2 - (run.first > 2 and toks[run.first - 3].low == "a")
            run = NumberRun(first, run.last, str(100 + int(run.digits)), True)
        out.append(run)
    return out


def _zip_in(toks: tuple[Token, ...], run: NumberRun) -> bool:
    """"what's the weather like in 94110": five digits after "in", ending the sentence."""
    after = toks[run.last + 1].low if run.last + 1 < len(toks) else "."
    prev = toks[run.first - 1].low if run.first > 0 else ""
    shipped = prev == "to" and any(t.low in _SHIPPED for t in toks[max(0, run.first - 5):
                                                                    run.first - 1])
    return not run.words and (prev in {"in", "within"} or shipped) \
        and after in {".", "?", "!", ",", "that", "which", "area", "tonight", "today"} \
        and not any(t.low in _NOT_ZIP for t in toks[:run.first])


def _after_comma(toks: tuple[Token, ...], run: NumberRun) -> NumberRun | None:
    """The written number after the last comma inside a run, when it may number a house."""
    for k in range(run.last - 1, run.first, -1):
        if toks[k].text == ",":
            digits = toks[k + 1].text if k + 1 == run.last else ""
            if digits.isdecimal() and len(digits) <= 5:
                return NumberRun(k + 1, run.last, digits, False)
            return None
    return None


def _hyphen_house(text: str, toks: tuple[Token, ...], run: NumberRun) -> bool:
    """"94-1040 Waipahu Street", "104-20 Queens Blvd": a house number in two parts
    (Hawaii's zone and lot, Queens' cross street and house)."""
    return not run.words and _HYPHEN_HOUSE.fullmatch(
        text[toks[run.first].start:toks[run.last].end]) is not None


_HYPHEN_HOUSE = re.compile(r"\d{1,4}-\d{1,5}")  # "2104-88 Harbour St": unit, house


def _block_number(text: str, toks: tuple[Token, ...], run: NumberRun) -> bool:
    """"5-2-1": three or more numbers joined by hyphens (chome, block, house)."""
    return not run.words and _BLOCK.fullmatch(
        text[toks[run.first].start:toks[run.last].end]) is not None


_BLOCK = re.compile(r"\d{1,4}(?:-\d{1,4}){2,3}")


def _zip_cue(toks: tuple[Token, ...], first: int, spoken: bool = False) -> bool:
    """"zip code 94110", "my zip is nine oh two one oh", "Cambridge, MA 02139"."""
    if first > 0 and toks[first - 1].text in US_STATES and not spoken:
        return True
    before = toks[max(0, first - 8):first]  # "the zip code for my sister's place is 30309"
    cue = max((k for k, t in enumerate(before) if t.low in ZIP_CUES), default=-1)
    return cue >= 0 and (len(before) - cue <= 4 or (
        before[-1].low in {"is", "was", "'s", ":"} and not any(
            t.text.isdecimal() or t.low in NUMBER_WORDS for t in before[cue:])))


def _lower_street(toks: tuple[Token, ...], i: int, before: str) -> bool:
    """After a house number's comma, a lowercase street whose type is never an everyday
    word: "thirty two b, willow gardens", "number nine, the crescent"."""
    end = _street(toks, i, {",", ".", "!", "?", ""} if before in _ADDRESS_CUES else {","})
    return end is not None and toks[end].low in STREET_TYPES and not toks[end].cap


def _street_type(t: Token, cued: bool = False) -> bool:
    return t.low in STREET_TYPES or (t.low in CAPITAL_STREET_TYPES and (t.cap or cued))


def _street(toks: tuple[Token, ...], i: int, closers: set[str] | None = None) -> int | None:
    """Index of the last token of "Baker Street" / "Rue de Rivoli" starting at i.
    `closers`: after an address cue, a lowercase "station approach" is a street when one
    of these ("" for the end of the text) follows it."""
    n = len(toks)
    if i >= n or not toks[i].word:
        return None
    if toks[i].low in STREET_FIRST and (toks[i].cap or toks[i].low in LOWER_FIRST):
        end = street_name(toks, i + 1)
        if end is not None:
            return end
    if toks[i].low == "broadway" and toks[i].cap:
        return i
    if street_then_number(toks[i]) or (
            toks[i].cap and len(toks[i].low) > 6 and toks[i].low.endswith(COMPOUND_ENDINGS)
            and toks[i].low not in english_words() and i + 1 < n and toks[i + 1].text == ","):
        return i  # "10 Hauptstraße", "5 kerkstraat", "12 Kingsway, Ikeja"
    if toks[i].low == "the" and i + 1 < n and _street_type(toks[i + 1], closers is not None
                                                           and (toks[i + 2].text if i + 2 < n
                                                                else "") in closers):
        return i + 1  # "3 The Green", "12 The Crescent", "at 3 the green, ambleside"
    j, names = i, 0
    while j < n and names < 5:  # "1 Sheikh Mohammed bin Rashid Blvd"
        t = toks[j]
        if t.text.isdecimal() and j + 1 < n and toks[j + 1].low in {"st", "nd", "rd", "th"} \
                and toks[j + 1].start == t.end:
            j += 2  # "West 42nd Street"
            names += 1
            continue
        if t.text == "'" or (t.text in {"-", "."} and j > i and toks[j - 1].end == t.start):
            j += 1  # "Queen's", "Saint-Denis", "St. John's"
            continue
        if not t.word or t.low in NOT_STREET or t.low in NUMBER_WORDS:
            return None
        if j > i and (_street_type(t) or (closers and _street_type(t, True) and (
                toks[j + 1].text if j + 1 < n else "") in closers)):
            end = j
            while end + 1 < n and _street_type(toks[end + 1]):
                end += 1  # "Pine Ridge Road"
            if end + 1 < n and toks[end + 1].text == "." and toks[end].low in {
                    "st", "rd", "ave", "dr", "blvd", "ln", "ct", "pl", "cres", "tce"}:
                end += 1
            if end + 1 < n and toks[end + 1].text in DIRECTIONS:
                end += 1
            return end
        j += 1
        names += 1
    return None


def _unit_before(toks: tuple[Token, ...], first: int) -> int:
    """"Flat 3, 22 Acacia Avenue": the flat or unit goes with the address."""
    j = first - 1
    if j >= 0 and toks[j].low in UNITS - {"no", "number", "po", "#"}:
        return j  # "Unit 3/15 Smith Street"
    if j >= 0 and toks[j].text in {",", "/"}:
        j -= 1
    if j >= 1 and (toks[j].text.isdecimal() or (len(toks[j].text) == 1 and toks[j].word)):
        k = j - 1
        if k >= 1 and toks[j].word and toks[k].text.isdecimal() \
                and toks[j].start - toks[k].end <= 1:
            k -= 1  # "Flat 4B", "flat 2 b"
        if toks[k].low in UNITS:
            return k
    return first


def _unit_after(toks: tuple[Token, ...], end: int) -> int:
    """"1234 Elm St. Apt 5": the flat or suite after the street goes with it."""
    j = end + 1
    if j < len(toks) and toks[j].text == ",":
        j += 1
    if j + 1 < len(toks) and toks[j].low in UNITS - {"no", "number", "house", "po"}:
        k = j + 1
        if toks[k].text == "#" and k + 1 < len(toks):
            k += 1
        if toks[k].low in NUMBER_WORDS and toks[k].low not in {"hundred", "thousand"}:
            return k  # "fifty two elm street apartment three"
        if toks[k].text.isdecimal():
            if k + 1 < len(toks) and toks[k + 1].word and len(toks[k + 1].text) == 1 \
                    and toks[k + 1].start == toks[k].end:
                k += 1
            return k
    return end
