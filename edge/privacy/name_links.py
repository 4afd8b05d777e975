"""Names found by their link to a name or a person already in the sentence.

- Coordination: "call kofi and ama", "text Jo, Priya and Wen": a word joined by "and" /
  "or" / a comma to a name found is one too when it is a given name, or no English word.
- A role said to be someone: "the babysitter is Tamsin", "our new cleaner's Oksana": a
  capitalised word that is no English word, after a noun for a person and "is".
- A possessive of someone's condition: "Chukwuma's sickle cell review", "Aroha's blood
  pressure": a capitalised word that is no English word before a health term.
names.py calls `linked_names` with what it found.
"""

from __future__ import annotations

from functools import lru_cache

from edge.privacy.name_cues import BASE_VERBS, FUNCTION_WORDS
from edge.privacy.name_lists import NOT_NAMES, gazetteer, place_words
from edge.privacy.name_things import PERSON_NOUNS, english_words, unknown_word
from edge.privacy.spans import Span
from edge.privacy.text import POSSESSIVES, Token, tokens
from edge.privacy.word_lists import entries

_JOINS = {"and", "or", "&", ","}
# After a coordinated word these say it starts a clause, not a name: "text Sarah and will
# be there" (a verb follows), "call Tom and ask" (the word is a verb).
_CLAUSE = BASE_VERBS | {"be", "is", "are", "was", "were", "will", "have", "has", "had",
                        "can", "could", "would", "should", "to", "i", "we", "you", "they",
                        "he", "she", "it", "me", "us", "them", "my", "your", "our", "the",
                        "a", "an"}
_OWNERS = {"the", *POSSESSIVES}


@lru_cache(maxsize=1)
def _health_starts() -> frozenset[str]:
    """The first words of the health terms and medicines ("sickle" of "sickle cell")."""
    words = set()
    for name in ("health_terms.txt", "medications.txt"):
        for line in entries(name):
            toks = tokens(line)
            if toks:
                words.add(toks[0].low)
    return frozenset(words)


def _name_word(t: Token, lowercase: bool) -> bool:
    """Token t may be a name here: a given name (a word too, when the first name was
    written the same case), or no English word; never a listed non-name or a place."""
    low = t.low.removesuffix("'s").removesuffix("’s")
    if not t.word or len(low) < 2 or low in NOT_NAMES or low in FUNCTION_WORDS \
            or low in place_words():
        return False
    first, ambiguous, _ = gazetteer()
    if t.cap == (not lowercase) and (low in first or low in ambiguous):
        return True
    return unknown_word(low)


def linked_names(toks: tuple[Token, ...], found: list[Span]) -> list[Span]:
    """Names linked to those found (coordination), or to a person word or a health term
    (see the module's docstring)."""
    out: list[Span] = []
    n = len(toks)
    ends = {s.end for s in found}
    starts = {s.start for s in found}
    for k, t in enumerate(toks):
        if t.end in ends and k + 2 < n and toks[k + 1].low in _JOINS:
            m = k + 2
            if toks[k + 1].text == "," and toks[m].low in {"and", "or"}:
                m += 1
            w = toks[m] if m < n else None
            nxt = toks[m + 1].low if m + 1 < n else ""
            if w is not None and w.start not in starts and nxt not in _CLAUSE \
                    and _name_word(w, lowercase=not toks[k].cap) \
                    and (toks[k + 1].text != "," or w.low not in english_words()):
                out.append(Span(w.start, w.end, "name"))
                ends.add(w.end)
    for k in range(1, n):
        t = toks[k]
        if t.start in starts or not t.cap or not t.word:
            continue
        low = t.low.removesuffix("'s").removesuffix("’s")
        if not unknown_word(low) or low in NOT_NAMES or low in place_words():
            continue
        noun = k - 2 if toks[k - 1].low == "is" else k - 1  # "the babysitter('s) is"
        role = noun >= 1 and toks[noun].low.removesuffix("'s") in PERSON_NOUNS \
            and (noun == k - 2 or toks[noun].low.endswith("'s")) \
            and any(x.low in _OWNERS for x in toks[max(0, noun - 3):noun])
        owner = t.low != low and k + 1 < n and toks[k + 1].low in _health_starts() \
            and toks[k - 1].word  # inside a sentence
        if role or owner:
            out.append(Span(t.start, t.end, "name"))
    return out
