"""The background gate: a room that sounds like speech does not hold a request open."""

from __future__ import annotations

import numpy as np
import pytest

from edge.messages import SAMPLE_RATE, AudioFrame
from edge.settings import EndpointSettings
from edge.stages.background_gate import BackgroundGate, frame_level_db
from edge.stages.endpoint import Endpointer, speech_detector

FRAME = 1280  # the pipeline's 80 ms frame


def gate(**kw: float) -> BackgroundGate:
    args = {"margin_db": 6.0, "below_speech_db": 10.0, "speech_threshold": 0.5,
            "frame_s": 0.08} | kw
    return BackgroundGate(**args)


def test_frame_level_is_the_mean_square_in_db() -> None:
    assert frame_level_db(np.full(FRAME, 100, dtype=np.int16)) == pytest.approx(40.0, abs=1e-3)
    assert frame_level_db(np.full(FRAME, 1000, dtype=np.int16)) == pytest.approx(60.0, abs=1e-3)
    assert frame_level_db(np.zeros(FRAME, dtype=np.int16)) == pytest.approx(-30.0)


def test_room_level_speech_after_the_users_voice_is_silence() -> None:
    g = gate()
    for level in [40.0, 41.0, 39.0, 55.0, 40.5] * 6:  # babble, with a louder moment
        g.observe(level)
    g.begin()
    assert g.background_db == pytest.approx(40.0, abs=0.5)  # the louder moment is not the room
    assert g.filter(42.0, 0.9) == 0.9  # before the user spoke nothing is gated
    assert g.filter(60.0, 0.9) == 0.9  # the user
    assert g.filter(44.0, 0.9) == 0.0  # the room again: within 6 dB of it, 16 under the user
    assert g.filter(47.0, 0.9) == 0.9  # louder than the room by more than the margin
    assert g.filter(44.0, 0.3) == 0.3  # not speech anyway: untouched
    assert g.gated == 1


def test_soft_speech_near_the_users_level_is_kept() -> None:
    g = gate()
    for _ in range(10):
        g.observe(40.0)
    g.begin()
    g.filter(48.0, 0.9)  # a user barely above the room
    assert g.filter(45.0, 0.9) == 0.9  # only 3 dB under the user: still the user


def test_a_quiet_room_gates_nothing() -> None:
    g = gate()
    for _ in range(10):
        g.observe(-30.0)  # digital silence
    g.begin()
    g.filter(70.0, 0.9)
    assert [g.filter(level, 0.9) for level in (30.0, 40.0, 55.0)] == [0.9, 0.9, 0.9]


def test_each_request_starts_from_its_own_room() -> None:
    g = gate()
    for _ in range(40):
        g.observe(40.0)
    g.begin()
    g.filter(60.0, 0.9)
    for _ in range(40):
        g.observe(20.0)  # the television went off
    g.begin()
    assert g.background_db == pytest.approx(20.0)
    assert g.filter(42.0, 0.9) == 0.9  # no loudest-so-far from the last request


class SpeechEverywhere:
    """Silero on babble: every frame sounds like speech."""

    def speech_probability(self, samples: np.ndarray) -> float:
        return 0.9

    def reset(self) -> None:
        pass


def _endpoint(settings: EndpointSettings, babble: np.ndarray, voice: np.ndarray,
              reasons: list[str] | None = None) -> float | None:
    """Where the request ends: babble before it, the user's voice, babble after; why, in
    `reasons`."""
    detector = speech_detector(SpeechEverywhere(), settings, FRAME / SAMPLE_RATE)  # type: ignore[arg-type]
    endpointer = Endpointer(settings)
    audio = np.concatenate([babble, voice + babble[: len(voice)], babble])
    for i in range(0, len(babble), FRAME):
        detector.observe(audio[i : i + FRAME])
    detector.reset()
    endpointer.begin(len(babble) / SAMPLE_RATE, [])
    for t in range(len(babble), len(audio) - FRAME + 1, FRAME):
        samples = audio[t : t + FRAME]
        frame = AudioFrame(samples, t / SAMPLE_RATE)
        heard = detector.probability(samples, detector.observe(samples))
        utterance = endpointer.push(frame, heard, detector.without_background(heard))
        if utterance is not None:
            if reasons is not None:
                reasons.append(utterance.reason)
            return utterance.endpoint_at_s
    return None


def test_babble_no_longer_holds_the_request_open() -> None:
    rng = np.random.default_rng(3)
    babble = np.rint(rng.standard_normal(SAMPLE_RATE * 3) * 300).astype(np.int16)
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    voice = np.rint(np.sin(2 * np.pi * 180 * t) * 6000).astype(np.int16)  # 1 s, +20 dB
    settings = EndpointSettings(vad="silero")
    reasons: list[str] = []
    ended = _endpoint(settings, babble, voice, reasons)
    voice_end = 4.0  # 3 s of babble, then 1 s of voice
    assert ended is not None and \
        voice_end + settings.hangover_s < ended <= voice_end + settings.background_hangover_s + 0.08
    assert reasons == ["background"]  # the trace tells the room's end from the user's pause
    # Without the gate the room is speech for as long as it lasts.
    assert _endpoint(EndpointSettings(vad="silero", background_margin_db=None), babble,
                     voice) is None


def test_true_silence_still_ends_the_request_at_the_normal_hangover() -> None:
    quiet = np.zeros(SAMPLE_RATE * 3, dtype=np.int16)  # the energy VAD hears nothing
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    voice = np.rint(np.sin(2 * np.pi * 180 * t) * 6000).astype(np.int16)
    settings = EndpointSettings(vad="gated")
    reasons: list[str] = []
    ended = _endpoint(settings, quiet, voice, reasons)
    hangover = settings.hangover_s
    assert ended is not None and 4.0 + hangover <= ended <= 4.0 + hangover + 0.08
    assert reasons == ["silence"]


def test_gate_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="background_margin_db"):
        EndpointSettings(background_margin_db=-1.0)
    with pytest.raises(ValueError, match="below_speech_db"):
        EndpointSettings(below_speech_db=100.0)
    with pytest.raises(ValueError, match="background_hangover_s"):
        EndpointSettings(background_hangover_s=0.2)
