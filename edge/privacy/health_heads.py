"""Treatments and injuries named by a head word and what qualifies it.

A list of terms cannot hold every therapy or every torn part, but how they are said is
regular: qualifiers, then a head.
- A therapy named by its kind: "cognitive behavioural therapy", "EMDR therapy",
  "dialectical behaviour therapy", "CBT sessions"; an acronym or adjectives of a kind
  ("-ive", "-al", "-ic") before "therapy" / "surgery" / "rehab" (not "the new therapy").
- An injury named by its part: "ACL tear", "rotator cuff tear", "hamstring tear",
  "a stress fracture" in the foot; a body part or an acronym before "tear" / "rupture" /
  "fracture" / "sprain"; or what happened to the part before it: "a fractured wrist".
health.py calls `headed_at` beside its term list, and judges whose it is the same way.
"""

from __future__ import annotations

from edge.privacy.health_words import BODY_PARTS, MODIFIERS, ORGANS
from edge.privacy.text import Token

TREATMENT_HEADS = {"therapy", "therapies", "surgery", "surgeries", "rehab", "rehabilitation"}
INJURY_HEADS = {"tear", "tears", "rupture", "ruptures", "fracture", "fractures", "sprain",
                "sprains", "dislocation", "reconstruction"}
# Parts that are torn or broken besides BODY_PARTS and ORGANS: "rotator cuff", "hamstring".
_PARTS = BODY_PARTS | ORGANS | {"rotator", "cuff", "hamstring", "calf", "groin", "quad",
                                "cartilage", "labrum", "muscle", "stress", "hairline",
                                "compound", "cruciate", "anterior", "posterior", "medial",
                                "lateral", "disc", "vertebral", "pelvic", "retinal", "bicep",
                                "biceps", "tricep", "triceps", "pectoral", "tendon", "mcl"}
# Adjectives by suffix that name no kind of therapy: "the usual therapy", "basic surgery".
_NOT_KINDS = {"usual", "several", "general", "special", "total", "initial", "final",
              "original", "additional", "typical", "basic", "classic", "personal",
              "traditional", "natural", "critical", "real", "actual", "normal", "regular",
              "local", "national", "international", "official", "optional", "expensive",
              "effective", "alternative", "intensive", "extensive", "free", "private",
              "public", "weekly", "daily", "monthly", "annual", "virtual", "digital",
              "online", "social", "political", "historic", "electric", "plastic", "musical",
              "magic", "terrific", "horrific", "fantastic", "retail", "medical"}
_MAX_QUALIFIERS = 3
# An injury named by what happened to the part, before it: "a fractured wrist", "a torn
# meniscus", "a dislocated shoulder" (not "a broken heart", "broken glass").
_INJURED = {"fractured", "broken", "sprained", "torn", "dislocated", "ruptured", "herniated",
            "slipped", "cracked", "shattered", "snapped", "bruised", "crushed", "twisted"}
_NOT_INJURED_PARTS = {"heart", "stress", "hairline", "compound", "anterior", "posterior",
                      "medial", "lateral", "blood", "mental", "bypass", "dental", "back",
                      "head"}
_SIDES = {"left", "right", "both"}


def _acronym(t: Token) -> bool:
    return t.word and t.text.isupper() and 2 <= len(t.text) <= 5 and t.text.isalpha()


def _kind(t: Token) -> bool:
    """An adjective that names a kind of therapy: "cognitive", "behavioural", "somatic"."""
    return t.word and len(t.low) > 4 and t.low not in _NOT_KINDS \
        and t.low.endswith(("ive", "al", "ic", "ural", "ory")) and t.low.isalpha()


def headed_at(toks: tuple[Token, ...], i: int) -> tuple[int, int] | None:
    """(first, last) of a qualified treatment or injury that starts at token i, or None."""
    n = len(toks)
    if toks[i].low in _INJURED:
        j = i + 1 + (i + 1 < n and toks[i + 1].low in _SIDES)
        if j < n and toks[j].low in _PARTS - _NOT_INJURED_PARTS:
            return i, j  # "a fractured wrist", "a torn left meniscus"
    j = i
    while j < n and j - i < _MAX_QUALIFIERS and (
            _acronym(toks[j]) or _kind(toks[j]) or toks[j].low in _PARTS
            or (j > i and toks[j].low in MODIFIERS)):
        j += 1
    if j == i or j >= n:
        return None
    head = toks[j].low
    quals = toks[i:j]
    if head in TREATMENT_HEADS and all(_acronym(t) or _kind(t) or t.low in _PARTS
                                       for t in quals[:1]):
        return i, j
    if head in INJURY_HEADS and any(_acronym(t) or t.low in _PARTS for t in quals):
        return i, j
    return None


# Complaints that are a medicine's side effect when said to come from it: "the rash from the
# lamotrigine", "nausea from my metformin", "the cough caused by her lisinopril".
_SIDE_EFFECTS = {"rash", "rashes", "hives", "nausea", "dizziness", "headaches", "headache",
                 "swelling", "itching", "insomnia", "diarrhoea", "diarrhea", "constipation",
                 "tremor", "tremors", "bruising", "cough", "fatigue", "drowsiness",
                 "palpitations", "vomiting", "sickness", "cramps", "nosebleeds", "dry"}
_CAUSED = {"from", "by", "after"}
_DETERMINERS = {"the", "my", "his", "her", "their", "our", "this", "that", "new"}


def side_effect_before(toks: tuple[Token, ...], first: int) -> int | None:
    """The complaint said to come from the medicine or treatment at token `first`."""
    j = first - 1
    if j >= 0 and toks[j].low in _DETERMINERS:
        j -= 1
    if j < 1 or toks[j].low not in _CAUSED:
        return None
    k = j - 1 - (toks[j].low == "by" and toks[j - 1].low == "caused")
    return k if k >= 0 and toks[k].low in _SIDE_EFFECTS else None

