"""Command-line options of the audio front end: input/output rates, music, VAD, benchmarks.

Registered from `edge.cli` with one call each, so the front end's options live with it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from edge.arg_types import number_or_off
from edge.settings import ConfirmSettings, EndpointSettings
from edge.stages.endpoint import VAD_MODES
from native.filter_design import SUPPORTED_RATES

SPEAKER_RATE = 48_000  # what many boards' codecs play; piper's 22.05 kHz is converted


def add_audio_options(run: argparse.ArgumentParser) -> None:
    rates = ", ".join(str(r) for r in SUPPORTED_RATES)
    run.add_argument("--rate", type=int, metavar="HZ",
                     help=f"sample rate of stdin PCM or the microphone ({rates}); "
                          "default 16000 for stdin, the device's own rate for 'mic'")
    run.add_argument("--channels", type=int, default=1,
                     help="interleaved channels of stdin PCM (downmixed to mono)")
    run.add_argument("--output-rate", type=int, metavar="HZ",
                     help=f"rate the replies are played or written at (default: {SPEAKER_RATE} "
                          "for the speaker, the voice's own rate for a WAV file)")
    run.add_argument("--music", type=Path, metavar="WAV",
                     help="a music bed under the replies, ducked while the assistant speaks")
    run.add_argument("--aec", choices=("auto", "on", "off"), default="auto",
                     help="echo cancellation of the device's own voice: 'on' (required), "
                          "'off' (hardware that cancels echo itself, or none: then nothing "
                          "heard while the device plays can wake or interrupt it), 'auto' "
                          "(on when the canceller is installed; default)")
    run.add_argument("--vad", choices=VAD_MODES, default="gated",
                     help="end-of-request detector: energy VAD gating Silero (default), "
                          "energy alone, or Silero alone")
    run.add_argument("--background-margin", type=number_or_off("a level in dB"),
                     default=EndpointSettings.background_margin_db, metavar="DB|off",
                     help="within a request, speech no louder than the room before it plus DB "
                          "(and 10 dB under the user's voice) is background, not the user: a "
                          "television does not hold the request open (default 6; off: "
                          "Silero alone decides)")
    run.add_argument("--fast-confirm", type=number_or_off("a log-probability per token"),
                     default=ConfirmSettings.min_per_token, metavar="X|off",
                     help="a command the fast layer heard but is unsure of answers at once "
                          "when Whisper's decoder gives its sentence at least X per token "
                          f"(default {ConfirmSettings.min_per_token}; off: Whisper hears it)")
    run.add_argument("--fast-confirm-floor", type=number_or_off("a score per frame"),
                     default=ConfirmSettings.min_fast_score, metavar="S|off",
                     help="... unless the fast layer's score per frame is below S, where a "
                          "confirmation seldom passes and Whisper hears it at once (default "
                          f"{ConfirmSettings.min_fast_score}; off: always asked)")


def add_bench_audio(bench: argparse._SubParsersAction) -> None:
    native = bench.add_parser(
        "native", help="native audio kernels vs their numpy twins, per 10 ms frame, one core")
    native.add_argument("--json", action="store_true", help="machine-readable output")
    native.add_argument("--seconds", type=float, default=0.5,
                        help="time budget per kernel and implementation")
    native.set_defaults(func=_cmd_bench_native)
    idle = bench.add_parser(
        "idle", help="CPU use of the edge daemon listening to silence at real-time pace")
    idle.add_argument("--seconds", type=float, default=60.0)
    idle.add_argument("--noise-dbfs", type=float, default=-60.0,
                      help="level of the background noise fed (white noise)")
    idle.add_argument("--vad", choices=VAD_MODES, default="gated")
    idle.add_argument("--json", action="store_true")
    idle.set_defaults(func=_cmd_bench_idle)


def _cmd_bench_native(args: argparse.Namespace) -> int:
    from native.bench import format_table, run_all

    results = run_all(args.seconds)
    print(json.dumps(results, indent=2) if args.json else format_table(results))
    return 0


def _cmd_bench_idle(args: argparse.Namespace) -> int:
    from edge.audio.idle import bench_idle, format_idle

    result = bench_idle(args.seconds, args.noise_dbfs, args.vad)
    print(json.dumps(result, indent=2) if args.json else format_idle(result))
    return 0
