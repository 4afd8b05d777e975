"""The time and the date, from the device's clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from edge.messages import Understanding


class ClockSkill:
    intents = frozenset({"HassGetCurrentTime", "HassGetCurrentDate"})

    def __init__(self, now: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self._now = now

    def handle(self, understanding: Understanding) -> str:
        now = self._now()
        if understanding.intent == "HassGetCurrentTime":
            hour = now.hour % 12 or 12
            return f"It is {hour}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}."
        return f"Today is {now:%A, %B} {now.day}, {now.year}."
