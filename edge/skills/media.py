"""The music player: pause, resume, skip, mute (MPD, through the action layer)."""

from __future__ import annotations

from edge.actions.executor import ActionExecutor, TurnRef
from edge.actions.messages import MediaCommand
from edge.messages import Understanding

_COMMANDS: dict[str, tuple[str, str]] = {  # intent -> (command, what was done)
    "HassMediaPause": ("pause", "Paused."),
    "HassMediaUnpause": ("resume", "Resumed."),
    "HassMediaNext": ("next", "Skipped to the next track."),
    "HassMediaPrevious": ("previous", "Back to the previous track."),
    "HassMediaPlayerMute": ("mute", "Muted."),
    "HassMediaPlayerUnmute": ("unmute", "Unmuted."),
}


class MediaSkill:
    intents = frozenset(_COMMANDS)

    def __init__(self, executor: ActionExecutor | None = None) -> None:
        self.executor = executor

    async def act(self, understanding: Understanding, turn: TurnRef) -> str:
        if self.executor is None:
            return "I'm not connected to a music player, so I couldn't do that."
        command, done = _COMMANDS[understanding.intent]
        result = await self.executor.execute(
            turn.key(0), MediaCommand(command), turn)  # type: ignore[arg-type]
        return done if result.ok else f"I couldn't reach the music player: {result.error}."
