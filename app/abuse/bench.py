"""`tandem bench abuse --seconds N`: every fuzzer in turn, against the real services.

Each target gets its share of N seconds (starting its services is not counted) and
reports inputs tried, crashes, hangs and lost state, all of which must be 0; the MQTT
target also says what the broker did with payloads over the documents' limits. Exit
status 1 if anything crashed, hung or lost state.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.abuse.core import Tally
from contract.errors import TandemError

# target -> share of the time; the services-backed ones are slower per input.
SHARES = {"wav": 0.2, "documents": 0.2, "mqtt": 0.3, "converse": 0.3}


def _runner(target: str) -> Callable[[float, Tally, float], None]:
    if target == "wav":
        from app.abuse import wav

        return wav.run
    if target == "documents":
        from app.abuse import documents

        return documents.run
    if target == "mqtt":
        from app.abuse import mqtt

        return mqtt.run
    from app.abuse import converse

    return converse.run


def bench_abuse(seconds: float, hang_s: float = 5.0, targets: tuple[str, ...] = tuple(SHARES),
                log: Callable[[str], None] = print) -> list[Tally]:
    share = sum(SHARES[t] for t in targets)
    tallies = []
    for target in targets:
        tally = Tally(target)
        budget = seconds * SHARES[target] / share
        log(f"{target}: fuzzing for {budget:.0f} s ...")
        started = time.monotonic()
        _runner(target)(budget, tally, hang_s)
        log(f"{target}: {tally.tried} inputs in {time.monotonic() - started:.0f} s (with "
            f"start-up), {tally.crashes} crashes, {tally.hangs} hangs, {tally.lost} state lost")
        tallies.append(tally)
    return tallies


def report(tallies: list[Tally], seconds: float, hang_s: float) -> dict[str, Any]:
    return {"seconds": seconds, "hang_s": hang_s,
            "targets": [t.as_dict() for t in tallies],
            "inputs": sum(t.tried for t in tallies),
            "crashes": sum(t.crashes for t in tallies),
            "hangs": sum(t.hangs for t in tallies),
            "state_lost": sum(t.lost for t in tallies),
            "ok": not any(t.failed for t in tallies)}


def render(figures: dict[str, Any]) -> str:
    lines = [f"tandem bench abuse: {figures['seconds']:g} s of fuzzing, a hang is an input "
             f"over {figures['hang_s']:g} s",
             f"{'target':<10} {'inputs':>8} {'crashes':>8} {'hangs':>6} {'state lost':>11}"]
    for t in figures["targets"]:
        lines.append(f"{t['target']:<10} {t['inputs']:>8} {t['crashes']:>8} {t['hangs']:>6} "
                     f"{t['state_lost']:>11}")
    lines.append(f"{'total':<10} {figures['inputs']:>8} {figures['crashes']:>8} "
                 f"{figures['hangs']:>6} {figures['state_lost']:>11}")
    for t in figures["targets"]:
        if t["oversize"]:
            lines.append(f"{t['target']}: oversize payloads")
            lines += [f"  {what}: {outcome}" for what, outcome in t["oversize"].items()]
        if t["slow_retried"]:
            lines.append(f"{t['target']}: {t['slow_retried']} calls over the bound once, "
                         "in time when made again (a busy machine; not hangs)")
        lines += [f"{t['target']}: {note}" for note in t["notes"]]
    lines.append("OK: 0 crashes, 0 hangs, 0 state lost" if figures["ok"] else "FAILED")
    return "\n".join(lines)


def _cmd_bench_abuse(args: argparse.Namespace) -> int:
    try:
        import hypothesis  # noqa: F401 - the fuzzers' generator (a development dependency)
    except ImportError:
        raise TandemError("`tandem bench abuse` needs hypothesis: pip install "
                          "hypothesis (./tandem setup installs it)") from None
    if args.seconds <= 0 or args.hang_s <= 0:
        raise TandemError("--seconds and --hang-s must be positive")
    targets = tuple(args.only.split(",")) if args.only else tuple(SHARES)
    unknown = sorted(set(targets) - set(SHARES))
    if unknown:
        raise TandemError(f"unknown target(s) {unknown}; choose from {list(SHARES)}")
    say: Callable[[str], None] = (lambda line: None) if args.json else (
        lambda line: print(line, flush=True))
    tallies = bench_abuse(args.seconds, args.hang_s, targets, say)
    figures = report(tallies, args.seconds, args.hang_s)
    print(json.dumps(figures, indent=2) if args.json else render(figures), flush=True)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if figures["ok"] else 1


def add_bench_abuse(bench: Any) -> None:
    """Register `bench abuse` on the `tandem bench` subparsers (`Any`: argparse's type for
    them is private)."""
    abuse = bench.add_parser("abuse", help="fuzz WAV/PCM input, policy and memory documents, "
                                           "MQTT payloads and Converse requests for a while")
    abuse.add_argument("--seconds", type=float, default=60.0,
                       help="fuzzing time, shared between the targets (start-up not counted)")
    abuse.add_argument("--hang-s", type=float, default=5.0,
                       help="an input taking longer than this is a hang")
    abuse.add_argument("--only", metavar="TARGET,...",
                       help=f"only these targets ({', '.join(SHARES)})")
    abuse.add_argument("--json", action="store_true")
    abuse.add_argument("--out", type=Path, metavar="FILE.json")
    abuse.set_defaults(func=_cmd_bench_abuse)
