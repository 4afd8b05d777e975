"""The home skill: which devices, which commands, and replies that say what really happened
(recording backend for the decisions; a real Mosquitto for the end to end)."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import paho.mqtt.client as mqtt
import pytest

from contract.inventory import Device, Inventory
from edge.actions.executor import ActionExecutor, TurnRef
from edge.actions.home_mqtt import HomeMqttBackend
from edge.actions.messages import DeviceCommand, StateQuery
from edge.actions.mqtt_link import BrokerSettings
from edge.actions.testing import RecordingBackend, home_broker
from edge.messages import Understanding
from edge.skills.home import NOT_CONNECTED, HomeSkill

HOME = Inventory(areas=("Office", "Garage", "Bedroom"), devices=(
    Device("Desk Lamp", "light", "Office"),
    Device("Office Light", "light", "Office"),
    Device("Garage Door", "cover", "Garage"),
    Device("Front Door", "lock"),
    Device("Bedroom Thermostat", "climate", "Bedroom"),
    Device("Ceiling Fan", "fan", "Bedroom"),
    Device("Rosie", "vacuum"),
))
TURN = TurnRef("dev", "sess", 1)


def _act(skill: HomeSkill, intent: str, **slots: str | int) -> str:
    return asyncio.run(skill.act(Understanding(intent, dict(slots), 1.0), TURN))


def _skill(backend: RecordingBackend) -> HomeSkill:
    return HomeSkill(HOME, ActionExecutor(backend, 0.5))


@pytest.mark.parametrize(("intent", "slots", "sent", "reply"), [
    ("HassTurnOn", {"name": "Desk Lamp"}, [DeviceCommand("Desk Lamp", "turn_on")],
     "Turned on the desk lamp."),
    ("HassTurnOff", {"area": "Office", "domain": "light"},
     [DeviceCommand("Desk Lamp", "turn_off"), DeviceCommand("Office Light", "turn_off")],
     "Turned off the office lights."),
    ("HassTurnOn", {"name": "Garage Door"}, [DeviceCommand("Garage Door", "open")],
     "Opened the garage door."),
    ("HassTurnOff", {"name": "Front Door"}, [DeviceCommand("Front Door", "unlock")],
     "Unlocked the front door."),
    ("HassLightSet", {"name": "Desk Lamp", "brightness": 40},
     [DeviceCommand("Desk Lamp", "set_brightness", 40)], "Set the desk lamp to 40 percent."),
    ("HassLightSet", {"name": "Desk Lamp", "color": "red"},
     [DeviceCommand("Desk Lamp", "set_color", (255, 0, 0))], "Set the desk lamp to red."),
    ("HassClimateSetTemperature", {"area": "Bedroom", "temperature": 21},
     [DeviceCommand("Bedroom Thermostat", "set_temperature", 21)],
     "Set the bedroom thermostat to 21 degrees."),
    ("HassSetPosition", {"name": "Garage Door", "position": 30},
     [DeviceCommand("Garage Door", "set_position", 30)], "Set the garage door to 30 percent."),
    ("HassFanSetSpeed", {"name": "Ceiling Fan", "percentage": 70},
     [DeviceCommand("Ceiling Fan", "set_percentage", 70)], "Set the ceiling fan to 70 percent."),
    ("HassVacuumReturnToBase", {}, [DeviceCommand("Rosie", "return_to_base")],
     "Sent Rosie home."),
    # The area is where to clean: the vacuum is not in the office.
    ("HassVacuumCleanArea", {"area": "Office"}, [DeviceCommand("Rosie", "clean_area", "Office")],
     "Rosie is cleaning the office."),
    ("HassVacuumCleanArea", {}, [], "Which room should I clean?"),
])
def test_one_command_per_device_and_a_reply_that_says_it(
    intent: str, slots: dict[str, str | int], sent: list[DeviceCommand], reply: str
) -> None:
    backend = RecordingBackend()
    assert _act(_skill(backend), intent, **slots) == reply
    assert sorted(backend.actions, key=str) == sorted(sent, key=str)


def test_failures_are_spoken_by_device_name() -> None:
    backend = RecordingBackend(fail={"Office Light": "the home broker is not connected"})
    reply = _act(_skill(backend), "HassTurnOn", area="Office", domain="light")
    assert reply == ("Turned on the desk lamp, but I couldn't reach the office light: "
                     "the home broker is not connected.")


def test_state_and_temperature_come_from_the_devices() -> None:
    backend = RecordingBackend(states={"Garage Door": "open", "Bedroom Thermostat": "19.5"})
    skill = _skill(backend)
    assert _act(skill, "HassGetState", name="Garage Door") == "The garage door is open."
    assert _act(skill, "HassClimateGetTemperature", area="Bedroom") == \
        "It's 19.5 degrees in the bedroom."
    assert backend.actions == [StateQuery("Garage Door"),
                               StateQuery("Bedroom Thermostat", "current_temperature")]


def test_no_home_broker_is_said_not_pretended() -> None:
    skill = HomeSkill(HOME)
    assert _act(skill, "HassTurnOn", name="Desk Lamp") == NOT_CONNECTED
    # What the home lacks is named as asked (the NLU keeps a name the inventory lacks)
    assert _act(skill, "HassTurnOn", name="garage light") == "Sorry, there's no garage light here."
    assert _act(skill, "HassTurnOn", area="nursery", domain="light") == \
        "Sorry, I don't know the nursery."


def test_a_spoken_command_reaches_the_real_home_broker() -> None:
    with home_broker() as (host, port):
        seen: list[tuple[str, dict[str, object]]] = []
        subscribed = threading.Event()
        watcher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        watcher.on_connect = lambda c, *_: c.subscribe("home/+/+/set")
        watcher.on_subscribe = lambda *_: subscribed.set()
        watcher.on_message = lambda _c, _u, m: seen.append((m.topic, json.loads(m.payload)))
        watcher.connect(host, port)
        watcher.loop_start()
        backend = HomeMqttBackend(HOME, BrokerSettings(host, port))
        backend.start()
        try:
            assert subscribed.wait(5) and backend.wait_connected(5)
            skill = HomeSkill(HOME, ActionExecutor(backend, 1.0))
            assert _act(skill, "HassLightSet", name="Desk Lamp", brightness=100) == \
                "Set the desk lamp to 100 percent."
            deadline = time.monotonic() + 5
            while not seen and time.monotonic() < deadline:
                time.sleep(0.01)
            assert seen == [("home/light/desk_lamp/set", {"state": "ON", "brightness": 255})]
        finally:
            backend.close()
            watcher.disconnect()
            watcher.loop_stop()
