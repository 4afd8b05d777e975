"""The conversation state machine: which state the assistant is in, and the legal moves."""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field


class State(enum.Enum):
    IDLE = "idle"  # waiting for the wake word
    LISTENING = "listening"  # wake word heard, capturing the request
    THINKING = "thinking"  # transcribing, understanding, asking skills or the cloud
    SPEAKING = "speaking"  # reply audio is playing
    ENDED = "ended"  # the turn is over; back to IDLE, or LISTENING for an answer we asked for


_ALLOWED: dict[State, frozenset[State]] = {
    State.IDLE: frozenset({State.LISTENING, State.SPEAKING}),  # SPEAKING: an announcement
    State.LISTENING: frozenset({State.THINKING, State.ENDED}),
    State.THINKING: frozenset({State.SPEAKING, State.ENDED}),  # ENDED: done, or interrupted
    State.SPEAKING: frozenset({State.ENDED, State.LISTENING}),
    State.ENDED: frozenset({State.IDLE, State.LISTENING}),  # LISTENING: the answer we asked for
}


class IllegalTransition(RuntimeError):
    pass


@dataclass
class Conversation:
    state: State = State.IDLE
    turn_id: int = 0
    history: list[tuple[State, float]] = field(default_factory=list)

    def to(self, new: State) -> None:
        if new not in _ALLOWED[self.state]:
            raise IllegalTransition(f"{self.state.value} -> {new.value}")
        # A new request, or speech nobody asked for, is a new turn.
        if new in (State.LISTENING, State.SPEAKING) and self.state in (State.IDLE, State.ENDED):
            self.turn_id += 1
        self.state = new
        self.history.append((new, time.monotonic()))

    def end_turn(self) -> None:
        if self.state is not State.ENDED:
            self.to(State.ENDED)
        self.to(State.IDLE)
