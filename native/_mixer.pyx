# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
# distutils: extra_compile_args = -O3
"""Compiled ducking mixer; meaning defined by native/mixer_py.py (integer, bit-exact)."""

cimport numpy as cnp
from libc.stdint cimport int16_t, int64_t

from native.mixer_py import UNITY, ducker_constants

include "_buffers.pxi"

cnp.import_array()

DEF UNITY_C = 32768


cdef class Ducker:
    """Mixes the assistant's voice over music, lowering the music while it speaks."""

    cdef readonly int duck_q15
    cdef public long long clipped
    cdef int _down, _up, _gain

    def __cinit__(self, rate=48_000, duck_db=-15.0, attack_ms=60.0, release_ms=400.0):
        self.duck_q15, self._down, self._up = ducker_constants(
            rate, duck_db, attack_ms, release_ms)
        self.reset()

    def reset(self):
        self._gain = UNITY
        self.clipped = 0

    @property
    def gain(self):
        """Current music gain (1.0 = unity)."""
        return self._gain / <double>UNITY

    def mix(self, music, voice, active):
        cdef Py_buffer m
        cdef Py_ssize_t n
        acquire(music, &m, b"h", 2, False, "Ducker.mix: music")
        n = m.shape[0]
        PyBuffer_Release(&m)
        out = cnp.PyArray_EMPTY(1, [n], cnp.NPY_INT16, 0)
        self.mix_into(music, voice, out, active)  # checks the rest, same messages
        return out

    def mix_into(self, music, voice, out, active):
        cdef Py_buffer m, v, d
        acquire(music, &m, b"h", 2, False, "Ducker.mix: music")
        try:
            acquire(voice, &v, b"h", 2, False, "Ducker.mix: voice")
        except BaseException:
            PyBuffer_Release(&m)
            raise
        try:
            if m.shape[0] != v.shape[0]:
                raise ValueError(
                    f"Ducker.mix: inputs must have the same length, got {m.shape[0]} and "
                    f"{v.shape[0]}"
                )
            acquire(out, &d, b"h", 2, True, "Ducker.mix_into")
            try:
                if d.shape[0] < m.shape[0]:
                    raise ValueError(
                        f"Ducker.mix_into: output holds {d.shape[0]} samples, "
                        f"{m.shape[0]} needed"
                    )
                self._go(<const int16_t *>m.buf, <const int16_t *>v.buf, <int16_t *>d.buf,
                         m.shape[0], bool(active))
            finally:
                PyBuffer_Release(&d)
        finally:
            PyBuffer_Release(&m)
            PyBuffer_Release(&v)
        return m.shape[0]

    cdef void _go(self, const int16_t *m, const int16_t *v, int16_t *dst, Py_ssize_t n,
                  bint active):
        with nogil:
            self._run(m, v, dst, n, active)

    cdef void _run(self, const int16_t *m, const int16_t *v, int16_t *dst, Py_ssize_t n,
                   bint active) noexcept nogil:
        cdef int target = self.duck_q15 if active else UNITY_C
        cdef int g = self._gain
        cdef int64_t y
        cdef long long clipped = 0
        cdef Py_ssize_t i
        for i in range(n):
            if g > target:
                g -= self._down
                if g < target:
                    g = target
            elif g < target:
                g += self._up
                if g > target:
                    g = target
            y = ((<int64_t>m[i] * g + (UNITY_C >> 1)) >> 15) + v[i]
            if y > 32767:
                y = 32767
                clipped += 1
            elif y < -32768:
                y = -32768
                clipped += 1
            dst[i] = <int16_t>y
        self._gain = g
        self.clipped += clipped
