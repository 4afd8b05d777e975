"""`tandem edge run`: one audio source through the pipeline, a trace line per turn."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from edge.audio.convert import resample
from edge.audio.sinks import AudioSink, DuckingSink, RateSink, SpeakerSink, WavSink
from edge.audio.sources import RingSource, microphone_source, recording_source, stdin_source
from edge.audio.wavfile import read_wav
from edge.daemon import run_daemon
from edge.errors import AudioInputError
from edge.inventory import load_inventory
from edge.pipeline import Engines
from edge.settings import EdgeSettings
from edge.trace import TraceWriter, TurnRecord


def open_source(
    spec: str, realtime: bool, rate: int | None = None, channels: int = 1
) -> RingSource:
    if spec == "-":
        return stdin_source(rate or 16_000, channels)
    if spec == "mic":
        return microphone_source(rate=rate)
    return recording_source(read_wav(Path(spec)), realtime)  # any rate: converted on read


def open_sink(spec: str, output_rate: int | None = None, music: Path | None = None) -> AudioSink:
    from edge.audio.options import SPEAKER_RATE

    sink: AudioSink = SpeakerSink() if spec == "speaker" else WavSink(Path(spec))
    rate = output_rate or (SPEAKER_RATE if spec == "speaker" or music else None)
    if music is not None:
        assert rate is not None
        sink = DuckingSink(sink, resample(read_wav(music), 16_000, rate), rate)
    return RateSink(sink, rate) if rate else sink


async def run_edge(args: argparse.Namespace, settings: EdgeSettings) -> int:
    # Check every input before loading models: bad input fails in milliseconds.
    load_inventory(settings.inventory)
    try:
        source = open_source(args.input, args.realtime, getattr(args, "rate", None),
                             getattr(args, "channels", 1))
        sink = open_sink(args.output, getattr(args, "output_rate", None),
                         getattr(args, "music", None))
    except ValueError as exc:  # unsupported rates and the like, before any model loads
        raise AudioInputError(str(exc)) from None
    with contextlib.ExitStack() as stack:
        between_turns = None
        if getattr(args, "fleet", None) is not None:
            from edge.fleet.attach import fleet_device

            # Connected while the models load: the retained policy is waiting by then.
            device = stack.enter_context(fleet_device(args.fleet, args.broker, args.fleet_state))
            between_turns = device.between_turns
        engines = Engines.load(settings)
        trace = None
        if args.trace:
            args.trace.parent.mkdir(parents=True, exist_ok=True)
            trace = TraceWriter(stack.enter_context(args.trace.open("w", encoding="utf-8")))

        def on_turn(record: TurnRecord) -> None:
            print(f"turn {record.turn_id}: {record.summary()}", flush=True)
            if trace is not None:
                trace.write(record)

        await run_daemon(settings, engines, source, sink, on_turn, args.max_turns, between_turns)
    if source.stats.overrun_samples:
        print(f"warning: {source.stats.overrun_samples} input samples dropped (pipeline lagged)",
              file=sys.stderr)
    return 0
