"""Speaker volume (the level the audio sink applies)."""

from __future__ import annotations

from edge.messages import Understanding


class VolumeSkill:
    intents = frozenset({"HassSetVolume", "HassSetVolumeRelative"})
    step = 10

    def __init__(self, level: int = 50) -> None:
        self.level = level

    def handle(self, understanding: Understanding) -> str:
        if understanding.intent == "HassSetVolumeRelative":
            direction = understanding.slots.get("volume_step", "up")
            delta = self.step if direction == "up" else -self.step
            self.level = max(0, min(100, self.level + delta))
            return f"Volume {self.level} percent."
        level = understanding.slots.get("volume_level")
        if level is None:
            return "To what level?"
        self.level = int(level)
        return f"Volume set to {self.level} percent."
