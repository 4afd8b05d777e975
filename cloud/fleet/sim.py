"""Many simulated devices in one process: paho clients driven by one selector loop.

A thread per paho client does not scale to a thousand devices on two cores, so
`ClientPool` uses paho's external-loop API (socket open/close and write-interest
callbacks, `loop_read` / `loop_write` / `loop_misc`) with one `selectors` loop.
TLS sockets may hold decrypted bytes the kernel no longer reports as readable,
so reads continue while `SSLSocket.pending()` says there is more.

`run_sim` is the entry point of one simulator process (multiprocessing, spawn).
Simulated devices are always between conversations: they apply at once.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import random
import selectors
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from cloud.fleet.pki import FleetPaths, load_trusted
from edge.fleet.agent import PolicyAgent
from edge.fleet.link import DeviceIdentity, DeviceLink
from edge.fleet.store import DeviceStore


class ClientPool:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.sel = selectors.DefaultSelector()
        self.links: list[DeviceLink] = []
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._retry_at: dict[int, float] = {}

    def schedule(self, delay: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (time.monotonic() + delay, next(self._seq), fn))

    def attach(self, link: DeviceLink) -> None:
        client = link.client
        link._schedule = self.schedule  # noqa: SLF001 - the pool owns this link's timers
        client.on_socket_open = lambda c, u, sock: self._watch(sock, link)
        client.on_socket_close = lambda c, u, sock: self._forget(sock)
        client.on_socket_register_write = lambda c, u, sock: self._interest(sock, link, True)
        client.on_socket_unregister_write = lambda c, u, sock: self._interest(sock, link, False)
        self.links.append(link)

    def _watch(self, sock: Any, link: DeviceLink) -> None:
        self.sel.register(sock, selectors.EVENT_READ, link)

    def _forget(self, sock: Any) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self.sel.unregister(sock)

    def _interest(self, sock: Any, link: DeviceLink, write: bool) -> None:
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if write else 0)
        with contextlib.suppress(KeyError, ValueError):
            self.sel.modify(sock, events, link)

    def connect(self, link: DeviceLink) -> bool:
        try:
            if link.connects == 0 and link.client._sock is None:  # noqa: SLF001
                link.client.connect(self.host, self.port, keepalive=60)
            else:
                link.client.reconnect()
            return True
        except OSError:
            self._retry_at[id(link)] = time.monotonic() + random.uniform(0.2, 1.0)
            return False

    def step(self, timeout: float) -> None:
        for key, mask in self.sel.select(timeout):
            link = key.data
            client = link.client
            if mask & selectors.EVENT_WRITE:
                client.loop_write()
            if mask & selectors.EVENT_READ:
                client.loop_read()
                sock = client._sock  # noqa: SLF001
                while sock is not None and getattr(sock, "pending", lambda: 0)() > 0:
                    client.loop_read()
                    sock = client._sock  # noqa: SLF001
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, fn = heapq.heappop(self._timers)
            fn()

    def housekeeping(self) -> None:
        """Keepalive pings, and reconnects (jittered) for clients whose broker went away."""
        now = time.monotonic()
        for link in self.links:
            client = link.client
            if client._sock is None:  # noqa: SLF001
                key = id(link)
                if key not in self._retry_at:
                    self._retry_at[key] = now + random.uniform(0.1, 1.0)
                elif now >= self._retry_at[key]:
                    del self._retry_at[key]
                    self.connect(link)
            else:
                client.loop_misc()


def build_link(paths: FleetPaths, device: str, groups: frozenset[str], state: Path | None,
               trusted: Any) -> DeviceLink:
    ident = DeviceIdentity(device, groups, None, paths.ca_cert, paths.client_cert(device),
                           paths.client_key(device), trusted)
    store = DeviceStore(state / device) if state is not None else None
    agent = PolicyAgent(device, groups, trusted, store, lambda r: None)
    applied: list[int] = []

    def apply_now() -> None:
        signed = agent.apply_pending()
        if signed is not None:
            applied.append(signed.policy.version)

    link = DeviceLink(ident, agent, None, store, on_pending=apply_now, announce_jitter_s=2.0)
    link.applied_log = applied  # type: ignore[attr-defined]
    return link


def run_sim(root: str, devices: list[str], group: str, host: str, port: int, state: str | None,
            ready: Any, stop: Any, results: Any) -> None:
    """One simulator process: connect every device, run until `stop`, report counters."""
    paths = FleetPaths(Path(root))
    trusted = load_trusted(paths)
    pool = ClientPool(host, port)
    started = time.monotonic()
    for device in devices:
        link = build_link(paths, device, frozenset({group}), Path(state) if state else None,
                          trusted)
        pool.attach(link)
        pool.connect(link)
        pool.step(0)
    last_misc = 0.0
    reported_ready = False
    while not stop.is_set():
        pool.step(0.05)
        now = time.monotonic()
        if now - last_misc > 0.5:
            pool.housekeeping()
            last_misc = now
        if not reported_ready and all(link.subscribed.is_set() for link in pool.links):
            ready.put(("ready", len(devices), now - started))
            reported_ready = True
    applied = sum(link.agent.stats.applied for link in pool.links)
    results.put({
        "devices": len(devices),
        "applied": applied,
        "rejected": sum(link.agent.stats.rejected for link in pool.links),
        "ignored_stale": sum(link.agent.stats.ignored_stale for link in pool.links),
        "connects": sum(link.connects for link in pool.links),
        # Devices whose sequence of applied versions ever failed to increase.
        "stale_applied": sum(1 for link in pool.links if _not_increasing(link)),
        "applied_versions": {link.identity.device_id: link.agent.applied_version
                             for link in pool.links},
    })
    for link in pool.links:
        if link.client._sock is not None:  # noqa: SLF001
            link.client.disconnect()
            link.client.loop_write()


def _not_increasing(link: DeviceLink) -> bool:
    log: list[int] = link.applied_log  # type: ignore[attr-defined]
    return any(b <= a for a, b in itertools.pairwise(log))


__all__ = ["ClientPool", "mqtt", "run_sim"]
