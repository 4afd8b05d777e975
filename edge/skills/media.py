"""The music player: search and play, pause, resume, skip, mute (MPD, through the action
layer)."""

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


SEARCH_AND_PLAY = "HassMediaSearchAndPlay"


class MediaSkill:
    intents = frozenset(_COMMANDS) | {SEARCH_AND_PLAY}

    def __init__(self, executor: ActionExecutor | None = None) -> None:
        self.executor = executor

    async def act(self, understanding: Understanding, turn: TurnRef) -> str:
        if self.executor is None:
            return "I'm not connected to a music player, so I couldn't do that."
        if understanding.intent == SEARCH_AND_PLAY:
            query = str(understanding.slots.get("search_query", "")).strip()
            if not query:
                return "What should I play?"
            result = await self.executor.execute(
                turn.key(0), MediaCommand("search_play", query=query), turn)
            if result.ok:
                return f"Playing {query}."
            if result.error.startswith("nothing in the music library"):
                return f"I couldn't find {query} in the music library."
            return f"I couldn't reach the music player: {result.error}."
        command, done = _COMMANDS[understanding.intent]
        result = await self.executor.execute(
            turn.key(0), MediaCommand(command), turn)  # type: ignore[arg-type]
        return done if result.ok else f"I couldn't reach the music player: {result.error}."
