"""Playback->capture delay: estimated by GCC-PHAT, tracked with hysteresis.

Why: the speex canceller only models echo that arrives within its tail after the
reference; sound-card buffers, USB and Bluetooth add 20-300 ms before the air path even
starts, and an underrun shifts the playback stream later for good. The echo stage
measures the delay while the device speaks and pre-delays the reference so the echo lands
near the start of the tail.

Method: every ``hop_ms`` of audio in which the reference had energy most of the time, the
last ``window_ms`` of microphone are cross-correlated with the reference over lags
``0..max_delay_ms`` using the phase transform (GCC-PHAT: every frequency counts equally, so
the sharp direct-path peak wins over reverberation, the user's voice and the spectral tilt
of speech). The peak is refined to a fraction of a sample (parabolic) and accepted when it
stands out from the rest of the correlation (``min_prominence``).

Tracking: a candidate within ``tolerance_ms`` of the current delay is blended in (EMA,
``smoothing``), so slow clock drift is followed; a candidate away from it is a jump only
when ``confirm`` consecutive candidates agree with each other (one outlier from double talk
or a tonal passage never moves the delay). The first delay also needs ``confirm`` agreeing
candidates.

Drift: two sound devices without a shared clock make the delay grow or shrink steadily
(20-100 ppm between cheap crystals). The candidates that agree with the tracked delay, at
the time of their window's centre, are fitted with a line over the last ``drift_span_s``;
once they span ``min_drift_span_s`` and lie on it within a sample (rms, plus how far the
delay moves within one window), its slope is ``drift_ppm`` (within ~2 ppm after 8 s of
speech). A confirmed jump restarts the points but keeps the drift: an underrun moves the
stream, not the clocks. Peaks at the very end of the lag range are dropped (the true one
may lie beyond ``max_delay_ms``).

Cost: two real FFTs and one inverse of ``window + max_delay`` samples (24 k at 16 kHz) per
hop: a ~0.5 ms burst every 0.25 s on x86 (about 0.2 % of a core), only while the reference
plays. Memory is fixed: two buffers of ``window + max_delay`` samples.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from scipy import fft as sfft

__all__ = ["DelayEstimator", "gcc_phat"]


def gcc_phat(mic: np.ndarray, ref: np.ndarray, max_lag: int) -> tuple[float, float]:
    """Delay (samples, fractional) of `mic` behind `ref`, and the peak's prominence.

    `ref` holds ``len(mic) + max_lag`` samples ending at the same instant as `mic`: lag
    ``d`` pairs ``mic[n]`` with ``ref[n + max_lag - d]``. Prominence is the peak over the
    RMS of the correlation away from it (about 3-4 for noise, tens for a clear echo).
    """
    w = len(mic)
    n = sfft.next_fast_len(w + max_lag, real=True)
    spec = sfft.rfft(ref.astype(np.float64), n) * np.conj(sfft.rfft(mic.astype(np.float64), n))
    spec /= np.abs(spec) + 1e-9 * (np.max(np.abs(spec)) + 1e-30)
    cc = sfft.irfft(spec, n)
    # index k pairs mic[m] with ref[m + k] (no wrap-around: n >= len(ref)); k = max_lag - d
    lags = cc[max_lag::-1] if max_lag else cc[:1]  # lags[d] = cc[max_lag - d]
    d = int(np.argmax(lags))
    peak = float(lags[d])
    frac = 0.0
    if 0 < d < len(lags) - 1:
        a, b, c = float(lags[d - 1]), peak, float(lags[d + 1])
        den = a - 2 * b + c
        if den < 0:
            frac = 0.5 * (a - c) / den
    rest = np.concatenate([lags[: max(0, d - 8)], lags[d + 9 :]])
    noise = float(np.sqrt(np.mean(rest**2))) if len(rest) else 0.0
    return d + frac, peak / noise if noise > 0 else 0.0


class DelayEstimator:
    """Feed aligned mic/reference blocks with ``push``; read ``delay_samples``/``delay_ms``
    (None until the first confirmed estimate). See the module docstring."""

    def __init__(
        self,
        rate: int = 16_000,
        max_delay_ms: float = 500.0,
        window_ms: float = 1000.0,
        hop_ms: float = 250.0,
        min_level_dbfs: float = -50.0,
        min_active: float = 0.5,
        min_prominence: float = 8.0,
        tolerance_ms: float = 4.0,
        confirm: int = 2,
        smoothing: float = 0.3,
        drift_span_s: float = 30.0,
        min_drift_span_s: float = 8.0,
    ) -> None:
        self.rate = rate
        self.max_lag = round(max_delay_ms * rate / 1000)
        self.window = round(window_ms * rate / 1000)
        self.hop = max(1, round(hop_ms * rate / 1000))
        self.block = max(1, rate // 100)  # 10 ms activity blocks
        self.min_power = (32768.0 * 10 ** (min_level_dbfs / 20)) ** 2
        self.min_active, self.min_prominence = min_active, min_prominence
        self.tolerance = tolerance_ms * rate / 1000
        self.confirm, self.smoothing = max(1, confirm), smoothing
        size = self.window + self.max_lag
        self._mic = np.zeros(size, np.int16)
        self._ref = np.zeros(size, np.int16)
        self._filled = 0  # samples pushed (up to size); zeros before the start are silence
        self._since = 0  # samples since the last estimate attempt
        self._delay: float | None = None
        self._pending: list[tuple[int, float]] = []  # consecutive off candidates
        self.candidates = 0  # accepted candidates
        self.attempts = 0  # correlations computed
        self.jumps = 0  # confirmed moves of the delay (the first estimate included)
        self.last_prominence = 0.0
        self._t = 0  # samples pushed in all
        self._points: deque[tuple[int, float]] = deque(
            maxlen=max(4, round(drift_span_s * 1000 / hop_ms)))  # (window centre, lag)
        self._min_span = min_drift_span_s * rate
        self._drift: float | None = None  # samples of delay per sample

    @property
    def delay_samples(self) -> float | None:
        return self._delay

    @property
    def delay_ms(self) -> float | None:
        return None if self._delay is None else self._delay * 1000 / self.rate

    @property
    def drift(self) -> float | None:
        """Delay change per sample (the clocks' relative rate error); None until fitted."""
        return self._drift

    @property
    def drift_ppm(self) -> float | None:
        return None if self._drift is None else self._drift * 1e6

    def reset(self) -> None:
        """Forget the audio and the estimates (the stream restarted)."""
        self._mic[:] = 0
        self._ref[:] = 0
        self._filled = self._since = 0
        self._delay = None
        self._pending = []
        self._points.clear()
        self._drift = None

    def push(self, mic: np.ndarray, ref: np.ndarray) -> bool:
        """Aligned blocks (same length) of microphone and reference, int16. Returns True
        when the delay changed (first estimate or a confirmed jump)."""
        n = min(len(mic), len(ref))
        size = len(self._mic)
        if n >= size:
            mic, ref, n = mic[n - size : n], ref[n - size : n], size
        for ring, x in ((self._mic, mic), (self._ref, ref)):
            ring[: size - n] = ring[n:]  # shift (size is ~1.5 s: cheap at 10 ms blocks)
            ring[size - n :] = x[:n]
        self._filled = min(size, self._filled + n)
        self._since += n
        self._t += n
        if self._since < self.hop or self._filled < self.window:
            return False
        self._since = 0
        return self._attempt()

    def _reference_active(self) -> bool:
        r = self._ref[-self.window :].astype(np.float64)
        k = len(r) // self.block
        power = np.mean(r[: k * self.block].reshape(k, self.block) ** 2, axis=1)
        return bool(np.mean(power > self.min_power) >= self.min_active)

    def _attempt(self) -> bool:
        if not self._reference_active():
            return False
        self.attempts += 1
        lag, prominence = gcc_phat(self._mic[-self.window :], self._ref, self.max_lag)
        self.last_prominence = prominence
        if prominence < self.min_prominence or lag > self.max_lag - 1:
            return False  # weak, or at the edge: the real peak may lie beyond max_delay
        self.candidates += 1
        return self._track(lag)

    def _track(self, lag: float) -> bool:
        t = self._t - self.window // 2  # the centre of the window the lag stands for
        if self._delay is not None and abs(lag - self._delay) <= self.tolerance:
            self._delay += self.smoothing * (lag - self._delay)
            self._pending = []
            self._points.append((t, lag))
            self._fit_drift()
            return False
        if self._pending and abs(lag - self._pending[-1][1]) > self.tolerance:
            self._pending = []  # the off candidates disagree: start counting again
        self._pending.append((t, lag))
        if len(self._pending) < self.confirm:
            return False
        self._delay = float(np.median([p[1] for p in self._pending]))
        self._points.clear()
        self._points.extend(self._pending)
        self._pending = []
        self.jumps += 1
        return True

    def _fit_drift(self) -> None:
        if len(self._points) < 16 or self._points[-1][0] - self._points[0][0] < self._min_span:
            return
        pts = np.array(self._points, dtype=np.float64)
        t, lag = pts[:, 0] - pts[-1, 0], pts[:, 1]
        slope, icpt = np.polyfit(t, lag, 1)
        smear = abs(slope) * self.window / 2  # the delay moves within one window too
        good = np.abs(slope * t + icpt - lag) <= 3.0 + smear  # once more without outliers
        if np.count_nonzero(good) < 12:
            return
        t, lag = t[good], lag[good]
        slope, icpt = np.polyfit(t, lag, 1)
        rms = float(np.sqrt(np.mean((slope * t + icpt - lag) ** 2)))
        if rms <= 1.0 + smear and t[-1] - t[0] >= self._min_span:  # a line: drift (or none)
            self._drift = float(slope)
