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

from edge.privacy.spans import Span
from edge.privacy.text import DIGIT_WORDS, NUMBER_WORDS, NumberRun, Token, number_runs

STREET_TYPES = {"street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "dr",
                "boulevard", "blvd", "way", "court", "ct", "place", "pl", "close", "crescent",
                "terrace", "grove", "gardens", "square", "sq", "row", "parkway", "pkwy",
                "highway", "hwy", "circle", "cir", "trail", "loop", "walk", "mews", "alley",
                "plaza", "hill", "rise", "wharf", "quay", "parade", "esplanade", "embankment",
                "pike", "turnpike", "expressway", "freeway", "cres", "tce", "pde", "ter",
                "hts", "trl", "marg", "nagar", "salai", "strasse", "straße", "weg", "allee",
                "avenida", "vale", "meadows", "drive's"}
# Street types that are everyday words too: a street only when capitalised ("12 Elm Park").
CAPITAL_STREET_TYPES = {"park", "green", "view", "gate", "point", "heights", "ridge",
                        "crossing", "landing", "cove", "path", "chase", "yard", "approach",
                        "circus", "estate", "end", "fields", "field", "broadway", "road's",
                        "common", "hollow", "glen", "manor", "croft", "gardens"}
STREET_FIRST = {"rue", "calle", "via", "avenida", "avenue", "boulevard", "chemin", "strada",
                "rua", "ul", "ulica", "aleja", "plaza", "piazza", "viale", "corso", "carrer",
                "paseo", "rambla", "allee", "quai", "impasse", "place", "platz"}
# Written lowercase too ("45 rue de la Paix"); "via" is "by" in English.
_LOWER_FIRST = STREET_FIRST - {"via", "place", "plaza", "platz"}
_PARTICLES = {"de", "la", "le", "les", "du", "des", "del", "della", "delle", "di", "da", "do",
              "dos", "das", "von", "van", "der", "den", "l", "d", "y", "e", "st", "saint",
              "sainte", "san", "santa", "'", "’"}
# "Hauptstraße 5", "Kalverstraat 12": a street then its number.
_NUMBER_AFTER = ("strasse", "straße", "str", "weg", "platz", "allee", "gasse", "damm", "ufer",
                 "chaussee", "straat", "laan", "gracht", "plein", "steig", "pfad", "markt",
                 "vej", "gatan", "vagen", "katu", "utca", "ulica")
DIRECTIONS = {"N", "S", "E", "W", "NE", "NW", "SE", "SW", "North", "South", "East", "West",
              "north", "south", "east", "west", "Ouest", "Est", "Nord", "Sud", "Norte", "Sur",
              "Oeste"}
# Regions written after a town: US states (US_STATES), Canadian provinces, Australian states.
REGIONS = {"QC", "ON", "BC", "AB", "MB", "SK", "NS", "NB", "NL", "PE", "YT", "NT", "NU", "NSW",
           "VIC", "QLD", "WA", "SA", "TAS", "ACT"}
# Capitalised words after a street's comma that start a new clause, not a town.
_NOT_TOWN = {"please", "thanks", "thank", "and", "but", "so", "then", "i", "i'm", "it's", "we",
             "you", "they", "he", "she", "it", "the", "is", "are", "can", "could", "would",
             "will", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
             "sunday", "today", "tomorrow", "tonight", "apartment", "apt", "flat", "unit",
             "suite", "ok", "okay", "yes", "no", "hi", "hey", "what", "when", "where", "how"}
# A house number is not followed by these ("a 10 minute drive", "3 hour walk").
_NOT_STREET = {"minute", "minutes", "min", "hour", "hours", "mile", "miles", "km", "second",
               "seconds", "day", "days", "week", "weeks", "month", "months", "year", "years",
               "meter", "meters", "metre", "metres", "foot", "feet", "step", "steps", "the",
               "a", "an", "to", "at", "on", "in", "of", "and", "or", "for", "by", "from",
               "percent", "degrees", "times", "more", "less", "blocks", "block", "people",
               "kids", "dogs", "cats", "yards", "kilometres", "kilometers", "laps", "lap",
               "stops", "stop", "exits", "exit", "floors", "floor", "my", "your", "his",
               "her", "our", "their", "is", "was", "are", "with", "it", "that", "this",
               "pm", "am", "o'clock", "i", "you", "we", "they", "he", "she", "bus", "train"}
_UNITS = {"flat", "apartment", "apt", "unit", "suite", "ste", "room", "#", "no", "number",
          "floor", "building", "bldg", "house", "lot", "po"}
# UK, Canadian and Irish (Eircode: "H91 E2K3", its second half letters and digits mixed).
_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d"
                       r"|[AC-FHKNPRTV-Y]\d[\dW]\s?(?=[A-Z\d]{0,3}[A-Z])(?=[A-Z\d]{0,3}\d)"
                       r"[AC-FHKNPRTV-Y\d]{4})\b")
# "00-514 Warszawa", "1000-001 Lisboa": Polish and Portuguese postal codes.
_HYPHEN_CODE = re.compile(r"\d{2}-\d{3}|\d{4}-\d{3}")
_PO_BOX = re.compile(r"\b(?:P\.? ?O\.?|Post Office) ?Box \d+", re.IGNORECASE)
_ZIP_CUES = {"zip", "zipcode", "postcode", "postal"}
# Right before a five-digit number these make it a ZIP code: "a pharmacy near 90210".
_NEAR = {"near", "around", "nearby"}
# "the weather in 94110": a five-digit number ending a sentence after "in" is a ZIP code,
# unless these said what it numbers ("my order ends in 12345").
_NOT_ZIP = {"order", "number", "ends", "ending", "flight", "ref", "reference", "ticket",
            "booking", "account", "code", "pin", "tracking", "parcel", "room", "seat"}
US_STATES = {"AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL",
             "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT",
             "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI",
             "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC"}


_REGIONS_ALL = US_STATES | REGIONS


def find_addresses(text: str, toks: tuple[Token, ...]) -> list[Span]:
    found = [Span(m.start(), m.end(), "address") for m in _POSTCODE.finditer(text)]
    cue = next((t for t in toks if t.low in _ZIP_CUES or t.low == "post"), None)
    if cue is not None:  # "my postcode is sw1a 2aa": after the word, any case
        found.extend(Span(cue.end + m.start(), cue.end + m.end(), "address")
                     for m in _POSTCODE.finditer(_upper(text[cue.end:])))
    if "box" in text.lower():
        found.extend(Span(m.start(), m.end(), "address") for m in _PO_BOX.finditer(text))
    found.extend(_spoken_postcode(toks))
    for run in _joined(number_runs(toks), toks):
        if len(run.digits) > 5:
            if len(run.digits) == 9 and not run.words and _zip_cue(toks, run.first):
                found.append(Span(toks[run.first].start, toks[run.last].end, "address"))
            continue
        last = run.last
        if last + 1 < len(toks) and len(toks[last + 1].text) == 1 and toks[last + 1].word \
                and toks[last + 1].start == toks[last].end:  # 221B
            last += 1
        if last + 1 < len(toks) and toks[last + 1].low in {"bis", "ter"}:
            last += 1  # "2 bis rue Victor Hugo"
        nxt = last + 1
        if nxt < len(toks) and toks[nxt].text == "," and nxt + 1 < len(toks) \
                and toks[nxt + 1].cap:
            nxt += 1  # "12, rue de la Paix", "number 12, Acacia Avenue"
        if nxt < len(toks) and toks[nxt].low in {"st", "nd", "rd", "th"} \
                and toks[nxt].start == toks[last].end:
            if run.first == run.last:
                continue  # "near 5th Avenue": a street without a house number
            nxt = last  # "350 5th Avenue": the run's last number is the street's
        end = _street(toks, nxt)
        if end is None and _block_number(text, toks, run) and nxt < len(toks) \
                and toks[nxt].cap and toks[nxt].word:
            end = nxt  # "5-2-1 Ginza": a Japanese block address, the district after it
        if end is not None:
            first = _unit_before(toks, run.first)
            end = _postcode_after(toks, _unit_after(toks, end))
            stop = _locality_after(text, toks, end)
            found.append(Span(toks[first].start, max(stop, toks[end].end), "address"))
        if len(run.digits) == 5 and (_zip_cue(toks, run.first, spoken=run.words) or (
                not run.words and run.first > 0 and toks[run.first - 1].low in _NEAR)
                or _zip_in(toks, run)):
            found.append(Span(toks[run.first].start, toks[run.last].end, "address"))
    found.extend(_number_after_street(text, toks))
    return found


def _joined(runs: list[NumberRun], toks: tuple[Token, ...]) -> list[NumberRun]:
    """"two hundred and twelve": spoken runs joined over the "and" after a hundred."""
    out: list[NumberRun] = []
    for run in runs:
        if out and run.first == out[-1].last + 2 and toks[run.first - 1].low == "and" \
                and toks[out[-1].last].low in {"hundred", "thousand"}:
            prev = out.pop()
            run = NumberRun(prev.first, run.last, prev.digits + run.digits, True)
        out.append(run)
    return out


def _zip_in(toks: tuple[Token, ...], run: NumberRun) -> bool:
    """"what's the weather like in 94110": five digits after "in", ending the sentence."""
    after = toks[run.last + 1].text if run.last + 1 < len(toks) else "."
    return not run.words and run.first > 0 and toks[run.first - 1].low == "in" \
        and after in {".", "?", "!", ","} \
        and not any(t.low in _NOT_ZIP for t in toks[:run.first])


def _block_number(text: str, toks: tuple[Token, ...], run: NumberRun) -> bool:
    """"5-2-1": three or more numbers joined by hyphens (chome, block, house)."""
    return not run.words and _BLOCK.fullmatch(
        text[toks[run.first].start:toks[run.last].end]) is not None


_BLOCK = re.compile(r"\d{1,4}(?:-\d{1,4}){2,3}")


def _locality_after(text: str, toks: tuple[Token, ...], end: int) -> int:
    """End offset of the town, region and postcode after a street's comma ("1 Infinite
    Loop, Cupertino", "45 Queen's Road, Bristol BS8 1QU", "Chuo-ku, Tokyo", "Toronto, ON
    M5V 2T6"), or -1 when none follows."""
    n, j, stop, towns = len(toks), end + 1, -1, 0
    while j < n and toks[j].text == "," and towns < 3:
        k = j + 1
        if k < n and toks[k].text in _REGIONS_ALL:
            stop, j = toks[k].end, k + 1
        else:
            m = k
            while m < n and m - k < 4 and not (m > k and _POSTCODE.match(
                    text, toks[m].start)) and (toks[m].word and toks[m].cap and toks[m].low
                                               not in _NOT_TOWN or (
                    toks[m].text == "-" and m > k and toks[m - 1].end == toks[m].start)
                    or (m > k and toks[m - 1].text == "-" and toks[m].word)):
                m += 1  # "Los Angeles", "Chuo-ku", "Little Whinging"
            if m == k:
                break
            stop, j = toks[m - 1].end, m
            if j < n and toks[j].text in _REGIONS_ALL:
                stop, j = toks[j].end, j + 1  # "Sydney NSW 2000"
        towns += 1
        code = _POSTCODE.match(text, toks[j].start) if j < n else None
        if code is not None:
            stop = code.end()
            while j < n and toks[j].start < stop:
                j += 1
        elif j < n and toks[j].text.isdecimal() and len(toks[j].text) in {4, 5, 6}:
            stop, j = toks[j].end, j + 1  # "CA 90028", "VIC 3000"
        elif j < n and toks[j].text.isdecimal() and len(toks[j].text) <= 2 and (
                j + 1 >= n or toks[j + 1].text in {",", ".", "!", "?"}):
            stop, j = toks[j].end, j + 1  # "Dublin 1": a city's postal district
        else:
            k = j
            while k < n and toks[k].low in DIGIT_WORDS and k - j < 6:
                k += 1
            if k - j >= 4:
                stop, j = toks[k - 1].end, k  # "Bengaluru five six zero zero zero one"
    return stop


def _spoken_postcode(toks: tuple[Token, ...]) -> list[Span]:
    """"the postcode is e c one a one b b": letters and digit words after the cue that
    spell a UK or Canadian postcode."""
    found = []
    for i, t in enumerate(toks):
        if t.low not in _ZIP_CUES and not (t.low in {"code", "code's"} and i > 0
                                           and toks[i - 1].low in {"post", "postal"}):
            continue
        j = i + 1
        while j < len(toks) and j - i <= 3 and toks[j].low in {"is", "'s", "it's", ":"}:
            j += 1
        chars, k = "", j
        while k < len(toks) and len(chars) < 7:
            low = toks[k].low
            if len(low) == 1 and toks[k].word:
                chars += low.upper()
            elif low in DIGIT_WORDS:
                chars += DIGIT_WORDS[low]
            elif toks[k].text.isdecimal() and len(low) <= 2:
                chars += low
            else:
                break
            k += 1
        if k > j and _POSTCODE.fullmatch(chars[:-3] + " " + chars[-3:]):
            found.append(Span(toks[j].start, toks[k - 1].end, "address"))
    return found


def _upper(text: str) -> str:
    """Upper case, one character for one ("ß" stays), so offsets hold."""
    return "".join(u if len(u := c.upper()) == 1 else c for c in text)


def _zip_cue(toks: tuple[Token, ...], first: int, spoken: bool = False) -> bool:
    """"zip code 94110", "my zip is nine oh two one oh", "Cambridge, MA 02139"."""
    if first > 0 and toks[first - 1].text in US_STATES and not spoken:
        return True
    return any(t.low in _ZIP_CUES for t in toks[max(0, first - 4):first])


def _street_type(t: Token) -> bool:
    return t.low in STREET_TYPES or (t.low in CAPITAL_STREET_TYPES and t.cap)


def _street(toks: tuple[Token, ...], i: int) -> int | None:
    """Index of the last token of "Baker Street" / "Rue de Rivoli" starting at i."""
    n = len(toks)
    if i >= n or not toks[i].word:
        return None
    if toks[i].low in STREET_FIRST and (toks[i].cap or toks[i].low in _LOWER_FIRST):
        end = _street_name(toks, i + 1)
        if end is not None:
            return end
    if toks[i].low == "broadway" and toks[i].cap:
        return i
    if toks[i].cap and len(toks[i].low) > 5 and toks[i].low.endswith(_NUMBER_AFTER):
        return i  # "10 Hauptstraße"
    if toks[i].low == "the" and i + 1 < n and toks[i + 1].cap and _street_type(toks[i + 1]):
        return i + 1  # "3 The Green", "12 The Crescent"
    j, names = i, 0
    while j < n and names < 4:
        t = toks[j]
        if t.text.isdecimal() and j + 1 < n and toks[j + 1].low in {"st", "nd", "rd", "th"} \
                and toks[j + 1].start == t.end:
            j += 2  # "West 42nd Street"
            names += 1
            continue
        if t.text == "'" or (t.text in {"-", "."} and j > i and toks[j - 1].end == t.start):
            j += 1  # "Queen's", "Saint-Denis", "St. John's"
            continue
        if not t.word or t.low in _NOT_STREET or t.low in NUMBER_WORDS:
            return None
        if _street_type(t) and j > i:
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


def _street_name(toks: tuple[Token, ...], i: int) -> int | None:
    """The end of "de la Paix" / "du Faubourg Saint-Honoré" / "Roma" after a type word."""
    n, j, last = len(toks), i, None
    while j < n and j - i < 8:
        t = toks[j]
        if t.text == "-" and j > i and toks[j - 1].word and j + 1 < n \
                and toks[j + 1].start == t.end and toks[j - 1].end == t.start:
            j += 1
            continue
        if t.low in _PARTICLES:
            j += 1
            continue
        if t.word and (t.cap or (j > i and toks[j - 1].text == "-")
                       or (last is None and t.low not in _NOT_STREET)):
            last = j
            j += 1
            continue
        break
    return last


def _unit_before(toks: tuple[Token, ...], first: int) -> int:
    """"Flat 3, 22 Acacia Avenue": the flat or unit goes with the address."""
    j = first - 1
    if j >= 0 and toks[j].low in _UNITS - {"no", "number", "po", "#"}:
        return j  # "Unit 3/15 Smith Street"
    if j >= 0 and toks[j].text in {",", "/"}:
        j -= 1
    if j >= 1 and (toks[j].text.isdecimal() or (len(toks[j].text) == 1 and toks[j].word)):
        k = j - 1
        if k >= 1 and toks[j].word and toks[k].text.isdecimal() and toks[k].end == toks[j].start:
            k -= 1  # "Flat 4B"
        if toks[k].low in _UNITS:
            return k
    return first


def _unit_after(toks: tuple[Token, ...], end: int) -> int:
    """"1234 Elm St. Apt 5": the flat or suite after the street goes with it."""
    j = end + 1
    if j < len(toks) and toks[j].text == ",":
        j += 1
    if j + 1 < len(toks) and toks[j].low in _UNITS - {"no", "number", "house", "po"}:
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


def _postcode_after(toks: tuple[Token, ...], end: int) -> int:
    """"12 Gandhi Road, Chennai 600017", "Friedrichstraße 43, 10117 Berlin": the postal
    code after the street (and the town beside it) goes with it."""
    n, j = len(toks), end + 1
    if j < n and toks[j].text == ",":
        j += 1
    k = j
    while k < n and k - j < 3 and toks[k].word and toks[k].cap:
        k += 1  # the town
    if k < n and toks[k].text == ",":
        k += 1
    if k + 2 < n and toks[k].text.isdecimal() and toks[k + 1].text == "-" \
            and _HYPHEN_CODE.fullmatch(toks[k].text + "-" + toks[k + 2].text):
        k += 2  # "00-514 Warszawa"
        return k + 1 if k + 1 < n and toks[k + 1].cap and toks[k + 1].word else k
    if k < n and toks[k].text.isdecimal() and 4 <= len(toks[k].text) <= 6:
        after = toks[k + 1].low if k + 1 < n else ""
        if after not in _NOT_STREET - {"in", "and", "the", "a"}:
            return k + 1 if k == j and after and toks[k + 1].cap else k
    return end


def _number_after_street(text: str, toks: tuple[Token, ...]) -> list[Span]:
    """"Hauptstraße 5", "Berliner Straße 12", "Via Roma 8", "Kalverstraat 12a"."""
    found = []
    n = len(toks)
    for i, t in enumerate(toks):
        if not (t.word and (t.cap or t.low == "ul")):
            continue
        first, last = i, None
        if t.low.endswith(_NUMBER_AFTER) and (len(t.low) > 5 or t.low in STREET_TYPES):
            last = i + 1 if i + 1 < n and toks[i + 1].text == "." and t.low.endswith("str") \
                else i
            if t.low in {"strasse", "straße", "weg", "allee", "platz"} and i > 0 \
                    and toks[i - 1].cap:
                first = i - 1  # "Berliner Straße"
        elif t.low in STREET_FIRST and i + 1 < n:
            at = i + 2 if toks[i + 1].text == "." else i + 1  # "ul. Marszałkowska"
            last = _street_name(toks, at)
        if last is None or last + 1 >= n:
            continue
        comma = toks[last + 1].text == "," and last + 2 < n  # "Rua Augusta, 1500"
        number = toks[last + 2] if comma else toks[last + 1]
        if number.text.isdecimal() and len(number.text) <= 4 \
                and number.start - toks[last].end <= 1 + 2 * comma:
            end = last + 1 + comma
            if end + 1 < n and toks[end + 1].word and len(toks[end + 1].text) == 1 \
                    and toks[end + 1].start == number.end:
                end += 1  # "12a"
            if end + 1 < n and toks[end + 1].low in _NOT_STREET - {"in", "and", "the", "a"}:
                continue
            end = _postcode_after(toks, end)  # "Hauptstraße 5, 10115 Berlin"
            stop = _locality_after(text, toks, end)  # "Rua Augusta, 1500, São Paulo"
            found.append(Span(toks[first].start, max(stop, toks[end].end), "address"))
    return found
