"""The edge side's commands: `edge run`, `doctor`, `board`, `demo`, the edge benches.

app/cli.py puts them under the `tandem` root with the cloud's."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from contract.errors import TandemError
from edge.arg_types import number_or_off
from edge.settings import (
    DEFAULT_INVENTORY,
    ActionSettings,
    ConfirmSettings,
    Deadlines,
    DuplexSettings,
    EdgeSettings,
    EndpointSettings,
    WakeSettings,
)
from edge.stages.wake import DEFAULT_WAKE_STEP_MS, HALF_STEP_MS, WAKE_STEPS_MS


def add_subcommands(sub: Any, bench: Any) -> argparse.ArgumentParser:
    """Register the edge's commands on the root's subparsers and its `bench` group;
    returns the `edge run` subparser (a config file's keys are its options).

    (`Any` because argparse's subparsers action type is private.)"""
    edge = sub.add_parser("edge", help="the on-device daemon").add_subparsers(
        dest="edge_command", required=True
    )
    run = edge.add_parser("run", help="run the pipeline on a recording, stdin or the microphone")
    run.add_argument("--config", type=Path, metavar="FILE",
                     help="options from this TOML file, the command line's after them "
                          "(default: /etc/tandem/edge.toml when it exists)")
    run.add_argument("--input", required=True,
                     help="a WAV file, '-' for raw 16 kHz s16le PCM on stdin, or 'mic'")
    run.add_argument("--output", default="speaker",
                     help="a WAV file for the replies, 'speaker', or '-': raw s16le PCM on "
                          "stdout in lockstep with --input - (one output sample per input "
                          "sample, silence when nothing plays)")
    run.add_argument("--trace", type=Path, help="write one JSON object per turn here")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--cloud", metavar="HOST:PORT", help="the cloud service")
    run.add_argument("--metrics", metavar="HOST:PORT",
                     help="serve Prometheus metrics here (silence and stage times, wakes, "
                          "barge-ins, fallbacks, the policy version)")
    run.add_argument("--cloud-token-file", type=Path, metavar="FILE",
                     help="this device's bearer token for a cloud not on mTLS "
                          "(`tandem cloud token`)")
    where.add_argument("--offline", action="store_true", help="never ask the cloud")
    run.add_argument("--inventory", type=Path, default=DEFAULT_INVENTORY)
    run.add_argument("--realtime", action="store_true", help="pace a recording at real speed")
    run.add_argument("--max-turns", type=int, help="stop after this many turns")
    run.add_argument("--fleet", type=Path, metavar="BUNDLE",
                     help="device bundle from `tandem pki issue`: take policy from the fleet")
    run.add_argument("--broker", default="127.0.0.1:8883", metavar="HOST:PORT",
                     help="the fleet's MQTT broker (with --fleet)")
    run.add_argument("--fleet-state", type=Path, metavar="DIR",
                     help="where the applied policy persists (default: BUNDLE/state)")
    acts = run.add_argument_group("what the skills act on (edge/actions)")
    acts.add_argument("--home-broker", metavar="HOST:PORT",
                      default=os.environ.get("TANDEM_HOME_BROKER") or None,
                      help="the home's MQTT broker, Home Assistant's MQTT conventions "
                           "(default: $TANDEM_HOME_BROKER)")
    acts.add_argument("--home-broker-ca", type=Path, metavar="CA.pem",
                      help="TLS to the home broker, trusting this CA")
    acts.add_argument("--music-player", metavar="HOST:PORT", help="MPD (e.g. 127.0.0.1:6600)")
    acts.add_argument("--head-unit", metavar="HOST:PORT",
                      help="the car's MQTT broker (head unit topics under car/head_unit)")
    acts.add_argument("--state-dir", type=Path, metavar="DIR",
                      help="audit log and scheduled actions (default: ~/.local/state/tandem)")
    add_edge_options(run)
    run.set_defaults(func=_cmd_edge_run)

    unseal = edge.add_parser(
        "unseal", help="read what this device sealed at rest: a kept recording "
                       "(*.wav.sealed), the memory cache, or the audit log (as JSON lines)")
    unseal.add_argument("file", type=Path)
    unseal.add_argument("--fleet", type=Path, metavar="BUNDLE",
                        help="the device bundle whose key sealed it (the operator keeps one "
                             "per device under FLEET/devices/ID)")
    unseal.add_argument("--state-dir", type=Path, metavar="DIR",
                        help="a device outside a fleet: the state dir holding at-rest.key "
                             "(default: ~/.local/state/tandem)")
    unseal.add_argument("--out", type=Path, help="write here instead of stdout")
    unseal.set_defaults(func=_cmd_edge_unseal)

    doctor = sub.add_parser("doctor", help="is this board ready for the edge daemon? "
                                           "audio, models, kernels, clock, fleet, cloud")
    doctor.add_argument("--config", type=Path, metavar="FILE",
                        help="take --cloud, --broker and --fleet from this edge run config "
                             "(default: /etc/tandem/edge.toml when it exists)")
    doctor.add_argument("--cloud", metavar="HOST:PORT", help="check the cloud service")
    doctor.add_argument("--broker", metavar="HOST:PORT", help="check the fleet's broker")
    doctor.add_argument("--fleet", type=Path, metavar="BUNDLE",
                        help="check the device bundle's certificate (and use it for --cloud)")
    doctor.add_argument("--no-audio", dest="audio", action="store_false",
                        help="skip the sound card (a server, or a board without one yet)")
    doctor.add_argument("--json", action="store_true")
    doctor.set_defaults(func=_cmd_doctor)

    board = sub.add_parser("board", help="installing on a board").add_subparsers(
        dest="board_command", required=True)
    units = board.add_parser("units", help="write the systemd units (edge daemon; cloud "
                                           "and broker for a one-box install)")
    units.add_argument("--venv", type=Path, default=Path(sys.prefix),
                       help="the installed Tandem's virtual environment (default: this one)")
    units.add_argument("--user", default="tandem", help="the unprivileged service user")
    units.add_argument("--out", type=Path, required=True, metavar="DIR")
    units.set_defaults(func=_cmd_board_units)
    from edge.board_bundle import add_bundle_parser

    add_bundle_parser(board)

    demo = sub.add_parser("demo", help="cloud + edge on this machine, on synthesised utterances")
    demo.add_argument("--out", type=Path, default=Path("out/demo"))
    demo.set_defaults(func=_cmd_demo)

    turn = bench.add_parser("turn", help="per-stage latency medians for the demo utterances")
    turn.add_argument("--repeat", type=int, default=5)
    turn.add_argument("--out", type=Path, default=Path("out/bench"))
    turn.add_argument("--fast-unsure", action="store_true",
                      help="the fast layer never sure by its own score: a command it holds is "
                           "confirmed by Whisper's decoder, or heard by Whisper (the two "
                           "slower paths, timed)")
    turn.add_argument("--fast-confirm", type=number_or_off("a log-probability per token"),
                      default=ConfirmSettings.min_per_token, metavar="X|off",
                      help=f"as `edge run` (default {ConfirmSettings.min_per_token})")
    turn.set_defaults(func=_cmd_bench_turn)

    from edge.nlu.cli import add_bench_nlu, add_nlu

    add_nlu(sub)
    add_bench_nlu(bench)
    from edge.privacy.cli import add_bench_redact
    from edge.privacy.cli import add_subcommands as add_redact

    add_redact(sub)
    add_bench_redact(bench)
    from edge.nlu.plan_bench import add_bench_plan

    add_bench_plan(bench)
    from edge.speech_eval.cli import add_bench_speech

    add_bench_speech(bench)
    from edge.duplex_bench import add_bench_duplex

    add_bench_duplex(bench)
    from edge.actions.bench import add_bench_actions

    add_bench_actions(bench)
    from edge.audio.options import add_audio_options, add_bench_audio

    add_audio_options(run)
    add_bench_audio(bench)
    return run


def edge_run_parser() -> argparse.ArgumentParser:
    """`edge run`'s parser alone: what a config file is checked against."""
    root = argparse.ArgumentParser(prog="tandem")
    sub = root.add_subparsers()
    return add_subcommands(sub, sub.add_parser("bench").add_subparsers())


def add_edge_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wake-word", default="hey_jarvis",
                        help="a wake word from the model manifest, or a path to your own .onnx")
    parser.add_argument("--wake-threshold", type=float, default=0.5)
    parser.add_argument("--wake-refractory", type=float, default=2.0, metavar="SECONDS")
    parser.add_argument(
        "--wake-micro-threshold", type=_probability_or_off, default=WakeSettings.micro_threshold,
        metavar="P|off",
        help="microWakeWord beside openWakeWord: either at its threshold wakes the device "
             "(default 0.97, the model's own cutoff; off: openWakeWord alone)")
    parser.add_argument(
        "--wake-micro-confirm", type=_probability_or_off, default=WakeSettings.micro_confirm,
        metavar="P|off",
        help="openWakeWord alone wakes the device only if microWakeWord reached P within "
             "the last half second (default 0.002: above zero; off: no confirmation)")
    parser.add_argument(
        "--wake-micro-near", type=_probability_or_off, default=WakeSettings.micro_near,
        metavar="P|off",
        help="microWakeWord at P, below its threshold, wakes the device when openWakeWord "
             f"reached {WakeSettings.near_support} within the same half second (default "
             f"{WakeSettings.micro_near}; off: microWakeWord needs its threshold)")
    parser.add_argument(
        "--wake-step", type=int, choices=WAKE_STEPS_MS, default=DEFAULT_WAKE_STEP_MS,
        metavar="40|80",
        help="score openWakeWord every 40 ms (default: where the word falls against its "
             "native 80 ms steps no longer decides whether it is heard) or every 80 ms "
             "(a third less of its CPU)")
    parser.add_argument(
        "--stop-word-threshold", type=_probability_or_off,
        default=DuplexSettings.stop_word_threshold, metavar="P|off",
        help="the keyword model for \"stop\" while the device speaks: at this probability "
             "the reply pauses until the stop phrase is confirmed (default 0.5, the model's "
             "own cutoff; off: the stop phrases' grammar and Whisper alone)")
    parser.add_argument("--local-confidence", type=float, default=0.7)
    parser.add_argument(
        "--cloud-deadline", type=float, default=Deadlines.cloud_s, metavar="SECONDS"
    )
    parser.add_argument(
        "--pause-on-speech", action="store_true",
        help="pause a reply while speech is heard over it, until the stop-phrase check")
    parser.add_argument(
        "--interrupt-after-speech", type=float, metavar="SECONDS",
        help="any user speech this long interrupts a reply (default: only the wake word "
             "and the stop phrases do)")


_probability_or_off = number_or_off("a probability")


def edge_settings(args: argparse.Namespace) -> EdgeSettings:
    try:
        wake = WakeSettings(args.wake_word, args.wake_threshold, args.wake_refractory,
                            getattr(args, "wake_micro_threshold", WakeSettings.micro_threshold),
                            micro_confirm=getattr(args, "wake_micro_confirm",
                                                  WakeSettings.micro_confirm),
                            micro_near=getattr(args, "wake_micro_near", WakeSettings.micro_near),
                            half_step=getattr(args, "wake_step", DEFAULT_WAKE_STEP_MS)
                            == HALF_STEP_MS)
        duplex = DuplexSettings(
            aec=getattr(args, "aec", "auto"),
            interrupt_after_speech_s=getattr(args, "interrupt_after_speech", None),
            pause_on_speech=getattr(args, "pause_on_speech", False),
            stop_word_threshold=getattr(args, "stop_word_threshold",
                                        DuplexSettings.stop_word_threshold),
        )
        actions = ActionSettings(
            home_broker=getattr(args, "home_broker", None),
            home_broker_ca=getattr(args, "home_broker_ca", None),
            music_player=getattr(args, "music_player", None),
            head_unit=getattr(args, "head_unit", None),
            state_dir=getattr(args, "state_dir", None),
        )
        endpoint = EndpointSettings(
            vad=getattr(args, "vad", EndpointSettings.vad),
            background_margin_db=getattr(args, "background_margin",
                                         EndpointSettings.background_margin_db))
    except ValueError as exc:
        raise TandemError(str(exc)) from None
    confirm_at = getattr(args, "fast_confirm", ConfirmSettings.min_per_token)
    confirm_floor = getattr(args, "fast_confirm_floor", ConfirmSettings.min_fast_score)
    settings = EdgeSettings(
        confirm=None if confirm_at is None else ConfirmSettings(
            min_per_token=confirm_at, min_fast_score=confirm_floor),
        wake=wake,
        deadlines=Deadlines(cloud_s=args.cloud_deadline),
        duplex=duplex,
        actions=actions,
        local_confidence=args.local_confidence,
        cloud_target=None if getattr(args, "offline", False) else getattr(args, "cloud", None),
        inventory=getattr(args, "inventory", DEFAULT_INVENTORY),
        endpoint=endpoint,
    )
    token_file: Path | None = getattr(args, "cloud_token_file", None)
    if token_file is not None:
        try:
            settings = replace(settings, cloud_token=token_file.read_text().strip())
        except OSError as exc:
            raise TandemError(f"cannot read the cloud token {token_file}: {exc.strerror}; "
                              "issue one with `tandem cloud token DEVICE`") from None
    fleet: Path | None = getattr(args, "fleet", None)
    if fleet is None:
        return settings
    from edge.fleet.attach import bundle_device_id

    # The device speaks to the cloud as the identity in its certificate, and seals what it
    # keeps under a key derived from that certificate's private key.
    return replace(settings, device_id=bundle_device_id(fleet), cloud_identity=fleet,
                   actions=replace(settings.actions, device_key=fleet / "device.key"))


def _cmd_edge_run(args: argparse.Namespace) -> int:
    from edge.run import run_edge

    return asyncio.run(run_edge(args, edge_settings(args)))


def _cmd_edge_unseal(args: argparse.Namespace) -> int:
    from edge.at_rest_cli import unseal

    data = unseal(args.file, args.fleet, args.state_dir)
    if args.out is None:
        sys.stdout.buffer.write(data)
    else:
        args.out.write_bytes(data)
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from edge.doctor import report, run_checks, targets_from

    targets = targets_from(args.config, args.cloud, args.broker, args.fleet)
    text, status = report(run_checks(targets, args.audio), args.json)
    print(text)
    return status


def _cmd_board_units(args: argparse.Namespace) -> int:
    from edge.systemd import unit_files

    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in unit_files(args.venv.resolve(), args.user).items():
        (args.out / name).write_text(text)
        print(args.out / name)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from edge.demo import run_demo

    return run_demo(args.out)


def _cmd_bench_turn(args: argparse.Namespace) -> int:
    from edge.bench import bench_turn

    confirm = None if args.fast_confirm is None else ConfirmSettings(
        min_per_token=args.fast_confirm)
    return bench_turn(args.out, args.repeat, args.fast_unsure, confirm)
