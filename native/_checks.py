"""Buffer validation shared by both implementations.

The twin calls these on every call; the compiled module does its checks in C and calls
them only on the error path, so both implementations raise the same exception with the
same message, in the same order: not a buffer → wrong dtype → wrong ndim → not
C-contiguous → read-only output.
"""

from __future__ import annotations

import operator
import sys
from typing import SupportsIndex, cast

import numpy as np

# Buffer-protocol format prefixes that mean "native byte order" on this host. (The
# compiled module refuses to import on big-endian hosts; the twin handles either.)
_NATIVE_PREFIXES = ("", "@", "=", "<" if sys.byteorder == "little" else ">")

_DTYPES: dict[str, tuple[str, np.dtype]] = {
    "h": ("int16", np.dtype(np.int16)),
    "f": ("float32", np.dtype(np.float32)),
    "B": ("uint8", np.dtype(np.uint8)),
}


def _format_is(fmt: str, code: str) -> bool:
    return any(fmt == prefix + code for prefix in _NATIVE_PREFIXES)


def _describe(obj: object, mv: memoryview) -> str:
    dtype = getattr(obj, "dtype", None)
    return f"dtype {dtype}" if dtype is not None else f"buffer format {mv.format!r}"


def typed_view(obj: object, code: str, what: str, *, writable: bool = False) -> np.ndarray:
    """Return ``obj`` as a 1-D C-contiguous numpy view of dtype ``code`` ("h", "f", "B").

    Raises TypeError (not a buffer, wrong dtype) or ValueError (ndim, layout, read-only).
    """
    name, dtype = _DTYPES[code]
    try:
        mv = memoryview(obj)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{what}: expected a 1-D {name} numpy array or buffer, got {type(obj).__name__}"
        ) from None
    if not _format_is(mv.format, code) or mv.itemsize != dtype.itemsize:
        raise TypeError(f"{what}: expected {name} samples, got {_describe(obj, mv)}")
    if mv.ndim != 1:
        raise ValueError(f"{what}: expected a 1-D array, got {mv.ndim}-D with shape {mv.shape}")
    if not mv.c_contiguous:
        raise ValueError(f"{what}: array must be C-contiguous (use numpy.ascontiguousarray)")
    if writable and mv.readonly:
        raise ValueError(f"{what}: output array is read-only")
    return np.asarray(mv).view(dtype)


def pcm_view(data: object, what: str) -> np.ndarray:
    """Return raw little-endian int16 PCM bytes as a 1-D int16 view (no copy)."""
    try:
        mv = memoryview(data)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{what}: expected bytes-like PCM data, got {type(data).__name__}"
        ) from None
    if not mv.c_contiguous:
        raise ValueError(f"{what}: PCM buffer must be C-contiguous")
    if mv.nbytes % 2:
        raise ValueError(
            f"{what}: got {mv.nbytes} bytes, an odd count; "
            "little-endian int16 PCM needs 2 bytes per sample"
        )
    return np.frombuffer(mv.cast("B"), dtype="<i2")


def frame_length(n: object, capacity: int, what: str) -> int:
    """Validate a frame length for ``read``: an integer in 1..capacity."""
    count = _index(n, what)
    if not 1 <= count <= capacity:
        raise ValueError(f"{what}: n must be in 1..{capacity} (the capacity), got {count}")
    return count


def capacity(value: object) -> int:
    cap = _index(value, "RingBuffer")
    if cap < 1:
        raise ValueError(f"RingBuffer: capacity must be >= 1 sample, got {cap}")
    return cap


def _index(value: object, what: str) -> int:
    try:
        return operator.index(cast("SupportsIndex", value))  # non-integers raise TypeError
    except TypeError:
        raise TypeError(f"{what}: expected an integer, got {type(value).__name__}") from None


def count(value: object, what: str) -> int:
    """A sample count: an integer >= 0."""
    n = _index(value, what)
    if n < 0:
        raise ValueError(f"{what}: expected a count >= 0, got {n}")
    return n


def in_range(value: object, low: float, high: float, what: str) -> float:
    """A finite real number in [low, high] (NaN and inf are refused by name)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{what}: expected a number, got {type(value).__name__}")
    x = float(value)
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError(f"{what}: must be finite, got {x}")
    if not low <= x <= high:
        raise ValueError(f"{what}: must be in [{low}, {high}], got {x}")
    return x


def positive_int(value: object, what: str, high: int = 1 << 30) -> int:
    n = _index(value, what)
    if not 1 <= n <= high:
        raise ValueError(f"{what}: must be in 1..{high}, got {n}")
    return n


def same_length(a: np.ndarray, b: np.ndarray, what: str) -> None:
    if len(a) != len(b):
        raise ValueError(f"{what}: inputs must have the same length, got {len(a)} and {len(b)}")
