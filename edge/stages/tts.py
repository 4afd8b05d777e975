"""Text to speech with piper, one audio chunk per sentence as soon as it is ready."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

import models


class PiperTts:
    # Piper adds random variation to every utterance (more natural); False makes replies
    # repeatable, which the tests use so Whisper round trips do not depend on chance.
    variation: bool = True

    def __init__(self) -> None:
        from piper import PiperVoice, SynthesisConfig

        onnx, config = models.resolve("piper_joe")
        self._voice = PiperVoice.load(str(onnx), config_path=str(config))
        self.sample_rate: int = self._voice.config.sample_rate
        self._deterministic = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
        # Stock phrases (fillers, fallbacks, the confirmation question) rendered once at
        # start-up: they are said at the worst moments (the cloud is slow or gone), when
        # tens of milliseconds of synthesis are silence the user hears.
        self.stock: dict[str, list[np.ndarray]] = {}

    def sentences(self, text: str, deterministic: bool = False) -> Iterator[np.ndarray]:
        """One int16 array per sentence. `deterministic` turns off the voice's random
        variation, so test and demo recordings are the same on every machine."""
        config = self._deterministic if deterministic or not self.variation else None
        for chunk in self._voice.synthesize(text, config):
            yield chunk.audio_int16_array

    def synthesize_all(self, text: str) -> list[np.ndarray]:
        stock = self.stock.get(text)
        return list(stock) if stock is not None else list(self.sentences(text))

    def prerender(self, texts: Iterable[str]) -> None:
        """Render `texts` now (without the random variation: one take each)."""
        for text in texts:
            if text not in self.stock:
                self.stock[text] = list(self.sentences(text, deterministic=True))

    def warm_up(self) -> None:
        for _ in self.sentences("Ready."):
            pass
