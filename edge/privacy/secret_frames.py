"""Secrets said by what they do, or by whose code they are, rather than by a secret word.

- A value used on a lock: "the babysitter can use 6161 to turn off the alarm", "enter 4471
  to open the side gate", "punch in 8 8 2 0 to get into the building", "5522 turns off the
  alarm". The verb that keys it in and the lock it works say it is a code; a number used
  for anything else ("use 50 to turn off the lights", "press 9 to open the menu") is not.
- A code named by the place it opens: "the car park code is 2209", "our bin store code is
  4418", "the lift code". Any noun before "code" says which code, unless the noun names a
  code that is no secret: a postcode, an error, a discount, a product (NOT_SECRET_CODES).
- The answer to a security question, said after it: "my mum's maiden name for the security
  question is Okafor" ("the security question was my first pet's name" says none).
credentials.py calls these.
"""

from __future__ import annotations

from edge.privacy.secret_values import value_end, value_start
from edge.privacy.secret_words import DETERMINERS, LENGTH_WORDS, OPEN_VERBS
from edge.privacy.spans import Span
from edge.privacy.text import NumberRun, Token

# Codes that are not secrets: where a letter goes, what went wrong, what is sold, what it
# costs, who it is ("the zip code is 94110", "the error code is E04", "the promo code is
# SAVE20", "the product code is 88213", "the sort code is 20-45-77").
NOT_SECRET_CODES = {
    "zip", "post", "postal", "postcode", "area", "country", "dialling", "dialing", "dial",
    "calling", "sort", "routing", "swift", "bic", "iban", "branch", "tax", "vat", "error",
    "fault", "status", "warning", "diagnostic", "trouble", "http", "exit", "return",
    "promo", "promotional", "discount", "voucher", "coupon", "referral", "gift", "offer",
    "sale", "redemption", "reward", "rewards", "loyalty", "membership", "product", "model",
    "part", "item", "sku", "serial", "barcode", "bar", "qr", "colour", "color", "hex",
    "dress", "source", "morse", "cheat", "course", "class", "module", "exam", "subject",
    "programme", "program", "flight", "airport", "airline", "iata", "icao", "station",
    "tracking", "reference", "booking", "order", "invoice", "customer", "account",
    "shipping", "delivery", "parcel", "postage", "region", "language", "currency", "iso",
    "zone", "seat", "gate's", "building's", "dress's", "ticket", "food", "menu",
    "medical", "diagnosis", "billing", "insurance", "policy", "plan", "job", "project",
    "cost", "budget", "department", "room", "table", "tv", "remote", "channel", "radio",
    "thermostat", "boiler", "heating", "firmware", "software", "app", "game", "bonus",
    "friend", "invite", "invitation", "join", "meeting", "zoom", "class's", "group",
    "pairing", "bluetooth", "short", "ussd", "emoji", "unicode", "ascii", "ean", "upc",
    "isbn", "nhs", "ward", "clinic", "vehicle", "engine", "obd", "paint", "batch", "lot"}
# Words that may stand between a determiner and "code" and name the place it opens.
_NOT_PLACE = {"new", "old", "current", "same", "other", "right", "wrong", "that", "this",
              "secret", "last", "first", "next", "usual", "temporary", "default", "one",
              "two", "three", "four", "five", "six", "seven", "eight", "digit"}


def code_of_a_place(toks: tuple[Token, ...], i: int) -> bool:
    """Token i ("code") follows a determiner, at most two nouns after it ("the code", "the
    car park code", "our bin store code"), none of them a code that is no secret."""
    if i == 0:
        return False
    if toks[i - 1].low in DETERMINERS:
        return True
    for k in (i - 1, i - 2):
        if k < 1 or not toks[k].word or toks[k].low in NOT_SECRET_CODES \
                or toks[k].low in _NOT_PLACE:
            return False
        if toks[k - 1].low in DETERMINERS:
            return True
    return False


def unsecret_code(toks: tuple[Token, ...], i: int) -> bool:
    """Token i ("code") is a code that is no secret: "zip code", "product code"."""
    return i > 0 and toks[i - 1].low in NOT_SECRET_CODES


def on_the_back(toks: tuple[Token, ...], i: int) -> bool:
    """"the code on the back (of the card) is 033": a card's security code."""
    return any(t.low in {"back", "card", "card's"} for t in toks[i + 1:i + 7])


# Verbs that key a value in ("use 6161", "punch in 8 8 2 0"), and what they open.
_KEY_VERBS = {"use", "enter", "type", "punch", "key", "tap", "dial", "press", "try", "input",
              "put"}
_ACTIONS = OPEN_VERBS | {"turn", "switch", "disarm", "deactivate", "silence", "stop", "get",
                         "let", "access", "arm", "reset", "release", "override", "unlocks",
                         "turns", "switches", "gets", "lets", "opens", "open", "unlock",
                         "disarms", "deactivates", "silences", "stops", "releases"}
LOCKED = {"alarm", "door", "gate", "garage", "lock", "padlock", "safe", "lockbox", "keybox",
          "keysafe", "keypad", "building", "flat", "apartment", "house", "shed", "locker",
          "box", "entrance", "entry", "barrier", "intercom", "buzzer", "vault", "cabinet",
          "front", "back", "side", "main", "in", "inside", "system", "panel", "doors",
          "gates", "lobby", "porch", "garden", "car", "park", "lift", "elevator", "cupboard",
          "storage", "unit", "bins", "store", "yourself", "themselves", "herself",
          "himself", "phone", "laptop", "ipad", "tablet", "computer"}
_TO = {"to", "and", "for"}
# What a code is keyed into: "enter 2580 on the keypad by the door".
_KEYPADS = {"keypad", "keypads", "panel", "pad", "lock", "lockbox", "keysafe", "keybox",
            "safe", "intercom", "buzzer", "door", "gate", "alarm", "padlock"}


def operated(toks: tuple[Token, ...], runs: dict[int, NumberRun]) -> list[Span]:
    """Numbers of 3 to 8 digits keyed in to work a lock ("use 6161 to turn off the
    alarm") or said to work one ("5522 turns off the alarm")."""
    found: list[Span] = []
    n = len(toks)
    for run in runs.values():
        if not 3 <= len(run.digits) <= 8:
            continue
        after = run.last + 1
        if after < n and toks[after].low in LENGTH_WORDS:
            continue
        before = run.first - 1
        if before >= 0 and toks[before].low == "in" and before > 0:
            before -= 1  # "punch in", "key in", "type in"
        keyed = before >= 0 and toks[before].low in _KEY_VERBS
        k = after
        if keyed and k < n and toks[k].low in {"on", "into", "in", "at"} and any(
                t.low in _KEYPADS for t in toks[k + 1:k + 5]):
            found.append(Span(toks[run.first].start, toks[run.last].end, "secret"))
            continue  # "enter 2580 on the keypad", "type 1 9 7 3 into the alarm panel"
        if keyed and k < n and toks[k].low in _TO:
            k += 1
        elif keyed or not (k < n and toks[k].low in _ACTIONS and toks[k].low.endswith("s")):
            continue  # keyed in and then "to ...", or the number's own verb: "5522 opens"
        if _works_a_lock(toks, k):
            found.append(Span(toks[run.first].start, toks[run.last].end, "secret"))
    return found


def _works_a_lock(toks: tuple[Token, ...], k: int) -> bool:
    """From token k: an action on a lock, "turn off the alarm", "open the side gate", "get
    into the building", "let yourself in"."""
    if k >= len(toks) or toks[k].low not in _ACTIONS:
        return False
    for m in range(k + 1, min(len(toks), k + 5)):
        low = toks[m].low
        if low in LOCKED:
            return True
        if low not in {"off", "on", "the", "my", "our", "your", "their", "into", "to", "up",
                       "a", "his", "its", "through", "past", "out"}:
            return False
    return False


_ASKED = {"security", "secret", "memorable"}
# What a security question asks about, said instead of "security" ("the first school
# question", "the city where I was born question", "the mother's maiden name question").
_TOPICS = {"maiden", "pet", "pet's", "pets", "born", "birthplace", "hometown", "nickname",
           "childhood", "mascot", "teacher", "teacher's", "school"}
_ORDINALS = {"first", "favourite", "favorite", "oldest", "eldest", "best"}
# After the question, what says the answer follows ("... question is X", "... I put X").
_ANSWER_VERBS = {"used", "put", "said", "gave", "chose", "picked", "wrote", "entered",
                 "typed", "use", "say"}
_QUESTION_SPAN = 10  # tokens from the question to its answer's cue


def security_answer(text: str, toks: tuple[Token, ...], runs: dict[int, NumberRun]
                    ) -> list[Span]:
    """The value after the copula (or "I put", "my answer is") that follows a security
    question, however it is named."""
    n = len(toks)
    for q in range(1, n):
        if toks[q].low not in {"question", "questions"} or not _a_security_question(toks, q):
            continue
        first = q + 1
        if first < n and toks[first].text == ",":  # "question, city i was born in, is X":
            first = next((m + 1 for m in range(q + 2, min(n - 1, q + _QUESTION_SPAN))
                          if toks[m].text == "," and toks[m + 1].low in {"is", "was", "'s"}),
                         first)  # the copula inside the aside that names it is not the cue
        for j in range(first, min(n, q + _QUESTION_SPAN)):
            cue = toks[j].low in {"is", "was", "'s", ":"} or (
                toks[j].low in _ANSWER_VERBS and toks[j - 1].low in {"i", "we"})
            if cue:
                k = value_start(toks, j + 1)
                end = value_end(text, toks, k, runs)
                if end is None or not (toks[q - 1].low in _ASKED or _answered(toks, q, j)
                                       or toks[k].cap or toks[k].text.isdecimal()):
                    return []  # "the first pet question is too personal"
                return [Span(toks[k].start, end, "secret")]
            if toks[j].text in {".", "?", "!"}:
                break
    return []


def _answered(toks: tuple[Token, ...], q: int, j: int) -> bool:
    """"the answer to the ... question is", "... question I put": an answer is said."""
    return toks[j].low in _ANSWER_VERBS or any(
        t.low in {"answer", "answers"} for t in toks[max(0, q - 9):j])


def _a_security_question(toks: tuple[Token, ...], q: int) -> bool:
    """"security question", or a question named by its topic within the few words before it
    ("the first school question"; not "the first question", "question five")."""
    if toks[q - 1].low in _ASKED:
        return True
    if not toks[q - 1].word or toks[q - 1].low in _ORDINALS | DETERMINERS:
        return False
    words = [t.low for t in toks[max(0, q - 7):q]]
    return any(w in _TOPICS for w in words) or any(
        w in _ORDINALS for w in words[:-1])


# What a card's security code is called by where it is: "the three digits on the back".
_PRINTED = {"digits", "numbers", "number", "digit"}


def back_digits(toks: tuple[Token, ...], runs: dict[int, NumberRun]) -> list[Span]:
    """"the three digits on the back are 661", "the 3 numbers on the back of my card: 409":
    a card's security code named by its place, then 3 or 4 digits after a copula."""
    n = len(toks)
    for k in range(n - 3):
        if not (toks[k].low in _PRINTED and toks[k + 1].low == "on"
                and toks[k + 2].low in {"the", "its"} and toks[k + 3].low == "back"):
            continue
        if k + 4 < n and toks[k + 4].low == "of" and not any(
                t.low in {"card", "card's", "visa", "mastercard", "amex"}
                for t in toks[k + 5:k + 8]):
            continue  # "the number on the back of the receipt"
        for j in range(k + 4, min(n - 1, k + 10)):
            if toks[j].low in {"is", "are", "'s", ":", "were"}:
                run = runs.get(value_start(toks, j + 1))
                if run is not None and 3 <= len(run.digits) <= 4:
                    return [Span(toks[run.first].start, toks[run.last].end, "secret")]
                break
    return []
