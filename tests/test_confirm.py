"""Confirm-first intents: only a clear yes runs the held request."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.skills.confirm import DECLINED, NOT_CONFIRMED, QUESTION, ConfirmFirst, yes_or_no


@pytest.mark.parametrize("said", ["Yes.", "yes please", "Yeah, go ahead.", "Sure!", "OK",
                                  "Do it.", "Confirmed"])
def test_clear_yes(said: str) -> None:
    assert yes_or_no(said) is True


@pytest.mark.parametrize("said", ["No.", "Nope", "No, don't.", "Don't do that", "cancel",
                                  "Do not do it."])
def test_clear_no(said: str) -> None:
    assert yes_or_no(said) is False


@pytest.mark.parametrize("said", ["", "purple", "yes no", "What did you say?", "Yes, don't."])
def test_unclear_is_neither(said: str) -> None:
    assert yes_or_no(said) is None


@given(st.text(max_size=80))
def test_any_text_gives_an_answer_or_none_never_an_error(said: str) -> None:
    assert yes_or_no(said) in (True, False, None)


def test_the_held_request_runs_only_on_yes_and_only_once() -> None:
    ran: list[str] = []

    async def unlock() -> str:
        ran.append("unlock")
        return "Unlocked the front door."

    gate = ConfirmFirst()
    for answer, reply in (("no", DECLINED), ("mmm", NOT_CONFIRMED), ("", NOT_CONFIRMED),
                          ("yes go ahead", "Unlocked the front door.")):
        assert gate.ask(unlock) == QUESTION and gate.waiting
        assert asyncio.run(gate.answer(answer)) == reply
        assert not gate.waiting
    assert ran == ["unlock"]
    with pytest.raises(RuntimeError, match="no question"):
        asyncio.run(gate.answer("yes"))
