"""Kitchen timers: start, cancel, pause, resume, add or take time, ask what is left (the
device's own clock; a timer that runs out rings as proactive speech)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from edge.messages import Understanding
from edge.skills.confirm import FollowUp


@dataclass
class Timer:
    seconds: int  # as set (what it is called: "the timer for 10 minutes")
    ends_at: float  # monotonic
    paused_left: float | None = None  # seconds left while paused

    @property
    def remaining_s(self) -> float:
        if self.paused_left is not None:
            return self.paused_left
        return max(0.0, self.ends_at - time.monotonic())


def spoken_duration(hours: int, minutes: int, seconds: int) -> str:
    parts = [
        f"{n} {unit}{'' if n == 1 else 's'}"
        for n, unit in ((hours, "hour"), (minutes, "minute"), (seconds, "second"))
        if n
    ]
    return " and ".join(parts) if parts else "zero seconds"


def spoken_seconds(text: str) -> int:
    """ "ten minutes", "1 hour and 30 minutes", "half an hour" -> seconds (0: none)."""
    from edge.nlu.plan import duration_of
    from edge.nlu.text import words_of

    words = words_of(text)
    return max((duration_of(words[i:]) for i in range(len(words))), default=0)


def _spoken(seconds: int) -> str:
    return spoken_duration(seconds // 3600, seconds // 60 % 60, seconds % 60)


class TimerSkill:
    intents = frozenset({"HassStartTimer", "HassCancelTimer", "HassCancelAllTimers",
                         "HassTimerStatus", "HassPauseTimer", "HassUnpauseTimer",
                         "HassIncreaseTimer", "HassDecreaseTimer"})

    def __init__(self) -> None:
        self.timers: list[Timer] = []

    def handle(self, understanding: Understanding) -> str | FollowUp:
        intent = understanding.intent
        h, m, s = (int(understanding.slots.get(k, 0)) for k in ("hours", "minutes", "seconds"))
        total = 3600 * h + 60 * m + s
        if intent == "HassStartTimer":
            if total <= 0:
                return FollowUp("For how long?", self._for_how_long)
            self.timers.append(Timer(total, time.monotonic() + total))
            return f"Timer set for {spoken_duration(h, m, s)}."
        if not self.timers:
            return "There is no timer running."
        timer = self.timers[-1]  # the latest: "the timer"
        if intent == "HassCancelAllTimers":
            count, self.timers = len(self.timers), []
            return "Timer cancelled." if count == 1 else f"All {count} timers cancelled."
        if intent == "HassCancelTimer":
            self.timers.pop()
            return "Timer cancelled."
        if intent == "HassTimerStatus":
            left = _spoken(round(timer.remaining_s))
            return f"{left} left{' (paused)' if timer.paused_left is not None else ''}."
        if intent == "HassPauseTimer":
            if timer.paused_left is None:
                timer.paused_left = timer.remaining_s
            return "Timer paused."
        if intent == "HassUnpauseTimer":
            if timer.paused_left is not None:
                timer.ends_at, timer.paused_left = time.monotonic() + timer.paused_left, None
            return "Timer resumed."
        if total <= 0:
            return "By how much?"
        delta = total if intent == "HassIncreaseTimer" else -total
        if timer.paused_left is not None:
            timer.paused_left = max(1.0, timer.paused_left + delta)
        else:
            timer.ends_at = max(time.monotonic() + 1, timer.ends_at + delta)
        return f"{_spoken(round(timer.remaining_s))} left."

    async def _for_how_long(self, transcript: str) -> str:
        """The answer to "For how long?": "ten minutes", "an hour and a half"..."""
        seconds = spoken_seconds(transcript)
        if not seconds:
            return "I didn't catch how long, so I didn't set a timer."
        h, m, s = seconds // 3600, seconds // 60 % 60, seconds % 60
        return str(self.handle(Understanding("HassStartTimer",
                                             {"hours": h, "minutes": m, "seconds": s}, 1.0)))

    def due(self) -> list[str]:
        """The timers that have run out, as what to say (they ring once, then are gone)."""
        ran_out: list[Timer] = []
        running: list[Timer] = []
        for timer in self.timers:
            (ran_out if timer.paused_left is None and timer.remaining_s <= 0 else running
             ).append(timer)
        self.timers = running
        return [f"The timer for {_spoken(t.seconds)} is done." for t in ran_out]
