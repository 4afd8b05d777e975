"""`tandem redact` and `tandem bench redact`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from edge.settings import DEFAULT_INVENTORY

MAX_LINE = 100_000  # characters of one --jsonl line that are read at all


def add_subcommands(sub: Any) -> None:
    redact = sub.add_parser(
        "redact", help="personal data out of a text, as the device does before it leaves")
    redact.add_argument("text", nargs="?", help="the text (omit with --jsonl)")
    redact.add_argument("--jsonl", action="store_true",
                        help='read {"text": ...} lines on stdin, write one '
                             '{"text", "redacted", "spans"} object per line')
    redact.add_argument("--json", action="store_true",
                        help="print TEXT's object instead of the redacted text")
    redact.add_argument("--inventory", type=Path, default=DEFAULT_INVENTORY,
                        help="its contacts are names too")
    redact.set_defaults(func=_cmd_redact)


def add_bench_redact(bench: Any) -> None:
    from edge.privacy.bench import PII_SET

    redact = bench.add_parser("redact", help="redaction's recall per kind, false redactions "
                                             "and latency on the labelled set")
    redact.add_argument("--set", type=Path, default=PII_SET, dest="pii_set",
                        help="a labelled set (default: edge/privacy/pii_set.jsonl)")
    redact.add_argument("--split", choices=("test", "dev", "all"), default="test")
    redact.add_argument("--repeat", type=int, default=20, help="timed calls per sentence")
    redact.add_argument("--errors", action="store_true", help="list every miss")
    redact.add_argument("--json", action="store_true")
    redact.set_defaults(func=_cmd_bench)


def _cmd_redact(args: argparse.Namespace) -> int:
    from contract.errors import TandemError
    from contract.inventory import load_inventory
    from edge.privacy.redact import Redactor

    if args.jsonl == (args.text is not None):
        raise TandemError("give either TEXT or --jsonl (texts on stdin)")
    redactor = Redactor(load_inventory(args.inventory).contacts)
    if not args.jsonl:
        result = redactor.redact(args.text)
        print(json.dumps(result.to_json(), ensure_ascii=False) if args.json
              else result.redacted)
        return 0
    for number, line in enumerate(sys.stdin, 1):
        try:
            request = json.loads(line[:MAX_LINE])
            if not isinstance(request, dict) or not isinstance(request.get("text"), str):
                raise ValueError('expected an object with a "text" string')
        except ValueError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else "not JSON"
            raise TandemError(f'stdin line {number}: expected {{"text": "..."}} ({reason})'
                              ) from None
        print(json.dumps(redactor.redact(request["text"]).to_json(), ensure_ascii=False),
              flush=True)
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from edge.privacy.bench import bench_redact

    return bench_redact(args.pii_set, args.split, args.repeat, args.errors, args.json)
