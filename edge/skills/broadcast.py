"""Broadcasts: "tell everyone dinner is ready" is said by the home's other Tandem devices
(the home broker carries it, `edge.actions.home_mqtt`; each device announces what the others
broadcast, as proactive speech)."""

from __future__ import annotations

from edge.actions.executor import ActionExecutor, TurnRef
from edge.actions.messages import Broadcast
from edge.messages import Understanding

NO_BROKER = "I'm not connected to your home, so I couldn't broadcast that."


class BroadcastSkill:
    intents = frozenset({"HassBroadcast"})

    def __init__(self, executor: ActionExecutor | None = None) -> None:
        self.executor = executor

    async def act(self, understanding: Understanding, turn: TurnRef) -> str:
        message = str(understanding.slots.get("message", "")).strip()
        if not message:
            return "What should I announce?"
        if self.executor is None:
            return NO_BROKER
        result = await self.executor.execute(
            turn.key(0), Broadcast(message, turn.device_id), turn)
        if not result.ok:
            return f"I couldn't broadcast that: {result.error}."
        return "Okay, I've told everyone."
