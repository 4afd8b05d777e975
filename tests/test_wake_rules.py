"""`tandem bench speech wake`: the rules over both models' scores, the levels they read, and
the noise the false-wake streams are put under."""

from __future__ import annotations

import numpy as np
import pytest

from edge.speech_eval.conditions import Condition, with_noise
from edge.speech_eval.wake_ensemble import FRAME, confirmed, quieter_in_noise, with_levels


class _Bank:
    """A noise bank of plain Gaussian noise (the real one makes it with sox)."""

    def get(self, kind: str, length: int, rng: np.random.Generator) -> np.ndarray:
        return rng.standard_normal(length) * 123.0


def test_noise_goes_under_the_speech_at_the_conditions_snr() -> None:
    rng = np.random.default_rng(0)
    speech = np.zeros(160_000)
    speech[::2] = 3000.0  # half the samples "speech", half pauses
    noisy = with_noise(speech, Condition("x", noise="white", snr_db=15.0), 9e6, _Bank(), rng)  # type: ignore[arg-type]
    noise_power = float(np.mean((noisy - speech) ** 2))
    assert 10 * np.log10(9e6 / noise_power) == pytest.approx(15.0, abs=0.1)


def _series(oww: float, mww: float, room_db: float, voice_db: float, n: int = 20) -> np.ndarray:
    s = np.zeros((n, 4), dtype=np.float32)
    s[:, 2], s[:, 3] = room_db, voice_db
    s[10, 0], s[9, 1] = oww, mww  # openWakeWord's peak, microWakeWord's a frame before
    return s


def test_a_lower_threshold_holds_only_where_the_voice_is_near_the_room() -> None:
    rule = quieter_in_noise(0.5, 0.97, 0.002, 0.3, 20.0)
    assert rule.events(_series(0.35, 0.01, room_db=50.0, voice_db=65.0))  # 15 dB: noisy
    assert not rule.events(_series(0.35, 0.01, room_db=20.0, voice_db=65.0))  # quiet room
    # microWakeWord must still give the word a chance, as in the daemon's confirmation
    assert not rule.events(_series(0.35, 0.0, room_db=50.0, voice_db=65.0))
    # and in a quiet room the rule is the daemon's
    quiet = _series(0.6, 0.01, room_db=20.0, voice_db=65.0)
    assert rule.events(quiet) == confirmed(0.5, 0.97, 0.002).events(quiet)


def test_levels_read_the_room_before_and_the_voice_of_the_last_second() -> None:
    rng = np.random.default_rng(1)
    room = rng.standard_normal(16_000 * 3) * 30.0
    voice = np.sin(np.arange(16_000) * 0.05) * 3000.0 + rng.standard_normal(16_000) * 30.0
    audio = np.concatenate([room, voice]).astype(np.int16)
    series = with_levels(np.zeros((len(audio) // FRAME, 2), dtype=np.float32), audio)
    last = series[-1]
    assert last[2] == pytest.approx(10 * np.log10(30.0**2), abs=1.5)  # the room
    assert last[3] == pytest.approx(10 * np.log10(3000.0**2 / 2), abs=1.5)  # the voice
    assert series[20, 3] < 35  # before the voice, the loudest frame is the room's
