"""`tandem bench plan`: exact action lists on the planner's test sets.

tests/data/plan_dev.jsonl is for tuning; tests/data/plan_heldout.jsonl was written before
the planner and is not tuned on: quote figures from it. A line is right only when its whole
action list (intents, slots, delays, clock times, in order) and its confirm flag match.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

_DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
SETS = {"heldout": _DATA / "plan_heldout.jsonl", "dev": _DATA / "plan_dev.jsonl"}
INVENTORY = _DATA / "nlu_inventory.yaml"


def add_bench_plan(bench: argparse._SubParsersAction) -> None:
    plan = bench.add_parser("plan", help="negation, delays, compounds, references, confirm")
    plan.add_argument("--set", default="heldout",
                      help="heldout (report this), dev (tune on this) or a JSONL file")
    plan.add_argument("--inventory", type=Path, default=INVENTORY)
    plan.add_argument("--errors", action="store_true", help="list every miss")
    plan.add_argument("--json", action="store_true")
    plan.set_defaults(func=_cmd_bench_plan)


def evaluate(path: Path, inventory: Path) -> dict[str, Any]:
    from contract.inventory import load_inventory
    from edge.nlu.plan import PlanContext, Planner
    from edge.stages.nlu import load_nlu

    inv = load_inventory(inventory)
    planner = Planner(load_nlu(inv), inv)
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    errors, latencies = [], []
    unconfirmed = acted_negated = 0
    cases = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for case in cases:
        context = PlanContext()
        for earlier in case.get("context", []):
            planner.plan(earlier, context, now=0.0)
        t0 = time.perf_counter()
        plan = planner.plan(case["text"], context, now=1.0)
        latencies.append(1e6 * (time.perf_counter() - t0))
        got = [a.to_json() for a in plan.actions]
        ok = got == case["actions"] and plan.confirm == case["confirm"]
        per[case["category"]][0] += ok
        per[case["category"]][1] += 1
        unconfirmed += case["confirm"] and not plan.confirm
        acted_negated += case["category"] == "negation" and len(got) > len(case["actions"])
        if not ok:
            errors.append({"text": case["text"], "want": case["actions"], "got": got,
                           "confirm": [case["confirm"], plan.confirm]})
    right = sum(r for r, _ in per.values())
    latencies.sort()
    return {
        "set": str(path), "lines": len(cases), "exact": right / len(cases),
        "per_category": {k: f"{r}/{n}" for k, (r, n) in sorted(per.items())},
        "sensitive_unconfirmed": unconfirmed, "negated_acted_on": acted_negated,
        "latency_us_p50": round(latencies[len(latencies) // 2], 1), "errors": errors,
    }


def _cmd_bench_plan(args: argparse.Namespace) -> int:
    from contract.errors import TandemError

    path = SETS.get(args.set, Path(args.set))
    if not path.is_file():
        raise TandemError(f"no test set {args.set!r}: use heldout, dev or a JSONL file")
    report = evaluate(path, args.inventory)
    if args.json:
        print(json.dumps(report if args.errors else {**report, "errors": len(report["errors"])}))
        return 0
    print(f"{report['set']}: {report['lines']} requests")
    print(f"  exact action lists   {100 * report['exact']:.1f} %  (target >= 90 %)")
    for category, score in report["per_category"].items():
        print(f"    {category:<12} {score}")
    print(f"  sensitive, not confirmed  {report['sensitive_unconfirmed']}  (target 0)")
    print(f"  negated, acted on         {report['negated_acted_on']}  (target 0)")
    print(f"  planning p50              {report['latency_us_p50']} us")
    if args.errors:
        for e in report["errors"]:
            print(f"  MISS {e['text']!r}\n    want {e['want']} confirm={e['confirm'][0]}\n"
                  f"    got  {e['got']} confirm={e['confirm'][1]}")
    return 0
