"""Pure-Python (numpy) twin of the int16 <-> float32 kernels in ``native._ringbuffer``.

Scale is 32768 both ways (a power of two), so:

* ``int16_to_float32`` is exact: every int16 maps to ``x / 32768`` in [-1, 1).
* ``float32_to_int16`` rounds ``x * 32768`` half-to-even, then saturates to [-32768, 32767];
  ``float32_to_int16(int16_to_float32(a))`` returns ``a`` unchanged. The price of the
  symmetric scale is that +1.0 saturates to 32767 (one LSB) and counts as clipped.
* Both implementations do the same float32 multiply and IEEE round-to-nearest-even, so
  they agree bit-exactly on both paths (stated tolerance: 0).

NaN is refused (ValueError with its index) rather than mapped to an arbitrary sample;
+-inf saturate and count as clipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from native import _checks

if TYPE_CHECKING:
    from typing_extensions import Buffer

SCALE = 32768.0
_TO_FLOAT = np.float32(1.0 / SCALE)
_TO_INT = np.float32(SCALE)


def int16_to_float32(src: Buffer | np.ndarray) -> np.ndarray:
    """Return a new float32 array ``src / 32768`` (exact)."""
    x = _checks.typed_view(src, "h", "int16_to_float32")
    return x.astype(np.float32) * _TO_FLOAT


def float32_to_int16(src: Buffer | np.ndarray) -> tuple[np.ndarray, int]:
    """Return ``(int16 array, clipped_count)`` for float32 samples nominally in [-1, 1)."""
    x = _checks.typed_view(src, "f", "float32_to_int16")
    nan = np.isnan(x)
    if nan.any():
        raise ValueError(f"float32_to_int16: input contains NaN at index {int(np.argmax(nan))}")
    with np.errstate(over="ignore"):  # huge values become +-inf, which saturate below
        rounded = np.rint(x * _TO_INT)
    clipped = int(np.count_nonzero(rounded > 32767) + np.count_nonzero(rounded < -32768))
    return np.clip(rounded, -32768, 32767).astype(np.int16), clipped
