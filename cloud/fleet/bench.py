"""`tandem bench fleet --devices N`: push -> applied latency for N simulated devices.

One run, two rollouts side by side, on a private TLS Mosquitto on loopback:
  steady:  v1 to the whole group (canary 5 %, then paced);
  crash:   v2, with the broker SIGKILLed when half the group has been sent the
           document and restarted a second later (retained state since the last
           1 s autosave is lost; the operator re-publishes, devices re-announce).
Then forged documents (unsigned, and a replay of v1) are sent live to 10 % of
the devices. Counted from the devices' own reports and final state: converged
devices, and stale or unsigned documents applied (both must be 0).
Connect time (N TLS handshakes + subscriptions) is reported separately.
"""

from __future__ import annotations

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
from edge.fleet import names
from edge.fleet.policy import sign_policy

GROUP = "bench"


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


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


def bench_fleet(devices: int, procs: int = 2, kill_broker: bool = True,
                out: Path | None = None) -> int:
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
            figures.update(_rollouts(paths, broker, ids, kill_broker))
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
    figures["converged_final"] = f"{sum(1 for v in final.values() if v == legit[-1])}/{devices}"
    figures["applied_not_signed_by_us"] = sum(1 for v in final.values() if v not in legit)
    figures["device_counters"] = {k: sum(s[k] for s in sims)
                                  for k in ("applied", "rejected", "ignored_stale", "connects")}
    figures["stale_applied"] = sum(s["stale_applied"] for s in sims)
    _print(figures)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(figures, indent=2) + "\n")
    ok = (figures["stale_applied"] == 0 and figures["unsigned_applied"] == 0
          and figures["applied_not_signed_by_us"] == 0
          and figures["converged_final"] == f"{devices}/{devices}")
    return 0 if ok else 1


def _sim_entry(*args: Any) -> None:
    from cloud.fleet.sim import run_sim

    run_sim(*args)


def _rollouts(paths: Any, broker: PrivateBroker, ids: list[str],
              kill_broker: bool) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    history = History(paths.root / "history.json")
    key = current_signing_key(paths)
    applied_log: dict[str, list[int]] = {d: [] for d in ids}
    digests: dict[int, str] = {}
    with OperatorLink(paths, broker.host, broker.port) as operator:
        t0 = time.monotonic()
        while sum(operator.online(d) for d in ids) < len(ids):
            if time.monotonic() - t0 > 60:
                break
            time.sleep(0.1)
        plan = RolloutPlan(canary_share=0.05, pace_per_s=2000, device_timeout_s=30,
                           abort_pct=10, abort_min=50, rollback=False)
        rollout = Rollout(operator, history, key, plan, log=print)
        base_hook = operator.on_report

        def watch(report: Any, received: float) -> None:
            if report.status == "applied" and report.subject_version is not None:
                applied_log[report.device].append(report.applied_version)
                digests.setdefault(report.applied_version, report.applied_digest)
            if base_hook is not None:
                base_hook(report, received)

        operator.on_report = watch
        steady = rollout.push({"version": 1, "target": {"group": GROUP}}, ids, GROUP)
        figures["steady"] = _figures(steady, len(ids))
        killer: threading.Thread | None = None
        sent = [0]

        def on_sent(device: str, at: float) -> None:
            sent[0] += 1

        if kill_broker:
            def kill_and_restart() -> None:
                while sent[0] < len(ids) // 2:
                    time.sleep(0.001)
                broker.kill()
                print(f"broker killed after {sent[0]} devices were sent v2", flush=True)
                time.sleep(1.0)
                broker.start()
                print("broker restarted", flush=True)

            killer = threading.Thread(target=kill_and_restart, name="broker-killer")
            killer.start()
        crash = rollout.push({"version": 2, "target": {"group": GROUP},
                              "routing": {"local_confidence": 0.8}}, ids, GROUP, on_sent=on_sent)
        if killer is not None:
            killer.join()
        figures["crash" if kill_broker else "second"] = _figures(crash, len(ids))
        # Forged documents, sent live to 10 % of the devices.
        victims = ids[:: 10]
        good = sign_policy({"version": 3, "target": {"group": GROUP}}, key)
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
        figures["unsigned_applied"] = sum(1 for log in applied_log.values() if 3 in log)
        figures["_legit_versions"] = [1, 2]
    return figures


def _print(f: dict[str, Any]) -> None:
    second = "crash" if "crash" in f else "second"
    print()
    print(f"fleet bench: {f['devices']} devices, {f['procs']} simulator processes, "
          f"load {f['load_before'][0]:.2f} before / {f['load_after'][0]:.2f} after")
    print(f"connect (TLS + subscribe, all devices): {f['connect_s']} s")
    header = f"{'':34}{'steady (v1)':>16}{'broker killed (v2)' if second == 'crash' else 'v2':>22}"
    print(header)
    for label, key in (("push -> applied p50 (ms)", "p50_ms"),
                       ("push -> applied p99 (ms)", "p99_ms"),
                       ("push -> applied max (ms)", "max_ms"),
                       ("converged", "converged"), ("outcome", "outcome")):
        print(f"{label:34}{f['steady'][key]!s:>16}{f[second][key]!s:>22}")
    print(f"final state converged on v2: {f['converged_final']}")
    print(f"forged documents sent live: {f['forged_sent']}, devices reporting the rejection: "
          f"{f['forged_devices_reporting_rejection']}")
    print(f"stale applied: {f['stale_applied']}   unsigned applied: {f['unsigned_applied']}   "
          f"applied but not signed by us: {f['applied_not_signed_by_us']}")
    print(f"device counters: {f['device_counters']}")
    print(f"operator saw an older report after a newer one (restored by the restarted broker, "
          f"superseded by the device's re-announce): {f['stale_reports_seen']} devices")
