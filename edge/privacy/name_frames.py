"""Sentence frames that hold a name where the word alone would not say it is one.

A lowercase transcript loses the capital that marks a name, and a nickname or an unlisted
name is often an English word or no word at all. The sentence around it still says a
person is meant:
- a question about who someone is: "who is taika waititi";
- a contact saved under a name: "save +27 21 555 0199 as thandi";
- two objects after a giving verb, the person first: "send li na the photos", "send an
  nguyen the address" (a given name and a surname that no list knows);
- a nickname before a pronoun that takes a person: "call bubbles, she's my sister's friend".
names.py asks these before its word lists, since the word may be one they refuse ("an").
"""

from __future__ import annotations

from edge.privacy.health import health_terms
from edge.privacy.name_cues import (
    BASE_VERBS,
    DETERMINERS,
    FUNCTION_WORDS,
    GIVING_VERBS,
    LOWER_CUES,
    PERSON_VERBS,
    STATE_VERBS,
    SUBJECT_VERBS,
)
from edge.privacy.name_lists import NOT_NAMES, gazetteer, health_words, place_words
from edge.privacy.name_things import PERSON_NOUNS, a_title, english_words, unknown_word
from edge.privacy.text import POSSESSIVES, Token

# Only a person has these: "olu's parents", "kemi's husband".
KIN = {"parents", "mum", "mom", "dad", "mother", "father", "wife", "husband", "partner",
       "kids", "children", "son", "daughter", "brother", "sister", "boyfriend",
       "girlfriend", "fiance", "fiancee", "family", "grandma", "grandpa", "twins",
       "stepson", "stepdaughter", "nan", "gran", "granny", "in-laws", "baby"}
# After a name, a word that goes on with the sentence: "hi grandma hope you're well".
_PRONOUNS = {"you", "you're", "i", "i'm", "we", "he", "she", "they", "it", "it's", "that",
             "me", "us", "them", "your", "my"}
# A pronoun after a word that says it was a verb: "the nurse will you ...".
_SUBJECTS = _PRONOUNS - {"that", "your", "my"}
# "save this number as thandi": verbs that file a contact under a name.
_SAVE_VERBS = {"save", "saved", "add", "store", "rename", "put", "list", "label"}
# ...and what they file: a number, or a contact.
_CONTACT_WORDS = {"number", "contact", "contacts", "mobile", "cell", "phone", "landline",
                  "@", "email", "address"}
# "call bubbles, she's ...": a pronoun after the comma that takes a person.
_PERSON_PRONOUNS = {"she's", "he's", "she", "he", "they're"}
# Lowercase words after a cue that are no one's nickname: "call home, he's waiting".
_NOT_NICKNAMES = {"ahead", "first", "later", "soon", "again", "back", "everyone", "someone",
                  "anyone", "everybody", "somebody", "anybody", "reception", "quickly",
                  "today", "tonight", "tomorrow"}


def who_is(toks: tuple[Token, ...], p: int) -> bool:
    """Token p ends "who is" / "who was" / "who's": a person's name follows."""
    if p < 0:
        return False
    low = toks[p].low
    return low == "who's" or (low in {"is", "was"} and p > 0 and toks[p - 1].low == "who")


def saved_as(toks: tuple[Token, ...], p: int) -> bool:
    """Token p is the "as" of "save <a number> as ...": a contact's name follows."""
    if p < 1 or toks[p].low != "as":
        return False
    before = toks[:p]
    if not any(t.low in _SAVE_VERBS for t in before):
        return False
    digits = sum(len(t.text) for t in before if t.text.isdecimal())
    return digits >= 7 or any(t.low in _CONTACT_WORDS for t in before)


def name_like(low: str) -> bool:
    """A word that may be a person's name: a given name, or no English word ("thandi",
    "nguyen"); not "born" or "calling", though the census lists them as surnames."""
    first, ambiguous, surnames = gazetteer()
    return low not in NOT_NAMES and low not in FUNCTION_WORDS and (
        low in first or unknown_word(low) or (
            (low in ambiguous or low in surnames) and low not in english_words()))


def object_pair(toks: tuple[Token, ...], i: int, p: int) -> int | None:
    """"send li na the photos", "send an nguyen the address": after a giving verb, two
    words then a determiner are a person's given name and surname when the second is no
    English word. The index of the surname, or None."""
    n = len(toks)
    if p != i - 1 or i + 2 >= n or toks[p].low not in GIVING_VERBS \
            or toks[i + 2].low not in DETERMINERS or toks[i].cap or toks[i + 1].cap:
        return None
    given, family = toks[i].low, toks[i + 1].low
    first, ambiguous, surnames = gazetteer()
    if not (toks[i].word and toks[i + 1].word and family.isalpha() and len(family) > 1):
        return None
    if family in english_words() or family in NOT_NAMES or family in place_words() \
            or family in FUNCTION_WORDS:
        return None
    if given in first or given in ambiguous or given in surnames or unknown_word(given):
        return i + 1
    return None


def nickname(toks: tuple[Token, ...], i: int, p: int) -> bool:
    """"call bubbles, she's my sister's best friend": a lowercase word after a calling
    verb, then a comma and a pronoun that takes a person, is that person's nickname."""
    n = len(toks)
    if p != i - 1 or toks[p].low not in LOWER_CUES or i + 2 >= n or toks[i + 1].text != ",":
        return False
    low = toks[i].low
    return not toks[i].cap and toks[i].word and toks[i + 2].low in _PERSON_PRONOUNS \
        and low not in NOT_NAMES and low not in FUNCTION_WORDS and low not in DETERMINERS \
        and low not in _NOT_NICKNAMES and not low.endswith("ly") and len(low) > 2


def kin_name(toks: tuple[Token, ...], i: int) -> bool:
    """"grandma june", "auntie wen", "nana rose": a listed given name after a kinship
    word, even one that is a word or a month, unless the sentence goes on as if it were a
    verb ("grandma will call", "hi grandma hope you're well")."""
    low = toks[i].low.removesuffix("'s")
    first, ambiguous, _ = gazetteer()
    nxt = toks[i + 1].low if i + 1 < len(toks) else ""
    return (low in first or low in ambiguous) and low not in FUNCTION_WORDS \
        and low not in NOT_NAMES and nxt not in _PRONOUNS and nxt not in BASE_VERBS \
        and nxt not in DETERMINERS


def played_figure(toks: tuple[Token, ...], i: int, surnames: frozenset[str]) -> bool:
    """"play some Bob Marley": a quantity before a name said to a media verb is of the
    artist's songs when the name and a surname are both capitalised."""
    return 1 < i < len(toks) - 1 and toks[i - 1].low in {"some", "more"} \
        and a_title(toks, i - 2) and toks[i].cap and toks[i + 1].cap and toks[i + 1].word \
        and (toks[i].low in gazetteer()[0] or toks[i].low in gazetteer()[1]) \
        and (toks[i + 1].low.removesuffix("'s") in surnames or unknown_word(toks[i + 1].low))


# Verbs that say their subject is a person: "Mthunzi said", "Siosaia Tupou is diabetic".
_SAYING = {"said", "says", "told", "tells", "asked", "asks", "texted", "called", "emailed",
           "messaged", "replied", "wrote", "promised", "mentioned", "forgot", "agreed",
           "thinks", "thought", "reckons", "rang", "phoned"}
_HIS_HER = {"his", "her", "him", "she", "he", "himself", "herself"}


def person_subject(toks: tuple[Token, ...], i: int, last: int) -> bool:
    """The capitalised words i..last (no English word, no place) are the subject of what
    only a person does: a verb of saying ("Mthunzi said"), a verb whose object is his or
    hers ("Mthunzi needs his ARVs"), or a state only a person is in ("Yerlan was born",
    "Siosaia Tupou is diabetic")."""
    n = len(toks)
    v = last + 1
    if v >= n:
        return False
    if not all(unknown_word(t.low.removesuffix("'s")) and t.low not in place_words()
               and t.low not in NOT_NAMES for t in toks[i:last + 1] if t.word):
        # a capitalised word inside a sentence, of someone's condition: "remember Pita is
        # on blood thinners" (a word too, but no thing is on them)
        return i > 0 and toks[i - 1].word and all(
            t.cap and t.low not in place_words() and t.low not in NOT_NAMES
            and t.low not in health_terms() for t in toks[i:last + 1] if t.word) \
            and toks[v].low in _HEALTH_VERBS and _health_after(toks, v)
    verb = toks[v].low
    if verb in _HEALTH_VERBS and _health_after(toks, v):
        return True  # "Giorgos had a heart attack", "Ama takes donepezil"
    after = toks[v + 1].low if v + 1 < n else ""
    if verb in _SAYING:
        return True
    if (verb in PERSON_VERBS or verb in SUBJECT_VERBS) and after in _HIS_HER:
        return True
    return verb in {"is", "was", "has", "had", "gets", "got"} and (
        after in STATE_VERBS or after in _CONDITIONS or after in health_words())


_HEALTH_VERBS = {"is", "was", "has", "had", "takes", "took", "needs", "uses", "gets", "got"}
_BEFORE_TERM = {"a", "an", "the", "on", "some", "been", "having", "taking", "bad", "severe",
                "mild", "her", "his", "just", "now", "still", "recently", "had", "got"}


def _health_after(toks: tuple[Token, ...], v: int) -> bool:
    """A condition or a medicine follows the verb at v: "is on blood thinners", "had a
    heart attack"."""
    terms = health_terms()
    for k in range(v + 1, min(len(toks), v + 4)):
        for words in terms.get(toks[k].low, ()):
            if tuple(t.low for t in toks[k:k + len(words)]) == words:
                return True
        if toks[k].low not in _BEFORE_TERM:
            return False
    return False


# "Siosaia is diabetic", "Ana has epilepsy": said of a person only.
_CONDITIONS = {"diabetic", "epileptic", "asthmatic", "autistic", "pregnant", "deaf",
               "blind", "dyslexic", "anaemic", "anemic", "bipolar", "coeliac", "celiac",
               "allergic", "disabled", "immunocompromised", "hospitalised", "hospitalized"}


# "a table under Nakamura", "booked in the name of Oyelaran": who a booking is for.
_BOOKINGS = {"reservation", "reservations", "booking", "bookings", "booked", "book",
             "reserved", "reserve", "table", "order", "appointment", "ticket", "tickets",
             "delivery", "parcel", "package", "room"}


def booked_under(toks: tuple[Token, ...], p: int) -> bool:
    """Token p is the "under" of "a reservation under ..." (a booking a few words before)."""
    return p > 0 and toks[p].low == "under" and any(
        t.low in _BOOKINGS for t in toks[max(0, p - 5):p])


# "let kaveh know", "let grace see the photos": the person let do something.
_LET_VERBS = {"know", "see", "hear", "have", "borrow", "use"}


def let_know(toks: tuple[Token, ...], i: int, p: int) -> bool:
    """Token i is the person of "let ... know": a name no list need know."""
    low = toks[i].low
    return p == i - 1 and p >= 0 and toks[p].low == "let" and i + 1 < len(toks) \
        and toks[i + 1].low in _LET_VERBS and toks[i].word and low not in NOT_NAMES \
        and low not in FUNCTION_WORDS and low not in _PRONOUNS and low not in DETERMINERS \
        and low not in {"everyone", "everybody", "anyone", "anybody", "someone", "somebody",
                        "people", "folks", "y'all", "them", "us", "him", "her"} and len(low) > 1


# Words before a lowercase initial that make it a person's: "the delivery is for h. okonjo".
_BEFORE_LOWER_INITIAL = {"for", "from", "to", "with", "by", "call", "email", "text", "ask",
                         "tell", "message", "is", "dear", "cc", "attn"}


def initial_surname(toks: tuple[Token, ...], i: int) -> bool:
    """Token i is an initial before a surname: "R. Oyelaran", "A. Kowalczyk" (a surname
    no English word spells)."""
    n = len(toks)
    lower = toks[i].text.islower() and i > 0 and toks[i - 1].low in _BEFORE_LOWER_INITIAL
    if not (len(toks[i].text) == 1 and (toks[i].text.isupper() or lower) and i + 2 < n
            and toks[i + 1].text == "." and toks[i + 1].start == toks[i].end):
        return False
    k = i + 2
    while k + 2 < n and len(toks[k].text) == 1 and toks[k].text.isupper() \
            and toks[k + 1].text == ".":
        k += 2  # "J. R. Smith"
    t = toks[k]
    low = t.low.removesuffix("'s")
    if not (t.word and (t.cap or lower) and not t.text.isupper()) or low in place_words() \
            or low in NOT_NAMES:
        return False
    if lower:  # "for h. okonjo": a surname no English word spells, after an addressing cue
        return low not in english_words() and (low in gazetteer()[2] or unknown_word(low))
    return low not in english_words() and (low in gazetteer()[2] or unknown_word(low)
                                           or low in gazetteer()[0])


def person_after_noun(toks: tuple[Token, ...], i: int, p: int) -> bool:
    """"the carer grace", "my friend june", "our neighbour will": a listed given name
    after a noun for a person and its determiner, the sentence going on as after a name."""
    if p < 1 or toks[p].low not in PERSON_NOUNS or toks[p - 1].low not in {
            "the", *POSSESSIVES}:
        return False
    low = toks[i].low.removesuffix("'s")
    first, ambiguous, _ = gazetteer()
    nxt = toks[i + 1].low if i + 1 < len(toks) else ""
    return (low in first or low in ambiguous) and low not in FUNCTION_WORDS \
        and low not in NOT_NAMES and low not in place_words() and nxt not in _SUBJECTS \
        and nxt not in BASE_VERBS and nxt not in {"a", "an", "the", "my", "your", "our",
                                                  "some"}
