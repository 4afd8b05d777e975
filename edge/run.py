"""`tandem edge run`: one audio source through the pipeline, a trace line per turn.

Outputs: a WAV file (the replies, as played), the speaker, or `-`: raw s16le mono on stdout
in lockstep with `--input -` (one output block per input block, silence when nothing
plays, like a full-duplex sound card). Then stdout carries audio only: everything else the
daemon prints goes to stderr. `--input mic --output speaker` opens one full-duplex pyaudio
stream (one clock) when both run at the same rate.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from contract.errors import AudioInputError, TandemError
from contract.inventory import load_inventory
from contract.ports import host_port
from edge.audio.convert import resample
from edge.audio.duplex import load_echo_canceller
from edge.audio.playback import PlaybackQueue
from edge.audio.sinks import AudioSink, DuckingSink, RateSink, SpeakerSink, WavSink
from edge.audio.sources import (
    END_OF_INPUT,
    RingSource,
    microphone_source,
    recording_source,
    stdin_source,
)
from edge.audio.wavfile import read_wav
from edge.daemon import run_daemon
from edge.messages import SAMPLE_RATE
from edge.metrics import EdgeMetrics
from edge.pipeline import Engines
from edge.privacy import redactor_for
from edge.settings import EdgeSettings
from edge.systemd import Notifier
from edge.trace import TraceWriter, TurnRecord

if TYPE_CHECKING:
    from edge.fleet.device import FleetDevice

STDIO = "-"


def open_source(
    spec: str, realtime: bool, rate: int | None = None, channels: int = 1,
    pcm_out: BinaryIO | None = None, duplex: bool = False,
) -> RingSource:
    if spec == STDIO:
        return stdin_source(rate or SAMPLE_RATE, channels, output=pcm_out)
    if spec == "mic":
        return microphone_source(rate=rate, duplex=duplex)
    return recording_source(read_wav(Path(spec)), realtime)  # any rate: converted on read


def open_sink(spec: str, output_rate: int | None = None, music: Path | None = None) -> AudioSink:
    from edge.audio.options import SPEAKER_RATE

    sink: AudioSink = SpeakerSink() if spec == "speaker" else WavSink(Path(spec))
    rate = output_rate or (SPEAKER_RATE if spec == "speaker" or music else None)
    if music is not None:
        assert rate is not None
        sink = DuckingSink(sink, resample(read_wav(music), 16_000, rate), rate)
    return RateSink(sink, rate) if rate else sink


@dataclass
class Output:
    """Where replies go: a sink, or a lockstep playback queue the source writes itself."""

    sink: AudioSink | None
    playback: PlaybackQueue | None
    pcm: BinaryIO | None = None  # stdout's file, for `--output -`
    duplex: bool = False  # `--input mic --output speaker` on one stream


def plan_output(args: argparse.Namespace) -> Output:
    rate: int | None = getattr(args, "rate", None)
    output_rate: int | None = getattr(args, "output_rate", None)
    music: Path | None = getattr(args, "music", None)
    if args.output == STDIO:
        if args.input != STDIO:
            raise AudioInputError("--output - (raw PCM on stdout) runs in lockstep with "
                                  "--input - (raw PCM on stdin); give both")
        if music is not None:
            raise AudioInputError("--music mixes into a WAV file or the speaker, not stdout")
        out_rate = output_rate or rate or SAMPLE_RATE
        return Output(None, PlaybackQueue(_checked(out_rate)), pcm=_take_stdout())
    if args.input == "mic" and args.output == "speaker" and music is None:
        device_rate = rate or SAMPLE_RATE
        if output_rate in (None, device_rate):  # one stream, one clock
            return Output(None, PlaybackQueue(_checked(device_rate)), duplex=True)
    return Output(open_sink(args.output, output_rate, music), None)


def _checked(rate: int) -> int:
    from native.filter_design import check_rate

    return check_rate(rate, "output rate")


def _take_stdout() -> BinaryIO:
    """Stdout becomes the PCM stream alone: a private copy of its descriptor carries the
    audio, and descriptor 1 (Python's prints, and any C library's) now writes to stderr."""
    sys.stdout.flush()
    pcm = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    return pcm


def _metrics(args: argparse.Namespace, device: FleetDevice | None) -> EdgeMetrics | None:
    """The /metrics endpoint, when asked for (before the models load: a taken port fails
    at once)."""
    address = getattr(args, "metrics", None)
    if address is None:
        return None
    try:
        host, port = host_port(address, "--metrics")
    except ValueError as exc:
        raise TandemError(str(exc)) from None
    metrics = EdgeMetrics()
    if device is not None:
        metrics.follow_policy(lambda: device.agent.applied_version)
    try:
        metrics.serve(host, port)
    except OSError as exc:
        raise TandemError(f"cannot serve metrics on {address}: {exc.strerror} (pass "
                          "--metrics HOST:PORT with a free port)") from None
    return metrics


async def run_edge(args: argparse.Namespace, settings: EdgeSettings) -> int:
    # Check every input before loading models: bad input fails in milliseconds.
    # Turn lines and the trace leave the machine (journald, a copied file): redacted, the
    # home's contacts counted as names.
    redact = redactor_for(load_inventory(settings.inventory).contacts)
    try:
        output = plan_output(args)
        source = open_source(args.input, args.realtime, getattr(args, "rate", None),
                             getattr(args, "channels", 1), output.pcm, output.duplex)
        source.echo = load_echo_canceller(settings.duplex.aec)
    except ValueError as exc:  # unsupported rates and the like, before any model loads
        raise AudioInputError(str(exc)) from None
    log: TextIO = sys.stderr if output.pcm is not None else sys.stdout
    with contextlib.ExitStack() as stack:
        if output.pcm is not None:
            stack.callback(output.pcm.close)
        between_turns = None
        device = None
        if getattr(args, "fleet", None) is not None:
            from edge.fleet.attach import fleet_device

            # Connected while the models load: the retained policy is waiting by then.
            device = stack.enter_context(fleet_device(args.fleet, args.broker, args.fleet_state))
            between_turns = device.between_turns
        metrics = _metrics(args, device)
        engines = Engines.load(settings)
        trace = None
        if args.trace:
            args.trace.parent.mkdir(parents=True, exist_ok=True)
            trace = TraceWriter(stack.enter_context(args.trace.open("w", encoding="utf-8")),
                                redact)

        def on_turn(record: TurnRecord) -> None:
            print(f"turn {record.turn_id}: {record.redacted(redact).summary()}", file=log,
                  flush=True)
            if trace is not None:
                trace.write(record)
            if metrics is not None:
                metrics.observe(record)

        service = Notifier.from_env()  # systemd's, when run as its service
        service.ready()
        try:
            await run_daemon(settings, engines, source, output.sink, on_turn, args.max_turns,
                             between_turns, output.playback, service.beat)
        finally:
            service.stopping()
    if source.stats.overrun_samples:
        print(f"warning: {source.stats.overrun_samples} input samples dropped (pipeline lagged)",
              file=sys.stderr)
    if source.end_reason and source.end_reason != END_OF_INPUT:
        print(f"tandem: {source.end_reason}; stopped", file=sys.stderr)
    elif args.input == STDIO and source.end_reason == END_OF_INPUT:
        print("tandem: end of input on stdin; stopped", file=sys.stderr)
    return 0
