"""edge.privacy, phone numbers, cards, IDs and dates of birth."""

from __future__ import annotations

import pytest

from edge.privacy import Redactor
from edge.privacy.text import luhn

REDACT = Redactor(["Priya", "Tomás", "Anna Smith", "Mom"])


def kinds(text: str) -> list[str]:
    return [s.kind for s in REDACT.spans(text)]


@pytest.mark.parametrize("text", [
    "Call 555 123 4567.", "my number is +44 20 7946 0958", "dial (415) 555-0199",
    "my phone number is four one five five five five zero one nine nine",
    "my cell is oh seven seven double oh nine double oh one two three",
])
def test_phone_numbers_written_or_spoken(text: str) -> None:
    assert kinds(text) == ["phone"]


def test_cards_by_luhn_or_by_cue() -> None:
    assert luhn("4111111111111111") and not luhn("4111111111111112")
    assert kinds("use 4111 1111 1111 1111") == ["card"]
    assert kinds("four two four two, four two four two, four two four two, "
                 "four two four two") == ["card"]
    assert kinds("card number 4111 1111 1111 1112") == ["card"]  # misheard: the cue
    assert kinds("reference 4111 1111 1111 1112") == ["phone"]  # still a long number


@pytest.mark.parametrize(("text", "expected"), [
    # births said without "born": a child's arrival, a delivery, "into the world"
    ("Our daughter arrived on 2 March 2022.", "Our daughter arrived on [dob]."),
    ("She was delivered on June 6th, 2006.", "She was delivered on [dob]."),
    ("I came into the world on the 1st of May 1970.", "I came into the world on [dob]."),
    ("Grandad turns 90 on 3 May.", "Grandad turns 90 on [dob]."),
    ("Born 6/1/92, that's me.", "Born [dob], that's me."),  # a two-digit year
    ("He was born 12th Feb '85.", "He was born [dob]."),
    ("Her birthday is on the twelfth.", "Her birthday is on [dob]."),
    ("She was born in 1990, on June 5.", "She was born in [dob], on [dob]."),
    ("He was born on Friday the 13th of October 2000.", "He was born on [dob]."),
    ("My DOB is oh three slash one five slash nineteen eighty.", "My DOB is [dob]."),
])
def test_dates_of_birth_in_other_words(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize("text", [
    "My grandfather was born in 1931 in a small village.",  # a bare year identifies no one
    "He was born in nineteen sixty.", "I was born in 1990 and moved here in 2005.",
    "Remind me to buy a birthday present on 5 May.",  # the present's date, not a birth's
    "Play Born on the Fourth of July.", "The parcel arrived on 3 March 2024.",
])
def test_dates_that_are_not_a_birth(text: str) -> None:
    assert REDACT.spans(text) == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("My policy number is ABC-1234567.", "My policy number is [phone]."),
    ("My IBAN is GB29 NWBK 6016 1331 9268 19.", "My IBAN is [phone]."),
    ("The tracking number is 1Z999AA10123456784.", "The tracking number is [phone]."),
    ("Convert 3000000 won to dollars.", "Convert 3000000 won to dollars."),
    ("What's 1234567 times 3?", "What's 1234567 times 3?"),
    ("The winning numbers were 5, 12, 23, 34, 45 and 49.",
     "The winning numbers were 5, 12, 23, 34, 45 and 49."),
    ("Count: one, two, three, four, five, six, seven, eight.",
     "Count: one, two, three, four, five, six, seven, eight."),
    ("The router is at 192.168.1.254.", "The router is at 192.168.1.254."),
    ("It ran from 1990-2010.", "It ran from 1990-2010."),
])
def test_ids_against_amounts_lists_and_addresses(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Amelia arrived on the 28th of October 2023 weighing seven pounds",
     "[name] arrived on [dob] weighing seven pounds"),
    ("my brother was born on St David's Day 1979", "my brother was born on [dob]"),
    ("she was born on New Year's Day 1971", "she was born on [dob]"),
    # a parcel's weight and arrival; a holiday's date that is no one's birth
    ("our parcel arrived on the 3rd of May, 2 kilos",
     "our parcel arrived on the 3rd of May, 2 kilos"),
    ("we're having Easter lunch on the 20th of April",
     "we're having Easter lunch on the 20th of April"),
])
def test_a_newborns_weight_and_saints_days_as_birth_dates(text: str, expected: str) -> None:
    assert Redactor()(text) == expected
