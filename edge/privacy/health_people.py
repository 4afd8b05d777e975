"""Whether anyone in particular is in a sentence that names a health term.

"I have diabetes", "my son has asthma", "Pita is on blood thinners": someone. A question
about a group or anyone of a kind ("how long does chickenpox last in kids", "can a baby
get shingles?", "is measles dangerous for toddlers") names no one: the group is bare (no
"my", "the", "our" before it) or indefinite ("a child", "any toddler").
"""

from __future__ import annotations

from edge.privacy.health_words import IMPERATIVES, PERSON_WORDS, SUBJECT_VERBS, TITLES
from edge.privacy.name_lists import NOT_NAMES, gazetteer
from edge.privacy.name_things import english_words
from edge.privacy.text import POSSESSIVES, Token

# Kinds of people a general question is asked about, plural or singular.
GROUPS = {"kids", "children", "babies", "toddlers", "infants", "newborns", "teens",
          "teenagers", "adolescents", "boys", "girls", "adults", "men", "women", "elderly",
          "pensioners", "students", "athletes", "runners", "kid", "child", "baby", "toddler",
          "infant", "newborn", "teen", "teenager", "adult", "man", "woman", "boy", "girl"}
# Before a singular of GROUPS, these make it anyone of the kind: "can a child get ...".
_ANY = {"a", "an", "any", "every", "each", "most", "some", "all", "older", "young",
        "younger", "small", "little", "elderly", "healthy"}

# Before a plural: these are particular people ("my kids", "the twins", "both boys").
_PARTICULAR = {*POSSESSIVES, "the", "these", "those", "both", "two", "three", "twin"}


def bare(low: str) -> str:
    """"grandma's" -> "grandma"."""
    return low[:-2] if low.endswith(("'s", "’s")) else low


def someone(toks: tuple[Token, ...], terms: dict[str, tuple[tuple[str, ...], ...]],
            question: bool = False) -> bool:
    """Someone is in the sentence: a person word (but not, in a question, a group or anyone
    of a kind), a capitalised given name, or a capitalised subject that has, takes or is on
    something ("Pita is on blood thinners", "Giorgos had a heart attack")."""
    first = gazetteer()[0]
    if toks and toks[0].low in IMPERATIVES:
        return True
    if any((bare(t.low) in PERSON_WORDS and not (question and _anyone(toks, k)))
           or bare(t.low) in TITLES or (t.cap and bare(t.low) in first)
           for k, t in enumerate(toks)):
        return True
    for k, t in enumerate(toks[:-1]):
        low = bare(t.low)
        verb = toks[k + 1].low if low == t.low else "'s"
        if t.cap and t.text.isalpha() and verb in SUBJECT_VERBS and low not in terms \
                and low not in NOT_NAMES \
                and (k > 0 or low not in english_words() or low in gazetteer()[1]):
            return True
    return False


def _anyone(toks: tuple[Token, ...], k: int) -> bool:
    """The person word at token k is a group or anyone of a kind: "in kids", "for
    toddlers", "a child" (not "my kids", "the baby", "our toddler")."""
    low = toks[k].low
    if low not in GROUPS:
        return False
    before = toks[k - 1].low if k > 0 else ""
    if low.endswith(("s", "ren", "men", "elderly")) and low not in {"boss"}:
        return before not in _PARTICULAR \
            and not before.endswith(("'s", "’s"))
    return before in _ANY
