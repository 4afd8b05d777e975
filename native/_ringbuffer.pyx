# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
"""Compiled audio ring buffer and int16 <-> float32 kernels.

Meaning, protocol and error messages are defined by the pure-Python twins
(native/ringbuffer_py.py, native/convert_py.py, native/_checks.py); read those first.
What this module adds:

* Inputs are taken through the raw buffer protocol into a stack ``Py_buffer`` instead of
  a typed-memoryview argument, because converting an argument to a typed memoryview
  allocates a Cython memoryview object per call; write()/read_into() allocate nothing
  (beyond the returned int). Invalid input falls through to native._checks, which raises
  exactly what the twin raises.
* Counters shared between the capture and pipeline threads use acquire/release atomics and
  the copies run without the GIL, so the two threads really run concurrently (the Pi is
  ARM, a weakly ordered CPU: plain stores could be seen out of order).
* Input data may be unaligned (e.g. PCM inside a bytes object), so it is read with memcpy.
* Storage is mirrored (2 x capacity) so peek()/view() hand out contiguous zero-copy views.
"""

import sys

import numpy as np

from cpython.buffer cimport (
    PyBUF_FORMAT,
    PyBUF_SIMPLE,
    PyBUF_STRIDES,
    PyBUF_WRITABLE,
    PyBuffer_Release,
    PyObject_GetBuffer,
)
from libc.math cimport rintf
from libc.stdint cimport int16_t, uint64_t
from libc.string cimport memcpy

from native import _checks

if sys.byteorder != "little":
    # write_bytes() and the format checks assume little-endian; native/__init__ then
    # falls back to the twin, which byte-swaps through numpy.
    raise ImportError("native._ringbuffer supports little-endian hosts only")

cdef extern from *:
    """
    #include <stdint.h>
    #if defined(__GNUC__) || defined(__clang__)
    static inline uint64_t tandem_load_acquire(const uint64_t *p) {
        return __atomic_load_n(p, __ATOMIC_ACQUIRE);
    }
    static inline void tandem_store_release(uint64_t *p, uint64_t v) {
        __atomic_store_n(p, v, __ATOMIC_RELEASE);
    }
    static inline void tandem_fence(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
    #else
    #error "native/_ringbuffer.pyx needs GCC or Clang __atomic builtins; use TANDEM_NATIVE=python"
    #endif
    """
    uint64_t load_acquire "tandem_load_acquire" (const uint64_t *p) noexcept nogil
    void store_release "tandem_store_release" (uint64_t *p, uint64_t v) noexcept nogil
    void fence "tandem_fence" () noexcept nogil


# -- argument checks (fast path in C, errors from native._checks) ---------------------------

cdef inline bint _format_is(const char *fmt, char code) noexcept:
    if fmt == NULL:
        return code == b"B"
    if fmt[0] == b"@" or fmt[0] == b"=" or fmt[0] == b"<":  # native order on little-endian
        fmt += 1
    return fmt[0] == code and fmt[1] == 0


cdef int _acquire(object obj, Py_buffer *view, char code, Py_ssize_t itemsize,
                  bint writable, str what) except -1:
    """Fill ``view`` with a 1-D C-contiguous buffer of ``code`` items, or raise."""
    cdef int flags = PyBUF_FORMAT | PyBUF_STRIDES | (PyBUF_WRITABLE if writable else 0)
    cdef bint got = True
    try:
        PyObject_GetBuffer(obj, view, flags)
    except Exception:  # re-raised below with the twin's wording, outside this handler
        got = False
    if got:
        if (_format_is(view.format, code) and view.itemsize == itemsize and view.ndim == 1
                and (view.shape[0] <= 1 or view.strides[0] == itemsize)):
            return 0
        PyBuffer_Release(view)
    return _raise_like_twin(obj, code, what, writable)


cdef int _raise_like_twin(object obj, char code, str what, bint writable) except -1:
    _checks.typed_view(obj, chr(code), what, writable=writable)
    # The twin accepted what C rejected: should not happen, but never proceed.
    raise TypeError(f"{what}: unsupported buffer {type(obj).__name__}")


# -- ring buffer ----------------------------------------------------------------------------

cdef class RingBuffer:
    """Fixed-capacity int16 SPSC ring; drops (and counts) the oldest samples when full."""

    cdef int16_t[::1] _ring
    cdef object _array  # the numpy array behind _ring, sliced for views
    cdef char *_data
    cdef uint64_t _cap
    # Producer-owned. Padding keeps the two threads' counters on separate cache lines.
    cdef char _pad0[64]
    cdef uint64_t _reserved
    cdef uint64_t _written
    cdef char _pad1[64]
    # Consumer-owned.
    cdef uint64_t _read
    cdef uint64_t _delivered
    cdef uint64_t _overrun
    cdef uint64_t _last_start

    def __cinit__(self, capacity):
        cap = _checks.capacity(capacity)
        self._array = np.zeros(2 * cap, dtype=np.int16)  # slots + their mirror
        self._ring = self._array
        self._data = <char *>&self._ring[0]
        self._cap = cap

    # -- producer side -------------------------------------------------------------------

    def write(self, samples):
        """Append int16 samples; never blocks. Returns the number of samples written."""
        cdef Py_buffer view
        cdef Py_ssize_t n
        _acquire(samples, &view, b"h", 2, False, "RingBuffer.write")
        n = view.shape[0]
        if n:
            with nogil:
                self._produce(<const char *>view.buf, <uint64_t>n)
        PyBuffer_Release(&view)
        return n

    def write_bytes(self, data):
        """Append raw little-endian int16 PCM (pyaudio, stdin). Returns samples written."""
        cdef Py_buffer view
        cdef Py_ssize_t n
        cdef bint got = True
        try:
            PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        except Exception:  # re-raised below with the twin's wording, outside this handler
            got = False
        if got and view.len % 2:
            PyBuffer_Release(&view)
            got = False
        if not got:
            _checks.pcm_view(data, "RingBuffer.write_bytes")
            raise TypeError(f"RingBuffer.write_bytes: unsupported buffer {type(data).__name__}")
        n = view.len // 2
        if n:
            with nogil:
                self._produce(<const char *>view.buf, <uint64_t>n)
        PyBuffer_Release(&view)
        return n

    cdef void _produce(self, const char *src, uint64_t n) noexcept nogil:
        cdef uint64_t cap = self._cap
        cdef uint64_t end = self._written + n  # producer-owned: plain load is fine
        cdef uint64_t keep = n if n < cap else cap  # of an oversize write only the tail survives
        cdef uint64_t pos, first
        src += (n - keep) * 2
        store_release(&self._reserved, end)
        fence()  # the announcement must be visible before any slot is overwritten
        pos = (end - keep) % cap
        first = keep if keep < cap - pos else cap - pos
        memcpy(self._data + pos * 2, src, keep * 2)  # pos + keep <= 2 * cap: never wraps
        memcpy(self._data + (pos + cap) * 2, src, first * 2)  # mirror of [pos, cap)
        memcpy(self._data, src + first * 2, (keep - first) * 2)  # mirror of [cap, pos + keep)
        store_release(&self._written, end)  # publish after the copy

    # -- consumer side -------------------------------------------------------------------

    def read_into(self, out):
        """Copy up to ``len(out)`` unread samples into ``out``; returns the count."""
        cdef Py_buffer view
        cdef Py_ssize_t count
        _acquire(out, &view, b"h", 2, True, "RingBuffer.read_into")
        with nogil:
            count = self._consume(<char *>view.buf, <uint64_t>view.shape[0], False)
        PyBuffer_Release(&view)
        return count

    def read(self, n):
        """Return exactly ``n`` samples as a new int16 array, or None if fewer are unread."""
        cdef Py_ssize_t want = _checks.frame_length(n, self._cap, "RingBuffer.read")
        cdef int16_t[::1] dst
        cdef Py_ssize_t count
        if self._available() < <uint64_t>want:
            return None
        out = np.empty(want, dtype=np.int16)
        dst = out
        with nogil:
            count = self._consume(<char *>&dst[0], <uint64_t>want, True)
        return out if count else None

    cdef Py_ssize_t _consume(self, char *dst, uint64_t want, bint exact) noexcept nogil:
        cdef uint64_t cap = self._cap
        cdef uint64_t read = self._read  # consumer-owned: plain load is fine
        cdef uint64_t written, reserved, start, count, pos
        while True:
            written = load_acquire(&self._written)
            reserved = load_acquire(&self._reserved)  # >= written: loaded after it
            start = read
            if reserved > cap and reserved - cap > start:
                start = reserved - cap  # older slots are (being) overwritten
            count = written - start if written > start else 0
            if count > want:
                count = want
            if count > cap:
                count = cap  # only reachable if callers break SPSC; keeps memcpy in bounds
            if count == 0 or (exact and count < want):
                return 0
            pos = start % cap
            memcpy(dst, self._data + pos * 2, count * 2)  # contiguous thanks to the mirror
            fence()  # finish reading the slots before re-checking the producer
            reserved = load_acquire(&self._reserved)
            if reserved > cap and reserved - cap > start:
                continue  # the producer overwrote part of what we copied: torn, retry
            store_release(&self._overrun, self._overrun + (start - read))
            store_release(&self._last_start, start)
            store_release(&self._delivered, self._delivered + count)
            store_release(&self._read, start + count)
            return <Py_ssize_t>count

    # -- zero-copy views (lifetime contract: see native/ringbuffer_py.py) -------------------

    def peek(self, n):
        """A read-only view of exactly the next ``n`` unread samples, or None."""
        cdef Py_ssize_t want = _checks.frame_length(n, self._cap, "RingBuffer.peek")
        cdef uint64_t written = load_acquire(&self._written)
        cdef uint64_t reserved = load_acquire(&self._reserved)
        cdef uint64_t start = self._read
        if reserved > self._cap and reserved - self._cap > start:
            start = reserved - self._cap
        if written < start or written - start < <uint64_t>want:
            return None
        store_release(&self._overrun, self._overrun + (start - self._read))
        store_release(&self._last_start, start)
        store_release(&self._read, start)
        return self._view(start, want)

    def commit(self, n):
        """Consume ``n`` peeked samples; False if the producer overwrote any meanwhile."""
        cdef Py_ssize_t count = _checks.frame_length(n, self._cap, "RingBuffer.commit")
        cdef uint64_t start = self._read
        cdef uint64_t written = load_acquire(&self._written)
        if written < start or <uint64_t>count > written - start:
            unread = written - start if written > start else 0
            raise ValueError(
                f"RingBuffer.commit: {count} samples committed, only {unread} unread"
            )
        store_release(&self._delivered, self._delivered + count)
        store_release(&self._read, start + count)
        fence()  # the caller's reads of the view happen before this check
        return self._intact(start)

    def view(self, start, n):
        """A read-only view of retained input samples ``[start, start + n)``."""
        cdef Py_ssize_t first = _checks.count(start, "RingBuffer.view: start")
        cdef Py_ssize_t count = _checks.frame_length(n, self._cap, "RingBuffer.view")
        cdef uint64_t written = load_acquire(&self._written)
        if <uint64_t>(first + count) > written:
            raise ValueError(
                f"RingBuffer.view: samples [{first}, {first + count}) are not written yet "
                f"(total_written={written})"
            )
        if not self._intact(first):
            raise ValueError(
                f"RingBuffer.view: sample {first} was overwritten (the ring keeps the last "
                f"{self._cap} samples; total_written={written})"
            )
        return self._view(first, count)

    def is_intact(self, start):
        """True while no input sample at index >= ``start`` has been (or is being)
        overwritten."""
        cdef Py_ssize_t first = _checks.count(start, "RingBuffer.is_intact: start")
        fence()
        return self._intact(first)

    cdef inline bint _intact(self, uint64_t start) noexcept nogil:
        cdef uint64_t reserved = load_acquire(&self._reserved)
        return reserved <= self._cap or reserved - self._cap <= start

    cdef object _view(self, uint64_t start, Py_ssize_t count):
        cdef Py_ssize_t pos = <Py_ssize_t>(start % self._cap)
        out = self._array[pos:pos + count]
        out.flags.writeable = False
        return out

    def clear(self):
        """Consumer side: discard every unread sample (not counted as overrun)."""
        cdef uint64_t written = load_acquire(&self._written)
        cdef uint64_t reserved = load_acquire(&self._reserved)
        cdef uint64_t read = self._read
        cdef uint64_t start = read
        if reserved > self._cap and reserved - self._cap > start:
            start = reserved - self._cap
        store_release(&self._overrun, self._overrun + (start - read))
        store_release(&self._read, start if start > written else written)

    # -- counters ------------------------------------------------------------------------

    cdef inline uint64_t _available(self) noexcept nogil:
        cdef uint64_t written = load_acquire(&self._written)
        cdef uint64_t read = load_acquire(&self._read)
        if written <= read:
            return 0
        return written - read if written - read < self._cap else self._cap

    @property
    def capacity(self):
        return self._cap

    @property
    def available(self):
        """Unread samples (at most ``capacity``)."""
        return self._available()

    @property
    def total_written(self):
        return load_acquire(&self._written)

    @property
    def total_read(self):
        """Samples delivered to the consumer (skipped overruns excluded)."""
        return load_acquire(&self._delivered)

    @property
    def overrun_samples(self):
        """Samples dropped unread because the consumer lagged, including pending drops."""
        cdef uint64_t overrun = load_acquire(&self._overrun)
        cdef uint64_t read = load_acquire(&self._read)
        cdef uint64_t written = load_acquire(&self._written)
        if written > read + self._cap:
            overrun += written - read - self._cap
        return overrun

    @property
    def last_read_start(self):
        """Input index of the first sample returned by the latest read (0 before any)."""
        return load_acquire(&self._last_start)

    def __repr__(self):
        return (
            f"RingBuffer(capacity={self.capacity}, available={self.available}, "
            f"total_written={self.total_written}, overrun_samples={self.overrun_samples})"
        )


# -- int16 <-> float32 ----------------------------------------------------------------------

cdef void _i16_to_f32(const char *src, float *dst, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef int16_t s
    cdef float scale = 1.0 / 32768.0  # a power of two: the product is exact
    for i in range(n):
        memcpy(&s, src + i * 2, 2)
        dst[i] = <float>s * scale


cdef Py_ssize_t _f32_to_i16(const char *src, int16_t *dst, Py_ssize_t n,
                            Py_ssize_t *nan_at) noexcept nogil:
    cdef Py_ssize_t i, clipped = 0
    cdef float x, r
    cdef float scale = 32768.0
    for i in range(n):
        memcpy(&x, src + i * 4, 4)
        if x != x:
            nan_at[0] = i
            return clipped
        r = rintf(x * scale)  # float32 multiply + nearest-even, like numpy's rint
        if r > 32767.0:
            dst[i] = 32767
            clipped += 1
        elif r < -32768.0:
            dst[i] = -32768
            clipped += 1
        else:
            dst[i] = <int16_t>r
    return clipped


def int16_to_float32(src):
    """Return a new float32 array ``src / 32768`` (exact)."""
    cdef Py_buffer view
    cdef float[::1] dst
    _acquire(src, &view, b"h", 2, False, "int16_to_float32")
    try:
        out = np.empty(view.shape[0], dtype=np.float32)
        if view.shape[0]:
            dst = out
            with nogil:
                _i16_to_f32(<const char *>view.buf, &dst[0], view.shape[0])
    finally:
        PyBuffer_Release(&view)
    return out


def float32_to_int16(src):
    """Return ``(int16 array, clipped_count)`` for float32 samples nominally in [-1, 1)."""
    cdef Py_buffer view
    cdef int16_t[::1] dst
    cdef Py_ssize_t clipped = 0, nan_at = -1
    _acquire(src, &view, b"f", 4, False, "float32_to_int16")
    try:
        out = np.empty(view.shape[0], dtype=np.int16)
        if view.shape[0]:
            dst = out
            with nogil:
                clipped = _f32_to_i16(<const char *>view.buf, &dst[0], view.shape[0], &nan_at)
    finally:
        PyBuffer_Release(&view)
    if nan_at >= 0:
        raise ValueError(f"float32_to_int16: input contains NaN at index {nan_at}")
    return out, clipped
