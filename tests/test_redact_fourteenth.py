"""edge.privacy: the structures behind the fourteenth held-out set's misses, each tried on
sentences of its own (positives and near-miss negatives from many countries), not the
set's."""

from __future__ import annotations

import pytest

from edge.privacy import Redactor

REDACT = Redactor()


@pytest.mark.parametrize(("text", "address"), [
    # a city's postal district with its letter ("Dublin 6W")
    ("i live at 7 Glenview Terrace, Dublin 6W", "Dublin 6W"),
    # a spelled postcode after the town's comma
    ("send it to 12 harbour road, leith, E H six six A B", "E H six six A B"),
    ("it's 3 mill lane, york, Y O one seven H P", "Y O one seven H P"),
    # a known town said straight after the street, no comma
    ("directions to nine twenty two west addison street chicago", "street chicago"),
    ("I live at 14 Mill Lane Oxford.", "Mill Lane Oxford"),
    # a grid address with no street type: number, compass direction, name
    ("navigate to eleven hundred south congress", "eleven hundred south congress"),
    ("take me to 1200 North Lake Shore, Chicago", "1200 North Lake Shore, Chicago"),
    ("directions to 455 W Addison", "455 W Addison"),
    # a Japanese block address written numbers first, then the district's chome
    ("send it to 4-2 Jingumae 1-chome, Shibuya-ku, Tokyo", "4-2 Jingumae 1-chome, Shibuya-ku"),
])
def test_address_structures(text: str, address: str) -> None:
    spans = [s for s in REDACT.redact(text).spans if s.kind == "address"]
    assert any(text[s.start:s.end].endswith(address) or address in text[s.start:s.end]
               for s in spans), (text, spans)


@pytest.mark.parametrize(("text", "kept"), [
    ("the 405 north is jammed", "405 north"),
    ("set heading to 270 west please", "270 west"),
    ("take the 101 south to san jose", "101 south"),
    ("go to 400 north and turn left", "400 north"),
    ("we moved to 1500 south last year", "1500 south"),
    ("meet me at 5 high street tomorrow", "tomorrow"),
    ("directions to 922 west addison street reading", "reading"),
])
def test_no_address_beyond(text: str, kept: str) -> None:
    assert kept in REDACT(text), text


@pytest.mark.parametrize(("text", "value"), [
    # a security question named by its topic, which account it is for, then the answer
    ("my mother's maiden name for the bank is Okonkwo", "Okonkwo"),
    ("my mum's maiden name, for the bank, was Achterberg", "Achterberg"),
    ("my first pet for the bank security check was Biscuit", "Biscuit"),
    ("childhood nickname for my bank login: Bumble", "Bumble"),
    ("the first car i owned, for the security question, a blue Corolla", "a blue Corolla"),
    # a passphrase to the end of the text, its number with it
    ("set my wifi password to owl and pussycat 1", "owl and pussycat 1"),
    ("change the wifi password to salt and pepper 99", "salt and pepper 99"),
])
def test_secret_structures(text: str, value: str) -> None:
    redacted = REDACT(text)
    assert value not in redacted and "[secret]" in redacted, (text, redacted)


@pytest.mark.parametrize(("text", "kept"), [
    ("my first car was a blue Corolla", "blue Corolla"),
    ("what was your first car?", "first car"),
    ("my favourite team is Arsenal and my bank is Barclays", "Arsenal"),
    ("my mother's maiden name is on the form", "on the form"),
    ("set the password to tiger and call me at 5", "and call me at 5"),
])
def test_no_secret_beyond(text: str, kept: str) -> None:
    assert kept in REDACT(text), text


@pytest.mark.parametrize(("text", "email"), [
    # a local part spelled letter by letter, digits after it; a domain said in parts
    ("c h a r l i e one two three at gmail dot com", "c h a r l i e one two three"),
    ("spell it, k a t e h o l t at g mail dot com", "k a t e h o l t"),
    ("my email is j o e 4 2 at yahoo dot com", "j o e 4 2"),
    # an organisation's name with "and" in the domain
    ("send the invoice to billing at harlow and sons dot co dot uk", "harlow and sons"),
    ("orders at marks and spencer dot com", "marks and spencer"),
])
def test_email_structures(text: str, email: str) -> None:
    redacted = REDACT(text)
    assert email not in redacted and "[email]" in redacted, (text, redacted)


@pytest.mark.parametrize("text", [
    "meet me at the park and sons dot",
    "I'll be at work and home dot com is down",
    "look at bbc dot co dot uk",
])
def test_no_email_beyond(text: str) -> None:
    assert "[email]" not in REDACT(text), text


@pytest.mark.parametrize(("text", "term"), [
    # an injury named by what happened to the part
    ("Santiago has a fractured wrist so he's off football", "fractured wrist"),
    ("my daughter has a sprained ankle, cancel her swimming", "sprained ankle"),
    ("dad's got a torn left meniscus", "torn left meniscus"),
    # someone's condition before "test"
    ("my gestational diabetes test is at ten", "gestational diabetes"),
    # a complaint said to come from a medicine: a side effect
    ("i get nausea from my metformin", "nausea"),
    ("the cough caused by her lisinopril is worse", "cough"),
])
def test_health_structures(text: str, term: str) -> None:
    redacted = REDACT(text)
    assert term not in redacted and "[health]" in redacted, (text, redacted)


@pytest.mark.parametrize("text", [
    "should i see a doctor about a sprained ankle",
    "how long does it take to heal a fractured wrist",
    "i have a broken heart",
    "book a diabetes test for me",
    "i got a rash from the new detergent",
    # a pet's, the pronoun standing for it
    "the cat has diabetes, remind me about his insulin at 6",
    "the dog has arthritis, give him his meloxicam",
])
def test_no_health_beyond(text: str) -> None:
    assert "[health]" not in REDACT(text), text


@pytest.mark.parametrize(("text", "date"), [
    ("Pierre Laurent, born 3 janvier 1952", "3 janvier 1952"),
    ("my daughter was born on 14 de mayo de 2015", "14 de mayo de 2015"),
])
def test_foreign_months(text: str, date: str) -> None:
    assert date not in REDACT(text), text


def test_foreign_month_not_a_birth() -> None:
    assert REDACT("remind me on 3 janvier about the meeting").endswith("3 janvier about the "
                                                                      "meeting")
