# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
# distutils: extra_compile_args = -O3 -ffp-contract=off
"""Compiled capture front end; meaning defined by native/frontend_py.py.

downmix, DcBlocker, levels, EnergyVad, FrameEndpointer. Float work (DC blocker, VAD noise
floor) is float64 in the twin's exact operation order; ``-ffp-contract=off`` keeps the
compiler from fusing multiply-adds (gcc does by default on ARM), which would change the
last bit. The loops run without the GIL and allocate nothing in the *_into methods.
"""

cimport numpy as cnp
from libc.math cimport rint, sqrt
from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t

from native.frontend_py import (
    END_MAX_LENGTH,
    END_NO_SPEECH,
    END_SILENCE,
    FLOOR_FALL,
    dc_pole,
    to_dbfs,
    vad_constants,
)

include "_buffers.pxi"

cnp.import_array()

DEF SILENCE = 0
DEF MAYBE = 1
DEF SPEECH = 2


# -- downmix --------------------------------------------------------------------------------

cdef void _downmix(const int16_t *src, int16_t *dst, Py_ssize_t frames, int ch) noexcept nogil:
    cdef Py_ssize_t i
    cdef int k
    cdef int32_t s, q
    for i in range(frames):
        s = 0
        for k in range(ch):
            s += src[i * ch + k]
        q = s // ch  # cdivision: truncates; make it floor like the twin
        if s % ch != 0 and s < 0:
            q -= 1
        dst[i] = <int16_t>q


def downmix(samples, channels):
    """Interleaved int16 with ``channels`` channels -> mono (floor of the mean)."""
    cdef Py_buffer src
    cdef cnp.ndarray out
    cdef int ch
    acquire(samples, &src, b"h", 2, False, "downmix")
    try:
        ch = _checks.positive_int(channels, "downmix: channels", 32)
        if src.shape[0] % ch:
            raise ValueError(
                f"downmix: {src.shape[0]} samples is not a whole number of {ch}-channel frames"
            )
        out = cnp.PyArray_EMPTY(1, [src.shape[0] // ch], cnp.NPY_INT16, 0)
        with nogil:
            _downmix(<const int16_t *>src.buf, <int16_t *>cnp.PyArray_DATA(out),
                     src.shape[0] // ch, ch)
    finally:
        PyBuffer_Release(&src)
    return out


# -- DC blocker -----------------------------------------------------------------------------

cdef class DcBlocker:
    """Streaming DC removal, int16 -> int16."""

    cdef readonly double pole
    cdef public long long clipped
    cdef double _z

    def __cinit__(self, rate=16_000, cutoff_hz=20.0):
        self.pole = dc_pole(rate, cutoff_hz)
        self.reset()

    def reset(self):
        self._z = 0.0
        self.clipped = 0

    def process(self, samples):
        cdef Py_buffer src
        cdef cnp.ndarray out
        acquire(samples, &src, b"h", 2, False, "DcBlocker.process")
        try:
            out = cnp.PyArray_EMPTY(1, [src.shape[0]], cnp.NPY_INT16, 0)
            with nogil:
                self._run(<const int16_t *>src.buf, <int16_t *>cnp.PyArray_DATA(out),
                          src.shape[0])
        finally:
            PyBuffer_Release(&src)
        return out

    def process_into(self, samples, out):
        cdef Py_buffer src, dst
        acquire(samples, &src, b"h", 2, False, "DcBlocker.process")
        try:
            acquire(out, &dst, b"h", 2, True, "DcBlocker.process_into")
        except BaseException:
            PyBuffer_Release(&src)
            raise
        try:
            if dst.shape[0] < src.shape[0]:
                raise ValueError(
                    f"DcBlocker.process_into: output holds {dst.shape[0]} samples, "
                    f"{src.shape[0]} needed"
                )
            with nogil:
                self._run(<const int16_t *>src.buf, <int16_t *>dst.buf, src.shape[0])
        finally:
            PyBuffer_Release(&src)
            PyBuffer_Release(&dst)
        return src.shape[0]

    cdef void _run(self, const int16_t *src, int16_t *dst, Py_ssize_t n) noexcept nogil:
        # scipy.signal.lfilter's direct form II transposed, order 1, b = [1, -1],
        # a = [1, -pole]: y = z + b0*x; z = x*b1 - y*a1 (same operations, same order).
        cdef double z = self._z, b1 = -1.0, a1 = -self.pole, x, y, r
        cdef long long clipped = 0
        cdef Py_ssize_t i
        for i in range(n):
            x = <double>src[i]
            y = z + 1.0 * x
            z = x * b1 - y * a1
            r = rint(y)
            if r > 32767.0:
                r = 32767.0
                clipped += 1
            elif r < -32768.0:
                r = -32768.0
                clipped += 1
            dst[i] = <int16_t>r
        self._z = z
        self.clipped += clipped


# -- meters ---------------------------------------------------------------------------------

cdef int64_t _sum_squares(const int16_t *x, Py_ssize_t n) noexcept nogil:
    cdef int64_t acc = 0
    cdef Py_ssize_t i
    for i in range(n):
        acc += <int32_t>x[i] * <int32_t>x[i]
    return acc


def levels(samples):
    """``(rms, peak)`` of an int16 block in sample units (0.0, 0 when empty)."""
    cdef Py_buffer src
    cdef const int16_t *x
    cdef int64_t energy = 0
    cdef int32_t peak = 0, v
    cdef Py_ssize_t i, n
    acquire(samples, &src, b"h", 2, False, "levels")
    n = src.shape[0]
    x = <const int16_t *>src.buf
    with nogil:
        energy = _sum_squares(x, n)
        for i in range(n):
            v = x[i]
            if v < 0:
                v = -v
            if v > peak:
                peak = v
    PyBuffer_Release(&src)
    if n == 0:
        return 0.0, 0
    return sqrt(<double>energy / n), peak


# -- energy + zero-crossing VAD -------------------------------------------------------------

cdef class EnergyVad:
    """Energy + zero-crossing voice detector with an adaptive noise floor (10 ms frames)."""

    cdef readonly Py_ssize_t frame_samples
    cdef readonly long long frames, last_crossings
    cdef readonly double last_power
    cdef double _speech_ratio, _maybe_ratio, _min_power, _rise, _floor_min, _floor
    cdef Py_ssize_t _max_crossings
    # The frame being accumulated (carried across calls, so chunking never matters).
    cdef int64_t _energy
    cdef Py_ssize_t _crossings, _have
    cdef bint _prev_negative

    def __cinit__(self, rate=16_000, frame_ms=10.0, speech_margin_db=12.0,
                  maybe_margin_db=5.0, min_level_dbfs=-55.0, max_crossing_rate=0.35,
                  floor_rise_db_per_s=3.0):
        (self.frame_samples, self._speech_ratio, self._maybe_ratio, self._min_power,
         self._max_crossings, self._rise, self._floor_min) = vad_constants(
            rate, frame_ms, speech_margin_db, maybe_margin_db, min_level_dbfs,
            max_crossing_rate, floor_rise_db_per_s)
        self.reset()

    def reset(self):
        self._floor = -1.0  # unset: the first frame's power starts it
        self._energy = 0
        self._crossings = 0
        self._have = 0
        self._prev_negative = False
        self.frames = 0
        self.last_power = 0.0
        self.last_crossings = 0

    @property
    def noise_floor_dbfs(self):
        return to_dbfs(max(self._floor, 0.0))

    @property
    def level_dbfs(self):
        """Level of the latest complete frame."""
        return to_dbfs(self.last_power)

    def frames_in(self, n_samples):
        """How many decisions the next ``n_samples`` samples complete."""
        return (self._have + _checks.count(n_samples, "EnergyVad.frames_in")) // self.frame_samples

    def process(self, samples):
        """One uint8 decision (SILENCE, MAYBE, SPEECH) per frame completed by ``samples``."""
        cdef Py_buffer src
        cdef cnp.ndarray out
        acquire(samples, &src, b"h", 2, False, "EnergyVad.process")
        try:
            out = cnp.PyArray_EMPTY(1, [(self._have + src.shape[0]) // self.frame_samples],
                                    cnp.NPY_UINT8, 0)
            with nogil:
                self._run(<const int16_t *>src.buf, src.shape[0],
                          <uint8_t *>cnp.PyArray_DATA(out))
        finally:
            PyBuffer_Release(&src)
        return out

    def process_into(self, samples, out):
        cdef Py_buffer src, dst
        cdef Py_ssize_t need, count
        acquire(samples, &src, b"h", 2, False, "EnergyVad.process")
        try:
            acquire(out, &dst, b"B", 1, True, "EnergyVad.process_into")
        except BaseException:
            PyBuffer_Release(&src)
            raise
        try:
            need = (self._have + src.shape[0]) // self.frame_samples
            if dst.shape[0] < need:
                raise ValueError(
                    f"EnergyVad.process_into: output holds {dst.shape[0]} decisions, "
                    f"{need} needed"
                )
            with nogil:
                count = self._run(<const int16_t *>src.buf, src.shape[0], <uint8_t *>dst.buf)
        finally:
            PyBuffer_Release(&src)
            PyBuffer_Release(&dst)
        return count

    cdef Py_ssize_t _run(self, const int16_t *x, Py_ssize_t n, uint8_t *dst) noexcept nogil:
        cdef Py_ssize_t i = 0, m, k, count = 0, fn = self.frame_samples
        cdef bint neg, prev = self._prev_negative
        cdef double p, floor = self._floor
        while i < n:
            m = fn - self._have
            if m > n - i:
                m = n - i
            self._energy += _sum_squares(x + i, m)
            for k in range(i, i + m):
                neg = x[k] < 0
                self._crossings += neg != prev
                prev = neg
            self._have += m
            i += m
            if self._have < fn:
                break
            p = <double>self._energy / fn
            if floor < 0.0:
                floor = p if p > self._floor_min else self._floor_min
            if (p >= self._min_power and p > floor * self._speech_ratio
                    and self._crossings <= self._max_crossings):
                dst[count] = SPEECH
            elif p >= self._min_power and p > floor * self._maybe_ratio:
                dst[count] = MAYBE
            else:
                dst[count] = SILENCE
            if p < floor:
                floor = floor + (p - floor) * FLOOR_FALL_C
            else:
                floor = floor * self._rise
            if floor < self._floor_min:
                floor = self._floor_min
            self.last_power = p
            self.last_crossings = self._crossings
            count += 1
            self._energy = 0
            self._crossings = 0
            self._have = 0
        self._floor = floor
        self._prev_negative = prev
        self.frames += count
        return count


cdef double FLOOR_FALL_C = FLOOR_FALL


# -- endpointer -----------------------------------------------------------------------------

cdef class FrameEndpointer:
    """When does a request end? Integer logic over (samples, is_speech) steps."""

    cdef readonly long long min_speech, hangover, no_speech_timeout, max_length
    cdef readonly long long speech_samples, silence_samples, elapsed_samples

    def __cinit__(self, min_speech, hangover, no_speech_timeout, max_length):
        self.min_speech = _checks.positive_int(min_speech, "FrameEndpointer: min_speech")
        self.hangover = _checks.positive_int(hangover, "FrameEndpointer: hangover")
        self.no_speech_timeout = _checks.positive_int(
            no_speech_timeout, "FrameEndpointer: no_speech_timeout")
        self.max_length = _checks.positive_int(max_length, "FrameEndpointer: max_length")
        self.begin()

    def begin(self):
        self.speech_samples = self.silence_samples = self.elapsed_samples = 0

    def push(self, n_samples, bint speech):
        """Account ``n_samples`` of speech or non-speech; returns CONTINUE or an END_*."""
        cdef long long n
        if type(n_samples) is int and n_samples >= 0:
            n = n_samples
        else:
            n = _checks.count(n_samples, "FrameEndpointer.push")
        self.elapsed_samples += n
        if speech:
            self.speech_samples += n
            self.silence_samples = 0
        else:
            self.silence_samples += n
        if self.speech_samples >= self.min_speech and self.silence_samples >= self.hangover:
            return END_SILENCE
        if self.speech_samples < self.min_speech and self.elapsed_samples >= self.no_speech_timeout:
            return END_NO_SPEECH
        if self.elapsed_samples >= self.max_length:
            return END_MAX_LENGTH
        return 0
