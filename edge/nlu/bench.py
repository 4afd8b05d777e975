"""`tandem bench nlu`: Tandem's NLU and Home Assistant's hassil, side by side, on one core.

Both read the hand-written test set (tests/data/nlu_testset.jsonl) with the same
inventory (tests/data/nlu_inventory.yaml). Scored per utterance:

* route: local when the gold intent is one the edge understands, cloud otherwise;
* intent accuracy: over local requests, routed local with the right intent;
* cloud recall: over cloud requests, routed to the cloud;
* slot accuracy: over local requests with the right intent, every gold slot present with
  its value (strings compared case- and punctuation-insensitively); frame accuracy:
  over local requests, right route, intent and slots at once;
* latency: wall time of one parse (normalise, tag, classify, fill), p50/p95 over all
  utterances and repeats, after a warm-up pass, pinned to one CPU core.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract.errors import TandemError
from contract.inventory import Inventory, load_inventory
from edge.nlu.parser import CLOUD, ModelNlu, route

Parsed = tuple[str, str, dict[str, Any]]  # route, intent, slots


@dataclass
class Score:
    name: str
    n_local: int = 0
    n_cloud: int = 0
    route_ok: int = 0
    intent_ok: int = 0
    cloud_ok: int = 0
    slot_total: int = 0
    slot_ok: int = 0
    frame_ok: int = 0
    latencies_us: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def row(self) -> dict[str, float]:
        lat = sorted(self.latencies_us)
        return {
            "route_accuracy": self.route_ok / max(1, self.n_local + self.n_cloud),
            "intent_accuracy_local": self.intent_ok / max(1, self.n_local),
            "cloud_recall": self.cloud_ok / max(1, self.n_cloud),
            "slot_accuracy": self.slot_ok / max(1, self.slot_total),
            "frame_accuracy_local": self.frame_ok / max(1, self.n_local),
            "p50_us": statistics.median(lat) if lat else 0.0,
            "p95_us": lat[int(0.95 * (len(lat) - 1))] if lat else 0.0,
        }


def load_testset(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TandemError(f"test set {path} cannot be read ({exc.strerror})") from None
    return [json.loads(line) for line in lines if line.strip()]


def _same(gold: object, said: object) -> bool:
    def canon(v: object) -> str:
        if isinstance(v, float) and v.is_integer():
            v = int(v)  # hassil returns 10.0 for "10"
        return " ".join(re.sub(r"[^\w\s]", "", str(v).casefold()).split())
    return canon(gold) == canon(said)


def slots_match(gold: dict[str, Any], said: dict[str, Any], inventory: Inventory) -> bool:
    """Every gold slot said, with its value; an area (+ domain) that selects exactly the
    gold device counts as naming it (hassil reads "kitchen lights" as area + domain)."""
    if all(k in said and _same(v, said[k]) for k, v in gold.items()):
        return True
    if "name" not in gold or "name" in said or "area" not in said:
        return False
    domain = said.get("domain")
    chosen = inventory.devices_in(str(said["area"]), None if domain is None else str(domain))
    rest = {k: v for k, v in gold.items() if k not in ("name", "area", "domain")}
    return [d.name for d in chosen] == [gold["name"]] and all(
        k in said and _same(v, said[k]) for k, v in rest.items())


def score(name: str, parse: Callable[[str], Parsed], cases: list[dict[str, Any]],
          repeat: int, inventory: Inventory) -> Score:
    s = Score(name)
    for case in cases:  # warm-up
        parse(case["text"])
    for case in cases:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter_ns()
            routed, intent, slots = parse(case["text"])
            times.append((time.perf_counter_ns() - t0) / 1000)
        s.latencies_us += times
        gold_intent = case["intent"]
        gold_local = gold_intent != CLOUD
        s.route_ok += (routed == "local") == gold_local
        if not gold_local:
            s.n_cloud += 1
            s.cloud_ok += routed == "cloud"
            if routed != "cloud":
                s.errors.append(f"{case['text']!r}: cloud, got {intent}")
            continue
        s.n_local += 1
        intent_ok = routed == "local" and intent == gold_intent
        s.intent_ok += intent_ok
        slots_ok = slots_match(case["slots"], slots, inventory)
        if intent_ok:
            s.slot_total += 1
            s.slot_ok += slots_ok
        s.frame_ok += intent_ok and slots_ok
        if not (intent_ok and slots_ok):
            s.errors.append(f"{case['text']!r}: {gold_intent} {case['slots']}, got "
                            f"{routed} {intent} {slots}")
    return s


def tandem_parser(inventory: Inventory, threshold: float) -> Callable[[str], Parsed]:
    nlu = ModelNlu.load(inventory)

    def parse(text: str) -> Parsed:
        u = nlu.parse(text)
        return route(u, threshold), u.intent, u.slots
    return parse


def hassil_parser(inventory: Inventory) -> Callable[[str], Parsed]:
    """Home Assistant's matcher as Home Assistant sets it up, with the same inventory."""
    try:
        from hassil.intents import Intents, SlotList, TextSlotList
        from hassil.recognize import recognize
        from home_assistant_intents import get_intents
    except ImportError:
        raise TandemError("hassil is a dev dependency: pip install -e '.[dev]'") from None
    data = get_intents("en")
    if data is None:
        raise TandemError("home-assistant-intents has no English data")
    intents = Intents.from_dict(data)
    names = [(d.name, d.name, {"domain": d.domain}) for d in inventory.devices]
    names += [(n, n, {"domain": "todo"}) for n in inventory.lists]
    lists: dict[str, SlotList] = {"name": TextSlotList.from_tuples(names),
             "area": TextSlotList.from_strings(list(inventory.areas)),
             "floor": TextSlotList.from_strings([])}
    skip = data.get("skip_words", [])

    def parse(text: str) -> Parsed:
        result = recognize(text, intents, slot_lists=lists, skip_words=skip, language="en")
        if result is None:
            return "cloud", CLOUD, {}
        return "local", result.intent.name, {k: e.value for k, e in result.entities.items()}
    return parse


def pin_one_core() -> int | None:
    try:
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[-1]})
        return cpus[-1]
    except (AttributeError, OSError):
        return None


def bench_nlu(testset: Path, inventory_path: Path, threshold: float, repeat: int,
              show_errors: bool, as_json: bool) -> int:
    core = pin_one_core()
    inventory = load_inventory(inventory_path)
    cases = load_testset(testset)
    tandem = score("tandem", tandem_parser(inventory, threshold), cases, repeat, inventory)
    hassil = score("hassil", hassil_parser(inventory), cases, max(1, repeat // 5), inventory)
    rows = {s.name: s.row() for s in (tandem, hassil)}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    if as_json:
        print(json.dumps({"core": core, "load_1min": load, "utterances": len(cases),
                          "results": rows}, indent=2))
    else:
        n_local = tandem.n_local
        print(f"tandem bench nlu: {len(cases)} hand-written utterances ({n_local} local, "
              f"{len(cases) - n_local} cloud), pinned to core {core}, load {load:.2f}, "
              f"threshold {threshold}")
        print(f"{'':8} {'route':>7} {'intent':>7} {'cloud':>7} {'slots':>7} {'frame':>7} "
              f"{'p50 us':>9} {'p95 us':>9}")
        for name, r in rows.items():
            print(f"{name:8} {r['route_accuracy']:7.1%} {r['intent_accuracy_local']:7.1%} "
                  f"{r['cloud_recall']:7.1%} {r['slot_accuracy']:7.1%} "
                  f"{r['frame_accuracy_local']:7.1%} {r['p50_us']:9.1f} {r['p95_us']:9.1f}")
        speed = rows["hassil"]["p50_us"] / max(rows["tandem"]["p50_us"], 1e-9)
        print(f"tandem is {speed:.0f}x faster than hassil at the median")
    if show_errors:
        for s in (tandem, hassil):
            print(f"\n{s.name}: {len(s.errors)} misses")
            for line in s.errors:
                print("  " + line)
    return 0
