"""edge.privacy, secrets said by structure: a dial's turns and a controller's buttons, a
value in apposition after a comma, spellings joined by "then", two-word symbols, long
passphrases, security questions named by their topic; and the near misses of each."""

from __future__ import annotations

import pytest

from edge.privacy import Redactor

REDACT = Redactor()


@pytest.mark.parametrize(("text", "expected"), [
    # a dial's turns, a controller's buttons
    ("the mailbox combination is right 32 left 14 right 6",
     "the mailbox combination is [secret]"),
    ("the gym locker combination: right 8, left 22, right 31",
     "the gym locker combination: [secret]"),
    ("dad's safe combination is 36 left, 12 right, 4 left", "dad's safe combination is [secret]"),
    ("the combination is clockwise to 30, anticlockwise to 12, clockwise to 5",
     "the combination is [secret]"),
    ("the padlock on the gate is left 10 right 4 left 36", "the padlock on the gate is [secret]"),
    ("turn the dial left to 10, right to 22, left to 3, that's the locker combination",
     "turn the dial [secret], that's the locker combination"),
    ("the parental unlock code is up down up down left right",
     "the parental unlock code is [secret]"),
    ("the ps5 passcode is triangle, square, L1, R2", "the ps5 passcode is [secret]"),
    # after a comma, past which secret it is and how it is written
    ("save the pin for the garage, 8 8 1 4", "save the pin for the garage, [secret]"),
    ("the password for the shared drive, Harbour77", "the password for the shared drive, [secret]"),
    ("security answer for my phone company, chocolate labrador",
     "security answer for my phone company, [secret]"),
    ("my mother's maiden name, that's the security answer, Okonkwo",
     "my mother's maiden name, that's the security answer, [secret]"),
    ("the wifi password, no spaces, pinkflamingo", "the wifi password, no spaces, [secret]"),
    ("here's the wifi password, seaside cottage", "here's the wifi password, [secret]"),
    # spellings joined by "then", symbols in two words, numbers joined by "then"
    ("the passcode is capital Q, then x, then 4, then 9", "the passcode is [secret]"),
    ("my password is capital B a n j o dollar sign 7", "my password is [secret]"),
    ("the pin is four four, then seven seven", "the pin is [secret]"),
    # phrases: "pass phrase", a seed phrase to the end of the text
    ("the recovery phrase is maple orbit canyon silver", "the recovery phrase is [secret]"),
    ("the seed phrase for my wallet is apple banana cherry delta echo foxtrot golf hotel",
     "the seed phrase for my wallet is [secret]"),
    # a security question named by its topic
    ("the answer to the first school question is Greenfield",
     "the answer to the first school question is [secret]"),
    ("for the first car security question i put Corsa",
     "for the first car security question i put [secret]"),
    ("security question for the bank, my answer is Riverside",
     "security question for the bank, my answer is [secret]"),
])
def test_secrets_said_by_structure(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize("text", [
    "turn left then right at the lights", "go left 2 blocks right 3 blocks",
    "the score was left 24 right 17", "the joystick goes up, down, left, right",
    "in the game press up, up, A, B to jump", "the cheat code is up, down, A, B",
    "the combination lock is broken", "the safe is on the left",
    "I forgot the wifi password, can you reset it", "the password for the router, where is it",
    "the password for netflix, please", "note the password for the router, later",
    "write down the pass phrase, then read it back", "the key phrase in the speech was hope",
    "the password for the router, I reset it yesterday", "save the pin for later, thanks",
    "the door code, same as last year", "my password, for what it's worth, is strong",
    "the first pet question is too personal", "the school question is annoying",
    "the answer to the first question is B", "the answer to question five is 42",
    "what was the maiden name question about", "use promo code SAVE20 at checkout",
])
def test_what_those_structures_say_without_a_secret(text: str) -> None:
    assert REDACT.spans(text) == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("my d o b is oh four oh seven eighty eight", "my d o b is [dob]"),
    ("d-o-b 12 march 1990", "d-o-b [dob]"),
    ("pop's Parkinson's tablets are due at noon", "pop's [health] are due at noon"),
])
def test_a_spelled_dob_and_a_grandparent_by_another_name(text: str, expected: str) -> None:
    assert REDACT(text) == expected
