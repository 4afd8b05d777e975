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
A name's extent is name_extent.py's; the sentence frames that hold one ("who is ...", "save
... as ...", "send li na the photos") are name_frames.py's; a title put on a screen ("put
Forrest Gump on the TV") name_titles.py's; names linked to one found ("call kofi and ama",
"the babysitter is Tamsin") name_links.py's. A text in headline case ("Call John Smith On
His Mobile") is read as if lowercase: its capitals say nothing.
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
    GIVING_VERBS,
    INTRO_CUES,
    KIN_TITLES,
    LOWER_CUES,
    NOT_AFTER_INTRO,
    NOT_BEFORE_NAME,
    PERSON_VERBS,
    ROLES,
    STATE_VERBS,
    SUBJECT_VERBS,
    TITLES,
)
from edge.privacy.name_extent import (
    NICKNAME_WORDS,
    a_figure,
    a_place,
    after_place_prefix,
    bare,
    given_before,
    known_surname,
    lower_surname,
    name_end,
    single_word,
    surname_end,
    title_surnames,
    titled,
)
from edge.privacy.name_frames import (
    KIN,
    booked_under,
    initial_surname,
    kin_name,
    let_know,
    name_like,
    nickname,
    object_pair,
    person_after_noun,
    person_subject,
    played_figure,
    saved_as,
    who_is,
)
from edge.privacy.name_links import linked_names
from edge.privacy.name_lists import (
    LANDMARKS,
    NOT_NAMES,
    figures,
    gazetteer,
    health_words,
    name_places,
    place_words,
    surname_words,
)
from edge.privacy.name_things import (
    QUANTITIES,
    a_pet,
    a_place_cue,
    a_thing,
    a_title,
    an_item,
    brand_end,
    english_words,
    in_a_work,
    in_title,
    pet_named,
    pet_sentence,
    thing_named,
    unknown_word,
)
from edge.privacy.name_titles import on_a_screen
from edge.privacy.spans import Span
from edge.privacy.text import Token, fold, headline_case, lowered, sentence_start, tokens


def contact_phrases(contacts: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """The contacts as lowercase, accent-free word tuples, longest first."""
    phrases = {tuple(t.low for t in tokens(fold(c))) for c in contacts}
    return tuple(sorted((p for p in phrases if p and not (len(p) == 1 and p[0] in NOT_NAMES)),
                        key=len, reverse=True))


def find_names(text: str, toks: tuple[Token, ...],
               contacts: tuple[tuple[str, ...], ...] = ()) -> list[Span]:
    if headline_case(toks):  # "Call John Smith On His Mobile": read as if lowercase
        text = lowered(text)
        toks = tokens(text)
    first, ambiguous, surnames = gazetteer()
    places = place_words()
    found: list[Span] = []
    n = len(toks)
    i = 0
    while i < n:
        t = toks[i]
        if not t.word or _glued_digits(toks, i):
            i += 1  # "Hunter2024", "7Sophie": a password or a code, not a name
            continue
        low = bare(t.low)
        hit = _contact(toks, i, contacts)
        if hit is not None:
            if hit == i:  # "call Priya Raman", "priya chopra": a contact's surname too
                hit = surname_end(toks, i, surnames, lowercase=not t.cap)
            found.append(Span(t.start, name_end(toks[hit]), "name"))
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
        pair = object_pair(toks, i, p)
        if pair is not None:  # "send li na the photos"
            found.append(Span(t.start, name_end(toks[pair]), "name"))
            i = pair + 1
            continue
        if low in TITLES and (t.cap or len(low) <= 3 or _titled_after(toks, i)):
            j = i + 2 if i + 2 < n and toks[i + 1].text == "." else i + 1
            if j < n and ((a_title(toks, p) and bare(toks[j].low) not in figures()
                           and not _owner(toks, j))
                          or prev in QUANTITIES or an_item(toks, i, p)):
                i = j + 1  # "play Mr Brightside", "watch Mrs Doubtfire": a work's title;
                continue  # "order more Dr. Oetker pizzas", "add Mr Muscle to the basket"
            if j < n and toks[j].word and (bare(toks[j].low) not in NOT_NAMES
                                           or initial_surname(toks, j)) and (
                    toks[j].cap or (lower_surname(bare(toks[j].low), surnames, low)
                                    and not in_title(toks, i))):
                last = surname_end(toks, j, surnames, lowercase=False)  # "Dr. Patel", "mrs
                # kowalski" (a lowercase title needs a surname or no English word)
                if not toks[j].cap and last == j:
                    last = title_surnames(toks, j)  # "ms lindiwe dube"
                found.append(Span(t.start, name_end(toks[last]), "name"))
                i = last + 1
                continue
        played = played_figure(toks, i, surnames)  # "play some Bob Marley"
        if initial_surname(toks, i) and not in_title(toks, i):
            last = i + 2 if t.text.islower() else surname_end(  # "h. okonjo"
                toks, i, surnames, lowercase=False)  # "R. Oyelaran"
            found.append(Span(t.start, name_end(toks[last]), "name"))
            i = last + 1
            continue
        if low in NOT_NAMES or after_place_prefix(toks, i) \
                or (len(t.text) <= 3 and t.text.isupper()) \
                or (t.text.isupper() and len(t.text) > 1 and not text.isupper()) \
                or (a_thing(toks, i) and not (t.low.endswith(("'s", "’s"))
                                              and _attribute_after(toks, i))
                    and not played):
            # "MA 02139", "AL": a state or an acronym; "San Francisco", "St. Mary's": a
            # place; "I'm a Leo", "the Dow Jones", "more Heinz ketchup": a kind of thing
            # (but "an event zara's birthday")
            i += 1
            continue
        is_name = False
        word_like = low in ambiguous or low in places
        if (low in first and low not in places) or _hyphen_given(toks, i, first):
            is_name = True  # "ji-woo park": a given name written with a hyphen
        elif (saved_as(toks, p) and titled(t) and low not in NOT_NAMES) or (
                booked_under(toks, p) and titled(t) and (
                    low not in english_words() or low in surnames)) or let_know(toks, i, p):
            is_name = True  # "save ... as Dieter Schmidt", "a table under Nakamura", "let
            # kaveh know"
        elif titled(t) and low not in places and person_subject(
                toks, i, surname_end(toks, i, surnames, lowercase=False)):
            is_name = True  # "Mthunzi said", "Siosaia Tupou is diabetic"
        elif not t.cap and person_after_noun(toks, i, p):
            is_name = True  # "the carer grace"
        elif not t.cap and ((who_is(toks, p) or saved_as(toks, p)) and name_like(low)
                            and low not in places or nickname(toks, i, p)):
            is_name = True  # "who is taika waititi", "save ... as thandi", "call bubbles,
            # she's ..."
        elif not t.cap and word_like and not sentence_start(toks, i) and (
                (prev in LOWER_CUES and (low in ambiguous or low not in places))
                or (prev in GIVING_VERBS and _next_low(toks, i) in DETERMINERS)
                or (prev in AUXILIARIES and _next_low(toks, i) in BASE_VERBS)):
            is_name = True  # "remind tom", "send mark a reminder", "did tom reply"
        elif prev in KIN_TITLES and not t.cap and kin_name(toks, i):
            is_name = True  # "grandma june", "auntie wen": a listed name after kin
        elif not sentence_start(toks, i) and unknown_word(low) and low not in places and (
                (not t.cap and (prev in LOWER_CUES or (
                    prev in AUXILIARIES and _next_low(toks, i) in BASE_VERBS)))
                or prev in KIN_TITLES):
            is_name = True  # "text nkechi", "did kateryna say", "uncle femi": no word
        elif titled(t) and unknown_word(low) and low not in places and i + 1 < n \
                and titled(toks[i + 1]) and known_surname(bare(toks[i + 1].low)):
            is_name = True  # "Bongani Dlamini": an unlisted given name before a surname
        elif (intro and low not in NOT_AFTER_INTRO and (t.cap or prev != "called")) or (
                role and low not in LANDMARKS and (t.cap or low in first or (
                    low in surnames and low not in surname_words()))) or (
                (prev in LOWER_CUES or prev in {"from", "with"}) and low in surnames
                and low not in surname_words() and low not in places):
            is_name = True  # "my name's ravi", "coach brennan", "messages from kowalski"
        elif titled(t) and low in surnames and low not in surname_words() \
                and low not in places and i + 1 < n and titled(toks[i + 1]) \
                and bare(toks[i + 1].low) in first \
                and bare(toks[i + 1].low) not in places:
            is_name = True  # "Li Wei", "Nguyen Van An": surname first
        elif t.low.endswith(("'s", "’s")) and (
                _attribute_after(toks, i) or _next_low(toks, i) in KIN
                or _next_low(toks, i) in health_words()) and (
                low in first or word_like or low in surnames
                or (unknown_word(low) and _next_low(toks, i) in KIN)
                or _next_low(toks, i) in BIRTH) and prev not in DETERMINERS - {"that"} \
                and len(low) > 1:
            is_name = True  # "olu's date of birth", "jake's number", "olu's parents"
        elif (low in ambiguous or low in places) and titled(t):
            followed = i + 1 < n and toks[i + 1].word and toks[i + 1].cap and \
                bare(toks[i + 1].low) not in NOT_NAMES and \
                bare(toks[i + 1].low) not in places and \
                (bare(toks[i + 1].low) in surnames or bare(toks[i + 1].low) in first
                 or low not in places)
            place = low in places
            acts = i + 1 < n and (toks[i + 1].low in PERSON_VERBS or (
                not place and (toks[i + 1].low in SUBJECT_VERBS or (
                    toks[i + 1].low in {"is", "was"} and _next_low(toks, i + 1)
                    in STATE_VERBS))))
            is_name = followed or acts or (comms if place else cue) or (
                not place and not sentence_start(toks, i))
        elif titled(t) and cue and prev != "with" and low not in places and (
                low not in english_words() or low in surnames):
            is_name = True  # "call Zbigniew" (not "call Pizza Hut")
        if is_name and (
                thing_named(toks, p)
                or (prev not in COMMS_CUES and prev not in LOWER_CUES and pet_sentence(toks)
                    and single_word(toks, i) and a_pet(toks, i, p))
                or (a_title(toks, p) and single_word(toks, i) and low not in figures()
                    and not _owner(toks, i))
                or an_item(toks, i, p) or pet_named(toks, p)
                or (on_a_screen(toks, i, surname_end(toks, i, surnames, lowercase=not t.cap), p)
                    and not any(bare(x.low) in figures() for x in toks[i:i + 2]))
                or (in_title(toks, i) and not a_figure(toks, i, surnames) and not played
                    and not _owner(toks, i))
                or (low in name_places() and not t.low.endswith(("'s", "’s"))
                    and a_place_cue(toks, p))
                or (not a_figure(toks, i, surnames) and in_a_work(
                    toks, i, surname_end(toks, i, surnames, lowercase=not t.cap)))
                or (low in LANDMARKS and p == i - 1 and toks[p].cap and toks[p].word
                    and bare(toks[p].low) not in first and bare(toks[p].low) not in TITLES)):
            i += 1  # "a song called Jolene", "walk Luna", "the vet about Luna's jabs",
            continue  # "play Jolene", "play hey Jude" (but "play Adele", "play Taylor
            # Swift"), "near Sofia", "the Barefoot Contessa show", "Church Lane"
        if is_name:
            last = surname_end(toks, i, surnames, lowercase=not t.cap)
            if a_place(toks, i, last, (low in first and low not in places) or (
                    last > i and toks[i + 1].text == "-") or (comms and low in ambiguous),
                       surnames):  # "call Tom Lane": a person is called, not a lane
                i = last + 2  # "Victoria Station", "the Berlin Wall", "Cherry Tree Lane"
                continue
            start = t.start
            if p == i - 1 and low in first and toks[p].word and toks[p].cap == t.cap \
                    and toks[p].low in ambiguous and toks[p].low not in NOT_BEFORE_NAME \
                    and toks[p].low not in NOT_NAMES \
                    and not (found and found[-1].end >= toks[p].start):
                start = toks[p].start  # "martin luther king": two given names
            start = given_before(toks, p if start < t.start else i)
            found.append(Span(start, name_end(toks[last]), "name"))
            i = last + 1
            continue
        i += 1
    return found + linked_names(toks, found)


_FILLERS = {"uh", "um", "er", "erm", "uhm", "hmm"}


def _prev(toks: tuple[Token, ...], i: int) -> int:
    """The index of the word before token i, fillers skipped ("from uh kowalski"), or -1."""
    j = i - 1
    while j >= 0 and toks[j].low in _FILLERS:
        j -= 1
    if j > 0 and toks[j].low in NICKNAME_WORDS and toks[j - 1].low in CUES:
        j -= 1  # "call big mike": the cue before the nickname's adjective
    return j


def _owner(toks: tuple[Token, ...], i: int) -> bool:
    """Token i is a possessive before a lowercase word: "read Yuki's last message", "play
    Dr Patel's voicemail" (a title would be capitalised: "Charlotte's Web")."""
    return toks[i].low.endswith(("'s", "’s")) and i + 1 < len(toks) and toks[i + 1].word \
        and not toks[i + 1].cap


def _titled_after(toks: tuple[Token, ...], i: int) -> bool:
    """"call doctor Achebe": a lowercase title before a capitalised surname that is no
    English word (not "ask the doctor Monday")."""
    if i + 1 >= len(toks) or not titled(toks[i + 1]) or not toks[i + 1].word:
        return False
    low = bare(toks[i + 1].low)
    return low not in NOT_NAMES and (low not in english_words() or known_surname(low))


def _hyphen_given(toks: tuple[Token, ...], i: int, first: frozenset[str]) -> bool:
    """Tokens i, i+1, i+2 are a given name written with a hyphen: "ji-woo", "Seo-yeon"."""
    return i + 2 < len(toks) and toks[i + 1].text == "-" \
        and toks[i + 1].start == toks[i].end and toks[i + 2].start == toks[i + 1].end \
        and f"{toks[i].low}-{bare(toks[i + 2].low)}" in first


def _glued_digits(toks: tuple[Token, ...], i: int) -> bool:
    return (i + 1 < len(toks) and toks[i + 1].start == toks[i].end
            and toks[i + 1].text.isdecimal()) or (
        i > 0 and toks[i - 1].end == toks[i].start and toks[i - 1].text.isdecimal())


def _next_low(toks: tuple[Token, ...], i: int) -> str:
    return toks[i + 1].low if i + 1 < len(toks) else ""


def _attribute_after(toks: tuple[Token, ...], i: int) -> bool:
    """A personal attribute follows token i: "birthday", "date of birth", "phone number"."""
    nxt = _next_low(toks, i)
    if nxt == "date":
        return i + 3 < len(toks) and toks[i + 2].low == "of" and toks[i + 3].low == "birth"
    return nxt in ATTRIBUTES


def _contact(toks: tuple[Token, ...], i: int,
             contacts: tuple[tuple[str, ...], ...]) -> int | None:
    for phrase in contacts:
        k = len(phrase)
        if i + k <= len(toks) and all(bare(toks[i + m].low) == phrase[m] if m == k - 1
                                      else toks[i + m].low == phrase[m] for m in range(k)):
            return i + k - 1
    return None


