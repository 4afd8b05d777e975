"""Test speech for the echo benchmark and tests: deterministic, no network, no model.

* ``speech_like``: synthetic "speech" with what an echo canceller and a delay estimator
  care about: voiced syllables (a gliding 90-220 Hz harmonic source through two formant
  resonators), fricative bursts, pauses between words and sentences, -20 dBFS while
  active. Same seed, same samples, on every machine.
* ``espeak``: real synthetic speech from Debian's espeak-ng when it is installed (None
  otherwise), resampled to 16 kHz.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from scipy.signal import lfilter

__all__ = ["at_level", "espeak", "speech_like"]

FULL_SCALE = 32768.0


def at_level(x: np.ndarray, dbfs: float) -> np.ndarray:
    """`x` scaled to an RMS of `dbfs` over its non-silent 10 ms blocks, as int16."""
    f = np.asarray(x, dtype=np.float64)
    k = len(f) // 160
    power = np.mean(f[: k * 160].reshape(k, 160) ** 2, axis=1) if k else np.zeros(1)
    active = power[power > 1e-4 * max(float(power.max()), 1e-12)]
    rms = float(np.sqrt(np.mean(active))) if len(active) else 0.0
    if rms <= 0:
        return np.zeros(len(f), np.int16)
    g = FULL_SCALE * 10 ** (dbfs / 20) / rms
    return np.clip(np.rint(f * g), -32768, 32767).astype(np.int16)


def _resonator(x: np.ndarray, freq: float, bw: float, rate: int) -> np.ndarray:
    r = np.exp(-np.pi * bw / rate)
    a = [1.0, -2 * r * np.cos(2 * np.pi * freq / rate), r * r]
    return lfilter([1 - r], a, x)


def speech_like(seconds: float, rate: int = 16_000, seed: int = 0,
                level_dbfs: float = -20.0, pitch_hz: tuple[float, float] = (90.0, 220.0),
                ) -> np.ndarray:
    """Deterministic speech-like int16 audio (see the module docstring); `pitch_hz` is the
    range of syllable pitches (a lower and a higher voice do not share harmonics)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    out = np.zeros(n)
    pos, words = int(rng.uniform(0.0, 0.1) * rate), 0
    while pos < n:
        for _ in range(int(rng.integers(1, 5))):  # syllables of one word
            if pos >= n:
                break
            if rng.random() < 0.35:  # a fricative onset: high-passed noise
                m = int(rng.uniform(0.04, 0.1) * rate)
                burst = np.diff(rng.standard_normal(m + 1)) * 0.15
                out[pos : pos + m] += burst[: max(0, min(m, n - pos))]
                pos += m
            m = int(rng.uniform(0.08, 0.25) * rate)
            f0 = rng.uniform(*pitch_hz) * (1 + rng.uniform(-0.15, 0.15) * np.linspace(-1, 1, m))
            phase = 2 * np.pi * np.cumsum(f0) / rate
            top = int(0.45 * rate / f0.max())
            src = np.zeros(m)
            for k in range(1, max(2, top)):
                src += np.sin(k * phase) / k
            f1, f2 = rng.uniform(300, 800), rng.uniform(900, 2500)
            v = _resonator(src, f1, 80, rate) + 0.5 * _resonator(src, f2, 120, rate)
            v *= np.sin(np.pi * np.linspace(0, 1, m)) ** 0.5
            end = min(n, pos + m)
            out[pos:end] += v[: max(0, end - pos)]
            pos += m
        words += 1
        pause = rng.uniform(0.3, 0.7) if words % 8 == 0 else rng.uniform(0.03, 0.15)
        pos += int(pause * rate)
    return at_level(out, level_dbfs)


def espeak(text: str, voice: str = "en", rate: int = 16_000,
           level_dbfs: float = -20.0) -> np.ndarray | None:
    """`text` spoken by espeak-ng at `rate` (None when espeak-ng is not installed)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return None
    from edge.audio.convert import resample
    from edge.audio.wavfile import read_wav

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        subprocess.run([exe, "-v", voice, "-w", str(path), text], check=True,
                       capture_output=True, timeout=60)
        x = read_wav(path)  # 16 kHz mono
    if rate != 16_000:
        x = resample(x, 16_000, rate)
    return at_level(x, level_dbfs)
