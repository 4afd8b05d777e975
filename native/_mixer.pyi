# Stub for the compiled mixer; behaviour is defined by mixer_py.py.
import numpy as np
from typing_extensions import Buffer

class Ducker:
    duck_q15: int
    clipped: int
    def __init__(
        self, rate: int = ..., duck_db: float = ..., attack_ms: float = ...,
        release_ms: float = ...,
    ) -> None: ...
    def reset(self) -> None: ...
    @property
    def gain(self) -> float: ...
    def mix(
        self, music: Buffer | np.ndarray, voice: Buffer | np.ndarray, active: bool
    ) -> np.ndarray: ...
    def mix_into(
        self, music: Buffer | np.ndarray, voice: Buffer | np.ndarray,
        out: Buffer | np.ndarray, active: bool,
    ) -> int: ...
