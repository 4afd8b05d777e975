"""Echo cancellation: libspeexdsp through ctypes, the delay tracker and the echo stage, run
against the simulated room with deterministic speech-like audio (real espeak-ng speech
too where it is installed)."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time
from typing import Any

import numpy as np
import pytest

from contract.errors import AudioInputError, EchoCancellerUnavailable
from edge.audio import speex
from edge.audio.delay import DelayEstimator, gcc_phat
from edge.audio.echo import EchoStage, ReferenceResampler
from edge.audio.echo_bench import measure_aec
from edge.audio.room import Room, RoomConfig
from edge.audio.signals import espeak, speech_like
from edge.audio.speex import SpeexEchoCanceller

RATE = 16_000
DEVICE_PITCH, USER_PITCH = (90.0, 150.0), (170.0, 280.0)


def run_stage(stage: EchoStage, room: Room, played: np.ndarray, heard: np.ndarray | None = None,
              near: np.ndarray | None = None, block: int = 160) -> tuple[np.ndarray, np.ndarray]:
    """Lockstep loop: the room plays `heard` (default: `played`), the stage is told `played`.
    Returns (mic, output realigned by the stage's latency)."""
    heard = played if heard is None else heard
    near = np.zeros(len(heard), np.int16) if near is None else near
    mic = room.process(heard, near)
    out = np.zeros(len(played), np.int16)
    for i in range(0, len(played), block):
        stage.playback(played[i : i + block])
        out[i : i + block] = stage.capture(mic[i : i + block])
    lat = stage.latency_samples
    return mic, np.concatenate([out[lat:], np.zeros(lat, np.int16)])


def db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, dtype=np.float64) ** 2) + 1e-9))


@pytest.fixture(scope="module")
def device() -> np.ndarray:
    return speech_like(14.0, seed=0, pitch_hz=DEVICE_PITCH)


@pytest.fixture(scope="module")
def scenario(device: np.ndarray) -> dict[str, Any]:
    """14 s of device speech, echo 6 dB over the user, the user talking from 10 s on; the
    linear canceller (the nonlinear stage has its own tests below)."""
    user = speech_like(3.0, seed=1, pitch_hz=USER_PITCH)
    return measure_aec(device, user, RoomConfig(delay_ms=40), user_at_s=10.0, settle_s=5.0,
                       stage=EchoStage(nonlinear=False))


# ---- the canceller ----------------------------------------------------------------------

def test_erle_after_convergence(scenario: dict[str, Any]) -> None:
    assert scenario["erle_db"] >= 25.0, scenario  # the linear filter alone: ~22 dB
    assert scenario["converged_10db_s"] is not None and scenario["converged_10db_s"] <= 4.0
    assert scenario["erle_running_db"] is not None and scenario["erle_running_db"] >= 15.0
    assert scenario["errors"] == 0


def test_user_voice_survives_double_talk(scenario: dict[str, Any]) -> None:
    assert scenario["echo_to_user_db"] > 2.0  # the echo really is louder than the user
    assert scenario["double_talk_corr"] > 0.9, scenario
    assert abs(scenario["double_talk_level_db"]) < 3.0, scenario


def test_without_canceller_the_echo_stays(device: np.ndarray) -> None:
    """The bypass (hardware AEC, A/B runs): same latency, no cancellation."""
    stage = EchoStage()
    stage.enabled = False
    mic, out = run_stage(stage, Room(RoomConfig()), device[: 4 * RATE])
    assert np.array_equal(out[: -stage.latency_samples], mic[: -stage.latency_samples])


@pytest.mark.skipif(espeak("a") is None, reason="espeak-ng is not installed")
def test_real_speech_from_espeak() -> None:
    device = espeak("Here is the weather for today. Mostly sunny in the morning, with clouds "
                    "in the afternoon. Tomorrow brings rain, so take an umbrella with you.")
    user = espeak("Hey jarvis, stop. Turn off the lights.", voice="en+f3")
    assert device is not None and user is not None
    ref = np.tile(device, 3)[: 14 * RATE]
    r = measure_aec(ref, user, RoomConfig(delay_ms=40), user_at_s=10.0, settle_s=5.0)
    assert r["erle_db"] >= 22.0, r
    assert r["double_talk_corr"] > 0.9 and abs(r["double_talk_level_db"]) < 3.0, r


@pytest.mark.skipif(espeak("a") is None, reason="espeak-ng is not installed")
@pytest.mark.parametrize(("drive", "gain_db"), [(1.5, 2.0), (2.5, 2.0), (0.0, -1.0)])
def test_the_nonlinear_stage_cancels_what_a_clipping_loudspeaker_adds(
    drive: float, gain_db: float
) -> None:
    # A soft-clipping loudspeaker leaves distortion a linear filter cannot model; the cubic
    # second filter removes much of it (and costs little with a linear loudspeaker). The
    # user's real voice stays intelligible in double talk either way.
    device = espeak("Here is the weather for today. Mostly sunny in the morning, with clouds "
                    "in the afternoon. Tomorrow brings rain, so take an umbrella with you.")
    user = espeak("Hey jarvis, stop. Turn off the lights.", voice="en+f3")
    assert device is not None and user is not None
    ref = np.tile(device, 6)[: 34 * RATE]
    room = RoomConfig(delay_ms=40, drive=drive)
    linear, cubic = (measure_aec(ref, user, room, user_at_s=30.0, settle_s=10.0,
                                 stage=EchoStage(nonlinear=nl)) for nl in (False, True))
    assert cubic["erle_db"] - linear["erle_db"] >= gain_db, (linear, cubic)
    assert cubic["double_talk_corr"] > 0.92 and abs(cubic["double_talk_level_db"]) < 3.0, cubic


def test_speex_canceller_frame_contract() -> None:
    with SpeexEchoCanceller() as aec:
        out = aec.process(np.zeros(160, np.int16), np.zeros(160, np.int16))
        assert out.dtype == np.int16 and len(out) == 160
        with pytest.raises(ValueError, match="160 samples"):
            aec.process(np.zeros(100, np.int16), np.zeros(160, np.int16))
        aec.reset()
    assert aec.closed
    aec.close()  # idempotent
    with pytest.raises(RuntimeError, match="close"):
        aec.process(np.zeros(160, np.int16), np.zeros(160, np.int16))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"rate": 44_100, "frame": 441}, "not 44100 Hz"),
    ({"rate": 16_000, "frame": 256}, "160 or 320 samples"),
    ({"tail_ms": 5000}, "tail"),
])
def test_unsupported_format_is_a_clear_error(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(AudioInputError, match=message):
        SpeexEchoCanceller(**kwargs)


def test_echo_stage_rejects_a_rate_speex_does_not_take() -> None:
    with pytest.raises(AudioInputError, match="16000"):
        EchoStage(rate=22_050)


def test_missing_library_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_lib(name: str, *args: object, **kwargs: object) -> ctypes.CDLL:
        raise OSError(f"{name}: cannot open shared object file")

    speex.load_speexdsp.cache_clear()
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    monkeypatch.setattr(ctypes, "CDLL", no_lib)
    try:
        with pytest.raises(EchoCancellerUnavailable, match="install Debian's libspeexdsp1") as e:
            EchoStage()
        assert isinstance(e.value, AudioInputError) and isinstance(e.value, OSError)
        assert "\n" not in str(e.value)
    finally:
        speex.load_speexdsp.cache_clear()


# ---- delay ------------------------------------------------------------------------------

@pytest.mark.parametrize("delay_ms", [40.0, 120.0])
def test_delay_estimator_recovers_a_known_delay(device: np.ndarray, delay_ms: float) -> None:
    ref = device[: 4 * RATE]
    mic = Room(RoomConfig(delay_ms=delay_ms)).process(ref, np.zeros(len(ref), np.int16))
    est = DelayEstimator()
    for i in range(0, len(ref), 160):
        est.push(mic[i : i + 160], ref[i : i + 160])
    assert est.delay_ms is not None and abs(est.delay_ms - delay_ms) <= 2.0, est.delay_ms


def test_delay_estimator_ignores_silence_and_noise() -> None:
    rng = np.random.default_rng(5)
    est = DelayEstimator()
    quiet = np.zeros(160, np.int16)
    for _ in range(300):  # 3 s of nothing played, noise heard
        est.push((rng.standard_normal(160) * 300).astype(np.int16), quiet)
    assert est.delay_ms is None and est.attempts == 0
    for _ in range(300):  # 3 s of playback that never reaches the microphone
        est.push((rng.standard_normal(160) * 300).astype(np.int16),
                 (rng.standard_normal(160) * 3000).astype(np.int16))
    assert est.delay_ms is None and est.attempts > 0 and est.candidates == 0


def test_gcc_phat_peak_is_sub_sample() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal(20_000)
    mic = x[2000 - 137 : 2000 - 137 + 16_000]  # mic[n] = x[n + 1863]: 137 samples late
    ref = x[2000 - 800 : 2000 + 16_000]  # ends with mic, 800 samples of lags before it
    lag, prominence = gcc_phat(mic, ref, 800)
    assert abs(lag - 137) < 0.1 and prominence > 50


def test_stage_follows_a_delay_jump(device: np.ndarray) -> None:
    """An underrun the loop did not see: the speaker plays 30 ms later from 5 s on."""
    played = np.tile(device, 2)[: 16 * RATE]
    heard = np.concatenate([played[: 5 * RATE], np.zeros(480, np.int16), played[5 * RATE :]])
    stage = EchoStage()
    mic, out = run_stage(stage, Room(RoomConfig(delay_ms=40)), played, heard[: len(played)])
    assert stage.delay_ms is not None and abs(stage.delay_ms - 70.0) <= 2.0
    assert stage.realignments >= 1
    late = slice(12 * RATE, 16 * RATE)  # cancelling again after the jump
    assert db(mic[late]) - db(out[late]) >= 15.0


def test_stage_follows_clock_drift(device: np.ndarray) -> None:
    """Two sound devices 1000 ppm apart: the delay grows 14 ms over 14 s; the tracker
    follows it (with drift this fast the tracker's ~1 s of lag may look like a small jump)."""
    room = Room(RoomConfig(delay_ms=40, drift_ppm=1000))
    stage = EchoStage()
    run_stage(stage, room, device)
    true_end = room.delay_at(len(device)) * 1000 / RATE
    assert true_end > 53.0
    assert stage.delay_ms is not None and abs(stage.delay_ms - true_end) <= 3.0


@pytest.mark.parametrize(("ppm", "compensate", "min_erle"), [
    (100.0, True, 20.0), (-100.0, True, 20.0), (100.0, False, None)])
def test_drift_compensation_keeps_the_echo_cancelled(
        device: np.ndarray, ppm: float, compensate: bool, min_erle: float | None) -> None:
    """A speaker and a microphone on different clocks: without compensation speex falls to
    ~15 dB at 100 ppm; sliding the pre-delay with the measured drift keeps it above 20."""
    played = np.tile(device, 2)[: 22 * RATE]
    stage = EchoStage(compensate_drift=compensate)
    mic, out = run_stage(stage, Room(RoomConfig(delay_ms=40, drift_ppm=ppm)), played)
    assert stage.drift_ppm is not None and abs(stage.drift_ppm - ppm) <= 5.0
    late = slice(16 * RATE, 22 * RATE)
    erle = db(mic[late]) - db(out[late])
    if min_erle is not None:
        assert erle >= min_erle
    else:
        assert erle < 20.0  # what the compensation is for


def test_an_echo_beyond_the_search_range_is_reported(
        device: np.ndarray, caplog: pytest.LogCaptureFixture) -> None:
    stage = EchoStage(max_delay_ms=200)
    with caplog.at_level(logging.WARNING, logger="edge.audio.echo"):
        run_stage(stage, Room(RoomConfig(delay_ms=300)), device[: 12 * RATE])
    assert stage.delay_ms is None and stage.errors == 0
    assert [r.message for r in caplog.records if "no echo of the playback" in r.message]


def test_stage_predelays_a_reference_beyond_the_tail(device: np.ndarray) -> None:
    """300 ms of playback latency (Bluetooth-like): echo outside the 256 ms tail until the
    reference is pre-delayed."""
    stage = EchoStage()
    mic, out = run_stage(stage, Room(RoomConfig(delay_ms=300)), device[: 12 * RATE])
    assert stage.delay_ms is not None and abs(stage.delay_ms - 300.0) <= 2.0
    assert 250.0 <= stage.predelay_ms <= 300.0
    late = slice(8 * RATE, 12 * RATE)
    assert db(mic[late]) - db(out[late]) >= 20.0


# ---- a bad reference never breaks capture -----------------------------------------------

def test_stalled_reference_counts_as_silence() -> None:
    stage = EchoStage()
    rng = np.random.default_rng(0)
    mic = (rng.standard_normal(RATE) * 1000).astype(np.int16)
    out = np.concatenate([stage.capture(mic[i : i + 160]) for i in range(0, RATE, 160)])
    assert len(out) == RATE and stage.stalled_samples == RATE and stage.errors == 0
    assert stage.stats()["stalled_samples"] == RATE and stage.stats()["delay_ms"] is None
    stage.playback(np.full(80, 1000, np.int16))  # half a slot, then nothing again
    assert len(stage.capture(mic[:160])) == 160
    assert stage.stalled_samples == RATE + 80 and stage.backlog_samples == 0


def test_reference_longer_than_capture_stays_bounded() -> None:
    stage = EchoStage(max_backlog_ms=500)
    block = np.full(1600, 500, np.int16)
    for _ in range(100):  # 10 s played, nothing captured
        stage.playback(block)
    assert stage.backlog_samples == 8000
    assert stage.dropped_samples == 100 * 1600 - 8000
    assert len(stage.capture(np.zeros(160, np.int16))) == 160
    assert stage.backlog_samples == 8000 - 160


def test_any_block_size_gives_the_same_output(device: np.ndarray) -> None:
    """Constant latency whatever the chunking (delay tracking off: its hop timing depends on
    the chunking)."""
    played = device[: 2 * RATE]
    mic = Room(RoomConfig()).process(played, np.zeros(len(played), np.int16))
    ref_stage, odd_stage = EchoStage(track_delay=False), EchoStage(track_delay=False)
    want = np.concatenate([(ref_stage.playback(played[i : i + 160]),
                            ref_stage.capture(mic[i : i + 160]))[1]
                           for i in range(0, len(mic), 160)])
    got, i, sizes = [], 0, [1, 37, 159, 160, 161, 480, 1000, 3]
    while i < len(mic):
        size = sizes[len(got) % len(sizes)]
        odd_stage.playback(played[i : i + size])
        got.append(odd_stage.capture(mic[i : i + size]))
        i += size
    assert i >= len(mic)
    assert np.array_equal(np.concatenate(got), want)


def test_odd_input_types_do_not_raise() -> None:
    stage = EchoStage()
    stage.playback(np.full((160, 2), 1000, np.int16))  # stereo frames
    assert stage.backlog_samples == 160 and stage._take_reference(160)[0] == 1000
    stage.playback(np.linspace(-1, 1, 160, dtype=np.float32))  # float
    stage.playback(np.zeros(0, np.int16))
    assert len(stage.capture(np.zeros(0, np.int16))) == 0
    assert len(stage.capture(np.zeros(160, np.float32))) == 160
    assert stage.errors == 0


def test_closed_stage_passes_the_microphone_through() -> None:
    with EchoStage() as stage:
        pass
    x = np.arange(320, dtype=np.int16)
    y = np.concatenate([stage.capture(x[:160]), stage.capture(x[160:])])
    lat = stage.latency_samples  # the same latency as when it cancelled
    assert np.array_equal(y[lat:], x[: len(x) - lat])


def test_close_from_another_thread_while_capturing() -> None:
    stage = EchoStage()
    mic = (np.random.default_rng(1).standard_normal(160) * 2000).astype(np.int16)
    done = threading.Event()
    lengths: list[int] = []

    def capture() -> None:
        while not done.is_set():
            stage.playback(mic)
            lengths.append(len(stage.capture(mic)))

    t = threading.Thread(target=capture)
    t.start()
    while len(lengths) < 50:
        time.sleep(0.001)
    stage.close()
    n = len(lengths)
    while len(lengths) < n + 50:
        time.sleep(0.001)
    done.set()
    t.join(timeout=5)
    assert set(lengths) == {160} and stage.errors == 0


def test_reference_at_the_output_rate_is_resampled(device: np.ndarray) -> None:
    rs = ReferenceResampler(48_000, RATE)
    assert sum(len(rs.process(np.zeros(480, np.int16))) for _ in range(10)) == 1600
    with pytest.raises(ValueError, match="not supported"):
        ReferenceResampler(12_345)
    stage = EchoStage()
    from edge.audio.convert import resample

    played16 = device[: 6 * RATE]
    played48 = resample(played16, RATE, 48_000)
    mic = Room(RoomConfig()).process(played16, np.zeros(len(played16), np.int16))
    out = np.zeros(len(mic), np.int16)
    for i in range(0, len(mic), 160):
        stage.playback(played48[3 * i : 3 * i + 480], rate=48_000)
        out[i : i + 160] = stage.capture(mic[i : i + 160])
    late = slice(4 * RATE, 6 * RATE)
    assert db(mic[late]) - db(out[late]) >= 15.0
    assert stage.delay_ms is not None and abs(stage.delay_ms - 40.0) <= 4.0


def _db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, np.float64) ** 2) + 1e-9))


def _noisy_voice(seconds: float = 5.0, voice_at_s: float = 2.0) -> tuple[np.ndarray, slice]:
    rng = np.random.default_rng(5)
    voice = speech_like(1.5, seed=3, pitch_hz=USER_PITCH).astype(np.float64)
    mic = rng.normal(0.0, 300.0, int(seconds * RATE))
    at = int(voice_at_s * RATE)
    mic[at : at + len(voice)] += voice
    return np.clip(mic, -32768, 32767).astype(np.int16), slice(at, at + len(voice))


def test_a_recording_heard_alone_reaches_the_models_as_the_microphone_heard_it() -> None:
    """What the speech bench feeds the models (`hear_alone`): nothing plays, so the stage
    only delays the recording by its latency; a stage that always suppresses noise
    (`idle_noise_suppress_db=None`, the daemon before) lowers the room's hiss instead."""
    from edge.audio.duplex import hear_alone

    mic, speech = _noisy_voice()
    noise_only = slice(int(1.0 * RATE), int(1.9 * RATE))  # after the suppressor settled
    with EchoStage() as stage:
        out = hear_alone(stage, mic, block=237)  # blocks need not be the stage's frames
        latency = stage.latency_samples
    assert len(out) == len(mic)
    heard = out[latency:]
    window = mic[speech.start : speech.start + 4000].astype(np.float64)
    fit = [float(np.dot(out[speech.start + k : speech.start + k + 4000], window))
           for k in range(2000)]
    assert abs(int(np.argmax(fit)) - latency) <= 8  # heard `latency` samples later (0.5 ms)
    assert abs(_db(heard[noise_only]) - _db(mic[noise_only])) < 1.0
    assert abs(_db(heard[speech]) - _db(mic[speech])) < 1.0
    with EchoStage(idle_noise_suppress_db=None) as always:
        denoised = hear_alone(always, mic)[latency:]
    assert _db(denoised[noise_only]) < _db(mic[noise_only]) - 6
    assert _db(denoised[speech]) > _db(mic[speech]) - 3


def test_noise_is_suppressed_while_the_device_plays_and_a_tail_after_only() -> None:
    """The suppressor's noise suppression follows the reference: on from the first frame
    that plays, off again once a tail (256 ms) of silence has passed."""
    rng = np.random.default_rng(9)
    mic = np.clip(rng.normal(0.0, 300.0, 6 * RATE), -32768, 32767).astype(np.int16)
    played = np.zeros(6 * RATE, np.int16)
    played[2 * RATE : 4 * RATE] = speech_like(2.0, seed=4, pitch_hz=DEVICE_PITCH)
    out = np.zeros_like(mic)
    with EchoStage() as stage:
        for i in range(0, len(mic), 160):  # the room does not carry the playback here
            stage.playback(played[i : i + 160])
            out[i : i + 160] = stage.capture(mic[i : i + 160])
        heard = out[stage.latency_samples :]

    def window(a: float, b: float) -> slice:
        return slice(int(a * RATE), int(b * RATE))

    before, playing, tail, after = (window(1.0, 1.9), window(3.0, 3.9), window(4.02, 4.2),
                                    window(4.6, 5.9))
    assert abs(_db(heard[before]) - _db(mic[before])) < 1.0
    assert _db(heard[playing]) < _db(mic[playing]) - 6
    assert _db(heard[tail]) < _db(mic[tail]) - 6
    assert abs(_db(heard[after]) - _db(mic[after])) < 1.0
