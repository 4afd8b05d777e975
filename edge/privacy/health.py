"""Health conditions, diagnoses, treatments and medication said of someone.

A term (data/health_terms.txt, or a medicine: see medications.py) in a sentence about
someone ("I have diabetes", "my son has asthma", "I'm pregnant"), and what follows
"diagnosed with", "suffers from", "allergic to", "tested positive for". Not personal:
questions with no one in them ("is asthma contagious?") or with a hypothetical one ("can I
get diabetes from sugar?", "what if someone has a stroke?"), a pet's ("my dog has
arthritis"), and everyday complaints (a headache, a cold, tired, sore legs): a voice
assistant is asked about those all day, and they identify no one; nor does a service
searched for ("find a physio near me"). A therapy or an injury named by its qualifiers
("EMDR therapy", "ACL tear") is health_heads.py's.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from edge.privacy.health_heads import headed_at, side_effect_before
from edge.privacy.health_people import bare as _bare
from edge.privacy.health_people import someone
from edge.privacy.health_words import (
    ACRONYMS,
    AFTER,
    AFTER_ON,
    ASSERTING,
    ATTENDING,
    BODY_PARTS,
    CARE_PLACES,
    EVERYDAY,
    FOR_JOIN,
    GENERIC,
    HYPOTHETICAL,
    JOIN_DETERMINERS,
    LEAD_STOP,
    LEADS,
    MODIFIERS,
    NOT_A_PERSON,
    NOT_AFTER,
    NOT_BEFORE,
    ORGANS,
    OWNED,
    PERSON_WORDS,
    PRONOUNS,
    QUESTION_OPENERS,
    REMOVABLE,
    TOPICS,
    WEAK_TERMS,
)
from edge.privacy.medications import medicine_at
from edge.privacy.spans import Span
from edge.privacy.text import NUMBER_WORDS, POSSESSIVES, Token, fold, tokens
from edge.privacy.word_lists import entries

# "broke my arm", "fractured a wrist": whose bone it was.
_WHOSE_BONE = {*POSSESSIVES, "a"}


def _terms(lines: list[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """First word -> the terms it starts, as word tuples, longest first."""
    table: dict[str, set[tuple[str, ...]]] = {}
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            words = tuple(t.low for t in tokens(line))
            table.setdefault(words[0], set()).add(words)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in table.items()}


@lru_cache(maxsize=1)
def health_terms() -> dict[str, tuple[tuple[str, ...], ...]]:
    return _terms([*entries("health_terms.txt"), *entries("medications.txt"),
                   *sorted(WEAK_TERMS)])


def find_health(text: str, toks: tuple[Token, ...], people: Sequence[Span] = ()) -> list[Span]:
    """`people`: the names found in the text ("bridget's dementia" is someone's)."""
    terms = health_terms()
    people = [p for p in people if fold(text[p.start:p.end]).split()[0] not in terms]
    question = "?" in text or (bool(toks) and toks[0].low in QUESTION_OPENERS)
    if not people and not someone(toks, terms, question):
        return []
    found: list[Span] = []
    n = len(toks)
    i = 0
    while i < n:
        t = toks[i]
        hit = _term_at(toks, i, terms) or _lead_at(toks, i) or medicine_at(toks, i) \
            or headed_at(toks, i)
        if hit is None:
            i += 1
            continue
        first, last = _widen(toks, *hit)  # whose: asked before its organ ("tree nut")
        if _personal(toks, first, question, people):
            found.append(Span(toks[first].start, toks[last].end, "health"))
            effect = side_effect_before(toks, first)  # "the rash from the lamotrigine"
            if effect is not None:
                found.insert(-1, Span(toks[effect].start, toks[effect].end, "health"))
        i = max(hit[1], i) + 1 if t.low not in {"diagnosed", "allergic"} else i + 1
    return _joined(toks, found)


def _joined(toks: tuple[Token, ...], found: list[Span]) -> list[Span]:
    """A treatment and what it treats, as one: "physiotherapy for the torn ACL"."""
    out: list[Span] = []
    for span in found:
        if out:
            between = [t.low for t in toks if out[-1].end <= t.start and t.end <= span.start]
            if 1 <= len(between) <= 2 and between[0] in FOR_JOIN \
                    and all(w in JOIN_DETERMINERS for w in between[1:]):
                out[-1] = Span(out[-1].start, span.end, "health")
                continue
        out.append(span)
    return out


def _term_at(toks: tuple[Token, ...], i: int, terms: dict[str, tuple[tuple[str, ...], ...]]
             ) -> tuple[int, int] | None:
    t = toks[i]
    low = t.low
    for words in terms.get(low, ()) or terms.get(low.removesuffix("'s"), ()):
        k = len(words)
        got = tuple(x.low for x in toks[i:i + k])
        if got != words and got[:-1] + (_bare(got[-1]),) != words and not (
                k > 1 and got[:-1] + (got[-1].removesuffix("s"),) == words):
            continue  # "heart attacks" is "heart attack"
        if k == 1 and low in ACRONYMS and sum(c.isupper() for c in t.text) < 2:
            continue
        last = i + k - 1
        after = toks[last + 2].low if last + 2 < len(toks) and toks[last + 1].text == "-" \
            else (toks[last + 1].low if last + 1 < len(toks) else "")
        if (after in NOT_AFTER and not (after in CARE_PLACES and (
                _owned(toks, i) or any(x.low in ATTENDING for x in toks)))
                and not (after == "test" and _owned(toks, i))) or (
                low == "stroke" and after == "of"):  # but "my HIV clinic" is someone's, and
            # so is the clinic of a reminder ("remind me the lupus clinic is at two")
            return None  # "lithium battery", "chickenpox-themed", "a stroke of luck"
        if _figure_of_speech(toks, i):
            return None  # "this traffic is giving me a heart attack"
        if words in AFTER_ON and (i == 0 or toks[i - 1].low != "on"):
            return None  # "on the pill", "dad's on oxygen"; not "the pill box"
        before = toks[i - 2].low if i > 1 and toks[i - 1].text == "-" else (
            toks[i - 1].low if i > 0 else "")
        if before in {"non", "anti"} or before in NOT_BEFORE:
            return None  # "non-alcoholic", "my coffee addiction"
        if k == 1 and low in {"transplant", "stroke", "add"} and i > 0 \
                and toks[i - 1].low in {"to", "will", "can", "please"}:
            return None  # the verb: "transplant the tomatoes", "stroke the cat"
        if low == "cancer" and t.cap and i > 0 and toks[i - 1].low == "a":
            return None  # a star sign: "I'm a Cancer"
        if words[0] in WEAK_TERMS and k == 1 and not _asserted(toks, i) and not (
                words[0] in OWNED and _owned(toks, i)):
            return None
        return i, last
    return None


def _figure_of_speech(toks: tuple[Token, ...], i: int) -> bool:
    """"giving me a heart attack", "gave us all diabetes": not "gives him his insulin"."""
    j = i - 1
    while j >= 0 and toks[j].low in {"a", "an", "all", "both"}:
        j -= 1
    return j > 0 and toks[j].low in {"me", "us", "you", "everyone"} \
        and toks[j - 1].low in {"giving", "give", "gives", "gave", "given"}


def _owned(toks: tuple[Token, ...], i: int) -> bool:
    """A possessive before the term, past its organ: "her bee sting allergy"."""
    j = i - 1
    while j >= 0 and toks[j].low in ORGANS:
        j -= 1
    return j >= 0 and (toks[j].low in POSSESSIVES or toks[j].low.endswith("'s"))


def _asserted(toks: tuple[Token, ...], i: int) -> bool:
    """A weak term follows a word that says someone has it ("he's blind", "had surgery")."""
    for j in range(i - 1, max(-1, i - 4), -1):
        low = toks[j].low
        if low in ASSERTING:
            return True
        if low not in {"a", "an", "the", "some", "very", "really", "bad", "serious", "major",
                       "minor", "recent", "big", "his", "her", "my", "their", "your", "our"} \
                and low not in ORGANS:
            return False  # "an ear infection" is asserted by the "have" before it
    return False


def _lead_at(toks: tuple[Token, ...], i: int) -> tuple[int, int] | None:
    """"diagnosed with X", "suffers from X", "allergic to X": X, up to 5 words; "broke his
    arm"; "had her tonsils out"; "she's expecting"."""
    removed = _removed_at(toks, i) or _expecting_at(toks, i)
    if removed:
        return removed
    if toks[i].low in {"broke", "fractured", "dislocated", "tore"} and i + 2 < len(toks) \
            and toks[i + 1].low in _WHOSE_BONE \
            and toks[i + 2].low in BODY_PARTS:
        return i, i + 2
    if i + 1 >= len(toks) or (toks[i].low, toks[i + 1].low) not in LEADS:
        return None
    j = i + 2
    while j < len(toks) and j - i < 9 and toks[j].word and (
            toks[j].low not in LEAD_STOP or _and_another(toks, j)):
        j += 1
    if j == i + 2:
        return None
    named = [x.low for x in toks[i + 2:j]]
    if all(w in EVERYDAY for w in named):
        return None  # "suffering from a cold"
    # "allergic to peanuts": the whole phrase, so the allergy is gone whichever is labelled
    first = i if toks[i].low in {"allergic", "allergy", "allergies", "intolerant"} else i + 2
    return first, j - 1


def _and_another(toks: tuple[Token, ...], j: int) -> bool:
    """"allergic to peanuts and shellfish": "and" / "or" between two things named."""
    return toks[j].low in {"and", "or"} and j + 1 < len(toks) and toks[j + 1].word \
        and toks[j + 1].low not in LEAD_STOP and toks[j + 1].low not in PERSON_WORDS \
        and toks[j + 1].low not in {"it", "you", "need", "needs", "can", "so", "then"}


def _personal(toks: tuple[Token, ...], i: int, question: bool,
              people: Sequence[Span] = ()) -> bool:
    """The term at token i is said of a person, not a pet, nobody in particular, or a
    hypothetical someone in a question."""
    for j in range(i - 1, -1, -1):
        low = toks[j].low
        if _bare(low) in NOT_A_PERSON:
            return False
        if low in PRONOUNS and _pet_before(toks, j):
            return False  # "give the cat her thyroid pill", "the cat has diabetes, remind
            # me about his insulin": the pet's
        if _bare(low) in PERSON_WORDS or toks[j].text in {".", ";"} \
                or any(p.start <= toks[j].start < p.end for p in people):
            break
    if question and any(x.low in HYPOTHETICAL for x in toks[max(0, i - 4):i]):
        return False
    for j in range(i + 1, min(len(toks), i + 6)):  # "buy insulin for the cat"
        if toks[j].low == "for" and any(_bare(x.low) in NOT_A_PERSON - GENERIC
                                        for x in toks[j + 1:j + 3]):
            return False
    if _searched(toks, i):
        return False
    # "a book about Alzheimer's": the topic, not anyone's condition
    if i > 0 and toks[i - 1].low in {"about", "regarding"} and not (
            i > 2 and toks[i - 2].low == "me" and toks[i - 3].low in {"remind", "tell"}):
        return False  # (but "remind me about cardiac rehab" is the speaker's)
    return not (i > 1 and toks[i - 1].low == "on" and toks[i - 2].low in TOPICS)


def _pet_before(toks: tuple[Token, ...], j: int) -> bool:
    """The pronoun at token j stands for a pet: the last one named before it that "he",
    "she" or "they" could stand for (past the speaker's "me", "my") is an animal."""
    for k in range(j - 1, -1, -1):
        low = _bare(toks[k].low)
        if low in NOT_A_PERSON - GENERIC:
            return True
        if low in PRONOUNS:
            continue  # "give him his meloxicam": the same one
        if (low in PERSON_WORDS and low not in _SPEAKER) or toks[k].text in {".", ";"} \
                or (toks[k].cap and k > 0 and toks[k].word and low not in _SPEAKER):
            return False
    return False


# The speaker and the listener: never what a third person's pronoun stands for.
_SPEAKER = {"i", "i'm", "i've", "i'd", "me", "my", "mine", "im", "ive", "we", "we're", "our",
            "us", "you", "your"}


def _widen(toks: tuple[Token, ...], first: int, last: int) -> tuple[int, int]:
    """The term with its organ, stage and type before it and "disease" / "B" after it."""
    while first > 0:
        prev = toks[first - 1]
        if prev.text == "-" and first > 1 and toks[first - 2].word \
                and toks[first - 2].end == prev.start and prev.end == toks[first].start:
            first -= 2  # "open-heart surgery", "non-Hodgkin's lymphoma"
        elif prev.low in ORGANS or prev.low in MODIFIERS or prev.low.endswith("-onset"):
            first -= 1
        elif (prev.text.isdecimal() or prev.low in NUMBER_WORDS) and first > 1 \
                and toks[first - 2].low in {"type", "stage", "grade"}:
            first -= 2  # "type 2", "type one", "stage 3"
        else:
            break
    n = len(toks)
    while last + 1 < n and toks[last + 1].start - toks[last].end <= 1:
        nxt = toks[last + 1]
        if nxt.low in {"a", "b", "c"} and not nxt.text.isupper():
            break  # "she has asthma a lot"
        if nxt.text == "-" and last + 2 < n and toks[last + 2].word \
                and toks[last + 2].start == nxt.end:
            last += 2  # "HIV-positive"
            continue
        if nxt.low in AFTER and nxt.low not in {"type"}:
            last += 1
        elif nxt.low == "type" and last + 2 < n and toks[last + 2].text.isdecimal():
            last += 2
        elif nxt.text.isdecimal() and toks[last].low in {"type", "stage"}:
            last += 1
        else:
            break
    return first, last


def _removed_at(toks: tuple[Token, ...], i: int) -> tuple[int, int] | None:
    """An organ taken out of someone: "my gallbladder removed", "his wisdom teeth out"."""
    if toks[i].low not in REMOVABLE or i == 0 or not (
            toks[i - 1].low in POSSESSIVES
            or toks[i - 1].low.endswith("'s")):
        return None
    j = i + 1
    while j < len(toks) and j - i < 3 and toks[j].low in {"teeth", "tooth", "bladder",
                                                           "glands", "gland", "duct"}:
        j += 1
    if j < len(toks) and toks[j].low in {"removed", "out", "taken", "extracted", "removal"}:
        return i, j if toks[j].low != "taken" or j + 1 >= len(toks) else j + 1
    return None


_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december", "spring", "summer", "autumn",
           "fall", "winter", "the"}


def _expecting_at(toks: tuple[Token, ...], i: int) -> tuple[int, int] | None:
    """A pregnancy: "my wife is expecting", "she's expecting again", "we're expecting in
    May" (not "I'm expecting a parcel")."""
    if toks[i].low != "expecting" or i == 0 or toks[i - 1].low not in {
            "is", "'s", "she's", "i'm", "we're", "are", "am", "was", "were", "be", "been"}:
        return None
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    if nxt is None or not nxt.word or nxt.low in {"again", "twins", "triplets"} \
            or (nxt.low == "in" and i + 2 < len(toks) and toks[i + 2].low in _MONTHS):
        return i, i
    return None


_SEARCHES = {"find", "search", "nearest", "closest", "local", "recommend", "locate"}


def _searched(toks: tuple[Token, ...], i: int) -> bool:
    """The term at token i is a service searched for, not anyone's treatment: "find a
    physio near me", "the nearest dialysis centre", "search for acupuncture nearby"."""
    j = i - 1
    while j >= 0 and toks[j].low in {"a", "an", "the", "some", "good", "for", "me", "us"}:
        j -= 1
    if j < 0 or toks[j].low not in _SEARCHES:
        return False
    for t in toks[i + 1:i + 5]:
        if t.low in {"near", "nearby", "around", "open", "close", "locally"}:
            return True
        if t.low in {"for", "with"} or _bare(t.low) in PERSON_WORDS or not t.word:
            return False  # "find a physio for my mum near her": the mum's
    return False
