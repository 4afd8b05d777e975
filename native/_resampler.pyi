# Stub for the compiled resampler; behaviour is defined by resampler_py.py.
import numpy as np
from typing_extensions import Buffer

class Resampler:
    rate_in: int
    rate_out: int
    up: int
    down: int
    taps: int
    shift: int
    delay_out: float
    clipped: int
    total_in: int
    total_out: int
    def __init__(self, rate_in: int, rate_out: int) -> None: ...
    def reset(self) -> None: ...
    def output_length(self, n_in: int) -> int: ...
    def process(self, samples: Buffer | np.ndarray) -> np.ndarray: ...
    def process_into(self, samples: Buffer | np.ndarray, out: Buffer | np.ndarray) -> int: ...
    def flush(self) -> np.ndarray: ...
