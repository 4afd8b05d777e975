"""edge.privacy: the structures behind the fifteenth held-out set's misses and false
redactions, each tried on sentences of its own (positives and near-miss negatives), not
the set's."""

from __future__ import annotations

import pytest

from edge.privacy import Redactor

REDACT = Redactor()


@pytest.mark.parametrize("text", [
    # a work after a verb that asks who made it
    "who sang Valerie",
    "who wrote Oliver Twist",
    "who directed Jackie Brown",
    "who originally sang Jolene",
    "which band recorded Sweet Caroline",
    # a network's or a thing's name, not a person's
    "the wifi network name is Marcus-Guest",
    "our router's name is Gandalf",
    "the boat's name is Marianne",
    "the wifi is called BTHub-5G",
    # a shop's order or invoice number
    "my order number is 20241187",
    "invoice no. 5530119 is overdue",
    "the order number is 2023-0042",
    # a condition asked about a group or anyone of a kind
    "how long does measles last in toddlers",
    "can a baby get shingles?",
    "is eczema common in teenagers",
])
def test_not_personal(text: str) -> None:
    assert REDACT(text) == text


@pytest.mark.parametrize(("text", "kind", "value"), [
    # the maker asked after is not a work: a person after "with", a contact called
    ("who sang with Taylor Swift", "name", "Taylor Swift"),
    ("who called Anna Kowalski", "name", "Anna Kowalski"),
    ("Anna wrote Harry a letter", "name", "Harry"),
    # a person's name, or a name an account is held in
    ("my sister's name is Anna", "name", "Anna"),
    ("I met the dog walker, her name's Priya", "name", "Priya"),
    ("the account name is John Smith", "name", "John Smith"),
    # numbers that identify the person, not a shop's count
    ("what's the status of order 114-7720391-5528", "phone", "114-7720391-5528"),
    ("my claim number is 44817290", "phone", "44817290"),
    ("order a taxi on 0207 946 0958", "phone", "0207 946 0958"),
    # someone's own condition, in a question or not
    ("how long does chickenpox last in my kids", "health", "chickenpox"),
    ("the kids have chickenpox", "health", "chickenpox"),
    ("is my baby's eczema contagious?", "health", "eczema"),
    # a treatment's word after the condition or procedure
    ("my dad had hip replacement surgery", "health", "hip replacement surgery"),
    ("remind her to take the contraceptive pill", "health", "contraceptive pill"),
    # a key in groups alike
    ("the wifi password is X7K2 9QPL 44AB", "secret", "X7K2 9QPL 44AB"),
    ("router key: 3B9F 22AC 7D10, thanks", "secret", "3B9F 22AC 7D10"),
    # a security answer named after it
    ("my first teacher's name was Hopkins, that's the security answer",
     "secret", "Hopkins"),
    # a unit before a numbered building, a house number before a street named first,
    # a numbered road
    ("the office is on Level 3, 100 Queen Street, Brisbane QLD 4000", "address",
     "Level 3, 100 Queen Street"),
    ("Floor 7, 22 George Street, Sydney NSW 2000", "address", "Floor 7"),
    ("go to 12 Sukhumvit Soi 24, Bangkok 10110", "address", "12 Sukhumvit Soi 24"),
    ("my address is 120 County Road 12", "address", "120 County Road 12"),
])
def test_found(text: str, kind: str, value: str) -> None:
    spans = [s for s in REDACT.redact(text).spans if s.kind == kind]
    assert any(value in text[s.start:s.end] for s in spans), (text, spans)


@pytest.mark.parametrize("text", [
    "my first car was a Mini, security is tight here",
    "my favourite team is Arsenal, that's the answer",
])
def test_no_secret(text: str) -> None:
    assert not [s for s in REDACT.redact(text).spans if s.kind == "secret"]


@pytest.mark.parametrize(("text", "kept"), [
    ("meet at 14 Baker Street 2 hours from now", "2 hours"),
    ("the code is AB12 then press enter", "press enter"),
])
def test_near_misses_kept(text: str, kept: str) -> None:
    assert kept in REDACT(text), REDACT(text)
