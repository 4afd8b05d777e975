"""Sample-format and rate conversion to the pipeline's 16 kHz mono int16."""

from __future__ import annotations

from math import gcd

import numpy as np
from scipy.signal import resample_poly

SUPPORTED_RATES = (8_000, 11_025, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000)


def to_mono(samples: np.ndarray) -> np.ndarray:
    """(frames, channels) -> (frames,), averaging channels in int32 to avoid overflow."""
    if samples.ndim == 1:
        return samples
    return (samples.astype(np.int32).sum(axis=1) // samples.shape[1]).astype(np.int16)


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Polyphase resampling of int16 audio (whole-buffer; the streaming kernel is native)."""
    if rate_in == rate_out or len(samples) == 0:
        return samples
    if rate_in not in SUPPORTED_RATES or rate_out not in SUPPORTED_RATES:
        raise ValueError(f"unsupported sample rate {rate_in} -> {rate_out} Hz")
    g = gcd(rate_in, rate_out)
    out = resample_poly(samples.astype(np.float32), rate_out // g, rate_in // g)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)
