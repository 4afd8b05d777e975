"""The home's devices over MQTT, in Home Assistant's MQTT conventions.

Each inventory device may name its topics as Home Assistant's MQTT integration does;
absent ones default per domain (object id = the name in snake case, "Porch Light" ->
"porch_light"):

    command_topic               home/<domain>/<object_id>/set
    state_topic                 home/<domain>/<object_id>/state
    temperature_command_topic   home/climate/<object_id>/temperature/set      (climate)
    current_temperature_topic   home/climate/<object_id>/current_temperature  (climate)
    fan_mode_command_topic      home/climate/<object_id>/fan_mode/set         (climate)
    set_position_topic          home/cover/<object_id>/position/set           (cover)
    percentage_command_topic    home/fan/<object_id>/percentage/set           (fan)
    start_mowing_command_topic  home/lawn_mower/<object_id>/start_mowing/set  (lawn mower)
    dock_command_topic          home/lawn_mower/<object_id>/dock/set          (lawn mower)
    send_command_topic          home/vacuum/<object_id>/send_command          (vacuum)

Payloads are Home Assistant's defaults: light = JSON schema (`{"state": "ON",
"brightness": 0-255, "color": {"r", "g", "b"}}`), switch and fan = `ON`/`OFF`, cover =
`OPEN`/`CLOSE`/`STOP`, lock = `LOCK`/`UNLOCK`, climate = the target temperature as a number,
vacuum = `start`/`return_to_base`/`stop` on its command topic and, to clean one area, Home
Assistant's `vacuum.send_command` message on its `send_command_topic`
(`{"command": "clean_area", "area": "Kitchen"}`), lawn mower = `start_mowing` and `dock` on
their own topics; positions and fan speeds are 0-100, fan modes their name.
State topics are subscribed at connect (retained states arrive at once) and their last
payload answers a `StateQuery`. Broadcasts ("tell everyone dinner is ready") go to every
Tandem device of the home on `BROADCAST_TOPIC` as `{"message": ..., "from": DEVICE_ID}`
(QoS 1, not retained: a device that is off does not hear it later); each device announces
the ones from the others (`on_broadcast`). One command = one QoS 1 message, done when the broker
acknowledges it (`edge.actions.mqtt_link`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import cast

from contract.inventory import Device, Inventory
from edge.actions.messages import (
    ActionResult,
    Broadcast,
    DeviceCommand,
    HomeAction,
    Rgb,
    StateQuery,
)
from edge.actions.mqtt_link import BrokerSettings, MqttLink, OnMqtt

log = logging.getLogger(__name__)

BROADCAST_TOPIC = "home/tandem/broadcast"
MAX_BROADCAST_CHARS = 500  # a spoken announcement, not a document
_ON_OFF = {"turn_on": "ON", "turn_off": "OFF"}
PAYLOADS: dict[str, dict[str, str]] = {  # plain-text payloads per domain and command
    "switch": _ON_OFF,
    "fan": _ON_OFF,
    "cover": {"open": "OPEN", "close": "CLOSE", "stop": "STOP"},
    "lock": {"lock": "LOCK", "unlock": "UNLOCK"},
    "vacuum": {"start": "start", "return_to_base": "return_to_base", "stop": "stop"},
}
# Commands with a topic of their own: command -> (topic key, domain, default suffix).
_OWN_TOPIC = {
    "set_temperature": ("temperature_command_topic", "climate", "temperature/set"),
    "set_fan_mode": ("fan_mode_command_topic", "climate", "fan_mode/set"),
    "set_position": ("set_position_topic", "cover", "position/set"),
    "set_percentage": ("percentage_command_topic", "fan", "percentage/set"),
    "start_mowing": ("start_mowing_command_topic", "lawn_mower", "start_mowing/set"),
    "dock": ("dock_command_topic", "lawn_mower", "dock/set"),
    "clean_area": ("send_command_topic", "vacuum", "send_command"),
}


def object_id(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")


def topic_of(device: Device, key: str) -> str:
    """The device's own topic for `key`, else the documented default."""
    given = device.topic(key)
    if given is not None:
        return given
    base = f"home/{device.domain}/{object_id(device.name)}"
    if key == "command_topic":
        return f"{base}/set"
    if key == "state_topic":
        return f"{base}/state"
    if key == "current_temperature_topic":
        return f"{base}/current_temperature"
    return f"{base}/" + next(suffix for k, _, suffix in _OWN_TOPIC.values() if k == key)


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
            r, g, b = cast(Rgb, command.value)
            body["color"] = {"r": r, "g": g, "b": b}
        elif command.command not in ("turn_on", "turn_off"):
            raise Unsupported(f"a light cannot {command.command.replace('_', ' ')}")
        return topic_of(device, "command_topic"), json.dumps(body, separators=(",", ":"))
    own = _OWN_TOPIC.get(command.command)
    if own is not None:
        key, domain, _ = own
        if device.domain != domain or command.value is None and domain != "lawn_mower":
            raise Unsupported(f"a {device.domain} cannot {command.command.replace('_', ' ')}")
        value = command.value
        if command.command == "clean_area":  # vacuum.send_command with its parameters
            body = {"command": "clean_area", "area": value}
            return topic_of(device, key), json.dumps(body, separators=(",", ":"))
        payload_text = (command.command if domain == "lawn_mower"
                        else f"{value:g}" if isinstance(value, int | float) else str(value))
        return topic_of(device, key), payload_text
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


class HomeMqttBackend(OnMqtt):
    """Executes device actions on the home's broker; blocking calls (run off the loop)."""

    def __init__(self, inventory: Inventory, settings: BrokerSettings) -> None:
        self._devices, watch = _devices_and_state_topics(inventory)
        self.link = MqttLink(settings, [*watch, BROADCAST_TOPIC], self._heard)
        self._on_broadcast: Callable[[str, str], None] | None = None

    def use_inventory(self, inventory: Inventory) -> None:
        """A fleet policy brought another inventory: its devices, its topics."""
        self._devices, watch = _devices_and_state_topics(inventory)
        self.link.watch([*watch, BROADCAST_TOPIC])

    def on_broadcast(self, listener: Callable[[str, str], None]) -> None:
        """`listener(message, origin)` for each broadcast heard (called on paho's thread)."""
        self._on_broadcast = listener

    def _heard(self, topic: str, payload: bytes) -> None:
        if topic != BROADCAST_TOPIC or self._on_broadcast is None:
            return
        try:
            body = json.loads(payload)
            message, origin = str(body["message"]).strip(), str(body["from"])
        except (ValueError, TypeError, KeyError):
            log.warning("ignored a malformed broadcast on %s (%d bytes)", topic, len(payload))
            return
        if message:
            self._on_broadcast(message[:MAX_BROADCAST_CHARS], origin)

    def execute(self, action: HomeAction, timeout_s: float) -> ActionResult:
        if isinstance(action, Broadcast):
            body = {"message": action.message[:MAX_BROADCAST_CHARS], "from": action.origin}
            return self.link.send(BROADCAST_TOPIC, json.dumps(body), timeout_s, "home broker")
        device = self._devices.get(action.device)
        if device is None:
            return ActionResult(False, "it is not in this home's inventory")
        if isinstance(action, StateQuery):
            key = "current_temperature_topic" if action.attribute == "current_temperature" \
                else "state_topic"
            payload = self.link.last.get(topic_of(device, key))
            if payload is None:
                return ActionResult(False, "it has not reported its state")
            return ActionResult(True, state=state_value(device, payload))
        try:
            topic, payload_text = command_message(device, action)
        except Unsupported as exc:
            return ActionResult(False, str(exc))
        return self.link.send(topic, payload_text, timeout_s, "home broker")


def _devices_and_state_topics(inventory: Inventory) -> tuple[dict[str, Device], list[str]]:
    watch = []
    for device in inventory.devices:
        watch.append(topic_of(device, "state_topic"))
        if device.domain == "climate":
            watch.append(topic_of(device, "current_temperature_topic"))
    return {d.name: d for d in inventory.devices}, watch
