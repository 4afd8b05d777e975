"""Secrets and health conditions: personal only in context.

Secret: the value said with a password / PIN / passcode / door code / CVV ...: after "is",
"'s", ":", "it's", "to" (after "set" or "change"), or with nothing between when the value
looks like one ("passcode 660231", "wifi password sunflower22"), or before "is my PIN"
("4421 is my PIN"); up to the end of the clause. "my password is too weak", "I forgot my
password" and "the password field is empty" say none.

Health: a condition, diagnosis, treatment or medication (data/health_terms.txt, a drug's
generic suffix such as "-pril" or "-statin", a word after a dose: "20 mg of X") in a
sentence about someone ("I have diabetes", "my son has asthma", "I'm pregnant"), and what
follows "diagnosed with", "suffers from", "allergic to", "tested positive for". Not
personal: questions with no one in them ("is asthma contagious?") or with a hypothetical
one ("can I get diabetes from sugar?", "what if someone has a stroke?"), a pet's ("my dog
has arthritis"), and everyday complaints (a headache, a cold, tired, sore legs): a voice
assistant is asked about those all day, and they identify no one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from edge.privacy.names import gazetteer
from edge.privacy.numbers import QUANTITY_WORDS
from edge.privacy.spans import Span
from edge.privacy.text import NUMBER_WORDS, NumberRun, Token, number_runs, tokens

_DATA = Path(__file__).resolve().parent / "data"

# -- secrets ----------------------------------------------------------------------------------

SECRET_WORDS = {"password", "passwords", "passcode", "passphrase", "pin", "cvv", "cvc", "cvv2",
                "csc", "combination", "combo", "passkey", "puk", "password's", "passcode's",
                "pin's", "combination's", "passwd", "pw"}
# "code" or "key" alone is a secret only after one of these ("door code", "network key"),
# or before "for / to / of" one ("the code for the front door").
SECRET_QUALIFIERS = {
    "door", "gate", "alarm", "garage", "security", "access", "lock", "entry", "safe",
    "locker", "lockbox", "keybox", "padlock", "building", "keypad", "verification", "login",
    "sms", "network", "wifi", "wi-fi", "router", "secret", "pin", "unlock", "alarm's",
    "house", "apartment", "flat", "intercom", "buzzer", "mailbox", "storage", "bike", "vault",
    "voicemail", "confirmation", "authentication", "auth", "authenticator", "recovery",
    "backup", "master", "admin", "otp", "2fa", "one-time", "disarm", "arming", "phone",
    "laptop", "computer", "tablet", "ipad", "iphone", "screen", "pass", "activation",
    "product", "license", "licence", "encryption", "private", "api", "code", "front", "back",
    "garage's", "door's", "gate's", "wifi's", "fi", "memorable", "atm", "bank", "banking",
    "card", "debit", "credit", "sim"}
# "number" is a secret only after these ("security number"); "pin number" is a PIN.
NUMBER_QUALIFIERS = {"pin", "security", "access", "secret", "verification", "confirmation"}
_QUALIFIED = {"code", "key", "word", "number", "codes", "keys", "code's", "key's", "answer",
              "information", "info"}
# A noun right after the secret word: the sentence is about that, not a value.
_NOT_SECRET_NOUNS = {"field", "manager", "managers", "hint", "reset", "box", "screen", "prompt",
                     "policy", "policies", "requirement", "requirements", "rule", "rules",
                     "strength", "page", "form", "pad", "generator", "length", "expiry",
                     "expiration", "change", "changes", "protection", "protected", "settings",
                     "setting", "option", "options", "app", "feature", "lock", "entry",
                     "attempts", "attempt", "digits", "characters", "letters", "recovery",
                     "sharing", "vault", "holder", "system", "login"}
_COPULAS = {"is", "was", ":", "=", "equals", "reads", "it's", "it’s", "its", "that's",
            "be", "'s", "becomes", "now", "-"}
_SET_COPULAS = {"to", "as", "into"}  # only after one of _SET_VERBS ("set the code to 5580")
_SET_VERBS = {"set", "change", "changed", "changing", "reset", "update", "updated", "make",
              "made", "switch", "switched", "put", "program", "programmed", "save", "saved",
              "store", "stored", "remember", "record", "note", "keep"}
# Never the first word of a secret: "my password is not working", "... is on the fridge".
_NOT_VALUE = {"not", "too", "the", "a", "an", "what", "my", "same", "different", "still", "no",
              "never", "always", "set", "very", "so", "it", "that", "this", "in", "on", "for",
              "of", "be", "being", "been", "usually", "somewhere", "about", "going", "due",
              "at", "from", "under", "below", "above", "there", "here", "asking", "supposed",
              "only", "probably", "like", "something", "which", "where", "how", "why", "when",
              "who", "your", "his", "her", "our", "their", "off", "n't", "isn't", "wasn't",
              "doesn't", "needs", "has", "have", "had", "does", "did", "will", "would",
              "should", "can", "could", "must", "might", "and", "or", "but", "to", "with", "by",
              "as", "if", "then", "any", "some", "all", "each", "every", "another", "other",
              "?", "you", "i", "me", "we", "they", "he", "she", "them", "us", "him", "mine",
              "yours", "inside", "behind", "near", "either", "also", "case", "really"}
# Words that say what a password is like: a value only as the start of a passphrase
# ("correct horse battery staple"), not alone ("my password is wrong").
_STATES = {"wrong", "incorrect", "expired", "weak", "strong", "working", "broken", "reset",
           "changed", "locked", "blocked", "invalid", "required", "needed", "easy", "hard",
           "long", "short", "saved", "stored", "written", "forgotten", "empty", "blank",
           "hidden", "visible", "missing", "compromised", "leaked", "hacked", "stolen",
           "secure", "insecure", "safe", "fine", "good", "bad", "ok", "okay", "outdated",
           "old", "changing", "sensitive", "case-sensitive", "expiring", "printed", "stuck",
           "protected", "necessary", "mandatory", "optional", "shown", "displayed", "showing",
           "unknown", "available", "ready", "done", "gone", "lost", "right", "correct",
           "accepted", "rejected", "declined", "easier", "harder", "longer", "shorter",
           "better", "worse", "more", "less", "taped", "kept", "new", "simple", "obvious",
           "complicated", "complex", "default", "temporary", "encrypted", "fixed",
           "unchanged", "different", "same", "useless", "terrible", "awful", "great"}
_AFTER_STATE = {"enough", "again", "now", "too", "already", "though", "anyway", "sometimes",
                "apparently", "today", "right", "still", "yet", "somehow", "lol"}
# Between the copula and the value: "the PIN is now 1234".
_FILLERS = {"now", "actually", "currently", "just", "simply", "still", "literally"}
# After a number: its length or a count, not a secret ("four digits long", "100 times").
_LENGTH_WORDS = {"digits", "digit", "characters", "character", "letters", "letter",
                 "numbers", "long", "chars", "lines"} | QUANTITY_WORDS
_CLAUSE_END = {"and", "but", "so", "please", "because", "if", "when", "then", "thanks",
               "thank", "okay", "ok", "right", "for", "to", "on", "in", "at", "which", "that",
               "remember", "save", "don't", "do"}
_DETERMINERS = {"my", "the", "our", "your", "his", "her", "their", "a", "new", "old",
                "current"}
MAX_SECRET_WORDS = 4


def find_secrets(text: str, toks: tuple[Token, ...]) -> list[Span]:
    found: list[Span] = []
    n = len(toks)
    runs = {r.first: r for r in number_runs(toks)}
    ends = {r.last: r for r in runs.values()}
    for i, t in enumerate(toks):
        word = t.low
        own_copula = word.endswith(("'s", "’s"))  # "the garage code's 2468"
        if own_copula:
            word = word[:-2]
        if not _secret_word(toks, i, word):
            if word == "code" and i > 0 and toks[i - 1].low in _DETERMINERS:
                found.extend(_bare_code(toks, i, runs))
            continue
        if i + 1 < n and toks[i + 1].low in _NOT_SECRET_NOUNS:
            continue
        # "passcode 660231", "wifi password sunflower22", "my PIN, 4419": a value with
        # nothing (or a comma) between
        k = i + 2 if i + 2 < n and toks[i + 1].text in {",", "-"} else i + 1
        if not own_copula and k < n and _looks_like_value(text, toks, k, runs):
            end = _value(text, toks, k, runs)
            if end is not None:
                found.append(Span(toks[k].start, end, "secret"))
                continue
        # "the PIN for my card is 6601", "my pin, it's 4 4 1 9": a short gap, then a
        # copula; the first copula that a value follows
        setting = any(x.low in _SET_VERBS for x in toks[max(0, i - 6):i])
        gap = range(i + 1, min(n, i + 7))
        gap = range(i + 1, next((j for j in gap if toks[j].text == "["), gap.stop))
        starts = [i + 1] if own_copula else [  # never past a placeholder: "PIN [secret] is"
            j + 1 for j in gap
            if toks[j].low in _COPULAS or (setting and toks[j].low in _SET_COPULAS)]
        hit = False
        for j in starts:
            while j < n and toks[j].low in _FILLERS:
                j += 1
            end = _value(text, toks, j, runs)
            if end is not None:
                found.append(Span(toks[j].start, end, "secret"))
                hit = True
                break
        if not hit:
            before = _value_before(text, toks, i, ends)
            if before is not None:
                found.append(before)
    return found


def _bare_code(toks: tuple[Token, ...], i: int, runs: dict[int, NumberRun]) -> list[Span]:
    """"the code is 4471", "the code to get in is 4471": "code" with no word before it
    that says which is a secret only when a number of 4 to 8 digits is said."""
    for j in range(i + 1, min(len(toks), i + 7)):
        if toks[j].low in _COPULAS:
            run = runs.get(j + 1)
            if run is not None and 4 <= len(run.digits) <= 8 and (
                    run.last + 1 >= len(toks) or toks[run.last + 1].low not in _LENGTH_WORDS):
                return [Span(toks[j + 1].start, toks[run.last].end, "secret")]
            return []
    return []


def _secret_word(toks: tuple[Token, ...], i: int, word: str) -> bool:
    if word in SECRET_WORDS:
        return word != "pw" or toks[i].text.isupper()
    if word not in _QUALIFIED or i == 0:
        return False
    prev = toks[i - 1].low
    if word == "number":
        return prev in NUMBER_QUALIFIERS
    if word in {"answer", "information", "info"}:
        return prev in {"security", "secret", "memorable"}
    qualifiers = SECRET_QUALIFIERS - {"card", "debit", "credit", "bank", "banking"}
    if prev in qualifiers or (i > 1 and toks[i - 2].low in qualifiers - {"code", "pass"}) or (
            prev == "time" and i > 1 and toks[i - 2].low in {"one", "-"}):
        return True  # "door code", "garage opener code", "one-time code"
    # "the code for the front door", "the combination to the safe"
    for j in range(i + 1, min(len(toks), i + 3)):
        if toks[j].low in {"for", "to", "of", "on"}:
            return any(x.low in SECRET_QUALIFIERS - {"code", "pass", "screen", "front", "back"}
                       for x in toks[j + 1:j + 5])
    return False


def _looks_like_value(text: str, toks: tuple[Token, ...], j: int,
                      runs: dict[int, NumberRun]) -> bool:
    """Token j starts what can only be a secret: 3+ digits, or letters and digits mixed."""
    t = toks[j]
    if t.text == "#" and j + 1 < len(toks) and toks[j + 1].start == t.end:
        return _looks_like_value(text, toks, j + 1, runs)
    run = runs.get(j)
    if run is not None:
        after = toks[run.last + 1].low if run.last + 1 < len(toks) else ""
        return len(run.digits) >= 3 and after not in _LENGTH_WORDS
    stop = text.find(" ", t.start)
    chunk = text[t.start:len(text) if stop < 0 else stop].rstrip(".,;:?!")
    return any(c.isdigit() for c in chunk) and any(c.isalpha() for c in chunk)


def _value(text: str, toks: tuple[Token, ...], j: int, runs: dict[int, NumberRun]
           ) -> int | None:
    """End offset of the secret starting at token j, or None when none is said."""
    if j >= len(toks) or toks[j].low in _NOT_VALUE or toks[j].text in {".", ",", "?", "!"}:
        return None
    if toks[j].low in _STATES:
        nxt = toks[j + 1] if j + 1 < len(toks) else None
        if nxt is None or not nxt.word or nxt.start > toks[j].end + 1 \
                or nxt.low in _CLAUSE_END or nxt.low in _AFTER_STATE:
            return None
    run = runs.get(j)
    if run is not None:  # a number, written or spoken: all of it
        after = toks[run.last + 1].low if run.last + 1 < len(toks) else ""
        if after in _LENGTH_WORDS:  # "the PIN is four digits long"
            return None
        end = toks[run.last].end
        while end < len(text) and text[end].isalnum():
            end += 1  # "8812ab"
        return end
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


def _value_before(text: str, toks: tuple[Token, ...], i: int, ends: dict[int, NumberRun]
                  ) -> Span | None:
    """"4421 is my PIN", "use 1234 as the door code": a value before the secret word."""
    j = i - 1
    while j >= 0 and i - j <= 5 and (toks[j].low in _DETERMINERS
                                     or toks[j].low in SECRET_QUALIFIERS):
        j -= 1
    if j < 1 or toks[j].low not in {"is", "as", "was", "'s"}:
        return None
    k = j - 1
    run = ends.get(k)
    if run is not None:
        if len(run.digits) < 3:
            return None
        return Span(toks[run.first].start, toks[k].end, "secret")
    start = text.rfind(" ", 0, toks[k].end) + 1
    chunk = text[start:toks[k].end]
    if any(c.isdigit() for c in chunk) and any(c.isalpha() for c in chunk):
        return Span(start, toks[k].end, "secret")
    return None


# -- health -----------------------------------------------------------------------------------

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
    lines = (_DATA / "health_terms.txt").read_text(encoding="utf-8").splitlines()
    return _terms(lines + sorted(WEAK_TERMS))


# Ordinary words too: health only right after a word that says someone has it ("he's
# blind", "I had surgery", "she's in rehab"), never "my blind is stuck".
WEAK_TERMS = {"blind", "deaf", "mute", "anxiety", "mono", "shingles", "surgery", "radiation",
              "rehab", "therapy", "wheelchair", "operation", "allergies", "allergy",
              "paralysis", "insulin-dependent", "seizure", "infection", "infections"}
_ASSERTING = {"have", "has", "had", "having", "got", "gotten", "getting", "with", "from", "on",
              "in", "for", "after", "since", "need", "needs", "needed", "undergoing",
              "undergo", "undergone", "scheduled", "recovering", "is", "'s", "am", "'m", "are",
              "was", "were", "been", "be", "going", "went", "gone", "legally", "partially",
              "completely", "totally", "born", "he's", "she's", "i'm", "i've", "uses", "use",
              "using", "severe", "bad", "major", "minor", "knee", "hip", "back", "heart",
              "eye", "brain", "shoulder", "spinal", "cataract", "emergency", "bypass",
              "they're", "we're", "you're", "seasonal", "food", "nut", "peanut"}
# Someone is in the sentence: the user, or a person they speak of.
PERSON_WORDS = {"i", "i'm", "i've", "i'd", "me", "my", "mine", "im", "ive", "he", "she", "he's",
                "she's", "his", "her", "him", "we", "we're", "our", "us", "they", "they're",
                "their", "them", "son", "daughter", "wife", "husband", "partner", "mother",
                "father", "mum", "mom", "dad", "grandmother", "grandfather", "grandma",
                "grandpa", "brother", "sister", "kid", "kids", "child", "baby", "friend",
                "boyfriend", "girlfriend", "uncle", "aunt", "cousin", "patient", "nephew",
                "niece", "grandson", "granddaughter", "stepdad", "stepmom", "stepmum",
                "fiance", "fiancee", "roommate", "flatmate", "coworker", "colleague", "boss",
                "neighbour", "neighbor", "nan", "nana", "gran", "granny", "papa", "mama",
                "mommy", "daddy", "toddler", "twins", "stepson", "stepdaughter", "auntie",
                "son's", "daughter's", "wife's", "husband's", "mom's", "dad's", "mum's",
                "he'd", "she'd", "he'll", "she'll", "i'll", "hers", "himself", "herself",
                "myself", "grandad", "granddad", "infant", "newborn", "teenager"}
# The nearest of these before the term says whose it is: a pet's or no one's in particular.
_NOT_A_PERSON = {"dog", "dogs", "cat", "cats", "puppy", "kitten", "pet", "pets", "horse",
                 "rabbit", "hamster", "parrot", "bird", "fish", "cow", "pig", "someone",
                 "somebody", "anyone", "anybody", "people", "person", "everyone", "everybody",
                 "patients", "adults", "children", "seniors", "women", "men", "athletes",
                 "dog's", "cat's", "plant", "plants", "tree", "trees", "tomatoes", "roses"}
_GENERIC = {"someone", "somebody", "anyone", "anybody", "people", "person", "everyone",
            "everybody", "patients", "adults", "children", "seniors", "women", "men",
            "athletes"}
# Short terms that are ordinary words too ("add", "ms", "als"): only as a capitalised
# acronym.
_ACRONYMS = {"add", "ms", "als", "aids", "ibs", "ocd", "copd", "ptsd", "hiv", "ivf", "pcos",
             "std", "sti", "uti", "hpv", "mrsa", "dvt", "gerd", "hrt", "afib", "cpap"}
# "prostate cancer", "knee surgery": the organ goes with the condition.
ORGANS = {"prostate", "breast", "lung", "skin", "bowel", "colon", "pancreatic", "ovarian",
          "cervical", "liver", "brain", "bone", "blood", "throat", "kidney", "bladder",
          "stomach", "testicular", "thyroid", "heart", "colorectal", "uterine", "mouth",
          "knee", "hip", "back", "spinal", "spine", "shoulder", "eye", "ear", "cataract",
          "neck", "foot", "ankle", "wrist", "hand", "bypass", "dental", "gum", "head",
          "mental", "womb", "ovary", "adrenal", "pancreas", "esophageal", "oesophageal",
          "chest", "urinary", "tract", "yeast", "sinus", "wound",
          # what an allergy is to: "a peanut allergy"
          "food", "nut", "nuts", "peanut", "peanuts", "shellfish", "egg", "dairy", "milk",
          "gluten", "wheat", "soy", "penicillin", "latex", "bee", "wasp", "pollen", "dust",
          "seasonal", "cat", "dog", "sesame", "fish", "drug", "tree"}
# Before a term, and part of it: "type 2 diabetes", "stage 3 lung cancer", "severe asthma".
_MODIFIERS = {"severe", "chronic", "acute", "mild", "moderate", "terminal", "advanced",
              "early", "early-onset", "late-stage", "juvenile", "postpartum", "postnatal",
              "clinical", "seasonal", "gestational", "rheumatoid", "metastatic", "aggressive",
              "rare", "secondary", "bad", "major", "minor", "inoperable", "benign",
              "malignant", "high-functioning", "recurring", "persistent", "serious",
              "life-threatening", "non-hodgkin's", "hodgkin's", "small", "cell", "stage",
              "type", "grade", "insulin-dependent", "borderline", "manic", "full-blown", "onset",
              "bilateral"}
# After a term, and part of it: "Parkinson's disease", "hepatitis B", "diabetes type 2".
_AFTER = {"disease", "syndrome", "disorder", "attack", "attacks", "failure", "infection",
          "deficiency", "positive", "type", "a", "b", "c", "1", "2", "tablets", "pills",
          "injections", "shots", "medication", "meds", "treatment", "treatments", "patch",
          "spectrum"}
# A term before these is something else: "lithium battery", "cancer research".
_NOT_AFTER = {"battery", "batteries", "ion", "research", "charity", "charities", "fundraiser",
              "awareness", "society", "foundation", "walk", "run", "month", "day", "sign",
              "season", "drink", "drinks", "beverage", "beverages", "beer", "beers", "wine",
              "cocktail", "cocktails", "mine", "mines", "stocks", "shares", "ward", "unit",
              "clinic", "centre", "center", "hospital", "specialist", "doctor", "nurse",
              "ribbon", "relief", "stories", "story", "documentary", "song", "movie", "film",
              "book", "tv", "date", "dates", "spot", "spots", "side", "corner", "test",
              "tasting", "trust", "themed", "free", "proof", "related", "friendly", "safe",
              "style", "like"}
# A term after these is a figure of speech: "my coffee addiction", "so depressed that".
_NOT_BEFORE = {"coffee", "caffeine", "chocolate", "sugar", "phone", "shopping", "tv", "netflix",
               "media", "candy", "tea", "screen", "internet", "so", "bit", "little", "kinda",
               "pretty", "feeling", "feel", "feels", "felt", "super", "sooo", "too", "game",
               "gaming", "cheese", "pizza", "swimming", "swim", "rowing", "golf", "tennis",
               "paddle", "brush", "master", "genius", "winning", "key"}
# "a book on diabetes", "a talk on cancer": the topic, not anyone's condition.
_TOPICS = {"book", "books", "article", "articles", "talk", "talks", "documentary", "podcast",
           "podcasts", "info", "information", "research", "lecture", "course", "seminar",
           "study", "studies", "paper", "papers", "video", "videos", "show", "report",
           "news", "facts", "webinar", "class", "essay", "episode", "film", "movie"}
# A question about a condition in general: "can I get diabetes from sugar?"
_HYPOTHETICAL = {"if", "whether", "unless", "get", "catch", "cause", "causes", "caused",
                 "causing", "prevent", "prevents", "avoid", "treat", "cure", "develop",
                 "risk", "risks", "symptoms", "signs", "chance", "chances", "contagious",
                 "spread", "about"}
_QUESTION_OPENERS = {"can", "could", "does", "do", "is", "are", "will", "would", "should",
                     "what", "how", "why", "when", "which", "who", "where", "what's", "how's",
                     "might", "may", "tell", "explain"}
# Everyday complaints: not health data even after "suffering from".
EVERYDAY = {"headache", "headaches", "cold", "colds", "a", "the", "cough", "hangover",
            "tired", "tiredness", "jet", "lag", "sunburn", "hiccups", "stress", "sore",
            "runny", "stuffy", "sniffles", "bit", "little", "boredom", "heat", "nerves",
            "traffic", "flu", "fever", "rash", "bruise", "cut",
            "toothache", "cramp", "cramps", "stitch", "blister", "nosebleed", "indigestion",
            "heartburn", "hay", "some", "mild", "slight", "stiff", "aching",
            "writer's", "block", "fomo", "lack", "work", "it", "this", "that", "them",
            "mondays", "mornings", "exercise", "cleaning", "people", "homework", "chores",
            "you", "me", "him", "her", "us", "hard", "too", "much"}
_LEADS = {("diagnosed", "with"), ("diagnosed", "as"), ("suffers", "from"),
          ("suffering", "from"), ("suffered", "from"), ("suffer", "from"),
          ("treated", "for"), ("treatment", "for"), ("positive", "for"), ("allergic", "to"),
          ("allergy", "to"), ("allergies", "to"), ("intolerant", "to"), ("recovering", "from"),
          ("living", "with"), ("battling", "with"), ("struggling", "with"),
          ("medication", "for"), ("meds", "for"), ("tablets", "for"), ("pills", "for")}
_LEAD_STOP = {"last", "yesterday", "today", "tonight", "this", "in", "at", "when", "and", "but",
              "so", "after", "before", "since", "by", "two", "three", "recently", "years",
              "months", "weeks", "ago", "for", "which", "that", "who", "because", "please",
              "is", "was", "are", "were", "has", "had", "the", "my", "his", "her", "remind", "can",
              "could", "should", "will", "now", "again", "too", "as",
              "though", "or", "to", "every", "each", "daily"}
BODY_PARTS = {"arm", "leg", "wrist", "ankle", "hip", "collarbone", "nose", "finger", "toe",
              "rib", "ribs", "back", "neck", "jaw", "elbow", "knee", "shoulder", "foot",
              "hand", "pelvis", "skull", "spine", "acl", "meniscus", "ligament", "tendon",
              "achilles", "thumb", "kneecap", "shin", "femur", "tibia"}
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


def find_health(text: str, toks: tuple[Token, ...]) -> list[Span]:
    if not _someone(toks):
        return []
    question = "?" in text or (bool(toks) and toks[0].low in _QUESTION_OPENERS)
    terms = health_terms()
    found: list[Span] = []
    n = len(toks)
    i = 0
    while i < n:
        t = toks[i]
        hit = _term_at(toks, i, terms) or _lead_at(toks, i) or _drug_at(toks, i)
        if hit is None:
            i += 1
            continue
        first, last = hit
        if _personal(toks, first, question):
            first, last = _widen(toks, first, last)
            found.append(Span(toks[first].start, toks[last].end, "health"))
        i = max(last, i) + 1 if t.low not in {"diagnosed", "allergic"} else i + 1
    return found


def _someone(toks: tuple[Token, ...]) -> bool:
    """Someone is in the sentence: a person word, or a capitalised given name."""
    first = gazetteer()[0]
    return any(_bare(t.low) in PERSON_WORDS or (t.cap and _bare(t.low) in first) for t in toks)


def _bare(low: str) -> str:
    """"grandma's" -> "grandma"."""
    return low[:-2] if low.endswith(("'s", "’s")) else low


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
        if k == 1 and low in _ACRONYMS and not t.text.isupper():
            continue
        last = i + k - 1
        after = toks[last + 2].low if last + 2 < len(toks) and toks[last + 1].text == "-" \
            else (toks[last + 1].low if last + 1 < len(toks) else "")
        if after in _NOT_AFTER or (low == "stroke" and after == "of"):
            return None  # "lithium battery", "chickenpox-themed", "a stroke of luck"
        if any(x.low in {"giving", "give", "gives", "gave"} for x in toks[max(0, i - 4):i]):
            return None  # "this traffic is giving me a heart attack"
        before = toks[i - 2].low if i > 1 and toks[i - 1].text == "-" else (
            toks[i - 1].low if i > 0 else "")
        if before in {"non", "anti"} or before in _NOT_BEFORE:
            return None  # "non-alcoholic", "my coffee addiction"
        if k == 1 and low in {"transplant", "stroke", "add"} and i > 0 \
                and toks[i - 1].low in {"to", "will", "can", "please"}:
            return None  # the verb: "transplant the tomatoes", "stroke the cat"
        if low == "cancer" and t.cap and i > 0 and toks[i - 1].low == "a":
            return None  # a star sign: "I'm a Cancer"
        if words[0] in WEAK_TERMS and k == 1 and not _asserted(toks, i):
            return None
        return i, last
    return None


def _asserted(toks: tuple[Token, ...], i: int) -> bool:
    """A weak term follows a word that says someone has it ("he's blind", "had surgery")."""
    for j in range(i - 1, max(-1, i - 4), -1):
        low = toks[j].low
        if low in _ASSERTING:
            return True
        if low not in {"a", "an", "the", "some", "very", "really", "bad", "serious", "major",
                       "minor", "recent", "big", "his", "her", "my", "their", "your", "our"} \
                and low not in ORGANS:
            return False  # "an ear infection" is asserted by the "have" before it
    return False


def _lead_at(toks: tuple[Token, ...], i: int) -> tuple[int, int] | None:
    """"diagnosed with X", "suffers from X", "allergic to X": X, up to 5 words; "broke his
    arm"."""
    if toks[i].low in {"broke", "fractured", "dislocated", "tore"} and i + 2 < len(toks) \
            and toks[i + 1].low in {"my", "his", "her", "their", "your", "our", "a"} \
            and toks[i + 2].low in BODY_PARTS:
        return i, i + 2
    if i + 1 >= len(toks) or (toks[i].low, toks[i + 1].low) not in _LEADS:
        return None
    j = i + 2
    while j < len(toks) and j - i < 9 and toks[j].word and (
            toks[j].low not in _LEAD_STOP or _and_another(toks, j)):
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
        and toks[j + 1].low not in _LEAD_STOP and toks[j + 1].low not in PERSON_WORDS \
        and toks[j + 1].low not in {"it", "you", "need", "needs", "can", "so", "then"}


def _drug_at(toks: tuple[Token, ...], i: int) -> tuple[int, int] | None:
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


def _personal(toks: tuple[Token, ...], i: int, question: bool) -> bool:
    """The term at token i is said of a person, not a pet, nobody in particular, or a
    hypothetical someone in a question."""
    for j in range(i - 1, -1, -1):
        low = toks[j].low
        if _bare(low) in _NOT_A_PERSON:
            return False
        if _bare(low) in PERSON_WORDS or toks[j].text in {".", ";"}:
            break
    if question and any(x.low in _HYPOTHETICAL for x in toks[max(0, i - 4):i]):
        return False
    for j in range(i + 1, min(len(toks), i + 6)):  # "buy insulin for the cat"
        if toks[j].low == "for" and any(_bare(x.low) in _NOT_A_PERSON - _GENERIC
                                        for x in toks[j + 1:j + 3]):
            return False
    # "a book about Alzheimer's": the topic, not anyone's condition
    if i > 0 and toks[i - 1].low in {"about", "regarding"}:
        return False
    return not (i > 1 and toks[i - 1].low == "on" and toks[i - 2].low in _TOPICS)


def _widen(toks: tuple[Token, ...], first: int, last: int) -> tuple[int, int]:
    """The term with its organ, stage and type before it and "disease" / "B" after it."""
    while first > 0:
        prev = toks[first - 1]
        if prev.text == "-" and first > 1 and toks[first - 2].word \
                and toks[first - 2].end == prev.start and prev.end == toks[first].start:
            first -= 2  # "open-heart surgery", "non-Hodgkin's lymphoma"
        elif prev.low in ORGANS or prev.low in _MODIFIERS or prev.low.endswith("-onset"):
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
        if nxt.low in _AFTER and nxt.low not in {"type"}:
            last += 1
        elif nxt.low == "type" and last + 2 < n and toks[last + 2].text.isdecimal():
            last += 2
        elif nxt.text.isdecimal() and toks[last].low in {"type", "stage"}:
            last += 1
        else:
            break
    return first, last
