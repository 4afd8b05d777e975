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
from functools import lru_cache
from pathlib import Path

from edge.privacy.name_cues import (
    ATTRIBUTES,
    AUXILIARIES,
    BASE_VERBS,
    BIRTH,
    DETERMINERS,
    GIVING_VERBS,
    INTRO_CUES,
    KIN_TITLES,
    LOWER_CUES,
    NOT_AFTER_INTRO,
    NOT_BEFORE_NAME,
    ROLES,
    STATE_VERBS,
    SUBJECT_VERBS,
)
from edge.privacy.name_things import (
    a_pet,
    a_thing,
    a_title,
    english_words,
    pet_sentence,
    so_called_thing,
    unknown_word,
)
from edge.privacy.spans import Span
from edge.privacy.text import Token, fold, sentence_start, tokens

_DATA = Path(__file__).resolve().parent / "data"

TITLES = {"mr", "mrs", "ms", "miss", "dr", "doctor", "prof", "professor", "sir", "dame",
          "mx", "mister", "lady", "lord", "aunt", "uncle", "auntie", "aunty"}
# After these a capitalised word is a name whatever it is ("call Zbigniew"), and a name
# that is also a word or a place is a name ("call Sydney").
CUES = {"call", "ring", "phone", "text", "message", "tell", "ask", "remind", "email", "invite",
        "named", "called", "meet", "meeting", "dear", "hi", "hello", "thank", "thanks",
        "visit", "visiting", "i'm", "partner", "friend", "colleague", "neighbour", "neighbor",
        "cousin", "nephew", "niece", "name's", "congratulate", "with", "told", "asked",
        "texted", "messaged", "emailed", "pinged", "facetime", "dm", "whatsapp", "skype",
        "contact"}
# A place-like name before these is a person: "Jordan said he'd be late".
PERSON_VERBS = {"said", "says", "told", "tells", "asked", "asks", "texted", "called", "emailed",
                "messaged", "replied", "wrote", "thinks", "promised", "mentioned", "forgot",
                "agreed", "wants", "wanted", "needs", "likes", "loves", "hates", "sent"}
# The capitalised word after these is part of a place: "San Francisco", "New Orleans".
PLACE_PREFIXES = {"san", "santa", "los", "las", "new", "fort", "saint", "st", "port", "mount",
                  "lake", "el", "la", "le", "palo", "sao", "rio", "buenos", "costa", "puerto",
                  "des", "de", "baton", "corpus", "salt", "east", "west", "north", "south"}
# Never a name, whatever its case or cue.
NOT_NAMES = {"mom", "mum", "dad", "mommy", "mummy", "daddy", "mother", "father", "grandma",
             "grandpa", "granny", "grandmother", "grandfather", "nan", "nana", "papa", "mama",
             "auntie", "uncle", "aunt", "sister", "brother", "son", "daughter", "wife",
             "husband", "honey", "babe", "baby", "boss", "doctor", "alexa", "siri", "google",
             "cortana", "jarvis", "i", "i'm", "i've", "i'll", "i'd", "the", "a", "an", "my",
             "me", "you", "he", "she", "it", "we", "they", "him", "her", "us", "them",
             "that", "this", "there", "here", "hey", "hi", "hello", "ok", "okay", "yes", "no",
             "please", "thanks", "mr", "mrs", "ms", "dr", "and", "or", "but", "what", "who",
             "when", "where", "why", "how", "is", "are", "was", "do", "does", "did", "can",
             "could", "would", "should", "tv", "monday", "tuesday",
             "wednesday", "thursday", "friday", "saturday", "sunday", "christmas", "easter",
             "god", "lord", "english", "french", "spanish", "german", "chinese", "internet",
             "wifi", "bluetooth", "netflix", "spotify", "youtube", "amazon", "apple",
             "office", "home", "work", "kitchen", "bedroom", "garage", "living", "room",
             "st", "saint", "santa", "new", "san", "fort", "mount", "lake", "port", "los",
             "las"}
MONTHS_AND_PLACES = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "sydney", "paris", "georgia", "austin", "jordan",
    "florence", "victoria", "chelsea", "madison", "dallas", "houston", "phoenix", "savannah",
    "virginia", "carolina", "charlotte", "lincoln", "orlando", "denver", "troy", "china",
    "india", "israel", "kenya", "florida", "dakota", "montana", "nevada", "arizona",
    "indiana", "cleveland", "jackson", "aurora", "alexandria", "augusta", "columbia",
    "adelaide", "brooklyn", "camden", "dover", "helena", "marion", "raleigh", "regina",
    "salem", "tyler", "york", "london", "berlin", "vienna", "jersey", "kent", "devon",
    "essex", "chester", "christian", "easter", "holly", "summer", "autumn", "winter",
    "spring", "france", "italy", "spain", "germany", "ireland", "scotland", "wales", "england",
    "britain", "america", "canada", "mexico", "brazil", "argentina", "chile", "peru", "japan",
    "korea", "russia", "poland", "greece", "turkey", "egypt", "africa", "asia", "europe",
    "australia", "holland", "iran", "iraq", "cuba", "jamaica", "normandy",
    "tuscany", "sicily", "bali", "venice", "milan", "geneva", "lourdes"}
# After these only a place or a month can be a name ("call Sydney", "text Jordan"): "visit",
# "with" or "to" before one means the place.
COMMS_CUES = {"call", "ring", "phone", "text", "message", "tell", "ask", "remind", "email",
              "invite", "named", "called", "dear", "hi", "hello", "thank", "thanks", "told",
              "asked", "texted", "messaged", "emailed", "congratulate", "i'm", "name's",
              "partner", "friend", "colleague", "neighbour", "neighbor", "cousin", "nephew",
              "niece", "ping", "pinged", "let", "facetime", "dm", "whatsapp", "skype",
              "contact"}
# A name followed by one of these names a place, a thing or a brand: "the Berlin Wall",
# "Victoria Station", "Cherry Tree Lane", "Wendy's", "Jack Daniel's".
LANDMARKS = {"wall", "bridge", "tower", "towers", "station", "airport", "university",
             "college", "hospital", "museum", "church", "cathedral", "palace", "house", "hotel",
             "mall", "centre", "center", "stadium", "arena", "river", "lake", "mountain",
             "mountains", "mount", "beach", "bay", "island", "islands", "city", "county",
             "state", "zoo", "library", "school", "academy", "market", "store", "shop",
             "restaurant", "cafe", "bar", "pub", "club", "theatre", "theater", "team", "fc",
             "united", "airlines", "airways", "bank", "memorial", "monument", "garden",
             "gardens", "hall", "castle", "abbey", "chapel", "cemetery", "falls", "valley",
             "canyon", "forest", "springs", "bowl", "cup", "open", "marathon", "festival",
             "times", "post", "herald", "news", "tribune", "journal", "inc", "ltd", "motors",
             "records", "studios", "pictures", "show", "inn", "lodge", "resort", "casino",
             "hills", "canal", "harbour", "harbor", "port", "pier", "dam", "street", "road",
             "avenue", "lane", "drive", "boulevard", "way", "court", "place", "close",
             "crescent", "terrace", "grove", "square", "row", "parkway", "highway", "circle",
             "trail", "park", "plaza", "hill", "green", "gate", "heights", "ridge", "st",
             "rd", "ave", "blvd", "ln", "dr", "day", "eve", "award", "awards", "prize",
             "foundation", "institute", "clinic", "pharmacy", "building", "estate", "farm",
             "industries", "group", "company", "hotels", "steakhouse", "grill", "diner",
             "pizza", "burgers", "chicken", "sound", "strait", "sea", "ocean",
             "peninsula", "province", "district", "township", "village", "town", "county's",
             "series", "league", "cathedral's", "station's", "mall's", "airport's", "cross",
             "line", "index", "stakes", "derby", "trophy"}
# Brands and products written like people's names.
BRANDS = {("wendy's",), ("denny's",), ("macy's",), ("claire's",), ("kohl's",),
          ("dr", "pepper"), ("dr", ".", "pepper"), ("jack", "daniel's"), ("jack", "daniels"),
          ("johnnie", "walker"), ("jim", "beam"), ("ben", "&", "jerry's"),
          ("ben", "and", "jerry's"), ("tim", "hortons"), ("trader", "joe's"),
          ("papa", "john's"), ("marks", "&", "spencer"), ("marks", "and", "spencer"),
          ("victoria's", "secret"), ("captain", "morgan"), ("uncle", "ben's"),
          ("betty", "crocker"), ("tommy", "hilfiger"), ("calvin", "klein"),
          ("ralph", "lauren"), ("hugo", "boss"), ("mercedes",), ("porsche",), ("kia",),
          ("harley", "davidson"), ("harley",), ("tiffany", "&", "co"), ("chanel",),
          ("levi's",), ("sainsbury's",), ("morrisons",), ("mcdonald's",), ("carl's", "jr"),
          ("arby's",), ("chili's",), ("hardee's",), ("domino's",), ("lowe's",),
          ("dillard's",), ("sally", "beauty"), ("wendy", "'", "s"), ("chick", "-", "fil"),
          ("jimmy", "john's"), ("baskin", "robbins"), ("dunkin",), ("ronald", "mcdonald"),
          ("aunt", "jemima"), ("mrs", "fields"), ("little", "caesars"), ("alexa",),
          ("sonos",), ("ford",), ("fleetwood", "mac"), ("tesla",), ("big", "mac"), ("mac",),
          ("macbook",), ("nando's",), ("papa", "john's"), ("pizza", "hut"), ("heinz",),
          ("kellogg's",), ("ben", "&", "jerry's"), ("ben", "and", "jerry's"),
          ("tim", "hortons"), ("dell",), ("ferrari",), ("lamborghini",), ("dyson",),
          ("john", "lewis"), ("ted", "baker"), ("paul", "smith"), ("laura", "ashley"),
          ("mr", "kipling"), ("johnnie", "walker"), ("jameson",), ("hendrick's",),
          ("gordon's",), ("baileys",), ("louis", "vuitton"), ("yves", "saint", "laurent"),
          ("tom", "ford"), ("dow", "jones"), ("hang", "seng"), ("dom", "perignon"),
          ("marie", "callender's"), ("chef", "boyardee"), ("papa", "murphy's"),
          ("jenny", "craig"), ("bertolli",), ("dolmio",), ("lloyds",), ("barclays",),
          ("dr", "martens"), ("dr", ".", "martens"), ("doc", "martens")}
# Lowercase words inside a surname: "Pieter van der Berg", "Ana de la Cruz".
SURNAME_PARTICLES = {"van", "von", "der", "den", "de", "la", "le", "du", "da", "di", "del",
                     "della", "dos", "das", "bin", "binti", "ibn", "al", "el", "ter", "ten"}
MAX_SURNAMES = 2
# Surnames in the census lists that are words a sentence goes on with: "remind mark to".
_FUNCTION_WORDS = {"to", "do", "so", "in", "on", "by", "be", "am", "as", "at", "if", "or",
                   "of", "and", "but", "for", "the", "then", "than", "when", "all", "any",
                   "more", "most", "about", "after", "again", "back", "down", "up", "out",
                   "off", "over", "here", "there", "now", "how", "who", "why", "what", "with",
                   "from", "into", "will", "can", "may", "might", "must", "not", "no", "yes",
                   "his", "her", "that", "this", "too", "very", "just", "also", "still"}


def _words(name: str) -> frozenset[str]:
    lines = (_DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=1)
def gazetteer() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(given names, given names that are also words or places, surnames), lowercase.
    Public figures known by one name ("Obama", "Beyoncé") count as given names; the
    world_*.txt lists add the names of many cultures that the US Census lists lack."""
    return (_words("first_names.txt") | _words("public_figures.txt")
            | _words("world_given_names.txt"),
            _words("name_words.txt") | _words("public_figure_words.txt")
            | _words("world_short_names.txt"),
            _words("surnames.txt") | _words("world_surnames.txt"))


@lru_cache(maxsize=1)
def surname_words() -> frozenset[str]:
    """Surnames that are English words ("Baker", "Bell"): a surname only after a given
    name; public figures' names that are words ("Musk", "Swift") after one too."""
    return _words("surname_words.txt")


@lru_cache(maxsize=1)
def figures() -> frozenset[str]:
    """Public figures known by one name: "play Adele" is a person, "play Jolene" a song."""
    return _words("public_figures.txt") | _words("public_figure_words.txt")


@lru_cache(maxsize=1)
def figure_words() -> frozenset[str]:
    return _words("public_figure_words.txt")


@lru_cache(maxsize=1)
def place_words() -> frozenset[str]:
    """Months and places that are names too ("May", "Chad", "Boston"): a name only with a
    cue that only people take."""
    return frozenset(MONTHS_AND_PLACES) | _words("places.txt")


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
        brand = _brand(toks, i)
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
            if j < n and toks[j].word and toks[j].cap and _bare(toks[j].low) not in NOT_NAMES:
                last = _surnames(toks, j, surnames, lowercase=False)
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
                or (a_title(toks, p) and _single(toks, i) and low not in figures())):
            i += 1  # "a song called Jolene", "walk Luna", "the vet about Luna's jabs",
            continue  # "play Jolene" (but "play Adele", "play Taylor Swift")
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
        and low not in english_words() and low not in _FUNCTION_WORDS \
        and low not in place_words()


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
    return toks[i].cap and j >= 0 and toks[j].cap and toks[j].low in PLACE_PREFIXES


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
        if low in LANDMARKS and (low in _STRONG_LANDMARKS or low not in surnames or not given):
            return True
    return False


# Landmark words that are never surnames, whatever the gazetteer says.
_STRONG_LANDMARKS = {"street", "day", "station", "airport", "university", "road", "avenue"}


def _no_date_after(toks: tuple[Token, ...], i: int) -> bool:
    """Token i is not a month before a day ("May 5th", "June the third")."""
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    return nxt is None or not (nxt.text.isdecimal() or nxt.low in {"the", "first", "second",
                                                                   "third"})


# First word -> the brands it starts, longest first.
_BRANDS_BY_FIRST: dict[str, tuple[tuple[str, ...], ...]] = {
    w: tuple(sorted((b for b in BRANDS if b[0] == w), key=len, reverse=True))
    for w in {b[0] for b in BRANDS}}


def _brand(toks: tuple[Token, ...], i: int) -> int | None:
    """The last token of the brand that starts at token i (capitalised), or None."""
    for phrase in _BRANDS_BY_FIRST.get(toks[i].low, ()):
        if not toks[i].cap and len(phrase) < 2:
            continue  # capitalised, or lowercase of two words or more ("trader joe's")
        k = len(phrase)
        if i + k <= len(toks) and all(
                toks[i + m].low == phrase[m] for m in range(1, k)):
            return i + k - 1
    return None


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
        if nxt.cap or (lowercase and (low in surnames or low in figure_words())
                       and low not in _FUNCTION_WORDS):
            last, words = last + 1, words + 1
            continue
        break
    return last
