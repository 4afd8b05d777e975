"""`python -m edge.speech_eval [generate|run|report|all|falsewake] [options]`: the same as
`tandem bench speech ...`, usable before the command is wired into `tandem bench`."""

from __future__ import annotations

import argparse
import sys

from contract.errors import TandemError
from edge.speech_eval.cli import add_bench_speech


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge.speech_eval")
    add_bench_speech(parser.add_subparsers(dest="bench_command", required=True))
    args = parser.parse_args(["speech", *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.func(args))
    except TandemError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
