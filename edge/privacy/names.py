"""Person names: the device's contacts, a gazetteer of given names, titles and cues.

Why not an NER model: the one well-kept English pipeline (spaCy's en_core_web_sm) is not
on PyPI, and a re-upload of it found 87 % of this set's names at 2.9 ms a sentence (p50,
7.6 ms p95) on this machine's CPU, where the gazetteer below finds more in microseconds
(`tandem bench redact`). Whisper writes names capitalised, which is most of what a model
would add.

A token is a name when it is
- one of the contacts (any case, accents ignored: "Tomas" is "Tomás"), kinship words
  ("Mom") excepted;
- a given name (data/first_names.txt, any case) or a public figure's (data/
  public_figures.txt: "Obama", "Beyoncé"), or one that is also a word or a place
  (data/name_words.txt, public_figure_words.txt: Will, May, Sydney, Swift) written
  capitalised and either inside a sentence and not a month or place, or followed by a
  surname ("Will Smith"), or by a verb only people do ("Jordan said"); a place or a month
  needs a cue that only people take ("text Jordan", not "visiting Paris");
- any capitalised word after a title ("Dr. Patel") or a cue ("call", "text", "my name is");
and the capitalised words after it ("Mary-Jane van der Berg"), or lowercase known surnames,
are its surname; a place-like surname after a given name too ("Michael Jordan").
Not a name: one that a landmark word follows or ends ("Victoria Station", "the Berlin
Wall", "Chase bank"; but "Rachel Green", a given name and a surname), a brand ("Jack
Daniel's", "Wendy's"), a place after "San" or "New", a two- or three-letter acronym ("MA").
"""

from __future__ import annotations

from collections.abc import Iterable

from edge.privacy.name_cues import (
    ATTRIBUTES,
    AUXILIARIES,
    BASE_VERBS,
    BIRTH,
    COMMS_CUES,
    CUES,
    DETERMINERS,
    FUNCTION_WORDS,
    GIVING_VERBS,
    INTRO_CUES,
    KIN_TITLES,
    LOWER_CUES,
    LOWER_PLACE_PREFIXES,
    NOT_AFTER_INTRO,
    NOT_BEFORE_NAME,
    NOT_SURNAMES,
    PERSON_VERBS,
    PLACE_PREFIXES,
    ROLES,
    STATE_VERBS,
    STRONG_LANDMARKS,
    SUBJECT_VERBS,
    SURNAME_PARTICLES,
    TITLES,
)
from edge.privacy.name_lists import (
    LANDMARKS,
    NOT_NAMES,
    figure_words,
    figures,
    gazetteer,
    name_places,
    place_words,
    surname_words,
)
from edge.privacy.name_things import (
    a_pet,
    a_place_cue,
    a_thing,
    a_title,
    brand_end,
    english_words,
    in_title,
    pet_sentence,
    so_called_thing,
    unknown_word,
)
from edge.privacy.spans import Span
from edge.privacy.text import Token, fold, sentence_start, tokens

MAX_SURNAMES = 2



def contact_phrases(contacts: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """The contacts as lowercase, accent-free word tuples, longest first."""
    phrases = {tuple(t.low for t in tokens(fold(c))) for c in contacts}
    return tuple(sorted((p for p in phrases if p and not (len(p) == 1 and p[0] in NOT_NAMES)),
                        key=len, reverse=True))


def _bare(low: str) -> str:
    """"daniel's" -> "daniel"."""
    return low[:-2] if low.endswith(("'s", "’s")) else low


def _end(t: Token) -> int:
    """A name's end offset without its possessive "'s"."""
    return t.end - 2 if t.low.endswith(("'s", "’s")) else t.end


def find_names(text: str, toks: tuple[Token, ...],
               contacts: tuple[tuple[str, ...], ...] = ()) -> list[Span]:
    first, ambiguous, surnames = gazetteer()
    places = place_words()
    found: list[Span] = []
    n = len(toks)
    i = 0
    while i < n:
        t = toks[i]
        if not t.word:
            i += 1
            continue
        low = _bare(t.low)
        hit = _contact(toks, i, contacts)
        if hit is not None:
            if hit == i:  # "call Priya Raman", "priya chopra": a contact's surname too
                hit = _surnames(toks, i, surnames, lowercase=not t.cap)
            found.append(Span(t.start, _end(toks[hit]), "name"))
            i = hit + 1
            continue
        brand = brand_end(toks, i)
        if brand is not None:
            i = brand + 1
            continue
        p = _prev(toks, i)
        prev = toks[p].low if p >= 0 else ""
        intro = prev in INTRO_CUES or (prev == "is" and p > 0 and toks[p - 1].low in {
            "this", "name"})  # "my name is", "this is ravi speaking"
        cue = prev in CUES or intro
        comms = cue and (prev in COMMS_CUES or prev == "is")
        role = prev in ROLES and (toks[p].cap or not t.cap or p == 0 or toks[p - 1].low in {
            "the", "my", "our", "to", "with", "from", "ask", "tell", "call", "text"})
        if low in TITLES and (t.cap or len(low) <= 3):
            j = i + 2 if i + 2 < n and toks[i + 1].text == "." else i + 1
            if j < n and a_title(toks, p) and toks[j].low not in surnames \
                    and toks[j].low not in figures():
                i = j + 1  # "play Mr Brightside", "watch Mrs Doubtfire": a work's title
                continue
            if j < n and toks[j].word and _bare(toks[j].low) not in NOT_NAMES and (
                    toks[j].cap or (_lower_surname(_bare(toks[j].low), surnames)
                                    and not in_title(toks, i))):
                last = _surnames(toks, j, surnames, lowercase=False)  # "Dr. Patel", "mrs
                # kowalski" (a lowercase title needs a surname or no English word)
                found.append(Span(t.start, _end(toks[last]), "name"))
                i = last + 1
                continue
        if low in NOT_NAMES or _after_place_prefix(toks, i) \
                or (len(t.text) <= 3 and t.text.isupper()) \
                or (t.text.isupper() and len(t.text) > 1 and not text.isupper()) \
                or a_thing(toks, i):
            # "MA 02139", "AL": a state or an acronym; "San Francisco", "St. Mary's": a
            # place; "I'm a Leo", "the Dow Jones", "more Heinz ketchup": a kind of thing
            i += 1
            continue
        is_name = False
        word_like = low in ambiguous or low in places
        if low in first and low not in places:
            is_name = True
        elif not t.cap and word_like and not sentence_start(toks, i) and (
                (prev in LOWER_CUES and (low in ambiguous or low not in places))
                or (prev in GIVING_VERBS and _next_low(toks, i) in DETERMINERS)
                or (prev in AUXILIARIES and _next_low(toks, i) in BASE_VERBS)):
            is_name = True  # "remind tom", "send mark a reminder", "did tom reply"
        elif not sentence_start(toks, i) and unknown_word(low) and low not in places and (
                (not t.cap and (prev in LOWER_CUES or (
                    prev in AUXILIARIES and _next_low(toks, i) in BASE_VERBS)))
                or prev in KIN_TITLES):
            is_name = True  # "text nkechi", "did kateryna say", "uncle femi": no word
        elif _titled(t) and unknown_word(low) and low not in places and i + 1 < n \
                and _titled(toks[i + 1]) and _known_surname(_bare(toks[i + 1].low)):
            is_name = True  # "Bongani Dlamini": an unlisted given name before a surname
        elif (intro and low not in NOT_AFTER_INTRO and (t.cap or prev != "called")) or (
                role and low not in LANDMARKS and (t.cap or low in first or (
                    low in surnames and low not in surname_words()))) or (
                (prev in LOWER_CUES or prev in {"from", "with"}) and low in surnames
                and low not in surname_words() and low not in places):
            is_name = True  # "my name's ravi", "coach brennan", "messages from kowalski"
        elif _titled(t) and low in surnames and low not in surname_words() \
                and low not in places and i + 1 < n and _titled(toks[i + 1]) \
                and _bare(toks[i + 1].low) in first \
                and _bare(toks[i + 1].low) not in places:
            is_name = True  # "Li Wei", "Nguyen Van An": surname first
        elif t.low.endswith(("'s", "’s")) and _attribute_after(toks, i) and (
                low in first or word_like or low in surnames
                or _next_low(toks, i) in BIRTH) and prev not in DETERMINERS - {"that"} \
                and len(low) > 1:
            is_name = True  # "olu's date of birth", "jake's number"
        elif (low in ambiguous or low in places) and _titled(t):
            followed = i + 1 < n and toks[i + 1].word and toks[i + 1].cap and \
                _bare(toks[i + 1].low) not in NOT_NAMES and \
                _bare(toks[i + 1].low) not in places and \
                (_bare(toks[i + 1].low) in surnames or _bare(toks[i + 1].low) in first
                 or low not in places)
            place = low in places
            acts = i + 1 < n and (toks[i + 1].low in PERSON_VERBS or (
                not place and (toks[i + 1].low in SUBJECT_VERBS or (
                    toks[i + 1].low in {"is", "was"} and _next_low(toks, i + 1)
                    in STATE_VERBS))))
            is_name = followed or acts or (comms if place else cue) or (
                not place and not sentence_start(toks, i))
        elif _titled(t) and cue and prev != "with" and low not in places and (
                low not in english_words() or low in surnames):
            is_name = True  # "call Zbigniew" (not "call Pizza Hut")
        if is_name and (
                (prev in {"called", "named"} and so_called_thing(toks, p))
                or (prev not in COMMS_CUES and prev not in LOWER_CUES and pet_sentence(toks)
                    and _single(toks, i) and a_pet(toks, i, p))
                or (a_title(toks, p) and _single(toks, i) and low not in figures())
                or (in_title(toks, i) and not _a_figure(toks, i, surnames))
                or (low in name_places() and not t.low.endswith(("'s", "’s"))
                    and a_place_cue(toks, p))):
            i += 1  # "a song called Jolene", "walk Luna", "the vet about Luna's jabs",
            continue  # "play Jolene", "play hey Jude" (but "play Adele", "play Taylor
            # Swift"), "near Sofia"
        if is_name:
            last = _surnames(toks, i, surnames, lowercase=not t.cap)
            if _a_place(toks, i, last, (low in first and low not in places) or (
                    last > i and toks[i + 1].text == "-"), surnames):
                i = last + 2  # "Victoria Station", "the Berlin Wall", "Cherry Tree Lane"
                continue
            start = t.start
            if p == i - 1 and low in first and toks[p].word and toks[p].cap == t.cap \
                    and toks[p].low in ambiguous and toks[p].low not in NOT_BEFORE_NAME \
                    and toks[p].low not in NOT_NAMES \
                    and not (found and found[-1].end >= toks[p].start):
                start = toks[p].start  # "martin luther king": two given names
            start = _given_before(toks, p if start < t.start else i)
            found.append(Span(start, _end(toks[last]), "name"))
            i = last + 1
            continue
        i += 1
    return found


_FILLERS = {"uh", "um", "er", "erm", "uhm", "hmm"}


def _known_surname(low: str) -> bool:
    """A surname that is no word: "Dlamini", "Nguyen" (not "Baker", "Park")."""
    return low in gazetteer()[2] and low not in surname_words() \
        and low not in english_words() and low not in FUNCTION_WORDS \
        and low not in place_words()


def _unknown_surname(low: str) -> bool:
    """A lowercase word after a given name that no list knows: "kofi annan", "frida
    kahlo" (a public figure's surname, or any unlisted one)."""
    return unknown_word(low) and low not in NOT_SURNAMES and low not in place_words()


def _lower_surname(low: str, surnames: frozenset[str]) -> bool:
    """A lowercase word after "mr", "dr": a surname, or no English word ("haddad")."""
    return low not in FUNCTION_WORDS and low not in english_words() and (
        low in surnames or unknown_word(low))


def _a_figure(toks: tuple[Token, ...], i: int, surnames: frozenset[str]) -> bool:
    """The name at token i is a public figure's, not a word in a title: one known alone
    ("Adele") or a given name before a figure's surname or an unknown word ("Taylor
    Swift", "Bob Marley"; not "Billie Jean", "Ted Lasso")."""
    if _bare(toks[i].low) in figures():
        return True
    if i + 1 >= len(toks) or not toks[i + 1].word:
        return False
    nxt = _bare(toks[i + 1].low)
    return nxt in figures() or (unknown_word(nxt) and nxt not in gazetteer()[0])


def _single(toks: tuple[Token, ...], i: int) -> bool:
    """Token i is a name alone, no surname after it (a pet's is one word)."""
    return i + 1 >= len(toks) or not (toks[i + 1].cap and toks[i + 1].word) \
        or toks[i].low.endswith(("'s", "’s"))


def _given_before(toks: tuple[Token, ...], i: int) -> int:
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
            if not ((b.cap and low.isalpha() and low not in english_words()
                     and not _after_place_prefix(toks, k - 1)) or _known_surname(low)):
                break
            k -= 1
    return toks[k].start


def _prev(toks: tuple[Token, ...], i: int) -> int:
    """The index of the word before token i, fillers skipped ("from uh kowalski"), or -1."""
    j = i - 1
    while j >= 0 and toks[j].low in _FILLERS:
        j -= 1
    return j


def _next_low(toks: tuple[Token, ...], i: int) -> str:
    return toks[i + 1].low if i + 1 < len(toks) else ""


def _attribute_after(toks: tuple[Token, ...], i: int) -> bool:
    """A personal attribute follows token i: "birthday", "date of birth", "phone number"."""
    nxt = _next_low(toks, i)
    if nxt == "date":
        return i + 3 < len(toks) and toks[i + 2].low == "of" and toks[i + 3].low == "birth"
    return nxt in ATTRIBUTES


def _titled(t: Token) -> bool:
    """Capitalised, not shouted: "Will", not "WILL" or "MANY" in a text all in capitals."""
    return t.cap and not (t.text.isupper() and len(t.text) > 1)


def _after_place_prefix(toks: tuple[Token, ...], i: int) -> bool:
    """Token i is capitalised after "San", "New", "St." ...: part of a place's name."""
    j = i - 2 if i > 1 and toks[i - 1].text == "." else i - 1
    if j < 0 or toks[j].low not in PLACE_PREFIXES:
        return False
    return (toks[i].cap and toks[j].cap) or (  # lowercase: "lake louise", "st james's park"
        not toks[i].cap and not toks[j].cap and toks[j].low in LOWER_PLACE_PREFIXES)


def _a_place(toks: tuple[Token, ...], i: int, last: int, given: bool,
             surnames: frozenset[str]) -> bool:
    """The name at tokens i..last is part of a place's name: a landmark word follows it
    ("Victoria Station") or ends it ("the Berlin Wall"). A landmark word that is a surname
    too ("Green", "Hill", "Park") makes a place only of what does not start with a given
    name: "Rachel Green" is a person, "Victoria Park" a place."""
    words = [_bare(toks[last].low)] if last > i else []
    possessive = toks[last].low.endswith(("'s", "’s"))  # "Sarah's school" is hers
    nxt = _bare(toks[last + 1].low) if last + 1 < len(toks) else ""
    if nxt and (toks[last + 1].cap or not given) and (
            not possessive or nxt in {"day", "eve"} or toks[last + 1].cap):
        words.append(nxt)  # "Victoria Station", "Chase bank", "St. Patrick's Day", "King's
        # Cross" (but "Sarah's school" is hers)
    for low in words:
        if low in LANDMARKS and (low in STRONG_LANDMARKS or low not in surnames or not given):
            return True
    return False


def _no_date_after(toks: tuple[Token, ...], i: int) -> bool:
    """Token i is not a month before a day ("May 5th", "June the third")."""
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    return nxt is None or not (nxt.text.isdecimal() or nxt.low in {"the", "first", "second",
                                                                   "third"})


def _contact(toks: tuple[Token, ...], i: int,
             contacts: tuple[tuple[str, ...], ...]) -> int | None:
    for phrase in contacts:
        k = len(phrase)
        if i + k <= len(toks) and all(_bare(toks[i + m].low) == phrase[m] if m == k - 1
                                      else toks[i + m].low == phrase[m] for m in range(k)):
            return i + k - 1
    return None


def _surnames(toks: tuple[Token, ...], i: int, surnames: frozenset[str], lowercase: bool
              ) -> int:
    """The last token of the name that starts at token i (its surnames included)."""
    last, words, n = i, 0, len(toks)
    while last + 1 < n and words < MAX_SURNAMES and not toks[last].low.endswith(("'s", "’s")):
        nxt = toks[last + 1]
        low = _bare(nxt.low)
        if nxt.text == "-" and last + 2 < n and toks[last + 2].word \
                and (toks[last + 2].cap or len(toks[last + 2].text) <= 4
                     or unknown_word(toks[last + 2].low)) \
                and nxt.start == toks[last].end and toks[last + 2].start == nxt.end:
            last += 2  # "Mary-Jane", "Jean-Luc", "Ji-woo"
            continue
        k = last + 1
        while k < n and k - last <= 2 and toks[k].low in SURNAME_PARTICLES:
            k += 1
        if k > last + 1 and k < n and toks[k].cap and toks[k].word:
            last, words = k, words + 1  # "van der Berg", "de la Cruz"
            continue
        if not nxt.word or low in NOT_NAMES or (low in LANDMARKS and low not in surnames):
            break
        if low in place_words() and not (nxt.cap and low in surnames and _no_date_after(
                toks, last + 1)):
            break  # "Tom in Paris", "call Anna May 5th"; but "Michael Jordan"
        if nxt.cap or (lowercase and (low in surnames or low in figure_words()
                                      or _unknown_surname(low))
                       and low not in FUNCTION_WORDS):
            last, words = last + 1, words + 1
            continue
        break
    return last
