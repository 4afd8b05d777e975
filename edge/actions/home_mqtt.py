"""The home's devices over MQTT, in Home Assistant's MQTT conventions.

Each inventory device may name its topics as Home Assistant's MQTT integration does;
absent ones default per domain (object id = the name in snake case, "Porch Light" ->
"porch_light"):

    command_topic              home/<domain>/<object_id>/set
    state_topic                home/<domain>/<object_id>/state
    temperature_command_topic  home/climate/<object_id>/temperature/set     (climate)
    current_temperature_topic  home/climate/<object_id>/current_temperature (climate)

Payloads are Home Assistant's defaults: light = JSON schema (`{"state": "ON",
"brightness": 0-255, "color": {"r", "g", "b"}}`), switch and fan = `ON`/`OFF`, cover =
`OPEN`/`CLOSE`/`STOP`, lock = `LOCK`/`UNLOCK`, climate = the target temperature as a number.
State topics are subscribed at connect (retained states arrive at once) and their last
payload answers a `StateQuery`. One command = one QoS 1 message, done when the broker
acknowledges it; nothing is sent while disconnected (paho would queue it and act late).
"""

from __future__ import annotations

import json
import re
import ssl
import threading
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from edge.actions.messages import ActionResult, DeviceCommand, HomeAction, StateQuery
from edge.inventory import Device, Inventory

_ON_OFF = {"turn_on": "ON", "turn_off": "OFF"}
PAYLOADS: dict[str, dict[str, str]] = {  # plain-text payloads per domain and command
    "switch": _ON_OFF,
    "fan": _ON_OFF,
    "cover": {"open": "OPEN", "close": "CLOSE", "stop": "STOP"},
    "lock": {"lock": "LOCK", "unlock": "UNLOCK"},
}


def object_id(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")


def topic_of(device: Device, key: str) -> str:
    """The device's own topic for `key`, else the documented default."""
    given = device.topic(key)
    if given is not None:
        return given
    oid = object_id(device.name)
    return {
        "command_topic": f"home/{device.domain}/{oid}/set",
        "state_topic": f"home/{device.domain}/{oid}/state",
        "temperature_command_topic": f"home/climate/{oid}/temperature/set",
        "current_temperature_topic": f"home/climate/{oid}/current_temperature",
    }[key]


def topic_problem(topic: str) -> str | None:
    """Why `topic` cannot name one MQTT topic, or None."""
    if not topic:
        return "is empty"
    if "+" in topic or "#" in topic:
        return "contains a wildcard (+ or #)"
    if "\0" in topic or len(topic.encode()) > 65535:
        return "is not a valid MQTT topic name"
    return None


class Unsupported(ValueError):
    """The device's domain has no such command."""


def command_message(device: Device, command: DeviceCommand) -> tuple[str, str]:
    """The (topic, payload) Home Assistant's conventions give this command."""
    if device.domain == "light":
        body: dict[str, object] = {"state": "OFF" if command.command == "turn_off" else "ON"}
        if command.command == "set_brightness":
            percent = max(0, min(100, int(command.value or 0)))  # type: ignore[arg-type]
            body = {"state": "ON", "brightness": round(percent * 255 / 100)} if percent else {
                "state": "OFF"}
        elif command.command == "set_color":
            r, g, b = command.value  # type: ignore[misc]
            body["color"] = {"r": r, "g": g, "b": b}
        elif command.command not in ("turn_on", "turn_off"):
            raise Unsupported(f"a light cannot {command.command}")
        return topic_of(device, "command_topic"), json.dumps(body, separators=(",", ":"))
    if device.domain == "climate":
        if command.command != "set_temperature" or command.value is None:
            raise Unsupported(f"a thermostat here can only set its temperature, not "
                              f"{command.command}")
        return topic_of(device, "temperature_command_topic"), f"{command.value:g}"
    payload = PAYLOADS.get(device.domain, {}).get(command.command)
    if payload is None:
        raise Unsupported(f"a {device.domain} cannot {command.command.replace('_', ' ')}")
    return topic_of(device, "command_topic"), payload


def state_value(device: Device, payload: bytes | bytearray) -> str:
    """A state payload as words: a JSON light's "state" field, else the payload itself."""
    text = bytes(payload).decode("utf-8", errors="replace").strip()
    if device.domain == "light" and text.startswith("{"):
        try:
            return str(json.loads(text).get("state", "")).lower()
        except (ValueError, AttributeError):
            return ""
    return text.lower()


@dataclass(frozen=True)
class HomeBrokerSettings:
    host: str
    port: int = 1883
    tls_ca: str | None = None  # a CA file: TLS to the broker (plain TCP without)
    username: str | None = None
    password: str | None = None
    client_id: str = "tandem-edge"

    @classmethod
    def parse(cls, target: str, **kw: object) -> HomeBrokerSettings:
        host, sep, port = target.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"home broker {target!r} is not HOST:PORT (e.g. 192.168.1.5:1883)")
        return cls(host, int(port), **kw)  # type: ignore[arg-type]


class HomeMqttBackend:
    """Executes device actions on the home's broker; blocking calls (run off the loop)."""

    def __init__(self, inventory: Inventory, settings: HomeBrokerSettings) -> None:
        self.settings = settings
        self._devices = {d.name: d for d in inventory.devices}
        self._states: dict[str, str] = {}  # topic -> last payload, as words
        self._watch: dict[str, Device] = {}  # state topic -> device
        for device in inventory.devices:
            keys = ["state_topic"] + (["current_temperature_topic"]
                                      if device.domain == "climate" else [])
            for key in keys:
                topic = topic_of(device, key)
                if topic_problem(topic) is None:
                    self._watch[topic] = device
        self._connected = threading.Event()
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=settings.client_id)
        if settings.tls_ca:
            client.tls_set(ca_certs=settings.tls_ca, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        if settings.username:
            client.username_pw_set(settings.username, settings.password)
        client.reconnect_delay_set(1, 30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client

    # -- connection (paho's thread) --------------------------------------------------------

    def start(self) -> None:
        """Connect in the background; actions fail with a clear reason until connected."""
        self._client.connect_async(self.settings.host, self.settings.port, keepalive=30)
        self._client.loop_start()

    def wait_connected(self, timeout_s: float) -> bool:
        return self._connected.wait(timeout_s)

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client: mqtt.Client, _u: object, _f: object,
                    reason: mqtt.ReasonCode, _p: object) -> None:
        if reason.is_failure:
            return
        if self._watch:
            client.subscribe([(topic, 0) for topic in self._watch])
        self._connected.set()

    def _on_disconnect(self, *_args: object) -> None:
        self._connected.clear()

    def _on_message(self, _c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        device = self._watch.get(message.topic)
        if device is not None:
            self._states[message.topic] = state_value(device, message.payload)

    # -- actions (worker threads) ----------------------------------------------------------

    def execute(self, action: HomeAction, timeout_s: float) -> ActionResult:
        device = self._devices.get(action.device)
        if device is None:
            return ActionResult(False, "it is not in this home's inventory")
        if isinstance(action, StateQuery):
            key = "current_temperature_topic" if action.attribute == "current_temperature" \
                else "state_topic"
            state = self._states.get(topic_of(device, key))
            if state is None:
                return ActionResult(False, "it has not reported its state")
            return ActionResult(True, state=state)
        try:
            topic, payload = command_message(device, action)
        except Unsupported as exc:
            return ActionResult(False, str(exc))
        problem = topic_problem(topic)
        if problem is not None:
            return ActionResult(False, f"its topic {topic!r} {problem}")
        if not self._connected.is_set():
            where = f"{self.settings.host}:{self.settings.port}"
            return ActionResult(False, f"the home broker at {where} is not connected")
        info = self._client.publish(topic, payload, qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            reason = mqtt.error_string(info.rc)
            return ActionResult(False, f"the broker refused the message ({reason})")
        try:
            info.wait_for_publish(timeout_s)
        except (RuntimeError, ValueError) as exc:
            return ActionResult(False, f"the message was not sent ({exc})")
        if not info.is_published():
            return ActionResult(False, "the home broker did not acknowledge the command in time")
        return ActionResult(True)
