"""Secrets and health conditions: personal only in context.

Secret: what follows "password / PIN / passcode / door code / CVV ... is | 's | : | to"
("my password is hunter2", "set the alarm code to 5580"), up to the end of the clause;
"my password is too weak" and "I forgot my password" say none.

Health: a condition, diagnosis, treatment or medication (HEALTH_TERMS) in a sentence
about someone ("I have diabetes", "my son has asthma", "I'm pregnant"), and whatever
follows "diagnosed with". Questions about a condition with no one in them ("is asthma
contagious?") are not personal; nor are everyday complaints (a headache, a cold, tired,
sore legs): a voice assistant is asked about those all day, and they identify no one.
"""

from __future__ import annotations

from edge.privacy.spans import Span
from edge.privacy.text import NumberRun, Token, number_runs, tokens

# -- secrets ----------------------------------------------------------------------------------

SECRET_WORDS = {"password", "passwords", "passcode", "passphrase", "pin", "cvv", "cvc", "cvv2",
                "combination", "passkey", "password's", "passcode's", "pin's"}
# "code" or "key" alone is a secret only after one of these ("door code", "network key").
SECRET_QUALIFIERS = {"door", "gate", "alarm", "garage", "security", "access", "lock", "entry",
                     "safe", "locker", "building", "keypad", "verification", "login", "sms",
                     "network", "wifi", "wi-fi", "secret", "pin", "unlock", "alarm's"}
_COPULAS = {"is", "was", ":", "=", "to", "equals", "as", "reads"}
_NOT_VALUE = {"not", "too", "wrong", "incorrect", "expired", "weak", "strong", "working",
              "broken", "the", "a", "an", "what", "my", "same", "different", "reset", "changed",
              "locked", "blocked", "invalid", "correct?", "required", "needed", "case",
              "still", "no", "never", "always", "easy", "hard", "long", "short", "saved",
              "stored", "set", "very", "so", "it", "that", "this", "in", "on", "for", "of",
              "be", "being", "been", "usually", "somewhere", "written", "forgotten"}
_CLAUSE_END = {"and", "but", "so", "please", "because", "if", "when", "then", "thanks",
               "thank", "okay", "ok", "right"}
MAX_SECRET_WORDS = 4


def find_secrets(text: str, toks: tuple[Token, ...]) -> list[Span]:
    found: list[Span] = []
    n = len(toks)
    runs = {r.first: r for r in number_runs(toks)}
    for i, t in enumerate(toks):
        word = t.low
        own_copula = word.endswith(("'s", "’s"))  # "the garage code's 2468"
        if own_copula:
            word = word[:-2]
        if not (word in SECRET_WORDS or (word in {"code", "key", "word", "number"} and i > 0
                                         and toks[i - 1].low in SECRET_QUALIFIERS)):
            continue
        # "the PIN for my card is 6601", "the password to my laptop is ...": a short gap,
        # then a copula; the first copula that a value follows
        starts = [i + 1] if own_copula else [
            j + 1 for j in range(i + 1, min(n, i + 6)) if toks[j].low in _COPULAS]
        for j in starts:
            end = _value(text, toks, j, runs)
            if end is not None:
                found.append(Span(toks[j].start, end, "secret"))
                break
    return found


def _value(text: str, toks: tuple[Token, ...], j: int, runs: dict[int, NumberRun]
           ) -> int | None:
    """End offset of the secret starting at token j, or None when none is said."""
    if j >= len(toks) or toks[j].low in _NOT_VALUE or toks[j].text in {".", ",", "?", "!"}:
        return None
    run = runs.get(j)
    if run is not None:  # a number, written or spoken: all of it
        return toks[run.last].end
    # whitespace-separated chunks, so "Tr0ub4dor&3" and "purple-elephant-77" stay whole
    start = at = toks[j].start
    end, words = start, 0
    while at < len(text) and words < MAX_SECRET_WORDS:
        stop = text.find(" ", at)
        stop = len(text) if stop < 0 else stop
        chunk = text[at:stop]
        bare = chunk.rstrip(".,;:?!")
        if not bare or (words and bare.lower() in _CLAUSE_END):
            break
        end = at + len(bare)
        words += 1
        if bare != chunk:  # the clause ends with this chunk
            break
        at = stop + 1
    return end if end > start else None


# -- health -----------------------------------------------------------------------------------

HEALTH_TERMS = (
    # conditions and diagnoses
    "diabetes", "type 1 diabetes", "type 2 diabetes", "diabetic", "asthma", "asthmatic",
    "cancer", "leukemia", "leukaemia", "lymphoma", "tumour", "tumor", "melanoma",
    "high blood pressure", "low blood pressure", "hypertension", "heart disease",
    "heart failure", "heart attack", "stroke", "arrhythmia", "angina", "epilepsy",
    "epileptic", "seizures", "migraine", "migraines", "depression", "depressed",
    "anxiety disorder", "panic attacks", "bipolar", "bipolar disorder", "schizophrenia",
    "ptsd", "ocd", "adhd", "add", "autism", "autistic", "dyslexia", "dyslexic",
    "dementia", "alzheimer's", "alzheimers", "parkinson's", "parkinsons",
    "multiple sclerosis", "ms", "als", "copd", "cystic fibrosis", "arthritis",
    "rheumatoid arthritis", "osteoporosis", "lupus", "crohn's", "crohn's disease",
    "colitis", "ulcerative colitis", "celiac", "coeliac", "celiac disease",
    "coeliac disease", "ibs", "hiv", "hiv positive", "aids", "hepatitis", "hepatitis c",
    "tuberculosis", "covid", "covid-19", "long covid", "sleep apnea", "sleep apnoea",
    "insomnia", "anorexia", "anorexic", "bulimia", "eating disorder", "addiction",
    "alcoholism", "alcoholic", "kidney disease", "kidney failure", "liver disease",
    "cirrhosis", "thyroid", "hypothyroidism", "hyperthyroidism", "glaucoma", "cataracts",
    "hearing loss", "tinnitus", "psoriasis", "eczema", "endometriosis", "pcos",
    "infertility", "pregnant", "pregnancy", "miscarriage", "obesity", "sclerosis",
    "concussion", "chronic pain", "fibromyalgia", "chronic fatigue", "allergy to penicillin",
    # treatments and medication
    "chemotherapy", "chemo", "radiotherapy", "radiation therapy", "dialysis", "ivf",
    "insulin", "metformin", "antidepressants", "antidepressant", "sertraline", "prozac",
    "fluoxetine", "lithium", "warfarin", "statins", "methadone", "antipsychotics",
    "inhaler", "prednisone", "levothyroxine", "ozempic", "adderall", "ritalin",
)
_TERMS: dict[str, tuple[tuple[str, ...], ...]] = {}
for _term in HEALTH_TERMS:
    _words = tuple(t.low for t in tokens(_term))
    _TERMS.setdefault(_words[0], ())
    _TERMS[_words[0]] = tuple(sorted({*_TERMS[_words[0]], _words}, key=len, reverse=True))
# Someone is in the sentence: the user, or a person they speak of.
PERSON_WORDS = {"i", "i'm", "i've", "i'd", "me", "my", "mine", "im", "ive", "he", "she", "he's",
                "she's", "his", "her", "him", "we", "we're", "our", "us", "they", "they're",
                "their", "them", "son", "daughter", "wife", "husband", "partner", "mother",
                "father", "mum", "mom", "dad", "grandmother", "grandfather", "grandma",
                "grandpa", "brother", "sister", "kid", "kids", "child", "baby", "friend",
                "boyfriend", "girlfriend", "uncle", "aunt", "cousin", "patient"}
# Short terms that are ordinary words too ("add", "ms", "als"): only as a capitalised
# acronym.
_ACRONYMS = {"add", "ms", "als", "aids", "ibs", "ocd", "copd", "ptsd", "hiv", "ivf", "pcos"}
# "prostate cancer", "kidney disease": the organ goes with the condition.
ORGANS = {"prostate", "breast", "lung", "skin", "bowel", "colon", "pancreatic", "ovarian",
          "cervical", "liver", "brain", "bone", "blood", "throat", "kidney", "bladder",
          "stomach", "testicular", "thyroid", "heart", "colorectal", "uterine", "mouth"}
_DIAGNOSED = {"diagnosed"}
_DIAGNOSIS_STOP = {"last", "yesterday", "today", "this", "in", "at", "when", "and", "but",
                   "so", "a", "after", "before", "since", "by", "two", "three", "recently"}


def find_health(text: str, toks: tuple[Token, ...]) -> list[Span]:
    if not any(t.low in PERSON_WORDS for t in toks):
        return []
    found: list[Span] = []
    n = len(toks)
    i = 0
    while i < n:
        t = toks[i]
        for words in _TERMS.get(t.low, ()):
            k = len(words)
            if tuple(x.low for x in toks[i:i + k]) != words:
                continue
            if k == 1 and t.low in _ACRONYMS and not t.text.isupper():
                continue
            start = toks[i - 1].start if i > 0 and toks[i - 1].low in ORGANS else t.start
            found.append(Span(start, toks[i + k - 1].end, "health"))
            i += k - 1
            break
        else:
            if t.low in _DIAGNOSED and i + 1 < n and toks[i + 1].low in {"with", "as"}:
                j = i + 2
                while j < n and j - i < 6 and toks[j].word and \
                        toks[j].low not in _DIAGNOSIS_STOP:
                    j += 1
                if j > i + 2:
                    found.append(Span(toks[i + 2].start, toks[j - 1].end, "health"))
        i += 1
    return found
