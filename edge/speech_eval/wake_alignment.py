"""`tandem bench speech align`: the wake rate as the wake word's 80 ms frames happen to fall.

The daemon's detector (`WakeWordDetector`, its default rule) scores the stream every 80 ms.
Where a recording's wake phrase falls against that grid is chance in a room but fixed in a
recording, so one run's wake rate carries the luck of one alignment: led by 0, 20, 40 or
60 ms of silence, the same dev recordings woke 87.3-91.2 % of the time. A change to what
the models hear (a canceller, a filter) is worth a few points only if it holds over several
alignments: this runs every recording of the groups once per lead of silence, heard as
`--aec` says (`hear_recording`), and reports the rate per lead, the mean and the spread.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from edge.audio.duplex import hear_recording
from edge.audio.wavfile import read_wav
from edge.messages import SAMPLE_RATE, AudioFrame, WakeDetected
from edge.settings import WakeSettings
from edge.speech_eval.generate import load_manifest
from edge.speech_eval.runner import near_wake_phrase
from edge.stages.wake import FRAME_SAMPLES, frames_of

LEADS_MS = (0, 20, 40, 60)  # a quarter of the detector's 80 ms frame apart


class WakeDetector(Protocol):
    def process(self, frame: AudioFrame, playing: bool = False) -> WakeDetected | None: ...

    def reset(self, new_stream: bool = False) -> None: ...


def woke(detector: WakeDetector, audio: np.ndarray, wake_end_s: float,
         frame_samples: int) -> bool:
    """Whether `detector`, fed `audio` from a fresh stream, fires near the phrase's end."""
    detector.reset(new_stream=True)
    for frame in frames_of(audio, frame_samples):
        heard = detector.process(frame)
        if heard is not None and near_wake_phrase(heard.at_s, wake_end_s):
            return True
    return False


def led_by(audio: np.ndarray, ms: int) -> np.ndarray:
    """`audio` after `ms` of digital silence."""
    return np.concatenate([np.zeros(ms * SAMPLE_RATE // 1000, np.int16), audio])


def wake_rates(folder: Path, groups: Iterable[str], aec: str, leads_ms: Sequence[int] = LEADS_MS,
               detector: WakeDetector | None = None, frame_samples: int = FRAME_SAMPLES,
               settings: WakeSettings | None = None) -> dict[str, dict[int, float]]:
    """Per group, per lead of silence (ms): the share of its recordings that woke (%);
    `detector`: the daemon's with `settings` (None) or a stand-in fed `frame_samples` at a
    time."""
    if detector is None:
        from edge.stages.wake import WakeWordDetector

        real = WakeWordDetector(settings or WakeSettings())
        real.warm_up()
        detector = real
    wanted = set(groups)
    recs = [r for r in load_manifest(folder) if r.group in wanted]
    heard = {r.file: hear_recording(read_wav(folder / r.file), aec) for r in recs}
    counts = {g: dict.fromkeys(leads_ms, 0) for g in wanted}
    for lead in leads_ms:
        for r in recs:
            counts[r.group][lead] += woke(detector, led_by(heard[r.file], lead),
                                          r.wake_end_s + lead / 1000, frame_samples)
    sizes = {g: sum(r.group == g for r in recs) for g in wanted}
    return {g: {lead: 100 * n / sizes[g] for lead, n in counts[g].items()}
            for g in sorted(wanted) if sizes[g]}


def format_rates(rates: dict[str, dict[int, float]], aec: str, step_ms: int = 40) -> str:
    lines = [f"wake rate by frame alignment (the daemon's rule, openWakeWord every {step_ms} "
             f"ms, --aec {aec}; lead of silence before each recording)"]
    for group, by_lead in rates.items():
        values = list(by_lead.values())
        cells = "  ".join(f"+{lead} ms {rate:5.1f}%" for lead, rate in by_lead.items())
        lines.append(f"  {group:<16} {cells}  mean {np.mean(values):5.1f}%  "
                     f"spread {max(values) - min(values):4.1f} points")
    return "\n".join(lines)
