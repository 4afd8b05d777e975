"""Barge-in reaction on the real edge models at real-time pace.

    .venv/bin/python -m tools.barge_in_latency [--repeat 5]

A long announcement plays (piper) and the user cuts in over it, by the wake word ("Hey
Jarvis.") or by a stop phrase ("Stop."), at a different offset each run (so the trigger
falls anywhere in an 80 ms frame). The recording is fed at real-time pace, as a microphone
would deliver it; the playback queue is taped block by block on the input's clock, so the
reaction is measured in stream time from the end of the user's trigger speech: to the last
reply sample played ("silent": with `pause_on_speech` the reply pauses as soon as the VAD
hears the user, so this can come before the trigger ends), and to the decision that ends
the turn ("decided": the wake word, or Whisper's transcript of the stop phrase). The input
holds no echo (`NoEcho`): this measures detection and stopping, not echo cancellation.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics

import numpy as np

from contract.inventory import load_inventory
from edge.audio.duplex import NoEcho
from edge.audio.sources import recording_source
from edge.audio.testing import TapeQueue
from edge.pipeline import EdgePipeline, Engines
from edge.settings import DEFAULT_INVENTORY, DuplexSettings, EdgeSettings
from edge.skills import default_skills
from edge.stages.nlu import load_nlu
from edge.trace import TurnRecord
from edge.utterances import synthesize

RATE = 16_000
ANNOUNCEMENT = (
    "Here is the news. The weather stays mild all week with a little rain on Thursday. "
    "Traffic on the ring road is light this morning, and the trains run on time. "
    "In sport, the home team won on Saturday, three goals to one."
)


def one_run(
    engines: Engines, trigger: np.ndarray, at_s: float, pause: bool
) -> tuple[float, float, str | None]:
    """Returns (silent after, decided after: seconds from the trigger's end, what cut in)."""
    speech_at = np.flatnonzero(np.abs(trigger) > 500)
    trigger_end_s = at_s + (speech_at[-1] + 1) / RATE
    audio = np.concatenate([np.zeros(int(at_s * RATE), np.int16), trigger,
                            np.zeros(2 * RATE, np.int16)])
    inventory = load_inventory(DEFAULT_INVENTORY)
    tape = TapeQueue(RATE)
    settings = EdgeSettings(duplex=DuplexSettings(pause_on_speech=pause))
    pipeline = EdgePipeline(settings, engines, load_nlu(inventory),
                            default_skills(inventory), None, None, playback=tape)
    pipeline.announce(ANNOUNCEMENT, "news")
    source = recording_source(audio, realtime=True)
    source.echo = NoEcho()
    records: list[TurnRecord] = []
    asyncio.run(pipeline.run(source, records.append))
    out = np.concatenate(tape.tape)
    played = np.flatnonzero(out[: int((trigger_end_s + 1.5) * RATE)])
    last = (played[-1] + 1) / RATE if len(played) else 0.0
    record = records[0]
    decided = (record.interrupted_at_s or 0.0) - trigger_end_s
    return last - trigger_end_s, decided, record.interrupted_by


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    engines = Engines.load(EdgeSettings())
    engines.tts.variation = False
    triggers = {
        "wake_word": synthesize(engines.tts, "Hey Jarvis.", 0.0, 0.0),
        "stop_phrase": synthesize(engines.tts, "Stop.", 0.0, 0.0),
    }
    print(f"tandem barge-in reaction, real time, {args.repeat} runs per trigger, "
          f"load average {os.getloadavg()[0]:.2f}")
    for pause in (True, False):
        print(f" pause_on_speech={pause}")
        for kind, trigger in triggers.items():
            silent, decided = [], []
            for i in range(args.repeat):
                s, d, by = one_run(engines, trigger, 3.0 + 0.37 * i, pause)
                if by != kind:
                    print(f"  {kind} run {i}: interrupted by {by} (expected {kind})")
                    continue
                silent.append(1000 * s)
                decided.append(1000 * d)
            for what, values in (("silent", silent), ("decided", decided)):
                if values:
                    print(f"  {kind:11} {what:7}: {_summary(values)}")


def _summary(values: list[float]) -> str:
    q = sorted(values)
    p95 = q[min(len(q) - 1, round(0.95 * (len(q) - 1)))]
    runs = ", ".join(f"{x:.0f}" for x in values)
    return f"p50 {statistics.median(q):6.0f} ms  p95 {p95:6.0f} ms  (n={len(q)}: {runs})"


if __name__ == "__main__":
    main()
