# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
# distutils: extra_compile_args = -O3 -ffp-contract=off
"""Compiled streaming polyphase resampler; meaning defined by native/resampler_py.py.

The filter table comes from native.filter_design at construction (int16, ``shift``
fractional bits). Per call: one memcpy of the chunk into a fixed history buffer, one
contiguous int16 x int16 -> int32 dot product per output (the compiler vectorises it:
pmaddwd on x86, smlal on ARM), one memmove of the last ``taps - 1`` inputs. No allocation
in process_into(); the loops run without the GIL.
"""

cimport numpy as cnp
from libc.stdint cimport int16_t, int32_t, int64_t
from libc.string cimport memcpy, memmove

from native.filter_design import design

include "_buffers.pxi"

cnp.import_array()

DEF BLOCK = 4096  # input samples taken per pass; the history buffer is taps - 1 + BLOCK


cdef inline int32_t _dot(const int16_t *x, const int16_t *c, Py_ssize_t n) noexcept nogil:
    cdef int32_t acc = 0
    cdef Py_ssize_t j
    for j in range(n):
        acc += <int32_t>x[j] * <int32_t>c[j]
    return acc


cdef class Resampler:
    """Streaming int16 resampler between two supported rates."""

    cdef readonly int rate_in, rate_out, up, down, taps, shift
    cdef readonly double delay_out
    cdef public long long clipped
    cdef readonly long long total_in, total_out
    cdef object _coef_arr, _hist_arr
    cdef const int16_t *_coef
    cdef int16_t *_hist
    cdef Py_ssize_t _hist_cap, _filled
    cdef int64_t _in_total, _next_i, _phase

    def __cinit__(self, rate_in, rate_out):
        f = design(rate_in, rate_out)
        self.rate_in, self.rate_out = f.rate_in, f.rate_out
        self.up, self.down, self.taps, self.shift = f.up, f.down, f.taps, f.shift
        self.delay_out = f.delay_out
        self._coef_arr = _np.ascontiguousarray(f.coefficients, dtype=_np.int16).ravel()
        self._coef = <const int16_t *>cnp.PyArray_DATA(self._coef_arr)
        self._hist_cap = self.taps - 1 + BLOCK
        self._hist_arr = _np.zeros(self._hist_cap, dtype=_np.int16)
        self._hist = <int16_t *>cnp.PyArray_DATA(self._hist_arr)
        self.reset()

    def reset(self):
        """Forget the stream: the next sample is x[0] again, preceded by silence."""
        cdef Py_ssize_t i
        for i in range(self._hist_cap):
            self._hist[i] = 0
        self._filled = self.taps - 1
        self._in_total = 0
        self._next_i = 0
        self._phase = 0
        self.clipped = 0
        self.total_in = 0
        self.total_out = 0

    cdef inline Py_ssize_t _out_len(self, int64_t n) noexcept nogil:
        cdef int64_t d = self._in_total + n - self._next_i
        if d <= 0:
            return 0
        return <Py_ssize_t>((d * self.up - self._phase + self.down - 1) // self.down)

    def output_length(self, n_in):
        """Exactly how many outputs the next ``n_in`` input samples produce."""
        return self._out_len(_checks.count(n_in, "Resampler.output_length"))

    def process(self, samples):
        """Resample the next chunk of the stream; returns a new int16 array."""
        cdef Py_buffer src
        cdef cnp.ndarray out
        cdef Py_ssize_t count
        acquire(samples, &src, b"h", 2, False, "Resampler.process")
        try:
            out = cnp.PyArray_EMPTY(1, [self._out_len(src.shape[0])], cnp.NPY_INT16, 0)
            with nogil:
                count = self._run(<const int16_t *>src.buf, src.shape[0],
                                  <int16_t *>cnp.PyArray_DATA(out))
        finally:
            PyBuffer_Release(&src)
        return out

    def process_into(self, samples, out):
        """Resample into ``out`` (at least ``output_length(len(samples))`` long); returns
        how many samples were written."""
        cdef Py_buffer src, dst
        cdef Py_ssize_t need, count
        acquire(samples, &src, b"h", 2, False, "Resampler.process")
        try:
            acquire(out, &dst, b"h", 2, True, "Resampler.process_into")
        except BaseException:
            PyBuffer_Release(&src)
            raise
        try:
            need = self._out_len(src.shape[0])
            if dst.shape[0] < need:
                raise ValueError(
                    f"Resampler.process_into: output holds {dst.shape[0]} samples, {need} "
                    "are needed (see output_length)"
                )
            with nogil:
                count = self._run(<const int16_t *>src.buf, src.shape[0], <int16_t *>dst.buf)
        finally:
            PyBuffer_Release(&src)
            PyBuffer_Release(&dst)
        return count

    def flush(self):
        """End of stream: the outputs still inside the filter (feeds ``taps`` zeros)."""
        return self.process(_np.zeros(self.taps, dtype=_np.int16))

    cdef Py_ssize_t _run(self, const int16_t *src, Py_ssize_t n, int16_t *dst) noexcept nogil:
        cdef Py_ssize_t taps = self.taps, consumed = 0, out = 0, m, drop
        cdef int64_t up = self.up, down = self.down, base
        cdef int32_t half = 1 << (self.shift - 1), acc
        cdef int shift = self.shift
        cdef long long clipped = 0
        while consumed < n:
            m = n - consumed
            if m > self._hist_cap - self._filled:
                m = self._hist_cap - self._filled
            memcpy(self._hist + self._filled, src + consumed, m * 2)
            self._filled += m
            consumed += m
            self._in_total += m
            base = self._in_total - self._filled  # input index of _hist[0]
            while self._next_i < self._in_total:
                acc = _dot(self._hist + (self._next_i - base - (taps - 1)),
                           self._coef + self._phase * taps, taps)
                acc = (acc + half) >> shift
                if acc > 32767:
                    acc = 32767
                    clipped += 1
                elif acc < -32768:
                    acc = -32768
                    clipped += 1
                dst[out] = <int16_t>acc
                out += 1
                self._phase += down
                self._next_i += self._phase // up
                self._phase %= up
            drop = (self._next_i - (taps - 1)) - base  # inputs no future output needs
            if drop > 0:
                memmove(self._hist, self._hist + drop, (self._filled - drop) * 2)
                self._filled -= drop
        self.clipped += clipped
        self.total_in += n
        self.total_out += out
        return out
