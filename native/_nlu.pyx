# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
"""Compiled intent classifier hot loop: hashed features + int8 network, one pass.

Behaviour (features, arithmetic, errors) is defined by the twin, native/nlu_py.py; read
that first. This module computes the same features without building strings or lists: it
walks the text once, hashes on the fly, and adds int8 weight rows into an int32
accumulator. It allocates nothing per call but the (index, probability) tuple.
"""

import numpy as np

cimport numpy as cnp
from libc.math cimport expf, sqrtf
from libc.stdint cimport int8_t, int32_t, uint32_t
from libc.stdlib cimport free, malloc

from native.nlu_py import FEATURE_VERSION, MAX_WORDS
from native.nlu_py import IntentNet as _TwinNet

cnp.import_array()

cdef enum:
    MAX_W = 32  # = MAX_WORDS, checked at import below

cdef uint32_t FNV_PRIME = 16777619
cdef uint32_t FNV_OFFSET = 2166136261

if MAX_WORDS != MAX_W:
    raise ImportError("native._nlu is stale: MAX_WORDS changed; rebuild the extension")

__all__ = ["FEATURE_VERSION", "IntentNet", "feature_ids"]


cdef inline uint32_t _init(uint32_t seed) noexcept nogil:
    return <uint32_t>(FNV_OFFSET ^ <uint32_t>(seed * <uint32_t>0x9E3779B1))


cdef inline uint32_t _step(uint32_t h, Py_UCS4 ch) noexcept nogil:
    return <uint32_t>((h ^ <uint32_t>ch) * <uint32_t>FNV_PRIME)


cdef class _Walker:
    """Word boundaries of one normalised text (at most MAX_W words)."""
    cdef Py_ssize_t starts[MAX_W]
    cdef Py_ssize_t ends[MAX_W]
    cdef int n

    cdef void split(self, str text):
        cdef Py_ssize_t i, length = len(text), start = -1
        self.n = 0
        for i in range(length + 1):
            if i == length or text[i] == u' ':
                if start >= 0:
                    if self.n < MAX_W:
                        self.starts[self.n] = start
                        self.ends[self.n] = i
                        self.n += 1
                    start = -1
            elif start < 0:
                start = i


cdef uint32_t _hash_range(uint32_t h, str text, Py_ssize_t a, Py_ssize_t b):
    cdef Py_ssize_t i
    for i in range(a, b):
        h = _step(h, text[i])
    return h


cdef uint32_t _hash_ascii(uint32_t h, const char* s):
    cdef int i = 0
    while s[i] != 0:
        h = _step(h, <Py_UCS4>s[i])
        i += 1
    return h


cdef int _features(_Walker walk, str text, uint32_t mask, int32_t* out, int cap):
    """Writes the feature buckets into out (cap >= needed); returns how many."""
    cdef int k = 0, w
    cdef uint32_t h
    cdef Py_ssize_t a, b, p, q
    cdef Py_UCS4 c
    for w in range(walk.n + 1):
        h = _init(2)
        if w == 0:
            h = _hash_ascii(h, b"<s>")
        else:
            h = _hash_range(h, text, walk.starts[w - 1], walk.ends[w - 1])
        h = _step(h, u' ')
        if w == walk.n:
            h = _hash_ascii(h, b"</s>")
        else:
            h = _hash_range(h, text, walk.starts[w], walk.ends[w])
        out[k] = <int32_t>(h & mask)
        k += 1
    for w in range(walk.n):
        a = walk.starts[w]
        b = walk.ends[w]
        out[k] = <int32_t>(_hash_range(_init(1), text, a, b) & mask)
        k += 1
        # trigrams of "<" + word + ">": padded positions a-1 .. b
        for p in range(a - 1, b - 1):
            h = _init(3)
            for q in range(p, p + 3):
                if q == a - 1:
                    c = u'<'
                elif q == b:
                    c = u'>'
                else:
                    c = text[q]
                h = _step(h, c)
            out[k] = <int32_t>(h & mask)
            k += 1
    return k


cdef int _capacity(_Walker walk):
    cdef int w, cap = walk.n + 1
    for w in range(walk.n):
        cap += 1 + <int>(walk.ends[w] - walk.starts[w])
    return cap


def feature_ids(str text, int dim):
    if dim <= 0 or dim & (dim - 1):
        raise ValueError("dim must be a power of two")
    cdef _Walker walk = _Walker()
    walk.split(text)
    cdef int cap = _capacity(walk)
    cdef cnp.ndarray[cnp.int32_t, ndim=1] out = np.empty(cap, dtype=np.int32)
    cdef int n = _features(walk, text, <uint32_t>(dim - 1), <int32_t*>out.data, cap)
    return out[:n]


cdef class IntentNet:
    cdef readonly int dim, hidden, classes
    cdef readonly float temperature
    cdef const int8_t[:, ::1] w1
    cdef const int8_t[:, ::1] w2
    cdef const float[::1] s1, b1, s2, b2
    cdef object _keep
    cdef _Walker walk
    cdef int32_t* ids
    cdef int ids_cap
    cdef int32_t* acc
    cdef float* hid
    cdef float* logits

    def __cinit__(self):
        self.ids = NULL
        self.acc = NULL
        self.hid = NULL
        self.logits = NULL

    def __init__(self, w1, s1, b1, w2, s2, b2, temperature):
        twin = _TwinNet(w1, s1, b1, w2, s2, b2, temperature)  # same validation, same errors
        self._keep = twin
        self.w1 = twin.w1
        self.w2 = np.ascontiguousarray(w2, dtype=np.int8)
        self.s1 = twin.s1
        self.b1 = twin.b1
        self.s2 = twin.s2
        self.b2 = twin.b2
        self._keep = (twin, np.asarray(self.w2))
        self.dim = twin.dim
        self.hidden = self.w1.shape[1]
        self.classes = self.w2.shape[1]
        self.temperature = twin.temperature
        self.walk = _Walker()
        self.ids_cap = 1024
        self.ids = <int32_t*>malloc(self.ids_cap * sizeof(int32_t))
        self.acc = <int32_t*>malloc(self.hidden * sizeof(int32_t))
        self.hid = <float*>malloc(self.hidden * sizeof(float))
        self.logits = <float*>malloc(self.classes * sizeof(float))
        if not (self.ids and self.acc and self.hid and self.logits):
            raise MemoryError()

    def __dealloc__(self):
        free(self.ids)
        free(self.acc)
        free(self.hid)
        free(self.logits)

    cdef void _forward(self, str text) except *:
        cdef int cap, n, i, j, c
        cdef int32_t* grown
        self.walk.split(text)
        cap = _capacity(self.walk)
        if cap > self.ids_cap:
            grown = <int32_t*>malloc(cap * sizeof(int32_t))
            if grown == NULL:
                raise MemoryError()
            free(self.ids)
            self.ids = grown
            self.ids_cap = cap
        n = _features(self.walk, text, <uint32_t>(self.dim - 1), self.ids, cap)
        cdef int H = self.hidden, C = self.classes
        cdef const int8_t* row
        cdef float norm = 1.0 / sqrtf(<float>n)
        cdef float v, s
        with nogil:
            for j in range(H):
                self.acc[j] = 0
            for i in range(n):
                row = &self.w1[self.ids[i], 0]
                for j in range(H):
                    self.acc[j] += row[j]
            for j in range(H):
                v = self.acc[j] * (self.s1[j] * norm) + self.b1[j]
                self.hid[j] = v if v > 0 else 0
            for c in range(C):
                self.logits[c] = 0
            for j in range(H):
                v = self.hid[j]
                if v != 0:
                    for c in range(C):
                        self.logits[c] += v * self.w2[j, c]
            for c in range(C):
                self.logits[c] = (self.logits[c] * self.s2[c] + self.b2[c]) / self.temperature

    def probabilities(self, str text):
        self._forward(text)
        cdef int c, C = self.classes
        cdef float top = self.logits[0], total = 0
        for c in range(1, C):
            if self.logits[c] > top:
                top = self.logits[c]
        out = np.empty(C, dtype=np.float32)
        cdef float[::1] o = out
        for c in range(C):
            o[c] = expf(self.logits[c] - top)
            total += o[c]
        for c in range(C):
            o[c] /= total
        return out

    def predict(self, str text):
        self._forward(text)
        cdef int c, best = 0, C = self.classes
        cdef float top, total = 0
        top = self.logits[0]
        for c in range(1, C):
            if self.logits[c] > top:
                top = self.logits[c]
                best = c
        for c in range(C):
            total += expf(self.logits[c] - top)
        return best, 1.0 / total
