"""Phone and card numbers, written or spoken ("four one five, five five five ...").

A run of 13 to 19 digits that passes the Luhn check, or follows a word such as "card" or
"visa", is a card; any other run of 7 or more digits is a phone number (account and ID
numbers of that length go with them). Dates ("03/07/1990"), grouped amounts ("1,250,000")
and decimals are not runs of digits.
"""

from __future__ import annotations

import re

from edge.privacy.spans import Kind, Span
from edge.privacy.text import Token, luhn, number_runs

MIN_PHONE_DIGITS = 7
CARD_DIGITS = range(13, 20)
CARD_CUES = {"card", "visa", "mastercard", "amex", "discover", "jcb", "debit", "credit",
             "maestro"}
_NOT_A_NUMBER = re.compile(
    r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}"  # dates
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+")  # amounts, decimals


def find_numbers(text: str, toks: tuple[Token, ...]) -> list[Span]:
    found: list[Span] = []
    for run in number_runs(toks):
        n = len(run.digits)
        if n < MIN_PHONE_DIGITS:
            continue
        start, end = toks[run.first].start, toks[run.last].end
        if not run.words and _NOT_A_NUMBER.fullmatch(text[start:end]):
            continue
        if start > 0 and text[start - 1] in "+(":
            start -= 1
        if end < len(text) and text[end] == ")" and "(" in text[start:end]:
            end += 1
        cue = any(t.low in CARD_CUES for t in toks[max(0, run.first - 6):run.first])
        kind: Kind = "card" if n in CARD_DIGITS and (luhn(run.digits) or cue) else "phone"
        found.append(Span(start, end, kind))
    return found
