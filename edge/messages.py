"""Typed messages that flow between the edge pipeline's stages.

Two kinds: `DataMessage` (audio, text, results) travels in order; `ControlMessage`
(stop, cancel, barge-in) overtakes any queued data (see `edge.channel`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SAMPLE_RATE = 16_000


class DataMessage:
    """Ordered payload between stages."""


class ControlMessage:
    """Served before any queued data."""


# --- control -------------------------------------------------------------------------


@dataclass(frozen=True)
class Stop(ControlMessage):
    """Shut the pipeline down after the current turn."""

    reason: str = "stop"


@dataclass(frozen=True)
class Cancel(ControlMessage):
    """Abandon the reply of one turn (queued text and audio are dropped)."""

    turn_id: int
    reason: str = "cancel"


@dataclass(frozen=True)
class BargeIn(ControlMessage):
    """The user cut in while the device thought or spoke: its reply stops at once."""

    turn_id: int
    at_s: float  # stream time the interruption was recognised
    trigger: str = "wake_word"  # "wake_word", "stop_phrase" or "speech"


# --- data ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AudioFrame(DataMessage):
    """16 kHz mono int16 samples starting at `start_s` in the input stream."""

    samples: np.ndarray
    start_s: float

    @property
    def end_s(self) -> float:
        return self.start_s + len(self.samples) / SAMPLE_RATE


@dataclass(frozen=True)
class WakeDetected(DataMessage):
    word: str
    score: float
    at_s: float


@dataclass(frozen=True, eq=False)
class Utterance(DataMessage):
    """The command after the wake word, closed by the endpointer."""

    samples: np.ndarray
    start_s: float
    endpoint_at_s: float
    # Monotonic wall clock at the endpoint decision: the start of the response budget.
    endpoint_wall: float
    # "silence", "background" (nothing but the room's background, edge.stages.
    # background_gate), "fast_layer" (a command it is sure of), "max_length" or "no_speech"
    reason: str


@dataclass(frozen=True)
class Transcript(DataMessage):
    text: str
    stt_ms: float


@dataclass(frozen=True)
class Understanding(DataMessage):
    intent: str  # an intent name, or "cloud"
    slots: dict[str, str | int] = field(default_factory=dict)
    confidence: float = 0.0


@dataclass(frozen=True)
class ReplyText(DataMessage):
    """One sentence-sized piece of the answer, ready to speak."""

    turn_id: int
    text: str


@dataclass(frozen=True)
class EndOfReply(DataMessage):
    turn_id: int


@dataclass(frozen=True)
class Announcement(DataMessage):
    """Speech nobody asked for (a timer ringing, a fleet announcement): it waits until the
    device is idle and the user is not speaking, and is interruptible like any reply."""

    text: str
    kind: str = "announcement"


@dataclass(frozen=True, eq=False)
class ReplyAudio(DataMessage):
    turn_id: int
    samples: np.ndarray  # int16 mono
    sample_rate: int
