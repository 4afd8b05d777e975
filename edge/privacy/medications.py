"""Medicines, for the health detector: a prescription drug by name (data/medications.txt:
"ramipril", "Madopar"), by its generic ending ("lisinopril", "atorvastatin"), the word a
dose is of ("20 mg of Eliquis"), or an unknown word where a medicine is spoken of ("his
Sinemet tablets", "pick up my Xyzzol prescription").

Painkillers sold over the counter, supplements and drinks ("400 mg of ibuprofen", "200 mg
of caffeine") are left out: they say no more about anyone than a headache does.
"""

from __future__ import annotations

from edge.privacy.name_lists import gazetteer
from edge.privacy.name_things import english_words
from edge.privacy.text import POSSESSIVES, Token

_DOSE_UNITS = {"mg", "milligrams", "milligram", "mcg", "micrograms", "microgram", "ml",
               "units", "iu", "g"}
_NOT_DRUGS = {"caffeine", "sugar", "salt", "sodium", "protein", "fat", "carbs", "fibre",
              "fiber", "vitamin", "vitamins", "calcium", "iron", "magnesium", "potassium",
              "zinc", "omega", "fish", "melatonin", "ibuprofen", "paracetamol", "aspirin",
              "acetaminophen", "tylenol", "advil", "water", "coffee", "tea", "milk", "juice",
              "cholesterol", "the", "a", "an", "my", "his", "her", "it", "this", "that",
              "each", "every", "per", "twice", "once", "daily", "in", "with", "for", "and",
              "of", "at", "to", "or", "creatine", "collagen", "biotin", "turmeric", "nurofen",
              "panadol", "calpol", "lemsip", "benadryl", "zyrtec", "claritin", "piriton",
              "cetirizine", "loratadine", "gaviscon", "rennie", "imodium", "sudafed",
              "strepsils", "lozenges", "nyquil", "dayquil", "motrin", "aleve", "excedrin"}
# The endings of generic drug names (INN stems): "lisinopril", "atorvastatin".
DRUG_SUFFIXES = ("pril", "sartan", "olol", "statin", "prazole", "azole", "cillin", "mycin",
                 "floxacin", "cycline", "dipine", "tidine", "gliptin", "gliflozin", "glutide",
                 "formin", "xaban", "gatran", "parin", "triptan", "oxetine", "faxine",
                 "pramine", "triptyline", "azepam", "zolam", "codone", "morphone", "lukast",
                 "afil", "dronate", "semide", "thiazide", "olone", "isone", "asone", "umab",
                 "imab", "zumab", "tinib", "ciclovir", "clovir", "avir", "buterol", "meterol",
                 "moterol", "tropium", "apine", "idone", "trigine", "tiracetam", "iramate",
                 "bapentin", "gabalin", "thyroxine", "olimus", "vastatin", "tegravir",
                 "virine", "platin", "taxel", "rubicin", "ciclib", "parib", "lutamide",
                 "relin", "dronic", "glinide", "glitazone", "oxacin", "conazole", "fungin")
_MIN_DRUG_CHARS = 8
# What a medicine comes as, or is asked for by: "his Sinemet tablets", "the Xyzzol refill".
_FORMS = {"tablet", "tablets", "pill", "pills", "capsule", "capsules", "injection",
          "injections", "inhaler", "inhalers", "patch", "patches", "drops", "cream", "gel",
          "ointment", "dose", "doses", "prescription", "prescriptions", "meds", "medication",
          "medicine", "jab", "jabs", "refill", "refills", "pen", "infusion", "syrup"}
# A sentence about medicines: an unknown word after "my" / "his" in it may be one.
_MED_CONTEXT = _FORMS | {"pharmacy", "chemist", "chemist's", "pharmacist", "gp", "doctor",
                         "dosette", "blister", "mg", "reorder", "refill", "prescribed"}


def medicine_at(toks: tuple[Token, ...], i: int) -> tuple[int, int] | None:
    """A medicine by its generic ending ("lisinopril"), the word a dose is of ("20 mg of
    Eliquis"), or an unknown word said as one ("his Sinemet tablets")."""
    t = toks[i]
    if t.word and len(t.low) >= _MIN_DRUG_CHARS and t.low.endswith(DRUG_SUFFIXES):
        return i, i
    if t.text.isdecimal() and i + 2 < len(toks) and toks[i + 1].low in _DOSE_UNITS:
        j = i + 3 if toks[i + 2].low == "of" else i + 2
        if j < len(toks) and toks[j].word and toks[j].low not in _NOT_DRUGS:
            return j, j
    if _unknown_medicine(toks, i):
        return i, i
    return None


def _unknown_medicine(toks: tuple[Token, ...], i: int) -> bool:
    """A word no dictionary or name list knows, where a medicine is spoken of: before
    "tablets" / "prescription", or after "my" / "his" in a sentence about pills."""
    low = toks[i].low
    if not (toks[i].text.isalpha() and len(low) >= 5) or low in _NOT_DRUGS \
            or low in english_words() or low.removesuffix("s") in english_words() \
            or any(low in names for names in gazetteer()):
        return False
    if i + 1 < len(toks) and toks[i + 1].low in _FORMS:
        return True
    owned = i > 0 and (toks[i - 1].low in POSSESSIVES or toks[i - 1].low.endswith("'s"))
    return owned and any(t.low in _MED_CONTEXT for t in toks)
