"""Text to speech with piper, one audio chunk per sentence as soon as it is ready."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

import models
from edge.heap import release_freed_memory

RECENT_MAX_REPLIES = 64  # at most about 64 × 3 s of 22 kHz int16: 8 MB
RECENT_MAX_CHARS = 60


class PiperTts:
    # Piper adds random variation to every utterance (more natural); False makes replies
    # repeatable, which the tests use so Whisper round trips do not depend on chance.
    variation: bool = True

    def __init__(self) -> None:
        from piper import PiperVoice, SynthesisConfig
        from piper.config import PiperConfig

        onnx, config = models.resolve("piper_joe")
        # What PiperVoice.load does, with the session of `ShrinkingSession`.
        self._voice = PiperVoice(
            session=ShrinkingSession.for_model(onnx),
            config=PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8"))),
            download_dir=Path.cwd(),
        )
        self.sample_rate: int = self._voice.config.sample_rate
        self._deterministic = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
        # Stock phrases (fillers, fallbacks, the confirmation question) rendered once at
        # start-up: they are said at the worst moments (the cloud is slow or gone), when
        # tens of milliseconds of synthesis are silence the user hears.
        self.stock: dict[str, list[np.ndarray]] = {}
        # Short replies said again (the same light, the same timer) come from here: repeated
        # commands are most of what a device hears, and their synthesis is silence.
        self.recent: OrderedDict[str, list[np.ndarray]] = OrderedDict()
        self._recent_lock = threading.Lock()  # (synthesis runs in worker threads)

    def sentences(self, text: str, deterministic: bool = False) -> Iterator[np.ndarray]:
        """One int16 array per sentence. `deterministic` turns off the voice's random
        variation, so test and demo recordings are the same on every machine."""
        config = self._deterministic if deterministic or not self.variation else None
        try:
            for chunk in self._voice.synthesize(text, config):
                yield chunk.audio_int16_array
        finally:  # after the text's last chunk: what its runs needed back to the system
            release_freed_memory()

    def synthesize_all(self, text: str) -> list[np.ndarray]:
        stock = self.stock.get(text)
        if stock is not None:
            return list(stock)
        with self._recent_lock:
            recent = self.recent.get(text)
            if recent is not None:
                self.recent.move_to_end(text)
                return list(recent)
        audio = list(self.sentences(text))
        if len(text) <= RECENT_MAX_CHARS:  # a command's reply, not a cloud answer's sentence
            with self._recent_lock:
                self.recent[text] = audio
                while len(self.recent) > RECENT_MAX_REPLIES:
                    self.recent.popitem(last=False)
        return audio

    def prerender(self, texts: Iterable[str]) -> None:
        """Render `texts` now (without the random variation: one take each)."""
        for text in texts:
            if text not in self.stock:
                self.stock[text] = list(self.sentences(text, deterministic=True))

    def warm_up(self) -> None:
        for _ in self.sentences("Ready."):
            pass


# onnxruntime's memory arena keeps the largest working set any run needed, and its memory
# pattern one block per input length: after the stock phrases 50 MB more than the weights,
# after a few long sentences of cloud answers 140-370 MB more, for the life of the daemon.
# Without the pattern, and with the arena shrunk at the end of each run (then the heap
# trimmed, `release_freed_memory`), a sentence's working set is freed once it is spoken.
# The audio is the same sample for sample; a sentence costs about 5 % more CPU.
ARENA_SHRINKAGE = ("memory.enable_memory_arena_shrinkage", "cpu:0")


class ShrinkingSession:
    """An onnxruntime session whose runs shrink its CPU memory arena when they end."""

    def __init__(self, session: Any) -> None:
        import onnxruntime

        self.session = session
        self.run_options = onnxruntime.RunOptions()
        self.run_options.add_run_config_entry(*ARENA_SHRINKAGE)

    @classmethod
    def for_model(cls, path: Path) -> ShrinkingSession:
        """A CPU session for the model at `path`, without the memory pattern."""
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.enable_mem_pattern = False
        return cls(onnxruntime.InferenceSession(str(path), sess_options=options,
                                                providers=["CPUExecutionProvider"]))

    def run(self, output_names: Any, input_feed: Any, run_options: Any = None) -> Any:
        return self.session.run(output_names, input_feed, run_options or self.run_options)

    def __getattr__(self, name: str) -> Any:  # everything else: the session's own
        return getattr(self.session, name)
