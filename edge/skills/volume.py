"""The device's own volume: the gain the playback queue applies to every reply.

Level 0-100 %, 100 = the voice as synthesised; the gain is (level / 100) squared, so equal
steps sound roughly equal (50 % is about -12 dB). The echo canceller's reference is the
queue's output, so it sees the volume too.
"""

from __future__ import annotations

from typing import Protocol

from edge.messages import Understanding


class Output(Protocol):
    volume: int


class VolumeSkill:
    intents = frozenset({"HassSetVolume", "HassSetVolumeRelative"})
    step = 10

    def __init__(self, level: int = 100) -> None:
        self.level = level
        self.output: Output | None = None  # the playback queue, once the pipeline has one

    def attach_output(self, output: Output) -> None:
        """Act on `output` from now on, at the level it plays at (a new policy's skills
        take over the volume the user set)."""
        self.output = output
        self.level = output.volume

    def handle(self, understanding: Understanding) -> str:
        if understanding.intent == "HassSetVolumeRelative":
            step = understanding.slots.get("volume_step", "up")
            delta = step if isinstance(step, int) else self.step if step == "up" else -self.step
            self._set(self.level + delta)
            return f"Volume {self.level} percent."
        level = understanding.slots.get("volume_level")
        if level is None:
            return "To what level?"
        self._set(int(level))
        return f"Volume set to {self.level} percent."

    def _set(self, level: int) -> None:
        self.level = max(0, min(100, level))
        if self.output is not None:
            self.output.volume = self.level
