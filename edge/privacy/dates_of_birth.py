"""Dates of birth: every date in a sentence that speaks of a birth.

The cue is "born", "birthday", "date of birth", "DOB", "our son arrived on", "turns five
on"; a date elsewhere ("remind me on March 3rd") is not personal, and neither is a bare
year ("born in 1931"): it identifies no one. A date is written ("04/12/1988",
"1990-07-15") or spoken ("April twelfth nineteen eighty-eight").
"""

from __future__ import annotations

from edge.privacy.spans import Span
from edge.privacy.text import (
    NUMBER_WORDS,
    POSSESSIVES,
    TEEN_WORDS,
    TENS_WORDS,
    Token,
    sentence_start,
)

MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun",
          "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
# Months in French, Spanish, Italian, Portuguese, German and Dutch ("born 3 janvier 1952",
# "nacida el 4 de mayo de 1988"): a month only beside a number (several are names or words:
# "Mars", "Juli", "Abril").
FOREIGN_MONTHS = {
    "janvier", "février", "fevrier", "mars", "avril", "mai", "juin", "juillet", "août",
    "aout", "septembre", "octobre", "novembre", "décembre", "decembre",
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "setiembre", "octubre", "noviembre", "diciembre",
    "gennaio", "febbraio", "aprile", "maggio", "giugno", "luglio", "settembre", "ottobre",
    "dicembre", "janeiro", "fevereiro", "março", "marco", "maio", "junho", "julho",
    "setembro", "outubro", "novembro", "dezembro",
    "januar", "februar", "märz", "maerz", "juni", "juli", "oktober", "dezember",
    "januari", "februari", "maart", "mei", "augustus"}
ORDINAL_WORDS = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                 "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth",
                 "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
                 "twentieth", "thirtieth"}
_SUFFIXES = {"st", "nd", "rd", "th"}
_JOINERS = {"the", "of", "de", ",", "/", "-", ".", "and", "'", "’", "slash", "dash"}
_BIRTH_OWNERS = {"of", "the", *POSSESSIVES}  # "date of birth", "my birth date"
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
# "born on Christmas Day 1950": a day of the year that names a date.
_HOLIDAYS = {"christmas", "halloween", "valentine's", "hanukkah", "thanksgiving",
             "patrick's", "patricks", "andrew's", "david's", "george's", "year's", "boxing",
             "hogmanay", "diwali", "easter"}
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
                    "surprise", "bash", "drinks", "trip", "list"}
# A newborn's weight said with the arrival: "3.2 kilos", "7 pounds 4 ounces" (not a parcel).
_WEIGHTS = {"kilos", "kg", "kgs", "pounds", "lb", "lbs", "ounces", "oz", "grams"}
_PARCELS = {"parcel", "package", "delivery", "order", "box", "shipment", "suitcase", "bag",
            "luggage", "post"}


def _weighed(toks: tuple[Token, ...]) -> bool:
    return not any(t.low in _PARCELS for t in toks) and any(
        t.low in _WEIGHTS and k > 0 and (toks[k - 1].text.isdecimal()
                                         or toks[k - 1].low in NUMBER_WORDS)
        for k, t in enumerate(toks))


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
            # "tell everyone kai's birthday"
            owner = i > 0 and (toks[i - 1].low.endswith(("'s", "’s"))
                               or toks[i - 1].low in POSSESSIVES)
            if not owner and any(x.low in _NOBODY for x in toks[max(0, i - 4):i]):
                continue  # "who was born on July 4th?", "famous people born in May"
            return True
        if low == "birth" and ((i > 0 and toks[i - 1].low in _BIRTH_OWNERS)
                               or (i + 1 < n and toks[i + 1].low in {"date", "day"})):
            return True
        if low == "d" and _spelled_dob(toks, i):
            return True  # "d.o.b", "d o b", "d-o-b"
        if low in _ARRIVALS and _weighed(toks):
            return True  # "Amelia arrived on the 28th of October, 3.2 kilos": a newborn
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


def _spelled_dob(toks: tuple[Token, ...], i: int) -> bool:
    """From token i, the letters d, o, b, one by one, with dots or dashes between or not."""
    letters = [t.low for t in toks[i:i + 5] if t.text not in {".", "-"}][:3]
    return letters == ["d", "o", "b"]


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
        if _in_code(toks, i):
            return None  # "LS11 5QP", "HG1 5AH": a postcode's digits, not a day
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
    if low in FOREIGN_MONTHS and _numeric_neighbour(toks, i):
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


def _in_code(toks: tuple[Token, ...], i: int) -> bool:
    """The digits at token i are written into letters: "LS11", "5QP" (not "5th")."""
    t = toks[i]
    before = i > 0 and toks[i - 1].word and toks[i - 1].end == t.start
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    return before or (nxt is not None and nxt.word and nxt.start == t.end
                      and nxt.low not in _SUFFIXES)


def _numeric_neighbour(toks: tuple[Token, ...], i: int) -> bool:
    """A day or a year beside the month at token i ("9 may", "the 9th of march")."""
    near = (i - 1, i + 1, i - 2, i + 2, *((i - 3,) if i > 0 and toks[i - 1].low == "of" else ()))
    return any(0 <= j < len(toks) and (toks[j].text.isdecimal() or toks[j].low in ORDINAL_WORDS)
               for j in near)


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
            elif first > 0 and toks[first - 1].low in {"st", "saint"}:
                first -= 1  # "St Patrick's Day 1990"
            elif first > 0 and toks[first - 1].low == "new" and toks[first].low == "year's":
                first -= 1  # "New Year's Day 1971"
            if j + 1 < n and toks[j].low in {"last", "this"} and toks[j + 1].low == "year":
                j += 2  # "the 1st of august last year": the year said relative to now
            found.append(Span(toks[first].start, toks[j - 1].end, "dob"))
        elif classes == ["Y"] or (classes and set(classes) <= {"W", "J"} and _spoken_year(
                [toks[k].low for k in range(i, j)])):
            years.append(Span(toks[i].start, toks[j - 1].end, "dob"))
        i = max(j, i + 1)
    # "born in 1990, on June 5": a year goes with the date said beside it
    return found + years if found else []


def _is_date(toks: tuple[Token, ...], first: int, i: int, j: int, classes: list[str]) -> bool:
    """Tokens i..j-1 (their classes) say a date, not a bare year or a lone number."""
    if "M" in classes:  # but a month alone is no date: "my birthday is in July"
        return any(c in {"D", "Y", "y", "O", "W", "S"} for c in classes)
    if "H" in classes:
        b = i - 2 if i > 1 and toks[i - 1].low in {"new", "st", "saint"} else i - 1
        return "Y" in classes or (b >= 0 and toks[b].low in {"on", "is", "was"})
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
                                       or toks[j].low in _AFTER_LONE_DAY)


# What may follow "born on the 3rd" (a day of the month alone), not a floor or a seat:
# "and", "at four in the morning", "just before midnight".
_AFTER_LONE_DAY = {"and", "this", "next", "every", "at", "in", "around", "just", "so", "but",
                   "when", "which", "last", "early", "late"}
