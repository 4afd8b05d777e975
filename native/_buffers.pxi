# Shared by the compiled kernels (textually included): take a 1-D C-contiguous buffer of
# one item type through the raw buffer protocol into a stack Py_buffer (no Python object
# per call). Anything unusual falls back to native._checks, which raises exactly what the
# twin raises; a misaligned buffer (PCM inside a bytes object at an odd offset) is copied
# once, aligned, so the loops may use plain typed pointers.

from cpython.buffer cimport (
    PyBUF_FORMAT,
    PyBUF_STRIDES,
    PyBUF_WRITABLE,
    PyBuffer_Release,
    PyObject_GetBuffer,
)
from libc.stdint cimport uintptr_t

import numpy as _np

from native import _checks


cdef inline bint _format_is(const char *fmt, char code) noexcept:
    if fmt == NULL:
        return code == b"B"
    if fmt[0] == b"@" or fmt[0] == b"=" or fmt[0] == b"<":  # native order (little-endian)
        fmt += 1
    return fmt[0] == code and fmt[1] == 0


cdef object acquire(object obj, Py_buffer *view, char code, Py_ssize_t itemsize,
                    bint writable, str what):
    """Fill ``view``; returns the object actually viewed (``obj`` or an aligned copy)."""
    cdef int flags = PyBUF_FORMAT | PyBUF_STRIDES | (PyBUF_WRITABLE if writable else 0)
    cdef bint got = True
    try:
        PyObject_GetBuffer(obj, view, flags)
    except Exception:  # re-raised below with the twin's wording, outside this handler
        got = False
    if got:
        if (_format_is(view.format, code) and view.itemsize == itemsize and view.ndim == 1
                and (view.shape[0] <= 1 or view.strides[0] == itemsize)):
            if (<uintptr_t>view.buf) % itemsize == 0:
                return obj
            PyBuffer_Release(view)
            if writable:
                raise ValueError(f"{what}: output buffer is not aligned to {itemsize} bytes")
            aligned = _np.array(_checks.typed_view(obj, chr(code), what))
            PyObject_GetBuffer(aligned, view, flags)
            return aligned
        PyBuffer_Release(view)
    _checks.typed_view(obj, chr(code), what, writable=writable)
    # The twin accepted what C rejected: should not happen, but never proceed.
    raise TypeError(f"{what}: unsupported buffer {type(obj).__name__}")
