"""One MQTT connection for a backend: watched state topics and acknowledged commands.

Shared by the home's devices and the car's head unit. paho runs the connection on its own
thread and reconnects by itself; the last payload of every watched topic is kept (retained
states arrive on subscribe); `send` publishes one QoS 1 message and returns once the broker
acknowledged it. Nothing is sent while disconnected: paho would queue it and act late.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from contract.ports import host_port
from edge.actions.messages import ActionResult


@dataclass(frozen=True)
class BrokerSettings:
    host: str
    port: int = 1883
    tls_ca: str | None = None  # a CA file: TLS to the broker (plain TCP without)
    username: str | None = None
    password: str | None = None
    client_id: str = "tandem-edge"

    @classmethod
    def parse(cls, target: str, **kw: object) -> BrokerSettings:
        host, port = host_port(target, "broker")
        return cls(host, port, **kw)  # type: ignore[arg-type]

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def topic_problem(topic: str) -> str | None:
    """Why `topic` cannot name one MQTT topic to publish to, or None."""
    if not topic:
        return "is empty"
    if "+" in topic or "#" in topic:
        return "contains a wildcard (+ or #)"
    if "\0" in topic or len(topic.encode()) > 65535:
        return "is not a valid MQTT topic name"
    return None


class MqttLink:
    def __init__(self, settings: BrokerSettings, watch: Iterable[str] = (),
                 on_message: Callable[[str, bytes], None] | None = None) -> None:
        self.settings = settings
        self.watched = frozenset(t for t in watch if topic_problem(t) is None)
        self.last: dict[str, bytes] = {}  # watched topic -> last payload
        self.on_message = on_message  # also told of each watched message (paho's thread)
        self._connected = threading.Event()
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=settings.client_id)
        if settings.tls_ca:
            client.tls_set(ca_certs=settings.tls_ca, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        if settings.username:
            client.username_pw_set(settings.username, settings.password)
        client.reconnect_delay_set(1, 30)
        client.on_connect = self._on_connect
        client.on_disconnect = lambda *_: self._connected.clear()
        client.on_message = self._on_message
        self._client = client

    def start(self) -> None:
        """Connect in the background; sends fail with a clear reason until connected."""
        self._client.connect_async(self.settings.host, self.settings.port, keepalive=30)
        self._client.loop_start()

    def wait_connected(self, timeout_s: float) -> bool:
        return self._connected.wait(timeout_s)

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def watch(self, topics: Iterable[str]) -> None:
        """Watch these topics from now on (a new inventory): subscribe to the new ones,
        unsubscribe from the dropped ones; on a reconnect `_on_connect` resubscribes."""
        new = frozenset(t for t in topics if topic_problem(t) is None)
        added, dropped = new - self.watched, self.watched - new
        self.watched = new
        for topic in dropped:
            self.last.pop(topic, None)
        if self._connected.is_set():
            if added:
                self._client.subscribe([(topic, 0) for topic in sorted(added)])
            if dropped:
                self._client.unsubscribe(sorted(dropped))

    def _on_connect(self, client: mqtt.Client, _u: object, _f: object,
                    reason: mqtt.ReasonCode, _p: object) -> None:
        if reason.is_failure:
            return
        if self.watched:
            client.subscribe([(topic, 0) for topic in sorted(self.watched)])
        self._connected.set()

    def _on_message(self, _c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        if message.topic in self.watched:
            self.last[message.topic] = bytes(message.payload)
            if self.on_message is not None:
                self.on_message(message.topic, bytes(message.payload))

    def send(self, topic: str, payload: str, timeout_s: float, what: str = "broker"
             ) -> ActionResult:
        """One QoS 1 message; ok once the broker acknowledged it."""
        problem = topic_problem(topic)
        if problem is not None:
            return ActionResult(False, f"its topic {topic!r} {problem}")
        if not self._connected.is_set():
            return ActionResult(False, f"the {what} at {self.settings.where} is not connected")
        info = self._client.publish(topic, payload, qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            return ActionResult(False, f"the {what} refused the message "
                                       f"({mqtt.error_string(info.rc)})")
        try:
            info.wait_for_publish(timeout_s)
        except (RuntimeError, ValueError) as exc:
            return ActionResult(False, f"the message was not sent ({exc})")
        if not info.is_published():
            return ActionResult(False, f"the {what} did not acknowledge it in time")
        return ActionResult(True)


class OnMqtt:
    """A backend that lives on one MqttLink: started, awaited and closed through it."""

    link: MqttLink

    def start(self) -> None:
        self.link.start()

    def wait_connected(self, timeout_s: float) -> bool:
        return self.link.wait_connected(timeout_s)

    def close(self) -> None:
        self.link.close()
