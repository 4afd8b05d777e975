"""Speaker volume (the level the audio sink applies)."""

from __future__ import annotations

from edge.messages import Understanding


class VolumeSkill:
    intents = frozenset({"HassSetVolume"})

    def __init__(self, level: int = 50) -> None:
        self.level = level

    def handle(self, understanding: Understanding) -> str:
        level = understanding.slots.get("volume_level")
        if level is None:
            return "To what level?"
        self.level = int(level)
        return f"Volume set to {self.level} percent."
