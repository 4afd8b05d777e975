"""One device's MQTT session: mTLS identity, presence generations, policy and memory topics.

On every (re)connect, in this order (the Azure twin reconnect contract):
  1. subscribe to its own policy topic, its groups' policy topics, its own
     presence topic and its user's memory topic;
  2. the broker then sends the retained (full, current) documents; the agent
     ignores any version not newer than the applied one;
  3. it publishes its birth and re-sends its last report, since a broker that
     crashed may have lost both. No extra delay here: the reconnects themselves
     are already spread by the backoff's jitter (`edge.fleet.backoff`).
The last will carries the same session generation as the birth; if a stale
will from an older session ever lands on the retained presence topic, the
device sees it (it subscribes to its own presence) and publishes its birth again.

`DeviceLink` only wires callbacks; who drives the socket is up to the runner:
`ThreadedRunner` (paho's own thread, for the daemon and tests) or
`app.fleet_sim.ClientPool` (hundreds of clients on one thread, for the bench).
Both retry the broker on the link's `Backoff`, told through `on_link_down`.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from contract.fleet import names
from contract.fleet.report import Presence, Report, now
from contract.fleet.signing import TrustedKeys
from edge.fleet.agent import PolicyAgent
from edge.fleet.backoff import Backoff
from edge.fleet.memory_cache import MemoryCache
from edge.fleet.store import DeviceStore, wall_ms


@dataclass(frozen=True)
class DeviceIdentity:
    device_id: str
    groups: frozenset[str]
    user: str | None
    ca: Path
    cert: Path
    key: Path
    trusted: TrustedKeys

    def tls_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(self.ca))
        ctx.load_cert_chain(str(self.cert), str(self.key))
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        return ctx


def make_client(client_id: str, ctx: ssl.SSLContext,
                client_class: type[mqtt.Client] = mqtt.Client) -> mqtt.Client:
    client = client_class(
        CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311,
        clean_session=True,
    )
    client.tls_set_context(ctx)
    client.max_inflight_messages_set(100)
    client.max_queued_messages_set(1000)
    return client


class DeviceLink:
    def __init__(
        self,
        identity: DeviceIdentity,
        agent: PolicyAgent,
        memory: MemoryCache | None = None,
        store: DeviceStore | None = None,
        on_pending: Callable[[], object] | None = None,
        backoff: Backoff | None = None,
        client_class: type[mqtt.Client] = mqtt.Client,
    ) -> None:
        self.identity = identity
        self.agent = agent
        self.memory = memory
        self.store = store
        self.on_pending = on_pending
        self.backoff = backoff or Backoff()
        self.failed_attempts = 0  # since the last successful CONNACK
        # The runner's hook: the link is down, try again after this many seconds.
        self.on_link_down: Callable[[float], None] | None = None
        self.generation = 0
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.connects = 0
        self.tls = identity.tls_context()
        self.client = make_client(identity.device_id, self.tls, client_class)
        self.client.on_pre_connect = self._on_pre_connect
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect
        self.client.on_connect_fail = lambda client, userdata: self.link_down()
        agent.publish_report = self.publish_report

    # -- topics ---------------------------------------------------------------------

    def subscriptions(self) -> list[tuple[str, int]]:
        ident = self.identity
        topics = [names.device_policy(ident.device_id), names.device_presence(ident.device_id)]
        topics += [names.group_policy(g) for g in sorted(ident.groups)]
        if ident.user:
            topics.append(names.user_memory(ident.user))
        # QoS 0: every topic holds a retained full document, which the broker sends again
        # on each (clean) reconnect; that, not a PUBACK, is what recovers a lost delivery.
        return [(t, 0) for t in topics]

    # -- paho callbacks (the runner's thread) ------------------------------------------

    def _on_pre_connect(self, client: mqtt.Client, userdata: Any) -> None:
        # A new session generation for every connection attempt, persisted first.
        self.generation = (self.store.next_generation() if self.store
                           else max(self.generation + 1, wall_ms()))
        will = Presence(self.identity.device_id, False, self.generation, now())
        client.will_set(names.device_presence(self.identity.device_id), will.to_bytes(), 1, True)

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any,
                    properties: Any) -> None:
        if reason.is_failure:
            return
        self.connects += 1
        self.failed_attempts = 0
        self.connected.set()
        client.subscribe(self.subscriptions())

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any,
                      properties: Any) -> None:
        self.subscribed.set()
        self._publish_birth()
        self.agent.announce(self.generation)

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any,
                       properties: Any) -> None:
        self.connected.clear()
        self.subscribed.clear()
        self.link_down()

    def link_down(self) -> None:
        """A connection was lost or an attempt failed: ask the runner to retry later."""
        delay = self.backoff.delay(self.failed_attempts)
        self.failed_attempts += 1
        if self.on_link_down is not None:
            self.on_link_down(delay)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        topic, payload = msg.topic, bytes(msg.payload)
        if topic.endswith("/policy"):
            self.agent.offer(payload, retained=bool(msg.retain))
            if self.agent.has_pending and self.on_pending is not None:
                self.on_pending()
        elif topic.endswith("/presence"):
            self._check_presence(payload, retained=bool(msg.retain))
        elif topic.endswith("/memory") and self.memory is not None:
            self.memory.offer(payload, user=self.identity.user)

    # -- publishing -------------------------------------------------------------------

    def _publish_birth(self) -> None:
        birth = Presence(self.identity.device_id, True, self.generation, now())
        self.client.publish(names.device_presence(self.identity.device_id), birth.to_bytes(), 1,
                            True)

    def _check_presence(self, payload: bytes, retained: bool) -> None:
        if retained:
            return  # stored before we subscribed; the birth we sent since supersedes it
        try:
            seen = Presence.from_bytes(payload)
        except (ValueError, KeyError, TypeError):
            return
        if self.connected.is_set() and seen.generation < self.generation:
            # An older session's will landed after our birth: say we are here again.
            # Our own generation's death is our goodbye: leave it.
            self._publish_birth()

    def say_goodbye(self) -> mqtt.MQTTMessageInfo:
        """Before a clean disconnect (which discards the will): publish our own death."""
        death = Presence(self.identity.device_id, False, self.generation, now())
        return self.client.publish(names.device_presence(self.identity.device_id),
                                   death.to_bytes(), 1, True)

    def publish_report(self, report: Report) -> None:
        self.client.publish(names.device_report(self.identity.device_id), report.to_bytes(), 1,
                            True)


class ThreadedRunner:
    """Drive one DeviceLink with paho's network thread (reconnects by itself)."""

    def __init__(self, link: DeviceLink, host: str, port: int) -> None:
        self.link = link
        self.host = host
        self.port = port

    def start(self) -> None:
        client = self.link.client
        # paho waits its minimum delay before each retry: set it to the next jittered one.
        self.link.on_link_down = lambda delay: client.reconnect_delay_set(delay, delay)  # type: ignore[arg-type]  # floats work
        client.connect_async(self.host, self.port, keepalive=30)
        client.loop_start()

    def stop(self) -> None:
        client = self.link.client
        if self.link.connected.is_set():
            info = self.link.say_goodbye()
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(2.0)
        client.disconnect()
        client.loop_stop()
        if self.link.store is not None:
            self.link.store.release_generations()

    def __enter__(self) -> ThreadedRunner:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
