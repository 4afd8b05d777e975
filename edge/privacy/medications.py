"""Medicines, for the health detector: a generic name by its ending ("lisinopril",
"atorvastatin"), or the word a dose is of ("20 mg of Eliquis").

Painkillers sold over the counter, supplements and drinks ("400 mg of ibuprofen", "200 mg
of caffeine") are left out: they say no more about anyone than a headache does.
"""

from __future__ import annotations

from edge.privacy.text import Token

_DOSE_UNITS = {"mg", "milligrams", "milligram", "mcg", "micrograms", "microgram", "ml",
               "units", "iu", "g"}
_NOT_DRUGS = {"caffeine", "sugar", "salt", "sodium", "protein", "fat", "carbs", "fibre",
              "fiber", "vitamin", "vitamins", "calcium", "iron", "magnesium", "potassium",
              "zinc", "omega", "fish", "melatonin", "ibuprofen", "paracetamol", "aspirin",
              "acetaminophen", "tylenol", "advil", "water", "coffee", "tea", "milk", "juice",
              "cholesterol", "the", "a", "an", "my", "his", "her", "it", "this", "that",
              "each", "every", "per", "twice", "once", "daily", "in", "with", "for", "and",
              "of", "at", "to", "or", "creatine", "collagen", "biotin", "turmeric"}
# The endings of generic drug names (INN stems): "lisinopril", "atorvastatin".
DRUG_SUFFIXES = ("pril", "sartan", "olol", "statin", "prazole", "azole", "cillin", "mycin",
                 "floxacin", "cycline", "dipine", "tidine", "gliptin", "gliflozin", "glutide",
                 "formin", "xaban", "gatran", "parin", "triptan", "oxetine", "faxine",
                 "pramine", "triptyline", "azepam", "zolam", "codone", "morphone", "lukast",
                 "afil", "dronate", "semide", "thiazide", "olone", "isone", "asone", "umab",
                 "imab", "zumab", "tinib", "ciclovir", "clovir", "avir", "buterol", "meterol",
                 "moterol", "tropium", "apine", "idone", "trigine", "tiracetam", "iramate",
                 "bapentin", "gabalin", "thyroxine", "olimus", "vastatin")
_MIN_DRUG_CHARS = 8


def medicine_at(toks: tuple[Token, ...], i: int) -> tuple[int, int] | None:
    """A medicine by its generic ending ("lisinopril"), or the word a dose is of ("20 mg
    of Eliquis")."""
    t = toks[i]
    if t.word and len(t.low) >= _MIN_DRUG_CHARS and t.low.endswith(DRUG_SUFFIXES):
        return i, i
    if t.text.isdecimal() and i + 2 < len(toks) and toks[i + 1].low in _DOSE_UNITS:
        j = i + 3 if toks[i + 2].low == "of" else i + 2
        if j < len(toks) and toks[j].word and toks[j].low not in _NOT_DRUGS:
            return j, j
    return None
