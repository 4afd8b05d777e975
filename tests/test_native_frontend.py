"""native/: resampler, front end (downmix, DC, levels, VAD, endpointer), mixer, ring views.

Every behaviour test runs against the compiled kernel and its numpy twin (``impl``); the
hypothesis tests fuzz the two against each other: bit-exact for the integer paths
(resampler, downmix, levels, VAD decisions, endpointer, mixer) and within the stated 1 LSB
for the float64 DC blocker. No timing assertions.
"""

from __future__ import annotations

import math
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from native import frontend_py, mixer_py, resampler_py, ringbuffer_py
from native.filter_design import SUPPORTED_RATES, design

try:
    from native import _frontend, _mixer, _resampler, _ringbuffer
except ImportError as exc:  # not built: the compiled half of every test is skipped
    compiled: dict[str, ModuleType] | None = None
    _not_built = f"native kernels not built ({exc}); run setup.py build_ext --inplace"
else:
    compiled = {"fe": _frontend, "mix": _mixer, "rs": _resampler, "rb": _ringbuffer}
    _not_built = ""


def _ns(name: str, fe: Any, mix: Any, rs: Any, rb: Any) -> SimpleNamespace:
    return SimpleNamespace(
        name=name, Resampler=rs.Resampler, DcBlocker=fe.DcBlocker, EnergyVad=fe.EnergyVad,
        FrameEndpointer=fe.FrameEndpointer, downmix=fe.downmix, levels=fe.levels,
        Ducker=mix.Ducker, RingBuffer=rb.RingBuffer,
    )


TWIN = _ns("python", frontend_py, mixer_py, resampler_py, ringbuffer_py)
COMPILED = _ns("cython", **compiled) if compiled else None
IMPLS = [
    pytest.param(TWIN, id="python"),
    pytest.param(COMPILED, id="cython",
                 marks=pytest.mark.skipif(compiled is None, reason=_not_built)),
]
needs_compiled = pytest.mark.skipif(compiled is None, reason=_not_built)
FAST = COMPILED or TWIN  # bit-exact twins: the faster one measures quality


@pytest.fixture(params=IMPLS, scope="module")
def impl(request: pytest.FixtureRequest) -> SimpleNamespace:
    return request.param


def tone(freq: float, rate: int, seconds: float, amplitude: float = 20_000.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return np.rint(amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def chunked(process: Any, x: np.ndarray, sizes: list[int]) -> np.ndarray:
    out, i, k = [], 0, 0
    while i < len(x):
        n = sizes[k % len(sizes)] if sizes else len(x)
        if n == 0:  # an empty chunk must be harmless; then move on by one sample
            out.append(process(x[:0]))
            n = 1
        out.append(process(x[i : i + n]))
        i, k = i + n, k + 1
    return np.concatenate(out) if out else np.zeros(0, np.int16)


# -- resampler ------------------------------------------------------------------------------

PAIRS = [(48_000, 16_000), (44_100, 16_000), (22_050, 16_000), (8_000, 16_000),
         (16_000, 48_000), (22_050, 48_000), (16_000, 8_000)]


@pytest.mark.parametrize(("rate_in", "rate_out"), PAIRS)
def test_resampler_keeps_a_tone_and_the_length(
    impl: SimpleNamespace, rate_in: int, rate_out: int
) -> None:
    r = impl.Resampler(rate_in, rate_out)
    x = tone(1000.0, rate_in, 0.5)
    y = np.concatenate([r.process(x), r.flush()])
    d = round(r.delay_out)
    y = y[d : d + len(x) * rate_out // rate_in]
    assert len(y) == len(x) * rate_out // rate_in
    # Output n is the input at time n - delay_out (output samples): a sine, delayed.
    n = np.arange(len(y)) + d - r.delay_out
    ref = 20_000.0 * np.sin(2 * np.pi * 1000.0 * n / rate_out)
    steady = slice(len(y) // 4, 3 * len(y) // 4)
    assert np.max(np.abs(y[steady] - ref[steady])) < 20  # -60 dB re the tone


def test_resampler_output_length_is_exact(impl: SimpleNamespace) -> None:
    r = impl.Resampler(44_100, 16_000)
    for n in [0, 1, 2, 3, 440, 441, 442, 1000, 7]:
        expected = r.output_length(n)
        assert len(r.process(np.ones(n, np.int16))) == expected
    out = np.zeros(r.output_length(441), np.int16)
    assert r.process_into(np.ones(441, np.int16), out) == len(out)
    with pytest.raises(ValueError, match="output holds 0 samples"):
        r.process_into(np.ones(441, np.int16), np.zeros(0, np.int16))


@settings(max_examples=40, deadline=None)
@given(
    pair=st.sampled_from(PAIRS),
    x=hnp.arrays(np.int16, st.integers(0, 3000)),
    sizes=st.lists(st.integers(0, 700), min_size=1, max_size=12),
)
def test_resampler_stream_safe_and_twins_agree_bit_exactly(
    pair: tuple[int, int], x: np.ndarray, sizes: list[int]
) -> None:
    """Any chunking gives the same output as one call, and compiled == twin, bit for bit."""
    whole = resampler_py.Resampler(*pair).process(x)
    twin = resampler_py.Resampler(*pair)
    np.testing.assert_array_equal(chunked(twin.process, x, sizes), whole)
    if compiled is not None:
        fast = _resampler.Resampler(*pair)
        np.testing.assert_array_equal(chunked(fast.process, x, sizes), whole)
        assert fast.clipped == twin.clipped
        assert (fast.total_in, fast.total_out) == (twin.total_in, twin.total_out)


def test_resampler_counts_clipping(impl: SimpleNamespace) -> None:
    square = np.tile(np.r_[np.full(24, 32767), np.full(24, -32768)].astype(np.int16), 100)
    r = impl.Resampler(48_000, 16_000)
    y = r.process(square)
    assert r.clipped > 0  # Gibbs overshoot of a full-scale square saturates, and says so
    assert y.max() == 32767 and y.min() == -32768


def _gain_db(y: np.ndarray, freq: float, rate: int) -> float:
    """Least-squares amplitude of a sine at ``freq`` in ``y``, in dB re 20000."""
    t = np.arange(len(y)) / rate
    basis = np.stack([np.sin(2 * np.pi * freq * t), np.cos(2 * np.pi * freq * t)], axis=1)
    coef, *_ = np.linalg.lstsq(basis, y.astype(np.float64), rcond=None)
    return 20 * math.log10(max(math.hypot(*coef), 1e-9) / 20_000.0)


def sweep_48k_to_16k() -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Sine sweep through 48 k -> 16 k: pass-band gains (<= 7 kHz) and stop-band
    leakage (>= 8 kHz: everything that comes out, aliases and all, re the input)."""
    rate_in, rate_out = 48_000, 16_000
    passband, stopband = [], []
    for f in list(np.arange(50.0, 7001.0, 250.0)) + [7000.0]:
        y = FAST.Resampler(rate_in, rate_out).process(tone(f, rate_in, 0.25))
        passband.append((f, _gain_db(y[400:-100], f, rate_out)))
    for f in list(np.arange(8000.0, 23_901.0, 300.0)) + [23_900.0]:
        y = FAST.Resampler(rate_in, rate_out).process(tone(f, rate_in, 0.25)).astype(np.float64)
        rms = math.sqrt(float(np.mean(y[400:-100] ** 2)))
        stopband.append((f, 20 * math.log10(max(rms, 1e-9) / (20_000.0 / math.sqrt(2)))))
    return passband, stopband


def test_resampler_quality_by_sine_sweep() -> None:
    """48 k -> 16 k: ripple <= 0.1 dB up to 7 kHz, rejection >= 60 dB from 8 kHz."""
    passband, stopband = sweep_48k_to_16k()
    gains = [g for _, g in passband]
    assert max(gains) - min(gains) <= 0.1, passband
    assert max(abs(g) for g in gains) <= 0.1, passband
    worst_f, worst = max(stopband, key=lambda fg: fg[1])
    assert worst <= -60.0, f"only {-worst:.1f} dB rejection at {worst_f} Hz"


@pytest.mark.parametrize("rate", [12_345, 0, -16_000, 96_000])
def test_resampler_refuses_unsupported_rates(impl: SimpleNamespace, rate: int) -> None:
    with pytest.raises(ValueError, match=f"sample rate {rate} Hz is not supported"):
        impl.Resampler(rate, 16_000)
    with pytest.raises(ValueError, match="not supported"):
        impl.Resampler(16_000, rate)


def test_resampler_refuses_non_integer_rates(impl: SimpleNamespace) -> None:
    with pytest.raises(TypeError, match="sample rate must be an integer"):
        impl.Resampler(48_000.0, 16_000)
    with pytest.raises(TypeError, match="sample rate must be an integer"):
        impl.Resampler(float("nan"), 16_000)


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        (np.zeros(4, np.float32), TypeError, "expected int16 samples, got dtype float32"),
        (np.zeros(4, np.int32), TypeError, "expected int16 samples, got dtype int32"),
        (np.zeros((2, 2), np.int16), ValueError, "expected a 1-D array"),
        (np.zeros(8, np.int16)[::2], ValueError, "C-contiguous"),
        ([1, 2, 3], TypeError, "expected a 1-D int16 numpy array or buffer, got list"),
        (b"\x00\x00\x00", TypeError, "expected int16 samples"),
    ],
)
def test_kernels_reject_bad_input_alike(
    impl: SimpleNamespace, bad: object, error: type, message: str
) -> None:
    for call in (
        impl.Resampler(48_000, 16_000).process,
        impl.DcBlocker().process,
        impl.EnergyVad().process,
        impl.levels,
        lambda x: impl.downmix(x, 1),
        lambda x: impl.Ducker().mix(x, x, True),
    ):
        with pytest.raises(error, match=message):
            call(bad)


def test_misaligned_pcm_buffer_is_read_correctly(impl: SimpleNamespace) -> None:
    raw = bytearray(b"\x00" + np.arange(100, dtype="<i2").tobytes())
    view = memoryview(raw)[1:].cast("h")  # int16 at an odd address
    assert impl.levels(view) == frontend_py.levels(np.arange(100, dtype=np.int16))


def test_empty_input_is_fine(impl: SimpleNamespace) -> None:
    empty = np.zeros(0, np.int16)
    assert len(impl.Resampler(48_000, 16_000).process(empty)) == 0
    assert len(impl.DcBlocker().process(empty)) == 0
    assert len(impl.EnergyVad().process(empty)) == 0
    assert impl.levels(empty) == (0.0, 0)
    assert len(impl.downmix(empty, 2)) == 0
    assert len(impl.Ducker().mix(empty, empty, True)) == 0


# -- downmix, levels, DC --------------------------------------------------------------------


def test_downmix_is_the_floor_of_the_mean(impl: SimpleNamespace) -> None:
    x = np.array([1, 2, -1, -2, 32767, 32767, -32768, -32768, 3, -4], np.int16)
    assert impl.downmix(x, 2).tolist() == [1, -2, 32767, -32768, -1]
    assert impl.downmix(x, 1).tolist() == x.tolist()
    with pytest.raises(ValueError, match="not a whole number of 3-channel frames"):
        impl.downmix(x, 3)
    with pytest.raises(ValueError, match="channels: must be in 1..32"):
        impl.downmix(x, 0)


@settings(max_examples=60, deadline=None)
@given(x=hnp.arrays(np.int16, st.integers(0, 600)), ch=st.integers(1, 6))
def test_downmix_and_levels_twins_agree(x: np.ndarray, ch: int) -> None:
    x = x[: len(x) - len(x) % ch]
    expected = frontend_py.downmix(x, ch)
    assert impl_all(lambda m: m.downmix(x, ch), expected)
    assert impl_all(lambda m: m.levels(x), frontend_py.levels(x))


def impl_all(call: Any, expected: Any) -> bool:
    if compiled is None:
        return True
    got = call(_frontend)
    if isinstance(expected, np.ndarray):
        return bool(np.array_equal(got, expected))
    return bool(got == expected)


def test_levels(impl: SimpleNamespace) -> None:
    rms, peak = impl.levels(np.array([3, -4, 3, -4], np.int16))
    assert rms == pytest.approx(math.sqrt(12.5)) and peak == 4
    assert impl.levels(np.array([-32768], np.int16)) == (32768.0, 32768)


def test_dc_blocker_removes_offset_and_keeps_speech_band(impl: SimpleNamespace) -> None:
    dc = impl.DcBlocker(16_000, cutoff_hz=20.0)
    x = (tone(1000.0, 16_000, 1.0, 8000.0).astype(np.int32) + 6000).astype(np.int16)
    y = dc.process(x)
    tail = y[8000:].astype(np.float64)
    assert abs(tail.mean()) < 20  # the offset is gone
    assert _gain_db(y[8000:], 1000.0, 16_000) == pytest.approx(20 * math.log10(0.4), abs=0.05)


def test_dc_blocker_refuses_nan_and_silly_cutoffs(impl: SimpleNamespace) -> None:
    with pytest.raises(ValueError, match="cutoff_hz: must be finite, got nan"):
        impl.DcBlocker(16_000, float("nan"))
    with pytest.raises(ValueError, match="cutoff_hz: must be finite, got inf"):
        impl.DcBlocker(16_000, float("inf"))
    with pytest.raises(ValueError, match="cutoff_hz: must be in"):
        impl.DcBlocker(16_000, 5000.0)


@settings(max_examples=40, deadline=None)
@given(
    x=hnp.arrays(np.int16, st.integers(0, 2000)),
    sizes=st.lists(st.integers(0, 500), min_size=1, max_size=8),
)
def test_dc_blocker_stream_safe_and_twins_within_one_lsb(x: np.ndarray, sizes: list[int]) -> None:
    whole = frontend_py.DcBlocker().process(x)
    np.testing.assert_array_equal(chunked(frontend_py.DcBlocker().process, x, sizes), whole)
    if compiled is not None:
        fast = chunked(_frontend.DcBlocker().process, x, sizes)
        assert np.max(np.abs(fast.astype(int) - whole), initial=0) <= 1  # stated tolerance


# -- energy + ZCR VAD -----------------------------------------------------------------------


def voiced(seconds: float, amplitude: float, rate: int = 16_000) -> np.ndarray:
    """A crude vowel: 150 Hz fundamental with falling harmonics (low crossing rate)."""
    t = np.arange(int(rate * seconds)) / rate
    wave = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 8))
    return np.rint(amplitude * wave / max(float(np.max(np.abs(wave), initial=0.0)), 1e-9)).astype(
        np.int16)


def noise(seconds: float, rms: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.rint(rng.standard_normal(int(16_000 * seconds)) * rms).astype(np.int16)


def test_vad_tracks_noise_floor_and_finds_speech(impl: SimpleNamespace) -> None:
    vad = impl.EnergyVad()
    background = noise(2.0, 100.0)  # about -50 dBFS of hiss
    quiet = vad.process(background)
    assert len(quiet) == 200 and np.count_nonzero(quiet == frontend_py.SPEECH) == 0
    assert vad.noise_floor_dbfs == pytest.approx(-50.3, abs=2.0)
    speech = vad.process(voiced(0.5, 6000.0) + noise(0.5, 100.0, seed=2))
    assert np.count_nonzero(speech == frontend_py.SPEECH) >= 45
    loud_hiss = vad.process(noise(0.3, 3000.0, seed=3))
    assert np.count_nonzero(loud_hiss == frontend_py.SPEECH) == 0  # high crossing rate
    assert np.count_nonzero(loud_hiss == frontend_py.MAYBE) >= 25  # energetic: "maybe"


def test_vad_ignores_digital_silence_and_quiet_sounds(impl: SimpleNamespace) -> None:
    vad = impl.EnergyVad()
    assert not vad.process(np.zeros(16_000, np.int16)).any()
    assert not vad.process(voiced(0.3, 40.0)).any()  # -58 dBFS: below min_level_dbfs


@settings(max_examples=40, deadline=None)
@given(
    parts=st.lists(st.tuples(st.sampled_from(["silence", "hiss", "voice", "loud"]),
                             st.integers(1, 900)), min_size=1, max_size=8),
    sizes=st.lists(st.integers(0, 400), min_size=1, max_size=8),
)
def test_vad_stream_safe_and_twins_agree(parts: list[tuple[str, int]], sizes: list[int]) -> None:
    gen = {"silence": lambda n: np.zeros(n, np.int16),
           "hiss": lambda n: noise(n / 16_000, 80.0)[:n],
           "voice": lambda n: voiced(n / 16_000, 5000.0)[:n],
           "loud": lambda n: noise(n / 16_000, 20_000.0)[:n]}
    x = np.concatenate([gen[kind](n) for kind, n in parts])
    whole_vad = frontend_py.EnergyVad()
    whole = whole_vad.process(x)
    np.testing.assert_array_equal(chunked(frontend_py.EnergyVad().process, x, sizes), whole)
    if compiled is not None:
        fast = _frontend.EnergyVad()
        np.testing.assert_array_equal(chunked(fast.process, x, sizes), whole)
        assert fast.noise_floor_dbfs == whole_vad.noise_floor_dbfs
        assert fast.last_power == whole_vad.last_power


def test_vad_settings_are_validated(impl: SimpleNamespace) -> None:
    with pytest.raises(ValueError, match="speech_margin_db: must be finite"):
        impl.EnergyVad(speech_margin_db=float("nan"))
    with pytest.raises(ValueError, match="maybe_margin_db: must be in"):
        impl.EnergyVad(speech_margin_db=6.0, maybe_margin_db=9.0)
    with pytest.raises(TypeError, match="min_level_dbfs: expected a number"):
        impl.EnergyVad(min_level_dbfs="-50")
    with pytest.raises(ValueError, match="output holds 0 decisions, 1 needed"):
        impl.EnergyVad().process_into(np.zeros(160, np.int16), np.zeros(0, np.uint8))


# -- endpointer -----------------------------------------------------------------------------


def test_frame_endpointer_semantics(impl: SimpleNamespace) -> None:
    ep = impl.FrameEndpointer(min_speech=480, hangover=1280, no_speech_timeout=4800,
                              max_length=16_000)
    results = [ep.push(160, True) for _ in range(5)] + [ep.push(160, False) for _ in range(8)]
    assert results[-1] == frontend_py.END_SILENCE and not any(results[:-1])
    ep.begin()
    results = [ep.push(160, False) for _ in range(30)]
    assert results.index(frontend_py.END_NO_SPEECH) == 29
    ep.begin()
    results = [ep.push(1600, True) for _ in range(10)]
    assert results.index(frontend_py.END_MAX_LENGTH) == 9
    with pytest.raises(ValueError, match="hangover: must be in"):
        impl.FrameEndpointer(1, 0, 1, 1)
    with pytest.raises(ValueError, match="expected a count >= 0"):
        ep.push(-1, True)


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(0, 800), st.booleans()), max_size=60),
       limits=st.tuples(*[st.integers(1, 5000)] * 4))
def test_frame_endpointer_twins_agree(steps: list[tuple[int, bool]], limits: tuple) -> None:
    twin = frontend_py.FrameEndpointer(*limits)
    fast = _frontend.FrameEndpointer(*limits) if compiled else frontend_py.FrameEndpointer(*limits)
    assert [twin.push(n, s) for n, s in steps] == [fast.push(n, s) for n, s in steps]


# -- ducking mixer --------------------------------------------------------------------------


def test_ducker_lowers_music_while_speaking_and_restores_it(impl: SimpleNamespace) -> None:
    rate = 48_000
    duck = impl.Ducker(rate, duck_db=-15.0, attack_ms=50.0, release_ms=200.0)
    music = tone(440.0, rate, 0.5, 10_000.0)
    silence = np.zeros_like(music)
    before = duck.mix(music, silence, active=False)
    np.testing.assert_array_equal(before, music)  # unity gain: untouched
    during = duck.mix(music, silence, active=True)
    assert duck.gain == pytest.approx(10 ** (-15 / 20), abs=1e-4)
    ramp = int(0.05 * rate)
    assert _gain_db(during[ramp:], 440.0, rate) == pytest.approx(
        20 * math.log10(0.5) - 15.0, abs=0.1)
    after = duck.mix(music, silence, active=False)
    assert duck.gain == 1.0
    np.testing.assert_array_equal(after[int(0.2 * rate) + 1 :], music[int(0.2 * rate) + 1 :])
    gains = np.abs(during[: ramp : 480]).astype(int)  # no jump: the attack is a ramp
    assert len(gains) > 3


def test_ducker_adds_the_voice_and_counts_clipping(impl: SimpleNamespace) -> None:
    duck = impl.Ducker(16_000, duck_db=0.0)
    loud = np.full(100, 30_000, np.int16)
    y = duck.mix(loud, loud, active=True)
    assert (y == 32767).all() and duck.clipped == 100
    with pytest.raises(ValueError, match="same length, got 100 and 3"):
        duck.mix(loud, loud[:3], active=True)


@settings(max_examples=40, deadline=None)
@given(
    segments=st.lists(st.tuples(hnp.arrays(np.int16, st.integers(0, 400)), st.booleans()),
                      max_size=8),
    duck_db=st.floats(-60.0, 0.0),
)
def test_ducker_twins_agree(segments: list[tuple[np.ndarray, bool]], duck_db: float) -> None:
    twin = mixer_py.Ducker(16_000, duck_db, 5.0, 20.0)
    fast = _mixer.Ducker(16_000, duck_db, 5.0, 20.0) if compiled else mixer_py.Ducker(
        16_000, duck_db, 5.0, 20.0)
    for x, active in segments:
        voice = x[::-1].copy()
        np.testing.assert_array_equal(twin.mix(x, voice, active), fast.mix(x, voice, active))
    assert twin.clipped == fast.clipped and twin.gain == fast.gain


# -- ring buffer views ----------------------------------------------------------------------


def test_peek_commit_is_a_zero_copy_read(impl: SimpleNamespace) -> None:
    rb = impl.RingBuffer(10)
    rb.write(np.arange(7, dtype=np.int16))
    assert rb.peek(8) is None
    v = rb.peek(4)
    assert v is not None and v.tolist() == [0, 1, 2, 3] and not v.flags.writeable
    assert rb.available == 7  # nothing consumed yet
    assert rb.commit(4) is True
    assert rb.available == 3 and rb.total_read == 4
    rb.write(np.arange(7, 13, dtype=np.int16))  # wraps the end of the ring
    v = rb.peek(8)
    assert v is not None and v.tolist() == list(range(4, 12))  # contiguous across the wrap
    assert rb.last_read_start == 4
    assert rb.commit(8)
    with pytest.raises(ValueError, match="4 samples committed, only 1 unread"):
        rb.commit(4)


def test_view_by_position_and_lifetime(impl: SimpleNamespace) -> None:
    rb = impl.RingBuffer(8)
    rb.write(np.arange(6, dtype=np.int16))
    assert rb.view(1, 5).tolist() == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match=r"samples \[4, 8\) are not written yet"):
        rb.view(4, 4)
    utterance = rb.view(2, 4)
    rb.write(np.arange(6, 10, dtype=np.int16))  # total 10: samples 0, 1 overwritten
    assert rb.is_intact(2) and not rb.is_intact(1)
    assert utterance.tolist() == [2, 3, 4, 5]  # still valid: not lapped
    rb.write(np.arange(10, 12, dtype=np.int16))  # now sample 2, 3 are gone
    assert not rb.is_intact(2)  # ... and the holder of `utterance` can tell
    with pytest.raises(ValueError, match="sample 2 was overwritten"):
        rb.view(2, 4)


def test_commit_reports_a_view_torn_by_the_producer(impl: SimpleNamespace) -> None:
    rb = impl.RingBuffer(4)
    rb.write(np.arange(4, dtype=np.int16))
    v = rb.peek(4)
    assert v is not None
    rb.write(np.arange(4, 6, dtype=np.int16))  # the consumer was too slow
    assert rb.commit(4) is False  # what was computed from v is invalid


@settings(max_examples=60, deadline=None)
@given(
    capacity=st.integers(1, 40),
    ops=st.lists(st.tuples(st.sampled_from(["write", "peek"]), st.integers(1, 50)),
                 max_size=40),
)
def test_peek_matches_read_in_both(capacity: int, ops: list[tuple[str, int]]) -> None:
    """A peek/commit consumer sees exactly what a read() consumer sees, in both kernels."""
    kinds = [ringbuffer_py] + ([_ringbuffer] if compiled else [])
    for kind in kinds:
        a, b = kind.RingBuffer(capacity), kind.RingBuffer(capacity)
        written = 0
        for op, n in ops:
            if op == "write":
                data = ((written + np.arange(n)) & 0x7FFF).astype(np.int16)
                a.write(data)
                b.write(data)
                written += n
            elif n <= capacity:
                got = a.read(n)
                view = b.peek(n)
                assert (got is None) == (view is None)
                if got is not None and view is not None:
                    np.testing.assert_array_equal(view, got)
                    assert b.last_read_start == a.last_read_start
                    assert b.commit(n)
            assert (a.available, a.overrun_samples) == (b.available, b.overrun_samples)


def test_filter_tables_are_sane() -> None:
    for rate_in in SUPPORTED_RATES:
        for rate_out in SUPPORTED_RATES:
            if rate_in != rate_out:
                f = design(rate_in, rate_out)
                assert f.coefficients.shape == (f.up, f.taps)
                assert f.taps * f.up < 100_000
