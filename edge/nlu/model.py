"""The intent model artefact: a versioned header and int8 arrays, checked on load.

Layout (little-endian)::

    b"TNLU" | u32 format version | u32 header length | header (UTF-8 JSON) | arrays

The JSON header names the model version, the feature-extractor version it was trained
with, the labels, the shapes, the calibration temperature and the command vocabulary the
fuzzy matcher must not bend. Arrays follow in order: w1 int8[dim, hidden], s1, b1
float32[hidden], w2 int8[hidden, labels], s2, b2 float32[labels]. Anything that does not
fit is refused with a ModelError that names the fix.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.store import ModelError
from native.nlu import FEATURE_VERSION

MAGIC = b"TNLU"
FORMAT_VERSION = 1
_FIX = "rebuild it with `python -m tools.train_nlu` or restore the committed file"


@dataclass(frozen=True, eq=False)
class IntentModel:
    labels: tuple[str, ...]
    w1: np.ndarray
    s1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    s2: np.ndarray
    b2: np.ndarray
    temperature: float
    model_version: str
    command_words: frozenset[str] = frozenset()
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def arrays(self) -> list[np.ndarray]:
        return [self.w1, self.s1, self.b1, self.w2, self.s2, self.b2]

    def save(self, path: Path) -> None:
        header = json.dumps({
            "model_version": self.model_version,
            "feature_version": FEATURE_VERSION,
            "labels": list(self.labels),
            "dim": int(self.w1.shape[0]),
            "hidden": int(self.w1.shape[1]),
            "temperature": self.temperature,
            "command_words": sorted(self.command_words),
            "info": self.info,
        }, sort_keys=True).encode()
        blobs = [np.ascontiguousarray(a, dtype=np.int8 if i in (0, 3) else "<f4").tobytes()
                 for i, a in enumerate(self.arrays)]
        tmp = path.with_suffix(path.suffix + ".partial")
        tmp.write_bytes(MAGIC + struct.pack("<II", FORMAT_VERSION, len(header)) + header
                        + b"".join(blobs))
        tmp.replace(path)


def load_model(path: Path) -> IntentModel:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"NLU model {path} cannot be read ({exc.strerror}); {_FIX}") from None
    if len(data) < 12 or data[:4] != MAGIC:
        raise ModelError(f"{path} is not a Tandem NLU model (bad magic); {_FIX}")
    version, length = struct.unpack_from("<II", data, 4)
    if version != FORMAT_VERSION:
        raise ModelError(
            f"{path} has NLU model format {version}, this Tandem reads format "
            f"{FORMAT_VERSION}; {_FIX}"
        )
    try:
        header = json.loads(data[12 : 12 + length])
        labels = tuple(str(x) for x in header["labels"])
        dim, hidden = int(header["dim"]), int(header["hidden"])
        feature_version = int(header["feature_version"])
        temperature = float(header["temperature"])
    except (ValueError, KeyError, TypeError):
        raise ModelError(f"{path}: the NLU model header is damaged; {_FIX}") from None
    if feature_version != FEATURE_VERSION:
        raise ModelError(
            f"{path} was trained with feature version {feature_version}, this Tandem "
            f"extracts version {FEATURE_VERSION}; {_FIX}"
        )
    n = len(labels)
    int8, f32 = np.dtype(np.int8), np.dtype("<f4")
    shapes: list[tuple[tuple[int, ...], np.dtype]] = [
        ((dim, hidden), int8), ((hidden,), f32), ((hidden,), f32),
        ((hidden, n), int8), ((n,), f32), ((n,), f32)]
    arrays: list[np.ndarray] = []
    offset = 12 + length
    for shape, dtype in shapes:
        count = int(np.prod(shape))
        size = count * dtype.itemsize
        if offset + size > len(data):
            raise ModelError(f"{path} is truncated; {_FIX}")
        arrays.append(np.frombuffer(data, dtype=dtype, count=count, offset=offset)
                      .reshape(shape).astype(np.int8 if dtype == int8 else np.float32))
        offset += size
    if offset != len(data) or "cloud" not in labels:
        raise ModelError(f"{path} does not match its header; {_FIX}")
    w1, s1, b1, w2, s2, b2 = arrays
    return IntentModel(labels, w1, s1, b1, w2, s2, b2, temperature=temperature,
                       model_version=str(header.get("model_version", "?")),
                       command_words=frozenset(header.get("command_words", [])),
                       info=dict(header.get("info", {})))
