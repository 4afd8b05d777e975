"""The word lists names.py reads: given names, surnames, places, landmarks, brands.

Each list is a file under data/ (lowercase, one entry a line, "#" comments), loaded once.
Short lists of cue words stay in name_cues.py, beside the rules that read them.
"""

from __future__ import annotations

from functools import lru_cache

from edge.privacy.word_lists import entries


def _words(name: str) -> frozenset[str]:
    return frozenset(entries(name))


# Never a name, whatever its case or cue: "mom", "siri", "monday", "st".
# Medicines and treatments too ("give Mr Jones his Aricept", "how long does physio take").
NOT_NAMES = _words("not_names.txt") | _words("medications.txt") | {
    "physio", "chemo", "dialysis", "insulin", "ozempic", "xarelto", "eliquis", "keppra"}
# A name followed by one of these names a place, a thing or a brand: "the Berlin Wall".
LANDMARKS = _words("landmarks.txt")
# Brands and products written like people's names, as token tuples: ("jack", "daniel's").
BRANDS = frozenset(tuple(b.split(" ")) for b in _words("brands.txt"))
# First word -> the brands it starts, longest first.
BRANDS_BY_FIRST: dict[str, tuple[tuple[str, ...], ...]] = {
    w: tuple(sorted((b for b in BRANDS if b[0] == w), key=len, reverse=True))
    for w in {b[0] for b in BRANDS}}


@lru_cache(maxsize=1)
def gazetteer() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(given names, given names that are also words or places, surnames), lowercase.
    Public figures known by one name ("Obama", "Beyoncé") count as given names; the
    world_*.txt lists add the names of many cultures that the US Census lists lack, the
    regional_*.txt lists those of regions Faker covers poorly or in their own script."""
    return (_words("first_names.txt") | _words("public_figures.txt")
            | _words("world_given_names.txt") | _words("regional_given_names.txt"),
            _words("name_words.txt") | _words("public_figure_words.txt")
            | _words("world_short_names.txt"),
            _words("surnames.txt") | _words("world_surnames.txt")
            | _words("regional_surnames.txt"))


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
    return _words("months_and_places.txt") | _words("places.txt")


@lru_cache(maxsize=1)
def name_places() -> frozenset[str]:
    """Places that are given names too: a place only after a place cue ("near sofia")."""
    return _words("name_places.txt") | place_words()


@lru_cache(maxsize=1)
def health_words() -> frozenset[str]:
    """Medicines and one-word conditions ("ritalin", "epilepsy"): a possessive or a
    subject before one is a person's ("tom's ritalin", "Mthunzi has epilepsy")."""
    return _words("medications.txt") | frozenset(
        w for w in entries("health_terms.txt") if " " not in w)
