# Stub for the compiled kernel; behaviour is defined by nlu_py.py.
import numpy as np

FEATURE_VERSION: int

def feature_ids(text: str, dim: int) -> np.ndarray: ...

class IntentNet:
    dim: int
    hidden: int
    classes: int
    temperature: float
    def __init__(
        self,
        w1: np.ndarray,
        s1: np.ndarray,
        b1: np.ndarray,
        w2: np.ndarray,
        s2: np.ndarray,
        b2: np.ndarray,
        temperature: float,
    ) -> None: ...
    def probabilities(self, text: str) -> np.ndarray: ...
    def predict(self, text: str) -> tuple[int, float]: ...
