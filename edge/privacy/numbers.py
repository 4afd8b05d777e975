"""Phone and card numbers, written or spoken ("four one five, five five five ...").

A run of 13 to 19 digits that passes the Luhn check, or follows a word such as "card" or
"visa", is a card; any other run of 7 or more digits is a phone number (account and ID
numbers of that length go with them, letters stuck to them included: "X1234567").
Dates ("03/07/1990"), grouped amounts ("1,250,000"), decimals, year ranges ("1990-2010"),
IP addresses, coordinates and versions are not runs of digits; nor is a number that is an
amount or a quantity ("$2500000", "2500000 dollars", "1234567 times 3").
"""

from __future__ import annotations

import re

from edge.privacy.id_numbers import id_numbers
from edge.privacy.spans import Kind, Span
from edge.privacy.text import NUMBER_WORDS, NumberRun, Token, luhn, number_runs

MIN_PHONE_DIGITS = 7
CARD_DIGITS = range(13, 20)
CARD_CUES = {"card", "visa", "mastercard", "amex", "discover", "jcb", "debit", "credit",
             "maestro"}
# Cards that pay for nothing: "my library card number is ..." is an ID.
NOT_PAYMENT_CARDS = {"library", "loyalty", "membership", "id", "identity", "health",
                     "insurance", "student", "rewards", "reward", "medicare", "medicaid",
                     "nhs", "oyster", "ehic", "sim", "boarding", "nectar", "staff",
                     "employee", "voter", "residence", "benefits"}
_NOT_A_NUMBER = re.compile(
    r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}"  # dates
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+"  # amounts, decimals
    r"|(?:1[89]|20)\d\d ?[-–/] ?(?:1[89]|20)\d\d"  # a range of years
    r"|(?:19|20)\d\d-(?:\d{1,3}|0\d{3,4})"  # a year's numbering: "invoice 2024-118",
    # "2023-00871" (zero-padded)
    r"|\d{1,3}(?:\.\d{1,3}){3}"  # an IP address
    r"|-?\d{1,3}\.\d{2,}, ?-?\d{1,3}\.\d{2,}")  # coordinates: "51.5074, -0.1278"
# A number right before one of these is an amount or a quantity, not a phone number.
QUANTITY_WORDS = {
    "dollars", "dollar", "bucks", "euros", "euro", "pounds", "pound", "quid", "yen", "yuan",
    "rupees", "pesos", "francs", "cents", "pence", "usd", "eur", "gbp", "people", "persons",
    "residents", "inhabitants", "miles", "mile", "km", "kilometres", "kilometers", "metres",
    "meters", "feet", "ft", "steps", "calories", "kcal", "views", "followers", "likes",
    "subscribers", "downloads", "copies", "units", "points", "votes", "years", "days",
    "hours", "minutes", "seconds", "times", "kg", "grams", "g", "tonnes", "tons", "litres",
    "liters", "gallons", "bytes", "kb", "mb", "gb", "tb", "pixels", "rpm", "watts", "volts",
    "mph", "kph", "percent", "%", "degrees", "words", "pages", "songs", "records", "won",
    "rand", "baht", "ringgit", "krona", "kronor", "krone", "dirhams", "dinars", "shekels",
    "lira", "zloty", "forint", "naira", "rubles", "roubles", "bitcoin", "btc", "sats"}
# Arithmetic, versions and models: a number beside these is no one's.
_NOT_NUMBER_CUES = {"plus", "minus", "times", "divided", "multiplied", "over", "squared",
                    "cubed", "root", "x", "×", "÷", "=", "version", "v", "build",
                    "firmware", "ios", "android", "model", "population", "$", "£", "€", "¥"}


# "... of N": a sum or a statistic, not anyone's number.
_OF_QUANTITY = {"population", "root", "factorial", "log", "logarithm", "sqrt", "half",
                "double", "percent", "cube", "square"}
# A statistic a few words before: "the population of tokyo is about 13960000".
_STATISTICS = {"population", "inhabitants", "gdp", "revenue", "turnover", "profit",
               "budget", "altitude", "elevation", "circumference", "diameter", "attendance",
               "capacity", "worth"}
# ... unless one of these says the number is someone's after all.
_PHONE_WORDS = {"number", "phone", "call", "dial", "ring", "text", "mobile", "cell", "line",
                "contact", "extension", "ext"}
# Numbers drawn or scored, not anyone's: "the lotto numbers were 4 11 23 35 42 49".
_DRAW_WORDS = {"lottery", "lotto", "bingo", "euromillions", "powerball", "scores"}


# An IBAN: country, check digits, then groups of letters and digits ("GB29 NWBK 6016 ...").
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")


def find_numbers(text: str, toks: tuple[Token, ...]) -> list[Span]:
    found: list[Span] = [Span(m.start(), m.end(), "phone") for m in _IBAN.finditer(text)
                         if sum(c.isdigit() for c in m.group()) >= MIN_PHONE_DIGITS]
    for run in _quantity_tails_cut(toks, number_runs(toks)):
        n = len(run.digits)
        if n < MIN_PHONE_DIGITS:
            continue
        start, end = toks[run.first].start, toks[run.last].end
        if not run.words and _NOT_A_NUMBER.fullmatch(text[start:end]):
            continue
        if _quantity(toks, run.first, run.last) or _an_order(toks, run.first, n) or (
                run.words and _counting(run.digits) and not _numbered(toks, run.first)) \
                or (not run.words and _a_list(text[start:end])):
            continue
        if start > 0 and text[start - 1] in "+(":
            start -= 1
        elif run.words and run.first > 0 and toks[run.first - 1].low == "plus":
            start = toks[run.first - 1].start  # "plus four four ...": a country code
        if end < len(text) and text[end] == ")" and "(" in text[start:end]:
            end += 1
        start, end = _with_letters(text, toks, run.first, run.last, start, end)
        end = _with_extension(toks, run.last, end)
        near = toks[max(0, run.first - 6):run.first]
        cue = any(t.low in CARD_CUES for t in near)
        other = any(t.low == "card" and k > 0 and near[k - 1].low in NOT_PAYMENT_CARDS
                    for k, t in enumerate(near)) and not any(
            t.low in CARD_CUES - {"card"} for t in near)  # "my library card number"
        dialled = text[start] == "+" or text[start:start + 4].lower() == "plus"  # "+55 11"
        kind: Kind = "card" if n in CARD_DIGITS and (luhn(run.digits) or cue) and not other \
            and not dialled else "phone"
        found.append(Span(start, end, kind))
    return found + id_numbers(text)


# A shop's numbering of what was bought: "the order number is 2024-1187", "invoice no. 88213".
_ORDERS = {"order", "invoice", "receipt", "purchase"}
_ORDER_NUMBER = {"number", "no", "num", "#", "id", ".", ":", "is", "was", "'s"}
MAX_ORDER_DIGITS = 8  # longer ones (a marketplace's "114-7720391-5528") identify a buyer


def _an_order(toks: tuple[Token, ...], first: int, digits: int) -> bool:
    """The run is an order's or an invoice's number, short enough to be a shop's count:
    "order number is 20241187", "invoice #5530119" (not "claim number", "tracking number",
    "customer reference": those are the person's)."""
    if digits > MAX_ORDER_DIGITS:
        return False
    k = first - 1
    while k >= 0 and first - k <= 4 and toks[k].low in _ORDER_NUMBER:
        k -= 1
    return k >= 0 and toks[k].low in _ORDERS


def _numbered(toks: tuple[Token, ...], first: int) -> bool:
    """"anjali's number nine eight seven six ...": a number said to be one, not counting."""
    return any(t.low in {"number", "mobile", "phone", "cell", "landline", "dial"}
               for t in toks[max(0, first - 3):first])


_COUNT_UP = "".join(str(k) for k in range(0, 31))
_COUNT_DOWN = "".join(str(k) for k in range(30, -1, -1))


def _counting(digits: str) -> bool:
    """"one, two, three, four, five, six, seven": counting, not a number."""
    return digits in _COUNT_UP or digits in _COUNT_DOWN


def _a_list(written: str) -> bool:
    """"5, 12, 23, 34, 45" or "1990, 2000, 2010": numbers listed, not one number."""
    parts = [p for p in re.split(r",\s*", written) if p]
    return len(parts) > 1 and all(
        len(p) <= 2 or re.fullmatch(r"(?:1[89]|20)\d\d", p) for p in parts)


_ROUND = re.compile(r"[1-9]\d?0{5,}")


def _quantity(toks: tuple[Token, ...], first: int, last: int) -> bool:
    """The run is an amount, a count or a sum: "$2500000", "2500000 people", "x 3"."""
    after = toks[last + 1].low if last + 1 < len(toks) else ""
    before = toks[first - 1].low if first > 0 else ""
    before2 = toks[first - 2].low if first > 1 else ""
    if first > 1 and toks[first - 1].text in {"+", "*"} \
            and toks[first].start > toks[first - 1].end:
        return True  # "5 + 1234567", not "+44 20 7946 0958"
    if before == "plus" and not (first > 1 and (toks[first - 2].text.isdecimal()
                                                or toks[first - 2].low in NUMBER_WORDS)):
        before = ""  # "dial plus four nine ...": a country code, not a sum
    if any(t.low in _DRAW_WORDS for t in toks[max(0, first - 4):first]):
        return True  # "the lottery numbers were 4 11 23 35 42 49"
    stat = next((k for k in range(first - 1, max(-1, first - 7), -1)
                 if toks[k].low in _STATISTICS), None)
    if stat is not None and not any(t.low in _PHONE_WORDS for t in toks[stat:first]):
        return True  # "the population of tokyo is about 13960000"
    if (_ROUND.fullmatch("".join(t.text for t in toks[first:last + 1]))
            and not _numbered(toks, first)) or (
            before in {"and", "to"} and first > 2 and toks[first - 3].low in {"between", "from"}
            and (toks[first - 2].text.isdecimal() or toks[first - 2].low in NUMBER_WORDS)):
        return True  # "1000000", "between 1 and 9999999": a round number, a range's end
    return (after in QUANTITY_WORDS or after in _NOT_NUMBER_CUES or before in _NOT_NUMBER_CUES
            or (before in {"to", "by"} and before2 in {"divided", "multiplied"})
            or before in {"the", "of"} and before2 in _OF_QUANTITY)  # "square root of"


def _with_letters(text: str, toks: tuple[Token, ...], first: int, last: int, start: int,
                  end: int) -> tuple[int, int]:
    """The span grown over the letters of an ID: "X1234567", "1Z999AA10123456784",
    "ABC-1234567", "A 4 5 9 2 8 1 7 3"."""
    if start == toks[first].start:
        at = start
        while at > 0 and (text[at - 1].isalnum() or (
                text[at - 1] == "-" and at > 1 and text[at - 2].isalnum())):
            at -= 1
        if any(c.isdigit() for c in text[at:start]) or start - at <= 4:
            start = at  # a short prefix ("ABC-", "D"), or one with digits ("1Z999AA")
    if first > 0 and start == toks[first].start:
        prev = toks[first - 1]
        if prev.word and prev.text.isupper() and len(prev.text) <= 3 and prev.text != "I" \
                and toks[first].start - prev.end == 1:
            start = prev.start
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end


def _quantity_tails_cut(toks: tuple[Token, ...], runs: list[NumberRun]) -> list[NumberRun]:
    """A run whose last group, after a comma, is a quantity ends before that comma: "call
    020 7946 0958, 24 hours a day" is the number and "24 hours"."""
    out = []
    for run in runs:
        after = toks[run.last + 1].low if run.last + 1 < len(toks) else ""
        commas = [k for k in range(run.first + 1, run.last) if toks[k].text == ","]
        if after in QUANTITY_WORDS and commas:
            run = next((r for r in number_runs(toks[:commas[-1]]) if r.first == run.first),
                       run)
        out.append(run)
    return out


_EXTENSION = {"ext", "extension", "x", "ext."}


def _with_extension(toks: tuple[Token, ...], last: int, end: int) -> int:
    """The end grown over an extension: "(312) 555-0189 extension 204", "ext. 12"."""
    k = last + 1
    if k < len(toks) and toks[k].low == ",":
        k += 1
    if k >= len(toks) or toks[k].low not in _EXTENSION:
        return end
    k += 1
    if k < len(toks) and toks[k].text == ".":
        k += 1
    got = None
    while k < len(toks) and k - last < 10 and (
            toks[k].text.isdecimal() or toks[k].low in NUMBER_WORDS):
        got = k
        k += 1
    return max(end, toks[got].end) if got is not None else end
