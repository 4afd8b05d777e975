"""Voice activity (Silero, via openWakeWord's bundle) and the endpointer that ends a request."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

import models
from edge.messages import AudioFrame, Utterance
from edge.settings import EndpointSettings


class SileroVad:
    """Speech probability of one frame."""

    def __init__(self) -> None:
        from openwakeword.vad import VAD

        self._vad = VAD(model_path=str(models.resolve("silero_vad")[0]))

    def speech_probability(self, samples: np.ndarray) -> float:
        return float(self._vad.predict(samples, frame_size=640))

    def reset(self) -> None:
        self._vad.reset_states()


@dataclass
class Endpointer:
    """Collects the request after the wake word and decides when it is over.

    Pure logic over (frame, speech probability) so it can be tested without a model and
    combined with any VAD.
    """

    settings: EndpointSettings
    start_s: float = 0.0

    def __post_init__(self) -> None:
        self._frames: list[np.ndarray] = []
        self._speech_s = 0.0
        self._silence_s = 0.0
        self._elapsed_s = 0.0

    def begin(self, start_s: float, preroll: list[np.ndarray]) -> None:
        self.start_s = start_s
        self._frames = list(preroll)
        self._speech_s = self._silence_s = self._elapsed_s = 0.0

    def push(self, frame: AudioFrame, speech_probability: float) -> Utterance | None:
        s = self.settings
        duration = frame.end_s - frame.start_s
        self._frames.append(frame.samples)
        self._elapsed_s += duration
        if speech_probability >= s.speech_threshold:
            self._speech_s += duration
            self._silence_s = 0.0
        else:
            self._silence_s += duration
        reason = None
        if self._speech_s >= s.min_speech_s and self._silence_s >= s.hangover_s:
            reason = "silence"
        elif self._speech_s < s.min_speech_s and self._elapsed_s >= s.no_speech_timeout_s:
            reason = "no_speech"
        elif self._elapsed_s >= s.max_utterance_s:
            reason = "max_length"
        if reason is None:
            return None
        return Utterance(
            samples=np.concatenate(self._frames),
            start_s=self.start_s,
            endpoint_at_s=frame.end_s,
            endpoint_wall=time.monotonic(),
            reason=reason,
        )
