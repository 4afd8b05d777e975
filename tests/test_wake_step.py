"""openWakeWord scored every 40 ms (`HalfStepScore`): its second score per frame is the one a
model fed the stream 40 ms late would give, and it catches a word the 80 ms grid scores low."""

from __future__ import annotations

import numpy as np

from edge.messages import AudioFrame
from edge.settings import WakeSettings
from edge.stages.wake import FRAME_SAMPLES, WakeWordDetector

HALF = FRAME_SAMPLES // 2


def _scores(detector: WakeWordDetector, audio: np.ndarray) -> np.ndarray:
    """openWakeWord's score per 80 ms frame, from a fresh stream."""
    detector.reset(new_stream=True)
    out = []
    for i in range(0, len(audio) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        detector.process(AudioFrame(audio[i : i + FRAME_SAMPLES], i / 16_000))
        out.append(detector.last_score)
    return np.array(out)


def test_the_half_step_is_a_model_fed_the_stream_40_ms_late(
    speech: dict[str, np.ndarray]
) -> None:
    audio = speech["lights"]  # "hey jarvis, turn on the kitchen lights"
    both = WakeWordDetector(WakeSettings(micro_threshold=None))
    grid = WakeWordDetector(WakeSettings(micro_threshold=None, half_step=False))
    assert both._half_step is not None
    on_grid = _scores(grid, audio)
    late = _scores(grid, np.concatenate([np.zeros(HALF, np.int16), audio]))
    half = []
    both.reset(new_stream=True)
    for i in range(0, len(audio) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        both.process(AudioFrame(audio[i : i + FRAME_SAMPLES], i / 16_000))
        half.append(both._half_step.last)
    n = min(len(half), len(late))
    word = slice(int(np.argmax(on_grid)) - 3, int(np.argmax(on_grid)) + 3)
    assert late[word].max() > 0.5  # the word is scored, late too
    np.testing.assert_allclose(np.array(half)[:n][word], late[:n][word], atol=0.02)
    # and the detector's score is the higher of the two steps
    np.testing.assert_allclose(_scores(both, audio)[word],
                               np.maximum(on_grid, np.array(half)[: len(on_grid)])[word],
                               atol=1e-6)


def test_a_word_the_80_ms_grid_scores_low_is_heard_on_the_40_ms_one(
    speech: dict[str, np.ndarray]
) -> None:
    grid = WakeWordDetector(WakeSettings(micro_threshold=None, half_step=False))
    both = WakeWordDetector(WakeSettings(micro_threshold=None))
    # in loud noise the word scores 0.2-0.7 as it falls against the grid (clean: 0.998)
    noise = np.random.default_rng(0).standard_normal(len(speech["lights"])) * 6000
    audio = np.clip(speech["lights"] + noise, -32768, 32767).astype(np.int16)
    for lead in range(0, FRAME_SAMPLES, 160):  # the word's place against the 80 ms grid
        led = np.concatenate([np.zeros(lead, np.int16), audio])
        low, high = _scores(grid, led).max(), _scores(both, led).max()
        if high - low > 0.02:
            break
    else:
        raise AssertionError("the 40 ms step never scored the word higher than the 80 ms grid")
    between = (low + high) / 2
    for detector, heard in ((grid, 0), (both, 1)):
        detector.configure(WakeSettings(threshold=between, micro_threshold=None,
                                        half_step=detector is both))
        detector.reset(new_stream=True)
        detections = sum(
            detector.process(AudioFrame(led[i : i + FRAME_SAMPLES], i / 16_000)) is not None
            for i in range(0, len(led) - FRAME_SAMPLES + 1, FRAME_SAMPLES))
        assert detections == heard
