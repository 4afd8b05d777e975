"""`tandem bench duplex` on the command line (see `edge.duplex_bench.bench`)."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from edge.duplex_bench.config import BenchConfig

__all__ = ["add_bench_duplex"]


def add_bench_duplex(bench: argparse._SubParsersAction) -> None:
    p = bench.add_parser("duplex", help="the daemon in full duplex through a simulated room: "
                         "ERLE, barge-in reaction, wake rates, false wakes, CPU")
    d = BenchConfig()
    p.add_argument("--minutes", type=float, default=d.minutes,
                   help="minutes of the device's own speech with nobody talking (false-wake "
                        "exposure; the target wants >= 20)")
    p.add_argument("--wake-trials", type=int, default=d.wake_trials)
    p.add_argument("--stop-trials", type=int, default=d.stop_trials)
    p.add_argument("--silence-trials", type=int, default=d.silence_trials,
                   help="wake word said while the device is quiet")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--llm", choices=("tiny", "smollm2", "offline"), default=d.llm,
        help="the cloud model started for the run: tiny (random-weight llama, answers run to "
             "max_tokens: ~40 s of speech; default), smollm2 (SmolLM2-135M: slow here, and "
             "it learns to answer 'One moment.' from the fillers in its context), offline "
             "(short fixed replies: barge-in trials mostly void)")
    where.add_argument("--cloud", metavar="HOST:PORT", help="a cloud service already running")
    p.add_argument("--aec", choices=("on", "off"), default=d.aec)
    p.add_argument("--delay-ms", type=float, default=d.delay_ms,
                   help="playback->microphone delay the daemon sees (acoustic + blocks in flight)")
    p.add_argument("--lag-blocks", type=int, default=d.lag_blocks,
                   help="10 ms blocks in flight between the daemon and the room")
    p.add_argument("--rt60", type=float, default=d.rt60_s)
    p.add_argument("--drive", type=float, default=d.drive, help="loudspeaker tanh drive")
    p.add_argument("--echo-db", type=float, default=d.echo_db)
    p.add_argument("--user-db", type=float, default=d.user_db)
    p.add_argument("--noise-dbfs", type=float, default=d.noise_dbfs)
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--cpu-seconds", type=float, default=d.cpu_seconds,
                   help="time per case for the CPU figures (0 skips them)")
    p.add_argument("--no-offline-wake", action="store_true",
                   help="skip running the wake model alone over the recorded streams")
    p.add_argument("--unpaced", action="store_true",
                   help="as fast as the daemon answers (reaction times are then meaningless)")
    p.add_argument("--out", type=Path, help="keep the tapes (WAV), trace and stderr here")
    p.add_argument("--tandem", metavar="CMD",
                   help="the command that runs `tandem` (default: this Python's -m app.cli)")
    p.add_argument("--reanalyse", type=Path, metavar="DIR",
                   help="no run: the report again from a run kept with --out DIR")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_bench_duplex)


def _cmd_bench_duplex(args: argparse.Namespace) -> int:
    cfg = BenchConfig(
        minutes=args.minutes, wake_trials=args.wake_trials, stop_trials=args.stop_trials,
        silence_trials=args.silence_trials, llm=args.llm, cloud=args.cloud, aec=args.aec,
        delay_ms=args.delay_ms, lag_blocks=args.lag_blocks, rt60_s=args.rt60,
        drive=args.drive, echo_db=args.echo_db, user_db=args.user_db,
        noise_dbfs=args.noise_dbfs, seed=args.seed, paced=not args.unpaced,
        cpu_seconds=args.cpu_seconds, offline_wake=not args.no_offline_wake, out=args.out,
        tandem=tuple(shlex.split(args.tandem)) if args.tandem else None)
    from contract.errors import TandemError
    from edge.duplex_bench.bench import format_report, reanalyse, run_bench

    try:
        cfg.room()  # a bad room fails before any model loads
    except ValueError as exc:
        raise TandemError(str(exc)) from None

    if args.reanalyse is not None:
        report = reanalyse(args.reanalyse, offline_wake=not args.no_offline_wake)
        print(json.dumps(report, indent=1) if args.json else format_report(report))
        return 0
    t0 = time.monotonic()
    report = run_bench(cfg)
    report["run"]["bench_wall_s"] = round(time.monotonic() - t0, 1)
    if cfg.out is not None:
        (cfg.out / "report.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1) if args.json else format_report(report))
    return 0 if report["run"]["returncode"] == 0 else 1


def main(argv: list[str] | None = None) -> int:
    """`python -m edge.duplex_bench ...`: the same command without `tandem bench`."""
    parser = argparse.ArgumentParser(prog="python -m edge.duplex_bench")
    add_bench_duplex(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["duplex", *(argv if argv is not None else sys.argv[1:])])
    from contract.errors import TandemError

    try:
        return int(args.func(args))
    except TandemError as exc:
        print(f"tandem: error: {exc}", file=sys.stderr)
        return 2
