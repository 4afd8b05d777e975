"""`tandem bench turn`: per-stage latency medians over the demo utterances.

The recordings are fed at real speed, as a microphone delivers them (work that overlaps
the user's pause, such as Whisper during the endpoint's hangover, only shows then), to the
daemon with a local `cloud serve` whose answer cache is off (every question reaches the
model). "silence" is what the user hears of nothing: from the true end of speech in the
recording to the first reply sample, the endpoint's hangover included.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

import models
from edge.audio.sinks import WavSink
from edge.audio.sources import recording_source
from edge.audio.wavfile import read_wav
from edge.daemon import run_daemon
from edge.local_cloud import local_cloud
from edge.pipeline import Engines
from edge.settings import ActionSettings, ConfirmSettings, EdgeSettings
from edge.stages.grammar_stt import Calibration
from edge.stages.wake import frames_of
from edge.trace import TurnRecord
from edge.utterances import demo_inputs

DEFAULT_CONFIRM = ConfirmSettings()
STAGES = ("fast_finish", "fast_confirm", "stt", "nlu", "tts_first_audio", "cloud_first_chunk",
          "response", "silence")


def speech_end_s(samples: np.ndarray, rate: int = 16_000) -> float:
    """Where the last 10 ms block louder than 2 % of the loudest one ends (a final "s" is
    a tenth of the vowels' level; the demo recordings are clean, with digital silence)."""
    block = rate // 100
    n = len(samples) // block
    rms = np.sqrt(np.mean(samples[: n * block].astype(np.float64).reshape(n, block) ** 2, 1))
    loud = np.flatnonzero(rms > 0.02 * rms.max())
    return float((loud[-1] + 1) * block / rate) if len(loud) else 0.0


def wake_frame_ms(engines: Engines, wavs: list[Path]) -> list[float]:
    times = []
    for wav in wavs:
        samples = read_wav(wav)
        engines.wake.reset(new_stream=True)
        for frame in frames_of(samples):
            t0 = time.perf_counter()
            engines.wake.process(frame)
            times.append(1000 * (time.perf_counter() - t0))
    return times


def bench_turn(out: Path, repeat: int, fast_unsure: bool = False,
               confirm: ConfirmSettings | None = DEFAULT_CONFIRM) -> int:
    """`fast_unsure`: the fast layer's own threshold out of reach (a command it holds goes
    to Whisper's confirmation, or to Whisper with `confirm` None)."""
    llm = models.fetch()["smollm2_135m"][0]
    engines = Engines.load(EdgeSettings())
    if fast_unsure and engines.fast is not None:
        engines.fast.calibration = Calibration(threshold=1.0)
    wavs = demo_inputs(out / "inputs", engines.tts)
    per_stage: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    wake_ms = wake_frame_ms(engines, wavs)
    with local_cloud(llm, options=["--no-answer-cache"]) as target:
        for _ in range(repeat):
            for wav in wavs:
                # A state of its own each time: a timer set by one run would ring in the next.
                state = Path(tempfile.mkdtemp(prefix="tandem-bench-turn-"))
                settings = EdgeSettings(cloud_target=target, confirm=confirm,
                                        actions=ActionSettings(state_dir=state))
                records: list[TurnRecord] = []
                audio = read_wav(wav)
                source = recording_source(audio, realtime=True)
                sink = WavSink(out / "replies" / wav.name)
                asyncio.run(run_daemon(settings, engines, source, sink, records.append))
                for record in records:
                    for stage, ms in record.timings_ms.items():
                        per_stage[wav.stem][stage].append(ms)
                    if "response" in record.timings_ms:
                        lag = record.endpoint_at_s - speech_end_s(audio)
                        per_stage[wav.stem]["silence"].append(
                            1000 * lag + record.timings_ms["response"])
                shutil.rmtree(state, ignore_errors=True)
    print(f"tandem bench turn: medians over {repeat} runs per utterance (ms)")
    print(f"wake word per 80 ms frame: median {statistics.median(wake_ms):.2f} ms "
          f"over {len(wake_ms)} frames")
    header = f"{'utterance':40} " + " ".join(f"{s:>17}" for s in STAGES)
    print(header)
    for name, stages in per_stage.items():
        cells = [
            f"{statistics.median(stages[s]):17.1f}" if stages.get(s) else f"{'-':>17}"
            for s in STAGES
        ]
        print(f"{name:40} " + " ".join(cells))
    return 0
