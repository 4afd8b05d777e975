"""`tandem bench fleet --devices N`: push -> applied latency for N simulated devices.

One run, rollouts side by side, on a private TLS Mosquitto on loopback:
  steady:  v1 to the whole group (canary 5 %, then paced);
  killed:  v2, v3, ... one per outage: the broker is SIGKILLed when half the
           group has been sent the document and started again `outage` seconds
           later (0.1 s is what Debian's mosquitto.service does: Restart=on-failure
           with systemd's default RestartSec). Retained state since the last 1 s
           autosave is lost; the operator re-publishes, devices re-announce.
Then forged documents (unsigned, and a replay of v1) are sent live to 10 % of
the devices. Counted from the devices' own reports and final state: converged
devices, and stale or unsigned documents applied (both must be 0).
Connect time (N TLS handshakes + subscriptions) is reported separately.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import multiprocessing as mp
import os
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from cloud.fleet.broker import PrivateBroker
from cloud.fleet.history import History
from cloud.fleet.operator import OperatorLink
from cloud.fleet.pki import current_signing_key, init_fleet, issue_device
from cloud.fleet.registry import Registry
from cloud.fleet.rollout import Rollout, RolloutPlan, RolloutResult
from contract.fleet import names
from contract.fleet.policy import sign_policy

GROUP = "bench"


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _reconnect_figures(connected_at: dict[str, list[float]],
                       restarted_at: float) -> dict[str, Any]:
    """How long after the broker came back each device had its CONNACK."""
    delays = [min(later) - restarted_at for times in connected_at.values()
              if (later := [t for t in times if t >= restarted_at])]
    return {"reconnected": f"{len(delays)}/{len(connected_at)}",
            "reconnect_p50_ms": round(1000 * statistics.median(delays), 1) if delays else None,
            "reconnect_p99_ms": round(1000 * _percentile(delays, 0.99), 1),
            "reconnect_max_ms": round(1000 * max(delays), 1) if delays else None}


def _figures(result: RolloutResult, total: int) -> dict[str, Any]:
    latencies = [o.latency_s for o in result.devices.values()
                 if o.status == "applied" and o.latency_s is not None]
    return {
        "outcome": result.outcome,
        "converged": f"{len(latencies)}/{total}",
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(1000 * _percentile(latencies, 0.99), 1),
        "max_ms": round(1000 * max(latencies), 1) if latencies else None,
        "counts": result.counts(),
    }


def bench_fleet(devices: int, procs: int = 2, outages_s: tuple[float, ...] = (0.1, 1.0),
                out: Path | None = None) -> int:
    """Rollouts side by side: one steady, then one per outage (broker killed midway)."""
    outages: list[float | None] = [None, *outages_s] if outages_s else [None, None]
    work = Path(tempfile.mkdtemp(prefix="tandem-bench-fleet-"))
    state_root = Path("/dev/shm") if Path("/dev/shm").is_dir() else work
    state = Path(tempfile.mkdtemp(prefix="tandem-devices-", dir=state_root))
    t0 = time.monotonic()
    paths = init_fleet(work / "fleet")
    registry = Registry.load(paths.registry)
    ids = [f"sim-{i:05d}" for i in range(devices)]
    for device in ids:
        issue_device(paths, device)
        registry.add(device, [GROUP], None)
    registry.save(paths.registry)
    print(f"issued {devices} device certificates in {time.monotonic() - t0:.1f} s", flush=True)
    figures: dict[str, Any] = {"devices": devices, "procs": procs,
                               "load_before": os.getloadavg()}
    ctx = mp.get_context("spawn")
    with PrivateBroker(paths, work / "broker") as broker:
        ready, results = ctx.Queue(), ctx.Queue()
        stop = ctx.Event()
        shares = [ids[i::procs] for i in range(procs)]
        t0 = time.monotonic()
        workers = [ctx.Process(target=_sim_entry, args=(str(paths.root), share, GROUP,
                                                        broker.host, broker.port, str(state),
                                                        ready, stop, results), daemon=True)
                   for share in shares]
        for worker in workers:
            worker.start()
        try:
            for _ in workers:
                ready.get(timeout=300)
            figures["connect_s"] = round(time.monotonic() - t0, 2)
            print(f"{devices} devices connected and subscribed in {figures['connect_s']} s "
                  f"({procs} simulator processes)", flush=True)
            figures.update(_rollouts(paths, broker, ids, outages))
        finally:
            stop.set()
            sims = [results.get(timeout=120) for _ in workers]
            for worker in workers:
                worker.join(30)
    figures["load_after"] = os.getloadavg()
    shutil.rmtree(state, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    final = {d: v for sim in sims for d, v in sim["applied_versions"].items()}
    legit = figures.pop("_legit_versions")
    figures["final_version"] = legit[-1]
    figures["converged_final"] = f"{sum(1 for v in final.values() if v == legit[-1])}/{devices}"
    figures["applied_not_signed_by_us"] = sum(1 for v in final.values() if v not in legit)
    figures["device_counters"] = {k: sum(s[k] for s in sims)
                                  for k in ("applied", "rejected", "ignored_stale", "connects")}
    figures["stale_applied"] = sum(s["stale_applied"] for s in sims)
    connected_at = {d: times for sim in sims for d, times in sim["connected_at"].items()}
    for round_ in figures["rounds"]:
        restarted_at = round_.pop("_restarted_at")
        if restarted_at is not None:
            round_.update(_reconnect_figures(connected_at, restarted_at))
    _print(figures)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(figures, indent=2) + "\n")
    ok = (figures["stale_applied"] == 0 and figures["unsigned_applied"] == 0
          and figures["applied_not_signed_by_us"] == 0
          and figures["converged_final"] == f"{devices}/{devices}")
    return 0 if ok else 1


def _sim_entry(*args: Any) -> None:
    from app.fleet_sim import run_sim

    run_sim(*args)


def _rollouts(paths: Any, broker: PrivateBroker, ids: list[str],
              outages: list[float | None]) -> dict[str, Any]:
    """One rollout per entry of `outages` (None: the broker stays up), versions 1, 2, ..."""
    figures: dict[str, Any] = {"rounds": []}
    history = History(paths.root / "history.json")
    key = current_signing_key(paths)
    applied_log: dict[str, list[int]] = {d: [] for d in ids}
    with OperatorLink(paths, broker.host, broker.port) as operator:
        _wait_all_online(operator, ids, {})
        plan = RolloutPlan(canary_share=0.05, pace_per_s=2000, device_timeout_s=30,
                           abort_pct=10, abort_min=50, rollback=False)
        rollout = Rollout(operator, history, key, plan, log=print)
        base_hook = operator.on_report

        def watch(report: Any, received: float) -> None:
            if report.status == "applied" and report.subject_version is not None:
                applied_log[report.device].append(report.applied_version)
            if base_hook is not None:
                base_hook(report, received)

        operator.on_report = watch
        for version, outage in enumerate(outages, start=1):
            sent = [0]
            on_sent = _counter(sent)
            sessions = {d: operator.presence[d].generation for d in ids
                        if d in operator.presence}
            killer: threading.Thread | None = None
            restarted: list[float] = []
            if outage is not None:
                killer = threading.Thread(
                    target=_kill_and_restart, name="broker-killer",
                    args=(broker, sent, len(ids) // 2, outage, version, restarted))
                killer.start()
            document = {"version": version, "target": {"group": GROUP},
                        "routing": {"local_confidence": 0.5 + version / 100}}
            result = rollout.push(document, ids, GROUP, on_sent=on_sent)
            broker_cpu = None
            if killer is not None:
                killer.join()
                # Rounds start from a whole fleet: every device back with a new session.
                _wait_all_online(operator, ids, sessions)
                broker_cpu = broker.cpu_s()  # the new process: restart until all are back
            label = "steady" if outage is None else f"killed, {outage:g} s out"
            figures["rounds"].append({"label": f"{label} (v{version})",
                                      **_figures(result, len(ids)),
                                      "_restarted_at": restarted[0] if restarted else None,
                                      "broker_cpu_after_restart_s": broker_cpu})
        legit = list(range(1, len(outages) + 1))
        # Forged documents, sent live to 10 % of the devices.
        victims = ids[:: 10]
        forged = len(outages) + 1
        good = sign_policy({"version": forged, "target": {"group": GROUP}}, key)
        unsigned = json.dumps({**json.loads(good), "signature": ""}).encode()
        replay = sign_policy({"version": 1, "target": {"group": GROUP}}, key)
        for device in victims:
            operator.publish(names.device_policy(device), unsigned)
            operator.publish(names.device_policy(device), replay)
        time.sleep(2.0)
        operator.sync(30)
        rejected = sum(1 for d in victims if (r := operator.reports.get(d)) is not None
                       and r.status == "rejected")
        figures["forged_sent"] = 2 * len(victims)
        figures["forged_devices_reporting_rejection"] = f"{rejected}/{len(victims)}"
        figures["stale_reports_seen"] = sum(
            1 for log in applied_log.values() if any(b < a for a, b in itertools.pairwise(log)))
        figures["unsigned_applied"] = sum(1 for log in applied_log.values() if forged in log)
        figures["_legit_versions"] = legit
    return figures


def _wait_all_online(operator: OperatorLink, ids: list[str], older: dict[str, int],
                     timeout_s: float = 60.0) -> None:
    """Until every device's presence is online, in a session newer than `older`'s."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if all((p := operator.presence.get(d)) is not None and p.online
               and p.generation > older.get(d, -1) for d in ids):
            return
        time.sleep(0.05)
    print(f"warning: not every device came back online within {timeout_s:g} s", flush=True)


def _counter(sent: list[int]) -> Any:
    def on_sent(device: str, at: float) -> None:
        sent[0] += 1

    return on_sent


def _kill_and_restart(broker: PrivateBroker, sent: list[int], after: int, outage_s: float,
                      version: int, restarted: list[float]) -> None:
    while sent[0] < after:
        time.sleep(0.001)
    broker.kill()
    print(f"broker killed after {sent[0]} devices were sent v{version}", flush=True)
    time.sleep(outage_s)
    broker.start()
    restarted.append(time.monotonic())
    print(f"broker restarted {outage_s:g} s later", flush=True)


def _print(f: dict[str, Any]) -> None:
    rounds = f["rounds"]
    print()
    print(f"fleet bench: {f['devices']} devices, {f['procs']} simulator processes, "
          f"load {f['load_before'][0]:.2f} before / {f['load_after'][0]:.2f} after")
    print(f"connect (TLS + subscribe, all devices): {f['connect_s']} s")
    print(f"{'':36}" + "".join(f"{r['label']:>26}" for r in rounds))
    for label, key in (("push -> applied p50 (ms)", "p50_ms"),
                       ("push -> applied p99 (ms)", "p99_ms"),
                       ("push -> applied max (ms)", "max_ms"),
                       ("converged", "converged"), ("outcome", "outcome"),
                       ("restart -> CONNACK p50 (ms)", "reconnect_p50_ms"),
                       ("restart -> CONNACK p99 (ms)", "reconnect_p99_ms"),
                       ("restart -> CONNACK max (ms)", "reconnect_max_ms"),
                       ("broker CPU, restart -> all back (s)", "broker_cpu_after_restart_s")):
        value = [r.get(key) for r in rounds]
        print(f"{label:36}" + "".join(f"{'-' if v is None else v!s:>26}" for v in value))
    print(f"final state converged on v{f['final_version']}: {f['converged_final']}")
    print(f"forged documents sent live: {f['forged_sent']}, devices reporting the rejection: "
          f"{f['forged_devices_reporting_rejection']}")
    print(f"stale applied: {f['stale_applied']}   unsigned applied: {f['unsigned_applied']}   "
          f"applied but not signed by us: {f['applied_not_signed_by_us']}")
    print(f"device counters: {f['device_counters']}")
    print(f"operator saw an older report after a newer one (restored by the restarted broker, "
          f"superseded by the device's re-announce): {f['stale_reports_seen']} devices")


def add_bench_fleet(bench: argparse._SubParsersAction) -> None:
    """Register `tandem bench fleet`."""
    fb = bench.add_parser("fleet", help="N simulated devices: push -> applied latency")
    fb.add_argument("--devices", type=int, default=1000)
    fb.add_argument("--procs", type=int, default=2, help="device simulator processes")
    fb.add_argument("--outage-s", type=float, nargs="*", default=[0.1, 1.0],
                    help="one broker-killed rollout per value: seconds between killing "
                         "the broker and starting it again (none: two steady rollouts)")
    fb.add_argument("--out", type=Path, help="write the figures as JSON here")
    fb.set_defaults(func=_cmd_bench_fleet)


def _cmd_bench_fleet(args: argparse.Namespace) -> int:
    return bench_fleet(args.devices, procs=args.procs, outages_s=tuple(args.outage_s),
                       out=args.out)
