"""A secret's value said after a comma, in apposition to the words that name it.

"note the password for the router, capital T r o u t nine nine exclamation mark",
"security answer for my phone company, chocolate labrador", "write down the pass phrase,
tangerine lighthouse forty seven", "wifi password, all lower case, blueberrymuffin",
"first pet's name, that's the security answer, Pickles".

The secret's noun phrase (with a "for / to / of ..." saying which) must open its clause or
follow a verb that records or hands it over ("note", "write down", "save", "here's",
"that's"), so "I forgot the wifi password, can you reset it" says none. How it is written
may come between ("all lower case,"). What follows the comma must be a value: a number,
letters and digits mixed, a spelling or a sequence of moves (secret_values), or one to four
plain words that end the text, none of them a pronoun, a function word or a word that
starts a new clause ("..., please", "..., where is it", "..., I reset it yesterday").
credentials.py calls this for a secret word with no value after a copula.
"""

from __future__ import annotations

import re

from edge.privacy.secret_sequences import sequence_end
from edge.privacy.secret_values import (
    CASE_WORDS,
    DESCRIBED,
    HESITATIONS,
    looks_like_value,
    spelled,
    value_end,
    value_start,
)
from edge.privacy.secret_words import (
    CLAUSE_END,
    COPULAS,
    DETERMINERS,
    NOT_VALUE,
    SECRET_QUALIFIERS,
    STATES,
)
from edge.privacy.spans import Span
from edge.privacy.text import NumberRun, Token

# Before the noun phrase: a verb that records or hands over the secret.
_RECORDING = {"note", "jot", "write", "down", "save", "remember", "store", "keep", "add",
              "record", "log", "here's", "heres", "that's", "thats", "it's", "it’s",
              "that’s", "here’s", "new", "send", "text", "tell", "give"}
_BOUNDARIES = {".", "!", "?", ";", ":", ",", "-", '"', "“"}
# Between the secret word and the comma: which secret ("for the router", "on the tv").
_WHICH = {"for", "to", "of", "on", "at", "in", "with", "from"}
_PHRASE_LONGEST = 7  # tokens of that phrase
# After the comma, how the value is written: "all lower case,", "no spaces,".
_HOW_WRITTEN = re.compile(r"(?:(?:all|in|with|and)\s+)*(?:lower\s?case|upper\s?case|caps|"
                          r"capitals|small\s+letters|no\s+spaces|one\s+word|case[- ]sensitive)"
                          r"(?:\s+(?:letters|and\s+no\s+spaces|no\s+spaces))*\s*,\s*",
                          re.IGNORECASE)
_MOST_WORDS = 4
# Words that end a request or address someone, never a value after a comma.
_NOT_ANSWERS = {"please", "later", "again", "thanks", "thank", "quickly", "now", "today",
                "tomorrow", "tonight", "yesterday", "asap", "mum", "mom", "dad", "love",
                "babe", "honey", "dear", "guys", "everyone", "sorry", "yes", "yeah", "lol",
                "though", "anyway", "sometimes", "done", "here", "there", "first", "maybe",
                "perhaps", "thx", "pls", "plz", "cheers", "anyone", "everybody"}


def apposition(text: str, toks: tuple[Token, ...], i: int, runs: dict[int, NumberRun]
               ) -> Span | None:
    """The value after the comma that follows the secret word at i (and which secret)."""
    if not _fronted(toks, i) or "?" in text:
        return None
    comma = _comma_after(toks, i)
    if comma is None or comma + 1 >= len(toks):
        return None
    start = toks[comma + 1].start
    how = _HOW_WRITTEN.match(text, start)
    k = comma + 1
    if how is not None:
        k = next((m for m in range(k, len(toks)) if toks[m].start >= how.end()), len(toks))
    k = value_start(toks, k, lead=True)
    if k >= len(toks):
        return None
    if looks_like_value(text, toks, k, runs) or sequence_end(text, toks, k, runs) is not None \
            or _spelling(text, toks[k].start):
        end = value_end(text, toks, k, runs)
        return None if end is None else Span(toks[k].start, end, "secret")
    end = _plain_words_end(text, toks[k].start)
    return None if end is None else Span(toks[k].start, end, "secret")


def _fronted(toks: tuple[Token, ...], i: int) -> bool:
    """The noun phrase of the secret word at i opens its clause or follows a recording
    verb: back over qualifiers and possessives, or any words up to a determiner."""
    j = i - 1
    while j >= 0 and i - j <= 5:
        t = toks[j]
        if t.text in _BOUNDARIES or t.low in _RECORDING or (
                t.low == "is" and j > 0 and toks[j - 1].low in {"here", "this"}):
            return True
        if t.low in DETERMINERS - {"new"}:
            j -= 1
            continue
        if not t.word or not (t.low in SECRET_QUALIFIERS or t.low.endswith(("'s", "’s"))
                              or _determiner_before(toks, j, i)):
            return False
        j -= 1
    return j < 0


def _determiner_before(toks: tuple[Token, ...], j: int, i: int) -> bool:
    """A determiner opens the noun phrase before token j ("my spotify password")."""
    return any(toks[m].low in DETERMINERS for m in range(max(0, i - 5), j))


def _comma_after(toks: tuple[Token, ...], i: int) -> int | None:
    """Index of the comma after the secret word, past a phrase that says which secret."""
    m = i + 1
    if m < len(toks) and toks[m].text == ",":
        return m
    if m >= len(toks) or toks[m].low not in _WHICH:
        return None
    for k in range(m + 1, min(len(toks), m + _PHRASE_LONGEST + 1)):
        if toks[k].text == ",":
            return k if k > m + 1 else None
        if toks[k].low in COPULAS or not (toks[k].word or toks[k].text in {"'", "’", "-"}):
            return None
    return None


def _spelling(text: str, start: int) -> bool:
    """A spelling that opens with its case: "capital T r o u t nine nine"."""
    pieces = text[start:].split()[:4]
    return len(pieces) == 4 and pieces[0].lower() in CASE_WORDS and all(
        spelled(p.rstrip(",")) for p in pieces)


def _plain_words_end(text: str, start: int) -> int | None:
    """End of one to four plain words that run to the end of the text."""
    rest = DESCRIBED.sub("", text[start:].rstrip().rstrip(".!"))  # "..., sunshine all
    # one word"
    words = rest.split()
    if not 1 <= len(words) <= _MOST_WORDS:
        return None
    stop = NOT_VALUE | _NOT_ANSWERS | HESITATIONS | CLAUSE_END
    for n, word in enumerate(words):
        low = word.lower()
        if not word.replace("-", "").isalpha() or low in stop or (n == 0 and low in STATES):
            return None
    return start + len(rest)
