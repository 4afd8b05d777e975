"""Car and phone: navigation, calls and messages, on the head unit (edge.actions.head_unit)."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable

from edge.actions.executor import ActionExecutor, TurnRef
from edge.actions.messages import CarCommand, MessagesQuery
from edge.messages import Understanding
from edge.skills.confirm import FollowUp

NOT_CONNECTED = "I'm not connected to the car, so I couldn't do that."
# "To Grandma's house, please" -> "Grandma's house"
_ANSWER_NOISE = re.compile(r"^\s*(?:to|call|go to|take me to)\s+|,?\s*please\b", re.IGNORECASE)


class CarSkill:
    intents = frozenset({"NavigateTo", "CallContact", "ReadMessages"})

    def __init__(self, executor: ActionExecutor | None = None) -> None:
        self.executor = executor

    async def act(self, understanding: Understanding, turn: TurnRef) -> str | FollowUp:
        slots = understanding.slots
        for intent, slot, question in (("NavigateTo", "destination", "Where to?"),
                                       ("CallContact", "contact", "Who should I call?")):
            if understanding.intent == intent and slot not in slots:
                return FollowUp(question, self._fill(understanding, slot, turn))
        if self.executor is None:
            return NOT_CONNECTED
        if understanding.intent == "ReadMessages":
            return await self._read(turn)
        if understanding.intent == "NavigateTo":
            destination = str(slots["destination"])
            result = await self.executor.execute(
                turn.key(0), CarCommand("navigate", destination), turn)
            done = f"Starting navigation to {destination}."
        else:
            contact = str(slots["contact"])
            result = await self.executor.execute(turn.key(0), CarCommand("call", contact), turn)
            done = f"Calling {contact}."
        return done if result.ok else f"I couldn't reach the car: {result.error}."

    def _fill(self, understanding: Understanding, slot: str, turn: TurnRef
              ) -> Callable[[str], Awaitable[str]]:
        """The answer to "Where to?" is the destination; nothing heard, nothing done."""

        async def resume(transcript: str) -> str:
            value = _ANSWER_NOISE.sub("", transcript).strip(" .!?,")
            if not value:
                return "Okay, never mind."
            filled = Understanding(understanding.intent, {**understanding.slots, slot: value},
                                   understanding.confidence)
            return str(await self.act(filled, turn.part(turn.part_no + 1)))

        return resume

    async def _read(self, turn: TurnRef) -> str:
        assert self.executor is not None
        result = await self.executor.execute(turn.key(0), MessagesQuery(), turn)
        if not result.ok:
            return f"I couldn't read your messages: {result.error}."
        messages = json.loads(str(result.state))
        if not messages:
            return "You have no new messages."
        first = messages[0]
        marked = await self.executor.execute(turn.key(1), CarCommand("mark_read", first["id"]),
                                             turn)
        more = len(messages) - 1
        tail = f" You have {more} more." if more else ""
        note = "" if marked.ok else " (I couldn't mark it as read.)"
        return f"Message from {first['from']}: {first['text']}.{tail}{note}"
