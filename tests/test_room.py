"""The simulated room of the duplex benchmark: deterministic, streaming, and what it says."""

from __future__ import annotations

import numpy as np
import pytest

from edge.audio.room import Room, RoomConfig, impulse_response
from edge.audio.signals import speech_like

RATE = 16_000


def db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, dtype=np.float64) ** 2) + 1e-12))


def test_same_seed_same_room() -> None:
    play, user = speech_like(2.0, seed=0), speech_like(2.0, seed=1)
    a = Room(RoomConfig(seed=3)).process(play, user)
    b = Room(RoomConfig(seed=3)).process(play, user)
    c = Room(RoomConfig(seed=4)).process(play, user)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_streaming_equals_one_block() -> None:
    play, user = speech_like(1.0, seed=0), speech_like(1.0, seed=1)
    cfg = RoomConfig(noise_dbfs=-np.inf)
    whole = Room(cfg).process(play, user)
    room = Room(cfg)
    cuts = [0, 1, 160, 161, 1000, 1003, 8000, len(play)]
    parts = [room.process(play[a:b], user[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]
    assert np.max(np.abs(np.concatenate(parts).astype(int) - whole)) <= 1  # FFT rounding


@pytest.mark.parametrize("delay_ms", [0.0, 40.0, 123.0])
def test_the_echo_arrives_after_the_delay(delay_ms: float) -> None:
    room = Room(RoomConfig(delay_ms=delay_ms, drive=0.0, noise_dbfs=-np.inf))
    click = np.zeros(4000, np.int16)
    click[100] = 20_000
    mic = room.process(click, np.zeros_like(click))
    d = round(delay_ms * RATE / 1000)
    assert np.all(mic[: 100 + d] == 0)
    assert int(np.argmax(np.abs(mic))) == 100 + d  # the direct path is the strongest


def test_levels_gain_reverb_and_noise() -> None:
    cfg = RoomConfig(echo_gain_db=6.0, drive=0.0, noise_dbfs=-np.inf, rt60_s=0.4)
    h = impulse_response(cfg)
    assert abs(10 * np.log10(np.sum(h**2)) - 6.0) < 0.01  # unit energy, then the gain
    tail = h[round(cfg.delay_ms * RATE / 1000) + 1 :]
    early, late = tail[: RATE // 10], tail[RATE * 2 // 10 : RATE * 3 // 10]
    # 60 dB per RT60 (0.4 s): 0.2 s between the two windows' centres -> 30 dB
    assert abs(db(early) - db(late) - 30.0) < 3.0
    noise_only = Room(RoomConfig(noise_dbfs=-40.0)).process(np.zeros(RATE, np.int16),
                                                            np.zeros(RATE, np.int16))
    assert abs(db(noise_only) - (db(np.array([32768.0])) - 40.0)) < 0.3
    user = speech_like(1.0, seed=2)
    quiet = Room(RoomConfig(noise_dbfs=-np.inf, user_gain_db=-6.0))
    assert abs(db(quiet.process(np.zeros_like(user), user)) - db(user) + 6.0) < 0.1


def test_the_loudspeaker_compresses_peaks_mildly() -> None:
    room = Room(RoomConfig(drive=1.5))
    x = np.array([1000, 16_000, 32_767], np.int16)
    y = room.speaker(x)
    assert abs(y[0] - 1000) < 5  # quiet: linear
    assert y[2] < 0.65 * 32_767  # full scale: squashed (tanh(1.5) / 1.5 = 0.60)
    assert np.all(np.diff(y) > 0)


def test_blocks_must_match() -> None:
    with pytest.raises(ValueError, match="160 playback, 80 user"):
        Room().process(np.zeros(160, np.int16), np.zeros(80, np.int16))
    with pytest.raises(ValueError):
        RoomConfig(rt60_s=0.0)
