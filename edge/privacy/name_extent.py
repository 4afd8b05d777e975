"""Where a name starts and ends, and what its neighbours make of it.

names.py finds the word that starts a name; this module reads its extent: the surnames
after it ("Mary-Jane van der Berg", "kofi annan"), a given name or a surname said before it
("Chimamanda Ngozi", "Xu Ming"), and whether the whole is a place's name instead ("Victoria
Station", "the Berlin Wall", "San Francisco"). The word tests it shares with names.py (a
known surname, an unknown one, a capitalised word) are here too.
"""

from __future__ import annotations

import re

from edge.privacy.name_cues import (
    BASE_VERBS,
    CUES,
    FUNCTION_WORDS,
    LOWER_PLACE_PREFIXES,
    NOT_SURNAMES,
    PLACE_PREFIXES,
    STRONG_LANDMARKS,
    SURNAME_PARTICLES,
    TITLES,
)
from edge.privacy.name_lists import (
    LANDMARKS,
    NOT_NAMES,
    figure_words,
    figures,
    gazetteer,
    place_words,
    surname_words,
)
from edge.privacy.name_things import english_words, on_screen, unknown_word
from edge.privacy.text import Token

MAX_SURNAMES = 3  # the third only a known surname: "María José García López"
# Particles joined to the family name by a hyphen: "al-Farsi", "el-Amin", "ben-David".
HYPHEN_PARTICLES = {"al", "el", "ul", "ad", "as", "ash", "at", "az", "an", "ar", "bin",
                    "ben", "ibn", "abu", "bint", "ait", "ou", "ould"}
# "Big Dave", "call big mike", "Little John": part of a nickname, not a name alone.
NICKNAME_WORDS = {"big", "little", "lil", "old", "young", "wee"}


def bare(low: str) -> str:
    """"daniel's" -> "daniel"."""
    return low[:-2] if low.endswith(("'s", "’s")) else low


def name_end(t: Token) -> int:
    """A name's end offset without its possessive "'s"."""
    return t.end - 2 if t.low.endswith(("'s", "’s")) else t.end


def known_surname(low: str) -> bool:
    """A surname that is no word: "Dlamini", "Nguyen" (not "Baker", "Park")."""
    return low in gazetteer()[2] and low not in surname_words() \
        and low not in english_words() and low not in FUNCTION_WORDS \
        and low not in place_words()


def unknown_surname(low: str) -> bool:
    """A lowercase word after a given name that no list knows: "kofi annan", "frida
    kahlo" (a public figure's surname, or any unlisted one)."""
    return unknown_word(low) and low not in NOT_SURNAMES and low not in place_words()


def title_surnames(toks: tuple[Token, ...], j: int) -> int:
    """"ms lindiwe dube": after a lowercase title and the name after it, one more word that
    is a surname no English word spells ("dube", "kowalski") goes with it."""
    if j + 1 < len(toks) and toks[j + 1].word and not toks[j + 1].cap \
            and not toks[j].low.endswith(("'s", "’s")) and toks[j + 1].start == toks[j].end + 1:
        low = bare(toks[j + 1].low)
        if known_surname(low) or unknown_surname(low):
            return j + 1
    return j


def lower_surname(low: str, surnames: frozenset[str], title: str = "") -> bool:
    """A lowercase word after "mr", "dr": a surname, or no English word ("haddad"); after
    a title that is never a word ("mr lee", "mrs white") any surname."""
    return low not in FUNCTION_WORDS and (low in surnames and title in _PLAIN_TITLES or (
        low not in english_words() and (low in surnames or unknown_word(low))))


# Titles that are no word: "mr lee", "mrs white" (but "miss", "doctor", "lady" are words).
_PLAIN_TITLES = {"mr", "mrs", "mx", "dr"}


def a_figure(toks: tuple[Token, ...], i: int, surnames: frozenset[str]) -> bool:
    """The name at token i is a public figure's, not a word in a title: one known alone
    ("Adele") or a given name before a figure's surname or an unknown word ("Taylor
    Swift", "Bob Marley"; not "Billie Jean", "Ted Lasso")."""
    if bare(toks[i].low) in figures():
        return True
    if i + 1 >= len(toks) or not toks[i + 1].word or on_screen(toks, i):
        return False  # "put on Forrest Gump": a film, unless a figure's name
    nxt = bare(toks[i + 1].low)
    return nxt in figures() or (unknown_word(nxt) and nxt not in gazetteer()[0]
                                and nxt not in NOT_NAMES)  # not "Ruby Tuesday"


def single_word(toks: tuple[Token, ...], i: int) -> bool:
    """Token i is a name alone, no surname after it (a pet's is one word)."""
    return i + 1 >= len(toks) or not (toks[i + 1].cap and toks[i + 1].word) \
        or toks[i].low.endswith(("'s", "’s"))


def given_before(toks: tuple[Token, ...], i: int) -> int:
    """The start of the name that starts at token i, moved back over what is part of it:
    the first half of "Sung-min", an unlisted given name ("Chimamanda Ngozi", "Olusegun
    Bakare") or a surname said first ("Xu Ming", "nguyen van minh")."""
    k = i
    while k > 0 and k > i - 3:
        if toks[k - 1].text == "-" and k > 1 and toks[k - 2].word \
                and toks[k - 2].end == toks[k - 1].start and toks[k - 1].end == toks[k].start:
            k -= 2  # "Sung-min"
        else:
            b = toks[k - 1]
            low = b.low
            if not b.word or b.cap != toks[k].cap or low in NOT_NAMES or low in TITLES \
                    or low in CUES or low in place_words() or toks[k].start - b.end != 1:
                break
            if b.cap and low in NICKNAME_WORDS:
                k -= 1  # "Big Dave", "Little John": a nickname's adjective
                break
            if not ((b.cap and low.isalpha() and low not in english_words()
                     and not after_place_prefix(toks, k - 1)) or known_surname(low)):
                break
            k -= 1
    return toks[k].start


def titled(t: Token) -> bool:
    """Capitalised, not shouted: "Will", not "WILL" or "MANY" in a text all in capitals."""
    return t.cap and not (t.text.isupper() and len(t.text) > 1)


def after_place_prefix(toks: tuple[Token, ...], i: int) -> bool:
    """Token i is capitalised after "San", "New", "St." ...: part of a place's name."""
    j = i - 2 if i > 1 and toks[i - 1].text == "." else i - 1
    if j < 0 or toks[j].low not in PLACE_PREFIXES:
        return False
    return (toks[i].cap and toks[j].cap) or (  # lowercase: "lake louise", "st james's park"
        not toks[i].cap and not toks[j].cap and toks[j].low in LOWER_PLACE_PREFIXES)


def a_place(toks: tuple[Token, ...], i: int, last: int, given: bool,
             surnames: frozenset[str]) -> bool:
    """The name at tokens i..last is part of a place's name: a landmark word follows it
    ("Victoria Station") or ends it ("the Berlin Wall"). A landmark word that is a surname
    too ("Green", "Hill", "Park") makes a place only of what does not start with a given
    name: "Rachel Green" is a person, "Victoria Park" a place."""
    words = [bare(toks[last].low)] if last > i else []
    possessive = toks[last].low.endswith(("'s", "’s"))  # "Sarah's school" is hers
    nxt = bare(toks[last + 1].low) if last + 1 < len(toks) else ""
    if nxt and (toks[last + 1].cap or not given) and (
            not possessive or nxt in {"day", "eve"} or toks[last + 1].cap):
        words.append(nxt)  # "Victoria Station", "Chase bank", "St. Patrick's Day", "King's
        # Cross" (but "Sarah's school" is hers)
    for low in words:
        if low in LANDMARKS and (low in STRONG_LANDMARKS or low not in surnames or not given):
            return True
    return False


def _particle_hyphen(toks: tuple[Token, ...], k: int) -> int | None:
    """The last token of "al-Farsi" / "al-sayed" / "Al-Amin" starting at token k, or None:
    a particle, a hyphen and the family name, written as one, in any case."""
    if k + 2 >= len(toks) or toks[k].low not in HYPHEN_PARTICLES or toks[k + 1].text != "-":
        return None
    name = toks[k + 2]
    if not (name.word and toks[k + 1].start == toks[k].end and name.start == toks[k + 1].end
            and len(name.text) > 2):
        return None
    if name.low in english_words() and not name.cap:
        return None
    return k + 2


def _no_date_after(toks: tuple[Token, ...], i: int) -> bool:
    """Token i is not a month before a day ("May 5th", "June the third")."""
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    return nxt is None or not (nxt.text.isdecimal() or nxt.low in {"the", "first", "second",
                                                                   "third"})


def surname_end(toks: tuple[Token, ...], i: int, surnames: frozenset[str], lowercase: bool
              ) -> int:
    """The last token of the name that starts at token i (its surnames included)."""
    last, words, n = i, 0, len(toks)
    while last + 1 < n and words < MAX_SURNAMES and not toks[last].low.endswith(("'s", "’s")):
        nxt = toks[last + 1]
        low = bare(nxt.low)
        if nxt.text == "-" and last + 2 < n and toks[last + 2].word \
                and (toks[last + 2].cap or len(toks[last + 2].text) <= 4
                     or unknown_word(toks[last + 2].low) or toks[last + 2].low in gazetteer()[0]
                     or toks[last + 2].low in gazetteer()[1]) \
                and nxt.start == toks[last].end and toks[last + 2].start == nxt.end:
            last += 2  # "Mary-Jane", "Jean-Luc", "Ji-woo"
            continue
        hyphened = _particle_hyphen(toks, last + 1)
        if hyphened is not None:
            last, words = hyphened, words + 1  # "al-Farsi", "fatima al-sayed", "ben-David"
            continue
        if len(toks[last].text) == 1 and toks[last].text.isupper() and nxt.text == "." \
                and last + 2 < n and titled(toks[last + 2]) and toks[last + 2].word:
            last += 2  # "Ms A. Kowalczyk", "J. R. Smith": an initial, then the name
            continue
        k = last + 1
        while k < n and k - last <= 2 and toks[k].low in SURNAME_PARTICLES:
            k += 1
        if k > last + 1 and k < n and toks[k].word and (toks[k].cap or (
                lowercase and toks[k].low not in FUNCTION_WORDS
                and (toks[k].low in surnames or unknown_surname(bare(toks[k].low))))):
            last, words = k, words + 1  # "van der Berg", "de la Cruz", "van der berg"
            continue
        if words == MAX_SURNAMES - 1 and not (nxt.cap and low in surnames
                                              and low not in english_words()):
            break  # a third family name only when known: "María José García López"
        if not nxt.word or low in NOT_NAMES or (low in LANDMARKS and low not in surnames):
            break
        if low in place_words() and not (nxt.cap and low in surnames and _no_date_after(
                toks, last + 1)):
            break  # "Tom in Paris", "call Anna May 5th"; but "Michael Jordan"
        if nxt.cap or (lowercase and (low in surnames or low in figure_words()
                                      or unknown_surname(low) or _clan_prefixed(low))
                       and low not in FUNCTION_WORDS and low not in BASE_VERBS):
            last, words = last + 1, words + 1
            continue
        break
    return last


_CLAN = re.compile(r"(?:o['’]|d['’]|mc|mac|fitz)[a-z]{3,}")


def _clan_prefixed(low: str) -> bool:
    """"o'neal", "d'souza", "mcgregor": a family name by its Irish, Scottish or Norman
    prefix, written lowercase (not "o'clock", "mcdonald's" ends with "'s" and is bare)."""
    return _CLAN.fullmatch(low) is not None and low not in english_words() \
        and low not in NOT_NAMES and low != "o'clock"
