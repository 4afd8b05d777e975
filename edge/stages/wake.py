"""Wake word detection, one 80 ms frame at a time: openWakeWord (ONNX) and, for the words
it ships, microWakeWord (tflite) beside it; either model at its own threshold wakes the
device (`WakeSettings.micro_threshold`), except that openWakeWord alone needs microWakeWord
above zero in the last half second (`micro_confirm`); microWakeWord near its cutoff wakes it
with openWakeWord's support (`micro_near`). Measured with `tandem bench speech wake`: on
the held-out voices openWakeWord alone woke 69 % of requests, microWakeWord alone 77 %,
either 98 %; the confirmation took the false wakes on speech without the word from 7
to 2 (dev and held-out voices) at no cost in held-out wakes."""

from __future__ import annotations

import importlib
import sys
import types
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

import models
from edge.messages import SAMPLE_RATE, AudioFrame, WakeDetected
from edge.settings import WakeSettings

FRAME_SAMPLES = 1280  # openWakeWord's native step: 80 ms at 16 kHz
AGREE_FRAMES = 6  # microWakeWord "agrees" if it rose within the last ~0.5 s
HALF_STEP_MS = 40  # `--wake-step`: openWakeWord every 40 ms (HalfStepScore) or every 80
WAKE_STEPS_MS = (HALF_STEP_MS, 80)
DEFAULT_WAKE_STEP_MS = HALF_STEP_MS if WakeSettings.half_step else 80


def frames_of(audio: np.ndarray, frame_samples: int = FRAME_SAMPLES) -> Iterator[AudioFrame]:
    """A recording as the capture loop hands it on: whole frames, timed from its start."""
    for i in range(0, len(audio) - frame_samples + 1, frame_samples):
        yield AudioFrame(audio[i : i + frame_samples], i / SAMPLE_RATE)


class WakeWordDetector:
    def __init__(self, settings: WakeSettings) -> None:
        self._micro: MicroWakeWordModel | None = None
        self._settings = settings
        self.last_score = 0.0  # openWakeWord's, for the last frame (both steps' higher)
        self._load(settings.model)
        self._last_detection_s = -1e9
        self._recent_micro: deque[float] = deque([0.0], maxlen=AGREE_FRAMES)
        self._recent_oww: deque[float] = deque(maxlen=AGREE_FRAMES)

    def _load(self, name_or_path: str) -> None:
        from openwakeword.model import Model

        model_path = _model_path(name_or_path)
        melspec, embedding = models.resolve("wake_features")
        self._model = Model(
            wakeword_models=[str(model_path)],
            inference_framework="onnx",
            melspec_model_path=str(melspec),
            embedding_model_path=str(embedding),
        )
        _fresh_feature_sessions(self._model.preprocessor, str(melspec), str(embedding))
        self._label = next(iter(self._model.models))
        self.word = self._label.rsplit("_v", 1)[0]
        self._half_step = HalfStepScore(self._model, self._label) \
            if self._settings.half_step else None
        self._micro = None
        if self._settings.micro_threshold is not None and self.word in MICRO_WORDS:
            self._micro = MicroWakeWordModel(self.word)

    def configure(self, settings: WakeSettings) -> None:
        """New settings between conversations (fleet policy); another word loads its model."""
        reload = settings.model != self._settings.model or \
            settings.micro_threshold != self._settings.micro_threshold or \
            settings.half_step != self._settings.half_step
        self._settings = settings
        if reload:
            self._load(settings.model)

    def process(self, frame: AudioFrame, playing: bool = False) -> WakeDetected | None:
        """One frame; `playing`: the device's own voice is in the microphone (its residual
        after the canceller), so openWakeWord alone needs more (WakeSettings)."""
        s = self._settings
        scores = self._model.predict(frame.samples)
        score = float(scores[self._label])
        if self._half_step is not None:
            score = max(score, self._half_step.score())
        self.last_score = score
        micro = self._micro.probability(frame.samples) if self._micro is not None else 0.0
        self._recent_micro.append(micro)
        self._recent_oww.append(score)
        if score < s.threshold:
            cutoff = s.micro_threshold
            if self._micro is None or cutoff is None:
                return None
            if micro < cutoff and (playing or not self._near_cutoff_supported()):
                return None
            score = micro if micro >= cutoff else max(self._recent_micro)  # microWakeWord's
        elif playing and score < s.playback_threshold and \
                max(self._recent_micro) < s.playback_agree:
            return None  # openWakeWord alone, unsure, over our own voice
        elif self._micro is not None and s.micro_confirm is not None and \
                max(self._recent_micro) < s.micro_confirm:
            return None  # openWakeWord alone, and microWakeWord heard nothing of the word
        if frame.end_s - self._last_detection_s < self._settings.refractory_s:
            return None
        self._last_detection_s = frame.end_s
        return WakeDetected(self.word, score, frame.end_s)

    def _near_cutoff_supported(self) -> bool:
        """microWakeWord near its cutoff and openWakeWord above its support within the
        same half second (`WakeSettings.micro_near`)."""
        near = self._settings.micro_near
        return near is not None and max(self._recent_micro) >= near and \
            max(self._recent_oww) >= self._settings.near_support

    def reset(self, new_stream: bool = False) -> None:
        """Forget buffered audio (after a turn, so the gap in the audio cannot trigger);
        a new stream also restarts the refractory clock, whose times are stream positions."""
        # openWakeWord's reset() clears only its score history: its feature window still
        # holds the audio before the gap (after a turn, the wake word itself), which fired
        # again on the next frame. Silence through the whole window flushes it.
        self._model.predict(_FLUSH)
        self._model.reset()
        if self._half_step is not None:
            self._half_step.reset()
        if self._micro is not None:
            self._micro.reset()
        self._recent_micro.clear()
        self._recent_micro.append(0.0)
        self._recent_oww.clear()
        if new_stream:
            self._last_detection_s = -1e9

    def warm_up(self) -> None:
        for _ in range(3):
            self._model.predict(np.zeros(FRAME_SAMPLES, dtype=np.int16))
        self._model.reset()


class HalfStepScore:
    """openWakeWord's score for the audio up to 40 ms before the frame's end, so the word is
    scored every 40 ms instead of every 80: where a phrase falls against the 80 ms grid is
    chance, and one grid missed words the other caught (`tandem bench speech align`).

    openWakeWord computes a mel frame every 10 ms and an embedding of the last 76 mel frames
    every 80 ms; a stream fed 640 samples later has the same mel frames, so its embedding is
    the one of the window ending 4 mel frames earlier. This reuses the model's own mel
    frames: one more embedding and one more classifier call per frame, no second
    spectrogram (`tests/test_wake_detector.py` checks it against a second model fed the
    stream 640 samples late)."""

    MEL_FRAMES = 76  # the embedding model's window
    LAG = 4  # mel frames of 10 ms: half the 80 ms step
    WARM_UP = 5  # frames after a reset that openWakeWord itself scores 0

    def __init__(self, model: Any, label: str) -> None:
        self._features = model.preprocessor
        self._classify = model.model_prediction_function[label]
        self._window = int(model.model_inputs[label])  # embeddings the classifier reads: 16
        self._embeddings: deque[np.ndarray] = deque(maxlen=self._window)
        self.reset()

    def score(self) -> float:
        mel = self._features.melspectrogram_buffer
        end = len(mel) - self.LAG
        window = mel[end - self.MEL_FRAMES : end].astype(np.float32)[None, :, :, None]
        self._embeddings.append(self._features.embedding_model_predict(window))
        self._frames += 1
        self.last = 0.0 if self._frames < self.WARM_UP else \
            float(self._classify(np.array(self._embeddings)[None])[0][0][0])
        return self.last

    def reset(self) -> None:
        """Start from the main stream's embeddings (after a flush: silence, which looks the
        same 40 ms earlier)."""
        self._embeddings.extend(self._features.feature_buffer[-self._window :])
        self._frames = 0
        self.last = 0.0


def _fresh_feature_sessions(features: Any, melspec: str, embedding: str) -> None:
    """openWakeWord's feature extractor fills its history by running 4 s of noise through
    its two models as one batch at start-up, and onnxruntime's memory arena keeps what that
    batch needed (23 MB resident) for good. The same models in new sessions, with the same
    options (one thread each), compute the same features from an arena sized by what the
    80 ms frames (and the flush of `reset`) need."""
    import onnxruntime as ort

    def session(path: str) -> Any:
        options = ort.SessionOptions()
        options.inter_op_num_threads = options.intra_op_num_threads = 1
        return ort.InferenceSession(path, sess_options=options,
                                    providers=["CPUExecutionProvider"])

    features.melspec_model = session(melspec)  # its predict functions look these up per call
    features.embedding_model = session(embedding)


_VERIFIER = "openwakeword.custom_verifier_model"


def _defer_verifier_trainer() -> None:
    """openwakeword's package imports its verifier trainer, and with it scikit-learn
    (23 MB resident, more where nothing else has loaded scipy), which only training a
    verifier uses. Before openwakeword is imported, a stand-in takes the trainer's place and
    imports the real one when it is called."""
    if "openwakeword" in sys.modules or _VERIFIER in sys.modules:
        return
    stand_in = types.ModuleType(_VERIFIER)

    def train_custom_verifier(*args: Any, **kwargs: Any) -> Any:
        if sys.modules.get(_VERIFIER) is stand_in:
            del sys.modules[_VERIFIER]
        return importlib.import_module(_VERIFIER).train_custom_verifier(*args, **kwargs)

    stand_in.train_custom_verifier = train_custom_verifier  # type: ignore[attr-defined]
    sys.modules[_VERIFIER] = stand_in


_defer_verifier_trainer()  # openwakeword is imported lazily (here and by the Silero VAD)


# Longer than openWakeWord's window: 16 embeddings of 80 ms over 76 mel frames (~0.78 s).
_FLUSH = np.zeros(28 * FRAME_SAMPLES, dtype=np.int16)


def _model_path(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if path.suffix == ".onnx":
        if not path.is_file():
            raise models.ModelError(f"wake word model {path} not found; fix the --wake-model path")
        return path
    return models.resolve(name_or_path)[0]


MICRO_WORDS = ("hey_jarvis",)  # words with a microWakeWord model in the manifest


class MicroWakeWordModel:
    """A microWakeWord model (pymicro-wakeword, tflite, 0.2 ms per frame): its
    sliding-window probability, the highest within each 80 ms frame."""

    def __init__(self, word: str = "hey_jarvis") -> None:
        from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures

        config, _tflite = models.resolve(f"micro_{word}")  # checksummed, both files
        self._model = MicroWakeWord.from_config(config)
        self._features = MicroWakeWordFeatures()

    def probability(self, samples: np.ndarray) -> float:
        best = 0.0
        for features in self._features.process_streaming(
                np.ascontiguousarray(samples, dtype="<i2").tobytes()):
            prob = self._model.process_streaming_prob(features)
            if prob is not None and prob > best:
                best = prob
        return best

    def reset(self) -> None:
        self._model.reset()
        self._features.reset()
