"""edge.privacy: the structures behind the thirteenth held-out set's misses, each tried on
sentences of its own (positives and near-miss negatives from many countries), not the
set's."""

from __future__ import annotations

import pytest

from edge.privacy import Redactor

REDACT = Redactor()


@pytest.mark.parametrize(("text", "address"), [
    # a spoken house number from its hundred: "(a) hundred and twelve"
    ("we live at a hundred and twelve elm road", "twelve elm road"),
    ("drop me at hundred and four king street east", "four king street east"),
    # a long street name before its type ("bin", "al", five words)
    ("the office is at 14 Sheikh Zayed bin Sultan Street, Abu Dhabi", "Sultan Street"),
    # a street type written apart after its name, the number after it (Nordic, German)
    ("go to Sankt Annæ Plads 6, 1250 København", "Sankt Annæ Plads 6"),
    ("we stay at Drottning Kristinas väg 8, 114 28 Stockholm", "Kristinas väg 8"),
    ("send it to Kongens Nytorv 3, Copenhagen", "Nytorv 3"),
    ("meet me at Rosa-Luxemburg-Platz 3", "Luxemburg-Platz 3"),
    # two type words ("avenida paseo")
    ("how far is avenida paseo de la reforma 500", "avenida paseo de la reforma 500"),
    # a Japanese block address, lowercase, its ward and city after it
    ("navigate to 1-2-3 shibuya, shibuya-ku, tokyo", "1-2-3 shibuya"),
    # a street named by a type word and a number, Malay, Thai, Pakistani, Bangladeshi
    ("navigate to number 9, lorong 4, subang jaya", "lorong 4"),
    ("No. 8, Lorong Maarof, Bangsar", "Lorong Maarof"),
    ("my house is on Soi 24, Sukhumvit Road, Bangkok", "Soi 24"),
    ("house 14, street 7, sector F-8/3, Islamabad", "street 7"),
    ("House 22, Road 12, Dhanmondi, Dhaka", "Road 12"),
    ("deliver to number 6, jalan bukit bintang, kuala lumpur", "jalan bukit bintang"),
    # a lowercase province before a postcode; a town with "of" in it
    ("ship to 5 Main St, Toronto, on m5v 2t6", "m5v 2t6"),
    ("my billing address is 12 rue sherbrooke ouest, montréal, qc h2x 1x3", "qc h2x 1x3"),
    ("send it to 4 Elm Road, Douglas, Isle of Man IM1 2AB", "Isle of Man"),
    # a spoken postcode with a pause between its halves
    ("the postcode is s w one a, two a a", "two a a"),
])
def test_address_structures(text: str, address: str) -> None:
    out = REDACT(text)
    assert "[address]" in out and address not in out, out


@pytest.mark.parametrize("text", [
    "it is a hundred and five miles away",
    "the Gate 5 is closed",
    "my flight leaves from gate 22",
    "we walked along the Plads 3 times",
    "the score was 2-1-0 today, great",
    "the answer is number 6, the blue one",
    "I picked number 4, jalan is the best",
    "the winning number is 7, street cred",
    "meet at Hotel Grand 8 pm",
])
def test_address_near_misses(text: str) -> None:
    assert REDACT(text) == text


@pytest.mark.parametrize(("text", "kind"), [
    ("my gym locker is 14 28 3", "secret"),  # a combination, not which locker
    ("my locker opens with 4471", "secret"),
    ("the three digits on the back are 661", "secret"),  # a card's code by its place
    ("the 3 numbers on the back of my card: 409", "secret"),
    ("the wifi at the holiday flat is Seaview2019", "secret"),  # a network far from "is"
    ("my laptop password is correct-horse-92", "secret"),  # hyphenated, a state word first
    ("the password i was given is tulip77", "secret"),  # "i was": its own clause
    ("my security question, city i was born in, is Kumasi", "secret"),
    ("my sister, her name's Anna, is coming", "name"),  # a person, no pet spoken of
    ("I met the dog walker, her name's Priya", "name"),
    ("add sarah to the group chat", "name"),
    ("his number is 2000000", "phone"),
])
def test_found(text: str, kind: str) -> None:
    assert f"[{kind}]" in REDACT(text), REDACT(text)


@pytest.mark.parametrize("text", [
    "my locker at work is 219",  # which locker
    "the number on the back of the receipt is 4471",
    "the digits on the back are worn off",
    "the wifi at the office upstairs is down 20 percent",
    "the wifi at the beach house is 2024",
    "the answer to my security question, city i was born in, is Kumasi".replace(
        "Kumasi", "too hard to remember"),
    "pick a number between 1 and 1000000",  # a range's end, a round number
    "from 1 to 9999999 please",
    "the prize is 1000000",
    "is wendy's still doing the four for four",  # a brand's place
    "add sweet caroline to the party playlist",  # a song on a playlist
    "add johnson's baby shampoo to the list",
    "did someone feed the cat, her name's biscuit",  # a pet's name
    "we adopted a kitten, its name is Mochi",
])
def test_not_found(text: str) -> None:
    assert "[" not in REDACT(text), REDACT(text)
