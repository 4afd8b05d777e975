"""The daemon's wake word detector: openWakeWord scored every 40 ms (`HalfStepScore`: its
second score per frame is the one a model fed the stream 40 ms late would give, and it
catches a word the 80 ms grid scores low), and its rule over the two models' scores, which
`tandem bench speech wake` evaluates on cached series and must therefore match."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.messages import AudioFrame
from edge.settings import WakeSettings
from edge.speech_eval.wake_ensemble import near_cutoff
from edge.stages.wake import FRAME_SAMPLES, WakeWordDetector, frames_of

HALF = FRAME_SAMPLES // 2


def _scores(detector: WakeWordDetector, audio: np.ndarray) -> np.ndarray:
    """openWakeWord's score per 80 ms frame, from a fresh stream."""
    detector.reset(new_stream=True)
    out = []
    for frame in frames_of(audio):
        detector.process(frame)
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
    for frame in frames_of(audio):
        both.process(frame)
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
        detections = sum(detector.process(frame) is not None for frame in frames_of(led))
        assert detections == heard


class _Scripted:
    """Stands in for both models inside the real detector: per frame, the scores given."""

    def __init__(self, detector: WakeWordDetector, series: np.ndarray) -> None:
        self._rows: Iterator[np.ndarray] = iter(series)
        self._row = np.zeros(2)
        label = detector._label
        detector._model.predict = lambda _samples: {label: self._next()[0]}
        assert detector._micro is not None
        detector._micro.probability = lambda samples: float(self._row[1])  # type: ignore[method-assign]

    def _next(self) -> np.ndarray:
        self._row = next(self._rows)
        return self._row


@pytest.fixture(scope="module")
def detector() -> WakeWordDetector:
    return WakeWordDetector(WakeSettings(half_step=False))


def _fired(detector: WakeWordDetector, series: np.ndarray, playing: bool = False) -> list[int]:
    """The frames (1-based) at which the detector wakes, fed `series` as its models' scores."""
    detector.reset(new_stream=True)
    _Scripted(detector, series)
    silence = np.zeros(FRAME_SAMPLES, np.int16)
    try:
        return [n + 1 for n in range(len(series))
                if detector.process(AudioFrame(silence, n * FRAME_SAMPLES / 16_000), playing)]
    finally:  # the models' own methods again (reset() runs audio through them)
        assert detector._micro is not None
        del detector._model.predict, detector._micro.probability


def test_microwakeword_near_its_cutoff_needs_openwakeword_in_the_same_half_second(
    detector: WakeWordDetector
) -> None:
    series = np.zeros((30, 2))
    series[10, 0] = 0.05  # openWakeWord gave the word a chance
    series[13, 1] = 0.93  # microWakeWord near its cutoff, 3 frames (0.24 s) later
    assert _fired(detector, series) == [14]
    assert _fired(detector, series, playing=True) == []  # over our own voice: not enough
    alone = series.copy()
    alone[10, 0] = 0.0
    assert _fired(detector, alone) == []
    too_late = np.zeros((30, 2))
    too_late[3, 0], too_late[13, 1] = 0.05, 0.93  # 0.8 s apart
    assert _fired(detector, too_late) == []
    detector.configure(WakeSettings(half_step=False, micro_near=None))
    try:
        assert _fired(detector, series) == []
    finally:
        detector.configure(WakeSettings(half_step=False))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 0.01, 0.03, 0.3, 0.6]),
                          st.sampled_from([0.0, 0.001, 0.5, 0.92, 0.98])),
                min_size=1, max_size=80))
def test_the_bench_rule_fires_where_the_daemon_wakes(
    detector: WakeWordDetector, rows: list[tuple[float, float]]
) -> None:
    series = np.array(rows, dtype=np.float32)
    s = WakeSettings()
    assert s.micro_near is not None and s.micro_confirm is not None
    assert s.micro_threshold is not None
    rule = near_cutoff(s.threshold, s.micro_threshold, s.micro_confirm, s.micro_near,
                       s.near_support)
    expected = [round(at * 16_000 / FRAME_SAMPLES) for at in rule.events(series)]
    assert _fired(detector, series) == expected
