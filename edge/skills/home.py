"""Devices of the (simulated) home: switch them on and off by name or by area and domain."""

from __future__ import annotations

from edge.inventory import Device, Inventory
from edge.messages import Understanding


class HomeSkill:
    intents = frozenset({"HassTurnOn", "HassTurnOff"})

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.state: dict[str, bool] = {d.name: False for d in inventory.devices}

    def _targets(self, slots: dict[str, str | int]) -> list[Device]:
        if "name" in slots:
            return [d for d in self.inventory.devices if d.name == slots["name"]]
        domain = str(slots["domain"]) if "domain" in slots else None
        if "area" in slots:
            return self.inventory.devices_in(str(slots["area"]), domain)
        return [d for d in self.inventory.devices if domain is not None and d.domain == domain]

    def handle(self, understanding: Understanding) -> str:
        on = understanding.intent == "HassTurnOn"
        targets = self._targets(understanding.slots)
        if not targets:
            return "Sorry, I couldn't find that device."
        for device in targets:
            self.state[device.name] = on
        word = "on" if on else "off"
        if "name" in understanding.slots:
            what = f"the {targets[0].name.lower()}"
        elif "area" in understanding.slots:
            kind = str(understanding.slots.get("domain", "device"))
            what = f"the {str(understanding.slots['area']).lower()} {kind}s"
        else:
            what = f"all the {targets[0].domain}s"
        return f"Turned {word} {what}."
