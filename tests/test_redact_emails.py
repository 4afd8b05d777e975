"""edge.privacy, spoken e-mail addresses (and passphrases and owned conditions said like them)."""

from __future__ import annotations

import pytest

from edge.privacy import Redactor

REDACT = Redactor(["Priya", "Tomás", "Anna Smith", "Mom"])


@pytest.mark.parametrize(("text", "expected"), [
    ("Email the recipe to grandma.rose at hotmail dot com.", "Email the recipe to [email]."),
    ("Reach me at tom.baker at gmail.com", "Reach me at [email]"),
    ("my email's mary dot ann at gmail dot com", "my email's [email]"),
    ("Email j dot smith ninety nine at gmail dot com.", "Email [email]."),
    ("write to hr at acme dash corp dot de", "write to [email]"),
    ("Look at bbc dot co dot uk for the news.", "Look at bbc dot co dot uk for the news."),
])
def test_spoken_emails(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("so it's like b o l a at yahoo dot com", "so it's like [email]"),
    ("write to m dot nowak at wp2 dot pl", "write to [email]"),
    ("mail ciara at ciara walsh dot ie", "mail [email]"),
    ("meet me at the park dot com", "meet me at the park dot com"),
])
def test_spoken_emails_spelled_and_odd_domains(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("email b dot okafor at outlook dot com", "email [email]"),
    ("it's j o n at proton dot me", "it's [email]"),
    ("write to ravi at the rate yahoo dot in", "write to [email]"),
    ("my passcode's the usual, four four nine one", "my passcode's the usual, [secret]"),
    ("mein Kennwort ist Sonnenblume7", "mein Kennwort ist [secret]"),
    ("the wifi password is apples and pears", "the wifi password is [secret]"),
    ("my password is strong and secure", "my password is strong and secure"),
    ("call plus three three six one two three four five six seven eight",
     "call [phone]"),
    ("what is five plus one two three four five six seven",
     "what is five plus one two three four five six seven"),
    ("my ptsd has been bad, remind me about my inhaler",
     "my [health] has been bad, remind me about my [health]"),
    ("her surgery's on friday", "her [health] on friday"),
    ("my blind is stuck", "my blind is stuck"),
])
def test_spoken_emails_passphrases_country_codes_and_owned_conditions(
        text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("the club email is info at hollybank tennis dot org dot uk", "the club email is [email]"),
    ("use sam dot work at outlook dot com", "use [email]"),
    ("it's leo nineteen hundred and ninety at gmail dot com", "it's [email]"),
    ("the gate code for the bike shed is k7731b", "the gate code for the bike shed is [secret]"),
    ("the code for the bike shed is k7731b", "the code for the bike shed is [secret]"),
    ("the error code on the boiler is f28", "the error code on the boiler is f28"),
    ("the hotspot password is down by the river", "the hotspot password is [secret]"),
    ("the router key is 4HQ2-77TT-X9", "the router key is [secret]"),
    ("his birthday is the 2nd of march", "his birthday is [dob]"),
    ("tell everyone ada's birthday is on 3 may", "tell everyone [name]'s birthday is on [dob]"),
    ("my dad uses a cpap machine", "my dad uses a [health]"),
    ("remind me the gout clinic is on friday", "remind me the [health] clinic is on friday"),
    ("where is the nearest cancer clinic", "where is the nearest cancer clinic"),
    ("the population of lagos is about 15400000", "the population of lagos is about 15400000"),
    ("invoice 2023-417 is paid", "invoice 2023-417 is paid"),
    ("my number is nine eight seven six five four three two one zero", "my number is [phone]"),
    ("count down from nine eight seven six five four three two one zero",
     "count down from nine eight seven six five four three two one zero"),
])
def test_spoken_emails_mixed_codes_passphrases_and_statistics(text: str, expected: str) -> None:
    assert Redactor()(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("write to backup dot james at outlook dot com", "write to [email]"),
    ("it's tea dot with milk at gmail dot com", "it's [email]"),
    ("send it to j dot ortiz forty two at lincoln dot school", "send it to [email]"),
])
def test_spoken_local_parts_after_a_joiner_and_new_domains(text: str, expected: str) -> None:
    assert REDACT(text) == expected
