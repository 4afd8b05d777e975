"""Intent classifier hot loop, pure Python/numpy twin (defines the behaviour).

Input is text already normalised by ``edge.nlu.text`` (lower case, words separated by one
space). Features are hashed into ``dim`` buckets (a power of two) with 32-bit FNV-1a over
code points:

* every word (seed 1);
* every word bigram, with ``<s>`` before the first word and ``</s>`` after the last (seed 2);
* every character trigram of ``<word>`` (seed 3).

The network is one hidden layer over the bag of features: int8 weights ``w1[dim, hidden]``
summed in int32 (each feature is a row), scaled per hidden unit by ``s1 / sqrt(n)``
(n = number of features), plus ``b1``, ReLU; then int8 ``w2[hidden, classes]`` scaled per
class by ``s2``, plus ``b2``; then a softmax at ``temperature`` (the calibration).
The compiled ``native._nlu`` computes the same numbers.
"""

from __future__ import annotations

import math

import numpy as np

FEATURE_VERSION = 1
MAX_WORDS = 32  # words past this are ignored (the normaliser already truncates)

_FNV_PRIME = 16777619
_FNV_OFFSET = 2166136261
_MASK = 0xFFFFFFFF
SEED_WORD, SEED_BIGRAM, SEED_TRIGRAM = 1, 2, 3


def _init(seed: int) -> int:
    return (_FNV_OFFSET ^ (seed * 0x9E3779B1)) & _MASK


def _fnv(h: int, text: str) -> int:
    for ch in text:
        h = ((h ^ ord(ch)) * _FNV_PRIME) & _MASK
    return h


def feature_ids(text: str, dim: int) -> np.ndarray:
    """Hashed feature bucket of every feature of `text` (int32, with repeats)."""
    if dim <= 0 or dim & (dim - 1):
        raise ValueError("dim must be a power of two")
    words = [w for w in text.split(" ") if w][:MAX_WORDS]
    out: list[int] = []
    mask = dim - 1
    prev = "<s>"
    for word in words + ["</s>"]:
        out.append(_fnv(_init(SEED_BIGRAM), prev + " " + word) & mask)
        prev = word
    for word in words:
        out.append(_fnv(_init(SEED_WORD), word) & mask)
        padded = "<" + word + ">"
        for i in range(len(padded) - 2):
            out.append(_fnv(_init(SEED_TRIGRAM), padded[i : i + 3]) & mask)
    return np.asarray(out, dtype=np.int32)


class IntentNet:
    """The quantised classifier; `predict(text)` returns (class index, probability)."""

    def __init__(
        self,
        w1: np.ndarray,
        s1: np.ndarray,
        b1: np.ndarray,
        w2: np.ndarray,
        s2: np.ndarray,
        b2: np.ndarray,
        temperature: float,
    ) -> None:
        dim, hidden = w1.shape
        if w1.dtype != np.int8 or w2.dtype != np.int8:
            raise ValueError("w1 and w2 must be int8")
        if w2.shape[0] != hidden or s1.shape != (hidden,) or b1.shape != (hidden,):
            raise ValueError("hidden layer shapes do not agree")
        if s2.shape != (w2.shape[1],) or b2.shape != (w2.shape[1],):
            raise ValueError("output layer shapes do not agree")
        if dim <= 0 or dim & (dim - 1):
            raise ValueError("w1 must have a power-of-two number of rows")
        if not temperature > 0:
            raise ValueError("temperature must be > 0")
        self.dim = dim
        self.w1 = np.ascontiguousarray(w1)
        self.w2 = np.ascontiguousarray(w2).astype(np.float32)
        self.s1 = s1.astype(np.float32)
        self.b1 = b1.astype(np.float32)
        self.s2 = s2.astype(np.float32)
        self.b2 = b2.astype(np.float32)
        self.temperature = float(temperature)

    def probabilities(self, text: str) -> np.ndarray:
        ids = feature_ids(text, self.dim)
        acc = self.w1[ids].sum(axis=0, dtype=np.int32)
        hidden = np.maximum(acc * (self.s1 / math.sqrt(len(ids))) + self.b1, 0.0)
        logits = (hidden @ self.w2) * self.s2 + self.b2
        z = logits / self.temperature
        e = np.exp(z - z.max())
        return (e / e.sum()).astype(np.float32)

    def predict(self, text: str) -> tuple[int, float]:
        p = self.probabilities(text)
        best = int(np.argmax(p))
        return best, float(p[best])
