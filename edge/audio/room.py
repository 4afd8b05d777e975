"""A simulated room for the duplex benchmark: what the device's microphone hears.

``mic = echo_gain * h * tanh_speaker(playback) + user_gain * user + noise``

* ``h``: the loudspeaker->microphone impulse response: ``delay_ms`` of pure delay (the
  playback buffers plus the air), a direct path, then exponentially decaying Gaussian
  reverberation with the given RT60 (amplitude falls 60 dB in ``rt60_s``), normalised to
  unit energy so ``echo_gain_db`` is the echo's level relative to the played signal;
* the loudspeaker is mildly nonlinear, ``tanh(drive * x) / drive`` on full-scale-normalised
  samples (a linear canceller cannot remove that part, as on a real cheap speaker);
* white noise at ``noise_dbfs`` (RMS, 0 dBFS = full-scale square wave, as ``levels`` uses);
* the user passes at ``user_gain_db``; with the defaults the echo is 6 dB louder than a
  user who speaks at the playback's level (a device close to its own speaker);
* ``drift_ppm``: the playback clock runs that much slow (negative: fast) against the
  capture clock, so the delay grows (shrinks) by ``drift_ppm`` µs per second (linear
  interpolation; the delay never goes below zero): two sound devices without a shared clock.

Closing the loop over the lockstep stdio (``tandem edge run --input - --output -``), a
driver writes microphone block ``k`` before it reads output block ``k``, so block ``k`` can
only carry the echo of output blocks before it: the loop adds one block to ``delay_ms``.

Streaming and deterministic: ``process`` keeps the reverberation tail between blocks, so
cutting the streams into blocks does not change the output (beyond 1 LSB of FFT rounding),
and the same seed gives the same room and the same noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import oaconvolve

__all__ = ["Room", "RoomConfig", "impulse_response"]

FULL_SCALE = 32768.0


@dataclass(frozen=True)
class RoomConfig:
    rate: int = 16_000
    delay_ms: float = 40.0
    rt60_s: float = 0.3
    direct_to_reverb_db: float = 3.0  # energy of the direct path over the reverberation
    drive: float = 1.5  # tanh loudspeaker drive; 0 = linear
    echo_gain_db: float = 6.0
    user_gain_db: float = 0.0
    noise_dbfs: float = -50.0  # -inf: no noise
    drift_ppm: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.delay_ms < 0 or self.rt60_s <= 0 or self.drive < 0:
            raise ValueError(f"RoomConfig: rate, rt60_s > 0 and delay_ms, drive >= 0: {self}")


def impulse_response(cfg: RoomConfig, with_delay: bool = True) -> np.ndarray:
    """The loudspeaker->mic response of `cfg` (delay included unless `with_delay` is
    False), unit energy before the gain."""
    rng = np.random.default_rng(cfg.seed)
    delay = round(cfg.delay_ms * cfg.rate / 1000) if with_delay else 0
    n = max(1, round(cfg.rt60_s * cfg.rate))
    t = np.arange(n) / cfg.rate
    tail = rng.standard_normal(n) * np.exp(-6.9078 * t / cfg.rt60_s)  # -60 dB at rt60
    tail[0] = 0.0
    ramp = np.minimum(1.0, t / 0.003)  # first reflections arrive a few ms after the direct path
    tail *= ramp
    direct_energy = 10 ** (cfg.direct_to_reverb_db / 10)
    tail *= np.sqrt(1.0 / max(float(np.sum(tail**2)), 1e-12))
    h = np.concatenate([np.zeros(delay), tail])
    h[delay] = np.sqrt(direct_energy)
    h /= np.sqrt(np.sum(h**2))
    return h * 10 ** (cfg.echo_gain_db / 20)


class Room:
    """Streaming room: ``process(playback_block, user_block) -> mic_block`` (int16, same
    length; see the module docstring for the model)."""

    def __init__(self, config: RoomConfig | None = None) -> None:
        self.config = cfg = config or RoomConfig()
        self.delay_samples = round(cfg.delay_ms * cfg.rate / 1000)
        # with drift, the delay is a time-varying read position instead of leading zeros
        self._drift = cfg.drift_ppm * 1e-6
        self.h = impulse_response(cfg, with_delay=self._drift == 0)
        self._hist = np.zeros(1)  # speaker samples from stream index _hist_start (drift only)
        self._hist_start = 0
        self._produced = 0
        self._noise_rng = np.random.default_rng(cfg.seed + 1)
        self._noise_rms = FULL_SCALE * 10 ** (cfg.noise_dbfs / 20)
        self._user_gain = 10 ** (cfg.user_gain_db / 20)
        self._tail = np.zeros(len(self.h) - 1)
        self.clipped = 0

    def speaker(self, playback: np.ndarray) -> np.ndarray:
        """The loudspeaker's output (float, int16 scale) for `playback`."""
        x = np.asarray(playback, dtype=np.float64)
        d = self.config.drive
        if d == 0:
            return x
        return np.tanh(d * x / FULL_SCALE) / d * FULL_SCALE

    def delay_at(self, sample: int) -> float:
        """The pure delay (samples) of the echo at stream position `sample`."""
        return max(0.0, self.delay_samples + self._drift * sample)

    def _warp(self, x: np.ndarray) -> np.ndarray:
        """`x` read at the drifting delay (streaming linear interpolation)."""
        n = len(x)
        self._hist = np.concatenate([self._hist[:-1], x, [0.0]])  # one spare for i0 + 1
        m = self._produced + np.arange(n)
        self._produced += n
        t = m - np.maximum(0.0, self.delay_samples + self._drift * m)
        i0 = np.floor(t).astype(np.int64)
        frac = t - i0
        k = i0 - self._hist_start
        ok = i0 >= 0
        kk = np.clip(k, 0, len(self._hist) - 2)
        y = np.where(ok, self._hist[kk] * (1 - frac) + self._hist[kk + 1] * frac, 0.0)
        keep = max(0, int(k[-1]) - 1) if n else 0  # later reads start at or after this one
        self._hist = self._hist[keep:]
        self._hist_start += keep
        return y

    def echo(self, playback: np.ndarray) -> np.ndarray:
        """The echo alone for the next block (advances the reverberation tail)."""
        n = len(playback)
        x = self.speaker(playback)
        if self._drift:
            x = self._warp(x)
        y = oaconvolve(x, self.h) if n else np.zeros(len(self.h) - 1)
        y[: len(self._tail)] += self._tail  # len(y) = n + len(tail)
        self._tail = y[n:].copy()
        return y[:n]

    def process(self, playback: np.ndarray, user: np.ndarray) -> np.ndarray:
        if len(playback) != len(user):
            raise ValueError(f"Room.process: {len(playback)} playback, {len(user)} user samples")
        y = self.echo(playback) + self._user_gain * np.asarray(user, dtype=np.float64)
        if self._noise_rms > 0:
            y += self._noise_rng.standard_normal(len(y)) * self._noise_rms
        out = np.rint(y)
        over = np.abs(out) > 32767
        self.clipped += int(np.count_nonzero(over))
        return np.clip(out, -32768, 32767).astype(np.int16)
