"""Devices of the (simulated) home: switch them on and off by name or by area and domain."""

from __future__ import annotations

from edge.inventory import Device, Inventory
from edge.messages import Understanding


class HomeSkill:
    intents = frozenset({"HassTurnOn", "HassTurnOff", "HassLightSet"})

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.state: dict[str, bool] = {d.name: False for d in inventory.devices}
        self.brightness: dict[str, int] = {}
        self.color: dict[str, str] = {}

    def _targets(self, slots: dict[str, str | int]) -> list[Device]:
        if "name" in slots:
            return [d for d in self.inventory.devices if d.name == slots["name"]]
        domain = str(slots["domain"]) if "domain" in slots else None
        if "area" in slots:
            return self.inventory.devices_in(str(slots["area"]), domain)
        return [d for d in self.inventory.devices if domain is not None and d.domain == domain]

    def handle(self, understanding: Understanding) -> str:
        slots = understanding.slots
        if understanding.intent == "HassLightSet":
            slots = {"domain": "light", **slots}
        targets = self._targets(slots)
        if not targets:
            return "Sorry, I couldn't find that device."
        if "name" in slots:
            what = f"the {targets[0].name.lower()}"
        elif "area" in slots:
            what = f"the {str(slots['area']).lower()} {slots.get('domain', 'device')}s"
        else:
            what = f"all the {targets[0].domain}s"
        if understanding.intent == "HassLightSet":
            return self._set_light(targets, slots, what)
        on = understanding.intent == "HassTurnOn"
        for device in targets:
            self.state[device.name] = on
        return f"Turned {'on' if on else 'off'} {what}."

    def _set_light(self, targets: list[Device], slots: dict[str, str | int], what: str) -> str:
        if "brightness" in slots:
            level = max(0, min(100, int(slots["brightness"])))
            for device in targets:
                self.brightness[device.name] = level
                self.state[device.name] = level > 0
            return f"Set {what} to {level} percent."
        if "color" in slots:
            for device in targets:
                self.color[device.name] = str(slots["color"])
                self.state[device.name] = True
            return f"Set {what} to {slots['color']}."
        return "To what brightness or color?"
