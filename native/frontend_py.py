"""Pure-Python (numpy) twin of ``native._frontend``; it defines the meaning.

The per-sample and per-frame loops of the capture front end:

* ``downmix``: interleaved multi-channel int16 -> mono, the floor of the channel mean
  (exact integer arithmetic: compiled and twin agree bit for bit).
* ``DcBlocker``: one-pole DC-removal high-pass ``y[n] = x[n] - x[n-1] + a * y[n-1]`` in
  float64, rounded half-to-even to int16 with saturations counted. The twin runs it through
  ``scipy.signal.lfilter`` (direct form II transposed); the kernel performs the same float64
  operations in the same order, so they agree to the bit in practice; the stated tolerance
  is 1 LSB.
* ``levels``: RMS and peak of a block (integer sum of squares, one correctly rounded sqrt:
  bit-exact).
* ``EnergyVad``: energy + zero-crossing voice detector over 10 ms frames with an adaptive
  noise floor. Per frame: 0 = silence, 1 = maybe (energy above the floor, or noisy: let a
  neural VAD decide), 2 = speech (clearly above the floor with a speech-like crossing rate).
  Energies are exact integers and the floor recursion is a few float64 multiplies done in
  the same order in both implementations (the extension is built with
  ``-ffp-contract=off`` so no compiler fuses them), so decisions agree bit for bit.
  Streaming: a partial frame is carried to the next call, so chunking never matters.
* ``FrameEndpointer``: minimum speech, hangover, no-speech timeout and maximum length, in
  samples (integer logic, bit-exact).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from native import _checks

if TYPE_CHECKING:
    from typing_extensions import Buffer

SILENCE, MAYBE, SPEECH = 0, 1, 2
# FrameEndpointer.push results.
CONTINUE, END_SILENCE, END_NO_SPEECH, END_MAX_LENGTH = 0, 1, 2, 3
END_REASONS = {END_SILENCE: "silence", END_NO_SPEECH: "no_speech", END_MAX_LENGTH: "max_length"}

FULL_SCALE_POWER = 32768.0 * 32768.0  # 0 dBFS: a full-scale square wave


def downmix(samples: Buffer | np.ndarray, channels: int) -> np.ndarray:
    """Interleaved int16 with ``channels`` channels -> mono (floor of the mean)."""
    src = _checks.typed_view(samples, "h", "downmix")
    ch = _checks.positive_int(channels, "downmix: channels", 32)
    if len(src) % ch:
        raise ValueError(
            f"downmix: {len(src)} samples is not a whole number of {ch}-channel frames"
        )
    if ch == 1:
        return src.copy()
    total = src.reshape(-1, ch).astype(np.int32).sum(axis=1)
    return (total // ch).astype(np.int16)


def dc_pole(rate: int, cutoff_hz: float) -> float:
    """Pole of the one-pole DC blocker with a -3 dB corner near ``cutoff_hz``."""
    r = _checks.positive_int(rate, "DcBlocker: rate", 384_000)
    fc = _checks.in_range(cutoff_hz, 0.1, r / 8, "DcBlocker: cutoff_hz")
    return math.exp(-2.0 * math.pi * fc / r)


class DcBlocker:
    """Streaming DC removal, int16 -> int16 (see module docstring)."""

    def __init__(self, rate: int = 16_000, cutoff_hz: float = 20.0) -> None:
        self.pole = dc_pole(rate, cutoff_hz)
        self._b = np.array([1.0, -1.0])
        self._a = np.array([1.0, -self.pole])
        self.reset()

    def reset(self) -> None:
        self._z = np.zeros(1)  # lfilter's state: -x[n-1] + a*y[n-1]
        self.clipped = 0

    def process(self, samples: Buffer | np.ndarray) -> np.ndarray:
        src = _checks.typed_view(samples, "h", "DcBlocker.process")
        out = np.empty(len(src), dtype=np.int16)
        self._run(src, out)
        return out

    def process_into(self, samples: Buffer | np.ndarray, out: Buffer | np.ndarray) -> int:
        src = _checks.typed_view(samples, "h", "DcBlocker.process")
        dst = _checks.typed_view(out, "h", "DcBlocker.process_into", writable=True)
        if len(dst) < len(src):
            raise ValueError(
                f"DcBlocker.process_into: output holds {len(dst)} samples, {len(src)} needed"
            )
        return self._run(src, dst)

    def _run(self, src: np.ndarray, dst: np.ndarray) -> int:
        if len(src) == 0:
            return 0
        # imported here: scipy.signal costs ~65 MB resident, and the compiled kernel,
        # which runs instead of this twin, needs none of it
        from scipy.signal import lfilter

        y, self._z = lfilter(self._b, self._a, src.astype(np.float64), zi=self._z)
        r = np.rint(y)
        self.clipped += int(np.count_nonzero((r > 32767) | (r < -32768)))
        dst[: len(src)] = np.clip(r, -32768, 32767)
        return len(src)


def levels(samples: Buffer | np.ndarray) -> tuple[float, int]:
    """``(rms, peak)`` of an int16 block in sample units (0.0, 0 when empty)."""
    x = _checks.typed_view(samples, "h", "levels")
    if len(x) == 0:
        return 0.0, 0
    wide = x.astype(np.int64)
    return math.sqrt(float(np.dot(wide, wide)) / len(x)), int(np.abs(wide).max())


def to_dbfs(power: float) -> float:
    """Mean-square sample power -> dB relative to a full-scale square wave."""
    return 10.0 * math.log10(max(power, 1e-12) / FULL_SCALE_POWER)


def vad_constants(
    rate: int, frame_ms: float, speech_margin_db: float, maybe_margin_db: float,
    min_level_dbfs: float, max_crossing_rate: float, floor_rise_db_per_s: float,
) -> tuple[int, float, float, float, int, float, float]:
    """Validated EnergyVad settings, as the exact numbers both implementations use:
    (frame, speech_ratio, maybe_ratio, min_power, max_crossings, rise, floor_min)."""
    r = _checks.positive_int(rate, "EnergyVad: rate", 384_000)
    ms = _checks.in_range(frame_ms, 1.0, 100.0, "EnergyVad: frame_ms")
    frame = max(1, round(r * ms / 1000))
    speech = _checks.in_range(speech_margin_db, 0.0, 60.0, "EnergyVad: speech_margin_db")
    maybe = _checks.in_range(maybe_margin_db, 0.0, speech, "EnergyVad: maybe_margin_db")
    min_level = _checks.in_range(min_level_dbfs, -120.0, 0.0, "EnergyVad: min_level_dbfs")
    zcr = _checks.in_range(max_crossing_rate, 0.0, 1.0, "EnergyVad: max_crossing_rate")
    rise = _checks.in_range(floor_rise_db_per_s, 0.0, 60.0, "EnergyVad: floor_rise_db_per_s")
    return (
        frame,
        10.0 ** (speech / 10.0),
        10.0 ** (maybe / 10.0),
        FULL_SCALE_POWER * 10.0 ** (min_level / 10.0),
        math.floor(zcr * frame),
        10.0 ** (rise * frame / r / 10.0),
        FULL_SCALE_POWER * 1e-10,  # the floor never sinks below -100 dBFS (digital silence)
    )


FLOOR_FALL = 0.5  # a quieter frame pulls the floor halfway down at once


class EnergyVad:
    """Energy + zero-crossing voice detector with an adaptive noise floor (10 ms frames)."""

    def __init__(
        self,
        rate: int = 16_000,
        frame_ms: float = 10.0,
        speech_margin_db: float = 12.0,
        maybe_margin_db: float = 5.0,
        min_level_dbfs: float = -55.0,
        max_crossing_rate: float = 0.35,
        floor_rise_db_per_s: float = 3.0,
    ) -> None:
        (self.frame_samples, self._speech_ratio, self._maybe_ratio, self._min_power,
         self._max_crossings, self._rise, self._floor_min) = vad_constants(
            rate, frame_ms, speech_margin_db, maybe_margin_db, min_level_dbfs,
            max_crossing_rate, floor_rise_db_per_s)
        self.reset()

    def reset(self) -> None:
        self._floor = -1.0  # unset: the first frame's power starts it
        self._carry = np.zeros(0, dtype=np.int16)
        self._prev_negative = False
        self.frames = 0
        self.last_power = 0.0
        self.last_crossings = 0

    @property
    def noise_floor_dbfs(self) -> float:
        return to_dbfs(max(self._floor, 0.0))

    @property
    def level_dbfs(self) -> float:
        """Level of the latest complete frame."""
        return to_dbfs(self.last_power)

    def frames_in(self, n_samples: int) -> int:
        """How many decisions the next ``n_samples`` samples complete."""
        n = _checks.count(n_samples, "EnergyVad.frames_in")
        return (len(self._carry) + n) // self.frame_samples

    def process(self, samples: Buffer | np.ndarray) -> np.ndarray:
        """One uint8 decision (SILENCE, MAYBE, SPEECH) per frame completed by ``samples``."""
        src = _checks.typed_view(samples, "h", "EnergyVad.process")
        out = np.empty(self.frames_in(len(src)), dtype=np.uint8)
        self._run(src, out)
        return out

    def process_into(self, samples: Buffer | np.ndarray, out: Buffer | np.ndarray) -> int:
        src = _checks.typed_view(samples, "h", "EnergyVad.process")
        dst = _checks.typed_view(out, "B", "EnergyVad.process_into", writable=True)
        need = self.frames_in(len(src))
        if len(dst) < need:
            raise ValueError(
                f"EnergyVad.process_into: output holds {len(dst)} decisions, {need} needed"
            )
        return self._run(src, dst)

    def _run(self, src: np.ndarray, dst: np.ndarray) -> int:
        n = self.frame_samples
        data = np.concatenate([self._carry, src]) if len(self._carry) else src
        count = len(data) // n
        self._carry = data[count * n :].copy()
        if count == 0:
            return 0
        frames = data[: count * n].reshape(count, n).astype(np.int64)
        energy = np.einsum("ij,ij->i", frames, frames)
        negative = frames < 0
        before = np.concatenate([[self._prev_negative], negative[:-1, -1]])
        crossings = (np.count_nonzero(negative[:, 1:] != negative[:, :-1], axis=1)
                     + (negative[:, 0] != before))
        self._prev_negative = bool(negative[-1, -1])
        floor = self._floor
        for k in range(count):
            p = float(energy[k]) / n
            if floor < 0.0:
                floor = p if p > self._floor_min else self._floor_min
            if p >= self._min_power and p > floor * self._speech_ratio and (
                    crossings[k] <= self._max_crossings):
                dst[k] = SPEECH
            elif p >= self._min_power and p > floor * self._maybe_ratio:
                dst[k] = MAYBE
            else:
                dst[k] = SILENCE
            floor = floor + (p - floor) * FLOOR_FALL if p < floor else floor * self._rise
            if floor < self._floor_min:
                floor = self._floor_min
            self.last_power = p
            self.last_crossings = int(crossings[k])
        self._floor = floor
        self.frames += count
        return count


class FrameEndpointer:
    """When does a request end? Integer logic over (samples, is_speech) steps."""

    def __init__(
        self, min_speech: int, hangover: int, no_speech_timeout: int, max_length: int
    ) -> None:
        self.min_speech = _checks.positive_int(min_speech, "FrameEndpointer: min_speech")
        self.hangover = _checks.positive_int(hangover, "FrameEndpointer: hangover")
        self.no_speech_timeout = _checks.positive_int(
            no_speech_timeout, "FrameEndpointer: no_speech_timeout")
        self.max_length = _checks.positive_int(max_length, "FrameEndpointer: max_length")
        self.begin()

    def begin(self) -> None:
        self.speech_samples = self.silence_samples = self.elapsed_samples = 0

    def push(self, n_samples: int, speech: bool) -> int:
        """Account ``n_samples`` of speech or non-speech; returns CONTINUE or an END_*."""
        n = _checks.count(n_samples, "FrameEndpointer.push")
        self.elapsed_samples += n
        if speech:
            self.speech_samples += n
            self.silence_samples = 0
        else:
            self.silence_samples += n
        if self.speech_samples >= self.min_speech and self.silence_samples >= self.hangover:
            return END_SILENCE
        if self.speech_samples < self.min_speech and self.elapsed_samples >= self.no_speech_timeout:
            return END_NO_SPEECH
        if self.elapsed_samples >= self.max_length:
            return END_MAX_LENGTH
        return CONTINUE
