"""Sample-format and rate conversion to the pipeline's 16 kHz mono int16 (native kernels).

Streams (microphone, stdin, reply audio) keep one `native.Resampler` per stream and feed it
chunk by chunk: chunk boundaries cannot click. `resample` is the whole-buffer convenience
(a WAV file): the same streaming kernel, flushed, with its group delay trimmed so the output
lines up with the input to within half a sample.
"""

from __future__ import annotations

import numpy as np

from native import Resampler, downmix
from native.filter_design import SUPPORTED_RATES

__all__ = ["SUPPORTED_RATES", "resample", "to_mono"]


def to_mono(samples: np.ndarray) -> np.ndarray:
    """(frames, channels) int16 -> (frames,), the floor of the channel mean."""
    if samples.ndim == 1:
        return samples
    frames, channels = samples.shape
    return downmix(np.ascontiguousarray(samples, dtype=np.int16).reshape(-1), channels)


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Whole-buffer resampling of int16 audio: ``ceil(len * rate_out / rate_in)`` samples."""
    if rate_in == rate_out or len(samples) == 0:
        return samples
    r = Resampler(rate_in, rate_out)
    x = np.ascontiguousarray(samples, dtype=np.int16)
    y = np.concatenate([r.process(x), r.flush()])
    start = round(r.delay_out)
    length = -(-len(x) * rate_out // rate_in)
    return y[start : start + length]
