"""Secrets: the value said with a password, PIN, passcode, door code, CVV ...

Personal only in context: the value after "is", "'s", ":", "it's", "to" (after "set" or
"change"), or with nothing between when the value looks like one ("passcode 660231",
"wifi password sunflower22"), or before "is my PIN" ("4421 is my PIN") or "for the gate"
("it's 4471 for the side gate"); up to the end of the clause. A lock said with a number
("the padlock on the shed is 0 0 4 7", "the key safe opens with 0519") is one too. "my
password is too weak", "I forgot my password" and "the password field is empty" say none.
The words are secret_words.py's, the value's shapes secret_values.py's; a value said by
what it opens ("use 6161 to turn off the alarm", "the car park code is 2209") and a
security question's answer are secret_frames.py's.
"""

from __future__ import annotations

import re

from edge.privacy.secret_appositions import apposition
from edge.privacy.secret_frames import (
    back_digits,
    code_of_a_place,
    on_the_back,
    operated,
    security_answer,
    unsecret_code,
)
from edge.privacy.secret_sequences import sequence_before, sequence_end
from edge.privacy.secret_topics import topic_answer
from edge.privacy.secret_values import looks_like_value, value_end, value_start
from edge.privacy.secret_words import (
    CLAUSE_END,
    CODE_PREPOSITIONS,
    CODE_WORDS,
    COPULAS,
    DETERMINERS,
    KEY_LEADS,
    LENGTH_WORDS,
    LOCK_NOUNS,
    NOT_SECRET_NOUNS,
    NUMBER_QUALIFIERS,
    OPEN_VERBS,
    OPENED_NOUNS,
    PHRASE_QUALIFIERS,
    QUALIFIED,
    SECRET_QUALIFIERS,
    SECRET_WORDS,
    SET_COPULAS,
    SET_VERBS,
)
from edge.privacy.spans import Span
from edge.privacy.text import POSSESSIVES, NumberRun, Token, number_runs

NEAR_GAP, MAX_GAP = 6, 10  # tokens between the secret word and its copula: a few always
# ("my CVV? it's 714", "the code for Mrs. Ade's flat is"), more within one sentence ("the
# code on the back of my card is 709"); never past a placeholder
_SENTENCE_MARKS = {".", "?", "!", ";"}
_BEFORE_VERBS = {"it's", "it’s", "use", "enter", "type", "punch", "try", "press", "key"}
# After a lock's noun these say which lock it is: "the locker number is 118".
_WHICH_LOCK = {"number", "no", "id", "size", "location", "key", "keys", "room", "area"}
_ANSWERED = {"security", "secret", "memorable"}
# A copula after these is their own clause's: "for what it's worth", "the answer, city i
# was born in, is Kumasi", "the password i was given is ..."
_OWN_SUBJECTS = {"what", "i", "we", "you", "he", "she", "they"}
# Locks that are numbered too: "is" and a number says which one, "opens with" how.
_NUMBERED_LOCKS = {"locker", "lockers", "locker's"}
_LOCK_ADJECTIVES = {"side", "main", "garden", "back", "front", "top", "bottom", "little",
                    "default", "usual", "temporary", "spare"}


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
        if word in NETWORK_WORDS or (word == "fi" and i > 1 and toks[i - 1].text == "-"
                                     and toks[i - 2].low == "wi"):
            found.extend(_network_key(text, toks, i, runs, own_copula))
            continue
        if not _secret_word(toks, i, word):
            if word in {"login", "logon", "log-in", "sign-in"}:  # "Hunter2024 for the
                before = _value_before(text, toks, i, runs, ends)  # laptop login": a value only
                found.extend([] if before is None else [before])  # before it
                continue
            if (word in CODE_WORDS and code_of_a_place(toks, i)) \
                    or word in LOCK_NOUNS or word in OPENED_NOUNS:
                spans = _lock_number(text, toks, i, runs, own_copula)
                before = None if spans else _value_before(text, toks, i, runs, ends, lock=True)
                found.extend(spans if before is None else [before])
            continue
        if i + 1 < n and toks[i + 1].low in NOT_SECRET_NOUNS:
            continue
        # "passcode 660231", "wifi password sunflower22", "my PIN, 4419": a value with
        # nothing (or a comma) between
        k = i + 2 if i + 2 < n and toks[i + 1].text in {",", "-"} else i + 1
        if not own_copula and k < n and looks_like_value(text, toks, k, runs):
            k = value_start(toks, k)
            end = value_end(text, toks, k, runs)
            if end is not None:
                found.append(Span(toks[k].start, end, "secret"))
                continue
        # "the PIN for my card is 6601", "my pin, it's 4 4 1 9": a short gap, then a
        # copula; the first copula that a value follows
        setting = any(x.low in SET_VERBS for x in toks[max(0, i - 6):i])
        starts = [i + 1] if own_copula else [
            j + 1 for j in _gap(toks, i)
            if (toks[j].low in COPULAS and toks[j - 1].low not in _OWN_SUBJECTS)
            or _set_to(toks, j, setting) or _opens_with(toks, j)]
        hit = False
        for j in starts:
            k = _past_setting(toks, j)
            if (k != j or (not setting and toks[j - 1].low in SET_COPULAS)) \
                    and not looks_like_value(text, toks, k, runs):
                continue  # "the door code is set to expire"
            j = value_start(toks, k, lead=True)
            end = value_end(text, toks, j, runs)
            if end is not None:
                found.append(Span(toks[j].start, end, "secret"))
                hit = True
                break
        if not hit:
            before = _value_before(text, toks, i, runs, ends) or apposition(text, toks, i, runs)
            if before is not None:
                found.append(before)  # "4421 is my PIN", "the pin for the garage, 8814"
            else:
                found.extend(_number_later(toks, i, runs))
    return found + operated(toks, runs) + security_answer(text, toks, runs) \
        + topic_answer(text, toks, runs) \
        + back_digits(toks, runs)


def _gap(toks: tuple[Token, ...], i: int) -> range:
    """Tokens after the secret word where its copula may be (NEAR_GAP, MAX_GAP)."""
    stop = min(len(toks), i + MAX_GAP)
    for j in range(i + 1, stop):
        if toks[j].text == "[" or (j > i + NEAR_GAP and toks[j].text in _SENTENCE_MARKS):
            return range(i + 1, j)
        if toks[j].text in _SENTENCE_MARKS:
            stop = min(stop, i + NEAR_GAP + 1)
    return range(i + 1, stop)


def _set_to(toks: tuple[Token, ...], j: int, setting: bool) -> bool:
    """Token j is the "to" of "set to" / "changed to" (or any "to", "as" after a setting
    verb before the secret word: "set the code to 5580")."""
    return toks[j].low in SET_COPULAS and (setting or (j > 0 and toks[j - 1].low in SET_VERBS))


def _past_setting(toks: tuple[Token, ...], j: int) -> int:
    """"the safe is set to 9 1 3 5", "the code's been changed to ...": the value after the
    setting verb that follows the copula."""
    k = j + (j < len(toks) and toks[j].low in {"been", "now", "just"})
    if k + 1 < len(toks) and toks[k].low in SET_VERBS and toks[k + 1].low in SET_COPULAS:
        return k + 2
    return j


def _opens_with(toks: tuple[Token, ...], j: int) -> bool:
    """Token j is the "with" of "opens with" / "unlocks with"."""
    return toks[j].low == "with" and j > 0 and toks[j - 1].low in OPEN_VERBS


def _digits_at(toks: tuple[Token, ...], j: int, runs: dict[int, NumberRun]) -> Span | None:
    """A number of 3 to 8 digits at token j that is not a length ("4 digits")."""
    run = runs.get(j)
    if run is None or not 3 <= len(run.digits) <= 8 or (
            run.last + 1 < len(toks) and toks[run.last + 1].low in LENGTH_WORDS):
        return None
    return Span(toks[j].start, toks[run.last].end, "secret")


def _number_later(toks: tuple[Token, ...], i: int, runs: dict[int, NumberRun]) -> list[Span]:
    """"my pin's the same as always, zero zero seven nine": no value after the copula, but
    a number of 4 to 8 digits (or 3 said one by one: "the CVV is 3 digits, 8 1 4") after a
    comma later in the sentence is the secret."""
    for j in range(i + 1, min(len(toks), i + 12)):
        if toks[j].text in {".", "?", "!", "["}:
            break
        run = runs.get(j + 1)
        if toks[j].text == "," and run is not None and len(run.digits) <= 8 and (
                len(run.digits) >= 4 or (len(run.digits) == 3 and run.last - run.first == 2)
        ) and (run.last + 1 >= len(toks) or toks[run.last + 1].low not in LENGTH_WORDS):
            key = run.last + 1  # "1 9 8 7 hash": the key that ends it
            last = key if key < len(toks) and toks[key].low in KEY_LEADS and (
                key + 1 >= len(toks) or not toks[key + 1].word) else run.last
            return [Span(toks[j + 1].start, toks[last].end, "secret")]
    return []


# "the wifi is highland cow 88", "wifi at grandma's is GrannyAnnie1948": a network said
# for its key, when what is said has a digit or a capital inside it (not "5G", "down").
NETWORK_WORDS = {"wifi", "wi-fi", "internet"}
_NETWORK_NOUNS = {"name", "network", "ssid", "router", "speed", "signal", "box", "hub",
                  "bill", "provider", "plan", "extender", "booster", "connection"}
_BAND = re.compile(r"\d+(?:\.\d+)?\s*(?:g|ghz|mbps|mb|gb|bars?)", re.IGNORECASE)


def _network_key(text: str, toks: tuple[Token, ...], i: int, runs: dict[int, NumberRun],
                 own_copula: bool) -> list[Span]:
    if i + 1 < len(toks) and toks[i + 1].low in _NETWORK_NOUNS | NOT_SECRET_NOUNS:
        return []  # "the wifi name is ...", "the wifi speed is 80"
    starts = [i + 1] if own_copula else [j + 1 for j in _gap(toks, i)
                                         if toks[j].low in COPULAS and j - i <= 6]
    for j in starts[:1]:
        far = j - i > 5  # "the wifi at the holiday flat is Seaview2019": one chunk only
        j = value_start(toks, j)
        end = value_end(text, toks, j, runs) if j < len(toks) else None
        if end is None:
            return []
        value = text[toks[j].start:end]
        if far and (" " in value or not any(c.isalpha() for c in value)):
            return []
        inner_cap = any(c.isupper() for c in value[1:] if c.isalpha())
        if _BAND.fullmatch(value) or not (any(c.isdigit() for c in value) or (
                inner_cap and " " not in value)):
            return []
        return [Span(toks[j].start, end, "secret")]
    return []


def _lock_number(text: str, toks: tuple[Token, ...], i: int, runs: dict[int, NumberRun],
                 own_copula: bool) -> list[Span]:
    """"the code is 4471", "the padlock on the shed is 0 0 4 7", "the side gate opens with
    4471": a code with no word that says which, or a lock, is a secret only when a number
    of 3 to 8 digits is said (4 to 8 for a bare "code")."""
    word = toks[i].low.removesuffix("'s")
    if i + 1 < len(toks) and toks[i + 1].low in _WHICH_LOCK:
        return []  # "the locker number is 118": which locker, not how it opens
    low_digits = 4 if word in CODE_WORDS and not on_the_back(toks, i) else 3
    starts = [i + 1] if own_copula else [
        j + 1 for j in _gap(toks, i)
        if _opens_with(toks, j) or toks[j].low in COPULAS or _set_to(toks, j, False)
        or toks[j].low in {"takes", "accepts"}]  # "the side door keypad takes 4 4 8 1"
    for j in starts[:1]:
        j = value_start(toks, _past_setting(toks, j))
        moves = sequence_end(text, toks, j, runs)  # "the padlock is left 10 right 4"
        if moves is not None:
            return [Span(toks[j].start, moves, "secret")]
        span, run = _digits_at(toks, j, runs), runs.get(j)
        if span is None and word in CODE_WORDS and j < len(toks):
            return _mixed_code(text, toks[j].start)
        if span is None or run is None or len(run.digits) < low_digits:
            return []
        if word in _NUMBERED_LOCKS and not _opens_with(toks, j - 1) \
                and run.last - run.first < 2:
            return []  # "my locker at work is 219": which locker (not "is 14 28 3")
        if word in OPENED_NOUNS and not _opens_with(toks, j - 1) and (
                run.last - run.first < 2 or len(run.digits) < 4):
            return []  # "the gate is 4 4 7 1": a door "is" digits said one by one only
        return [span]
    return []


def _mixed_code(text: str, start: int) -> list[Span]:
    """"the code for the bin store is c1234x": one chunk of letters and 4 to 8 digits
    (not an error code such as "E04", nor "SAVE20")."""
    stop = text.find(" ", start)
    chunk = text[start:len(text) if stop < 0 else stop].rstrip(".,;:?!")
    digits = sum(c.isdigit() for c in chunk)
    if 4 <= digits <= 8 and chunk.isalnum() and any(c.isalpha() for c in chunk):
        return [Span(start, start + len(chunk), "secret")]
    return []


def _secret_word(toks: tuple[Token, ...], i: int, word: str) -> bool:
    if word in SECRET_WORDS:
        return word != "pw" or toks[i].text.isupper()
    if word == "passe" and i > 1 and toks[i - 1].low == "de" and toks[i - 2].low == "mot":
        return True  # "le mot de passe"
    if word not in QUALIFIED or i == 0 or unsecret_code(toks, i):
        return False  # "the product code", not the product key
    prev = toks[i - 1].low
    if word == "phrase":
        return prev in PHRASE_QUALIFIERS
    if word == "number":  # "my social security number" is an ID (a phone-like number)
        return prev in NUMBER_QUALIFIERS and not (
            prev == "security" and i > 1 and toks[i - 2].low == "social")
    if word in {"answer", "information", "info"}:  # "the answer to my security question"
        return prev in _ANSWERED or any(
            t.low == "question" and toks[k - 1].low in _ANSWERED
            for k, t in enumerate(toks[i + 2:i + 6], i + 2))
    qualifiers = SECRET_QUALIFIERS - {"card", "debit", "credit", "bank", "banking"}
    if prev in qualifiers or (i > 1 and toks[i - 2].low in qualifiers - {"code", "pass"}) or (
            prev == "time" and i > 1 and toks[i - 2].low in {"one", "-"}):
        return True  # "door code", "garage opener code", "one-time code"
    # "the code for the front door", "the combination to the safe", "el código de la
    # puerta"
    for j in range(i + 1, min(len(toks), i + 3)):
        if toks[j].low in CODE_PREPOSITIONS:
            return any(x.low in SECRET_QUALIFIERS - {"code", "pass", "screen", "front", "back",
                                                     "digit", "key", "box"}
                       for x in toks[j + 1:j + 5])
    return False


def _value_before(text: str, toks: tuple[Token, ...], i: int, runs: dict[int, NumberRun],
                  ends: dict[int, NumberRun], lock: bool = False) -> Span | None:
    """"4421 is my PIN", "use 1234 as the door code", "it's 4471 for the side gate": a
    value before the secret word."""
    j = _whose_start(toks, i, lock)
    if j > 1 and toks[j].low in _THATS and toks[j - 1].text == "," and not lock:
        j -= 1  # "try 0000, that's the default pin"
    elif j < 1 or toks[j].low not in ({"for", "on", "to"} if lock else
                                      {"is", "as", "was", "'s", "for", "on", "to"}):
        return None
    k = j - 1
    start = text.rfind(" ", 0, toks[k].end) + 1
    chunk = text[start:toks[k].end]
    if any(c.isdigit() for c in chunk) and any(c.isalpha() for c in chunk):
        return None if lock else Span(start, toks[k].end, "secret")  # "sunflower22 is"
    moves = sequence_before(text, toks, k, runs)  # "left 10, right 22, that's the code"
    if moves is not None and not lock:
        return Span(toks[moves].start, toks[k].end, "secret")
    run = ends.get(k)
    if run is None or len(run.digits) < 3:
        return None
    if toks[j].low in {"for", "on", "to"} and (  # "it's 4471 for the gate", not "at 5"
            len(run.digits) < 4 or run.first == 0
            or toks[run.first - 1].low not in _BEFORE_VERBS
            or (i + 1 < len(toks) and toks[i + 1].word
                and toks[i + 1].low not in CLAUSE_END)):  # "... the garage door repair"
        return None
    return Span(toks[run.first].start, toks[k].end, "secret")


_THATS = {"that's", "that’s", "it's", "it’s", "thats"}


def _whose_start(toks: tuple[Token, ...], i: int, lock: bool) -> int:
    """The token before the words that say which secret the word at i is: "the side gate",
    "my default", "my Amazon", "my work email" (one or two words after a possessive)."""
    j = i - 1
    while j >= 0 and i - j <= 5 and (toks[j].low in DETERMINERS or toks[j].low in
                                     SECRET_QUALIFIERS or toks[j].low in _LOCK_ADJECTIVES):
        j -= 1
    if lock or j < 0 or toks[j].low in COPULAS:
        return j
    for m in (j - 1, j - 2):
        if m < 1 or not toks[m + 1].word or toks[m + 1].low in COPULAS:
            return j
        if toks[m].low in POSSESSIVES:
            return m - 1
    return j
