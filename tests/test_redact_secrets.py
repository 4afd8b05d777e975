"""edge.privacy, secrets: the value said with a password, PIN or code, and what says none."""

from __future__ import annotations

import pytest

from edge.privacy import Redactor

REDACT = Redactor(["Priya", "Tomás", "Anna Smith", "Mom"])


@pytest.mark.parametrize(("text", "expected"), [
    ("Unlock the car, passcode 660231.", "Unlock the car, passcode [secret]."),
    ("Door code 4471 for the walker.", "Door code [secret] for the walker."),
    ("the wifi password's sunflower22", "the wifi password's [secret]"),
    ("my pin, it's 4 4 1 9", "my pin, it's [secret]"),
    ("The code for the front door is 2468.", "The code for the front door is [secret]."),
    ("4421 is my PIN.", "[secret] is my PIN."),
    ("Enter the passcode 4421 to disarm.", "Enter the passcode [secret] to disarm."),
    ("My banking password is correct horse battery staple.",
     "My banking password is [secret]."),
    ("Our garage opener code is 5543.", "Our garage opener code is [secret]."),
    ("The code to get in is 4471.", "The code to get in is [secret]."),  # 4+ digits only
])
def test_secrets_without_is(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize("text", [
    "The password field is empty.", "The PIN is four digits long.", "My password is wrong.",
    "What's a good password manager?", "I reset my password 100 times today.",
    "What's the area code for Boston?", "Enter the promo code SAVE20 at checkout.",
    "The error code is 404.", "The code is in the drawer.",
])
def test_what_secret_words_say_without_a_secret(text: str) -> None:
    assert REDACT.spans(text) == ()


@pytest.mark.parametrize(("text", "expected"), [
    # Spelled values: letters, digit words and spoken symbols do not count as words.
    ("the wifi password is capital k k seven four river",
     "the wifi password is [secret]"),
    ("the admin password is admin dash kestrel dash forty two",
     "the admin password is [secret]"),
    ("the wifi password is b a n a n a 9 9", "the wifi password is [secret]"),
    ("the passcode is lowercase r, uppercase t, 5, 5", "the passcode is [secret]"),
    ("wi-fi password q w e r t y 1 2 3", "wi-fi password [secret]"),
    ("the password is P as in papa, x, 7, q", "the password is [secret]"),
    # A keypad's lead is not part of the digits.
    ("the front door code is star 5 5 2 1", "the front door code is [secret]"),
    # Cues: "N digit code", a lock with a number, "opens with", a longer gap in one
    # sentence, a value before "for the gate", other languages.
    ("the three digit code is 5 0 3", "the three digit code is [secret]"),
    ("the padlock on the shed is 0 0 4 7", "the padlock on the shed is [secret]"),
    ("The key safe at the cottage opens with 0519",
     "The key safe at the cottage opens with [secret]"),
    ("the security code on the back of my card is seven oh nine",
     "the security code on the back of my card is [secret]"),
    ("use 4 4 7 1 for the front door", "use [secret] for the front door"),
    ("sunflower22 is the wifi password", "[secret] is the wifi password"),
    ("el código de la puerta es 1 2 0 8", "el código de la puerta es [secret]"),
    ("le mot de passe est soleil42", "le mot de passe est [secret]"),
    ("der Türcode ist 5 5 8 1", "der Türcode ist [secret]"),
    ("the security code is 3 digits, 8 1 4", "the security code is 3 digits, [secret]"),
])
def test_secrets_spelled_and_cued_by_principle(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize("text", [
    "my pin is locked after 3 tries", "the door code is changing next week",
    "it's 1500 for the garage door repair", "the gate is open", "the safe is 30 kilos",
    "the three digit code is on the back", "the padlock on the shed is broken",
    "the lock screen shows 3 notifications", "the code to the lockbox is in my email",
    "the alarm code is the same as before", "lock the door at 10 pm",
    "what's the square root of 1048576",
])
def test_what_locks_and_codes_say_without_a_secret(text: str) -> None:
    assert REDACT.spans(text) == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("the hotel safe is set to 9 1 3 5", "the hotel safe is set to [secret]"),
    ("the alarm code changed to five oh five oh", "the alarm code changed to [secret]"),
    ("my pin has been changed to 4490", "my pin has been changed to [secret]"),
    ("the answer to my security question is Bramble",
     "the answer to my security question is [secret]"),
    # set to something that is no value; a question that is not a security one; which
    # locker, not its code
    ("the door code is set to expire", "the door code is set to expire"),
    ("the safe is set to lock at night", "the safe is set to lock at night"),
    ("the answer to my question is no", "the answer to my question is no"),
    ("remember the locker number is 118", "remember the locker number is 118"),
])
def test_secrets_set_or_changed_to_a_value_and_security_answers(
        text: str, expected: str) -> None:
    assert Redactor()(text) == expected


# -- the ninth set's lessons: a network said for its key, keypad keys, how it is written ---

@pytest.mark.parametrize(("text", "expected"), [
    ("wifi at the cabin is LakeHouse2020", "wifi at the cabin is [secret]"),
    ("the wifi here is sunset drive 42", "the wifi here is [secret]"),
    ("our wi-fi is Pumpkin_77", "our wi-fi is [secret]"),
    ("the wifi's OurHouse5", "the wifi's [secret]"),
    ("the gate code is hash 4 4 1 9", "the gate code is [secret]"),
    ("the new code for the side gate is 5 5 1 0 hash",
     "the new code for the side gate is [secret]"),
    ("the password is open sesame all lower case", "the password is [secret]"),
])
def test_network_keys_keypad_keys_and_described_passphrases(text: str, expected: str) -> None:
    assert REDACT(text) == expected


@pytest.mark.parametrize("text", [
    "the wifi is down again", "the wifi is 5G", "the wifi is on 2.4GHz",
    "the wifi name is BT-Hub6", "the wifi speed is 80 mbps", "the internet is back",
    "my password is too weak all lowercase", "press star to repeat",
])
def test_what_a_network_says_without_a_key(text: str) -> None:
    assert REDACT(text) == text
