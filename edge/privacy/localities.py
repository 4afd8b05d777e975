"""What follows a street: its town, region and postal code; postcodes on their own.

"1 Infinite Loop, Cupertino", "45 Queen's Road, Bristol BS8 1QU", "Toronto, ON M5V 2T6",
"Friedrichstraße 43, 10117 Berlin": after a street's comma the town, a region and a postal
code join the address. UK, Canadian and Irish postcodes are personal data alone, written
or spelled out ("the postcode is e c one a one b b").
"""

from __future__ import annotations

import re

from edge.privacy.name_lists import place_words
from edge.privacy.name_things import english_words
from edge.privacy.spans import Span
from edge.privacy.street_words import MEASURES
from edge.privacy.text import DIGIT_WORDS, Token

# A house number is not followed by these ("a 10 minute drive", "3 hour walk").
NOT_STREET = {"minute", "minutes", "min", "hour", "hours", "mile", "miles", "km", "second",
              "seconds", "day", "days", "week", "weeks", "month", "months", "year", "years",
              "meter", "meters", "metre", "metres", "foot", "feet", "step", "steps", "the",
              "a", "an", "to", "at", "on", "in", "of", "and", "or", "for", "by", "from",
              "percent", "degrees", "times", "more", "less", "blocks", "block", "people",
              "kids", "dogs", "cats", "yards", "kilometres", "kilometers", "laps", "lap",
              "stops", "stop", "exits", "exit", "floors", "floor", "my", "your", "his",
              "her", "our", "their", "is", "was", "are", "with", "it", "that", "this",
              "pm", "am", "o'clock", "i", "you", "we", "they", "he", "she", "bus", "train"}
ZIP_CUES = {"zip", "zipcode", "postcode", "postal"}
# Regions written after a town: US states (US_STATES), Canadian provinces, Australian states.
REGIONS = {"QC", "ON", "BC", "AB", "MB", "SK", "NS", "NB", "NL", "PE", "YT", "NT", "NU", "NSW",
           "VIC", "QLD", "WA", "SA", "TAS", "ACT"}
# Capitalised words after a street's comma that start a new clause, not a town.
NOT_TOWN = {"please", "thanks", "thank", "and", "but", "so", "then", "i", "i'm", "it's", "we",
            "you", "they", "he", "she", "it", "the", "is", "are", "can", "could", "would",
            "will", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
            "sunday", "today", "tomorrow", "tonight", "apartment", "apt", "flat", "unit",
            "suite", "ok", "okay", "yes", "no", "hi", "hey", "what", "when", "where", "how"}
# UK, Canadian and Irish (Eircode: "H91 E2K3", its second half letters and digits mixed).
POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d"
                      r"|[AC-FHKNPRTV-Y]\d[\dW]\s?(?=[A-Z\d]{0,3}[A-Z])(?=[A-Z\d]{0,3}\d)"
                      r"[AC-FHKNPRTV-Y\d]{4})\b")
# "00-514 Warszawa", "1000-001 Lisboa": Polish and Portuguese postal codes.
HYPHEN_CODE = re.compile(r"\d{2}-\d{3}|\d{4}-\d{3}")
US_STATES = {"AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL",
             "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT",
             "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI",
             "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC"}
REGIONS_ALL = US_STATES | REGIONS


def locality_after(text: str, toks: tuple[Token, ...], end: int) -> int:
    """End offset of the town, region and postcode after a street's comma ("1 Infinite
    Loop, Cupertino", "45 Queen's Road, Bristol BS8 1QU", "Chuo-ku, Tokyo", "Toronto, ON
    M5V 2T6"), or -1 when none follows."""
    n, j, stop, towns = len(toks), end + 1, -1, 0
    while j < n and toks[j].text == "," and towns < 3:
        k = j + 1
        code = _code_end(text, toks[k].start) if k < n else -1
        if code > 0 or (k < n and (code := _spelled_end(toks, k)) > 0):
            stop = code  # "14 Lime Grove, London, W12 8AD": the postcode after its own comma
            while k < n and toks[k].start < stop:
                k += 1
            j = k
            break
        if k < n and _region(toks, k, text):
            stop, j = toks[k].end, k + 1
        else:
            m = _town(text, toks, k)
            if m == k:
                break
            stop, j = toks[m - 1].end, m
            if j < n and _region(toks, j, text):
                stop, j = toks[j].end, j + 1  # "Sydney NSW 2000"
        towns += 1
        code = _code_end(text, toks[j].start) if j < n else -1
        if code > 0:
            stop = code
            while j < n and toks[j].start < stop:
                j += 1
        elif j < n and toks[j].text.isdecimal() and (len(toks[j].text) in {4, 5, 6} or (
                len(toks[j].text) == 3 and _code_tail(toks, j) > j
                and len(toks[j + 2].text) == 4)):
            j = _code_tail(toks, j)
            stop, j = toks[j].end, j + 1  # "CA 90028", "VIC 3000", "SP 01310-200", "Tokyo
            # 131-0045"
        elif j < n and toks[j].text.isdecimal() and len(toks[j].text) <= 2 and (
                (e := j + _district_letter(toks, j)) + 1 >= n
                or toks[e + 1].text in {",", ".", "!", "?"} or (
                    toks[e + 1].word and not toks[e + 1].cap
                    and toks[e + 1].low not in MEASURES)):
            stop, j = toks[e].end, e + 1  # "Dublin 1", "Dublin 6W", "Dublin 6 as a saved
            # place": a city's postal district (not "Leeds, 2 hours away")
        elif j < n and (spelled := spelled_code(toks, j)) > 0:
            stop, j = toks[spelled].end, spelled + 1  # "edinburgh, E H three six N D"
        else:
            k = j
            while k < n and toks[k].low in DIGIT_WORDS and k - j < 6:
                k += 1
            if k - j >= 4:
                stop, j = toks[k - 1].end, k  # "Bengaluru five six zero zero zero one"
    return stop


# Lowercase words after a street's comma that go on with the sentence, not a town.
_NOT_TOWN_LOWER = NOT_TOWN | NOT_STREET | {
    "me", "him", "us", "them", "call", "text", "ring", "send", "tell", "remind", "cheers",
    "there", "here", "now", "asap", "tomorrow", "tonight", "morning", "afternoon", "evening",
    "next", "last", "too", "also", "though", "right", "near", "opposite", "behind", "round",
    "door", "gate", "entrance", "side", "back", "front", "upstairs", "downstairs"}
# Lowercase words that start a town's name ("st ives", "san jose", "port talbot").
_TOWN_PREFIXES = {"st", "saint", "san", "santa", "sao", "port", "fort", "mount", "los", "las",
                  "el", "la", "le", "new", "north", "south", "east", "west", "upper", "lower",
                  "great", "little", "ho", "kuala"}
_PUNCT = {",", ".", "!", "?", ";"}
# Lowercase inside a capitalised town's name: "Rio de Janeiro", "Newcastle upon Tyne".
_TOWN_PARTICLES = {"es", "de", "del", "da", "do", "dos", "das", "di", "la", "le", "les", "du",
                   "upon", "on", "am", "an", "sur", "en", "al", "el", "y", "of", "under"}


def _town(text: str, toks: tuple[Token, ...], k: int) -> int:
    """The index after the town that starts at token k (k itself when none): capitalised
    words ("Los Angeles", "Chuo-ku"), or lowercase ones (a transcript: "leeds", "ho chi
    minh city") that name a place, or end the sentence or stand before a postal code."""
    n, m = len(toks), k
    lower = k < n and toks[k].word and not toks[k].cap
    while m < n and m - k < 5 and not (m > k and _code_end(text, toks[m].start) > 0) and (
            (toks[m].word and (toks[m].cap or lower) and toks[m].low not in (
                _NOT_TOWN_LOWER if lower else NOT_TOWN))
            or (not lower and m > k and _abbreviation(toks, m))
            or (toks[m].text == "-" and m > k and toks[m - 1].end == toks[m].start)
            or (m > k and toks[m - 1].text == "-" and toks[m].word)
            or (not lower and m > k and toks[m].low in _TOWN_PARTICLES and m + 1 < n
                and toks[m + 1].cap and toks[m + 1].word)):
        m += 1  # "Los Angeles", "Chuo-ku", "Little Whinging", "Dar es Salaam"
    if not lower or m == k:
        return m
    coded = m < n and (_code_end(text, toks[m].start) > 0 or _region(toks, m, text)
                       or _code_tail(toks, m) > m)
    if not coded and not any(_town_word(t.low) for t in toks[k:m]):
        return k  # "12 elm street, love it": words, none a place's; but "cork T12 X2Y3"
    closed = coded or m >= n or toks[m].text in _PUNCT or toks[m].text.isdecimal() \
        or _region(toks, m) or spelled_code(toks, m) > 0
    if closed or all(_town_word(t.low) or t.low in _TOWN_PREFIXES
                     for t in toks[k:m] if t.word):
        return m
    return k


def _abbreviation(toks: tuple[Token, ...], m: int) -> bool:
    """Token m is the point of a locality's abbreviation before its name: "Col. Roma",
    "Urb. Las Flores", "St. Albans"."""
    a = toks[m - 1]
    return toks[m].text == "." and a.cap and a.word and len(a.text) <= 4 \
        and toks[m].start == a.end and m + 1 < len(toks) and toks[m + 1].cap \
        and toks[m + 1].word


def _town_word(low: str) -> bool:
    """A lowercase word that names a place ("leeds") or is no English word ("firenze")."""
    return low in place_words() or (low.isalpha() and len(low) > 2
                                    and low not in english_words())


def _region(toks: tuple[Token, ...], i: int, text: str = "") -> bool:
    """A state or province at token i: "CA", "NSW", or "vic 3000", "qc h2x 1x3" (lowercase,
    a code after)."""
    if toks[i].text in REGIONS_ALL:
        return True
    return toks[i].text.upper() in REGIONS_ALL and i + 1 < len(toks) and (
        (toks[i + 1].text.isdecimal() and 4 <= len(toks[i + 1].text) <= 5)
        or (text != "" and _code_end(text, toks[i + 1].start) > 0))


def _code_end(text: str, start: int) -> int:
    """The end of the UK, Canadian or Irish postcode at `start` (any case), or -1."""
    code = POSTCODE.match(upper(text[start:start + 9]))
    return start + code.end() if code is not None else -1


def spoken_postcode(toks: tuple[Token, ...]) -> list[Span]:
    """"the postcode is e c one a one b b": letters and digit words after the cue that
    spell a UK or Canadian postcode."""
    found = []
    for i, t in enumerate(toks):
        if t.low not in ZIP_CUES and not (t.low in {"code", "code's"} and i > 0
                                           and toks[i - 1].low in {"post", "postal"}):
            continue
        j = i + 1
        while j < len(toks) and j - i <= 3 and toks[j].low in {"is", "'s", "it's", ":"}:
            j += 1
        last = spelled_code(toks, j)
        if last >= j:
            found.append(Span(toks[j].start, toks[last].end, "address"))
    return found


def spelled_code(toks: tuple[Token, ...], j: int) -> int:
    """The last token of the letters and digits from token j that spell a UK or Canadian
    postcode ("e c one a one b b", "E H three six N D"), or -1."""
    chars, k, last = "", j, -1
    while k < len(toks) and len(chars) < 7:
        low = toks[k].low
        if len(low) == 1 and toks[k].word:
            chars += low.upper()
        elif low in DIGIT_WORDS:
            chars += DIGIT_WORDS[low]
        elif toks[k].text.isdecimal() and len(low) <= 2:
            chars += low
        elif not (low == "," and len(chars) >= 2 and k + 1 < len(toks)):
            break  # "E C one A, one B B": a pause between the halves
        k += 1
        if len(chars) >= 5 and POSTCODE.fullmatch(chars[:-3] + " " + chars[-3:]):
            last = k - 1
    return last


def _spelled_end(toks: tuple[Token, ...], k: int) -> int:
    """The end offset of the spelled postcode at token k, or -1."""
    last = spelled_code(toks, k)
    return toks[last].end if last >= 0 else -1


def _district_letter(toks: tuple[Token, ...], j: int) -> int:
    """1 when a letter closes the district number at token j ("Dublin 6W"), else 0."""
    return int(j + 1 < len(toks) and len(toks[j + 1].text) == 1 and toks[j + 1].text.isupper()
               and toks[j + 1].start == toks[j].end)


def town_without_comma(toks: tuple[Token, ...], end: int) -> int:
    """"922 west addison street chicago": the last token of a known town said straight
    after a street, ending the clause (no English word: not "... street reading it"), or
    -1."""
    n, k = len(toks), end + 1
    m = k
    while m < n and m - k < 3 and toks[m].word and (
            (toks[m].low in place_words() and (toks[m].cap or toks[m].low not in english_words()))
            or (toks[m].low in _TOWN_PREFIXES and m + 1 < n and toks[m + 1].word)):
        m += 1
    if m == k or toks[m - 1].low in _TOWN_PREFIXES or (
            m < n and toks[m].text not in _PUNCT and toks[m].low not in _CLAUSE_GOES_ON):
        return -1
    return m - 1


# After a town said without a comma, words that go on with the request, not the place:
# "350 fifth avenue new york right now", "... boston please", "... leeds avoiding tolls".
_CLAUSE_GOES_ON = {"right", "now", "please", "asap", "today", "tomorrow", "tonight", "and",
                   "avoiding", "via", "without", "by", "before", "after", "then", "thanks"}


def _code_tail(toks: tuple[Token, ...], j: int) -> int:
    """The last token of the postal code whose digits are token j: "90028-1234" (ZIP+4)
    and "01310-200" (a Brazilian CEP) are one code."""
    if j + 2 < len(toks) and toks[j + 1].text == "-" and toks[j + 1].start == toks[j].end \
            and toks[j + 2].start == toks[j + 1].end and toks[j + 2].text.isdecimal() \
            and len(toks[j + 2].text) in {3, 4}:
        return j + 2
    return j


def upper(text: str) -> str:
    """Upper case, one character for one ("ß" stays), so offsets hold."""
    return "".join(u if len(u := c.upper()) == 1 else c for c in text)


def postcode_after(toks: tuple[Token, ...], end: int) -> int:
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
            and HYPHEN_CODE.fullmatch(toks[k].text + "-" + toks[k + 2].text):
        k += 2  # "00-514 Warszawa"
        return k + 1 if k + 1 < n and toks[k + 1].cap and toks[k + 1].word else k
    if k + 2 < n and _split_code(toks[k], toks[k + 1]) and toks[k + 2].cap \
            and toks[k + 2].word:
        return _town_on(toks, k + 2)  # "1015 CS Amsterdam", "114 51 Stockholm"
    if k < n and toks[k].text.isdecimal() and 4 <= len(toks[k].text) <= 6:
        after = toks[k + 1].low if k + 1 < n else ""
        if after not in NOT_STREET - {"in", "and", "the", "a"}:
            if k == j and after and toks[k + 1].cap and toks[k + 1].word:
                return _town_on(toks, k + 1)  # "50450 Kuala Lumpur"
            return k + 1 if k == j and after and (
                _town_word(after) and (k + 2 >= n or toks[k + 2].text in _PUNCT)) else k
    return end


def _town_on(toks: tuple[Token, ...], k: int) -> int:
    """The last word of the capitalised town that starts at token k ("Kuala Lumpur")."""
    while k + 1 < len(toks) and toks[k + 1].cap and toks[k + 1].word \
            and toks[k + 1].low not in NOT_TOWN and toks[k + 1].start == toks[k].end + 1:
        k += 1
    return k


def _split_code(a: Token, b: Token) -> bool:
    """A postal code in two parts: Dutch ("1015 CS") or Swedish, Czech, Slovak and Greek
    ("114 51", "110 00")."""
    if b.start != a.end + 1 or not a.text.isdecimal():
        return False
    return (len(a.text) == 4 and len(b.text) == 2 and b.text.isupper()) or (
        len(a.text) == 3 and len(b.text) == 2 and b.text.isdecimal())
