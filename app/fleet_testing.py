"""Shipped harness for fleet tests and the bench: a fleet directory, devices, a broker.

    paths = make_fleet(tmp / "fleet", {"dev-a": (["kitchen"], "alice")})
    with PrivateBroker(paths) as broker, running_device(paths, "dev-a", broker) as dev:
        ...
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from cloud.fleet.broker import PrivateBroker
from cloud.fleet.pki import FleetPaths, init_fleet, issue_device, load_trusted
from cloud.fleet.registry import Registry
from edge.fleet.agent import PolicyAgent
from edge.fleet.link import DeviceIdentity, DeviceLink, ThreadedRunner
from edge.fleet.memory_cache import MemoryCache
from edge.fleet.store import DeviceStore


def make_fleet(root: Path, devices: dict[str, tuple[list[str], str | None]]) -> FleetPaths:
    paths = init_fleet(root)
    registry = Registry.load(paths.registry)
    for device, (groups, user) in devices.items():
        issue_device(paths, device)
        registry.add(device, groups, user)
    registry.save(paths.registry)
    return paths


def identity(paths: FleetPaths, device: str) -> DeviceIdentity:
    entry = Registry.load(paths.registry).devices[device]
    return DeviceIdentity(
        device_id=device, groups=frozenset(entry.groups), user=entry.user,
        ca=paths.ca_cert, cert=paths.client_cert(device), key=paths.client_key(device),
        trusted=load_trusted(paths),
    )


@contextlib.contextmanager
def running_device(
    paths: FleetPaths, device: str, broker: PrivateBroker, state_dir: Path | None = None,
    apply_at_once: bool = True, connect_timeout_s: float = 10.0,
) -> Iterator[DeviceLink]:
    """A device agent on paho's thread; applies policy as soon as it arrives by default
    (a device that is always between conversations)."""
    ident = identity(paths, device)
    store = DeviceStore(state_dir) if state_dir is not None else None
    agent = PolicyAgent(device, ident.groups, ident.trusted, store, lambda r: None)
    link = DeviceLink(ident, agent, MemoryCache(ident.trusted, store), store,
                      on_pending=agent.apply_pending if apply_at_once else None)
    runner = ThreadedRunner(link, broker.host, broker.port)
    runner.start()
    try:
        if not link.subscribed.wait(connect_timeout_s):
            raise TimeoutError(f"{device} did not connect\n{broker.log_text()}")
        yield link
    finally:
        runner.stop()


def wait_for(predicate: Callable[[], bool], timeout_s: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what or predicate}")
        time.sleep(0.01)
