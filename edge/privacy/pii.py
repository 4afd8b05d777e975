"""E-mail addresses, street addresses and postcodes, dates of birth.

E-mail: written (anna@example.com) or spoken ("bob at gmail dot com", "grandma.rose at
hotmail dot com", "sam underscore lee at proton dot me"). Addresses: a house number
(digits, "221B", or words: "fourteen") then a street name and type ("Baker Street",
"harbour drive", "West 42nd Street") or a type first ("Rue de Rivoli", "avenue des
Champs-Élysées"); a street then its number, as in Germany and much of Europe
("Hauptstraße 5", "Via Roma 8"); a flat or unit with it ("Flat 3, 22 Acacia Avenue");
UK and Canadian postcodes; ZIP codes after "zip" or a state ("MA 02139"); PO boxes.
Dates of birth: every date in a sentence that speaks of a birth ("born", "birthday",
"date of birth", "DOB", "our son arrived on", "turns five on"); a date elsewhere ("remind
me on March 3rd") is not personal, and neither is a bare year ("born in 1931"): it
identifies no one.
"""

from __future__ import annotations

import re

from edge.privacy.spans import Span
from edge.privacy.text import (
    NUMBER_WORDS,
    TEEN_WORDS,
    TENS_WORDS,
    Token,
    number_runs,
    sentence_start,
)

# -- e-mail -----------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
TLDS = {"com", "org", "net", "edu", "gov", "io", "co", "uk", "me", "fm", "de", "fr", "ai",
        "app", "dev", "info", "biz", "us", "ca", "au", "nz", "ie", "in", "eu", "nl", "es",
        "it", "mail", "email", "ch", "at", "be", "se", "no", "dk", "fi", "pl", "pt", "br",
        "mx", "jp", "cn", "kr", "za", "sg", "hk", "tv", "xyz", "online", "tech", "store",
        "site", "club", "ly", "gg", "cc", "ac", "name", "pro", "cloud", "live", "net's",
        "com's", "org's", "ru", "gr", "cz", "ro", "hu", "il", "ar", "cl", "tr", "ua", "vn",
        "ph", "my", "id", "pk", "ng", "ke", "is"}
_LOCAL_JOINERS = {"dot", "underscore", "dash", "hyphen", "period", "point"}
_WRITTEN_JOINERS = {".", "_", "-"}  # "grandma.rose at hotmail dot com"
# Words that end a spoken e-mail's local part when read backwards from "at".
_NOT_LOCAL = {"is", "to", "email", "e", "mail", "address", "me", "my", "the", "send", "it",
              "it's", "its", "at", "on", "and", "or", "contact", "reply", "write", "cc",
              "use", "for", "a", "line", "drop", "from", "was", "his", "her", "their",
              "our", "your", "forward", "message", "invite", "add", "share", "with",
              "as", "via", "by", "id", "account", "login", "username", "new", "old", "work",
              "us", "them", "him", "you", "website", "site", "page", "web", "online", "look",
              "go", "visit", "find", "found", "here", "there", "stay", "staying", "arrive",
              "arriving", "located", "based", "works", "working", "shop", "order", "ordered",
              "buy", "bought", "sold", "available", "listed", "be", "reach", "reached",
              "emails", "mails", "address's", "email's", "that's", "here's", "called",
              "named", "sign", "signed", "up", "in", "of", "an", "now", "this", "that",
              "personal", "school", "business", "backup", "primary", "main", "gmail",
              "contacted", "writing", "am", "i'm", "i", "we", "they", "he", "she"}
# "bob at sign gmail dot com": what may stand between "at" and the domain.
_AT_FILLERS = {"sign", "symbol"}


def find_emails(text: str, toks: tuple[Token, ...]) -> list[Span]:
    found = [Span(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    for i, t in enumerate(toks):
        if (t.low != "at" and t.text != "@") or i == 0:
            continue
        j = i + 1
        if j < len(toks) and toks[j].low in _AT_FILLERS:
            j += 1
        end = _spoken_domain(toks, j)
        start = _spoken_local(toks, i - 1)
        if end is not None and start is not None:
            found.append(Span(toks[start].start, toks[end].end, "email"))
    return found


def _label(t: Token) -> bool:
    return t.word or t.text.isdecimal()


def _dot(toks: tuple[Token, ...], i: int) -> bool:
    """Token i separates a domain's labels: "dot", or a written "." between them."""
    t = toks[i]
    return t.low == "dot" or (t.text == "." and toks[i - 1].end == t.start
                              and i + 1 < len(toks) and toks[i + 1].start == t.end)


def _spoken_domain(toks: tuple[Token, ...], i: int) -> int | None:
    """Index of the last token of "gmail dot com" / "gmail.com" starting at i, or None."""
    last, dots = None, 0
    n = len(toks)
    while i < n and _label(toks[i]):
        # "acme dash logistics dot com": a label may be joined by "dash" / "-"
        while i + 2 < n and (toks[i + 1].low in {"dash", "hyphen"} or (
                toks[i + 1].text == "-" and toks[i + 1].start == toks[i].end)) \
                and _label(toks[i + 2]):
            i += 2
        if i + 2 < n and _dot(toks, i + 1) and _label(toks[i + 2]):
            dots += 1
            last = i + 2
            i += 2
            continue
        break
    if last is None or not dots or toks[last].low.removesuffix("'s") not in TLDS:
        return None
    return last


def _spoken_local(toks: tuple[Token, ...], i: int) -> int | None:
    """Index of the first token of the local part that ends at token i, or None."""
    t = toks[i]
    if not _label(t) or t.low in _NOT_LOCAL or t.low.endswith(("'s", "’s")):
        return None
    first, words = i, 1
    while first > 0:
        prev = toks[first - 1]
        written = prev.text in _WRITTEN_JOINERS and prev.end == toks[first].start \
            and first >= 2 and toks[first - 2].end == prev.start
        if (written or prev.low in _LOCAL_JOINERS) and first >= 2 and _label(toks[first - 2]) \
                and toks[first - 2].low not in _NOT_LOCAL:
            first -= 2
        elif prev.low in NUMBER_WORDS and toks[first].low in NUMBER_WORDS:
            first -= 1  # "smith ninety nine": spoken digits are one word of the name
        elif words < 2 and _label(prev) and prev.low not in _NOT_LOCAL \
                and not prev.low.endswith(("'s", "’s")):
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
                "rua", "plaza", "piazza", "viale", "corso", "carrer", "paseo", "rambla",
                "allee", "quai", "impasse", "place", "platz"}
# Written lowercase too ("45 rue de la Paix"); "via" is "by" in English.
_LOWER_FIRST = STREET_FIRST - {"via", "place", "plaza", "platz"}
_PARTICLES = {"de", "la", "le", "les", "du", "des", "del", "della", "delle", "di", "da", "do",
              "dos", "das", "von", "van", "der", "den", "l", "d", "y", "e", "st", "saint",
              "sainte", "san", "santa", "'", "’"}
# "Hauptstraße 5", "Kalverstraat 12": a street then its number.
_NUMBER_AFTER = ("strasse", "straße", "str", "weg", "platz", "allee", "gasse", "damm", "ufer",
                 "chaussee", "straat", "laan", "gracht", "plein", "steig", "pfad", "markt",
                 "vej", "gatan", "vagen", "katu", "utca", "ulica")
DIRECTIONS = {"N", "S", "E", "W", "NE", "NW", "SE", "SW", "North", "South", "East", "West"}
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
_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)\b")
_PO_BOX = re.compile(r"\b(?:P\.? ?O\.?|Post Office) ?Box \d+", re.IGNORECASE)
_ZIP_CUES = {"zip", "zipcode", "postcode", "postal"}
US_STATES = {"AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL",
             "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT",
             "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI",
             "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC"}


def find_addresses(text: str, toks: tuple[Token, ...]) -> list[Span]:
    found = [Span(m.start(), m.end(), "address") for m in _POSTCODE.finditer(text)]
    cue = next((t for t in toks if t.low in _ZIP_CUES or t.low == "post"), None)
    if cue is not None:  # "my postcode is sw1a 2aa": after the word, any case
        found.extend(Span(cue.end + m.start(), cue.end + m.end(), "address")
                     for m in _POSTCODE.finditer(_upper(text[cue.end:])))
    if "box" in text.lower():
        found.extend(Span(m.start(), m.end(), "address") for m in _PO_BOX.finditer(text))
    for run in number_runs(toks):
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
        if end is not None:
            first = _unit_before(toks, run.first)
            end = _postcode_after(toks, _unit_after(toks, end))
            found.append(Span(toks[first].start, toks[end].end, "address"))
        if len(run.digits) == 5 and _zip_cue(toks, run.first, spoken=run.words):
            found.append(Span(toks[run.first].start, toks[run.last].end, "address"))
    found.extend(_number_after_street(toks))
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
    if k < n and toks[k].text.isdecimal() and 4 <= len(toks[k].text) <= 6:
        after = toks[k + 1].low if k + 1 < n else ""
        if after not in _NOT_STREET - {"in", "and", "the", "a"}:
            return k + 1 if k == j and after and toks[k + 1].cap else k
    return end


def _number_after_street(toks: tuple[Token, ...]) -> list[Span]:
    """"Hauptstraße 5", "Berliner Straße 12", "Via Roma 8", "Kalverstraat 12a"."""
    found = []
    n = len(toks)
    for i, t in enumerate(toks):
        if not (t.word and t.cap):
            continue
        first, last = i, None
        if t.low.endswith(_NUMBER_AFTER) and (len(t.low) > 5 or t.low in STREET_TYPES):
            last = i + 1 if i + 1 < n and toks[i + 1].text == "." and t.low.endswith("str") \
                else i
            if t.low in {"strasse", "straße", "weg", "allee", "platz"} and i > 0 \
                    and toks[i - 1].cap:
                first = i - 1  # "Berliner Straße"
        elif t.low in STREET_FIRST and i + 1 < n:
            last = _street_name(toks, i + 1)
        if last is None or last + 1 >= n:
            continue
        number = toks[last + 1]
        if number.text.isdecimal() and len(number.text) <= 4 and number.start - toks[last].end <= 1:
            end = last + 1
            if end + 1 < n and toks[end + 1].word and len(toks[end + 1].text) == 1 \
                    and toks[end + 1].start == number.end:
                end += 1  # "12a"
            if end + 1 < n and toks[end + 1].low in _NOT_STREET - {"in", "and", "the", "a"}:
                continue
            found.append(Span(toks[first].start, toks[end].end, "address"))
    return found


# -- dates of birth -------------------------------------------------------------------------

MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun",
          "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
ORDINAL_WORDS = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                 "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth",
                 "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
                 "twentieth", "thirtieth"}
_SUFFIXES = {"st", "nd", "rd", "th"}
_JOINERS = {"the", "of", ",", "/", "-", ".", "and", "'", "’", "slash", "dash"}
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
# "born on Christmas Day 1950": a day of the year that names a date.
_HOLIDAYS = {"christmas", "halloween", "valentine's", "hanukkah", "thanksgiving"}
_BIRTH = {"born", "birthday", "birthdate", "dob", "bday", "b-day", "birthday's", "birthdays",
          "d.o.b", "birthdate's"}
# "our son arrived on ...": a child's arrival is a birth; a parcel's is not.
_ARRIVALS = {"arrived", "came", "delivered", "welcomed", "arrival", "entered"}
_CHILDREN = {"son", "daughter", "baby", "twins", "twin", "kid", "child", "grandson",
             "granddaughter", "nephew", "niece", "newborn", "little", "one", "boy", "girl",
             "firstborn", "triplets", "she", "he", "i", "we"}
# "her birthday party on the 5th": the party's date, not the birth's.
_BIRTHDAY_THINGS = {"party", "parties", "present", "presents", "gift", "gifts", "card",
                    "cards", "cake", "dinner", "lunch", "shopping", "wishes", "message",
                    "song", "balloons", "invitations", "invites", "celebration", "plans",
                    "surprise", "bash", "drinks", "trip", "list", "reminder"}
_TURNS = {"turn", "turns", "turned", "turning"}
_NOBODY = {"who", "whoever", "anyone", "anybody", "someone", "somebody", "people", "everyone",
           "celebrities", "famous", "presidents", "kings", "queens", "babies", "children"}
_DATE_CLASSES = {"M", "D", "Y", "S", "O"}


def _birth_cue(toks: tuple[Token, ...]) -> bool:
    n = len(toks)
    for i, t in enumerate(toks):
        low = t.low
        if low in _BIRTH:
            if low.startswith("birthday") and i + 1 < n and toks[i + 1].low in _BIRTHDAY_THINGS:
                continue
            if t.cap and not sentence_start(toks, i) and low == "born":
                continue  # a title: "play Born on the Fourth of July"
            if any(x.low in _NOBODY for x in toks[max(0, i - 4):i]):
                continue  # "who was born on July 4th?", "famous people born in May"
            return True
        if low == "birth" and ((i > 0 and toks[i - 1].low in {"of", "my", "his", "her", "their",
                                                            "your", "the"})
                               or (i + 1 < n and toks[i + 1].low in {"date", "day"})):
            return True
        if low == "d" and i + 4 < n and "".join(x.low for x in toks[i:i + 5]) == "d.o.b":
            return True
        if low in _ARRIVALS and any(x.low in _CHILDREN for x in toks[max(0, i - 3):i]):
            if low in {"arrived", "arrival", "welcomed"} and not any(
                    x.low in _CHILDREN - {"she", "he", "i", "we", "one"}
                    for x in toks[max(0, i - 3):i + 3]):
                continue  # "she arrived on Monday" is a visit
            if low == "came" and not (i + 3 < n and [x.low for x in toks[i + 1:i + 4]] == [
                    "into", "the", "world"]) and not any(
                    x.low in _CHILDREN - {"she", "he", "i", "we", "one"}
                    for x in toks[max(0, i - 3):i]):
                continue
            return True
        if low == "world" and i >= 2 and toks[i - 2].low == "into" and toks[i - 1].low == "the":
            return True  # "came into the world"
        if low in _TURNS and i + 1 < n and _age(toks, i + 1):
            return True  # "my son turns five on June 3rd"
        if low == "be" and i + 2 < n and _age(toks, i + 1) and any(
                x.low == "on" for x in toks[i + 2:i + 4]):
            return True  # "I'll be 40 on the 3rd of May"
        if low == "baby" and i > 0 and _date_class(toks, i - 1) in _DATE_CLASSES:
            return True  # "I'm a 1st of January baby"
    return False


def _age(toks: tuple[Token, ...], i: int) -> bool:
    t = toks[i]
    if not (t.text.isdecimal() and len(t.text) <= 3) and t.low not in NUMBER_WORDS:
        return False
    j = i + 1
    while j < len(toks) and toks[j].low in NUMBER_WORDS | {"-"}:
        j += 1
    return j >= len(toks) or toks[j].low in {"on", "this", "next", "in", ",", ".", "!", "years",
                                             "today", "tomorrow", "soon", "?"}


def _date_class(toks: tuple[Token, ...], i: int) -> str | None:
    t = toks[i]
    low = t.low
    if t.text.isdecimal():
        value = int(t.text)
        if len(t.text) == 4 and 1000 <= value <= 2099:
            return "Y"
        if 1 <= value <= 31 and len(t.text) <= 2:
            return "D"
        return "y" if len(t.text) == 2 else None  # "6/1/92", "'85"
    if low in MONTHS:
        if low in {"may", "march"} and not t.cap and not _numeric_neighbour(toks, i):
            return None
        return "M"
    if low in _HOLIDAYS or (low in {"day", "eve"} and i > 0 and toks[i - 1].low in _HOLIDAYS):
        return "H"
    if low in _SUFFIXES and i > 0 and toks[i - 1].text.isdecimal() and toks[i - 1].end == t.start:
        return "S"
    if low in ORDINAL_WORDS:
        return "O"
    if low in NUMBER_WORDS:
        return "W"
    if low in _JOINERS:
        return "J"
    return None


def _numeric_neighbour(toks: tuple[Token, ...], i: int) -> bool:
    return any(0 <= j < len(toks) and (toks[j].text.isdecimal() or toks[j].low in ORDINAL_WORDS)
               for j in (i - 1, i + 1, i - 2, i + 2))


def _spoken_year(words: list[str]) -> bool:
    """"nineteen seventy five", "two thousand and one", "twenty twenty": a year alone."""
    words = [w for w in words if w not in {"and", "-"}]
    if len(words) >= 2 and words[:2] == ["two", "thousand"]:
        return len(words) <= 4
    if not words or words[0] not in TEEN_WORDS and words[0] != "twenty":
        return False
    rest = words[1:]
    if rest == ["hundred"] or (len(rest) == 2 and rest[0] in {"oh", "o"}):
        return True
    if rest and rest[0] in TENS_WORDS:
        return len(rest) == 1 or (len(rest) == 2 and rest[1] in NUMBER_WORDS
                                  and rest[1] not in TENS_WORDS | TEEN_WORDS.keys())
    return len(rest) == 1 and rest[0] in TEEN_WORDS


def find_birth_dates(text: str, toks: tuple[Token, ...]) -> list[Span]:
    if not _birth_cue(toks):
        return []
    found: list[Span] = []
    years: list[Span] = []
    i, n = 0, len(toks)
    while i < n:
        if _date_class(toks, i) in (None, "J", "S"):
            i += 1
            continue
        j, classes = i, []
        while j < n and (c := _date_class(toks, j)) is not None:
            if c == "J" and toks[j].text in {".", ","} and j + 1 < n \
                    and _date_class(toks, j + 1) in (None, "J"):
                break  # the sentence's full stop, not a date's
            classes.append(c)
            j += 1
        while classes and classes[-1] == "J":  # no trailing "of", ","
            classes.pop()
            j -= 1
        first = i - 1 if i > 0 and toks[i - 1].low == "the" else i
        if _is_date(toks, first, i, j, classes):
            day = first - 2 if first > 1 and toks[first - 1].text == "," else first - 1
            if day >= 0 and toks[day].low in _WEEKDAYS:
                first = day  # "Friday the 13th of October 2000", "Tuesday, June 1st"
            found.append(Span(toks[first].start, toks[j - 1].end, "dob"))
        elif classes == ["Y"] or (classes and set(classes) <= {"W", "J"} and _spoken_year(
                [toks[k].low for k in range(i, j)])):
            years.append(Span(toks[i].start, toks[j - 1].end, "dob"))
        i = max(j, i + 1)
    # "born in 1990, on June 5": a year goes with the date said beside it
    return found + years if found else []


def _is_date(toks: tuple[Token, ...], first: int, i: int, j: int, classes: list[str]) -> bool:
    """Tokens i..j-1 (their classes) say a date, not a bare year or a lone number."""
    if "M" in classes:
        return True
    if "H" in classes:
        return "Y" in classes or (i > 0 and toks[i - 1].low == "on")
    numbers = [c for c in classes if c in {"D", "Y", "y", "O"}]
    words = [toks[k].low for k in range(i, j) if classes[k - i] in {"W", "J", "O"}]
    spoken = [c for c in classes if c in {"W", "O"}]
    if not numbers and spoken:
        # all in words: a date ("oh two oh six nineteen ninety-nine"), not a year alone
        return len(spoken) >= 3 and not _spoken_year(words)
    if len(numbers) >= 2 or (len(numbers) == 1 and spoken and not _spoken_year(words)
                             and classes[0] != "Y"):
        return True
    # "her birthday is on the 12th", "on the twelfth": a day of the month alone
    lone_day = classes in (["D", "S"], ["O"])
    return lone_day and first < i and (j >= len(toks) or not toks[j].word
                                       or toks[j].low in {"and", "this", "next", "every"})
