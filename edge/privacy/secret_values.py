"""What a secret's value looks like once a cue has said where it starts.

A value is a number (digits or spoken, "double four oh seven"), a chunk of letters and
digits ("Tr0ub4dor&3"), a passphrase of a few words, or a spelling: single letters, digit
words and spoken symbols ("capital k k seven four river", "admin dash kestrel dash 42").
Spelled pieces do not count against the passphrase's word limit, since saying one
character takes a word.
"""

from __future__ import annotations

import re

from edge.privacy.secret_sequences import sequence_end
from edge.privacy.secret_words import (
    AFTER_STATE,
    CLAUSE_END,
    FILLERS,
    KEY_LEADS,
    LENGTH_WORDS,
    NOT_VALUE,
    STATES,
)
from edge.privacy.text import DIGIT_WORDS, NUMBER_WORDS, REPEAT_WORDS, NumberRun, Token

MAX_SECRET_WORDS = 4  # ordinary words in a passphrase within a clause
MAX_PHRASE_WORDS = 24  # ... running to the end of the text (a wallet's seed phrase)
MAX_SPELLED = 24  # spelled pieces (letters, digits, symbols) in one value
MIN_SPELLING = 4  # pieces of a spelling that is a value with nothing before it
# Symbols and case said aloud while spelling a value.
SPOKEN_SYMBOLS = {"dash", "hyphen", "underscore", "dot", "period", "hash", "star", "slash",
                  "backslash", "space", "exclamation", "dollar", "ampersand", "plus", "pound",
                  "asterisk", "tilde", "colon", "percent", "caret", "bang"}
CASE_WORDS = {"capital", "capitals", "caps", "uppercase", "lowercase", "upper", "lower",
              "small", "big", "cap", "case"}
_SPELLED_WORDS = SPOKEN_SYMBOLS | CASE_WORDS | NUMBER_WORDS | set(REPEAT_WORDS) | {"o"}


def spelled(chunk: str) -> bool:
    """One piece of a spelling: a letter, digits, a digit word, a spoken symbol or case."""
    low = chunk.lower()
    return (len(low) == 1 and low.isalnum()) or low.isdecimal() or low in _SPELLED_WORDS \
        or low in DIGIT_WORDS


def looks_like_value(text: str, toks: tuple[Token, ...], j: int,
                     runs: dict[int, NumberRun]) -> bool:
    """Token j starts what can only be a secret: 3+ digits, or letters and digits mixed."""
    t = toks[j]
    if t.low in KEY_LEADS and j + 1 < len(toks) and (t.word or toks[j + 1].start == t.end):
        return looks_like_value(text, toks, j + 1, runs)
    run = runs.get(j)
    if run is not None:
        return len(run.digits) >= 3 and _word_after(toks, run.last) not in LENGTH_WORDS
    stop = text.find(" ", t.start)
    chunk = text[t.start:len(text) if stop < 0 else stop].rstrip(".,;:?!")
    if any(c.isdigit() for c in chunk) and any(c.isalpha() for c in chunk):
        return True
    pieces = text[t.start:].split()[:MIN_SPELLING + 4]  # "q w e r t y 1 2 3"
    spelling = _leading_pieces(pieces)
    return len(spelling) >= MIN_SPELLING and len(chunk) == 1 and any(
        c.isdecimal() or c.lower() in DIGIT_WORDS for c in spelling)


def _word_after(toks: tuple[Token, ...], last: int) -> str:
    """The word after a number, apart from it: "4 digits" (but "7G4K" is one chunk)."""
    if last + 1 >= len(toks):
        return ""
    nxt = toks[last + 1]
    stuck = nxt.start == toks[last].end and last + 2 < len(toks) \
        and toks[last + 2].start == nxt.end
    return "" if stuck else nxt.low


def _leading_pieces(chunks: list[str]) -> list[str]:
    out = []
    for chunk in chunks:
        if not spelled(chunk.rstrip(",")):
            break
        out.append(chunk.rstrip(","))
    return out


def value_start(toks: tuple[Token, ...], j: int, lead: bool = False) -> int:
    """Past fillers and a keypad's lead: "is now 1234", "is star 5 5 2 1" (the lead kept,
    `lead`, where the value is redacted: it is a key pressed too)."""
    while j < len(toks) and (toks[j].low in FILLERS or (  # "all caps TIGER 7"
            toks[j].low == "all" and j + 1 < len(toks) and toks[j + 1].low in CASE_WORDS)
            or _hesitation(toks, j)):
        j += 1
    if not lead and j + 1 < len(toks) and toks[j].low in KEY_LEADS and toks[j].word and (
            toks[j + 1].text.isdecimal() or toks[j + 1].low in DIGIT_WORDS):
        j += 1
    return j


def value_end(text: str, toks: tuple[Token, ...], j: int, runs: dict[int, NumberRun]
              ) -> int | None:
    """End offset of the secret starting at token j, or None when none is said."""
    if j >= len(toks) or toks[j].text in {".", ",", "?", "!"}:
        return None
    moves = sequence_end(text, toks, j, runs)  # "left 24 right 17", "up, up, A, B"
    if moves is not None:
        return moves
    nxt = toks[j + 1] if j + 1 < len(toks) else None
    if toks[j].low in NOT_VALUE and not (  # "a b c 1 2 3" is spelled, "a secret" is not
            len(toks[j].low) == 1 and nxt is not None and spelled(nxt.text)
            and nxt.start == toks[j].end + 1):
        return None
    glued = nxt is not None and nxt.text in {"-", "_"} and nxt.start == toks[j].end
    if toks[j].low in STATES and not glued and (  # not "correct-horse-92"
            nxt is None or not nxt.word or nxt.start > toks[j].end + 1
            or nxt.low in CLAUSE_END or nxt.low in AFTER_STATE):
        return None
    run = runs.get(j)
    if run is not None and not _spelling_goes_on(text, toks[run.last].end):
        after = _word_after(toks, run.last)
        if after in LENGTH_WORDS:  # "the PIN is four digits long"
            return None
        run = _then_more(toks, run, runs)
        end = toks[run.last].end
        while end < len(text) and (text[end].isalnum() or (
                text[end] in "-_" and end + 1 < len(text) and text[end + 1].isalnum())):
            end += 1  # "8812ab", "7G4K-99QX-PL2M"
        end = groups_end(text, toks[j].start, end)  # "8F3A 91C2 77DE"
        k = run.last + 1
        if k < len(toks) and toks[k].low in KEY_LEADS and toks[k].start <= end + 1 and (
                k + 1 >= len(toks) or not toks[k + 1].word or toks[k + 1].low in CLAUSE_END):
            end = toks[k].end  # "7 7 3 0 star", "1 9 8 7 hash": the key that ends it
        return end
    return _words_end(text, toks[j].start)


def groups_end(text: str, start: int, end: int) -> int:
    """The end moved over more groups like the first (text[start:end]): the same length,
    letters and digits mixed, one space apart ("8F3A 91C2 77DE", "X7K2 9QPL")."""
    size = end - start
    first = text[start:end]
    if not 3 <= size <= 6 or not _mixed(first):
        return end
    while end + 1 + size <= len(text) and text[end] == " ":
        group = text[end + 1:end + 1 + size]
        after = text[end + 1 + size:end + 2 + size]
        if not (group.isalnum() and any(c.isdigit() for c in group)
                and group.upper() == group) or (after and after.isalnum()):
            break
        end += 1 + size
    return end


def _mixed(group: str) -> bool:
    return group.isalnum() and any(c.isdigit() for c in group) \
        and any(c.isalpha() for c in group) and group.upper() == group


def _then_more(toks: tuple[Token, ...], run: NumberRun, runs: dict[int, NumberRun]
               ) -> NumberRun:
    """The last of the numbers said one after another with "then": "four four, then seven
    seven" (not "1734 then press off", nor "4 digits, then 2 letters")."""
    while True:
        k = run.last + 1
        k += k < len(toks) and toks[k].text == ","
        nxt = runs.get(k + 1) if k < len(toks) and toks[k].low == "then" else None
        if nxt is None or _word_after(toks, nxt.last) in LENGTH_WORDS:
            return run
        run = nxt


def _spelling_goes_on(text: str, at: int) -> bool:
    """After a number, the value goes on as a spelling: "4 4 7 1 b", "42 dash x"."""
    chunks = text[at:].split(None, 2)
    return len(chunks) >= 2 and all(spelled(c.rstrip(",")) and not c.rstrip(",").isdecimal()
                                    and c.lower() not in DIGIT_WORDS for c in chunks[:2])


def _words_end(text: str, start: int) -> int | None:
    """Whitespace-separated chunks, so "Tr0ub4dor&3" and "purple-elephant-77" stay whole;
    up to MAX_SECRET_WORDS words and any number of spelled pieces, to the clause's end."""
    at = end = start
    words = pieces = 0
    while at < len(text) and words < MAX_SECRET_WORDS and pieces < MAX_SPELLED:
        stop = text.find(" ", at)
        stop = len(text) if stop < 0 else stop
        chunk = text[at:stop]
        bare = chunk.rstrip(".,;:?!")
        pair = _symbol_pair(bare, text, stop + 1)  # "exclamation mark", "at sign"
        if pair:
            stop += len(pair) + 1
            chunk = text[at:stop]
            bare = chunk.rstrip(".,;:?!")
        is_piece = bool(bare) and (spelled(bare) or bool(pair))
        then = bare.lower() == "then" and _next_is_piece(text, stop + 1)  # "tiger then 7 7"
        if not bare or ((words or pieces) and not is_piece and not then
                        and bare.lower() in CLAUSE_END):
            last = _last_words(text, stop + 1) if words == 1 and not pieces \
                and bare.lower() in _PHRASE_JOINERS and chunk == bare else ""
            if last:
                end = stop + 1 + len(last)  # "pancakes and syrup", "welcome to the
                # cottage": a passphrase to the end of the text
            break
        end = at + len(bare)
        spoken = text[stop + 1:].split(None, 3)  # "P as in papa": one letter, said so
        if is_piece and len(bare) == 1 and len(spoken) >= 3 \
                and [c.lower() for c in spoken[:2]] == ["as", "in"]:
            stop += len(" ".join(spoken[:3])) + 1
            chunk = text[at:stop]
            bare = chunk.rstrip(".,;:?!")
            end = at + len(bare)
        if is_piece:
            pieces += 1
        elif not (then and pieces):  # "m, o, o, n, then uppercase R": "then" is no word
            words += 1
        if bare != chunk and not (is_piece and chunk[len(bare):] == ","
                                  and _next_is_piece(text, stop + 1, then=True)):
            break  # the clause ends with this chunk, unless a spelling goes on: "r, t, 5"
        at = stop + 1
    if words == MAX_SECRET_WORDS and at < len(text):  # "apple banana cherry delta echo
        end += len(_plain_rest(text, end))  # foxtrot": a long passphrase, to the end
    return end if end > start else None


def _plain_rest(text: str, at: int) -> str:
    """From `at` (a space before it), plain lower-case words to the end of the text (a final
    mark aside), none of them a function word or a clause's end; or ""."""
    rest = text[at:].rstrip(".!")
    words = rest.split()
    if not words or len(words) > MAX_PHRASE_WORDS or not all(
            w.isalpha() and w.islower() and w not in NOT_VALUE and w not in CLAUSE_END
            for w in words):
        return ""
    return rest


def _next_is_piece(text: str, at: int, then: bool = False) -> bool:
    """The chunk at `at` is a spelled piece (or, with `then`, "then" before one)."""
    chunk = text[at:].split(None, 2)
    if then and len(chunk) >= 2 and chunk[0].lower() == "then":
        chunk = chunk[1:]
    return bool(chunk) and spelled(chunk[0].rstrip(".,;:?!"))


# Symbols said in two words: "exclamation mark", "at sign", "full stop".
_SYMBOL_HEADS = {"exclamation", "question", "at", "dollar", "hash", "pound", "percent",
                 "equals", "plus", "and", "ampersand", "full", "forward", "back", "star",
                 "asterisk", "euro", "hashtag"}
_SYMBOL_TAILS = {"mark", "point", "sign", "symbol", "stop", "slash", "key"}


def _symbol_pair(bare: str, text: str, at: int) -> str:
    """The second word of a two-word symbol whose first word is `bare`, or ""."""
    if bare.lower() not in _SYMBOL_HEADS:
        return ""
    nxt = text[at:].split(None, 1)
    return nxt[0] if nxt and nxt[0].rstrip(".,;:?!").lower() in _SYMBOL_TAILS else ""


# How a passphrase is written, said after it: "welcome to the bennetts all lower case".
DESCRIBED = re.compile(r"[\s,]+(?:(?:all|in|with|and)\s+)*(?:lower\s?case|upper\s?case|small"
                        r"\s+letters|caps|capitals|no\s+spaces|one\s+word|as\s+one\s+word)"
                        r"(?:\s+(?:letters|please|and\s+no\s+spaces|no\s+spaces))*$",
                        re.IGNORECASE)
# Inside a passphrase of ordinary words that runs to the end of the text.
_PHRASE_JOINERS = {"and", "to", "of", "in", "on", "at"}


def _last_words(text: str, at: int) -> str:
    """The one to three words from `at` to the end of the text (a final mark aside, and a
    number that ends a passphrase: "owl and pussycat 1"), the last no word that ends a
    sentence ("... and that's it"), or ""."""
    rest = DESCRIBED.sub("", text[at:].rstrip(".!?").strip())
    words = rest.split()
    if len(words) > 1 and words[-1].isdecimal() and len(words[-1]) <= 4:
        words = words[:-1]
    if not 1 <= len(words) <= 3 or not all(w.isalpha() for w in words) \
            or words[-1].lower() in NOT_VALUE or (len(words) > 1 and words[0].lower() not in {
                "the", "a", "my", "our", "your"}):
        return ""
    return rest


HESITATIONS = {"um", "umm", "uh", "uhh", "er", "erm", "uhm", "hmm", "ah"}


def _hesitation(toks: tuple[Token, ...], j: int) -> bool:
    """"is, um, purple monkey dishwasher": a hesitation, or a comma next to one."""
    if toks[j].low in HESITATIONS:
        return True
    return toks[j].text == "," and any(
        0 <= m < len(toks) and toks[m].low in HESITATIONS for m in (j - 1, j + 1))
