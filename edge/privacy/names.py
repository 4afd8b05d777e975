"""Person names: the device's contacts, a gazetteer of given names, titles and cues.

Why not an NER model: the one well-kept English pipeline (spaCy's en_core_web_sm) is not
on PyPI, and a re-upload of it found 87 % of this set's names at 2.9 ms a sentence (p50,
7.6 ms p95) on this machine's CPU, where the gazetteer below finds more in microseconds
(`tandem bench redact`). Whisper writes names capitalised, which is most of what a model
would add.

A token is a name when it is
- one of the contacts (any case, accents ignored: "Tomas" is "Tomás"), kinship words
  ("Mom") excepted;
- a given name (data/first_names.txt, any case), or one that is also a word or a place
  (data/name_words.txt: Will, May, Sydney) written capitalised and either inside a
  sentence and not a month or place, or followed by a surname ("Will Smith");
- any capitalised word after a title ("Dr. Patel") or a cue ("call", "text", "my name is");
and the capitalised words after it, or lowercase known surnames, are its surname.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from edge.privacy.spans import Span
from edge.privacy.text import Token, fold, sentence_start, tokens

_DATA = Path(__file__).resolve().parent / "data"

TITLES = {"mr", "mrs", "ms", "miss", "dr", "doctor", "prof", "professor", "sir", "dame",
          "mx", "mister", "lady", "lord", "aunt", "uncle", "auntie"}
# After these a capitalised word is a name whatever it is ("call Zbigniew"), and a name
# that is also a word or a place is a name ("call Sydney").
CUES = {"call", "ring", "phone", "text", "message", "tell", "ask", "remind", "email", "invite",
        "named", "called", "meet", "meeting", "dear", "hi", "hello", "thank", "thanks",
        "visit", "visiting", "i'm", "partner", "friend", "colleague", "neighbour", "neighbor",
        "cousin", "nephew", "niece", "name's", "congratulate", "with"}
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
             "office", "home", "work", "kitchen", "bedroom", "garage", "living", "room"}
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
MAX_SURNAMES = 2


def _words(name: str) -> frozenset[str]:
    lines = (_DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=1)
def gazetteer() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(given names, given names that are also words or places, surnames), lowercase."""
    return _words("first_names.txt"), _words("name_words.txt"), _words("surnames.txt")


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
            found.append(Span(t.start, _end(toks[hit]), "name"))
            i = hit + 1
            continue
        cue = i > 0 and (toks[i - 1].low in CUES or (
            toks[i - 1].low == "is" and i > 1 and toks[i - 2].low in {"this", "name"}))
        if low in TITLES and (t.cap or len(low) <= 3):
            j = i + 2 if i + 2 < n and toks[i + 1].text == "." else i + 1
            if j < n and toks[j].word and toks[j].cap and _bare(toks[j].low) not in NOT_NAMES:
                last = _surnames(toks, j, surnames, lowercase=False)
                found.append(Span(t.start, _end(toks[last]), "name"))
                i = last + 1
                continue
        if low in NOT_NAMES:
            i += 1
            continue
        is_name = False
        if low in first and low not in MONTHS_AND_PLACES:
            is_name = True
        elif (low in ambiguous or low in MONTHS_AND_PLACES) and t.cap:
            followed = i + 1 < n and toks[i + 1].word and toks[i + 1].cap and \
                _bare(toks[i + 1].low) not in NOT_NAMES and \
                _bare(toks[i + 1].low) not in MONTHS_AND_PLACES
            is_name = followed or cue or (low not in MONTHS_AND_PLACES
                                          and not sentence_start(toks, i))
        elif t.cap and cue and toks[i - 1].low != "with" and low not in MONTHS_AND_PLACES:
            is_name = True  # "call Zbigniew"
        if is_name:
            last = _surnames(toks, i, surnames, lowercase=not t.cap)
            found.append(Span(t.start, _end(toks[last]), "name"))
            i = last + 1
            continue
        i += 1
    return found


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
    last = i
    while last + 1 < len(toks) and last - i < MAX_SURNAMES \
            and not toks[last].low.endswith(("'s", "’s")):
        nxt = toks[last + 1]
        low = _bare(nxt.low)
        if not nxt.word or low in NOT_NAMES or low in MONTHS_AND_PLACES:
            break
        if nxt.cap or (lowercase and low in surnames):
            last += 1
            continue
        break
    return last
