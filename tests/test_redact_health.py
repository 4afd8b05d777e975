"""edge.privacy, health: conditions and medicines said of someone, and words that say none."""

from __future__ import annotations

import pytest

from edge.privacy import Redactor

REDACT = Redactor(["Priya", "Tomás", "Anna Smith", "Mom"])


@pytest.mark.parametrize(("text", "expected"), [
    ("My wife takes metformin.", "My wife takes [health]."),
    ("I take lisinopril every morning.", "I take [health] every morning."),  # "-pril"
    ("My dad takes 5 mg of Eliquis.", "My dad takes 5 mg of [health]."),  # a dose
    ("He's allergic to peanuts.", "He's [health]."),
    ("My husband has a peanut allergy.", "My husband has a [health]."),
    ("She has Parkinson's disease.", "She has [health]."),
    ("I'm a type 1 diabetic.", "I'm a [health]."),
    ("He's HIV-positive.", "He's [health]."),
    ("Grandma's got dementia.", "Grandma's got [health]."),
    ("My dad had a stroke.", "My dad had a [health]."),
    ("He's blind.", "He's [health]."),
    ("I have type one diabetes.", "I have [health]."),
    ("My daughter is allergic to eggs and milk.", "My daughter is [health]."),
    ("I'm recovering from knee surgery.", "I'm recovering from [health]."),
])
def test_health_by_vocabulary_and_by_pattern(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize("text", [
    "My dog has arthritis.",  # a pet's
    "Can I get diabetes from eating sugar?", "What should I do if someone has a stroke?",
    "I'm reading a book about Alzheimer's.", "I want a non-alcoholic beer.",
    "My phone has a lithium battery.", "I'm going on a blind date.", "Close my blinds.",
    "I'm suffering from a cold.", "I had 200 mg of caffeine today.",
    "Is it safe to fly when you're pregnant?",
])
def test_health_words_that_say_nothing_about_anyone(text: str) -> None:
    assert REDACT.spans(text) == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("remind me to take my ramipril at 8 am", "remind me to take my [health] at 8 am"),
    ("grandpa has parkinson's, add his madopar to the pill reminder",
     "grandpa has [health], add his [health] to the pill reminder"),  # the vendored list
    ("I need to reorder my antiretrovirals", "I need to reorder my [health]"),
    ("pick up mum's Zorvanex tablets", "pick up mum's [health]"),  # unknown + form
    ("Mr Osei takes tenofovir", "[name] takes [health]"),  # a title is someone
    ("write that bridget's dementia is worse", "write that [name]'s [health] is worse"),
    ("the carer gives Mr Jones his donepezil", "the carer gives [name] his [health]"),
    ("take two puffs of symbicort", "take two puffs of [health]"),  # an order to the user
    ("I'm on the pill", "I'm on [health]"),
    ("my mum uses an EpiPen for her bee sting allergy",
     "my mum uses an [health] for her [health]"),
    ("i've got an appointment about my ivf", "i've got an appointment about my [health]"),
    ("buy more hydrocortisone cream for my son", "buy more [health] for my son"),
])
def test_health_medicines_and_whose(text: str, expected: str) -> None:
    assert Redactor()(text) == expected


@pytest.mark.parametrize("text", [
    "give the cat her thyroid pill",  # the pet's
    "our labrador has arthritis",
    "how long does physio take after a knee replacement",  # no one's
    "this traffic is giving me a heart attack",
    "what are the side effects of ramipril",
    "remind me to buy paracetamol",
    "the pill box is in the kitchen",
    "the coordinates are 51.5074, -0.1278",
    "the lottery numbers were 4 11 23 35 42 49",
    "our labrador Max needs his flea treatment",
    "play Mr Brightside",
    "turn on the Philips Hue lights",
    "play Bohemian Rhapsody by Queen",
])
def test_not_health_nor_personal(text: str) -> None:
    assert Redactor()(text) == text
