"""Secrets: the value said with a password, PIN, passcode, door code, CVV ...

Personal only in context: the value after "is", "'s", ":", "it's", "to" (after "set" or
"change"), or with nothing between when the value looks like one ("passcode 660231",
"wifi password sunflower22"), or before "is my PIN" ("4421 is my PIN"); up to the end of
the clause. "my password is too weak", "I forgot my password" and "the password field is
empty" say none.
"""

from __future__ import annotations

from edge.privacy.numbers import QUANTITY_WORDS
from edge.privacy.spans import Span
from edge.privacy.text import NumberRun, Token, number_runs

SECRET_WORDS = {"password", "passwords", "passcode", "passphrase", "pin", "cvv", "cvc", "cvv2",
                "csc", "combination", "combo", "passkey", "puk", "password's", "passcode's",
                "pin's", "combination's", "passwd", "pw",
                # German, Spanish, French, Portuguese, Dutch, Swedish, Finnish, Polish
                "passwort", "kennwort", "contrasena", "clave", "senha", "wachtwoord",
                "losenord", "salasana", "haslo"}
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
            "be", "'s", "becomes", "now", "-",
            "ist", "lautet", "es", "est", "e", "er", "ar", "jest"}  # "das Passwort ist"
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
            else:
                found.extend(_number_later(toks, i, runs))
    return found


def _number_later(toks: tuple[Token, ...], i: int, runs: dict[int, NumberRun]) -> list[Span]:
    """"my pin's the same as always, zero zero seven nine": no value after the copula, but
    a number of 4 to 8 digits after a comma later in the sentence is the secret."""
    for j in range(i + 1, min(len(toks), i + 12)):
        if toks[j].text in {".", "?", "!", "["}:
            break
        run = runs.get(j + 1)
        if toks[j].text == "," and run is not None and 4 <= len(run.digits) <= 8 and (
                run.last + 1 >= len(toks) or toks[run.last + 1].low not in _LENGTH_WORDS):
            return [Span(toks[j + 1].start, toks[run.last].end, "secret")]
    return []


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
            last = _last_word(text, stop + 1) if words == 1 and bare.lower() == "and" else ""
            if last:
                end = stop + 1 + len(last)  # "pancakes and syrup": a passphrase to the end
            break
        end = at + len(bare)
        words += 1
        if bare != chunk:  # the clause ends with this chunk
            break
        at = stop + 1
    return end if end > start else None


def _last_word(text: str, at: int) -> str:
    """The one word from `at` to the end of the text (a final mark aside), or ""."""
    rest = text[at:].rstrip(".!?").strip()
    return rest if rest.isalpha() and rest.lower() not in _NOT_VALUE else ""


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
