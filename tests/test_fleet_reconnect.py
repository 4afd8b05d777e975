"""Broker crashes: the jittered backoff, a real device reconnecting, and the simulated fleet."""

from __future__ import annotations

import json
import random
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.fleet_bench import bench_fleet
from app.fleet_sim import ClientPool, build_device
from app.fleet_testing import make_fleet, running_device, wait_for
from cloud.fleet.broker import PrivateBroker
from cloud.fleet.operator import OperatorLink
from cloud.fleet.pki import current_signing_key, load_trusted
from contract.fleet import names
from contract.fleet.policy import sign_policy
from contract.ports import free_port
from edge.fleet.backoff import Backoff


def test_backoff_windows_grow_to_the_cap() -> None:
    backoff = Backoff(first_s=0.5, growth=1.5, cap_s=4.0)
    assert [backoff.window(a) for a in range(4)] == [0.5, 0.75, 1.125, 1.6875]
    assert backoff.window(50) == 4.0
    assert backoff.window(10**6) == 4.0  # no overflow for a device that retried for days


@given(st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=2**32))
def test_backoff_delay_is_inside_its_window(attempt: int, seed: int) -> None:
    backoff = Backoff()
    assert 0.0 <= backoff.delay(attempt, random.Random(seed)) <= backoff.window(attempt)


def test_backoff_spreads_a_fleet_over_the_first_window() -> None:
    rng = random.Random(7)
    delays = sorted(Backoff(first_s=0.5).delay(0, rng) for _ in range(1000))
    # Full jitter: each tenth of the window gets about a tenth of the fleet, not one wave.
    per_tenth = [sum(1 for d in delays if i / 20 <= d < (i + 1) / 20) for i in range(10)]
    assert min(per_tenth) > 60 and max(per_tenth) < 140


@pytest.mark.parametrize("kwargs", [{"first_s": 0}, {"first_s": 2, "cap_s": 1}, {"growth": 0.5}])
def test_backoff_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="backoff needs"):
        Backoff(**kwargs)


def test_device_reconnects_after_a_broker_crash_and_gets_what_it_missed(tmp_path: Path) -> None:
    paths = make_fleet(tmp_path / "fleet", {"dev-a": (["kitchen"], None)})
    key = current_signing_key(paths)
    with PrivateBroker(paths, tmp_path / "broker") as broker, \
            running_device(paths, "dev-a", broker, tmp_path / "dev-a") as dev:
        assert dev.connects == 1
        broker.kill()
        wait_for(lambda: not dev.connected.is_set(), what="the device to notice the crash")
        broker.start()
        # Published right after the restart, while the device may still be backing off:
        # it is retained, so the device fetches it when its subscription comes back.
        with OperatorLink(paths, broker.host, broker.port) as operator:
            operator.publish(names.device_policy("dev-a"),
                             sign_policy({"version": 5, "target": {"device": "dev-a"}}, key),
                             wait_s=5)
            wait_for(lambda: dev.connects == 2 and dev.agent.applied_version == 5,
                     timeout_s=15, what="reconnect and apply")
            wait_for(lambda: (r := operator.reports.get("dev-a")) is not None
                     and r.applied_version == 5, what="the applied report")
            wait_for(lambda: operator.online("dev-a"), what="a fresh birth")
        assert dev.failed_attempts == 0  # reset by the successful CONNACK


def test_simulated_fleet_converges_through_a_broker_crash(tmp_path: Path) -> None:
    out = tmp_path / "fleet.json"
    assert bench_fleet(24, procs=1, outages_s=(0.1,), out=out) == 0
    figures = json.loads(out.read_text())
    steady, crash = figures["rounds"]
    assert steady["converged"] == crash["converged"] == "24/24"
    assert crash["label"].startswith("killed, 0.1 s out")
    assert crash["reconnected"] == "24/24"  # every device had a CONNACK after the restart
    assert crash["reconnect_max_ms"] >= crash["reconnect_p50_ms"] > 0
    assert crash["broker_cpu_after_restart_s"] is not None and steady.get("reconnected") is None
    assert figures["stale_applied"] == figures["unsigned_applied"] == 0
    assert figures["forged_devices_reporting_rejection"] == "3/3"
    assert figures["device_counters"]["connects"] == 48  # once at start, once after the crash


def _pool_with_devices(tmp_path: Path, port: int, count: int) -> tuple[ClientPool, list[Any]]:
    devices: dict[str, tuple[list[str], str | None]] = {
        f"dev-{i}": (["lab"], None) for i in range(count)}
    paths = make_fleet(tmp_path / "fleet", devices)
    trusted = load_trusted(paths)
    pool = ClientPool("127.0.0.1", port)
    sims = [build_device(paths, d, frozenset({"lab"}), None, trusted) for d in devices]
    for sim in sims:
        pool.attach(sim.link)
    return pool, sims


def _step_until(pool: ClientPool, done: Any, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, "the pool made no progress"
        pool.step(0.02)
        pool.housekeeping()


def test_simulator_pool_retries_refused_connections_on_the_backoff(tmp_path: Path) -> None:
    pool, sims = _pool_with_devices(tmp_path, free_port(), 5)  # nothing listens there
    pool.MAX_OPENING = 2  # more devices than slots: the rest wait their turn
    for sim in sims:
        pool.connect(sim.link)
    _step_until(pool, lambda: all(s.link.failed_attempts >= 2 for s in sims))
    assert all(s.link.connects == 0 and s.link.client._sock is None for s in sims)


def test_simulator_pool_gives_up_a_handshake_the_broker_never_answers(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts TCP (kernel backlog), never speaks TLS
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        pool, sims = _pool_with_devices(tmp_path, silent.getsockname()[1], 1)
        pool.OPEN_TIMEOUT_S = 0.2
        pool.connect(sims[0].link)
        _step_until(pool, lambda: sims[0].link.failed_attempts >= 1)
    assert sims[0].link.connects == 0
