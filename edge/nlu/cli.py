"""`tandem nlu parse` and `tandem bench nlu`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from edge.settings import DEFAULT_INVENTORY, EdgeSettings

MAX_LINE = 100_000  # characters of one --jsonl line that are read at all
_DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
TESTSET, INVENTORY = _DATA / "nlu_testset.jsonl", _DATA / "nlu_inventory.yaml"


def add_nlu(sub: argparse._SubParsersAction) -> None:
    nlu = sub.add_parser("nlu", help="on-device language understanding").add_subparsers(
        dest="nlu_command", required=True
    )
    parse = nlu.add_parser("parse", help="intent, slots and route of a request, as JSON")
    parse.add_argument("text", nargs="?", help="the request (omit with --jsonl)")
    parse.add_argument("--jsonl", action="store_true",
                       help='read {"text": ...} lines on stdin, write one object per line')
    parse.add_argument("--inventory", type=Path, default=DEFAULT_INVENTORY)
    parse.add_argument("--model", type=Path, help="an NLU model file (default: the manifest's)")
    parse.add_argument("--local-confidence", type=float,
                       default=EdgeSettings().local_confidence)
    parse.set_defaults(func=_cmd_parse)


def add_bench_nlu(bench: argparse._SubParsersAction) -> None:
    nlu = bench.add_parser("nlu", help="Tandem's NLU vs hassil on the hand-written test set")
    nlu.add_argument("--testset", type=Path, default=TESTSET)
    nlu.add_argument("--inventory", type=Path, default=INVENTORY)
    nlu.add_argument("--local-confidence", type=float,
                     default=EdgeSettings().local_confidence)
    nlu.add_argument("--repeat", type=int, default=20, help="timed passes for Tandem")
    nlu.add_argument("--errors", action="store_true", help="list every miss")
    nlu.add_argument("--json", action="store_true")
    nlu.set_defaults(func=_cmd_bench)


def _result(planner: Any, text: str, threshold: float) -> dict[str, Any]:
    """One request's line: the first action's intent and slots (as before), then every
    action in spoken order (`actions`, empty when nothing is to be done) and `confirm`."""
    from edge.nlu.parser import route

    t0 = time.perf_counter_ns()
    plan = planner.plan(text)
    latency = (time.perf_counter_ns() - t0) / 1000
    u = plan.understanding
    return {"text": text, "intent": u.intent, "route": route(u, threshold),
            "confidence": round(u.confidence, 4), "slots": u.slots,
            "actions": [a.to_json() for a in plan.actions], "confirm": plan.confirm,
            "latency_us": round(latency, 1)}


def _cmd_parse(args: argparse.Namespace) -> int:
    from contract.errors import TandemError
    from contract.inventory import load_inventory
    from edge.nlu.parser import ModelNlu
    from edge.nlu.plan import Planner

    if not 0.0 <= args.local_confidence <= 1.0:
        raise TandemError("--local-confidence must be between 0 and 1")
    if args.jsonl == (args.text is not None):
        raise TandemError("give either TEXT or --jsonl (requests on stdin)")
    inventory = load_inventory(args.inventory)
    nlu = Planner(ModelNlu.load(inventory, args.model), inventory)
    if not args.jsonl:
        print(json.dumps(_result(nlu, args.text, args.local_confidence), ensure_ascii=False))
        return 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            request = json.loads(line[:MAX_LINE])
            if not isinstance(request, dict) or not isinstance(request.get("text"), str):
                raise ValueError('expected an object with a "text" string')
        except ValueError as exc:
            msg = str(exc).splitlines()[0] if str(exc) else "not JSON"
            print(json.dumps({"line": number, "error": f"bad request: {msg}"}), flush=True)
            continue
        print(json.dumps(_result(nlu, request["text"], args.local_confidence),
                         ensure_ascii=False), flush=True)
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from edge.nlu.bench import bench_nlu

    return bench_nlu(args.testset, args.inventory, args.local_confidence, args.repeat,
                     args.errors, args.json)
