"""`tandem bench speech wake`: openWakeWord, microWakeWord, and the two together.

Both models run frame by frame (80 ms) over every "hey jarvis + command" recording and over
the streams of speech without the wake word (`nonwake`); each frame keeps openWakeWord's
score and microWakeWord's highest sliding-window probability within the frame. A rule
(one model at a threshold, either of them, both within a short time of each other, or the
mean of the two) then fires events with the daemon's refractory time:

* wake rate: a recording counts when an event lands between 0.5 s before and 0.8 s after
  the end of the wake phrase (as `tandem bench speech run` scores openWakeWord);
* false wakes: events over the speech without the wake word, per hour.

Rules are chosen on the dev voices and reported on the held-out ones. The series are cached
next to the recordings (`wake_series.npz`; `wake_series-aec0dB.npz` for the audio heard through
the daemon's echo canceller, `--aec`; `-40ms` when openWakeWord is scored every 40 ms, the
daemon's default, `--wake-step`), so changing the rules costs no inference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from edge.audio.duplex import canceller_key, hear_recording
from edge.audio.wavfile import read_wav
from edge.messages import SAMPLE_RATE
from edge.speech_eval.generate import load_manifest
from edge.speech_eval.nonwake import NOISY, generate_streams, noisy_streams
from edge.speech_eval.runner import near_wake_phrase
from edge.stages.background_gate import BackgroundGate, frame_level_db
from edge.stages.wake import AGREE_FRAMES, frames_of

FRAME = 1280
REFRACTORY_S = 2.0
BOTH_WITHIN_S = 0.5  # "and": the two models agree within this much time
# (frames, 2): openWakeWord score, microWakeWord probability; with `with_levels`, (frames,
# 4): and the room's level before the frame and the loudest frame of the last second (dB)
Series = np.ndarray
VOICE_S = 1.0  # the wake phrase's level: the loudest frame within this much before


class _Models:
    """Both models, loaded once per process."""

    def __init__(self, half_step: bool) -> None:
        from edge.settings import WakeSettings
        from edge.stages.wake import MicroWakeWordModel, WakeWordDetector

        self.oww = WakeWordDetector(WakeSettings(micro_threshold=None, half_step=half_step))
        self.mww = MicroWakeWordModel()


@lru_cache(maxsize=1)
def _models(half_step: bool) -> _Models:
    return _Models(half_step)


def score_series(audio: np.ndarray, half_step: bool = True) -> Series:
    """Both models' scores per 80 ms frame over one stream (openWakeWord's every 40 ms,
    the higher of each frame's two, with `half_step`)."""
    m = _models(half_step)
    m.oww.reset(new_stream=True)
    m.mww.reset()
    out = np.zeros((max(0, (len(audio) - FRAME) // FRAME + 1), 2), np.float32)
    for n, frame in enumerate(frames_of(audio, FRAME)):
        m.oww.process(frame)
        out[n, 0] = m.oww.last_score
        out[n, 1] = m.mww.probability(frame.samples)
    return out


@dataclass(frozen=True)
class Rule:
    name: str
    fires: Callable[[Series], np.ndarray]  # per frame: the rule holds

    def events(self, series: Series) -> list[float]:
        """Frame end times (s) of the events, with the refractory time between them."""
        out: list[float] = []
        for n in np.flatnonzero(self.fires(series)):
            at = (n + 1) * FRAME / SAMPLE_RATE
            if not out or at - out[-1] >= REFRACTORY_S:
                out.append(at)
        return out


def oww(t: float) -> Rule:
    return Rule(f"openWakeWord >= {t}", lambda s: s[:, 0] >= t)


def mww(c: float) -> Rule:
    return Rule(f"microWakeWord >= {c}", lambda s: s[:, 1] >= c)


def either(t: float, c: float) -> Rule:
    return Rule(f"either (oWW >= {t} or mWW >= {c})", lambda s: (s[:, 0] >= t) | (s[:, 1] >= c))


def both(t: float, c: float) -> Rule:
    k = round(BOTH_WITHIN_S * SAMPLE_RATE / FRAME)

    def fires(s: Series) -> np.ndarray:
        near = np.ones(2 * k + 1)
        a = np.convolve(s[:, 0] >= t, near, "same") > 0
        b = np.convolve(s[:, 1] >= c, near, "same") > 0
        return a & b & ((s[:, 0] >= t) | (s[:, 1] >= c))
    return Rule(f"both (oWW >= {t} and mWW >= {c} within {BOTH_WITHIN_S} s)", fires)


def confirmed(t: float, c: float, low: float) -> Rule:
    """The daemon's default (`WakeSettings.micro_confirm`): microWakeWord at its threshold,
    or openWakeWord at its own with microWakeWord at least `low` in the last half second."""

    def fires(s: Series) -> np.ndarray:
        return (s[:, 1] >= c) | ((s[:, 0] >= t) & (_recent_micro(s) >= low))
    return Rule(f"either, oWW confirmed (oWW >= {t} with mWW >= {low}, or mWW >= {c})", fires)


def near_cutoff(t: float, c: float, low: float, near: float, support: float) -> Rule:
    """`confirmed`, or microWakeWord at `near` and openWakeWord at `support` within the
    daemon's half second (`WakeSettings.micro_near`)."""

    def fires(s: Series) -> np.ndarray:
        supported = (_recent_micro(s) >= near) & \
            (_trailing_max(s[:, 0], AGREE_FRAMES) >= support)
        return confirmed(t, c, low).fires(s) | supported
    return Rule(f"confirmed, or mWW >= {near} with oWW >= {support} within 0.5 s", fires)


def quieter_in_noise(t: float, c: float, low: float, noisy_t: float, snr_db: float) -> Rule:
    """`confirmed`, with openWakeWord's threshold `noisy_t` where the voice stands less than
    `snr_db` above the room (a wake phrase in noise scores lower)."""

    def fires(s: Series) -> np.ndarray:
        threshold = np.where(s[:, 3] - s[:, 2] < snr_db, noisy_t, t)
        return (s[:, 1] >= c) | ((s[:, 0] >= threshold) & (_recent_micro(s) >= low))
    return Rule(f"confirmed, oWW >= {noisy_t} where the voice is < {snr_db:g} dB over the room",
                fires)


def _recent_micro(s: Series) -> np.ndarray:
    """Per frame: microWakeWord's highest in the daemon's agreement window up to it."""
    return _trailing_max(s[:, 1], AGREE_FRAMES)


def _trailing_max(values: np.ndarray, n: int) -> np.ndarray:
    """Per element: the highest of it and the n - 1 before it (fewer at the start)."""
    return np.array([values[max(0, i - n + 1) : i + 1].max() for i in range(len(values))],
                    dtype=np.float32)


def mean(t: float) -> Rule:
    return Rule(f"mean of the two >= {t}", lambda s: (s[:, 0] + s[:, 1]) / 2 >= t)


def rules() -> list[Rule]:
    out = [oww(t) for t in (0.05, 0.1, 0.2, 0.3, 0.5)]
    out += [mww(c) for c in (0.5, 0.7, 0.9, 0.97)]
    out += [either(t, c) for t in (0.3, 0.5) for c in (0.7, 0.9, 0.97)]
    out += [confirmed(0.5, 0.97, low) for low in (0.002, 0.01, 0.03)]
    out += [near_cutoff(0.5, 0.97, 0.002, near, support) for support in (0.02, 0.1)
            for near in (0.5, 0.8, 0.9, 0.95)]
    out += [both(t, c) for t in (0.05, 0.1, 0.2) for c in (0.3, 0.5, 0.7)]
    out += [mean(t) for t in (0.4, 0.5, 0.6, 0.7)]
    out += [quieter_in_noise(0.5, 0.97, 0.002, t, snr) for snr in (20.0, 25.0)
            for t in (0.2, 0.3, 0.4)]
    return out


def with_levels(series: Series, audio: np.ndarray) -> Series:
    """`series` with the room's level before each frame (the background gate's own estimate,
    as if a request opened there) and the voice's (the loudest frame of the last second)."""
    level = np.array([frame_level_db(audio[i : i + FRAME])
                      for i in range(0, len(audio) - FRAME + 1, FRAME)], dtype=np.float32)
    gate = BackgroundGate(0.0, 0.0, 0.5, FRAME / SAMPLE_RATE)
    room = np.zeros(len(level), dtype=np.float32)
    for i, db in enumerate(level):
        gate.observe(float(db))
        gate.begin()
        room[i] = gate.background_db
    voice = _trailing_max(level, round(VOICE_S * SAMPLE_RATE / FRAME))
    n = min(len(series), len(level))
    return np.c_[series[:n], room[:n], voice[:n]]


def load_series(folder: Path, aec: str = "off", half_step: bool = True) -> dict[str, Series]:
    """Every recording's and stream's series (computed once, then cached), heard through
    the echo canceller as `aec` says (`DuplexSettings.aec`), openWakeWord every 40 ms
    (`half_step`) or 80."""
    key = canceller_key(aec)
    through = bool(key)
    step = "-40ms" if half_step else ""  # caches from before the half step are 80 ms ones
    cache = folder / (f"wake_series-{key.replace(' ', '')}{step}.npz" if key
                      else f"wake_series{step}.npz")
    series: dict[str, Series] = {}
    if cache.exists():
        with np.load(cache) as saved:
            series = {k: saved[k] for k in saved.files}
    audio = {"rec:" + rec.file: folder / rec.file for rec in load_manifest(folder)}
    streams = generate_streams(folder)
    audio.update({"nonwake:" + s.voice: s.path for s in streams})
    audio.update({"nonwake:" + key: s.path for key, s in noisy_streams(folder, streams).items()})
    out, scored = {}, False
    for key, path in audio.items():
        samples = hear_recording(read_wav(path), aec) if through else read_wav(path)
        if key not in series:
            series[key], scored = score_series(samples, half_step), True
        out[key] = with_levels(series[key], samples)
    if scored:
        np.savez_compressed(cache, **series)  # type: ignore[arg-type]
    return out


def report(folder: Path, aec: str = "off", half_step: bool = True) -> str:
    series = load_series(folder, aec, half_step)
    recordings = load_manifest(folder)
    streams = generate_streams(folder)
    lines = ["wake word rules (wake rate: the recordings; false wakes: speech without it, "
             f"quiet, then under {', '.join(NOISY)} together)",
             f"  {'rule':72} {'dev wake':>9} {'held-out':>9} {'dev FW/h':>9} "
             f"{'held-out FW/h':>14} {'noisy dev FW/h':>15} {'noisy held-out FW/h':>20}"]
    for rule in rules():
        cells = []
        for group in ("dev", "heldout"):
            recs = [r for r in recordings if r.group == group]
            hit = sum(_detected(rule, series["rec:" + r.file], r.wake_end_s) for r in recs)
            cells.append(f"{100 * hit / max(1, len(recs)):8.1f}%")
        for rooms in (("",), tuple(":" + c for c in NOISY)):  # quiet, then noisy
            for group in ("dev", "heldout"):
                members = [s for s in streams if s.group == group]
                fired = sum(len(rule.events(series["nonwake:" + s.voice + room]))
                            for s in members for room in rooms)
                hours = len(rooms) * sum(s.seconds for s in members) / 3600
                cells.append(f"{fired:3d} ({fired / hours:5.1f})")
        lines.append(f"  {rule.name:72} " + " ".join(cells))
    return "\n".join(lines)


def _detected(rule: Rule, series: Series, wake_end_s: float) -> bool:
    return any(near_wake_phrase(at, wake_end_s) for at in rule.events(series))
