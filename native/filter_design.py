"""Polyphase low-pass design for the resampler (numpy only; runs once per Resampler).

Kaiser-windowed sinc (Kaiser's formulas for beta and length), for a rational rate change
``rate_out / rate_in = up / down``:

* pass band up to ``PASS_FRACTION * min(rate_in, rate_out)`` (7 kHz when one side is 16 kHz),
  stop band from the lower Nyquist frequency ``min(rate_in, rate_out) / 2`` (8 kHz), so
  nothing aliases into the output at all and every image of an up-sampling is removed;
* designed for ``ATTENUATION_DB``, then quantised to fixed point with ``shift`` fractional
  bits (15, or 14 when the filter's L1 norm needs the headroom: 48 k -> 16 k does), which
  adds a quantisation floor near -75 dB; the sine-sweep test measures what is left;
* split into ``up`` phases of ``taps`` coefficients each, reversed, so one output sample is a
  contiguous dot product of ``taps`` int16 input samples with ``taps`` int16 coefficients.

Both implementations use the same int16 table, and an output sample is an exact integer sum
(int32 cannot overflow: :func:`design` picks ``shift`` so that ``sum |h| * 32768 < 2**31``
for every phase),
so the compiled kernel and the twin agree bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# Rates devices really deliver and play, plus the pipeline's 16 kHz.
SUPPORTED_RATES = (8_000, 11_025, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000)
PASS_FRACTION = 0.4375  # pass band edge / min rate: 7 kHz of 16 kHz
ATTENUATION_DB = 70.0
MAX_SHIFT = 15  # coefficients are Q15 fixed point where the headroom allows


@dataclass(frozen=True)
class PolyphaseFilter:
    rate_in: int
    rate_out: int
    up: int
    down: int
    taps: int  # per phase
    coefficients: np.ndarray  # (up, taps) int16, reversed within each phase
    shift: int  # fractional bits of the coefficients: y = (sum + 2**(shift-1)) >> shift
    pass_hz: float
    stop_hz: float

    @property
    def delay_out(self) -> float:
        """Group delay in output samples (the filter is linear phase)."""
        return (self.taps * self.up - 1) / (2 * self.down)


def check_rate(rate: object, what: str) -> int:
    if isinstance(rate, bool) or not isinstance(rate, int | np.integer):
        raise TypeError(f"{what}: sample rate must be an integer (Hz), got {type(rate).__name__}")
    if int(rate) not in SUPPORTED_RATES:
        supported = ", ".join(str(r) for r in SUPPORTED_RATES)
        raise ValueError(f"{what}: sample rate {rate} Hz is not supported (supported: {supported})")
    return int(rate)


def design(rate_in: object, rate_out: object) -> PolyphaseFilter:
    """The filter for ``rate_in -> rate_out`` (validated; cached per pair)."""
    return _design(check_rate(rate_in, "Resampler"), check_rate(rate_out, "Resampler"))


@lru_cache(maxsize=32)
def _design(rate_in: int, rate_out: int) -> PolyphaseFilter:
    g = math.gcd(rate_in, rate_out)
    up, down = rate_out // g, rate_in // g
    low = min(rate_in, rate_out)
    pass_hz, stop_hz = PASS_FRACTION * low, 0.5 * low
    fs_up = rate_in * up  # the (virtual) up-sampled rate the prototype runs at
    # Kaiser's estimates: beta from the attenuation, length from the transition width.
    a = ATTENUATION_DB
    beta = 0.1102 * (a - 8.7)
    width = 2 * math.pi * (stop_hz - pass_hz) / fs_up
    length = math.ceil((a - 7.95) / (2.285 * width)) + 1
    taps = max(2, math.ceil(length / up))
    # Each output needs (down/up) new inputs on average; the history must cover that.
    taps = max(taps, math.ceil(down / up) + 2)
    n = taps * up
    cutoff = 0.5 * (pass_hz + stop_hz) / fs_up  # cycles per up-sampled sample
    t = np.arange(n) - (n - 1) / 2
    h = 2 * cutoff * np.sinc(2 * cutoff * t) * np.kaiser(n, beta)
    h *= up / h.sum()  # unity gain at DC after the up-sampler's zero stuffing
    for shift in range(MAX_SHIFT, 8, -1):
        q = np.rint(h * (1 << shift)).astype(np.int64)
        # Phase p holds h[k*up + p] for k = 0..taps-1; stored reversed so that
        # y = sum_j window[j] * coef[p, j] with window = the last `taps` inputs, oldest first.
        phases = q.reshape(taps, up).T[:, ::-1]
        if int(np.abs(phases).sum(axis=1).max()) * 32768 < 2**31:
            break
    else:  # pragma: no cover - no supported rate pair gets here
        raise AssertionError(f"resampler design {rate_in}->{rate_out} would overflow int32")
    return PolyphaseFilter(
        rate_in, rate_out, up, down, taps, np.ascontiguousarray(phases, dtype=np.int16),
        shift, pass_hz, stop_hz,
    )
