"""The operator's MQTT session: publish documents, watch every device's report and presence.

Reports and presence are retained, so subscribing gives the whole fleet's
current state; `sync()` waits until the broker has delivered all of it (a
round trip on a private topic, which the broker orders after the retained
messages of the earlier subscriptions).
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from cloud.fleet.pki import FleetPaths
from contract.fleet import names
from contract.fleet.report import Presence, Report


class OperatorError(Exception):
    pass


def service_tls(paths: FleetPaths, identity: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(paths.ca_cert))
    ctx.load_cert_chain(str(paths.client_cert(identity)), str(paths.client_key(identity)))
    return ctx


class OperatorLink:
    def __init__(self, paths: FleetPaths, host: str, port: int,
                 identity: str = names.OPERATOR, watch: bool = True) -> None:
        self.host, self.port = host, port
        self.watch = watch
        self.reports: dict[str, Report] = {}
        self.presence: dict[str, Presence] = {}
        self.on_report: Callable[[Report, float], None] | None = None
        self.on_reconnect: Callable[[], None] | None = None
        self.connected = threading.Event()
        self.connects = 0
        self._started = False
        self._lock = threading.Lock()
        self._sync_topic = f"{names.ROOT}/operator/sync/{uuid.uuid4().hex}"
        self._synced: dict[str, threading.Event] = {}
        self._last_payload: dict[str, bytes] = {}  # topic -> bytes last seen there
        client = mqtt.Client(CallbackAPIVersion.VERSION2,
                             client_id=f"{identity}-{uuid.uuid4().hex[:8]}",
                             protocol=mqtt.MQTTv311, clean_session=True)
        client.tls_set_context(service_tls(paths, identity))
        client.max_inflight_messages_set(1000)
        client.max_queued_messages_set(0)
        client.reconnect_delay_set(0.25, 1)  # type: ignore[arg-type]  # floats work
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self.client = client

    # -- lifecycle ---------------------------------------------------------------------

    def start(self, timeout_s: float = 10.0) -> OperatorLink:
        if self._started:
            return self
        self._started = True
        self.client.connect_async(self.host, self.port, keepalive=20)
        self.client.loop_start()
        if not self.connected.wait(timeout_s):
            self.stop()
            raise OperatorError(f"cannot connect to the broker at {self.host}:{self.port} "
                                f"within {timeout_s:g} s (is `tandem fleet broker` running?)")
        return self

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.client.disconnect()
        self.client.loop_stop()

    def __enter__(self) -> OperatorLink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- callbacks ----------------------------------------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any,
                    properties: Any) -> None:
        if reason.is_failure:
            return
        topics = [(self._sync_topic + "/#", 1)]
        if self.watch:
            # QoS 0: reports and presence are retained, so every resubscribe brings the
            # whole fleet's state again; QoS 1 only added a PUBACK per message and capped
            # deliveries at the broker's in-flight window (reports queued behind it).
            topics += [(names.ALL_REPORTS, 0), (names.ALL_PRESENCE, 0)]
        client.subscribe(topics)
        self.connects += 1
        first = not self.connected.is_set() and self.connects == 1
        self.connected.set()
        if not first and self.on_reconnect is not None:
            self.on_reconnect()

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any,
                       properties: Any) -> None:
        self.connected.clear()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        received = time.monotonic()
        topic = msg.topic
        if topic.startswith(self._sync_topic):
            event = self._synced.pop(topic, None)
            if event is not None:
                event.set()
            return
        device = names.device_of(topic)
        if device is None or not msg.payload:
            return
        payload = bytes(msg.payload)
        if self._last_payload.get(topic) == payload:
            return  # a retained copy we already hold (re-sent on every resubscribe)
        self._last_payload[topic] = payload
        try:
            if topic.endswith("/report"):
                report = Report.from_bytes(payload)
                with self._lock:
                    known = self.reports.get(device)
                    if known is not None and (report.generation, report.at) < (
                            known.generation, known.at):
                        return  # an older copy (e.g. restored by a restarted broker)
                    self.reports[device] = report
                if self.on_report is not None:
                    self.on_report(report, received)
            elif topic.endswith("/presence"):
                presence = Presence.from_bytes(payload)
                with self._lock:
                    if presence.supersedes(self.presence.get(device)):
                        self.presence[device] = presence
        except (ValueError, KeyError, TypeError):
            return  # a device's garbage is its own problem; it shows as "no report"

    # -- operations ----------------------------------------------------------------------

    def sync(self, timeout_s: float = 10.0) -> None:
        """Return once every retained report and presence has been received."""
        topic = f"{self._sync_topic}/{uuid.uuid4().hex}"
        event = threading.Event()
        self._synced[topic] = event
        self.client.publish(topic, b"sync", qos=1)
        if not event.wait(timeout_s):
            raise OperatorError(f"the broker did not answer within {timeout_s:g} s")

    def publish(self, topic: str, payload: bytes, retain: bool = True,
                wait_s: float | None = None) -> mqtt.MQTTMessageInfo:
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        if wait_s is not None:
            info.wait_for_publish(wait_s)
        return info

    def online(self, device: str) -> bool:
        presence = self.presence.get(device)
        return presence is not None and presence.online
