"""Kitchen timers: start and cancel (the device's own clock rings them)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from edge.messages import Understanding


@dataclass(frozen=True)
class Timer:
    seconds: int
    started: float

    @property
    def remaining_s(self) -> float:
        return max(0.0, self.started + self.seconds - time.monotonic())


def spoken_duration(hours: int, minutes: int, seconds: int) -> str:
    parts = [
        f"{n} {unit}{'' if n == 1 else 's'}"
        for n, unit in ((hours, "hour"), (minutes, "minute"), (seconds, "second"))
        if n
    ]
    return " and ".join(parts) if parts else "zero seconds"


def _spoken(seconds: int) -> str:
    return spoken_duration(seconds // 3600, seconds // 60 % 60, seconds % 60)


class TimerSkill:
    intents = frozenset({"HassStartTimer", "HassCancelTimer"})

    def __init__(self) -> None:
        self.timers: list[Timer] = []

    def handle(self, understanding: Understanding) -> str:
        if understanding.intent == "HassCancelTimer":
            if not self.timers:
                return "There is no timer running."
            self.timers.pop()
            return "Timer cancelled."
        h, m, s = (int(understanding.slots.get(k, 0)) for k in ("hours", "minutes", "seconds"))
        total = 3600 * h + 60 * m + s
        if total <= 0:
            return "For how long?"
        self.timers.append(Timer(total, time.monotonic()))
        return f"Timer set for {spoken_duration(h, m, s)}."

    def due(self) -> list[str]:
        """The timers that have run out, as what to say (they ring once, then are gone)."""
        rung = [t for t in self.timers if t.remaining_s <= 0]
        self.timers = [t for t in self.timers if t.remaining_s > 0]
        return [f"The timer for {_spoken(t.seconds)} is done." for t in rung]
