"""The home's devices: switch, dim, colour, open, lock and read them, by name or by area.

The skill decides which devices and what to tell them; `edge.actions` carries it out on the
home's broker (one command per device) and the reply says what really happened, failures by
name. Without a home broker (`--home-broker`) it says so instead of pretending.
"""

from __future__ import annotations

import asyncio

from contract.inventory import Device, Inventory
from edge.actions.executor import ActionExecutor, TurnRef
from edge.actions.messages import ActionResult, Command, DeviceCommand, Rgb, StateQuery
from edge.messages import Understanding

NOT_CONNECTED = "I'm not connected to your home's devices, so I couldn't do that."
NOT_FOUND = "Sorry, I couldn't find that device."
COLORS: dict[str, Rgb] = {
    "white": (255, 255, 255), "black": (0, 0, 0), "red": (255, 0, 0),
    "orange": (255, 165, 0), "yellow": (255, 255, 0), "green": (0, 255, 0),
    "blue": (0, 0, 255), "purple": (128, 0, 128), "brown": (165, 42, 42),
    "pink": (255, 192, 203), "turquoise": (64, 224, 208),
}
# HassTurnOn / HassTurnOff per domain (Home Assistant's own mapping): what each means.
_ON_OFF: dict[str, tuple[Command, Command]] = {
    "cover": ("open", "close"), "lock": ("lock", "unlock"),
}
_DONE = {"turn_on": "Turned on {}", "turn_off": "Turned off {}", "open": "Opened {}",
         "close": "Closed {}", "lock": "Locked {}", "unlock": "Unlocked {}",
         "start": "Started {}", "return_to_base": "Sent {} home", "start_mowing": "Started {}",
         "dock": "Docked {}"}
CLEAN_AREA = "HassVacuumCleanArea"
_COMMON_NOUNS = frozenset({"thermostat", "fan", "lamp", "light", "lights", "tv", "heater",
                           "door", "lock", "blinds", "vacuum", "mower", "speaker", "switch",
                           "plug", "gate", "garage", "kettle", "radio"})
# Intents that are one command with no value, and the domain they mean without a name.
_SIMPLE: dict[str, tuple[Command, str]] = {
    "HassVacuumStart": ("start", "vacuum"),
    "HassVacuumReturnToBase": ("return_to_base", "vacuum"),
    "HassLawnMowerStartMowing": ("start_mowing", "lawn_mower"),
    "HassLawnMowerDock": ("dock", "lawn_mower"),
}
_DOMAIN_OF = {"HassLightSet": "light", "HassClimateGetTemperature": "climate",
              "HassClimateSetTemperature": "climate", "HassClimateSetFanMode": "climate",
              "HassSetPosition": "cover", "HassFanSetSpeed": "fan",
              **{intent: domain for intent, (_, domain) in _SIMPLE.items()}}
# A value the command needs: (command, slot).
_VALUED: dict[str, tuple[Command, str]] = {
    "HassClimateSetTemperature": ("set_temperature", "temperature"),
    "HassClimateSetFanMode": ("set_fan_mode", "fan_mode"),
    "HassSetPosition": ("set_position", "position"),
    "HassFanSetSpeed": ("set_percentage", "percentage"),
}
_VALUE_WORDS = {"set_temperature": "{} degrees", "set_position": "{} percent",
                "set_percentage": "{} percent", "set_brightness": "{} percent",
                "set_fan_mode": "{}"}


def _the(device: Device) -> str:
    """ "the desk lamp", but "Rosie": a one-word name that is no common noun is a name."""
    words = device.name.split()
    if len(words) == 1 and words[0].lower() not in _COMMON_NOUNS:
        return device.name
    return f"the {device.name.lower()}"


class HomeSkill:
    intents = frozenset({"HassTurnOn", "HassTurnOff", "HassLightSet", "HassGetState",
                         "HassClimateGetTemperature", "HassClimateSetTemperature",
                         "HassClimateSetFanMode", "HassSetPosition", "HassFanSetSpeed",
                         CLEAN_AREA, *_SIMPLE})

    def __init__(self, inventory: Inventory, executor: ActionExecutor | None = None) -> None:
        self.inventory = inventory
        self.executor = executor

    async def act(self, understanding: Understanding, turn: TurnRef) -> str:
        # Confirmation of unlocking and opening is the planner's (edge.nlu.plan.sensitive).
        if understanding.intent == CLEAN_AREA:
            return await self._clean_area(understanding.slots, turn)
        targets = self.inventory.targets(understanding.slots, _DOMAIN_OF.get(understanding.intent))
        if not targets:
            return self._not_found(understanding.slots)
        if self.executor is None:
            return NOT_CONNECTED
        intent, slots = understanding.intent, understanding.slots
        if intent in ("HassGetState", "HassClimateGetTemperature"):
            return await self._read(targets[0], intent, turn)
        missing = _VALUED.get(intent, ("", ""))[1]
        if missing and missing not in slots:
            return {"fan_mode": "To which fan mode?", "temperature": "To what temperature?"}.get(
                missing, "To what percentage?")
        commands = [self._command(intent, slots, d) for d in targets]
        results = await asyncio.gather(*(
            self.executor.execute(turn.key(i), command, turn)
            for i, command in enumerate(commands)
        ))
        return self._reply(intent, slots, list(zip(targets, commands, results, strict=True)))

    def _not_found(self, slots: dict[str, str | int]) -> str:
        """What the home lacks, named as the user said it (the NLU keeps a name or area the
        inventory does not have: "garage light")."""
        name, area = slots.get("name"), slots.get("area")
        if isinstance(name, str) and name not in {d.name for d in self.inventory.devices}:
            return f"Sorry, there's no {name.lower()} here."
        if isinstance(area, str) and area not in self.inventory.areas:
            return f"Sorry, I don't know the {area.lower()}."
        return NOT_FOUND

    def _command(self, intent: str, slots: dict[str, str | int], device: Device
                 ) -> DeviceCommand:
        if intent in _VALUED:
            command, slot = _VALUED[intent]
            value = slots[slot]
            return DeviceCommand(device.name, command, value if isinstance(value, int) else
                                 str(value))
        if intent in _SIMPLE:
            return DeviceCommand(device.name, _SIMPLE[intent][0])
        if intent == "HassLightSet":
            if "brightness" in slots:
                return DeviceCommand(device.name, "set_brightness", int(slots["brightness"]))
            color = COLORS.get(str(slots.get("color", "")).lower())
            if color is not None:
                return DeviceCommand(device.name, "set_color", color)
            return DeviceCommand(device.name, "turn_on")
        on, off = _ON_OFF.get(device.domain, ("turn_on", "turn_off"))
        return DeviceCommand(device.name, on if intent == "HassTurnOn" else off)

    def _reply(self, intent: str, slots: dict[str, str | int],
               done: list[tuple[Device, DeviceCommand, ActionResult]]) -> str:
        ok = [(d, c) for d, c, r in done if r.ok]
        failed = [(d, r) for d, _, r in done if not r.ok]
        parts = []
        if ok:
            device, command = ok[0]
            what = _the(device) if len(ok) == 1 else self._group(slots, ok[0][0], len(ok))
            if command.command in _VALUE_WORDS:
                value = _VALUE_WORDS[command.command].format(command.value)
                parts.append(f"Set {what} to {value}")
            elif command.command == "set_color":
                parts.append(f"Set {what} to {slots.get('color')}")
            else:
                parts.append(_DONE[command.command].format(what))
        for device, result in failed:
            parts.append(f"I couldn't reach {_the(device)}: {result.error}")
        return ", but ".join(parts) + "."

    @staticmethod
    def _group(slots: dict[str, str | int], first: Device, count: int) -> str:
        if "area" in slots:
            return f"the {str(slots['area']).lower()} {slots.get('domain', first.domain)}s"
        return f"all {count} {first.domain}s"

    async def _clean_area(self, slots: dict[str, str | int], turn: TurnRef) -> str:
        """ "Vacuum the kitchen": the area is where to clean, not where the vacuum stands."""
        area = slots.get("area")
        named = {"name": slots["name"]} if "name" in slots else {}
        vacuums = self.inventory.targets(named, "vacuum")
        if not vacuums:
            return NOT_FOUND
        if area is None:
            return "Which room should I clean?"
        if self.executor is None:
            return NOT_CONNECTED
        vacuum = vacuums[0]  # one vacuum per request: the named one, else the first
        result = await self.executor.execute(
            turn.key(0), DeviceCommand(vacuum.name, "clean_area", str(area)), turn)
        the = _the(vacuum)
        if not result.ok:
            return f"I couldn't reach {the}: {result.error}."
        return f"{the[0].upper()}{the[1:]} is cleaning the {str(area).lower()}."

    async def _read(self, device: Device, intent: str, turn: TurnRef) -> str:
        assert self.executor is not None
        attribute = "current_temperature" if intent == "HassClimateGetTemperature" else "state"
        result = await self.executor.execute(
            turn.key(0), StateQuery(device.name, attribute), turn)  # type: ignore[arg-type]
        if not result.ok:
            return f"I don't know: I couldn't read {_the(device)}: {result.error}."
        if attribute == "current_temperature":
            where = f" in the {device.area.lower()}" if device.area else ""
            return f"It's {result.state} degrees{where}."
        the = _the(device)
        return f"{the[0].upper()}{the[1:]} is {result.state}."
