"""`tandem edge run`: one audio source through the pipeline, a trace line per turn."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from edge.audio.sinks import AudioSink, SpeakerSink, WavSink
from edge.audio.sources import RingSource, microphone_source, recording_source, stdin_source
from edge.audio.wavfile import read_wav
from edge.daemon import run_daemon
from edge.inventory import load_inventory
from edge.pipeline import Engines
from edge.settings import EdgeSettings
from edge.trace import TraceWriter, TurnRecord


def open_source(spec: str, realtime: bool) -> RingSource:
    if spec == "-":
        return stdin_source()
    if spec == "mic":
        return microphone_source()
    return recording_source(read_wav(Path(spec)), realtime)


def open_sink(spec: str) -> AudioSink:
    return SpeakerSink() if spec == "speaker" else WavSink(Path(spec))


async def run_edge(args: argparse.Namespace, settings: EdgeSettings) -> int:
    # Check every input before loading models: bad input fails in milliseconds.
    load_inventory(settings.inventory)
    source = open_source(args.input, args.realtime)
    engines = Engines.load(settings)
    sink = open_sink(args.output)
    with contextlib.ExitStack() as stack:
        trace = None
        if args.trace:
            args.trace.parent.mkdir(parents=True, exist_ok=True)
            trace = TraceWriter(stack.enter_context(args.trace.open("w", encoding="utf-8")))

        def on_turn(record: TurnRecord) -> None:
            print(f"turn {record.turn_id}: {record.summary()}", flush=True)
            if trace is not None:
                trace.write(record)

        await run_daemon(settings, engines, source, sink, on_turn, args.max_turns)
    if source.stats.overrun_samples:
        print(f"warning: {source.stats.overrun_samples} input samples dropped (pipeline lagged)",
              file=sys.stderr)
    return 0
