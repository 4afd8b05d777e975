"""Text to speech with piper, one audio chunk per sentence as soon as it is ready."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

import models


class PiperTts:
    def __init__(self) -> None:
        from piper import PiperVoice

        onnx, config = models.resolve("piper_joe")
        self._voice = PiperVoice.load(str(onnx), config_path=str(config))
        self.sample_rate: int = self._voice.config.sample_rate

    def sentences(self, text: str) -> Iterator[np.ndarray]:
        for chunk in self._voice.synthesize(text):
            yield chunk.audio_int16_array

    def synthesize_all(self, text: str) -> list[np.ndarray]:
        return list(self.sentences(text))

    def warm_up(self) -> None:
        for _ in self.sentences("Ready."):
            pass
