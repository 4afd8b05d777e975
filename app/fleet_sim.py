"""Many simulated devices in one process: paho clients driven by one selector loop.

A thread per paho client does not scale to a thousand devices on two cores, so
`ClientPool` uses paho's external-loop API (socket open/close and write-interest
callbacks, `loop_read` / `loop_write` / `loop_misc`) with one `selectors` loop.
TLS sockets may hold decrypted bytes the kernel no longer reports as readable,
so reads continue while `SSLSocket.pending()` says there is more.

paho opens its socket inside `reconnect()` and blocks in the TLS handshake. After
a broker restart a thousand of those in a row leave the simulator idle while the
broker works, so the pool runs handshakes non-blocking on the same selector (a
bounded number at a time) and hands paho the finished socket (`PooledClient`).

`run_sim` is the entry point of one simulator process (multiprocessing, spawn).
Simulated devices are always between conversations: they apply at once.
"""

from __future__ import annotations

import contextlib
import errno
import heapq
import itertools
import selectors
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from cloud.fleet.pki import FleetPaths, load_trusted
from edge.fleet.agent import PolicyAgent
from edge.fleet.link import DeviceIdentity, DeviceLink
from edge.fleet.store import DeviceStore


class PooledClient(mqtt.Client):
    """A paho client that takes the socket its pool connected (TLS included), if any."""

    handed: ssl.SSLSocket | None = None

    def _create_socket(self) -> Any:  # paho-mqtt is pinned: this private hook is stable
        sock, self.handed = self.handed, None
        return sock if sock is not None else super()._create_socket()


@dataclass
class _Opening:
    """A connection the pool is opening for a link: TCP first, then the TLS handshake."""

    link: DeviceLink
    tcp: socket.socket
    deadline: float
    tls: ssl.SSLSocket | None = None  # once TCP is up

    @property
    def sock(self) -> socket.socket:
        return self.tls or self.tcp


class ClientPool:
    # Handshakes in flight at once: keeps the broker busy, and stays well below
    # Mosquitto's listen backlog (100) so no SYN is dropped (a 1 s retransmit).
    MAX_OPENING = 16
    OPEN_TIMEOUT_S = 10.0

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.sel = selectors.DefaultSelector()
        self.links: list[DeviceLink] = []
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._opening: dict[DeviceLink, _Opening] = {}
        self._waiting: dict[DeviceLink, None] = {}  # in arrival order
        # Links with packets queued: written at the end of each step. Only a socket whose
        # buffer is full gets write interest on the selector (two syscalls per packet saved).
        self._to_flush: set[DeviceLink] = set()
        self._write_armed: set[DeviceLink] = set()

    def schedule(self, delay: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (time.monotonic() + delay, next(self._seq), fn))

    def attach(self, link: DeviceLink) -> None:
        client = link.client
        link.on_link_down = lambda delay: self.schedule(delay, lambda: self.connect(link))
        client.on_socket_open = lambda c, u, sock: self._watch(sock, link)
        client.on_socket_close = lambda c, u, sock: self._closed(sock, link)
        client.on_socket_register_write = lambda c, u, sock: self._to_flush.add(link)
        client.on_socket_unregister_write = lambda c, u, sock: self._written(sock, link)
        self.links.append(link)

    def _watch(self, sock: Any, link: DeviceLink) -> None:
        self.sel.register(sock, selectors.EVENT_READ, link)

    def _forget(self, sock: Any) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self.sel.unregister(sock)

    def _closed(self, sock: Any, link: DeviceLink) -> None:
        self._forget(sock)
        self._to_flush.discard(link)
        self._write_armed.discard(link)

    def _written(self, sock: Any, link: DeviceLink) -> None:
        self._to_flush.discard(link)
        if link in self._write_armed:
            self._write_armed.discard(link)
            with contextlib.suppress(KeyError, ValueError):
                self.sel.modify(sock, selectors.EVENT_READ, link)

    def _flush(self) -> None:
        while self._to_flush:
            link = self._to_flush.pop()
            client = link.client
            client.loop_write()
            sock = client._sock  # noqa: SLF001
            if sock is not None and client.want_write() and link not in self._write_armed:
                self._write_armed.add(link)  # the socket buffer is full: wait until writable
                with contextlib.suppress(KeyError, ValueError):
                    self.sel.modify(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, link)

    # -- opening connections: non-blocking TCP connect and TLS handshake --------------

    def connect(self, link: DeviceLink) -> None:
        """One attempt; on failure the link's backoff retries."""
        if link.client._sock is not None or link in self._opening or link in self._waiting:  # noqa: SLF001
            return
        if len(self._opening) >= self.MAX_OPENING:
            self._waiting[link] = None
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        code = sock.connect_ex((self.host, self.port))
        if code not in (0, errno.EINPROGRESS):
            sock.close()
            link.link_down()
            return
        opening = _Opening(link, sock, time.monotonic() + self.OPEN_TIMEOUT_S)
        self._opening[link] = opening
        self.sel.register(sock, selectors.EVENT_WRITE, opening)

    def _advance(self, opening: _Opening) -> None:
        """The socket is ready: finish TCP, then step the handshake; hand it to paho when done."""
        try:
            if opening.tls is None:
                code = opening.tcp.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code:
                    raise ConnectionError(code, errno.errorcode.get(code, str(code)))
                self.sel.unregister(opening.tcp)  # wrapping replaces the socket object
                opening.tls = opening.link.tls.wrap_socket(
                    opening.tcp, server_hostname=self.host, do_handshake_on_connect=False)
                self.sel.register(opening.tls, selectors.EVENT_READ, opening)
            opening.tls.do_handshake()
        except ssl.SSLWantReadError:
            self.sel.modify(opening.sock, selectors.EVENT_READ, opening)
            return
        except ssl.SSLWantWriteError:
            self.sel.modify(opening.sock, selectors.EVENT_WRITE, opening)
            return
        except OSError:  # refused, reset, or a TLS alert
            self._abandon(opening)
            return
        self._close_opening(opening, keep_socket=True)
        client = opening.link.client
        assert isinstance(client, PooledClient)
        client.handed = opening.tls
        try:
            if opening.link.connects == 0:
                client.connect(self.host, self.port, keepalive=60)
            else:
                client.reconnect()
        except OSError:
            opening.link.link_down()

    def _abandon(self, opening: _Opening) -> None:
        self._close_opening(opening, keep_socket=False)
        opening.link.link_down()

    def _close_opening(self, opening: _Opening, keep_socket: bool) -> None:
        self._forget(opening.sock)
        if not keep_socket:
            opening.sock.close()
        del self._opening[opening.link]
        while self._waiting and len(self._opening) < self.MAX_OPENING:
            link = next(iter(self._waiting))
            del self._waiting[link]
            self.connect(link)

    def step(self, timeout: float) -> None:
        if self._timers:
            timeout = min(timeout, max(0.0, self._timers[0][0] - time.monotonic()))
        for key, mask in self.sel.select(timeout):
            if isinstance(key.data, _Opening):
                self._advance(key.data)
                continue
            client = key.data.client
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
        self._flush()

    def housekeeping(self) -> None:
        """Keepalive pings (and paho's check for a silent broker); give up stuck openings."""
        now = time.monotonic()
        for opening in [o for o in self._opening.values() if o.deadline < now]:
            self._abandon(opening)
        for link in self.links:
            if link.client._sock is not None:  # noqa: SLF001
                link.client.loop_misc()


@dataclass
class SimDevice:
    """One simulated device and what the bench reads back from it."""

    link: DeviceLink
    applied: list[int] = field(default_factory=list)  # versions, in the order applied
    connected_at: list[float] = field(default_factory=list)  # monotonic time of each CONNACK

    @property
    def applied_out_of_order(self) -> bool:
        return any(b <= a for a, b in itertools.pairwise(self.applied))


def build_device(paths: FleetPaths, device: str, groups: frozenset[str], state: Path | None,
                 trusted: Any) -> SimDevice:
    ident = DeviceIdentity(device, groups, None, paths.ca_cert, paths.client_cert(device),
                           paths.client_key(device), trusted)
    store = DeviceStore(state / device) if state is not None else None
    agent = PolicyAgent(device, groups, trusted, store, lambda r: None)

    def apply_now() -> None:
        signed = agent.apply_pending()
        if signed is not None:
            sim.applied.append(signed.policy.version)

    sim = SimDevice(DeviceLink(ident, agent, None, store, on_pending=apply_now,
                               client_class=PooledClient))
    on_connect = sim.link.client.on_connect
    assert on_connect is not None

    def timed_on_connect(*args: Any) -> None:
        sim.connected_at.append(time.monotonic())
        on_connect(*args)

    sim.link.client.on_connect = timed_on_connect
    return sim


def run_sim(root: str, devices: list[str], group: str, host: str, port: int, state: str | None,
            ready: Any, stop: Any, results: Any) -> None:
    """One simulator process: connect every device, run until `stop`, report counters."""
    paths = FleetPaths(Path(root))
    trusted = load_trusted(paths)
    pool = ClientPool(host, port)
    started = time.monotonic()
    sims: list[SimDevice] = []
    for device in devices:
        sims.append(build_device(paths, device, frozenset({group}),
                                 Path(state) if state else None, trusted))
        pool.attach(sims[-1].link)
        pool.connect(sims[-1].link)
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
    results.put({
        "devices": len(devices),
        "applied": sum(s.link.agent.stats.applied for s in sims),
        "rejected": sum(s.link.agent.stats.rejected for s in sims),
        "ignored_stale": sum(s.link.agent.stats.ignored_stale for s in sims),
        "connects": sum(s.link.connects for s in sims),
        "stale_applied": sum(1 for s in sims if s.applied_out_of_order),
        "applied_versions": {s.link.identity.device_id: s.link.agent.applied_version
                             for s in sims},
        "connected_at": {s.link.identity.device_id: s.connected_at for s in sims},
    })
    for link in pool.links:
        if link.client._sock is not None:  # noqa: SLF001
            link.client.disconnect()
            link.client.loop_write()


__all__ = ["ClientPool", "PooledClient", "SimDevice", "mqtt", "run_sim"]
