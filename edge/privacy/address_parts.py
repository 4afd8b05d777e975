"""The parts around an address's anchor, on either side of it, up to the clause's end.

An address is an anchor (a house number and its street, a street and its number, a PO box,
a postal code, a numbered unit: "No. 7", "Flat 9B", "D-14", "RR 2") and the comma-separated
parts that belong to it: before it a flat, a plot or a house's name ("The Old Rectory, 3
Church Lane", "Block C, 45 Ring Road"); after it the building, the street, the locality,
district, town, county, region and postal code ("No. 7, 2nd Cross, Indiranagar, Bangalore
560038"). Before a postal code its town, county and the localities before them join too
("Hill House, Ballymore, Co. Westmeath N91 K3P2"), but never a person's name
("Klaus Becker, Lindenstraße 8").
"""

from __future__ import annotations

from edge.privacy.address_edges import house_before, numbered_road
from edge.privacy.localities import (
    NOT_STREET,
    NOT_TOWN,
    POSTCODE,
    REGIONS_ALL,
    locality_after,
    postcode_after,
    town_without_comma,
)
from edge.privacy.name_lists import gazetteer, place_words
from edge.privacy.name_things import english_words
from edge.privacy.spans import Span
from edge.privacy.street_words import (
    BUILDING_WORDS,
    CAPITAL_STREET_TYPES,
    FLOOR_WORDS,
    LOWER_FIRST,
    ORDINAL_STREETS,
    ORDINAL_SUFFIXES,
    PART_UNITS,
    STREET_FIRST,
    STREET_TYPES,
    UNIT_ANCHORS,
)
from edge.privacy.text import Token

_END = {".", "!", "?", ";", ":"}
# Lowercase inside a place's or building's name: "Teach na Coille", "Stratford upon Avon".
_INSIDE = {"de", "la", "le", "du", "des", "del", "da", "do", "di", "na", "of", "on", "upon",
           "am", "an", "en", "sur", "y", "and", "'", "’"}
# Before a unit that starts an address: "the address is No. 7, ...", "Rohan's place, B-402".
_UNIT_CUES = {",", ":", "is", "at", "to", "from", "in", "address", "was", "'s", "place"}
_COUNTY = {"co", "county"}


def unit_addresses(text: str, toks: tuple[Token, ...]) -> list[Span]:
    """"No. 7, 2nd Cross, Indiranagar", "D-14, Vasant Vihar, New Delhi 110057", "RR 2, Site
    5, Box 12, Hope, Ontario": a numbered unit, when the parts after it make an address (a
    street, a postal code or a known place among them)."""
    found = []
    for i, t in enumerate(toks):
        nxt = toks[i + 1].text if i + 1 < len(toks) else ""
        if not (t.low in UNIT_ANCHORS or (t.low == "rural" and nxt.lower() == "route")
                or (len(t.text) == 1 and t.text.isupper() and nxt == "-")):
            continue
        before = toks[i - 1].low if i > 0 else ","
        if (t.low in {"no", "number"} or len(t.text) == 1) and before not in _UNIT_CUES:
            continue  # "gate B-12", "Chanel No. 5"
        end = _unit(toks, i)
        if end is None or end + 2 >= len(toks) or toks[end + 1].text != ",":
            continue
        last, sure = parts_after(text, toks, end)
        if last > end and sure:
            found.append(Span(t.start, toks[last].end, "address"))
    return found


def widen(text: str, toks: tuple[Token, ...], found: list[Span]) -> list[Span]:
    """Each address grown over the parts before and after it."""
    if not found:
        return found
    starts = {t.start: i for i, t in enumerate(toks)}
    ends = {t.end: i for i, t in enumerate(toks)}
    out = []
    for span in found:
        first, last = starts.get(span.start), ends.get(span.end)
        if first is None or last is None:
            out.append(span)
            continue
        last = numbered_road(toks, last)
        last = parts_after(text, toks, last)[0]
        first = house_before(toks, _backward(text, toks, first))
        out.append(Span(toks[first].start, toks[last].end, "address"))
    return out


def parts_after(text: str, toks: tuple[Token, ...], last: int) -> tuple[int, bool]:
    """The last token of the parts after token `last`, and whether one of them says it is
    an address (a street, a postal code, a region or a known place)."""
    n, sure = len(toks), False
    while last + 1 < n and toks[last + 1].cap and toks[last + 1].low in BUILDING_WORDS:
        last += 1  # "Flat 9B, Sea View Towers": the building's name goes on
    for _ in range(8):
        if last + 2 < n and toks[last + 1].text == ",":
            k = last + 2
            part = next((e for find in (_unit, _floor, _street_part, _building)
                         if (e := find(toks, k)) is not None and _closed(toks, e + 1)), None)
            if part is not None:
                sure = sure or _street_part(toks, k) == part
                last = part
                continue
        stop = locality_after(text, toks, last)
        if stop < 0:
            code = postcode_after(toks, last)
            if code == last:
                code = town_without_comma(toks, last)
            if code < 0 or code == last:
                break
            stop = toks[code].end
        j = last
        while j + 1 < n and toks[j + 1].end <= stop:
            j += 1
            if toks[j].text == "," and j > last + 1 and _unit(toks, j + 1) is not None:
                j -= 1  # "Street 7, Sector F-8/3": the unit is the next part
                break
        if j + 2 < n and toks[j].low in _COUNTY and toks[j + 1].text == "." \
                and toks[j + 2].cap:
            j += 2  # "Ballymore, Co. Westmeath"
        sure = sure or any(_telling(text, t) for t in toks[last + 1:j + 1])
        last = j
    return last, sure


def _telling(text: str, t: Token) -> bool:
    """A token that makes the parts an address: a postal code, a region, a known place."""
    return (t.text.isdecimal() and 4 <= len(t.text) <= 6) or t.text in REGIONS_ALL \
        or t.low in place_words() or POSTCODE.match(text, t.start) is not None \
        or (t.cap and t.low in DISTRICTS)


# A town's numbered or named divisions: "District 1", "Ward 5", "Col. Roma", "Kadıköy
# Mahallesi"; a part with one of these is an address's.
DISTRICTS = {"district", "ward", "arrondissement", "colonia", "col", "barrio", "bairro",
             "mahallesi", "mah", "kecamatan", "kelurahan", "barangay", "brgy", "oblast",
             "raion", "prefecture", "quartier", "urbanizacion", "urb"}


def _backward(text: str, toks: tuple[Token, ...], first: int) -> int:
    """The first token of the parts before token `first`: units, plots and house names;
    before a postal code its town and county too, and the localities and street before
    them ("Rose Cottage, Mill Lane, Little Snoring, NR21 0AA")."""
    towns = _at_code(text, toks, first)
    if towns:
        first = _town_before(toks, first)
    for _ in range(6):
        if first < 2 or toks[first - 1].text != ",":
            break
        start = _part_before(toks, first - 2, towns)
        if start is None:
            break
        towns = towns and _locality(toks, start, first - 2)
        first = start
    return first


def _at_code(text: str, toks: tuple[Token, ...], i: int) -> bool:
    """Token i starts a postal code ("N91 K3P2") or a region and its code ("FL 33131")."""
    t = toks[i]
    return (t.word and POSTCODE.match(text, t.start) is not None) or (
        t.text in REGIONS_ALL and i + 1 < len(toks) and toks[i + 1].text.isdecimal())


def _town_before(toks: tuple[Token, ...], first: int) -> int:
    """"Okotoks AB T1S 1A1", "Co. Westmeath N91 K3P2": the region and town before a code."""
    j = first
    if j > 0 and toks[j - 1].text in REGIONS_ALL:
        j -= 1
    k = j
    while k > 0 and j - k < 3 and toks[k - 1].cap and toks[k - 1].word \
            and toks[k - 1].low not in NOT_TOWN and not _opens(toks, k - 1):
        k -= 1
    if k >= 2 and k < j and toks[k - 1].text == "." and toks[k - 2].low in _COUNTY:
        k -= 2
    elif k >= 1 and k < j and toks[k - 1].low == "county":
        k -= 1
    return k


def _opens(toks: tuple[Token, ...], i: int) -> bool:
    """Token i starts the text or a sentence (not after "Co." or "St.")."""
    return i == 0 or (toks[i - 1].text in _END and not (
        toks[i - 1].text == "." and i > 1 and len(toks[i - 2].text) <= 3 and toks[i - 2].cap))


def _part_before(toks: tuple[Token, ...], end: int, towns: bool) -> int | None:
    """The first token of the longest part that ends at token `end` (before a comma)."""
    s = end
    while s > 0 and toks[s - 1].text not in {",", *_END} and end - s < 7:
        s -= 1
    for k in range(s, end + 1):
        t = toks[k]
        if not (t.cap or t.text.isdecimal() or t.low in PART_UNITS or t.low == "the"):
            continue
        if _opens(toks, k) and k < end and t.low in english_words() \
                and t.low not in PART_UNITS | {"the"}:
            continue  # "Deliver The Old Rectory": the verb is no part of it
        for part in (_unit, _building, _street_part):
            if part(toks, k) == end:
                return k
        if towns and _locality(toks, k, end):
            return k
    return None


def _locality(toks: tuple[Token, ...], k: int, end: int) -> bool:
    """Capitalised words that may name a place ("Little Snoring", "Dublin 8", "Co.
    Westmeath"), and not a person ("Sarah Jones")."""
    if end > k and toks[end].text.isdecimal() and len(toks[end].text) <= 2:
        end -= 1  # "Dublin 8"
    if end > k + 1 and toks[k].low in _COUNTY and toks[k + 1].text == ".":
        k += 2
    words = [t for t in toks[k:end + 1] if t.text not in {"-", "."}]
    if not words or len(words) > 4 or not words[0].cap or words[0].low in NOT_TOWN:
        return False
    if not all(t.cap or t.low in _INSIDE for t in words):
        return False
    given, _, surnames = gazetteer()
    return not (len(words) == 2 and words[0].low in given and words[1].low in surnames
                and words[1].low not in place_words())


def _closed(toks: tuple[Token, ...], i: int) -> bool:
    return i >= len(toks) or toks[i].text in {",", *_END}


def _unit(toks: tuple[Token, ...], k: int) -> int | None:
    """The last token of "Flat 9B", "House No. 1243", "Block C", "Plot 22", "RR 2", "B-402"
    starting at token k."""
    n, j = len(toks), k
    if toks[j].low in PART_UNITS or toks[j].low == "rural":
        j += 1
        if j < n and toks[j].low == "route" and toks[k].low == "rural":
            j += 1
        if j < n and toks[j].text == "." and toks[j].start == toks[j - 1].end:
            j += 1  # "No.", "Apt."
        if j < n and toks[j].low in {"no", "number", "#"} and toks[k].low not in {"no", "#"}:
            j += 1
            if j < n and toks[j].text == ".":
                j += 1
        if j < n and toks[j].text in {"#", ":"}:
            j += 1
    elif not (len(toks[k].text) == 1 and toks[k].text.isupper() and k + 2 < n
              and toks[k + 1].text == "-" and toks[k + 2].text.isdecimal()):
        return None
    return _code(toks, j) if j > k or toks[k].word else None


def _code(toks: tuple[Token, ...], j: int) -> int | None:
    """The last token of a unit's number: "9B", "1243", "C", "B-402", "F-8/3", "3/15"."""
    n = len(toks)
    if j >= n or not ((toks[j].text.isdecimal() and len(toks[j].text) <= 5)
                      or (len(toks[j].text) == 1 and toks[j].text.isupper())):
        return None
    e = j
    while e + 1 < n and e - j < 6 and toks[e + 1].start == toks[e].end:
        nxt = toks[e + 1]
        if nxt.word and len(nxt.text) == 1 and toks[e].text.isdecimal():
            e += 1  # "9B"
        elif nxt.text in {"-", "/"} and e + 2 < n and toks[e + 2].start == nxt.end and (
                toks[e + 2].text.isdecimal() or len(toks[e + 2].text) == 1):
            e += 2  # "B-402", "F-8/3"
        else:
            break
    return e


def _floor(toks: tuple[Token, ...], k: int) -> int | None:
    """"2º izquierda", "3rd floor", "1st left": a floor's number and where the door is."""
    n = len(toks)
    if not (toks[k].text.isdecimal() and len(toks[k].text) <= 2 and k + 1 < n
            and toks[k + 1].low in ORDINAL_SUFFIXES and toks[k + 1].start == toks[k].end):
        return None
    e = k + 1
    while e + 1 < n and e - k < 4 and toks[e + 1].low in FLOOR_WORDS:
        e += 1
    return e


def _street_part(toks: tuple[Token, ...], k: int) -> int | None:
    """The last token of a street's name starting at token k, its house number before it
    or not: "Mill Lane", "2nd Cross", "3 Church Lane", "Ademola Adetokunbo Crescent"."""
    n, j = len(toks), k
    if j < n and toks[j].text.isdecimal() and j + 1 < n and toks[j + 1].word:
        if toks[j + 1].start == toks[j].end and toks[j + 1].low in ORDINAL_SUFFIXES:
            e = j + 2
            if not (e < n and toks[e].cap and (
                    toks[e].low in ORDINAL_STREETS or _street_type(toks[e]))):
                return None
            while e + 1 < n and toks[e + 1].cap and _street_type(toks[e + 1]):
                e += 1
            return e  # "2nd Cross", "5th Avenue", "4th Cross Street"
        j += 1  # "3 Church Lane"
    if j + 1 < n and (toks[j].low in STREET_FIRST or toks[j].low in STREET_TYPES) \
            and toks[j + 1].text.isdecimal() and len(toks[j + 1].text) <= 4:
        return j + 1  # "Lorong 11", "Soi 24", "Street 7", "Road 12"
    if j < n and toks[j].low in STREET_FIRST and toks[j].cap and j + 1 < n \
            and toks[j + 1].cap:
        e = j + 1
        while e + 1 < n and (toks[e + 1].cap or (toks[e + 1].low in _INSIDE and e + 2 < n
                                                 and toks[e + 2].cap)) and e - j < 5:
            e += 1
        return e  # "Calle Mayor", "Rue des Martyrs"
    if j + 1 < n and toks[j].low in LOWER_FIRST and not toks[j].cap and _foreign(toks[j + 1]):
        e = j + 1
        while e + 1 < n and e - j < 4 and _foreign(toks[e + 1]):
            e += 1
        return e  # a transcript's "jalan bukit bintang", "rue sherbrooke"
    if j < n and toks[j].word and not toks[j].cap:
        return _lower_name(toks, j, STREET_TYPES)  # a transcript's "independence avenue"
    e = j
    while e < n and e - j < 5 and toks[e].word and (toks[e].cap or toks[e].low in _INSIDE):
        if e > j and _street_type(toks[e]) and not (
                e + 1 < n and toks[e + 1].cap and _street_type(toks[e + 1])):
            return e
        e += 1
    return None


def _foreign(t: Token) -> bool:
    """A lowercase word that is no English word: a street's name in its own language."""
    return t.word and not t.cap and t.low.isalpha() and len(t.low) > 2 \
        and t.low not in english_words() and t.low not in NOT_STREET


# Lowercase (a transcript's) house names: "rose court", "ivy cottage".
_LOWER_BUILDINGS = {"court", "house", "cottage", "towers", "tower", "mansions", "apartments",
                    "lodge", "farm", "villa", "residency", "heights", "chambers", "manor"}


def _lower_name(toks: tuple[Token, ...], k: int, ends: set[str]) -> int | None:
    """The last token of lowercase words ending in one of `ends` ("rose court"), the words
    before it none that go on with a sentence ("the", "my", "to")."""
    e = k
    while e < len(toks) and e - k < 4 and toks[e].word and not toks[e].cap \
            and toks[e].low not in NOT_STREET:
        if e > k and toks[e].low in ends:
            return e
        e += 1
    return None


def _street_type(t: Token) -> bool:
    return t.low in STREET_TYPES or t.low in CAPITAL_STREET_TYPES


def _building(toks: tuple[Token, ...], k: int) -> int | None:
    """The last token of a house's or building's name: "Rose Cottage", "The Maltings",
    "Sea View Towers", "Lodha Park"."""
    n = len(toks)
    if toks[k].word and not toks[k].cap and toks[k].low != "the":
        return _lower_name(toks, k, _LOWER_BUILDINGS)
    the = toks[k].low == "the"
    e, last = k + the, None
    while e < n and e - k < 6 and toks[e].word and (
            toks[e].cap or (e > k + the and toks[e].low in _INSIDE and e + 1 < n
                            and toks[e + 1].cap)):
        if toks[e].cap:
            last = e
        e += 1
    if last is None or (not the and not any(
            t.low in BUILDING_WORDS for t in toks[k + 1:last + 1])):
        return None
    return last
