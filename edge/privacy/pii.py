"""E-mail addresses, street addresses and postcodes, dates of birth.

E-mail: written (anna@example.com) or spoken ("bob at gmail dot com"). Addresses: a house
number (digits, "221B", or words: "fourteen") then a street name and type ("Baker
Street", "harbour drive") or a type first ("Rue de Rivoli"); UK and Canadian postcodes;
ZIP codes after "zip". Dates of birth: every date in a sentence that speaks of a birth
("born", "birthday", "date of birth", "DOB"); a date elsewhere ("remind me on March
3rd") is not personal.
"""

from __future__ import annotations

import re

from edge.privacy.spans import Span
from edge.privacy.text import NUMBER_WORDS, Token, number_runs

# -- e-mail -----------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
TLDS = {"com", "org", "net", "edu", "gov", "io", "co", "uk", "me", "fm", "de", "fr", "ai",
        "app", "dev", "info", "biz", "us", "ca", "au", "nz", "ie", "in", "eu", "nl", "es",
        "it", "mail", "email"}
_LOCAL_JOINERS = {"dot", "underscore", "dash", "hyphen"}
# Words that end a spoken e-mail's local part when read backwards from "at".
_NOT_LOCAL = {"is", "to", "email", "e", "mail", "address", "me", "my", "the", "send", "it",
              "it's", "its", "at", "on", "and", "or", "contact", "reply", "write", "cc",
              "use", "for", "a", "line", "drop", "from", "was", "his", "her", "their",
              "our", "your", "forward", "message", "invite", "add", "share", "with",
              "as", "via", "by", "id", "account", "login", "username", "new", "old", "work"}


def find_emails(text: str, toks: tuple[Token, ...]) -> list[Span]:
    found = [Span(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    for i, t in enumerate(toks):
        if t.low != "at" or i == 0:
            continue
        end = _spoken_domain(toks, i + 1)
        start = _spoken_local(toks, i - 1)
        if end is not None and start is not None:
            found.append(Span(toks[start].start, toks[end].end, "email"))
    return found


def _spoken_domain(toks: tuple[Token, ...], i: int) -> int | None:
    """Index of the last token of "gmail dot com" starting at i, or None."""
    last, dots = None, 0
    while i < len(toks) and (toks[i].word or toks[i].text.isdecimal()):
        if i + 2 < len(toks) and toks[i + 1].low == "dot" and \
                (toks[i + 2].word or toks[i + 2].text.isdecimal()):
            dots += 1
            last = i + 2
            i += 2
            continue
        break
    if last is None or not dots or toks[last].low not in TLDS:
        return None
    return last


def _spoken_local(toks: tuple[Token, ...], i: int) -> int | None:
    """Index of the first token of the local part that ends at token i, or None."""
    if not (toks[i].word or toks[i].text.isdecimal()) or toks[i].low in _NOT_LOCAL:
        return None
    first, words = i, 1
    while first > 0:
        prev = toks[first - 1]
        if prev.low in _LOCAL_JOINERS and first >= 2 and toks[first - 2].low not in _NOT_LOCAL:
            first -= 2
        elif words < 2 and (prev.word or prev.text.isdecimal()) and prev.low not in _NOT_LOCAL:
            first -= 1
            words += 1
        else:
            break
    return first


# -- addresses ----------------------------------------------------------------------------

STREET_TYPES = {"street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "dr",
                "boulevard", "blvd", "way", "court", "ct", "place", "pl", "close", "crescent",
                "terrace", "grove", "gardens", "square", "sq", "row", "parkway", "pkwy",
                "highway", "hwy", "circle", "cir", "trail", "loop", "walk", "mews", "alley",
                "plaza", "hill", "rise", "wharf", "quay"}
STREET_FIRST = {"rue", "calle", "via", "avenida", "avenue", "boulevard", "chemin", "strada",
                "rua", "plaza", "piazza"}
DIRECTIONS = {"N", "S", "E", "W", "NE", "NW", "SE", "SW", "North", "South", "East", "West"}
# A house number is not followed by these ("a 10 minute drive", "3 hour walk").
_NOT_STREET = {"minute", "minutes", "min", "hour", "hours", "mile", "miles", "km", "second",
               "seconds", "day", "days", "week", "weeks", "month", "months", "year", "years",
               "meter", "meters", "metre", "metres", "foot", "feet", "step", "steps", "the",
               "a", "an", "to", "at", "on", "in", "of", "and", "or", "for", "by", "from",
               "percent", "degrees", "times", "more", "less"}
_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)\b")
_ZIP_CUES = {"zip", "zipcode", "postcode", "postal"}


def find_addresses(text: str, toks: tuple[Token, ...]) -> list[Span]:
    found = [Span(m.start(), m.end(), "address") for m in _POSTCODE.finditer(text)]
    for run in number_runs(toks):
        if len(run.digits) > 5:
            continue
        last = run.last
        if last + 1 < len(toks) and len(toks[last + 1].text) == 1 and toks[last + 1].word \
                and toks[last + 1].start == toks[last].end:  # 221B
            last += 1
        end = _street(toks, last + 1)
        if end is not None:
            found.append(Span(toks[run.first].start, toks[end].end, "address"))
        if len(run.digits) == 5 and not run.words and any(
                t.low in _ZIP_CUES for t in toks[max(0, run.first - 4):run.first]):
            found.append(Span(toks[run.first].start, toks[run.last].end, "address"))
    return found


def _street(toks: tuple[Token, ...], i: int) -> int | None:
    """Index of the last token of "Baker Street" / "Rue de Rivoli" starting at i."""
    n = len(toks)
    if i >= n or not toks[i].word:
        return None
    if toks[i].low in STREET_FIRST and toks[i].cap:
        j = i + 1
        while j < n and j - i <= 4 and toks[j].word:
            j += 1
        return j - 1 if j > i + 1 else None
    j = i
    while j < n and j - i < 4 and toks[j].word and toks[j].low not in _NOT_STREET \
            and toks[j].low not in NUMBER_WORDS:
        if toks[j].low in STREET_TYPES and j > i:
            end = j
            if end + 1 < n and toks[end + 1].text == "." and toks[end].low in {"st", "rd", "ave"}:
                end += 1
            if end + 1 < n and toks[end + 1].text in DIRECTIONS:
                end += 1
            return end
        j += 1
    return None


# -- dates of birth -------------------------------------------------------------------------

MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun",
          "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
ORDINAL_WORDS = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                 "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth",
                 "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
                 "twentieth", "thirtieth"}
_SUFFIXES = {"st", "nd", "rd", "th"}
_JOINERS = {"the", "of", ",", "/", "-", ".", "and"}
_BIRTH = {"born", "birthday", "birthdate", "dob", "bday", "birthday's"}


def _birth_cue(toks: tuple[Token, ...]) -> bool:
    for i, t in enumerate(toks):
        if t.low in _BIRTH:
            return True
        if t.low == "birth" and i > 0 and toks[i - 1].low in {"of", "my", "his", "her"}:
            return True
        if t.low == "birth" and i + 1 < len(toks) and toks[i + 1].low in {"date", "day"}:
            return True
    return False


def _date_class(toks: tuple[Token, ...], i: int) -> str | None:
    t = toks[i]
    low = t.low
    if t.text.isdecimal():
        value = int(t.text)
        if len(t.text) == 4 and 1900 <= value <= 2099:
            return "Y"
        return "D" if 1 <= value <= 31 and len(t.text) <= 2 else None
    if low in MONTHS:
        if low in {"may", "march"} and not t.cap and not _numeric_neighbour(toks, i):
            return None
        return "M"
    if low in _SUFFIXES and i > 0 and toks[i - 1].text.isdecimal() and toks[i - 1].end == t.start:
        return "S"
    if low in ORDINAL_WORDS or low in NUMBER_WORDS:
        return "W"
    if low in _JOINERS:
        return "J"
    return None


def _numeric_neighbour(toks: tuple[Token, ...], i: int) -> bool:
    return any(0 <= j < len(toks) and (toks[j].text.isdecimal() or toks[j].low in ORDINAL_WORDS)
               for j in (i - 1, i + 1, i - 2, i + 2))


def find_birth_dates(text: str, toks: tuple[Token, ...]) -> list[Span]:
    if not _birth_cue(toks):
        return []
    found: list[Span] = []
    i, n = 0, len(toks)
    while i < n:
        if _date_class(toks, i) in (None, "J", "S"):
            i += 1
            continue
        j, classes = i, []
        while j < n and (c := _date_class(toks, j)) is not None:
            classes.append(c)
            j += 1
        while classes and classes[-1] == "J":  # no trailing "of", ","
            classes.pop()
            j -= 1
        first = i - 1 if i > 0 and toks[i - 1].low == "the" else i
        numeric = classes.count("D") + classes.count("Y") >= 2
        spoken_year = classes.count("W") >= 2
        if "M" in classes or "Y" in classes or numeric or spoken_year:
            found.append(Span(toks[first].start, toks[j - 1].end, "dob"))
        i = max(j, i + 1)
    return found
