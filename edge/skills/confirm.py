"""Requests that need a spoken "yes" first: ask, hold the request, act only on a clear yes.

    "unlock the front door" -> ConfirmFirst.ask() -> "Shall I go ahead? Say yes or no."
    (the pipeline listens again, without the wake word)
    "yes, go ahead"          -> ConfirmFirst.answer() -> the held request runs
    "no" / anything else / silence -> nothing is done, and the device says so

Anything but a clear yes is a no: a misheard answer must never unlock a door.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

QUESTION = "That needs your confirmation. Shall I go ahead? Say yes or no."
DECLINED = "Okay, I won't."
NOT_CONFIRMED = "I did not hear a yes, so I did not do it."

_YES = frozenset({"yes", "yeah", "yep", "yup", "sure", "ok", "okay", "confirm", "confirmed",
                  "affirmative", "correct"})
_YES_PHRASES = ("go ahead", "do it", "please do")
_NO = frozenset({"no", "nope", "nah", "not", "dont", "cancel", "stop", "negative", "abort"})
_WORD = re.compile(r"[a-z]+")

HeldRequest = Callable[[], Awaitable[str]]


def yes_or_no(transcript: str) -> bool | None:
    """True for a clear yes, False for a no, None when it is neither or both."""
    words = _WORD.findall(transcript.casefold().replace("'", ""))
    text = " ".join(words)
    no = any(w in _NO for w in words)
    # "do it" is a yes only when nothing negates it ("do not do it").
    yes = any(w in _YES for w in words) or (not no and any(p in text for p in _YES_PHRASES))
    if yes == no:
        return None
    return yes


Resume = Callable[[str], Awaitable[str]]


@dataclass(frozen=True)
class FollowUp:
    """A skill's question that the next turn answers, without the wake word ("Where to?"):
    `resume` gets that turn's transcript ("" for silence) and finishes the request."""

    question: str
    resume: Resume


class ConfirmFirst:
    """Holds one question until its answer arrives (the next turn): a yes/no before a
    sensitive request, or a skill's follow-up for a missing slot."""

    def __init__(self) -> None:
        self._held: Resume | None = None

    @property
    def waiting(self) -> bool:
        return self._held is not None

    def ask(self, run: HeldRequest) -> str:
        """Hold `run` until a clear yes."""

        async def on_answer(transcript: str) -> str:
            verdict = yes_or_no(transcript)
            if verdict is True:
                return await run()
            return DECLINED if verdict is False else NOT_CONFIRMED

        self._held = on_answer
        return QUESTION

    def follow_up(self, follow_up: FollowUp) -> str:
        self._held = follow_up.resume
        return follow_up.question

    def forget(self) -> None:
        """Drop the held request unanswered (its question was cut short)."""
        self._held = None

    async def answer(self, transcript: str) -> str:
        """Resolve the held question with the user's answer ("" for silence)."""
        if self._held is None:
            raise RuntimeError("no question is waiting for an answer")
        resume, self._held = self._held, None
        return await resume(transcript)
