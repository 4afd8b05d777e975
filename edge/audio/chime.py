"""A short two-tone chime ("ding-dong") played before a ringing timer's line, so that it is
heard as the device's own alert and not as a reply."""

from __future__ import annotations

import numpy as np

TONES_HZ = (1318.5, 1046.5)  # E6 then C6: a descending major third, a doorbell's interval
TONE_S = 0.25  # each tone; the chime is 0.5 s
FADE_S = 0.01  # in and out of each tone, so neither starts nor ends with a click
PEAK_DBFS = -12.0  # heard over a kitchen, not startling


def chime(rate: int) -> np.ndarray:
    """The chime at `rate` Hz: int16 mono, 0.5 s, peak at PEAK_DBFS."""
    if rate <= 2 * max(TONES_HZ):
        raise ValueError(f"a chime needs a sample rate above {2 * max(TONES_HZ):.0f} Hz, "
                         f"not {rate}")
    n = round(TONE_S * rate)
    t = np.arange(n) / rate
    fade = np.minimum(1.0, np.minimum(np.arange(n), np.arange(n)[::-1]) / (FADE_S * rate))
    decay = np.exp(-3.0 * t / TONE_S)  # a struck bell dies away rather than stopping
    tones = [np.sin(2 * np.pi * hz * t) * decay * fade for hz in TONES_HZ]
    signal = np.concatenate(tones)
    peak = 10 ** (PEAK_DBFS / 20) * 32767 / np.max(np.abs(signal))
    return np.round(signal * peak).astype(np.int16)
