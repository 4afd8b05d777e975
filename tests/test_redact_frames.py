"""edge.privacy: personal data found by the frame it is said in, and the near misses that
share the frame's words (secret_frames, name_titles, name_links, health_heads, id_numbers,
address_blocks)."""

from __future__ import annotations

import pytest

from edge.privacy import Redactor

REDACT = Redactor()


@pytest.mark.parametrize(("text", "expected"), [
    # a value keyed in to work a lock, or said to work one
    ("the babysitter can use 6161 to turn off the alarm",
     "the babysitter can use [secret] to turn off the alarm"),
    ("enter 9 9 3 1 to get through the side gate",
     "enter [secret] to get through the side gate"),
    ("punch in 8 8 2 0 to get into the building",
     "punch in [secret] to get into the building"),
    ("5522 turns off the alarm", "[secret] turns off the alarm"),
    ("punch 4471 into the keypad", "punch [secret] into the keypad"),
    # a code named by the place it opens
    ("the car park code is 2209", "the car park code is [secret]"),
    ("our bin store code is 4418", "our bin store code is [secret]"),
    ("the code on the back is 033", "the code on the back is [secret]"),
    # the value before the secret word, with whose it is between
    ("Tr0mb0ne! is my Amazon password", "[secret] is my Amazon password"),
    ("sunflower22 is my work email password", "[secret] is my work email password"),
    ("try 0000, that's the default pin for the router",
     "try [secret], that's the default pin for the router"),
    ("the wifi password is, um, purple monkey dishwasher",
     "the wifi password is, um, [secret]"),
    ("for my security question, my first pet was Rex",
     "for my security question, my first pet was [secret]"),
])
def test_secrets_said_by_their_frame(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize("text", [
    "use 50 to turn off the lights", "press 9 to open the menu",
    "use 2 cups of flour to make the bread", "enter 2024 in the year field",
    "the discount code is 4418", "the product code is 88213", "the voucher code is 5521",
    "the course code is 4471", "the fault code is 4471", "the car park is on level 2209",
    "the security question was my first pet's name", "type 1000 words for the essay",
    "use 1234 to test the speaker",
])
def test_numbers_near_locks_that_are_no_secret(text: str) -> None:
    assert REDACT.spans(text) == ()


@pytest.mark.parametrize("text", [
    "put Forrest Gump on the big TV", "play Ruby Tuesday",
    "is Amélie on any of my streaming services", "add Eleanor Rigby to my driving playlist",
    "tell the kids the story of Jack and the Beanstalk", "cast Matilda to the TV",
    "my knee hurts after running, find a physio near me",
    "note that Tesco has insulin in stock", "put it on the living room telly",
])
def test_titles_shops_and_searches_are_not_personal(text: str) -> None:
    assert REDACT.spans(text) == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("is Sarah on the call", "is [name] on the call"),
    ("put Tom on speaker", "put [name] on speaker"),
    ("call Tom Lane tomorrow", "call [name] tomorrow"),
    ("hey can you call kofi and ama on a group call",
     "hey can you call [name] and [name] on a group call"),
    ("text jo, priya and wen", "text [name], [name] and [name]"),
    ("the babysitter is Tamsin", "the babysitter is [name]"),
    ("text Sarah and will be there", "text [name] and will be there"),
    ("call mum and dad", "call mum and dad"),
])
def test_names_by_their_link_to_a_name_or_a_person(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("my cognitive behavioural therapy session has moved",
     "my [health] session has moved"),
    ("Hannah is doing EMDR therapy", "[name] is doing [health]"),
    ("remind me about physiotherapy for my ACL tear at 2",
     "remind me about [health] for my [health] at 2"),
    ("my wife has a stress fracture in her foot", "my wife has a [health] in her foot"),
    ("send a reminder that Chukwuma's sickle cell review is Tuesday",
     "send a reminder that [name] [health] review is Tuesday"),
    ("the new therapy is expensive", "the new therapy is expensive"),
    ("the tear in the curtain needs fixing", "the tear in the curtain needs fixing"),
])
def test_treatments_and_injuries_by_their_head(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("my driving licence number is MORGA753116SM9IJ",
     "my driving licence number is [phone]"),
    ("my national insurance number is AB123456C",
     "my national insurance number is [phone]"),
    ("the landlord gave me his number, +55 11 95555 4432",
     "the landlord gave me his number, [phone]"),
    ("send it to 3 Chome-2-17 Ginza, Chuo-ku, Tokyo", "send it to [address]"),
    ("the hotel is at 1 Chome-1-2 Oshiage, Sumida City, Tokyo 131-0045",
     "the hotel is at [address]"),
    ("send the samples to Av. Paulista 1578, São Paulo, SP 01310-200",
     "send the samples to [address]"),
    ("find Thai restaurants that deliver to 94110",
     "find Thai restaurants that deliver to [address]"),
    ("my date of birth is 3 May 1990 and my postcode is LS11 5QP",
     "my date of birth is [dob] and my postcode is [address]"),
    ("count to 10000", "count to 10000"),
])
def test_ids_and_addresses_by_their_form(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("our family email is the dot hendersons at gmail dot com",
     "our family email is [email]"),
    ("my Apple ID is seo yeon park at icloud dot com", "my Apple ID is [email]"),
    ("my email is jane period doe at yahoo period com", "my email is [email]"),
    ("meet me at the park at five period", "meet me at the park at five period"),
])
def test_spoken_emails(text: str, expected: str) -> None:
    assert REDACT(text) == expected
