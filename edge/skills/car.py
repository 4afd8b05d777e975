"""Car and phone: navigation, calls and messages (simulated head unit)."""

from __future__ import annotations

from edge.messages import Understanding


class CarSkill:
    intents = frozenset({"NavigateTo", "CallContact", "ReadMessages"})

    def __init__(self) -> None:
        self.destination: str | None = None
        self.calling: str | None = None
        self.unread: list[tuple[str, str]] = []  # (sender, text)

    def handle(self, understanding: Understanding) -> str:
        slots = understanding.slots
        if understanding.intent == "NavigateTo":
            if "destination" not in slots:
                return "Where to?"
            self.destination = str(slots["destination"])
            return f"Starting navigation to {self.destination}."
        if understanding.intent == "CallContact":
            if "contact" not in slots:
                return "Who should I call?"
            self.calling = str(slots["contact"])
            return f"Calling {self.calling}."
        if not self.unread:
            return "You have no new messages."
        sender, text = self.unread.pop(0)
        return f"Message from {sender}: {text}"
