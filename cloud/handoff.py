"""Handing a conversation to a person: when the user asks for one, after repeated failures,
or when an operator's policy says so for a topic, the cloud sends a handoff packet to the
operators' queue (an MQTT topic only the operator identity may read) and the device tells
the user. The packet is what a person needs to pick up without asking again: why, a
one-paragraph summary, the user's goal, what was tried, and the last turns."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

ASKED = "asked_for_person"
REPEATED = "repeated_failure"
POLICY = "policy"

HANDED_OFF_REPLY = "I'm passing this to a person. Someone will get back to you soon."
NO_PERSON_REPLY = "Sorry, I can't reach a person right now. Please try again later."

_ASK_FOR_PERSON = re.compile(
    r"\b(?:talk|speak|chat|connect me|put me through|get me)\b.{0,20}\b(?:human|person|"
    r"agent|operator|representative|someone real|real person|somebody)\b"
    r"|\b(?:customer (?:service|support)|human (?:agent|being)|a real person)\b",
    re.IGNORECASE)
_FRUSTRATED = re.compile(
    r"\b(?:that'?s not what i (?:asked|said|meant)|you(?:'re| are)? not (?:helping|listening)"
    r"|you don'?t understand|that'?s wrong|wrong answer|useless)\b", re.IGNORECASE)


@dataclass(frozen=True)
class HandoffPacket:
    reason: str  # ASKED, REPEATED or POLICY
    summary: str
    goal: str
    tried: list[str]  # the assistant's answers so far, newest last
    last_turns: list[dict[str, str]]
    device: str
    user: str | None
    session: str
    at: float

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False).encode()


def handoff_reason(transcript: str, context: Sequence[tuple[str, str]],
                   policy: Sequence[re.Pattern[str]] = ()) -> str | None:
    """Why this turn goes to a person, or None. `context`: (role, text), oldest first."""
    if _ASK_FOR_PERSON.search(transcript):
        return ASKED
    if any(p.search(transcript) for p in policy):
        return POLICY
    asked_before = [text for role, text in context if role == "user"]
    if sum(_similar(transcript, text) for text in asked_before) >= 2:
        return REPEATED  # the third time the same question: the answers did not help
    frustrated = [t for t in [*asked_before, transcript] if _FRUSTRATED.search(t)]
    if len(frustrated) >= 2 and _FRUSTRATED.search(transcript):
        return REPEATED
    return None


def build_packet(reason: str, transcript: str, context: Sequence[tuple[str, str]],
                 device: str, user: str | None, session: str) -> HandoffPacket:
    turns = [*context, ("user", transcript)]
    goal = _goal(turns)
    tried = [text for role, text in context if role == "assistant"]
    why = {ASKED: "asked for a person", REPEATED: "kept asking without a useful answer",
           POLICY: "raised a topic the operators handle themselves"}[reason]
    who = f"User {user}" if user else "A user"
    summary = (f"{who} on device {device} {why}. Their goal: {goal!r}. "
               f"The assistant answered {len(tried)} time(s)"
               + (f", last: {tried[-1]!r}." if tried else ".")
               + f" Latest words: {transcript!r}.")
    return HandoffPacket(reason, summary, goal, tried,
                         [{"role": r, "text": t} for r, t in turns[-6:]],
                         device, user, session, time.time())


def _goal(turns: Sequence[tuple[str, str]]) -> str:
    """The user's request that is not itself about getting a person or being unhappy."""
    for role, text in reversed(turns):
        if role == "user" and not _ASK_FOR_PERSON.search(text) and \
                not _FRUSTRATED.search(text):
            return text
    return turns[-1][1]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.lower()))


def _similar(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.6
