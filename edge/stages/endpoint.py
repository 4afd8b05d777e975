"""Voice activity and the endpointer that ends a request.

Two detectors, combinable (`EndpointSettings.vad`):

* the native energy + zero-crossing VAD (`native.EnergyVad`, 10 ms frames, adaptive noise
  floor): microseconds per frame, runs on every frame so its floor is learnt before the wake
  word;
* Silero (via openWakeWord's bundle): a neural VAD, a few hundred microseconds per frame.

"gated" (default) asks Silero only when the energy VAD hears something (MAYBE or SPEECH in
the frame): silence after a request costs no neural inference. "energy" uses the energy VAD
alone (no model at all); "silero" always asks Silero.

Within a request, a frame no louder than the room was before it does not keep the request
open (`edge.stages.background_gate`, `without_background`).

The `Endpointer` is pure logic over (frame, speech probability), on top of the native
integer `FrameEndpointer` (minimum speech, hangover, no-speech timeout, maximum length).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import models
from edge.messages import SAMPLE_RATE, AudioFrame, Utterance
from edge.settings import EndpointSettings
from edge.stages.background_gate import BackgroundGate, frame_level_db
from native import EnergyVad, FrameEndpointer
from native.frontend_py import CONTINUE, END_REASONS, SILENCE, SPEECH

VAD_MODES = ("gated", "energy", "silero")
BACKGROUND = "background"  # Utterance.reason: the room's background alone ended the request
# The endpoint reasons of a user who stopped speaking (a pause: early transcription applies)
AFTER_SPEECH = ("silence", BACKGROUND)


class SileroVad:
    """Speech probability of one frame."""

    def __init__(self) -> None:
        from openwakeword.vad import VAD

        self._vad = VAD(model_path=str(models.resolve("silero_vad")[0]))

    def speech_probability(self, samples: np.ndarray) -> float:
        return float(self._vad.predict(samples, frame_size=640))

    def reset(self) -> None:
        self._vad.reset_states()


class SpeechDetector:
    """Speech probability per pipeline frame from the energy VAD and (maybe) Silero."""

    def __init__(self, silero: SileroVad | None, mode: str = "gated",
                 gate: BackgroundGate | None = None) -> None:
        """`gate`: what `without_background` takes for the room (None: nothing)."""
        if mode not in VAD_MODES:
            raise ValueError(f"VAD mode must be one of {', '.join(VAD_MODES)}, got {mode!r}")
        if mode != "energy" and silero is None:
            raise ValueError(f"VAD mode {mode!r} needs the Silero model")
        self.mode = mode
        self.energy = EnergyVad(SAMPLE_RATE)
        self._silero = silero
        self.gate = gate
        self._decisions = np.zeros(64, dtype=np.uint8)
        self._level_db = 0.0
        self.neural_calls = 0
        self.frames = 0

    def observe(self, samples: np.ndarray) -> np.ndarray:
        """Run the energy VAD on a frame (call for every frame: it tracks the noise floor);
        returns its 10 ms decisions (a view, valid until the next call)."""
        need = self.energy.frames_in(len(samples))
        if need > len(self._decisions):
            self._decisions = np.zeros(need, dtype=np.uint8)
        count = self.energy.process_into(samples, self._decisions)
        if self.gate is not None:
            self._level_db = frame_level_db(samples)
            self.gate.observe(self._level_db)
        return self._decisions[:count]

    def probability(self, samples: np.ndarray, decisions: np.ndarray) -> float:
        """Speech probability of the frame whose energy decisions are `decisions`."""
        self.frames += 1
        if self.mode == "energy":
            return float(np.count_nonzero(decisions == SPEECH)) / max(1, len(decisions))
        if self.mode == "gated" and (len(decisions) == 0 or int(decisions.max()) == SILENCE):
            return 0.0
        assert self._silero is not None
        self.neural_calls += 1
        return self._silero.speech_probability(samples)

    def without_background(self, probability: float) -> float:
        """The last observed frame's speech `probability`, 0.0 when the frame is no more
        than the room's background (the gate): for `Endpointer.push`, which ends the
        request after a longer run of it than of true silence. The pauses that start
        Whisper early or end a fast command keep Silero's word."""
        return probability if self.gate is None else self.gate.filter(self._level_db,
                                                                       probability)

    def reset(self) -> None:
        """A request opens (wake word, follow-up, barge-in): the background is fixed."""
        if self._silero is not None:
            self._silero.reset()
        if self.gate is not None:
            self.gate.begin()


def speech_detector(silero: SileroVad | None, settings: EndpointSettings,
                    frame_s: float) -> SpeechDetector:
    """The detector `settings` describe, its background gate included."""
    gate = None if settings.background_margin_db is None else BackgroundGate(
        settings.background_margin_db, settings.below_speech_db, settings.speech_threshold,
        frame_s)
    return SpeechDetector(silero, settings.vad, gate)


@dataclass
class Endpointer:
    """Collects the request after the wake word and decides when it is over.

    Pure logic over (frame, speech probability) so it can be tested without a model and
    combined with any VAD. With `audio` (a ring-buffer view by stream time, e.g.
    `RingSource.span`) the utterance is a zero-copy view of the input; without it the frames
    are kept (copies) and concatenated. Given the probability without the room's background
    as well (`SpeechDetector.without_background`), the request also ends after
    `background_hangover_s` of nothing but the room.
    """

    settings: EndpointSettings
    start_s: float = 0.0
    audio: Callable[[float, float], np.ndarray] | None = None
    _logic: FrameEndpointer = field(init=False, repr=False)

    def __post_init__(self) -> None:
        s = self.settings
        self._logic = FrameEndpointer(
            _samples(s.min_speech_s), _samples(s.hangover_s),
            _samples(s.no_speech_timeout_s), _samples(s.max_utterance_s),
        )
        self._frames: list[np.ndarray] = []
        self._room_only = 0  # samples of nothing but the room's background, in a row
        self._room_ends = _samples(s.background_hangover_s)

    def begin(self, start_s: float, preroll: list[np.ndarray]) -> None:
        self.start_s = start_s
        self._frames = [] if self.audio is not None else list(preroll)
        self._logic.begin()
        self._room_only = 0

    def push(self, frame: AudioFrame, speech_probability: float,
             without_background: float | None = None) -> Utterance | None:
        if self.audio is None:
            self._frames.append(np.array(frame.samples))  # the frame may be a ring view
        threshold = self.settings.speech_threshold
        code = self._logic.push(len(frame.samples), speech_probability >= threshold)
        reason = None if code == CONTINUE else END_REASONS[code]
        if code == CONTINUE and without_background is not None:
            self._room_only = 0 if without_background >= threshold else \
                self._room_only + len(frame.samples)
            if self._logic.speech_samples >= self._logic.min_speech and \
                    self._room_only >= self._room_ends:
                reason = BACKGROUND
        if reason is None:
            return None
        samples = (
            self.audio(self.start_s, frame.end_s) if self.audio is not None
            else np.concatenate(self._frames)
        )
        return Utterance(
            samples=samples,
            start_s=self.start_s,
            endpoint_at_s=frame.end_s,
            endpoint_wall=time.monotonic(),
            reason=reason,
        )

    def cut(self, frame: AudioFrame, reason: str = "fast_layer",
            decided_wall: float | None = None) -> Utterance:
        """End the request at `frame` (already pushed) now, before the hangover: the fast
        layer holds a whole command it is sure of. `decided_wall`: when the frame came in
        (the response budget starts there, before the fast layer's decision). The next
        `begin` starts afresh."""
        samples = (
            self.audio(self.start_s, frame.end_s) if self.audio is not None
            else np.concatenate(self._frames)
        )
        wall = time.monotonic() if decided_wall is None else decided_wall
        return Utterance(samples=samples, start_s=self.start_s, endpoint_at_s=frame.end_s,
                         endpoint_wall=wall, reason=reason)


def _samples(seconds: float) -> int:
    return max(1, round(seconds * SAMPLE_RATE))
